"""Tests that drive the built site and the preview server in a real browser."""
