"""Updates of a build's output that must not leave what a whole build would not write, nor touch what the build
did not make (found in a review of the first version): files added to the output or linked into it, retained
names, a new card renderer, functions in the settings, files rewritten within their timestamp, a mount point
that fails half-way, and what an interrupt says."""

from __future__ import annotations

import errno
import os
import shutil
import time

import pytest

from factsheets import build as build_module
from factsheets import plugin as plugin_module
from factsheets import share_cards
from factsheets.build import build_site
from factsheets.build_record import BuildRecords
from helpers import ROOT, tree_digests

SETTINGS = ROOT / "pelicanconf.py"
CLAIM = "ukrainian-pows-on-board-il76"


def _edit(path, old, new) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def _clean_build(content, tmp_path, **settings) -> dict[str, str]:
    """The digests of a clean whole build of content into a folder of its own."""
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    assert build_site(SETTINGS, content, clean, quiet=True, update=False, extra_settings=settings or None).ok
    digests = tree_digests(clean)
    shutil.rmtree(clean)
    return digests


def _differing(first: dict[str, str], second: dict[str, str]) -> list[str]:
    return sorted(name for name in first.keys() | second.keys() if first.get(name) != second.get(name))


@pytest.fixture
def built(content_copy, tmp_path):
    output = tmp_path / "output"
    assert build_site(SETTINGS, content_copy, output, quiet=True).ok
    return output


# A file added to the output by hand since the last build: the next build is whole, and drops it.
def test_a_file_added_to_the_output_since_the_last_build_is_not_left_in_place(content_copy, built, tmp_path):
    (built / "claims" / "withdrawn-claim.html").write_text("<p>A page no build of this content writes.</p>")
    _edit(content_copy / "factsheets" / "claims.yaml", "claimed that 65", "stated that 65")
    result = build_site(SETTINGS, content_copy, built, quiet=True)
    assert result.ok
    assert _differing(tree_digests(built), _clean_build(content_copy, tmp_path)) == []


