"""Shared fixtures and hooks: sites built once and shared by the tests that only read them, copies of the
content for the tests that break it. The helpers the tests import are in helpers.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import CONTENT, BuiltSites

TEST_CACHE_HOME = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """Every build the tests run keeps its caches, and the key that signs them, in a folder of the test run's
    own (the builds are subprocesses: they inherit it), never in the user's cache folder."""
    config.stash[TEST_CACHE_HOME] = tempfile.mkdtemp(prefix="factsheets-tests-cache-")
    os.environ["XDG_CACHE_HOME"] = config.stash[TEST_CACHE_HOME]


def pytest_unconfigure(config: pytest.Config) -> None:
    if TEST_CACHE_HOME in config.stash:
        shutil.rmtree(config.stash[TEST_CACHE_HOME], ignore_errors=True)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSites]:
    """built_site(content=CONTENT, settings="pelicanconf.py", **overrides) -> the folder of that build, made
    once per test run (see BuiltSites). Tests only read it: one that writes copies it first (shutil.copytree);
    a shared build that a test changed fails the run here."""
    builds = BuiltSites(tmp_path_factory.mktemp)
    yield builds
    changed = builds.changed()
    assert not changed, f"a test wrote into a shared build (copy it first): {changed}"


@pytest.fixture(scope="session")
def site(built_site: BuiltSites) -> Path:
    """The real content built with the project's settings, once per test run."""
    return built_site()


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A copy of the real content that a test may break."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy


BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser drives Chromium: marked `browser`, so `-m "not browser"` is the quick set."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def mounted_output(tmp_path: Path) -> Iterator[Path]:
    """An output folder that is a mount point (a tmpfs), as a Docker volume is; skipped where one cannot mount."""
    output = tmp_path / "output"
    output.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(output)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield output
    finally:
        subprocess.run(["umount", "--lazy", str(output)], check=True)
