"""A claim's status over time, and dates that say whose they are: the sources' or the desk's.

A copy of the content gives one claim a status history (unverified, then disputed, then uncontested) and
dates its first publication by the desk long after its source; the built pages, the changes feed and
the ClaimReview are read as a reader, a feed reader and a search engine would. Broken copies show each
check's message, with its file and line, and a failed run.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from helpers import read_page, run_check, run_pelican

CLAIM = "exchange-continued-planned-exchange"
CLAIMS = "factsheets/claims.yaml"
ATOM = "{http://www.w3.org/2005/Atom}"
FIRST_CHANGELOG = """    changelog:
      - date: 2026-11-25
        kind: update
        change: First published from the Ukrinform report of 31 January 2024.
"""
"""The first claim's changelog, the first of its kind in claims.yaml."""
RATIONALE = """    rationale: >-
      Stated by Yusov in a comment to Ukrinform; no one in the report contests
      it, and it is not independently verified.
"""
HISTORY = """    changelog:
      - date: 2026-12-02
        kind: update
        change: First published from the Ukrinform report of 31 January 2024.
      - date: 2026-12-05
        kind: status-change
        change: Status changed to disputed after a reader's note.
      - date: 2026-12-09
        kind: status-change
        change: Status changed to uncontested once the reader's note was checked.
    status_history:
      - date: 2026-12-02
        status: unverified
        rationale: Only Yusov's comment <b>&</b> "said this" was at hand.
      - date: 2026-12-05
        status: disputed
        rationale: A reader pointed to a statement that the exchange was a new one.
      - date: 2026-12-09
        status: uncontested
"""


def _edit(content: Path, old: str, new: str, relative: str = CLAIMS) -> int:
    """Replace the first `old` in a file of the copy; returns the line (1-based) where the new text starts."""
    path = content / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def _line_of(content: Path, needle: str, relative: str = CLAIMS) -> int:
    """The line of the first occurrence of needle in a file of the copy."""
    text = (content / relative).read_text(encoding="utf-8")
    return text[: text.index(needle)].count("\n") + 1


def _text(element) -> str:
    """The words as a reader sees them (inline elements run on; whitespace folded)."""
    return " ".join(element.get_text().split())


@pytest.fixture(scope="module")
def history_site(tmp_path_factory) -> Path:
    """The real content with a status history on one claim, built once."""
    import shutil

    from helpers import CONTENT

    content = tmp_path_factory.mktemp("history") / "content"
    shutil.copytree(CONTENT, content)
    _edit(content, FIRST_CHANGELOG, HISTORY)
    output = content.parent / "output"
    result = run_pelican(content, output)
    assert result.returncode == 0, result.stderr
    return output


def test_the_claim_page_lists_its_statuses_in_order_with_badges_and_rationales(history_site):
    main = read_page(history_site, f"claims/{CLAIM}.html").main
    section = main.select_one("section#status-history")
    heading = section.find("h2")
    assert heading.get_text(strip=True) == "Status over time"
    assert section["aria-labelledby"] == heading["id"]
    items = section.select("ol.status-history > li")  # an ordered list: the order is the history's
    assert [item["id"] for item in items] == ["status-1", "status-2", "status-3"]
    assert [item.time["datetime"] for item in items] == ["2026-12-02", "2026-12-05", "2026-12-09"]
    assert [item.time.get_text() for item in items] == ["2 December 2026", "5 December 2026", "9 December 2026"]
    badges = [item.select_one(".status") for item in items]
    assert [badge.get_text(strip=True) for badge in badges] == ["Unverified", "Disputed", "Uncontested"]
    assert [badge["class"] for badge in badges] == [
        ["status", "status-unverified"],
        ["status", "status-disputed"],
        ["status", "status-uncontested"],
    ]
    assert 'Only Yusov\'s comment <b>&</b> "said this" was at hand.' in _text(items[0])
    assert items[0].find("b") is None  # the editor's words are shown, never read as markup
    assert "A reader pointed to a statement" in _text(items[1])
    # The last entry leaves its rationale out: it is the claim's own.
    assert "Stated by Yusov in a comment to Ukrinform" in _text(items[2])
    assert "(current)" in _text(items[2]) and "(current)" not in _text(items[1])


def test_a_claim_without_a_history_shows_its_status_since_its_first_publication(site):
    section = read_page(site, f"claims/{CLAIM}.html").main.select_one("section#status-history")
    (item,) = section.select("ol.status-history > li")
    assert _text(item).startswith("Since first publication on 25 November 2026: Uncontested (current)")


