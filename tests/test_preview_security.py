"""The preview server answers only to the names it is bound to, serves every file as one whole version,
answers an address without a file with the site's 404 page, and tells its pages the last build's problems.

Each test starts the preview's tornado application in this process, on 127.0.0.1 and a free port, in a
thread of its own; the requests come from this thread with the Host and Origin a browser would send.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tornado import web
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.ioloop import IOLoop
from tornado.websocket import websocket_connect

from factsheets.build import replace_folder
from factsheets.serve import LastBuild, PreviewServer, RebuildWatcher, bound_hosts
from helpers import free_port

DRAFT = b"<!doctype html><html><head><title>Draft</title></head><body><h1>Unpublished claim</h1></body></html>\n"
SHORTER = b"<!doctype html><html><head><title>New</title></head><body><h1>New</h1></body></html>\n"
LONGER = DRAFT.replace(b"</body>", b"<p>A much longer page.</p>" * 40 + b"</body>")
NOT_FOUND = (
    b"<!doctype html><html><head><title>Page not found</title></head><body><h1>Page not found</h1></body></html>\n"
)
PROBLEMS = "content/factsheets/claims.yaml:7:12: claimant: unknown actor 'russian-mod'\n1 problem found."


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


@dataclass
class Preview:
    port: int
    output: Path
    loop: asyncio.AbstractEventLoop  # the server's: the websocket clients run there too
    last_build: LastBuild

    def get(self, path: str, host: str | None = None) -> Reply:
        """GET path with this Host header (the server's own address by default), as a browser sends it."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host or f"127.0.0.1:{self.port}")
            connection.endheaders()
            response = connection.getresponse()
            try:
                body = response.read()
            except http.client.IncompleteRead as cut:  # fewer bytes than Content-Length promised
                body = cut.partial
            return Reply(response.status, response.headers, body)
        finally:
            connection.close()

    def open_websocket(self, host: str, origin: str | None, path: str = "/livereload") -> str:
        """Open the websocket at path with this Host and Origin and return the server's first message
        (livereload's answers a hello, which it is sent first)."""
        return self.in_loop(self._messages(host, origin, path, 1))[0]

    async def _messages(self, host: str, origin: str | None, path: str, count: int, then=None) -> list[str]:
        """The first count messages of the websocket at path; then() is called after the first."""
        headers = {"Host": host, **({"Origin": origin} if origin else {})}
        request = HTTPRequest(f"ws://127.0.0.1:{self.port}{path}", headers=headers, request_timeout=5)
        websocket = await websocket_connect(request)
        try:
            if path == "/livereload":
                await websocket.write_message(json.dumps({"command": "hello"}))
            messages = []
            while len(messages) < count:
                messages.append(await asyncio.wait_for(websocket.read_message(), 5))
                if then is not None and len(messages) == 1:
                    then()
            return messages
        finally:
            websocket.close()

    def problems_told(self, count: int, then=None) -> list[dict]:
        """The first count messages of the problems websocket, opened from the preview's own page."""
        host = f"127.0.0.1:{self.port}"
        messages = self.in_loop(self._messages(host, f"http://{host}", "/_preview/problems", count, then))
        return [json.loads(message) for message in messages]

    def in_loop(self, coroutine):
        # Not asyncio.run in this thread: Playwright's sync API may have left an event loop running here.
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)


@pytest.fixture
def preview(tmp_path: Path) -> Iterator[Preview]:
    """The preview's application serving a small draft site, as `factsheets serve` sets it up."""
    output = tmp_path / "output"
    (output / "events").mkdir(parents=True)
    (output / "index.html").write_bytes(DRAFT)
    (output / "draft.html").write_bytes(DRAFT)
    (output / "events" / "index.html").write_bytes(DRAFT.replace(b"Unpublished claim", b"Events"))
    port = free_port()
    loops: list[IOLoop] = []
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        loop = IOLoop.current()  # wraps the asyncio loop of this thread
        try:
            server = PreviewServer(watcher=RebuildWatcher(), last_build=last_build)
            server.root, server.default_filename = str(output), "index.html"  # what Server.serve() sets
            server.application(port, "127.0.0.1")
            loops.append(loop)
        finally:
            started.set()
        loop.start()
        loop.close(all_fds=True)  # the listening socket too

    last_build = LastBuild()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10) and loops, "the preview application did not start"
    try:
        yield Preview(port, output, loops[0].asyncio_loop, last_build)
    finally:
        loops[0].add_callback(loops[0].stop)
        thread.join(10)


def script_tag(port: int) -> bytes:
    """What the preview adds to the head of every page it serves: livereload's script, its own, and their style."""
    return (
        f'<script src="/livereload.js?port={port}"></script>'
        '<script src="/_preview/problems.js" defer></script>'
        '<link rel="stylesheet" href="/_preview/problems.css">'
    ).encode()


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "localhost", "127.0.0.1"])
def test_the_bound_host_names_get_the_page(preview: Preview, host: str):
    reply = preview.get("/draft.html", host.format(port=preview.port))
    assert reply.status == 200
    assert reply.body == DRAFT.replace(b"</head>", script_tag(preview.port) + b"</head>")


