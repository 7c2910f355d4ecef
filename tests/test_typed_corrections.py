"""Typed corrections everywhere: each changelog entry says what kind of change it is (and a correction what
was wrong), every page the desk writes has its Changes section, the Corrections page lists every correction
and clarification on the site, newest first, and the changes feed carries each entry's kind.

Broken copies of the content show each rule's `file:line:column: field: message` and a failed run; the built
pages are read as a reader would, the feed as a feed reader would.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from test_status_history_and_dates import _edit

from helpers import CONTENT, FIXTURES, ROOT, read_page, run_check, run_pelican

CLAIMS = "factsheets/claims.yaml"
ACTORS = "factsheets/actors.yaml"
ATOM = "{http://www.w3.org/2005/Atom}"
FIRST_PUBLISHED = (
    "        kind: update\n        change: First published from the Ukrinform report of 31 January 2024.\n"
)
"""The first changelog entry's kind and words, the first of their kind in claims.yaml (the first claim's)."""
OTHER_SITE = {"SITENAME": "Riverton flood fact sheets"}
KIND_WORDS = {"Correction", "Clarification", "Update", "Status change"}


def _problem_lines(result) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if re.search(r":\d+:\d+: ", line)]


def _one_problem(content: Path, field: str) -> str:
    result = run_check(content)
    assert result.returncode == 1, result.stdout + result.stderr
    found = [line for line in _problem_lines(result) if f": {field}: " in line]
    assert len(found) == 1, result.stdout + result.stderr
    return found[0]


# The rules


def test_a_change_without_a_kind_is_a_problem(content_copy):
    line = _edit(content_copy, FIRST_PUBLISHED, FIRST_PUBLISHED.replace("        kind: update\n", ""))
    problem = _one_problem(content_copy, "claims[0].changelog[0].kind")
    # the entry starts on the line above the kind that was removed: `- date:`
    expected = rf"claims\.yaml:{line - 1}:\d+: claims\[0\]\.changelog\[0\]\.kind: missing required field"
    assert re.search(expected, problem)


def test_a_kind_that_is_not_one_of_the_four_is_a_problem(content_copy):
    line = _edit(content_copy, FIRST_PUBLISHED, FIRST_PUBLISHED.replace("kind: update", "kind: fix"))
    problem = _one_problem(content_copy, "claims[0].changelog[0].kind")
    assert f"claims.yaml:{line}:15: claims[0].changelog[0].kind: 'fix' is not allowed" in problem
    assert "'correction', 'clarification', 'update' or 'status-change'" in problem


def test_a_correction_must_say_what_was_wrong(content_copy):
    line = _edit(content_copy, FIRST_PUBLISHED, FIRST_PUBLISHED.replace("kind: update", "kind: correction"))
    problem = _one_problem(content_copy, "claims[0].changelog[0].kind")
    assert f"claims.yaml:{line}:15: claims[0].changelog[0].kind: a correction says what was wrong" in problem


def test_only_a_correction_says_what_was_wrong(content_copy):
    line = _edit(content_copy, FIRST_PUBLISHED, FIRST_PUBLISHED + "        wrong: Nothing was.\n")
    problem = _one_problem(content_copy, "claims[0].changelog[0].wrong")
    assert f"claims.yaml:{line + 2}:16: claims[0].changelog[0].wrong: only a correction says what was wrong" in problem
    assert "this is update" in problem


def test_a_status_change_without_its_changelog_entry_is_a_problem(content_copy):
    """The history's second status (a change) needs a change of the kind status-change on its date."""
    history = "    status_history:\n      - date: 2026-11-25\n        status: unverified\n        rationale: First.\n"
    changed = "      - date: 2026-12-09\n        status: uncontested\n"
    line = _edit(content_copy, "    changelog:\n", history + changed + "    changelog:\n")
    problem = _one_problem(content_copy, "claims[0].status_history[1].date")
    expected = f"claims.yaml:{line + 4}:15: claims[0].status_history[1].date: the status changed to 'uncontested' "
    assert expected in problem
    assert "no change of the kind status-change on that date" in problem
    # logged as a status change on the same date, the history holds
    _edit(
        content_copy,
        FIRST_PUBLISHED,
        FIRST_PUBLISHED + "      - date: 2026-12-09\n        kind: status-change\n        change: Now uncontested.\n",
    )
    assert run_check(content_copy).returncode == 0


def test_a_status_change_logged_without_a_new_status_is_a_problem(content_copy):
    entry = "      - date: 2026-12-09\n        kind: status-change\n        change: Status changed.\n"
    line = _edit(content_copy, FIRST_PUBLISHED, FIRST_PUBLISHED + entry)
    problem = _one_problem(content_copy, "claims[0].changelog[1].kind")
    assert f"claims.yaml:{line + 3}:15: claims[0].changelog[1].kind: a status change on 9 December 2026" in problem