def test_the_feed_has_an_entry_per_status_change_besides_the_changelog(history_site):
    feed = ET.parse(history_site / "feeds" / "changes.atom.xml").getroot()
    entries = {entry.find(f"{ATOM}id").text: entry for entry in feed.findall(f"{ATOM}entry")}
    page = f"/claims/{CLAIM}.html"
    status_ids = [f"{page}#status-{number}" for number in (1, 2, 3)]
    for entry_id in [*status_ids, f"{page}#change-1", f"{page}#change-2"]:
        assert entry_id in entries, f"no feed entry {entry_id}"
    first = entries[status_ids[0]]
    assert first.find(f"{ATOM}updated").text.startswith("2026-12-02")
    assert first.find(f"{ATOM}title").text.endswith(": status Unverified")
    summary = first.find(f"{ATOM}summary")
    assert summary.get("type") == "text"
    assert summary.text == 'Status: Unverified. Only Yusov\'s comment <b>&</b> "said this" was at hand.'
    assert first.find(f"{ATOM}link").get("href") == f"{page}#status-1"
    last = entries[status_ids[2]]
    assert last.find(f"{ATOM}summary").text.startswith("Status: Uncontested. Stated by Yusov")
    raw = (history_site / "feeds" / "changes.atom.xml").read_text(encoding="utf-8")
    assert "<b>" not in raw and "&lt;b&gt;&amp;&lt;/b&gt;" in raw  # escaped in the XML


def test_the_feed_ids_stay_the_same_from_build_to_build(history_site, tmp_path):
    first = (history_site / "feeds" / "changes.atom.xml").read_text(encoding="utf-8")
    ids = re.findall(r"<id>([^<]*#status-\d)</id>", first)
    # The three of the test's claim, and the two of each of the four real claims whose status changed.
    assert len([entry for entry in ids if CLAIM in entry]) == 3 and len(ids) == 3 + 4 * 2
    content = tmp_path / "content"
    import shutil

    from helpers import CONTENT

    shutil.copytree(CONTENT, content)
    _edit(content, FIRST_CHANGELOG, HISTORY)
    result = run_pelican(content, tmp_path / "again")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "again" / "feeds" / "changes.atom.xml").read_text(encoding="utf-8") == first


def _claim_review(output: Path) -> dict:
    page = read_page(output, f"claims/{CLAIM}.html")
    return json.loads(page.find("script", type="application/ld+json").string)


def test_the_claim_review_dates_follow_the_desk_and_the_status_history(history_site):
    review = _claim_review(history_site)
    assert review["datePublished"] == "2026-12-02"  # the desk's first publication, not the source's date
    assert review["dateModified"] == "2026-12-09"  # the latest change or status change
    assert review["reviewRating"]["alternateName"] == "Uncontested"  # the current status
    assert review["itemReviewed"]["datePublished"] == "2024-01-31"  # when the claim itself was made


def test_a_status_change_alone_moves_date_modified(tmp_path, content_copy):
    _edit(
        content_copy,
        FIRST_CHANGELOG,
        FIRST_CHANGELOG  # a change of status is logged as one (a status-change on its date)
        + "      - date: 2026-12-20\n        kind: status-change\n        change: Now uncontested.\n"
        + "    status_history:\n"
        + "      - date: 2026-11-25\n        status: unverified\n        rationale: Nothing else then.\n"
        + "      - date: 2026-12-20\n        status: uncontested\n",
    )
    result = run_pelican(content_copy, tmp_path / "output")
    assert result.returncode == 0, result.stderr
    review = _claim_review(tmp_path / "output")
    assert (review["datePublished"], review["dateModified"]) == ("2026-11-25", "2026-12-20")


def _facts(page) -> dict[str, str]:
    facts = page.main.select_one("dl.facts:not(.verdict-parties)")
    return {dt.get_text(strip=True): _text(dt.find_next_sibling("dd")) for dt in facts.find_all("dt")}


def test_every_record_page_labels_the_sources_date_and_the_desks_dates(history_site):
    claim = _facts(read_page(history_site, f"claims/{CLAIM}.html"))
    assert claim["Claim made"] == "31 January 2024"
    assert claim["Information as of"] == "31 January 2024 (the date of its source)"
    assert (
        claim["The desk's dates"] == "Published by the desk on 2 December 2026; last changed 9 December 2026 (changes)"
    )
    event = _facts(read_page(history_site, "events/il76-crash-belgorod.html"))
    assert event["Happened"] == "24 January 2024"
    assert event["Information as of"] == "31 January 2024 (the date of its source)"
    assert (
        event["The desk's dates"] == "Published by the desk on 25 November 2026; last changed 2 December 2026 (changes)"
    )
    source = _facts(read_page(history_site, "sources/ukrinform-2024-01-31.html"))
    assert source["Information as of"] == "31 January 2024 (the date this source was published)"
    assert source["The desk's dates"].startswith("Published by the desk on 25 November 2026")
    actor = _facts(read_page(history_site, "actors/andrii-yusov.html"))
    assert actor["Information as of"] == "31 January 2024 (the date of its source)"
    assert actor["The desk's dates"].startswith("Published by the desk on 25 November 2026")
    for page in ("claims", "events", "sources", "actors"):
        for path in sorted((history_site / page).glob("*.html")):
            if path.name != "index.html":
                facts = _facts(read_page(history_site, f"{page}/{path.name}"))
                assert "Last updated" not in facts and "When" not in facts and "Date" not in facts, path
                assert "The desk's dates" in facts, path
                # An actor no claim, response, figure or event draws on (an affiliation) has no sources' date.
                assert "Information as of" in facts or page == "actors", path
    home = read_page(history_site, "index.html").main.select_one(".at-a-glance p.meta")
    assert "Information as of 31 January 2024 (the date of the newest source)." in _text(home)
    assert "Last brought up to date by the desk on 8 December 2026." in _text(home)
    assert [time["datetime"] for time in home.find_all("time")] == ["2024-01-31", "2026-12-08"]