@pytest.mark.parametrize(
    "path",
    [
        *("/draft.html", "/", "/events/", "/missing.html", "/livereload.js", "/livereload", "/forcereload"),
        *("/_preview/problems.js", "/_preview/problems.css", "/_preview/problems"),
    ],
)
@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1.evil.example:{port}"])
def test_another_host_name_is_refused_with_a_reason_and_no_page(preview: Preview, host: str, path: str):
    """What a page of another site sees after DNS rebinding: its own name in the Host header."""
    reply = preview.get(path, host.format(port=preview.port))
    assert reply.status == 421
    assert reply.headers["Content-Type"].startswith("text/plain")
    assert reply.body.decode() == (
        f"This preview server answers only to 127.0.0.1:{preview.port}, localhost:{preview.port} "
        f"and [::1]:{preview.port}: open http://127.0.0.1:{preview.port}/ instead.\n"
    )
    assert b"Unpublished" not in reply.body and b"livereload" not in reply.body


WEBSOCKETS = ["/livereload", "/_preview/problems"]
FIRST_MESSAGE = {"/livereload": {"command": "hello"}, "/_preview/problems": {"problems": None}}


@pytest.mark.parametrize("path", WEBSOCKETS)
def test_a_websocket_from_the_same_origin_is_accepted(preview: Preview, path: str):
    for name in ("127.0.0.1", "localhost"):
        host = f"{name}:{preview.port}"
        message = json.loads(preview.open_websocket(host, f"http://{host}", path))
        assert FIRST_MESSAGE[path].items() <= message.items()


@pytest.mark.parametrize("path", WEBSOCKETS)
def test_a_websocket_without_origin_is_accepted_from_a_bound_host_name(preview: Preview, path: str):
    """Browsers always send Origin with a websocket; a client that does not is no web page."""
    message = json.loads(preview.open_websocket(f"127.0.0.1:{preview.port}", None, path))
    assert FIRST_MESSAGE[path].items() <= message.items()


@pytest.mark.parametrize("path", WEBSOCKETS)
@pytest.mark.parametrize(
    "origin", ["http://evil.example", "http://evil.example:{port}", "http://localhost:1", "null", "http://127.0.0.1"]
)
def test_a_websocket_from_another_origin_is_refused(preview: Preview, origin: str, path: str):
    preview.last_build.failed(PROBLEMS)
    with pytest.raises(HTTPClientError) as refused:
        preview.open_websocket(f"127.0.0.1:{preview.port}", origin.format(port=preview.port), path)
    assert refused.value.code == 403
    assert refused.value.response.body.decode() == (
        "Refused: a websocket of the preview opens only from a page of the preview itself.\n"
    )


@pytest.mark.parametrize("path", WEBSOCKETS)
def test_a_websocket_with_another_host_name_is_refused_even_from_its_own_origin(preview: Preview, path: str):
    host = f"evil.example:{preview.port}"
    with pytest.raises(HTTPClientError) as refused:
        preview.open_websocket(host, f"http://{host}", path)
    assert refused.value.code == 421


def test_open_pages_are_told_the_problems_of_a_failed_build_and_that_the_next_build_succeeded(preview: Preview):
    def fail_then_succeed() -> None:
        preview.loop.call_soon_threadsafe(preview.last_build.failed, PROBLEMS)
        preview.loop.call_soon_threadsafe(preview.last_build.succeeded)

    told = preview.problems_told(3, then=fail_then_succeed)
    assert told == [{"problems": None}, {"problems": PROBLEMS}, {"problems": None}]


def test_a_page_opened_while_the_last_build_failed_is_told_its_problems(preview: Preview):
    preview.last_build.failed(PROBLEMS)
    assert preview.problems_told(1) == [{"problems": PROBLEMS}]


def test_forcereload_is_not_served(preview: Preview):
    """Nothing in the project calls it, and any page could make every open preview reload through it."""
    reply = preview.get("/forcereload")
    assert reply.status == 404
    assert reply.body != b"ok"


