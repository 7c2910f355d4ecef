"""The preview server: build once, serve the site, rebuild on every change and reload the browser.

The preview builds into a folder of its own (PREVIEW_FOLDER, beside the settings file, unless ``-o``
names another), never the published output: a running preview cannot rewrite a published site.

Rebuilds run in this process through a ``LiveSite`` (see incremental.py): an edit of free text in a
fact sheet re-renders only the pages that read the changed records, the edited page first (a quarter
of a second at 10,000 claims); any other edit rebuilds the whole site, atomically. After an edit to the
plugin's own code, every rebuild runs ``factsheets build`` in a fresh Python process instead. While a
rebuild runs, and after one fails, the server goes on serving the last good site. A failed build prints
its problems to stderr (the same lines as ``factsheets check``), and every open page shows them in an
overlay (``LastBuild``, ``ProblemsSocket`` and preview/problems.js); the next good edit brings the site
back and removes it. Each build prints how many pages it wrote and how long it took. An address
without a file gets the site's own 404 page, with live reload, so that a page whose record was renamed
comes back by itself when the name is restored.

The browser reloads through the ``livereload`` package. Its own snippet is an inline script, which the
site's Content-Security-Policy (``script-src 'self'``) refuses, so the pages get a plain same-origin
``<script src="/livereload.js?port=...">`` instead; its websocket is same-origin too (``connect-src 'self'``).
The overlay's script and stylesheet are same-origin files under /_preview/ (no record id can make that
address), added to the pages as they are served and never written into the site.

The server answers only to the host names it is bound to (127.0.0.1, localhost and [::1] on a loopback
address), so a page of another site cannot read the drafts by having its own name resolve to this
machine (DNS rebinding); its websocket opens only from the preview's own pages; and every file is
served from one open handle, so a page replaced by a rebuild while it is sent arrives whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import json
import logging
import os
import stat
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from livereload import Server
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from livereload.server import LiveScriptInjector
from livereload.watcher import Watcher
from pelican.settings import read_settings
from tornado import web
from tornado.ioloop import IOLoop
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from .build import page_count
from .incremental import LiveSite, Outcome, UpdateReport

PREVIEW_FOLDER = ".preview"
"""Where the preview builds, beside the settings file, unless ``factsheets serve -o`` says otherwise."""
PREVIEW_ASSETS = Path(__file__).parent / "preview"
"""The overlay's script and stylesheet, served at /_preview/."""
NOT_FOUND_PAGE = "404.html"
"""The site's own page for an address without one."""
NO_SITE_YET = b"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>No page here yet</title>
</head>
<body>
<main>
<h1>No page here yet</h1>
<p>The preview has no page at this address, and no 404 page: the site has not been built yet. This page
reloads by itself when the site builds.</p>
</main>
</body>
</html>
"""
"""What an address without a file gets when there is no 404.html yet (the first build failed)."""


@dataclass(frozen=True)
class SitePaths:
    """Where the site comes from and where it goes, as absolute paths."""

    settings: Path
    content: Path
    output: Path
    watched: tuple[Path, ...]
    plugin_folders: tuple[Path, ...]


def serve(
    settings_file: Path,
    content_dir: Path | None = None,
    output_dir: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Build the site, serve it on http://host:port/ and rebuild it whenever a watched file changes."""
    paths = site_paths(settings_file, content_dir, output_dir)
    live = LiveSite(paths.settings, paths.content, paths.output)
    with recording_stderr() as stderr:  # what a failed build prints there, the open pages show
        builds = PreviewBuilds(live, build_command(paths), LastBuild(), stderr)
        builds.build_first()
        paths.output.mkdir(parents=True, exist_ok=True)

        server = PreviewServer(watcher=RebuildWatcher(), last_build=builds.last_build)
        for path in paths.watched:
            if path == paths.content:
                server.watch(str(path), builds.content_changed)
            elif path in paths.plugin_folders:
                server.watch(str(path), builds.plugin_changed)
            else:
                server.watch(str(path), builds.theme_or_settings_changed)
        print(f"Serving {paths.output} on http://{host}:{port}/ (Ctrl-C to stop); watching:", flush=True)
        for path in paths.watched:
            print(f"  {path}", flush=True)
        if not bound_hosts(host, port).names:
            print(f"{host} is every interface: the preview answers to any host name that reaches it.", flush=True)
        server.serve(root=str(paths.output), host=host, port=port)


