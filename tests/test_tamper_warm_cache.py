"""A warm cache cannot hide an edit: a file changed in place with its size, modification time and inode kept (os.utime
sets the time back) is hashed like any other, so an archived text or an original changed since it was archived fails
the build (and `factsheets check`, and the preview's updates), an edited fact sheet or template is published, and
a file put back puts the output right."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from factsheets.build import build_site
from factsheets.incremental import LiveSite, Outcome
from helpers import ROOT, run_factsheets, tree_digests

SETTINGS = ROOT / "pelicanconf.py"
SOURCE = "ukrinform-2024-01-31"
ARCHIVED = f"sources/{SOURCE}.txt"
CLAIM = "ukrainian-pows-on-board-il76"
ARCHIVED_WORDS, TAMPERED_WORDS = b"Ukraine returned from Russian captivity", b"Ukraine rescued from Russian captivity!"


def _rewrite_keeping_signature(path: Path, old: bytes, new: bytes, mtime_ns: int | None = None) -> None:
    """Replace old with new (as long) in the file's own bytes, in place, then set its modification time back (or
    to mtime_ns): its size, modification time and inode are as they were, its bytes are not."""
    assert len(old) == len(new)
    before = path.stat()
    blob = path.read_bytes()
    assert old in blob, old
    with path.open("r+b") as stream:  # the same inode, not a new file put in its place
        stream.write(blob.replace(old, new, 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns if mtime_ns is None else mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_ino) == (before.st_size, before.st_ino)
    assert after.st_mtime_ns == (before.st_mtime_ns if mtime_ns is None else mtime_ns)


@pytest.fixture
def cache_env(tmp_path_factory) -> dict[str, str]:
    """The builds' cache (and its key) in a folder of this test's own, outside the project (content_copy's folder)."""
    return {**os.environ, "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("xdg"))}


def _build(content: Path, output: Path, env: dict[str, str]):
    return run_factsheets("build", "-s", SETTINGS, "-o", output, content, env=env)


def _built(content: Path, output: Path, env: dict[str, str]) -> str:
    result = _build(content, output, env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _clean_build(content: Path, tmp_path: Path, tmp_path_factory) -> dict[str, str]:
    """What a build of the content with an empty cache writes, in a folder of its own."""
    clean = tmp_path / "clean"
    _built(content, clean, {**os.environ, "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cold"))})
    return tree_digests(clean)


def test_an_archived_text_changed_keeping_size_and_time_fails_the_warm_build(content_copy, tmp_path, cache_env):
    output = tmp_path / "output"
    _built(content_copy, output, cache_env)
    assert "wrote 0 of" in _built(content_copy, output, cache_env), "the second build is an update from the cache"
    published = tree_digests(output)
    _rewrite_keeping_signature(content_copy / ARCHIVED, ARCHIVED_WORDS, TAMPERED_WORDS)

    result = _build(content_copy, output, cache_env)

    assert result.returncode == 1, result.stdout
    [line] = [line for line in result.stderr.splitlines() if "archived_text_sha256" in line]
    assert "sources.yaml:" in line and f"'{ARCHIVED}' has changed since it was archived" in line
    assert f"factsheets accept {SOURCE}" in line
    assert "Traceback" not in result.stderr
    assert tree_digests(output) == published, "the output is left as it was"


def test_check_with_a_warm_cache_notices_it_too(content_copy, cache_env):
    assert run_factsheets("check", content_copy, env=cache_env).returncode == 0
    _rewrite_keeping_signature(content_copy / ARCHIVED, ARCHIVED_WORDS, TAMPERED_WORDS)
    result = run_factsheets("check", content_copy, env=cache_env)
    assert result.returncode == 1
    assert f"archived_text_sha256: '{ARCHIVED}' has changed since it was archived" in result.stderr


def test_a_factsheet_edited_keeping_size_and_time_is_published(content_copy, tmp_path, cache_env):
    output = tmp_path / "output"
    _built(content_copy, output, cache_env)
    claims = content_copy / "factsheets" / "claims.yaml"
    _rewrite_keeping_signature(claims, b"Ministry claimed that 65", b"Ministry averred that 65")
    _built(content_copy, output, cache_env)
    assert "Ministry averred that 65" in (output / "claims" / f"{CLAIM}.html").read_text()


def test_an_archived_text_put_back_keeping_the_tampered_time_puts_the_output_right(
    content_copy, tmp_path, tmp_path_factory, cache_env
):
    # A source without recorded digests yet: its archived text is published as it is, nothing to check it against.
    sources = content_copy / "factsheets" / "sources.yaml"
    text = sources.read_text()
    sources.write_text("".join(line for line in text.splitlines(True) if "archived_text_sha256:" not in line))
    output = tmp_path / "output"
    _built(content_copy, output, cache_env)
    archived = content_copy / ARCHIVED
    tampered_at = archived.stat().st_mtime_ns - 3_600 * 10**9  # an edit an hour before: its time is another
    _rewrite_keeping_signature(archived, ARCHIVED_WORDS, TAMPERED_WORDS, tampered_at)
    _built(content_copy, output, cache_env)
    assert TAMPERED_WORDS.decode() in (output / "sources" / f"{SOURCE}.html").read_text()
    # Put back, with the time (and size and inode) the tampered file had when the last build read it.
    _rewrite_keeping_signature(archived, TAMPERED_WORDS, ARCHIVED_WORDS, tampered_at)

    _built(content_copy, output, cache_env)

    assert TAMPERED_WORDS.decode() not in (output / "sources" / f"{SOURCE}.html").read_text()
    assert tree_digests(output) == _clean_build(content_copy, tmp_path, tmp_path_factory)


def test_an_original_named_anew_by_an_edit_is_checked_against_its_digest(content_copy, tmp_path, cache_env):
    """A source's original is named in free text (like its title): an edit that names another file may keep the
    rest of the site as read, but the file it names is checked all the same."""
    originals = content_copy / "sources" / "originals"
    originals.mkdir()
    (originals / "report.html").write_text("<p>The report as retrieved.</p>")
    (originals / "other.html").write_text("<p>Another page altogether.</p>")
    for original in originals.iterdir():  # archived a while ago, as the archived text was
        os.utime(original, ns=((content_copy / ARCHIVED).stat().st_mtime_ns,) * 2)
    digest = hashlib.sha256((originals / "report.html").read_bytes()).hexdigest()
    sources = content_copy / "factsheets" / "sources.yaml"
    text = sources.read_text()
    named = f"    original: sources/originals/report.html\n    original_sha256: {digest}\n    notes: >-"
    sources.write_text(text.replace("    notes: >-", named, 1))
    output = tmp_path / "output"
    _built(content_copy, output, cache_env)
    published = tree_digests(output)
    sources.write_text(sources.read_text().replace("originals/report.html", "originals/other.html", 1))

    result = _build(content_copy, output, cache_env)

    assert result.returncode == 1, result.stdout
    assert "original_sha256: 'sources/originals/other.html' has changed since it was archived" in result.stderr
    assert tree_digests(output) == published


def test_a_template_edited_keeping_size_and_time_is_published(content_copy, tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    settings = {"THEME": str(theme)}
    output = tmp_path / "output"
    assert build_site(SETTINGS, content_copy, output, quiet=True, extra_settings=settings).ok
    template = theme / "templates" / "claim.html"
    _rewrite_keeping_signature(template, b"</h1>", b"</H1>")
    assert build_site(SETTINGS, content_copy, output, quiet=True, extra_settings=settings).ok
    assert "</H1>" in (output / "claims" / f"{CLAIM}.html").read_text()


@pytest.fixture
def live(content_copy, tmp_path):
    site = LiveSite(SETTINGS, content_copy, tmp_path / "preview")
    assert site.build_all()
    return site


def test_the_preview_sees_a_factsheet_edited_keeping_size_and_time(live, content_copy):
    claims = content_copy / "factsheets" / "claims.yaml"
    _rewrite_keeping_signature(claims, b"Ministry claimed that 65", b"Ministry averred that 65")
    assert live.update().outcome is Outcome.UPDATED
    assert "Ministry averred that 65" in (live.output_dir / "claims" / f"{CLAIM}.html").read_text()


def test_the_preview_sees_an_archived_text_changed_keeping_size_and_time(live, content_copy, capsys):
    published = tree_digests(live.output_dir)
    _rewrite_keeping_signature(content_copy / ARCHIVED, ARCHIVED_WORDS, TAMPERED_WORDS)
    assert live.update().outcome is Outcome.NEEDS_FULL_BUILD
    capsys.readouterr()
    assert not live.build_all()
    assert f"'{ARCHIVED}' has changed since it was archived" in capsys.readouterr().err
    assert tree_digests(live.output_dir) == published
