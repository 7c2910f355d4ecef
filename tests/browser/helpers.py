"""Helpers the browser tests import (`from .helpers import ...`): a static server for a built site, and what
goes wrong in the browser's developer tools. The fixtures are in conftest.py beside this file."""

from __future__ import annotations

from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page, Request, Response

ROOT = Path(__file__).resolve().parents[2]


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class SiteServer(ThreadingHTTPServer):
    """A static server for tests: the default listen backlog of 5 resets connections under a browser's bursts."""

    request_queue_size = 1024
    daemon_threads = True


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
