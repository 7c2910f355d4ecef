"""Publish builds after an edit (`factsheets build`, `make html`, `make publish`): the build updates the output of
the last one, writing again only what the edit changed, and the output is a clean build's, byte for byte."""

from __future__ import annotations

import os
import shutil

import pytest

from factsheets import build as build_module
from factsheets import exports
from factsheets.build import build_site
from factsheets.build_record import FEW_IDS, BuildRecord, BuildRecords, packed_ids, plan_update
from factsheets.cache import user_cache_root
from factsheets.items import ItemReuse
from factsheets.sheets import SheetFingerprint
from helpers import ROOT, tree_digests

SETTINGS = ROOT / "pelicanconf.py"
CLAIM = "ukrainian-pows-on-board-il76"


def _build(content, output, capsys=None, **settings) -> str:
    """Build (an update when it can be); returns what it printed."""
    assert build_site(SETTINGS, content, output, quiet=True, extra_settings=settings or None).ok
    return capsys.readouterr().out if capsys else ""


def _files(folder) -> dict[str, tuple[int, int]]:
    """Each file's inode and modification time: a file written again gets new ones."""
    return {
        str(path.relative_to(folder)): (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


def _written_again(before, after) -> set[str]:
    return {name for name, stamp in after.items() if before.get(name) != stamp}


def _assert_same_as_a_clean_build(content, output, tmp_path, **settings) -> None:
    clean = tmp_path / "clean"
    assert build_site(SETTINGS, content, clean, quiet=True, update=False, extra_settings=settings or None).ok
    assert tree_digests(output) == tree_digests(clean)
    shutil.rmtree(clean)


def _edit(path, old, new) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def built(content_copy, tmp_path):
    output = tmp_path / "output"
    _build(content_copy, output)
    return output


def test_a_text_edit_writes_again_only_the_pages_that_show_it(content_copy, built, tmp_path, capsys):
    before, digests_before = _files(built), tree_digests(built)
    claims = content_copy / "factsheets" / "claims.yaml"
    _edit(claims, "The Russian Defence Ministry claimed that 65", "The Russian Defence Ministry stated that 65")
    capsys.readouterr()
    assert build_site(SETTINGS, content_copy, built).ok
    printed = capsys.readouterr().out
    written = _written_again(before, _files(built))
    changed = {name for name, digest in tree_digests(built).items() if digests_before.get(name) != digest}
    assert written == changed, "what is written again is what changed, and only that"
    pages = {name for name in written if name.endswith(".html")}
    assert {f"claims/{CLAIM}.html", "index.html", "claims/index.html"} <= pages  # they show the statement
    assert "sources/index.html" not in pages and "events/index.html" not in pages
    all_pages = [name for name in before if name.endswith(".html")]
    assert f"Updated {built}: wrote {len(pages)} of {len(all_pages)} pages" in printed
    assert len(pages) < len(all_pages) / 2
    assert "data/factsheets.json" in written  # the open data holds the statement
    assert "The Russian Defence Ministry stated that 65" in (built / "claims" / f"{CLAIM}.html").read_text()
    _assert_same_as_a_clean_build(content_copy, built, tmp_path)


def test_an_update_makes_again_only_the_items_of_what_the_edit_changed(content_copy, tmp_path, monkeypatch):
    """The open data's other items, the claims index's other rows and the timeline's other entries are taken from
    the last build's files (items.py), and the files are a clean build's all the same."""
    built, one_process = tmp_path / "output", {"FACTSHEETS_WORKERS": 1}  # what is made is noted in this process
    _build(content_copy, built, **one_process)
    made: list[str] = []
    taken: list[str] = []
    read_kept = ItemReuse.read_kept
    monkeypatch.setattr(
        ItemReuse, "read_kept", lambda reuse, save_as, span: taken.append(save_as) or read_kept(reuse, save_as, span)
    )
    record_item, claim_review = exports.dumped_record, exports.claim_review
    monkeypatch.setattr(exports, "dumped_record", lambda node: made.append(node.owner_id) or record_item(node))
    monkeypatch.setattr(
        exports, "claim_review", lambda claim, *rest: made.append(claim.owner_id) or claim_review(claim, *rest)
    )
    _edit(
        content_copy / "factsheets" / "claims.yaml",
        "The Russian Defence Ministry claimed that 65",
        "The Russian Defence Ministry stated that 65",
    )
    _build(content_copy, built, **one_process)
    assert made == [CLAIM, CLAIM], "the edited claim's record and ClaimReview, and nothing else"
    claims = len(list((built / "claims").glob("*.html"))) - 1
    # The lists' rows and entries of the other claims are taken from the last build's pages too.
    assert taken.count("claims/index.html") == claims - 1
    assert taken.count("timeline.html") == claims - 1 + len(list((built / "events").glob("*.html"))) - 1
    monkeypatch.undo()
    assert "The Russian Defence Ministry stated that 65" in (built / "data" / "claimreview.json").read_text()
    _assert_same_as_a_clean_build(content_copy, built, tmp_path, **one_process)


def test_a_new_status_is_an_update_that_matches_a_clean_build(content_copy, built, tmp_path, capsys):
    capsys.readouterr()
    before = _files(built)
    _edit(content_copy / "factsheets" / "claims.yaml", "status: uncontested", "status: unverified")
    assert "whole site" not in _build(content_copy, built, capsys)
    written = _written_again(before, _files(built))
    assert any(name.startswith("claims/") and name.endswith(".png") for name in written), "its card shows it"
    _assert_same_as_a_clean_build(content_copy, built, tmp_path)


def test_no_edit_writes_nothing_again(content_copy, built):
    before = _files(built)
    _build(content_copy, built)
    assert _written_again(before, _files(built)) == set()


@pytest.mark.parametrize(
    ("what", "old", "new"),
    [
        ("a reference", "claimant: russian-defence-ministry", "claimant: russia"),
        ("a date", "    date: 2024-01-31\n", "    date: 2024-01-30\n"),
        ("a renamed record", "  - id: russia-refuses-to-return-bodies", "  - id: russia-refuses-to-return-bodies-x"),
    ],
)
def test_an_edit_of_links_or_ids_is_an_update_that_matches_a_clean_build(
    content_copy, built, tmp_path, capsys, what, old, new
):
    _edit(content_copy / "factsheets" / "claims.yaml", old, new)
    capsys.readouterr()
    assert build_site(SETTINGS, content_copy, built).ok
    assert f"Updated {built}" in capsys.readouterr().out
    _assert_same_as_a_clean_build(content_copy, built, tmp_path)
    if "renamed" in what:
        assert not (built / "claims" / "russia-refuses-to-return-bodies.html").exists()
        assert (built / "claims" / "russia-refuses-to-return-bodies-x.html").is_file()


def test_a_deleted_claim_and_a_new_claim_are_updates_that_match_a_clean_build(content_copy, built, tmp_path, capsys):
    claims = content_copy / "factsheets" / "claims.yaml"
    text = claims.read_text()
    start = text.index("  - id: russia-refuses-to-return-bodies")
    end = text.find("\n  - id: ", start) + 1 or len(text)
    claims.write_text(text[:start] + text[end:])  # the claim deleted
    capsys.readouterr()
    assert build_site(SETTINGS, content_copy, built).ok
    assert "removed" in capsys.readouterr().out
    assert not (built / "claims" / "russia-refuses-to-return-bodies.html").exists()
    assert not (built / "claims" / "russia-refuses-to-return-bodies.png").exists()
    _assert_same_as_a_clean_build(content_copy, built, tmp_path)
    claims.write_text(text)  # and back: a new claim
    assert build_site(SETTINGS, content_copy, built).ok
    assert f"Updated {built}" in capsys.readouterr().out
    assert (built / "claims" / "russia-refuses-to-return-bodies.html").is_file()
    _assert_same_as_a_clean_build(content_copy, built, tmp_path)


def test_a_claim_moved_to_a_new_file_is_an_update_that_matches_a_clean_build(content_copy, built, tmp_path, capsys):
    claims = content_copy / "factsheets" / "claims.yaml"
    text = claims.read_text()
    start = text.index("  - id: russia-refuses-to-return-bodies")
    end = text.find("\n  - id: ", start) + 1 or len(text)
    claims.write_text(text[:start] + text[end:])
    (content_copy / "factsheets" / "more-claims.yaml").write_text("claims:\n" + text[start:end])
    capsys.readouterr()
    assert build_site(SETTINGS, content_copy, built).ok
    assert f"Updated {built}" in capsys.readouterr().out
    _assert_same_as_a_clean_build(content_copy, built, tmp_path)


def test_an_edit_of_the_overview_builds_the_whole_site(content_copy, built, tmp_path, capsys):
    _edit(content_copy / "factsheets" / "overview.yaml", "According to Ukrinform,", "As Ukrinform reports,")
    capsys.readouterr()
    assert "Building the whole site: the overview changed." in _build(content_copy, built, capsys)
    _assert_same_as_a_clean_build(content_copy, built, tmp_path)


def test_a_template_edit_builds_the_whole_site(content_copy, built, tmp_path, capsys):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    _build(content_copy, built, THEME=str(theme))
    capsys.readouterr()
    _edit(theme / "templates" / "claim.html", "</h1>", "</h1>\n<p>Edited template.</p>")
    printed = _build(content_copy, built, capsys, THEME=str(theme))
    assert "Building the whole site: the theme's templates/claim.html changed." in printed
    assert "Edited template." in (built / "claims" / f"{CLAIM}.html").read_text()
    _assert_same_as_a_clean_build(content_copy, built, tmp_path, THEME=str(theme))


def test_a_setting_edit_builds_the_whole_site(content_copy, built, tmp_path, capsys):
    capsys.readouterr()
    assert "Building the whole site: the settings changed." in _build(content_copy, built, capsys, SITENAME="Another")
    _assert_same_as_a_clean_build(content_copy, built, tmp_path, SITENAME="Another")


def test_a_page_changed_in_the_output_by_hand_makes_the_next_build_whole(content_copy, built, tmp_path, capsys):
    page = built / "claims" / f"{CLAIM}.html"
    page.write_text(page.read_text().replace("</main>", "<p>Added by hand.</p></main>"))
    capsys.readouterr()
    assert f"claims/{CLAIM}.html in the output changed" in _build(content_copy, built, capsys)
    _assert_same_as_a_clean_build(content_copy, built, tmp_path)


def test_a_record_not_signed_by_this_user_is_ignored(content_copy, built, tmp_path, capsys):
    """A record written by anyone else (copied, forged, damaged) cannot decide what the build leaves as it was."""
    records = list((user_cache_root() / "builds").rglob("*.record"))
    assert records
    for record in records:
        record.write_bytes(b"\0" * 32 + record.read_bytes()[32:])
    _edit(content_copy / "factsheets" / "claims.yaml", "claimed that 65", "stated that 65")
    capsys.readouterr()
    printed = _build(content_copy, built, capsys)
    assert "Building the whole site" not in printed  # no record: simply a whole build, as the first one
    _assert_same_as_a_clean_build(content_copy, built, tmp_path)


def test_an_update_that_fails_half_way_leaves_the_output_as_it_was(content_copy, built, monkeypatch, capsys):
    before = tree_digests(built)
    _edit(content_copy / "factsheets" / "claims.yaml", "claimed that 65", "stated that 65")
    moved = []

    def failing_move(staged, target):
        if len(moved) == 3:
            raise OSError(28, "No space left on device")
        moved.append(target)
        os.replace(staged, target)

    monkeypatch.setattr(build_module, "_move_in", failing_move)
    assert not build_site(SETTINGS, content_copy, built, quiet=True).ok
    assert "No space left on device" in capsys.readouterr().err
    assert len(moved) == 3
    assert tree_digests(built) == before


def test_the_record_is_kept_per_output_and_clean_forgets_nothing_it_did_not_make(content_copy, built, tmp_path):
    other = tmp_path / "other"
    _build(content_copy, other)
    records = BuildRecords.open(user_cache_root(), ROOT)
    assert records.read(built) is not None and records.read(other) is not None
    assert records.read(built).page_reads.keys() == {
        str(path.relative_to(built)) for path in built.rglob("*.html") if path.parent.name != "pages"
    } - {"about.html", "corrections.html", "methodology.html"}


def test_an_edit_of_a_pelican_page_builds_the_whole_site_and_says_which(content_copy, built, tmp_path, capsys):
    _edit(content_copy / "pages" / "about.md", "We do not report", "We never report")
    capsys.readouterr()
    assert "Building the whole site: pages/about.md changed." in _build(content_copy, built, capsys)
    _assert_same_as_a_clean_build(content_copy, built, tmp_path)


@pytest.mark.parametrize("edited", [1, FEW_IDS + 3])
def test_an_update_writes_the_pages_that_read_an_edited_record_and_no_page_of_a_like_named_one(edited, tmp_path):
    """The record keeps each page's reads packed in one string: a record named like the start of another's name
    (claim-1, claim-10) is never taken for it, however many records an edit changed."""
    output = tmp_path / "output"
    output.mkdir()
    names = [f"claim-{number}" for number in range(1, 40)]
    reads = {f"claims/{name}.html": packed_ids({name}) for name in names}
    reads["claims/index.html"] = packed_ids({"site:claims", *names})
    fingerprint = SheetFingerprint(shape="", records={name: "before" for name in names}, overview="")
    previous = BuildRecord("settings", "publication", {"claims.yaml": ("d1", fingerprint)}, reads)
    edited_names = names[:edited]
    after = SheetFingerprint(shape="", records={name: "after" if name in edited_names else "before" for name in names},
                             overview="")  # fmt: skip
    current = BuildRecord("settings", "publication", {"claims.yaml": ("d2", after)}, {})
    update, why_whole = plan_update(previous, current, output)
    assert why_whole == "" and update is not None
    assert update.pages == {f"claims/{name}.html" for name in edited_names} | {"claims/index.html"}
