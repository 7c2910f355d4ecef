"""Shared fixtures: the real site built once, and helpers to build broken copies of the content."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIN = Path(sys.executable).parent

# Every build the tests run keeps its caches, and the key that signs them, in a folder of the test run's
# own (the builds are subprocesses: they inherit it), never in the user's cache folder.
TEST_CACHE_HOME = tempfile.mkdtemp(prefix="factsheets-tests-cache-")
os.environ["XDG_CACHE_HOME"] = TEST_CACHE_HOME
atexit.register(shutil.rmtree, TEST_CACHE_HOME, ignore_errors=True)


def run_pelican(
    content_dir: Path, output_dir: Path, settings: str = "pelicanconf.py", overrides: dict[str, object] | None = None
) -> subprocess.CompletedProcess:
    """Build a site the way an editor does, with the project's settings, theme and plugin (and pelican -e overrides)."""
    extra = ["-e", *(f"{name}={json.dumps(value)}" for name, value in overrides.items())] if overrides else []
    return subprocess.run(
        [str(BIN / "pelican"), str(content_dir), "-o", str(output_dir), "-s", str(ROOT / settings), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_check(content_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "factsheets"), "check", str(content_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def read_page(output_dir: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((output_dir / page).read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The real content built into a temporary folder, once per test run."""
    output = tmp_path_factory.mktemp("site")
    result = run_pelican(CONTENT, output)
    assert result.returncode == 0, result.stderr
    return output


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A copy of the real content that a test may break."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy
