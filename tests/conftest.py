"""Shared fixtures: the real site built once, and helpers to build broken copies of the content."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
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


BROWSER_TESTS = Path(__file__).parent / "browser"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser drives Chromium: marked `browser`, so `-m "not browser"` is the quick set."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)
