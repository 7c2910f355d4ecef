"""Ctrl-C and a killed build: one line and the old output; no staging folder or process outlives the build."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import BIN, CONTENT, ROOT, run_factsheets, without_desk_warnings

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")

WITH_SLOW_SEARCH_INDEX = """
import sys, time
from pathlib import Path
from factsheets import cli, plugin, search
def slow_search_index(site_folder, documents, sizes=None):
    with search.scratch_folder(site_folder, "search"):
        Path(sys.argv[1]).write_text("indexing")
        time.sleep(60)
plugin.write_search_index = slow_search_index
sys.exit(cli.main(sys.argv[2:]))
"""
"""`factsheets` whose search index, the build's last step, takes a minute once its staging folder is made:
it writes the file named first when it starts."""

SLOW_CHECK = """
import sys, time
from factsheets import cli
def slow_read_site(*arguments, **options):
    print("reading", flush=True)
    time.sleep(60)
cli.read_site = slow_read_site
sys.exit(cli.main(sys.argv[1:]))
"""


def tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
        for path in sorted(folder.rglob("*"))
    }


def _default_interrupt() -> None:
    """A child started from a shell in the background ignores SIGINT; this one reacts as in a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(command: list[object]) -> subprocess.Popen:
    """The command in a session of its own: every process it starts can be found by the session's id."""
    return subprocess.Popen(
        list(map(str, command)),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_default_interrupt,
    )


def processes_in_session(session: int) -> list[str]:
    """The processes still alive (not zombies) in the session, as 'pid command'."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, fields = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        if int(fields[3]) == session and fields[0] != "Z":
            alive.append(f"{stat.parent.name} {name}")
    return alive


def wait_for(condition, what: str, seconds: float = 60) -> None:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            pytest.fail(f"no {what} after {seconds:.0f} s")
        time.sleep(0.05)


def build_command(output: Path, started: Path) -> list[object]:
    """A build that stops for a minute in its last step, and writes the file started when it gets there."""
    settings = ROOT / "pelicanconf.py"
    return [
        sys.executable,
        "-c",
        WITH_SLOW_SEARCH_INDEX,
        started,
        "build",
        "--whole",
        "-s",
        settings,
        "-o",
        output,
        CONTENT,
    ]


def good_build(output: Path) -> None:
    result = run_factsheets("build", "-o", output, CONTENT)
    assert result.returncode == 0, result.stderr


def test_ctrl_c_during_a_build_leaves_the_output_and_nothing_else(tmp_path):
    output = tmp_path / "output"
    good_build(output)
    before = tree(output)
    started = tmp_path / "search-index.started"
    process = start(build_command(output, started))
    wait_for(started.exists, "search index under way")
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert without_desk_warnings(stderr) == [f"interrupted; {output}/ left as it was"]
    assert tree(output) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output", "search-index.started"]
    wait_for(lambda: not processes_in_session(process.pid), "end of the build's processes", seconds=10)


def test_a_killed_build_leaves_no_process_and_the_next_build_removes_its_staging_folders(tmp_path):
    output = tmp_path / "output"
    good_build(output)
    started = tmp_path / "search-index.started"
    process = start(build_command(output, started))
    wait_for(started.exists, "search index under way")
    process.kill()
    process.communicate()
    wait_for(lambda: not processes_in_session(process.pid), "end of the killed build's processes", seconds=10)
    left = sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("."))
    assert [name for name in left if ".build-" in name], "the killed build left its staging folder"
    assert [name for name in left if ".search-" in name], "and the search index's"

    # Folders that look alike but belong to another output, to a live process (this one), or to no build at all.
    others = [
        ".site.build-999999999-abcdefgh",
        f".output.build-{os.getpid()}-abcdefgh",
        ".output.build-abcdefgh",
        ".outputs",
    ]
    for name in others:
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_text("not this build's")
    good_build(output)
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".")) == sorted(others)


def test_ctrl_c_during_check_prints_one_line(tmp_path):
    process = start([sys.executable, "-c", SLOW_CHECK, "check", CONTENT])
    assert process.stdout.readline() == "reading\n"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (130, "interrupted\n")


def test_ctrl_c_stops_serve_with_one_line(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    output = tmp_path / "output"
    process = start([BIN / "factsheets", "serve", "-o", output, "--port", port, CONTENT])

    def serving() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5):
                return True
        except OSError:
            return False

    try:
        wait_for(serving, "page served")
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert without_desk_warnings(stderr) == ["interrupted; stopped serving"]
    assert (output / "index.html").is_file()
    wait_for(lambda: not processes_in_session(process.pid), "end of the server's processes", seconds=10)


def test_ctrl_c_during_the_swap_waits_for_it_to_end(content_copy, tmp_path, monkeypatch):
    from factsheets import build, search  # search first: it keeps the replace_folder it imports

    output = tmp_path / "output"
    swap = build.replace_folder
    assert search.replace_folder is swap

    def interrupted_swap(new, target, *arguments, **options):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)  # Python would raise KeyboardInterrupt here
        return swap(new, target, *arguments, **options)

    monkeypatch.setattr(build, "replace_folder", interrupted_swap)
    with pytest.raises(KeyboardInterrupt, match=f"^interrupted; {output}/ holds the new build$"):
        build.build_site(ROOT / "pelicanconf.py", content_copy, output, quiet=True)
    assert (output / "index.html").is_file() and (output / ".factsheets-build").is_file()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["content", "output"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_in_a_terminal_while_workers_write_pages(tmp_path):
    """Ctrl-C reaches every process of the terminal's group: the forked page writers end quietly too."""
    content, output = tmp_path / "content", tmp_path / "output"
    generate = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--claims", "700", "--out", str(content)]
    subprocess.run(generate, cwd=ROOT, capture_output=True, check=True, timeout=300)
    process = start([BIN / "factsheets", "build", "-o", output, content])

    def pages_written() -> bool:
        staging = [folder for folder in tmp_path.iterdir() if ".build-" in folder.name]
        return bool(staging) and len(list((staging[0] / "claims").glob("*.html"))) > 50

    wait_for(pages_written, "pages written")
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, without_desk_warnings(stderr)) == (130, [f"interrupted; {output}/ left as it was"])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["content"]
    wait_for(lambda: not processes_in_session(process.pid), "end of the build's processes", seconds=10)
