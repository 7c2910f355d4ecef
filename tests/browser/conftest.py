"""Browser fixtures: Debian's Chromium for Playwright, and the real site built once and served over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Page

from helpers import SMALL_SEARCH_FILES, BuiltSites

from .helpers import BrowserProblems, QuietHandler, SiteServer

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium tries to reach hosts this machine cannot reach, and logs errors.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Playwright cannot download its own browser here: it drives Debian's (`make test` installs it)."""
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: `make test` installs Debian's chromium package"
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def built_site(built_site: BuiltSites) -> Path:
    """The real content, built once (the run's shared build, see tests/conftest.py), for the browser tests.

    The search index is built in parts of 10 pages by two processes, as a large site's would be, so that
    searching merges several parts in the browser (test_views reads the same build's parts).
    """
    return built_site(**SMALL_SEARCH_FILES)


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site served on 127.0.0.1 on a free port, for the whole session."""
    server = SiteServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(built_site)))
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def site_pages(built_site: Path) -> list[str]:
    """Every page of the built site, as paths relative to its root."""
    return sorted(str(page.relative_to(built_site)) for page in built_site.rglob("*.html"))


@pytest.fixture
def browser_problems(page: Page) -> BrowserProblems:
    """Console errors, uncaught errors and failed requests of the test's page."""
    problems = BrowserProblems()
    problems.watch(page)
    return problems