def test_an_information_date_counts_the_newest_of_several_sources(tmp_path, content_copy):
    """A second, later source quoted in a response: the claim's information is as of the later date."""
    _edit(content_copy, "sources:\n", "sources:\n" + LATER_SOURCE, relative="factsheets/sources.yaml")
    (content_copy / "sources" / "later-note.txt").write_text("Yusov later said the exchange was new.\n")
    _edit(
        content_copy,
        FIRST_CHANGELOG,
        RESPONSE_FROM_LATER_SOURCE + FIRST_CHANGELOG,
    )
    result = run_pelican(content_copy, tmp_path / "output")
    assert result.returncode == 0, result.stderr
    claim = _facts(read_page(tmp_path / "output", f"claims/{CLAIM}.html"))
    assert claim["Information as of"] == "3 March 2024 (the date of the newest of its 2 sources)"


LATER_SOURCE = """  - id: later-note
    title: A later note
    publisher: ukrinform
    date: 2024-03-03
    language: en
    archived_text: sources/later-note.txt

"""
RESPONSE_FROM_LATER_SOURCE = """    responses:
      - actor: andrii-yusov
        stance: supports
        summary: Yusov later said the exchange was new.
        quote:
          text: Yusov later said the exchange was new.
          source: later-note
"""


# ---- the checks: each breaks a copy of the content and names the file and line ----


def _problems(content: Path) -> list[str]:
    result = run_check(content)
    assert result.returncode != 0, result.stdout + result.stderr
    return (result.stdout + result.stderr).splitlines()


def _one_problem(content: Path, field: str) -> str:
    matching = [line for line in _problems(content) if f": {field}: " in line]
    assert len(matching) == 1, _problems(content)
    return matching[0]


def test_status_history_dates_out_of_order_are_a_problem(content_copy):
    _edit(content_copy, FIRST_CHANGELOG, HISTORY.replace("2026-12-05", "2026-11-30"))
    line = _line_of(content_copy, "2026-11-30\n        status:")
    problem = _one_problem(content_copy, "claims[0].status_history[1].date")
    assert problem.startswith(f"content/{CLAIMS}:{line}:") or f"{CLAIMS}:{line}:" in problem
    assert "dated 30 November 2026, before the entry above it (2 December 2026)" in problem
    assert "oldest first" in problem


def test_a_last_status_other_than_the_claims_is_a_problem(content_copy):
    _edit(content_copy, FIRST_CHANGELOG, HISTORY.replace("status: uncontested", "status: refuted"))
    line = _line_of(content_copy, "status: refuted")
    problem = _one_problem(content_copy, "claims[0].status_history[2].status")
    assert f"{CLAIMS}:{line}:" in problem
    assert "the last status in the history is 'refuted', but the claim's status is 'uncontested'" in problem


def test_a_last_rationale_other_than_the_claims_is_a_problem(content_copy):
    _edit(content_copy, FIRST_CHANGELOG, HISTORY + "        rationale: Something else.\n")
    line = _line_of(content_copy, "rationale: Something else.")
    problem = _one_problem(content_copy, "claims[0].status_history[2].rationale")
    assert f"{CLAIMS}:{line}:" in problem
    assert "differs from the claim's `rationale`" in problem


def test_the_last_rationale_may_repeat_the_claims(content_copy):
    claim_rationale = " ".join(RATIONALE.split()[2:])  # written on one line: whitespace may differ
    _edit(content_copy, FIRST_CHANGELOG, HISTORY + f'        rationale: "{claim_rationale}"\n')
    result = run_check(content_copy)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_earlier_status_without_its_rationale_is_a_problem(content_copy):
    _edit(
        content_copy,
        FIRST_CHANGELOG,
        HISTORY.replace("        rationale: A reader pointed to a statement that the exchange was a new one.\n", ""),
    )
    line = _line_of(content_copy, "- date: 2026-12-05\n        status:")
    problem = _one_problem(content_copy, "claims[0].status_history[1]")
    assert f"{CLAIMS}:{line}:" in problem
    assert "an earlier status needs its rationale" in problem