def site_paths(settings_file: Path, content_dir: Path | None, output_dir: Path | None) -> SitePaths:
    """The content, theme and plugin folders the settings name, and the preview's folder (PREVIEW_FOLDER
    beside the settings file, not the published OUTPUT_PATH), with the command line's overrides."""
    settings_file = settings_file.resolve()
    settings = read_settings(str(settings_file))
    content = (content_dir or Path(settings["PATH"])).resolve()
    output = (output_dir or settings_file.parent / PREVIEW_FOLDER).resolve()
    setting_files = sorted({settings_file, *settings_file.parent.glob("*conf.py")})
    plugin_folders = tuple(Path(p).resolve() for p in settings["PLUGIN_PATHS"])
    folders = [content, Path(settings["THEME"]).resolve(), *plugin_folders]
    return SitePaths(settings_file, content, output, (*folders, *setting_files), plugin_folders)


def build_command(paths: SitePaths) -> list[str]:
    """``factsheets build`` in a new interpreter: it loads the plugin and the theme as they are now."""
    return [
        sys.executable,
        "-m",
        "factsheets.cli",
        "build",
        "-s",
        str(paths.settings),
        "-o",
        str(paths.output),
        str(paths.content),
    ]


def reload_browsers() -> None:
    """Tell every open page to reload in full (the theme's CSS and the pages change together)."""
    LiveReloadHandler.reload_waiters("*")


@dataclass(frozen=True)
class Rebuild:
    """What one build did: wrote pages (how many), found nothing to do, or failed with these problems."""

    wrote: bool = False
    pages: int = 0
    problems: str = ""
    """What the failed build printed on stderr, as the pages show it (see shown_problems)."""