def test_folders_missing_pages_and_ranges_are_served_as_before(preview: Preview):
    """What the preview keeps of tornado's static files: index.html for a folder, a 404, ranges."""
    folder = preview.get("/events/")
    assert folder.status == 200 and b"<h1>Events</h1>" in folder.body
    assert preview.get("/events").status == 301
    missing = preview.get("/missing.html")
    assert missing.status == 404 and b"Unpublished" not in missing.body
    assert preview.get("/../draft.html").status in (400, 403, 404)
    connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=5)
    try:
        connection.request("GET", "/draft.html", headers={"Range": "bytes=0-14"})
        response = connection.getresponse()
        assert (response.status, response.read()) == (206, DRAFT[:15])
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/claims/renamed-claim.html", "/no/such/folder/", "/forcereload"])
def test_an_address_without_a_file_gets_the_sites_404_page_with_live_reload(preview: Preview, path: str):
    """So that a page whose id was renamed reloads into the site's 404 page, and comes back when it is restored."""
    (preview.output / "404.html").write_bytes(NOT_FOUND)
    reply = preview.get(path)
    assert reply.status == 404
    assert reply.headers["Content-Type"].startswith("text/html")
    assert reply.body == NOT_FOUND.replace(b"</head>", script_tag(preview.port) + b"</head>")
    assert int(reply.headers["Content-Length"]) == len(reply.body)


def test_without_a_404_page_an_address_without_a_file_gets_a_page_that_reloads(preview: Preview):
    """Before a first good build there is no 404.html: the preview's own page, with live reload and problems."""
    preview.last_build.failed(PROBLEMS)
    reply = preview.get("/index-of-a-site-not-built.html")
    assert reply.status == 404
    assert script_tag(preview.port) in reply.body
    assert b"Unpublished" not in reply.body and b"russian-mod" not in reply.body  # told by the websocket only


def replace_the_file(output: Path, new_text: bytes) -> None:
    """How an incremental rebuild writes a page: a whole new file moved into place."""
    staged = output.parent / "staged.html"
    staged.write_bytes(new_text)
    os.replace(staged, output / "draft.html")


def swap_the_folder(output: Path, new_text: bytes) -> None:
    """How a whole build lands: a new output folder takes the old one's place."""
    staging = output.parent / "staging"
    staging.mkdir()
    for page in output.rglob("*.html"):
        (staging / page.relative_to(output)).parent.mkdir(parents=True, exist_ok=True)
        (staging / page.relative_to(output)).write_bytes(page.read_bytes())
    (staging / "draft.html").write_bytes(new_text)
    replace_folder(staging, output)


@pytest.mark.parametrize("new_text", [SHORTER, LONGER], ids=["shorter", "longer"])
@pytest.mark.parametrize("rebuild", [replace_the_file, swap_the_folder])
def test_a_page_rebuilt_while_it_is_served_arrives_whole(
    preview: Preview, monkeypatch: pytest.MonkeyPatch, rebuild: Callable[[Path, bytes], None], new_text: bytes
):
    """The rebuild lands right after the handler took the file's size, before it sends the body."""
    set_header = web.RequestHandler.set_header
    rebuilt: list[bool] = []

    def rebuild_after_content_length(handler: web.RequestHandler, name: str, value) -> None:
        set_header(handler, name, value)
        if name == "Content-Length" and handler.request.path == "/draft.html" and not rebuilt:
            rebuild(preview.output, new_text)
            rebuilt.append(True)

    monkeypatch.setattr(web.StaticFileHandler, "set_header", rebuild_after_content_length)
    reply = preview.get("/draft.html")
    assert rebuilt and (preview.output / "draft.html").read_bytes() == new_text, "the rebuild did not happen"
    assert reply.status == 200
    assert int(reply.headers["Content-Length"]) == len(reply.body)
    script = script_tag(preview.port)
    assert reply.body.count(script) == 1
    assert reply.body.replace(script, b"") in (DRAFT, new_text)


@pytest.mark.parametrize(
    ("bind", "accepted", "refused"),
    [
        (
            "127.0.0.1",
            ["127.0.0.1:8000", "localhost:8000", "LocalHost", "[::1]:8000", "[::1]"],
            ["evil.example:8000", "localhost:8001", "localhost.:8000", "::1", "192.168.1.5:8000", ""],
        ),
        ("::1", ["[::1]:8000", "127.0.0.1:8000", "localhost"], ["evil.example:8000", "[::2]:8000"]),
        ("localhost", ["localhost:8000", "127.0.0.1", "[::1]:8000"], ["evil.example:8000"]),
        ("192.168.1.5", ["192.168.1.5:8000", "192.168.1.5"], ["localhost:8000", "127.0.0.1:8000", "evil.example"]),
        ("fd00::5", ["[fd00::5]:8000", "[FD00::5]"], ["fd00::5", "localhost:8000", "evil.example:8000"]),
        ("0.0.0.0", ["evil.example:8000", "192.168.1.5:8000", "localhost:8000"], []),
        ("::", ["evil.example:8000", "[fd00::5]:8000"], []),
    ],
)
def test_the_names_each_bind_answers_to(bind: str, accepted: list[str], refused: list[str]):
    hosts = bound_hosts(bind, 8000)
    assert [host for host in accepted if not hosts.accept(host)] == []
    assert [host for host in refused if hosts.accept(host)] == []
