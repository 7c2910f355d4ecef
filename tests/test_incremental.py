"""The preview's incremental rebuild: an edit re-renders only what reads it, and the output is a clean build's."""

from __future__ import annotations

import hashlib
import json

import pytest

from factsheets.build import build_site
from factsheets.cli import main as factsheets
from factsheets.incremental import LiveSite, Outcome
from helpers import ROOT

CLAIM = "ukrainian-pows-on-board-il76"


def _tree(folder):
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def live(content_copy, tmp_path):
    site = LiveSite(ROOT / "pelicanconf.py", content_copy, tmp_path / "output")
    assert site.build_all()
    return site


def _assert_same_as_a_clean_build(live, content, tmp_path, settings=None):
    """The preview's output, once its search index is up to date, is a clean build's, byte for byte."""
    live.reindex_search()
    clean = tmp_path / "clean"
    assert build_site(ROOT / "pelicanconf.py", content, clean, quiet=True, extra_settings=settings).ok
    assert _tree(live.output_dir) == _tree(clean)


def _identity(path):
    """What tells a file written again (os.replace puts a new one in its place) from one left as it was."""
    status = path.stat()
    return status.st_ino, status.st_mtime_ns, status.st_size


def _edit(content, old, new):
    claims = content / "factsheets" / "claims.yaml"
    text = claims.read_text()
    assert old in text
    claims.write_text(text.replace(old, new, 1))


def test_a_text_edit_renders_only_the_pages_that_read_it_and_matches_a_clean_build(live, content_copy, tmp_path):
    total_pages = len(list(live.output_dir.rglob("*.html")))
    _edit(content_copy, "The Russian Defence Ministry claimed that 65", "The Russian Defence Ministry stated that 65")
    reloads = []
    result = live.update(after_first_pages=lambda: reloads.append("reload"))
    assert result.outcome is Outcome.UPDATED
    assert result.changed_records == [CLAIM]
    assert reloads == ["reload"]
    assert 1 < result.pages < total_pages / 2, "only the pages that show the claim"
    claim_page = (live.output_dir / "claims" / f"{CLAIM}.html").read_text()
    assert "The Russian Defence Ministry stated that 65" in claim_page
    _assert_same_as_a_clean_build(live, content_copy, tmp_path)


def test_the_search_index_is_written_again_after_an_edit_and_finds_the_new_words(content_copy, tmp_path):
    small_files = {"FACTSHEETS_SEARCH_DOCUMENTS_PER_FILE": 5}
    live = LiveSite(ROOT / "pelicanconf.py", content_copy, tmp_path / "output", settings_override=small_files)
    assert live.build_all()
    index = live.output_dir / "search"
    before = {path: _identity(path) for path in index.rglob("*.json")}
    _edit(content_copy, "The Russian Defence Ministry claimed that 65", "The Russian Defence Ministry averred that 65")
    assert live.update().outcome is Outcome.UPDATED
    assert live.search_pending
    live.reindex_search()
    assert not live.search_pending
    # Updated, not written whole: only the files that hold the edited claim's words, or its excerpt, change.
    rewritten = sorted(str(path.relative_to(index)) for path in before if _identity(path) != before[path])
    assert "index.json" in rewritten
    assert 1 < len(rewritten) < len(before) / 2, rewritten
    words = json.loads((live.output_dir / "search" / "words" / "61-76.json").read_text())  # words starting "av"
    assert "averred" in words
    _assert_same_as_a_clean_build(live, content_copy, tmp_path, small_files)


def test_a_change_of_structure_asks_for_the_whole_build(live, content_copy):
    _edit(content_copy, "claimant: russian-defence-ministry", "claimant: russia")
    assert live.update().outcome is Outcome.NEEDS_FULL_BUILD


def test_an_edit_of_a_pelican_page_asks_for_the_whole_build(live, content_copy):
    about = content_copy / "pages" / "about.md"
    about.write_text(about.read_text().replace("We do not report", "We never report"))
    assert live.update().outcome is Outcome.NEEDS_FULL_BUILD


def test_a_new_status_is_shown_without_a_whole_build_and_matches_a_clean_build(live, content_copy, tmp_path):
    _edit(content_copy, "status: uncontested", "status: unverified")
    result = live.update()
    assert result.outcome is Outcome.UPDATED
    changed = result.changed_records[0]
    claim_page = (live.output_dir / "claims" / f"{changed}.html").read_text()
    assert 'class="status status-unverified"' in claim_page
    _assert_same_as_a_clean_build(live, content_copy, tmp_path)


def test_an_edit_with_problems_reports_them_and_keeps_the_site(live, content_copy, capsys):
    before = _tree(live.output_dir)
    _edit(content_copy, "claimant: russian-defence-ministry", "claimaint: russian-defence-ministry")
    assert live.update().outcome is Outcome.PROBLEMS
    assert "unknown field 'claimaint'" in capsys.readouterr().err
    assert _tree(live.output_dir) == before
    assert live.update().outcome is Outcome.PROBLEMS, "still broken, still reported"