# A page of the output edited in place, its size and modification time put back: the next build sees it (by its
# change time, which no one but the kernel sets) and leaves no edited word in place.
def test_a_page_edited_in_place_keeping_its_size_and_time_is_not_left_in_place(content_copy, built, tmp_path):
    page = built / "claims" / f"{CLAIM}.html"
    before = page.stat()
    text = page.read_text()
    assert "Il-76" in text
    page.write_text(text.replace("Il-76", "IL-76"))
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (page.stat().st_size, page.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    result = build_site(SETTINGS, content_copy, built, quiet=True)
    assert result.ok
    assert "IL-76" not in page.read_text()
    assert _differing(tree_digests(built), _clean_build(content_copy, tmp_path)) == []


# A folder of the output replaced by a link (its files copied with their times): the build writes and deletes
# nothing outside the output.
def test_an_update_neither_writes_nor_deletes_through_a_linked_folder(content_copy, tmp_path):
    claims = content_copy / "factsheets" / "claims.yaml"
    _edit(claims, "- Whether the 65 are alive or dead.", "- Whether the 65 are alive or dead (zyzzyva).")
    output = tmp_path / "output"
    assert build_site(SETTINGS, content_copy, output, quiet=True).ok
    assert (output / "search" / "words" / "7a-79.json").is_file()  # the one word under "zy"
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(output / "search", elsewhere / "search")  # copy2: sizes and modification times kept
    shutil.rmtree(output / "search")
    (output / "search").symlink_to(elsewhere / "search")
    before = tree_digests(elsewhere)
    _edit(claims, "- Whether the 65 are alive or dead (zyzzyva).", "- Whether the 65 are alive or dead.")
    result = build_site(SETTINGS, content_copy, output, quiet=True)
    assert result.ok
    assert tree_digests(elsewhere) == before, "files outside the output were written or removed"


# A retained name (OUTPUT_RETENTION) that the build also writes: an update keeps the output's own, as a whole
# build does.
def test_an_update_keeps_a_retained_file_as_a_whole_build_does(content_copy, tmp_path):
    settings = {"OUTPUT_RETENTION": ["CNAME", ".git", "robots.txt"]}
    output = tmp_path / "output"
    assert build_site(SETTINGS, content_copy, output, quiet=True, extra_settings=settings).ok
    own = "User-agent: *\nDisallow: /drafts/\n"
    (output / "robots.txt").write_text(own)
    assert build_site(SETTINGS, content_copy, output, quiet=True, update=False, extra_settings=settings).ok
    assert (output / "robots.txt").read_text() == own  # a whole build carries it over
    _edit(content_copy / "factsheets" / "claims.yaml", "claimed that 65", "stated that 65")
    assert build_site(SETTINGS, content_copy, output, quiet=True, extra_settings=settings).ok
    assert (output / "robots.txt").read_text() == own, "the update replaced a retained file"


# Another card renderer (Pillow, zlib): the next build is whole, and every card is drawn again.
def test_a_new_card_renderer_builds_the_whole_site(content_copy, built, tmp_path, monkeypatch):
    # What `pip install -U pillow` (or a new zlib) does: another renderer version, other bytes for each card.
    monkeypatch.setattr(share_cards, "renderer_version", lambda: "0123456789abcdef")
    monkeypatch.setattr(plugin_module, "renderer_version", share_cards.renderer_version)
    monkeypatch.setattr(share_cards, "PNG_COMPRESS_LEVEL", 9)
    assert build_site(SETTINGS, content_copy, built, quiet=True).ok
    assert _differing(tree_digests(built), _clean_build(content_copy, tmp_path)) == []


def test_a_function_in_the_settings_is_described_by_its_code_and_closure():
    """A filter defined in the settings file (JINJA_FILTERS) whose body or closure is edited changes the settings'
    digest, so the next build is whole: its name alone would let an update keep the old filter's output."""
    from factsheets.build_record import settings_digest

    def made(word):
        def review_filter(value):
            return word

        return review_filter

    def other(value):
        return value.upper()

    first = settings_digest({"JINJA_FILTERS": {"review": made("before")}})
    assert first == settings_digest({"JINJA_FILTERS": {"review": made("before")}})
    assert first != settings_digest({"JINJA_FILTERS": {"review": made("after")}})
    assert first != settings_digest({"JINJA_FILTERS": {"review": other}})


# A file hashed within SETTLED_SECONDS of its last write is hashed again next time: a second write in the same
# clock tick is seen.
def test_a_template_rewritten_within_its_timestamp_is_seen(content_copy, tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    template = theme / "templates" / "claim.html"
    output = tmp_path / "output"
    assert build_site(SETTINGS, content_copy, output, quiet=True, extra_settings={"THEME": str(theme)}).ok
    _edit(template, "</h1>", "</h1><p>A</p>")
    assert build_site(SETTINGS, content_copy, output, quiet=True, extra_settings={"THEME": str(theme)}).ok
    status = template.stat()  # hashed by that build less than SETTLED_SECONDS after it was written
    with open(template, "r+b") as stream:  # a second write, same size, same inode, within the same tick
        text = stream.read().replace(b"<p>A</p>", b"<p>B</p>", 1)
        stream.seek(0)
        stream.write(text)
    os.utime(template, ns=(status.st_atime_ns, status.st_mtime_ns))  # what a coarse clock gives it
    time.sleep(2.2)
    assert build_site(SETTINGS, content_copy, output, quiet=True, extra_settings={"THEME": str(theme)}).ok
    assert "<p>B</p>" in (output / "claims" / f"{CLAIM}.html").read_text()


# An update of an output that is a mount point, failing half-way, puts back all it replaced (the files set
# aside live inside the output, on its file system), and says why it failed.
def test_an_update_of_a_mount_point_that_fails_half_way_leaves_it_as_it_was(
    mounted_output, content_copy, monkeypatch, capsys
):
    output = mounted_output
    assert build_site(SETTINGS, content_copy, output, quiet=True).ok
    before = tree_digests(output)
    _edit(content_copy / "factsheets" / "claims.yaml", "claimed that 65", "stated that 65")
    moved = []
    move_in = vars(build_module)["_move_in"]

    def failing_move(staged, target):
        if len(moved) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        moved.append(target)
        move_in(staged, target)

    monkeypatch.setattr(build_module, "_move_in", failing_move)
    capsys.readouterr()
    assert not build_site(SETTINGS, content_copy, output, quiet=True).ok
    error = capsys.readouterr().err
    assert "left as it was" in error
    assert _differing(tree_digests(output), before) == [], error
    assert "No space left on device" in error, error  # not the rollback's own EXDEV


# Ctrl-C while the record is written, after the output was updated: the message says that it holds the new build.
def test_an_interrupt_after_the_update_does_not_say_the_output_was_left_as_it_was(content_copy, built, monkeypatch):
    _edit(content_copy / "factsheets" / "claims.yaml", "claimed that 65", "stated that 65")

    def interrupted(self, output, record):
        raise KeyboardInterrupt

    monkeypatch.setattr(BuildRecords, "write", interrupted)
    with pytest.raises(KeyboardInterrupt) as raised:
        build_site(SETTINGS, content_copy, built, quiet=True)
    assert "stated that 65" in (built / "claims" / f"{CLAIM}.html").read_text()  # the output was updated
    assert "left as it was" not in str(raised.value) and "holds the new build" in str(raised.value)
