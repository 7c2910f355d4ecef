"""Pelican plugin: fact-sheet pages from YAML fact sheets."""

from .plugin import register

__all__ = ["register"]
