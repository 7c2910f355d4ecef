"""A new build takes the old output's place in one step: a server never finds the folder missing."""

from __future__ import annotations

import errno
import os
import shutil
import threading
from pathlib import Path

import pytest

from factsheets.build import _exchange, replace_folder
from helpers import CONTENT, ROOT, run_factsheets


def _site(folder, text):
    folder.mkdir()
    (folder / "index.html").write_text(text)
    return folder


def test_replace_folder_puts_the_new_site_in_place_and_removes_the_old(tmp_path):
    output = _site(tmp_path / "output", "old")
    replace_folder(_site(tmp_path / "new", "new"), output)
    assert (output / "index.html").read_text() == "new"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output"]
    replace_folder(_site(tmp_path / "first", "first"), tmp_path / "absent")
    assert (tmp_path / "absent" / "index.html").read_text() == "first"


def test_a_reader_never_finds_the_output_missing_while_it_is_replaced(tmp_path):
    if not _exchange(_site(tmp_path / "a", "a"), _site(tmp_path / "b", "b")):
        pytest.skip("this file system cannot swap two folders in one step")
    output = _site(tmp_path / "output", "0")
    missing = []
    done = threading.Event()

    def read_until_done():
        while not done.is_set():
            if not (output / "index.html").is_file():
                missing.append(1)

    reader = threading.Thread(target=read_until_done)
    reader.start()
    try:
        for number in range(1, 300):
            replace_folder(_site(tmp_path / f"new{number}", str(number)), output)
    finally:
        done.set()
        reader.join()
    assert (output / "index.html").read_text() == "299"
    assert missing == []


def _cannot_be_moved(monkeypatch, folder):
    """Renaming folder fails as it does for a mount point (a Docker volume, say): EBUSY."""
    from factsheets import build

    def busy(*arguments):
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY))

    rename = os.rename

    def rename_unless_busy(source, target, *arguments, **options):
        if Path(source) == folder:
            busy()
        return rename(source, target, *arguments, **options)

    monkeypatch.setattr(build, "_exchange", busy)
    monkeypatch.setattr(os, "rename", rename_unless_busy)


def test_a_folder_that_cannot_be_moved_gets_its_contents_replaced(tmp_path, monkeypatch):
    output = _site(tmp_path / "output", "old")
    (output / "CNAME").write_text("facts.example.org\n")
    (output / "stale").mkdir()
    (output / "stale" / "page.html").write_text("a deleted record's page")
    new = _site(tmp_path / "new", "new")
    (new / "data").mkdir()
    (new / "data" / "site.json").write_text("{}")
    folder, cname = output.stat().st_ino, (output / "CNAME").stat().st_ino
    _cannot_be_moved(monkeypatch, output)
    note = replace_folder(new, output, keep=["CNAME"])
    assert note == f"{output}/ cannot be moved ({os.strerror(errno.EBUSY)}): replaced its contents"
    assert sorted(path.name for path in output.iterdir()) == ["CNAME", "data", "index.html"]
    assert (output / "index.html").read_text() == "new"
    assert (output.stat().st_ino, (output / "CNAME").stat().st_ino) == (folder, cname), "the same folder and CNAME"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output"]


def test_replacing_the_contents_is_undone_when_it_fails(tmp_path, monkeypatch):
    output = _site(tmp_path / "output", "old")
    for name in ("a", "b", "c"):
        (output / f"{name}.html").write_text(f"old {name}")
    before = {path.name: path.read_text() for path in output.iterdir()}
    new = _site(tmp_path / "new", "new")
    for name in ("a", "b", "c"):
        (new / f"{name}.html").write_text(f"new {name}")
    _cannot_be_moved(monkeypatch, output)
    moves = []
    move = shutil.move

    def full_after_two(source, target, *arguments, **options):
        moves.append(source)
        if len(moves) > 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return move(source, target, *arguments, **options)

    monkeypatch.setattr(shutil, "move", full_after_two)
    with pytest.raises(OSError, match=os.strerror(errno.ENOSPC)):
        replace_folder(new, output)
    assert {path.name: path.read_text() for path in output.iterdir()} == before


def test_a_build_into_a_folder_that_cannot_be_moved(content_copy, tmp_path, monkeypatch, capsys):
    from factsheets.build import build_site

    output = tmp_path / "output"
    output.mkdir()
    (output / "CNAME").write_text("facts.example.org\n")
    _cannot_be_moved(monkeypatch, output)
    for _ in range(2):  # whole builds: the second replaces the first's contents too
        assert build_site(ROOT / "pelicanconf.py", content_copy, output, quiet=True, update=False).ok
        assert capsys.readouterr().out.splitlines() == [
            f"{output}/ cannot be moved ({os.strerror(errno.EBUSY)}): replaced its contents"
        ]
    claims = content_copy / "factsheets" / "claims.yaml"
    claims.write_text(claims.read_text().replace("claimed that 65", "stated that 65", 1))
    updated = build_site(ROOT / "pelicanconf.py", content_copy, output, quiet=True)  # moves files, not the folder
    assert updated.ok and updated.update is not None and capsys.readouterr().out == ""
    assert "stated that 65" in (output / "claims" / "ukrainian-pows-on-board-il76.html").read_text()
    assert (output / "index.html").is_file() and (output / ".factsheets-build").is_file()
    assert (output / "CNAME").read_text() == "facts.example.org\n"
    assert not [path for path in output.iterdir() if path.name.startswith(".factsheets-aside")]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["content", "output"]


def test_a_build_into_a_mount_point_replaces_its_contents(mounted_output, tmp_path):
    output = mounted_output
    (output / "CNAME").write_text("facts.example.org\n")
    for _ in range(2):  # whole builds: the second replaces the first's contents too
        result = run_factsheets("build", "--whole", "-o", output, CONTENT)
        assert result.returncode == 0, result.stderr
        assert f"{output}/ is a mount point: replaced its contents" in result.stdout.splitlines()
        assert os.path.ismount(output)
        assert (output / "index.html").is_file() and (output / "CNAME").read_text() == "facts.example.org\n"
        assert sorted(path.name for path in tmp_path.iterdir()) == ["output"], "no staging folder left"
        assert not [path for path in output.iterdir() if path.name.startswith(".factsheets-aside")]


def test_the_preview_updates_pages_in_a_mount_point(mounted_output, content_copy):
    from factsheets.incremental import LiveSite, Outcome

    live = LiveSite(ROOT / "pelicanconf.py", content_copy, mounted_output)
    assert live.build_all()
    claims = content_copy / "factsheets" / "claims.yaml"
    claims.write_text(
        claims.read_text().replace("Defence Ministry claimed that 65", "Defence Ministry stated that 65", 1)
    )
    assert live.update().outcome is Outcome.UPDATED
    page = (mounted_output / "claims" / "ukrainian-pows-on-board-il76.html").read_text()
    assert "Defence Ministry stated that 65" in page
    live.reindex_search()
    assert not [path for path in mounted_output.rglob(".*") if path.name != ".factsheets-build"], "no scratch left"
    assert sorted(path.name for path in mounted_output.parent.iterdir()) == ["content", "output"]
