"""The site a whole reading left is taken back by the next build when only free text was edited since: the
edits are put in and checked again, the result is what a whole reading gives, and anything else (an edit of
more than free text, an archived text changed, a broken rule) is read and reported whole."""

from __future__ import annotations

import inspect
import pickle
import subprocess
import sys

import pytest
from test_cache_trust import RunsCode

from factsheets import pipeline, snapshot
from factsheets.cache import SheetCache
from factsheets.pipeline import read_site
from factsheets.problems import ContentError
from helpers import ROOT

CLAIMS = "factsheets/claims.yaml"


def _edit(path, old, new) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _what_pages_show(site) -> list[object]:
    """The records in their nodes, the lists' order and the warnings: what a build renders from a site."""
    return [
        [(type(node).__name__, node.record) for node in site.record_nodes],
        [claim.record.id for claim in site.claims],
        [str(problem) for problem in site.warnings],
    ]


@pytest.fixture
def read_once(content_copy, tmp_path):
    """The content read whole once with a cache, which keeps its snapshot."""
    cache = tmp_path / "cache"
    read_site(content_copy, cache_dir=cache)
    assert list(cache.rglob(f"{snapshot.SNAPSHOT_PREFIX}*{snapshot.SNAPSHOT_SUFFIX}")), "a snapshot is kept"
    return content_copy, cache


def _no_whole_reading(monkeypatch) -> None:
    def refuse(*arguments, **keywords):
        raise AssertionError("the site was linked again, not taken from the snapshot")

    monkeypatch.setattr(pipeline, "resolve", refuse)


def test_a_statement_edit_takes_the_last_reading_back_with_the_edit_in(read_once, monkeypatch):
    content, cache = read_once
    _edit(content / CLAIMS, "The Russian side called 65 people", "The Russian side called sixty-five people")
    with monkeypatch.context() as patched:
        _no_whole_reading(patched)
        taken_back = read_site(content, cache_dir=cache)
    claim = next(claim for claim in taken_back.claims if claim.record.id == "russian-side-called-65-dead")
    assert claim.record.statement.startswith("The Russian side called sixty-five people")
    assert claim.sheet.file.source == content / CLAIMS  # problems point into the file as it is now
    assert _what_pages_show(taken_back) == _what_pages_show(read_site(content))  # a whole reading, no cache


def test_a_status_that_breaks_a_rule_is_reported_as_a_whole_reading_does(read_once):
    content, cache = read_once
    text = (content / CLAIMS).read_text(encoding="utf-8")
    at = text.index("  - id: russia-refuses-to-return-bodies")
    status_at = text.index("    status: unverified", at)
    (content / CLAIMS).write_text(
        text[:status_at] + "    status: disputed" + text[status_at + len("    status: unverified") :], encoding="utf-8"
    )
    with pytest.raises(ContentError) as raised:
        read_site(content, cache_dir=cache)
    line = text[:status_at].count("\n") + 1
    [problem] = raised.value.problems
    assert (problem.line, problem.field) == (line, "claims[5].status")
    assert "a disputed claim needs a response that disputes it" in problem.message


def test_an_edit_of_more_than_free_text_reads_the_site_whole(read_once, monkeypatch):
    content, cache = read_once
    _edit(
        content / CLAIMS,
        "    date: 2024-01-31\n    date_qualifier: on-or-before",
        "    date: 2024-01-30\n    date_qualifier: on-or-before",
    )
    linked = []
    real_resolve = pipeline.resolve
    monkeypatch.setattr(pipeline, "resolve", lambda *arguments: linked.append(1) or real_resolve(*arguments))
    site = read_site(content, cache_dir=cache)
    assert linked, "a date decides the order of lists: the site is linked again"
    assert _what_pages_show(site) == _what_pages_show(read_site(content))


def test_an_archived_text_changed_since_is_read_again_and_its_quotes_checked(read_once):
    content, cache = read_once
    archived = content / "sources" / "ukrinform-2024-01-31.txt"
    _edit(archived, "whom the Russian side called dead", "whom the other side called dead")
    with pytest.raises(ContentError) as raised:
        read_site(content, cache_dir=cache)
    assert any("except for the list of 65 people" in str(problem) for problem in raised.value.problems)


def test_a_snapshot_that_is_not_this_users_is_never_unpickled(read_once, tmp_path):
    content, cache = read_once
    marker = tmp_path / "pwned"
    [entry] = cache.rglob(f"{snapshot.SNAPSHOT_PREFIX}*{snapshot.SNAPSHOT_SUFFIX}")
    entry.write_bytes(bytes(32) + pickle.dumps(RunsCode(marker)))
    _edit(content / CLAIMS, "The Russian side called 65 people", "The Russian side called sixty-five people")
    site = read_site(content, cache_dir=cache)
    assert not marker.exists()
    assert any(claim.record.statement.startswith("The Russian side called sixty-five") for claim in site.claims)


def test_a_large_site_is_kept_and_taken_back_whatever_the_depth_of_its_links(tmp_path):
    """The graph's links make a path through every record; pickle, left to follow it, fails (or crashes)
    beyond its recursion limit. The snapshot is written flat, and a build of 600 claims takes it back."""
    content = tmp_path / "content"
    generate = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--claims", "600", "--out", str(content)]
    assert subprocess.run(generate, cwd=ROOT, capture_output=True, timeout=300).returncode == 0
    cache = tmp_path / "cache"
    site = read_site(content, cache_dir=cache)
    sheet_cache = SheetCache.open(cache, content / "factsheets", tmp_path)
    assert sheet_cache is not None
    files = pipeline.load_factsheets(content / "factsheets", digests=True, content_dir=content).files
    for kept in cache.rglob(f"{snapshot.SNAPSHOT_PREFIX}*"):  # the one the reading took, with Python's own limit
        kept.unlink()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 200)  # a tenth of what 10,000 claims would need
    try:
        with pytest.raises(RecursionError):
            pickle.dumps(site)
        snapshot.take_snapshot(sheet_cache, site, files, content)
        taken_back = snapshot.site_from_snapshot(sheet_cache, files, read=None)
    finally:
        sys.setrecursionlimit(limit)
    assert taken_back is not None
    assert _what_pages_show(taken_back) == _what_pages_show(site)


def test_a_date_after_today_is_still_a_warning_when_the_site_is_taken_back(content_copy, tmp_path, monkeypatch):
    _edit(content_copy / CLAIMS, "      - date: 2026-12-02", "      - date: 2999-12-02")
    cache = tmp_path / "cache"
    assert any("after today" in str(problem) for problem in read_site(content_copy, cache_dir=cache).warnings)
    _edit(content_copy / CLAIMS, "The Russian side called 65 people", "The Russian side called sixty-five people")
    with monkeypatch.context() as patched:
        _no_whole_reading(patched)
        taken_back = read_site(content_copy, cache_dir=cache)
    assert [str(problem) for problem in taken_back.warnings] == [
        str(problem) for problem in read_site(content_copy).warnings
    ]
    assert any("dated 2 December 2999, after today" in str(problem) for problem in taken_back.warnings)
