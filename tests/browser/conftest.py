"""Browser fixtures: Debian's Chromium for Playwright, and the real site built once and served over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, Response

from factsheets.build import build_site

ROOT = Path(__file__).resolve().parents[2]
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
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real content, built once with the atomic build into a temporary folder.

    The search index is built in parts of 10 pages, as a large site's would be, so that searching
    merges several parts in the browser.
    """
    output = tmp_path_factory.mktemp("browser") / "output"
    small_parts = {"FACTSHEETS_SEARCH_PAGES_PER_INDEX": 10}
    result = build_site(ROOT / "pelicanconf.py", ROOT / "content", output, quiet=True, extra_settings=small_parts)
    assert result.ok, "the real content does not build: run `make check`"
    return output


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class SiteServer(ThreadingHTTPServer):
    """A static server for tests: the default listen backlog of 5 resets connections under a browser's bursts."""

    request_queue_size = 1024
    daemon_threads = True


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


@dataclass
class BrowserProblems:
    """What a person would see go wrong in the browser's developer tools while pages load."""

    messages: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.messages.append(f"uncaught error: {error}"))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "")
            self.messages.append(f"console error: {message.text} ({location})")

    LIVE_RELOAD_REQUESTS = ("script", "websocket", "xhr", "fetch", "eventsource")
    """What the preview's live reload and problems overlay use: their failures are always reported."""

    def _on_request_failed(self, request: Request) -> None:
        if request.failure == "net::ERR_ABORTED" and request.resource_type not in self.LIVE_RELOAD_REQUESTS:
            # A page load replaced by another (a live reload arriving meanwhile), or what that page was still
            # fetching (its favicon): not a failure. Scripts and websockets that fail are still reported.
            return
        self.messages.append(f"request failed: {request.url} ({request.failure})")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.messages.append(f"HTTP {response.status}: {response.url}")

    def take(self) -> list[str]:
        """The problems seen since the last call."""
        seen, self.messages = self.messages, []
        return seen


@pytest.fixture
def browser_problems(page: Page) -> BrowserProblems:
    """Console errors, uncaught errors and failed requests of the test's page."""
    problems = BrowserProblems()
    problems.watch(page)
    return problems
