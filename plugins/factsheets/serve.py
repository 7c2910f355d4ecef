"""The preview server: build once, serve the output folder, rebuild on every change and reload the browser.

Each rebuild runs ``factsheets build`` in a fresh Python process, so edited plugin code and templates
are loaded anew and a crash cannot take the server down. The build is atomic: while a rebuild runs,
and after one fails, the server goes on serving the last good site. A failed build prints its problems
to stderr (the same lines as ``factsheets check``); the next good edit brings the site back.

The browser reloads through the ``livereload`` package. Its own snippet is an inline script, which the
site's Content-Security-Policy (``script-src 'self'``) refuses, so the pages get a plain same-origin
``<script src="/livereload.js?port=...">`` instead; its websocket is same-origin too (``connect-src 'self'``).
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from livereload import Server
from livereload.handlers import ForceReloadHandler, LiveReloadHandler, LiveReloadJSHandler
from livereload.server import LiveScriptInjector
from livereload.watcher import Watcher
from pelican.settings import read_settings
from tornado import web
from tornado.ioloop import IOLoop

from .build import build_site


@dataclass(frozen=True)
class SitePaths:
    """Where the site comes from and where it goes, as absolute paths."""

    settings: Path
    content: Path
    output: Path
    watched: tuple[Path, ...]


def serve(
    settings_file: Path,
    content_dir: Path | None = None,
    output_dir: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
) -> None:
    """Build the site, serve it on http://host:port/ and rebuild it whenever a watched file changes."""
    paths = site_paths(settings_file, content_dir, output_dir)
    if not build_site(paths.settings, paths.content, paths.output).ok:
        print("The first build failed: fix the problems above; the site is rebuilt on every change.", file=sys.stderr)
    paths.output.mkdir(parents=True, exist_ok=True)

    server = PreviewServer(watcher=RebuildWatcher())
    rebuild = Rebuilder(build_command(paths), on_success=reload_browsers)
    for path in paths.watched:
        server.watch(str(path), rebuild)
    print(f"Serving {paths.output} on http://{host}:{port}/ (Ctrl-C to stop); watching:", flush=True)
    for path in paths.watched:
        print(f"  {path}", flush=True)
    server.serve(root=str(paths.output), host=host, port=port)


def site_paths(settings_file: Path, content_dir: Path | None, output_dir: Path | None) -> SitePaths:
    """The content, output, theme and plugin folders the settings name, with the command line's overrides."""
    settings_file = settings_file.resolve()
    settings = read_settings(str(settings_file))
    content = (content_dir or Path(settings["PATH"])).resolve()
    output = (output_dir or Path(settings["OUTPUT_PATH"])).resolve()
    setting_files = sorted({settings_file, *settings_file.parent.glob("*conf.py")})
    folders = [content, Path(settings["THEME"]).resolve(), *(Path(p).resolve() for p in settings["PLUGIN_PATHS"])]
    return SitePaths(settings_file, content, output, (*folders, *setting_files))


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


class Rebuilder:
    """The watcher's task: one build at a time, in a subprocess, without blocking the server.

    A change made while a build runs starts one more build when it ends. Only a build that
    succeeded calls ``on_success`` (which reloads the browsers).
    """

    def __init__(self, command: list[str], on_success: Callable[[], None]) -> None:
        self.command = command
        self.on_success = on_success
        self._running = False
        self._again = False

    def __call__(self) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        IOLoop.current().spawn_callback(self._build_until_current)

    async def _build_until_current(self) -> None:
        try:
            while True:
                self._again = False
                if await self._build_once():
                    self.on_success()
                if not self._again:
                    return
        finally:
            self._running = False

    async def _build_once(self) -> bool:
        started = time.perf_counter()
        # stderr is the terminal's: the build's problems appear there as they are printed.
        process = await asyncio.create_subprocess_exec(*self.command, stdout=subprocess.PIPE)
        stdout, _ = await process.communicate()
        seconds = time.perf_counter() - started
        if process.returncode == 0:
            print(f"rebuilt in {seconds:.2f} s", flush=True)
            return True
        sys.stdout.write(stdout.decode(errors="replace"))
        print(f"rebuild failed after {seconds:.2f} s; still serving the last good site", file=sys.stderr, flush=True)
        return False


class RebuildWatcher(Watcher):
    """Runs the task of each changed path, but leaves the reload to the rebuild: no reload before the new site."""

    def examine(self) -> tuple[None, None]:
        super().examine()
        return None, None


class PreviewServer(Server):
    """livereload's server with a same-origin ``<script src>`` instead of its inline snippet, and less chatter."""

    def application(self, port, host, liveport=None, debug=None, live_css=True) -> None:
        LiveReloadHandler.watcher = self.watcher
        LiveReloadHandler.live_css = live_css

        class SameOriginScript(LiveScriptInjector):
            script = f'<script src="/livereload.js?port={port}"></script>'.encode()

        handlers = [
            (r"/livereload", LiveReloadHandler),
            (r"/forcereload", ForceReloadHandler),
            (r"/livereload.js", LiveReloadJSHandler),
            *self.get_web_handlers(SameOriginScript.script),
        ]
        web.Application(handlers=handlers, debug=bool(debug), transforms=[SameOriginScript]).listen(port, address=host)

    def _setup_logging(self) -> None:
        logging.getLogger("livereload").setLevel(logging.WARNING)
