"""Pelican plugin: fact-sheet pages from YAML fact sheets."""


def register() -> None:
    """Pelican's entry point. The plugin (and Pelican) is imported here, not with the package, so that
    `factsheets check` starts without loading Pelican."""
    from .plugin import register as register_plugin

    register_plugin()


__all__ = ["register"]