class PreviewBuilds:
    """The watcher's tasks: one build at a time, off the server's thread, so pages are served meanwhile.

    An edit to the content, the theme or the settings is built in this process by the LiveSite: an edit
    of free text re-renders only the pages that read it, anything else rebuilds the whole site. The
    plugin's own code can only be reloaded by a new process: after an edit to it every build runs
    ``factsheets build`` in a fresh interpreter. Only a build that succeeded reloads the browsers; one that
    failed has its problems, as printed on stderr, shown on every open page (``LastBuild``).
    """

    def __init__(self, live: LiveSite, command: list[str], last_build: LastBuild, stderr: RecordingStderr) -> None:
        self.live = live
        self.command = command
        self.last_build = last_build
        self.stderr = stderr
        self.in_process = True
        self._running = False
        self._pending: set[str] = set()
        self._index_stale = False

    def build_first(self) -> None:
        """The whole build, before the server starts."""
        started = time.perf_counter()
        with self.stderr.recording() as printed:
            built = self.live.build_all()
        if built:
            print(f"built {_pages(self.live.whole_build.pages)} in {time.perf_counter() - started:.2f} s", flush=True)
        else:
            self.last_build.failed(shown_problems("".join(printed)))
            print(
                "The first build failed: fix the problems above; the site is rebuilt on every change.", file=sys.stderr
            )

    def content_changed(self) -> None:
        self._request("content")

    def theme_or_settings_changed(self) -> None:
        self._request("everything")

    def plugin_changed(self) -> None:
        self._request("plugin")

    def _request(self, change: str) -> None:
        self._pending.add(change)
        if not self._running:
            self._running = True
            IOLoop.current().spawn_callback(self._build_until_current)

    async def _build_until_current(self) -> None:
        loop = IOLoop.current()
        try:
            while self._pending:
                changes, self._pending = self._pending, set()
                if "plugin" in changes and self.in_process:
                    self.in_process = False
                    print("The plugin's code changed: every rebuild now runs in a new process.", flush=True)
                if self.in_process:
                    everything = "everything" in changes
                    rebuild = await loop.run_in_executor(None, self.build_in_process, loop, everything)
                else:
                    rebuild = await self._build_in_subprocess()
                if rebuild.problems:
                    self.last_build.failed(rebuild.problems)
                else:  # built, or the content is back as it was at the last good build
                    self.last_build.succeeded()
                if rebuild.wrote:
                    reload_browsers()
                    self._index_stale = self.in_process and self.live.search_pending  # a new process indexes itself
                if self._index_stale and not self._pending:
                    await loop.run_in_executor(None, self.live.reindex_search)
                    self._index_stale = False
        finally:
            self._running = False

    def _first_pages_written(self) -> None:
        """The edited records' own pages are in place: their readers may reload, without the old problems."""
        self.last_build.succeeded()
        reload_browsers()

    def build_in_process(self, loop: IOLoop, everything: bool) -> Rebuild:
        """The incremental update, or the whole build when it is needed."""
        started = time.perf_counter()
        if everything:
            self.live.forget()
        with self.stderr.recording() as printed:
            try:
                update = self.live.update(after_first_pages=lambda: loop.add_callback(self._first_pages_written))
                if update.outcome is Outcome.NEEDS_FULL_BUILD:
                    built = self.live.build_all(search_later=True)
                    update = UpdateReport(Outcome.UPDATED if built else Outcome.PROBLEMS, self.live.whole_build.pages)
            except Exception:  # a fault of the plugin, not of the content: its traceback, and a whole build next
                traceback.print_exc()
                self.live.forget()
                update = UpdateReport(Outcome.PROBLEMS)
        if update.outcome is Outcome.UNCHANGED:
            return Rebuild()
        if update.outcome is Outcome.PROBLEMS:
            _report_failure(started)
            return Rebuild(problems=shown_problems("".join(printed)))
        print(f"rebuilt {_pages(update.pages)} in {time.perf_counter() - started:.2f} s", flush=True)
        if update.changed_records:
            print(f"  (the pages that read {', '.join(update.changed_records)})", flush=True)
        return Rebuild(wrote=True, pages=update.pages)

    async def _build_in_subprocess(self) -> Rebuild:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(*self.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        printed: list[str] = []
        # The build's problems appear on the terminal as they are printed, and are kept for the pages.
        stdout, _ = await asyncio.gather(process.stdout.read(), _relay(process.stderr, printed))
        if await process.wait() != 0:
            sys.stdout.write(stdout.decode(errors="replace"))
            _report_failure(started)
            return Rebuild(problems=shown_problems("".join(printed)))
        pages = page_count(self.live.output_dir)
        print(f"rebuilt {_pages(pages)} in {time.perf_counter() - started:.2f} s", flush=True)
        return Rebuild(wrote=True, pages=pages)


async def _relay(stream: asyncio.StreamReader, printed: list[str]) -> None:
    """Copy a build's stderr to this process's, line by line, keeping what it printed."""
    async for line in stream:
        text = line.decode(errors="replace")
        printed.append(text)
        sys.stderr.write(text)
        sys.stderr.flush()


def _pages(count: int) -> str:
    return f"{count} page{'s' if count != 1 else ''}"


def _report_failure(started: float) -> None:
    seconds = time.perf_counter() - started
    print(f"rebuild failed after {seconds:.2f} s; still serving the last good site", file=sys.stderr, flush=True)


def shown_problems(printed: str) -> str:
    """What the pages show of a failed build's stderr: the lines as a terminal shows them (a progress
    line rewritten after a carriage return, its last state), or for an unexpected error (a traceback),
    its one-line summary."""
    shown = "\n".join(line.rsplit("\r", 1)[-1] for line in printed.split("\n")).strip()
    if "Traceback (most recent call last):" in shown:
        return shown.splitlines()[-1]
    return shown or "the build failed without saying why: see the terminal"


class RecordingStderr:
    """sys.stderr, passed through, keeping as well what a thread writes while it records.

    A failed build prints its problems on stderr (``factsheets check``'s lines, or what went wrong): kept
    as they were printed, they are what the open pages show, the same lines as the terminal.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._kept: dict[int, list[str]] = {}

    def write(self, text: str) -> int:
        kept = self._kept.get(threading.get_ident())
        if kept is not None:
            kept.append(text)
        return self.stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self.stream, name)  # flush, isatty, fileno, encoding

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[str]]:
        """What this thread writes on stderr in the block, as it is written."""
        kept: list[str] = []
        self._kept[threading.get_ident()] = kept
        try:
            yield kept
        finally:
            del self._kept[threading.get_ident()]


@contextlib.contextmanager
def recording_stderr() -> Iterator[RecordingStderr]:
    """sys.stderr replaced by a RecordingStderr for the block."""
    original = sys.stderr
    sys.stderr = RecordingStderr(original)
    try:
        yield sys.stderr
    finally:
        sys.stderr = original


class LastBuild:
    """The problems of the last build (empty after a good one), told to every open page of the preview.

    Used from the server's thread: each ``ProblemsSocket`` is told them when it opens, and again whenever a
    build fails or, after a failure, succeeds.
    """

    def __init__(self) -> None:
        self.problems = ""
        self.sockets: set[ProblemsSocket] = set()

    def failed(self, problems: str) -> None:
        self.problems = problems
        self._tell_every_page()

    def succeeded(self) -> None:
        if self.problems:
            self.problems = ""
            self._tell_every_page()

    def message(self) -> str:
        return json.dumps({"problems": self.problems or None})

    def _tell_every_page(self) -> None:
        for socket in list(self.sockets):
            socket.tell(self.message())


class RebuildWatcher(Watcher):
    """Runs the task of each changed path, but leaves the reload to the rebuild: no reload before the new site."""

    def examine(self) -> tuple[None, None]:
        super().examine()
        return None, None


class PreviewServer(Server):
    """livereload's server with a same-origin ``<script src>`` instead of its inline snippet, and less chatter.

    It answers only to the host names it is bound to (see ``bound_hosts``), opens its websockets only
    from its own pages, serves every file from one open handle (``OneVersionFileHandler``), the site's
    404 page where there is no file, and leaves out livereload's ``/forcereload``, which nothing here
    uses and any page could call. Every page gets the problems overlay's script and stylesheet too.
    """

    def __init__(self, watcher: Watcher | None = None, last_build: LastBuild | None = None) -> None:
        super().__init__(watcher=watcher)
        self.last_build = last_build or LastBuild()

    def application(self, port, host, liveport=None, debug=None, live_css=True) -> None:
        LiveReloadHandler.watcher = self.watcher
        LiveReloadHandler.live_css = live_css

        class PreviewScripts(LiveScriptInjector):
            script = (
                f'<script src="/livereload.js?port={port}"></script>'
                '<script src="/_preview/problems.js" defer></script>'
                '<link rel="stylesheet" href="/_preview/problems.css">'
            ).encode()

        handlers = [
            (r"/livereload", SameOriginReloadSocket),
            (r"/livereload.js", LiveReloadJSHandler),
            (r"/_preview/problems", ProblemsSocket, {"last_build": self.last_build}),
            (r"/_preview/(problems\.(?:js|css))", web.StaticFileHandler, {"path": str(PREVIEW_ASSETS)}),
            (r"/(.*)", OneVersionFileHandler, {"path": self.root, "default_filename": self.default_filename}),
        ]
        application = BoundHostsApplication(
            bound_hosts(host, port), handlers=handlers, debug=bool(debug), transforms=[PreviewScripts]
        )
        application.listen(port, address=host)

    def _setup_logging(self) -> None:
        logging.getLogger("livereload").setLevel(logging.WARNING)


LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
EVERY_INTERFACE = ("", "0.0.0.0", "::")


@dataclass(frozen=True)
class BoundHosts:
    """The host names the preview answers to, as a ``Host`` header writes them (without the port)."""

    names: tuple[str, ...]  # empty: any name
    port: int

    def accept(self, host_header: str) -> bool:
        """Whether a ``Host`` header names the preview: one of the names, with or without the port."""
        host = host_header.lower()
        return not self.names or host in self.names or host in self.addresses()

    def addresses(self) -> list[str]:
        return [f"{name}:{self.port}" for name in self.names]


def bound_hosts(host: str, port: int) -> BoundHosts:
    """The names the preview answers to when it listens on host:port.

    A page of another site that has its own name resolve to this machine (DNS rebinding) sends that
    name as ``Host``: refusing every name but the bound ones keeps it from reading the drafts. Bound
    to a loopback address, the preview answers to 127.0.0.1, localhost and [::1]; bound to another
    address or name, to that one. Bound to every interface (0.0.0.0 or ::) it answers to any name:
    the user chose to expose it, under whatever names reach the machine.
    """
    if host in EVERY_INTERFACE:
        return BoundHosts((), port)
    name = host.lower()
    name = f"[{name}]" if ":" in name else name  # an IPv6 address is written in brackets in a Host header
    if host.lower() == "localhost" or _is_loopback_address(host):
        return BoundHosts(tuple(dict.fromkeys([*LOOPBACK_NAMES, name])), port)
    return BoundHosts((name,), port)


def _is_loopback_address(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BoundHostsApplication(web.Application):
    """Hands a request whose ``Host`` is not one of the bound names to ``WrongHostHandler``.

    Before any handler is chosen, so pages, livereload.js and the websocket are refused alike.
    """

    def __init__(self, hosts: BoundHosts, **settings) -> None:
        self.bound_hosts = hosts
        super().__init__(**settings)

    def find_handler(self, request, **kwargs):
        if not self.bound_hosts.accept(request.headers.get("Host", "")):
            return self.get_handler_delegate(request, WrongHostHandler, {"addresses": self.bound_hosts.addresses()})
        return super().find_handler(request, **kwargs)


class WrongHostHandler(web.RequestHandler):
    """421 Misdirected Request, with the addresses that work, whatever the method or path."""

    def initialize(self, addresses: list[str]) -> None:
        self.addresses = addresses

    def prepare(self) -> None:
        *others, last = self.addresses
        listed = f"{', '.join(others)} and {last}" if others else last
        self.set_status(421)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"This preview server answers only to {listed}: open http://{self.addresses[0]}/ instead.\n")


class SameOriginSocket(WebSocketHandler):
    """A websocket opened only from a page of the preview itself.

    Its ``Origin`` must name the same host and port as its ``Host`` (which ``BoundHostsApplication``
    has accepted already). Browsers always send ``Origin`` with a websocket, so a handshake without one
    comes from another kind of client, which could as well read the files: it is let through.
    """

    def prepare(self) -> None:
        origin = self.request.headers.get("Origin")
        if origin is not None and not self.check_origin(origin):
            self.set_status(403)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish("Refused: a websocket of the preview opens only from a page of the preview itself.\n")

    def check_origin(self, origin: str) -> bool:
        scheme, netloc = urllib.parse.urlsplit(origin)[:2]
        return scheme in ("http", "https") and netloc.lower() == self.request.headers.get("Host", "").lower()


class SameOriginReloadSocket(SameOriginSocket, LiveReloadHandler):
    """livereload's websocket, opened only from a page of the preview itself."""


class ProblemsSocket(SameOriginSocket):
    """Tells a page of the preview the last build's problems: when it opens, and whenever they change.

    Each message is ``{"problems": "<the lines>"}``, or ``{"problems": null}`` when the last build succeeded.
    """

    def initialize(self, last_build: LastBuild) -> None:
        self.last_build = last_build

    def open(self) -> None:
        self.last_build.sockets.add(self)
        self.tell(self.last_build.message())

    def on_message(self, message: str | bytes) -> None:
        pass  # the page says nothing

    def on_close(self) -> None:
        self.last_build.sockets.discard(self)

    def tell(self, message: str) -> None:
        try:
            self.write_message(message)
        except WebSocketClosedError:
            self.last_build.sockets.discard(self)


class OneVersionFileHandler(web.StaticFileHandler):
    """Serves each file from the one handle it opened: size, modification time, etag and body agree.

    tornado's handler stats the file for ``Content-Length`` and opens it again by name for the body; a
    rebuild that replaces the file in between (``os.replace``, or the output folder swapped) made it
    send one version's length with another's bytes. An open handle keeps reading the version it
    opened, whatever replaces its name. Like livereload's handler, it never answers 304: a reload
    always gets the newest file.
    """

    served_file: BinaryIO | None = None
    served_stat: os.stat_result | None = None

    async def get(self, path: str, include_body: bool = True) -> None:
        try:
            await super().get(path, include_body)
        finally:
            if self.served_file is not None:
                self.served_file.close()

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        """tornado's checks (inside the root, index.html for a folder, 404), then the file opened once."""
        absolute_path = super().validate_absolute_path(root, absolute_path)
        if absolute_path is None:  # redirected: a folder's address without its slash
            return None
        try:
            self.served_file = open(absolute_path, "rb")  # closed at the end of get()
        except OSError:
            raise web.HTTPError(404) from None
        self.served_stat = os.fstat(self.served_file.fileno())
        if not stat.S_ISREG(self.served_stat.st_mode):
            raise web.HTTPError(403, "%s is not a file", self.path)
        return absolute_path

    def get_content_size(self) -> int:
        return self.served_stat.st_size

    def get_modified_time(self) -> datetime.datetime:
        return datetime.datetime.fromtimestamp(int(self.served_stat.st_mtime), datetime.UTC)

    def compute_etag(self) -> str | None:
        if self.served_stat is None:
            return None
        return f'"{self.served_stat.st_ino:x}-{self.served_stat.st_size:x}-{self.served_stat.st_mtime_ns:x}"'

    def should_return_304(self) -> bool:
        return False

    def write_error(self, status_code: int, **kwargs) -> None:
        """An address without a file gets the site's 404 page, with what the preview adds to every page
        (live reload, the problems overlay), or before any good build, a page of the preview's own."""
        if status_code != 404:
            super().write_error(status_code, **kwargs)
            return
        self.set_header("Content-Type", "text/html; charset=utf-8")
        try:
            with open(os.path.join(self.root, NOT_FOUND_PAGE), "rb") as page:
                self.finish(page.read())
        except OSError:
            self.finish(NO_SITE_YET)

    def get_content(self, abspath: str, start: int | None = None, end: int | None = None) -> Iterator[bytes]:
        """The body from the open handle (tornado calls this as ``self.get_content(...)`` in ``get``)."""
        self.served_file.seek(start or 0)
        remaining = (end if end is not None else self.served_stat.st_size) - (start or 0)
        while remaining > 0:
            chunk = self.served_file.read(min(remaining, 64 * 1024))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