def test_a_status_before_the_claim_was_made_is_a_problem(content_copy):
    early = HISTORY.replace(
        "      - date: 2026-12-02\n        status: unverified", "      - date: 2024-01-30\n        status: unverified"
    )
    _edit(content_copy, FIRST_CHANGELOG, early)
    line = _line_of(content_copy, "- date: 2024-01-30")
    problems = [line_ for line_ in _problems(content_copy) if "claims[0].status_history[0].date" in line_]
    assert any(
        f"{CLAIMS}:{line}:" in problem and "before the claim was made (31 January 2024)" in problem
        for problem in problems
    ), problems


def test_a_changelog_entry_before_its_source_is_a_problem(content_copy):
    _edit(content_copy, FIRST_CHANGELOG, FIRST_CHANGELOG.replace("2026-11-25", "2024-01-30", 1))
    line = _line_of(content_copy, "- date: 2024-01-30")
    problem = _one_problem(content_copy, "claims[0].changelog[0].date")
    assert f"{CLAIMS}:{line}:" in problem
    assert (
        "dated 30 January 2024: the desk cannot have published this before its source was published on 31 January 2024"
        in problem
    )


def test_a_status_change_before_the_source_is_a_problem_for_events_and_sources_too(content_copy):
    for relative in ("factsheets/events.yaml", "factsheets/sources.yaml"):
        text = (content_copy / relative).read_text(encoding="utf-8")
        (content_copy / relative).write_text(text.replace("  - date: 2026-11-25\n", "  - date: 2024-01-29\n", 1))
    problems = _problems(content_copy)
    for relative in ("factsheets/events.yaml", "factsheets/sources.yaml"):
        line = _line_of(content_copy, "- date: 2024-01-29", relative)
        assert any(
            f"{relative}:{line}:" in problem and "before its source was published on 31 January 2024" in problem
            for problem in problems
        ), problems


def test_a_latest_change_before_the_newest_source_is_a_problem(content_copy):
    """The claim now quotes a response from a source of 3 March, but its log ends on 1 February."""
    _edit(content_copy, "sources:\n", "sources:\n" + LATER_SOURCE, relative="factsheets/sources.yaml")
    (content_copy / "sources" / "later-note.txt").write_text("Yusov later said the exchange was new.\n")
    _edit(
        content_copy, FIRST_CHANGELOG, RESPONSE_FROM_LATER_SOURCE + FIRST_CHANGELOG.replace("2026-11-25", "2024-02-01")
    )
    line = _line_of(content_copy, "      - date: 2024-02-01\n        kind: update\n        change: First published")
    problem = _one_problem(content_copy, "claims[0].changelog[0].date")
    assert f"{CLAIMS}:{line}:" in problem
    assert "before its source was published on 3 March 2024" in problem
    assert "later-note" in problem


def test_all_the_date_problems_are_reported_in_one_run(content_copy):
    broken = HISTORY.replace("2026-12-05", "2026-11-30").replace("status: uncontested", "status: refuted")
    _edit(content_copy, FIRST_CHANGELOG, broken)
    _edit(content_copy, "    changelog:\n      - date: 2026-11-25\n", "    changelog:\n      - date: 2024-01-30\n")
    problems = "\n".join(_problems(content_copy))
    assert "claims[0].status_history[1].date" in problems
    assert "claims[0].status_history[2].status" in problems
    assert "claims[1].changelog[0].date" in problems


def test_a_status_before_the_claim_was_first_published_is_a_problem(content_copy):
    """The first status is the one the claim was published with: a history cannot begin before it."""
    _edit(
        content_copy,
        FIRST_CHANGELOG,
        HISTORY.replace(
            "      - date: 2026-12-02\n        status: unverified",
            "      - date: 2026-11-20\n        status: unverified",
        ),
    )
    line = _line_of(content_copy, "      - date: 2026-11-20")
    problem = _one_problem(content_copy, "claims[0].status_history[0].date")
    assert f"{CLAIMS}:{line}:" in problem
    assert "dated 20 November 2026, before the claim was first published on 2 December 2026" in problem


def test_a_desks_date_after_today_is_a_warning(content_copy):
    slip = "      - date: 2999-01-01\n        kind: update\n        change: A slip.\n"
    _edit(content_copy, FIRST_CHANGELOG, FIRST_CHANGELOG + slip)
    result = run_check(content_copy)
    assert result.returncode == 0, result.stderr
    line = _line_of(content_copy, "      - date: 2999-01-01")
    assert f"{CLAIMS}:{line}:15: warning: claims[0].changelog[1].date: dated 1 January 2999, after today" in (
        result.stderr
    ), result.stderr
