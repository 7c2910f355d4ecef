"""Helpers the tests import (`from helpers import ...`): build and check a site as an editor does, read its
pages, and run the preview server. Fixtures and hooks are in conftest.py."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIN = Path(sys.executable).parent

SMALL_SEARCH_FILES = {"FACTSHEETS_SEARCH_DOCUMENTS_PER_FILE": 7, "FACTSHEETS_SEARCH_NUMBERS_PER_FILE": 24}
"""A search index of many small files: a query reads several word files, results come from several files."""

DESK_DETAILS = {
    "FACTSHEETS_PUBLISHER": "Northfield Verification Desk",
    "FACTSHEETS_CONTACT": "corrections@northfield-desk.org",
    "FACTSHEETS_OWNER": "Northfield Verification Desk is a non-profit company owned by its four founding editors.",
    "FACTSHEETS_FUNDING": "Readers' donations (70%) and a grant from the Harbour Media Trust (30%).",
}
"""A desk's details, as a desk sets them in pelicanconf.py: what the publishing gate asks for (make publish)."""


def desk_settings_file(folder: Path, base: str = "publishconf.py", **settings: object) -> Path:
    """A settings file in folder that takes the project's base settings and sets a desk's details (DESK_DETAILS)
    and any other settings given: what `make publish` passes the publishing gate with."""
    values = {**DESK_DETAILS, **settings}
    lines = [
        "import sys",
        f"sys.path.insert(0, {str(ROOT)!r})",
        f"from {Path(base).stem} import *  # noqa: F403",
        # Pelican reads the paths in a settings file from its own folder: the project's, wherever this one is.
        f"THEME = {str(ROOT / 'theme')!r}",
        f"PLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]",
        f"PATH = {str(CONTENT)!r}",
        *(f"{name} = {value!r}" for name, value in values.items()),
    ]
    path = folder / "deskconf.py"
    path.write_text("\n".join(lines) + "\n")
    return path


def without_desk_warnings(stderr: str) -> list[str]:
    """The lines of stderr but the publishing gate's warnings about the desk's details (the project ships
    placeholders, so every build that is not a publish build prints them) and their count."""
    return [
        line
        for line in stderr.splitlines()
        if not re.fullmatch(r"setting \w+: warning: .*|\d+ warnings? found\.", line)
    ]


