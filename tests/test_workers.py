"""Pages written by several processes: every page once, failures reported, the same bytes as one process."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time

import pytest

from factsheets import workers
from helpers import BIN, ROOT


def _write(folder):
    def handle(number: int) -> None:
        (folder / f"{number}.txt").write_text(f"{number} written by {os.getpid()}")

    return handle


def test_every_item_is_handled_once_across_processes(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "MIN_ITEMS_PER_WORKER", 1)
    write = _write(tmp_path)

    def handle(number: int) -> None:  # long enough that the forked worker starts before the work is done
        time.sleep(0.02)
        write(number)

    workers.for_each_in_workers(list(range(40)), handle, workers=2)
    written = sorted(int(path.stem) for path in tmp_path.iterdir())
    assert written == list(range(40))
    writers = {path.read_text().split()[-1] for path in tmp_path.iterdir()}
    assert len(writers) == 2, "two processes shared the work"


def test_a_costly_item_does_not_hold_back_the_others(tmp_path, monkeypatch):
    """The items are taken as the work goes: while one process spends a while on the first item (a large
    site's diagram), the other writes nearly all the rest."""
    monkeypatch.setattr(workers, "MIN_ITEMS_PER_WORKER", 1)
    write = _write(tmp_path)

    def handle(number: int) -> None:
        if number == 0:
            time.sleep(1)
        write(number)

    workers.for_each_in_workers(list(range(200)), handle, workers=2)
    by_writer: dict[str, list[int]] = {}
    for path in tmp_path.iterdir():
        by_writer.setdefault(path.read_text().split()[-1], []).append(int(path.stem))
    assert sorted(number for numbers in by_writer.values() for number in numbers) == list(range(200))
    slow = next(numbers for numbers in by_writer.values() if 0 in numbers)
    assert len(slow) <= 20, f"the process busy with the costly item wrote {len(slow)} of 200"


def test_a_failing_worker_fails_the_whole_run(tmp_path, monkeypatch):
    monkeypatch.setattr(workers, "MIN_ITEMS_PER_WORKER", 1)

    def handle(number: int) -> None:
        if number == 7:
            raise ValueError("page 7 cannot be rendered")

    # Whichever process takes item 7 fails: a worker (reported by count) or this one (its own error).
    with pytest.raises((workers.WorkerFailed, ValueError)) as failure:
        workers.for_each_in_workers(list(range(10)), handle, workers=2)
    assert str(failure.value) in ("1 of 2 page-writing processes failed (see above)", "page 7 cannot be rendered")


def _tree(folder):
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_two_processes_write_the_same_site_as_one(tmp_path):
    content = tmp_path / "content"
    generate = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--claims", "520", "--out", str(content)]
    assert subprocess.run(generate, cwd=ROOT, capture_output=True, timeout=120).returncode == 0
    outputs = {}
    for count in (1, 2):
        settings = tmp_path / f"workers{count}.py"
        settings.write_text(
            f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
            f"THEME = {str(ROOT / 'theme')!r}\nPLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
            f"FACTSHEETS_WORKERS = {count}\nFACTSHEETS_SEARCH = False\n"
        )
        outputs[count] = tmp_path / f"output{count}"
        command = [str(BIN / "factsheets"), "build", "-s", str(settings), "-o", str(outputs[count]), str(content)]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
    assert len(list(outputs[2].rglob("*.html"))) > 2 * workers.MIN_ITEMS_PER_WORKER, "big enough to use 2 workers"
    assert _tree(outputs[1]) == _tree(outputs[2])


def test_progress_is_reported_up_to_all_done(tmp_path):
    shares = []
    workers.for_each_in_workers(list(range(250)), _write(tmp_path), workers=1, progress=shares.append)
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) <= 101


def test_builds_show_no_progress_when_nobody_watches(built_site):
    result = built_site.result()  # the real site's build, its output captured: not a terminal
    assert result.returncode == 0 and "Writing pages" not in result.stderr + result.stdout


def _square_with_pid(number: int) -> tuple[int, int]:
    return number * number, os.getpid()


def test_map_in_workers_returns_every_result_in_order_from_two_processes():
    results = workers.map_in_workers(list(range(30)), _square_with_pid, workers=2, weight=lambda number: number)
    assert [square for square, _ in results] == [number * number for number in range(30)]
    assert len({pid for _, pid in results}) == 2, "two processes shared the work"


def test_a_failing_mapper_fails_the_whole_run():
    this_process = os.getpid()

    def square(number: int) -> int:
        if os.getpid() != this_process:
            raise ValueError(f"{number} cannot be read")
        return number * number

    # Every item fails in the other process: the worker's failure is reported.
    with pytest.raises(workers.WorkerFailed, match="1 of 2 worker processes failed"):
        workers.map_in_workers(list(range(10)), square, workers=2, weight=lambda number: number)


def test_files_read_by_two_processes_give_the_same_problems_as_one(content_copy):
    from factsheets.pipeline import read_site
    from factsheets.problems import ContentError

    sheets = content_copy / "factsheets"
    for name, old, new in [
        ("claims.yaml", "status: unverified", "status: unverifed"),
        ("actors.yaml", "kind: organisation", "kind: organization"),
        ("events.yaml", "date: 2024-01-24", "date: 2024-01-34"),
    ]:
        text = (sheets / name).read_text()
        assert old in text, (name, old)
        (sheets / name).write_text(text.replace(old, new, 1))
    reports = {}
    for count in (1, 2):
        with pytest.raises(ContentError) as error:
            read_site(content_copy, workers=count)
        reports[count] = [str(problem) for problem in error.value.problems]
    assert reports[1] == reports[2]
    files = {line.split(":")[0].rsplit("/", 1)[-1] for line in reports[2]}
    assert files == {"claims.yaml", "actors.yaml", "events.yaml"}
