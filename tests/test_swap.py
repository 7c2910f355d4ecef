"""A new build takes the old output's place in one step: a server never finds the folder missing."""

from __future__ import annotations

import threading

import pytest

from factsheets.build import _exchange, replace_folder


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