def run_pelican(
    content_dir: Path,
    output_dir: Path,
    settings: str = "pelicanconf.py",
    overrides: dict[str, object] | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Build a site the way an editor does, with the project's settings, theme and plugin (and pelican -e overrides)."""
    extra = ["-e", *(f"{name}={json.dumps(value)}" for name, value in overrides.items())] if overrides else []
    return subprocess.run(
        [str(BIN / "pelican"), str(content_dir), "-o", str(output_dir), "-s", str(ROOT / settings), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_factsheets(
    *arguments: object, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """`factsheets ARGUMENTS` as an editor runs it (from the project's folder unless cwd says otherwise)."""
    return subprocess.run(
        [str(BIN / "factsheets"), *map(str, arguments)], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def run_check(content_dir: Path) -> subprocess.CompletedProcess:
    return run_factsheets("check", content_dir)


def read_page(output_dir: Path, page: str) -> BeautifulSoup:
    return BeautifulSoup((output_dir / page).read_text(encoding="utf-8"), "html.parser")


def accept_edited_archive(content_dir: Path, source_id: str = "ukrinform-2024-01-31") -> None:
    """Record the digest of a source's archived text that a test edited, as an editor does with
    `factsheets accept` after a correction: the test then sees what follows from the text, not the tampering."""
    from factsheets.archive import accept

    accept(source_id, "Edited by a test.", content_dir, "factsheets")


WAIT = 30.0
"""Seconds: the longest any step of a running preview server may take."""


@dataclass
class DevServer:
    """A running `factsheets serve`, what it prints kept in two files."""

    process: subprocess.Popen
    url: str
    stdout: Path
    stderr: Path

    def fetch(self, path: str) -> str:
        with urllib.request.urlopen(f"{self.url}/{path}", timeout=5) as response:
            return response.read().decode()

    def output(self) -> str:
        return self.stdout.read_text()

    def errors(self) -> str:
        return self.stderr.read_text()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_dev_server(arguments: list[object], cwd: Path, logs: Path) -> DevServer:
    """`factsheets serve ARGUMENTS --port <free port>` in a session of its own, once it serves index.html.

    What it prints goes to serve.out and serve.err in the folder logs; stop() ends it and its children.
    """
    port = free_port()
    stdout, stderr = logs / "serve.out", logs / "serve.err"
    command = [BIN / "factsheets", "serve", *arguments, "--port", port]
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(list(map(str, command)), cwd=cwd, stdout=out, stderr=err, start_new_session=True)
    server = DevServer(process, f"http://127.0.0.1:{port}", stdout, stderr)
    try:
        wait_until(lambda: serves(server, "index.html"), "page served", server)
    except BaseException:
        stop(process)
        raise
    return server


def wait_until(
    condition: Callable[[], bool], what: str, server: DevServer, pause: Callable[[float], None] = time.sleep
) -> float:
    """Poll the condition for up to WAIT seconds; returns how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < WAIT:
        assert server.process.poll() is None, f"the server exited while waiting for {what}:\n{server.errors()}"
        if condition():
            return time.monotonic() - started
        pause(0.1)
    pytest.fail(f"no {what} after {WAIT:.0f} s\nstdout:\n{server.output()}\nstderr:\n{server.errors()}")


def serves(server: DevServer, path: str) -> bool:
    try:
        server.fetch(path)
    except (urllib.error.URLError, ConnectionError):
        return False
    return True


def stop(process: subprocess.Popen) -> None:
    """End the server and every process it started: they share the process group it leads."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=10)
            return
        except subprocess.TimeoutExpired:
            continue


def tree_digests(folder: Path) -> dict[str, str]:
    """Every file under folder (links as links), with the SHA-256 of what it holds."""
    return {
        str(path.relative_to(folder)): f"link to {os.readlink(path)}"
        if path.is_symlink()
        else hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file() or path.is_symlink()
    }


@dataclass
class Build:
    output: Path
    result: subprocess.CompletedProcess
    files: dict[str, str]
    """What the build wrote: checked again at the end of the run, so a test that writes into a shared build fails."""


def copy_of_build(build: Path, to: Path) -> Path:
    """A copy of a shared build (see BuiltSites) that a test may write into: far cheaper than building again."""
    shutil.copytree(build, to, symlinks=True)
    return to


class BuiltSites:
    """Sites built once per test run for the tests that only read them, each in a folder of its own.

    `built_sites(content, settings, **overrides)` builds the content with the settings file (relative to the
    project) and Pelican's -e overrides the first time it is asked, and returns the same folder after that.
    tool="factsheets" builds with `factsheets build` instead of `pelican` (no overrides then); env adds
    environment variables (publishconf.py reads SITEURL). A test that writes into a site copies it first.
    """

    def __init__(self, folders: Callable[[str], Path]) -> None:
        self._folders = folders
        self._builds: dict[str, Build] = {}

    def __call__(
        self,
        content: Path = CONTENT,
        settings: str = "pelicanconf.py",
        *,
        tool: str = "pelican",
        env: dict[str, str] | None = None,
        **overrides: object,
    ) -> Path:
        return self.build(content, settings, tool=tool, env=env, **overrides).output

    def result(self, content: Path = CONTENT, settings: str = "pelicanconf.py", **options: object):
        """What the build printed (its CompletedProcess)."""
        return self.build(content, settings, **options).result

    def build(
        self,
        content: Path = CONTENT,
        settings: str = "pelicanconf.py",
        *,
        tool: str = "pelican",
        env: dict[str, str] | None = None,
        **overrides: object,
    ) -> Build:
        key = json.dumps([str(Path(content).resolve()), settings, tool, env, overrides], sort_keys=True)
        if key not in self._builds:
            output = self._folders("built") / "output"
            environment = {**os.environ, **env} if env else None
            if tool == "pelican":
                result = run_pelican(content, output, settings, overrides, environment)
            elif tool == "factsheets" and not overrides:
                result = run_factsheets("build", "-s", ROOT / settings, "-o", output, content, env=environment)
            else:
                raise ValueError(f"no such build: {tool} with {overrides}")
            assert result.returncode == 0, result.stderr
            self._builds[key] = Build(output, result, tree_digests(output))
        return self._builds[key]

    def changed(self) -> list[str]:
        """The shared builds that some test wrote into."""
        return [str(build.output) for build in self._builds.values() if tree_digests(build.output) != build.files]