def test_the_overview_changelog_is_checked_like_a_records(content_copy):
    relative = "factsheets/overview.yaml"
    line = _edit(content_copy, "      kind: update\n", "      kind: correction\n", relative)
    problem = _one_problem(content_copy, "overview.changelog[0].kind")
    assert f"overview.yaml:{line}:13: overview.changelog[0].kind: a correction says what was wrong" in problem


def test_a_pages_changelog_is_checked_with_its_file_and_line(content_copy, tmp_path):
    line = _edit(content_copy, "      kind: update\n", "      kind: correction\n", "pages/about.md")
    output = tmp_path / "output"
    result = run_pelican(content_copy, output)
    assert result.returncode == 1
    expected = f"pages/about.md:{line}:13: changelog[0].kind: a correction says what was wrong"
    assert expected in result.stdout + result.stderr
    assert not output.exists() or not any(output.iterdir())


# The pages


def _changes(page) -> list[str]:
    section = page.select_one("section#changes")
    assert section is not None and section.h2.get_text(strip=True) == "Changes"
    return [" ".join(item.get_text().split()) for item in section.select("ol.changes > li")]


RECORD_PAGES = [
    "claims/sixty-five-left-out-of-exchange.html",
    "events/il76-crash-belgorod.html",
    "actors/andrii-yusov.html",
    "sources/ukrinform-2024-01-31.html",
]
DESK_PAGES = ["index.html", "pages/about.html", "pages/methodology.html", "pages/corrections.html"]


@pytest.mark.parametrize("page_path", RECORD_PAGES + DESK_PAGES)
def test_every_page_the_desk_writes_has_typed_changes(site, page_path):
    changes = _changes(read_page(site, page_path))
    assert changes, f"{page_path} lists no change"
    for change in changes:
        kind = change.split(" · ")[1].split(":")[0] if " · " in change else ""
        assert kind in KIND_WORDS, change


def test_a_correction_shows_its_kind_what_was_wrong_and_what_changed(site):
    changes = _changes(read_page(site, "actors/andrii-yusov.html"))
    assert changes[0] == "25 November 2026 · Update: First published from the Ukrinform report of 31 January 2024."
    assert changes[1] == (
        "2 December 2026 · Correction: Role as the report gives it, without the abbreviation HUR. "
        "What was wrong: The role included the abbreviation HUR, which the report does not use."
    )
    status_change = _changes(read_page(site, "claims/sixty-five-left-out-of-exchange.html"))[1]
    assert status_change.startswith("2 December 2026 · Status change: Status changed from uncontested to unverified")