def test_an_edit_with_problems_reports_every_one_as_check_does(live, content_copy, capsys):
    _edit(content_copy, "claimant: russian-defence-ministry", "claimaint: russian-defence-ministry")
    _edit(content_copy, "six crewmembers and three escorts", "six crew members and three escorts")
    assert live.update().outcome is Outcome.PROBLEMS
    reported = capsys.readouterr().err
    assert factsheets(["check", str(content_copy)]) == 1
    assert reported == capsys.readouterr().err
    assert "claims[4].quote.text: quote not found" in reported, "the quote of a claim with a wrong field"
    assert reported.endswith("3 problems found.\n")


def test_no_edit_no_work(live):
    assert live.update().outcome is Outcome.UNCHANGED


def test_an_edited_archived_text_asks_for_the_whole_build(live, content_copy):
    archived = content_copy / "sources" / "ukrinform-2024-01-31.txt"
    archived.write_text(archived.read_text() + "\nA new paragraph.\n")
    assert live.update().outcome is Outcome.NEEDS_FULL_BUILD


def test_after_forget_the_next_update_builds_everything(live):
    live.forget()
    assert live.update().outcome is Outcome.NEEDS_FULL_BUILD


def test_editor_scratch_files_do_not_stop_an_incremental_update(live, content_copy):
    (content_copy / "factsheets" / ".claims.yaml.swp").write_bytes(b"vim swap")
    (content_copy / "factsheets" / "claims.yaml~").write_text("backup")
    _edit(content_copy, "The Russian Defence Ministry claimed that 65", "The Russian Defence Ministry said that 65")
    assert live.update().outcome is Outcome.UPDATED


def test_a_full_rebuild_lets_the_old_site_go(live):
    import gc
    import weakref

    old_claim = weakref.ref(live.generator.site.claims[0])
    assert live.build_all()
    gc.collect()
    assert old_claim() is None, "the previous site stays in memory"


def test_a_whole_build_can_leave_the_search_index_for_later(content_copy, tmp_path):
    live = LiveSite(ROOT / "pelicanconf.py", content_copy, tmp_path / "output")
    assert live.build_all(search_later=True)
    assert not (live.output_dir / "search").exists(), "the pages first"
    assert live.search_pending
    live.reindex_search()
    assert not live.search_pending
    _assert_same_as_a_clean_build(live, content_copy, tmp_path)


def test_a_new_status_that_breaks_the_status_rules_is_reported_and_not_published(live, content_copy, capsys):
    """A claim someone questions cannot be uncontested: the quick path checks the desk's rules like a build."""
    claim_page = live.output_dir / "claims" / "russian-side-called-65-dead.html"
    before = claim_page.read_bytes()
    _edit(
        content_copy,
        "      - il76-crash-belgorod\n    status: unverified\n",  # the first claim about the crash: the 65 called dead
        "      - il76-crash-belgorod\n    status: uncontested\n",
    )
    capsys.readouterr()
    assert live.update().outcome is Outcome.PROBLEMS
    reported = capsys.readouterr().err
    assert "claims.yaml:" in reported and "a response questions this uncontested claim" in reported
    assert claim_page.read_bytes() == before


def test_the_search_index_updated_twice_drops_the_word_files_no_longer_used(content_copy, tmp_path):
    small_files = {"FACTSHEETS_SEARCH_DOCUMENTS_PER_FILE": 5}
    live = LiveSite(ROOT / "pelicanconf.py", content_copy, tmp_path / "output", settings_override=small_files)
    assert live.build_all()
    _edit(content_copy, "The Russian Defence Ministry claimed that 65", "The Russian Defence Ministry qzxvword that 65")
    assert live.update().outcome is Outcome.UPDATED
    live.reindex_search()
    assert (live.output_dir / "search" / "words" / "71-7a.json").exists()  # the key "qz": no other word has it
    _edit(content_copy, "The Russian Defence Ministry qzxvword that 65", "The Russian Defence Ministry claimed that 65")
    assert live.update().outcome is Outcome.UPDATED
    live.reindex_search()
    assert not (live.output_dir / "search" / "words" / "71-7a.json").exists()
    _assert_same_as_a_clean_build(live, content_copy, tmp_path, small_files)


def test_a_damaged_search_index_is_written_whole_again(live, content_copy, tmp_path):
    word_file = sorted((live.output_dir / "search" / "words").glob("*.json"))[0]
    word_file.write_text('{"ab":[1,')  # cut short, as by a full disk
    _edit(content_copy, "The Russian Defence Ministry claimed that 65", "The Russian Defence Ministry stated that 65")
    assert live.update().outcome is Outcome.UPDATED
    live.reindex_search()
    json.loads(word_file.read_text())
    _assert_same_as_a_clean_build(live, content_copy, tmp_path)