def _corrections_in(content: Path) -> list[tuple[str, str]]:
    """(date, change) of every correction and clarification in the content's fact sheets and pages."""
    changelogs = []
    for path in sorted((content / "factsheets").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        records = [data["overview"]] if "overview" in data else []
        records += [record for key, value in data.items() if isinstance(value, list) for record in value]
        changelogs += [record.get("changelog", []) for record in records]
    for path in sorted((content / "pages").glob("*.md")):
        header = path.read_text(encoding="utf-8").split("\n\n")[0]
        block = header.partition("Changelog:\n")[2]
        changelogs.append(yaml.safe_load(block) or [])
    return [
        (str(change["date"]), " ".join(change["change"].split()))
        for changelog in changelogs
        for change in changelog
        if change["kind"] in ("correction", "clarification")
    ]


def test_the_corrections_page_lists_every_correction_newest_first_with_links(site):
    page = read_page(site, "pages/corrections.html")
    listed = page.select("ol.site-corrections > li")
    expected = _corrections_in(CONTENT)
    assert len(listed) == len(expected) >= 3
    dates = [item.time["datetime"] for item in listed]
    assert dates == sorted(dates, reverse=True)
    texts = [" ".join(item.get_text(" ", strip=True).split()) for item in listed]
    for _, change in expected:
        assert any(change in text for text in texts), change
    corrected = next(item for item in listed if "without the abbreviation HUR." in item.get_text())
    text = " ".join(corrected.get_text(" ", strip=True).split())
    assert "Correction" in text and "Andrii Yusov" in text
    assert "What was wrong: The role included the abbreviation HUR, which the report does not use." in text
    link = corrected.find("a", string="Andrii Yusov")
    assert link["href"] == "../actors/andrii-yusov.html#change-2"
    target = read_page(site, "actors/andrii-yusov.html").select_one("#change-2")
    assert "without the abbreviation HUR" in target.get_text()
    clarified = next(item for item in listed if "now attributed to it" in item.get_text())
    assert "Clarification" in clarified.get_text() and "What was wrong" not in clarified.get_text()


def test_the_corrections_policy_says_only_what_the_site_does(site):
    text = " ".join(read_page(site, "pages/corrections.html").select_one("main").get_text(" ", strip=True).split())
    assert "Every page has a Changes section" not in text
    staff = "each source, actor, event, claim and member of the desk's staff"
    for phrase in (staff, "the home page", "About, Methodology and Corrections"):
        assert phrase in text


def test_the_other_event_shows_its_correction_and_its_overviews_changes(built_site):
    """The other event has no Pelican pages (no Corrections page): its record pages and home page carry the kinds."""
    output = built_site(FIXTURES / "other-event", **OTHER_SITE)
    changes = _changes(read_page(output, "actors/mara-quill.html"))
    assert changes[1] == (
        "14 March 2023 · Correction: Role as the Gazette gives it, a spokeswoman for the authority. "
        "What was wrong: The role called her the authority's director."
    )
    assert _changes(read_page(output, "index.html")) == [
        "12 March 2023 · Update: First published from the Riverton Gazette report."
    ]
    status_change = _changes(read_page(output, "claims/failure-caused-by-rainfall.html"))[1]
    assert status_change.startswith("13 March 2023 · Status change: Status changed to disputed")


def test_the_feed_carries_each_changes_kind(site):
    feed = ET.parse(site / "feeds" / "changes.atom.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    changes = [entry for entry in entries if "#status-" not in entry.find(f"{ATOM}id").text]
    assert changes
    for entry in changes:
        terms = [category.get("term") for category in entry.findall(f"{ATOM}category")]
        assert len(terms) == 1 and terms[0] in ("correction", "clarification", "update", "status-change")
    corrected = next(e for e in changes if "Role as the report gives it" in e.find(f"{ATOM}title").text)
    assert corrected.find(f"{ATOM}title").text.startswith("Andrii Yusov: Correction: Role as the report gives it")
    assert "What was wrong: The role included" in corrected.find(f"{ATOM}summary").text
    assert corrected.find(f"{ATOM}category").get("term") == "correction"
    home = [e for e in changes if e.find(f"{ATOM}link").get("href").endswith("index.html#changes")]
    assert len(home) == 1


def test_words_of_a_change_are_escaped_everywhere(content_copy, tmp_path):
    wrong = 'It said <script>alert("x")</script> & more.'
    _edit(
        content_copy,
        "          The role included the abbreviation HUR, which the report does not use.\n",
        f"          {wrong}\n",
        ACTORS,
    )
    output = tmp_path / "output"
    result = run_pelican(content_copy, output)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("actors/andrii-yusov.html", "pages/corrections.html"):
        html = (output / name).read_text(encoding="utf-8")
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(" in html
        assert wrong in read_page(output, name).get_text()
    feed = ET.parse(output / "feeds" / "changes.atom.xml").getroot()
    summaries = [entry.find(f"{ATOM}summary").text for entry in feed.findall(f"{ATOM}entry")]
    assert any(wrong in summary for summary in summaries)


def test_the_preview_rebuilds_the_corrections_page_when_a_corrected_record_is_edited(content_copy, tmp_path):
    """The Corrections page (Pelican's own, which an update does not render again) shows each correction's words
    and its record's name: an edit of either builds the whole site, and the page then reads as a clean build's."""
    from factsheets.build import build_site
    from factsheets.incremental import LiveSite, Outcome

    live = LiveSite(ROOT / "pelicanconf.py", content_copy, tmp_path / "output")
    assert live.build_all()
    events = content_copy / "factsheets" / "events.yaml"
    text = events.read_text(encoding="utf-8")
    said = "the total of people on board is\n          shown as our sum"
    assert said in text
    events.write_text(text.replace(said, "the number of people on board is\n          shown as our sum"))
    assert live.update().outcome is Outcome.NEEDS_FULL_BUILD
    assert live.build_all()
    live.reindex_search()
    clean = tmp_path / "clean"
    assert build_site(ROOT / "pelicanconf.py", content_copy, clean, quiet=True).ok
    page = "pages/corrections.html"
    assert "the number of people on board" in (live.output_dir / page).read_text()
    assert (live.output_dir / page).read_bytes() == (clean / page).read_bytes()


def test_a_status_repeated_in_the_history_is_not_a_change(content_copy):
    """A 'status change' from unverified to unverified is no change: the history lists changes of status, and a
    status-change entry of the log needs a real one (a review found such a pair passing the check)."""
    claims = content_copy / "factsheets" / "claims.yaml"
    text = claims.read_text(encoding="utf-8")
    before = (
        "    status_history:\n      - date: 2026-11-25\n        status: disputed\n        rationale: >-\n"
        "          Known only"
    )
    assert text.count(before) == 1
    claims.write_text(text.replace(before, before.replace("status: disputed", "status: unverified")))
    line = text[: text.index(before)].count("\n") + 1 + 7  # the second entry's status
    result = run_check(content_copy)
    assert result.returncode == 1, result.stderr
    assert (
        f"factsheets/claims.yaml:{line}:17: claims[3].status_history[1].status: 'unverified' again, the status of the "
        "entry above it: the history lists changes of status"
    ) in result.stderr, result.stderr
