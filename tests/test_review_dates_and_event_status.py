"""Review dates, and events that did not happen as planned (issue 30, parts 5 and 6).

The real content gives its central claims a `review_by` and models the exchange planned for 24 January 2024
as postponed (it went ahead on 31 January as "a continuation"); the other example event has a scheduled
event and a review date of its own. The sites are built with the build's today fixed (FACTSHEETS_TODAY) before
and after the review dates, and read as a reader, a search engine and the desk's morning meeting would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import CONTENT, FIXTURES, BuiltSites, read_page, run_check, run_factsheets, run_pelican

CLAIMS = "factsheets/claims.yaml"
PLANNED = "events/planned-exchange-2024-01-24.html"
POWS = "claims/ukrainian-pows-on-board-il76.html"  # review_by 2027-01-15, made "on or before" 31 January 2024
EXCHANGE = "claims/exchange-continued-planned-exchange.html"  # no review date; made on 31 January 2024
BEFORE, AFTER = "2026-12-08", "2027-01-20"
"""Build days: before every review date of the content, and after two of them (2027-01-15) but not the others."""


def _text(element) -> str:
    return " ".join(element.get_text(" ", strip=True).split())


def _facts(page) -> dict[str, str]:
    facts = page.main.select_one("dl.facts:not(.verdict-parties)")
    return {dt.get_text(strip=True): _text(dt.find_next_sibling("dd")) for dt in facts.find_all("dt")}


def _structured(page) -> dict:
    return json.loads(page.find("script", type="application/ld+json").string)


@pytest.fixture(scope="module")
def before(built_site: BuiltSites) -> Path:
    return built_site(FACTSHEETS_TODAY=BEFORE)


@pytest.fixture(scope="module")
def after(built_site: BuiltSites) -> Path:
    return built_site(FACTSHEETS_TODAY=AFTER)


# Part 5: review dates


def test_a_claim_past_its_review_date_says_by_its_verdict_that_the_check_may_be_out_of_date(after):
    verdict = read_page(after, POWS).select_one("section.verdict")
    notice = verdict.select_one(".review-due")
    assert _text(notice) == "Due for review since 15 January 2027: this check may be out of date."
    assert notice.find("strong") is not None  # in words, and marked as such: not a colour alone
    assert verdict.select_one(".review-next") is None


def test_a_claim_before_its_review_date_says_when_it_is_next_reviewed_in_the_small_print(before, after):
    verdict = read_page(before, POWS).select_one("section.verdict")
    assert verdict.select_one(".review-due") is None
    assert _text(verdict.select_one("p.meta.review-next")) == "Next review by 15 January 2027."
    not_yet = read_page(after, "claims/il76-carried-s300-missiles.html").select_one("section.verdict")
    assert _text(not_yet.select_one(".review-next")) == "Next review by 31 January 2027."


def test_a_claim_without_a_review_date_says_nothing_of_one(after):
    page = read_page(after, EXCHANGE)
    assert page.select(".review-due, .review-next") == []
    assert "review" not in _text(page.select_one("section.verdict")).lower()


def test_the_other_event_uses_review_dates_too(built_site: BuiltSites):
    site = built_site(FIXTURES / "other-event", SITENAME="Riverton flood fact sheets", FACTSHEETS_TODAY="2023-03-21")
    notice = read_page(site, "claims/failure-caused-by-rainfall.html").select_one("section.verdict .review-due")
    assert _text(notice) == "Due for review since 20 March 2023: this check may be out of date."


def test_factsheets_due_lists_what_is_due_oldest_first_with_a_count():
    result = run_factsheets("due", CONTENT, "--today", "2027-02-01")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split("  ")[:3] for line in lines[:-1]] == [
        ["2027-01-15", "russian-side-called-65-dead", "unverified"],
        ["2027-01-15", "ukrainian-pows-on-board-il76", "unverified"],
        ["2027-01-31", "il76-carried-s300-missiles", "unverified"],
        ["2027-01-31", "sixty-five-left-out-of-exchange", "unverified"],
    ]
    assert lines[1].endswith("were on board the Il-76 plane that crashed in the Belgorod region.")
    assert lines[-1] == "4 claims are due for review on 1 February 2027."


def test_factsheets_due_says_when_nothing_is_due():
    result = run_factsheets("due", CONTENT, "--today", BEFORE)
    assert (result.returncode, result.stdout) == (0, "No claim is due for review on 8 December 2026.\n")
    one = run_factsheets("due", CONTENT, "--today", "2027-01-16")
    assert one.stdout.splitlines()[-1] == "2 claims are due for review on 16 January 2027."


def test_factsheets_due_escapes_what_a_terminal_would_act_on(content_copy):
    path = content_copy / CLAIMS
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "      The Russian Defence Ministry claimed that 65",
        "      The Russian \u202edefence\u202c Ministry claimed that 65",
        1,
    )
    path.write_text(text, encoding="utf-8")
    result = run_factsheets("due", content_copy, "--today", "2027-01-16")
    assert result.returncode == 0, result.stderr
    assert "The Russian \\u202edefence\\u202c Ministry" in result.stdout
    assert "\u202e" not in result.stdout


def test_factsheets_due_refuses_a_day_that_is_not_a_date():
    result = run_factsheets("due", CONTENT, "--today", "next tuesday")
    assert result.returncode == 2
    assert "'next tuesday' is not a date: give it as YYYY-MM-DD" in result.stderr


def test_factsheets_due_prints_the_contents_problems_instead(content_copy):
    path = content_copy / CLAIMS
    path.write_text(path.read_text(encoding="utf-8").replace("review_by: 2027-01-15", "review_by: soon", 1))
    result = run_factsheets("due", content_copy)
    assert result.returncode == 1
    assert "review_by: not a date: write YYYY-MM-DD, YYYY-MM or YYYY" in result.stderr


def test_a_review_date_before_the_claim_is_a_check_error(content_copy):
    path = content_copy / CLAIMS
    text = path.read_text(encoding="utf-8")
    anchor = (
        "    status: unverified\n    checked_by: lidia-brannock\n    edited_by: halyna-mereshko\n"
        "    review_by: 2027-01-31\n"
    )
    assert anchor in text
    line = text[: text.index(anchor)].count("\n") + 4
    path.write_text(text.replace(anchor, anchor.replace("2027-01-31", "2024-01-30"), 1), encoding="utf-8")
    result = run_check(content_copy)
    assert result.returncode == 1
    index = text[: text.index(anchor)].count("\n  - id: ") - 1
    assert (
        f"claims.yaml:{line}:16: claims[{index}].review_by: dated 30 January 2024, before the claim was made "
        "(31 January 2024): the desk reviews a claim after it is made"
    ) in result.stderr


def test_a_review_date_on_a_claim_made_on_or_before_its_date_may_be_earlier(content_copy):
    """'on or before 31 January 2024' may be 29 January: a review on 30 January is not certainly before it."""
    path = content_copy / CLAIMS
    text = path.read_text(encoding="utf-8")
    first = text.index("review_by: 2027-01-15")  # russian-side-called-65-dead's: made on or before 31 January 2024
    assert "date_qualifier: on-or-before" in text[text.rindex("  - id: ", 0, first) : first]
    path.write_text(text.replace("review_by: 2027-01-15", "review_by: 2024-01-30", 1), encoding="utf-8")
    result = run_check(content_copy)
    assert result.returncode == 0, result.stderr
    assert "review_by" not in result.stderr


def test_the_build_today_is_a_date_setting(tmp_path):
    result = run_pelican(CONTENT, tmp_path / "output", overrides={"FACTSHEETS_TODAY": "soon"})
    assert result.returncode != 0
    printed = result.stdout + result.stderr
    assert "setting FACTSHEETS_TODAY: expected a date (YYYY-MM-DD), found 'soon' (text)" in printed


def test_a_claim_falling_due_changes_what_every_page_says_of_the_site():
    """An update of the last build is a whole build on the day a claim falls due (build_record.plan_update)."""
    from factsheets.build_record import publication_digest
    from factsheets.structured_data import Publication

    plain = Publication("", "Site", "Desk", "2026-12-02")
    due = Publication("", "Site", "Desk", "2026-12-02", due_for_review=("ukrainian-pows-on-board-il76",))
    assert publication_digest(plain) != publication_digest(due)


# Part 6: events that did not happen as planned


def test_the_postponed_exchange_never_says_it_happened(before):
    page = read_page(before, PLANNED)
    facts = _facts(page)
    assert "Happened" not in facts
    assert facts["Planned for"] == "24 January 2024"
    assert facts["Status"] == "Postponed: did not take place on the date planned"
    assert page.select_one("dd strong.event-status") is not None
    held = _facts(read_page(before, "events/il76-crash-belgorod.html"))
    assert (held["Happened"], "Status" in held) == ("24 January 2024", False)


def test_every_list_of_events_says_what_the_postponed_exchange_was(before):
    planned = "Planned for 24 January 2024; postponed: did not take place on the date planned"
    lists = {
        "index.html": "#events-heading + ul li",
        "events/index.html": "ul.index li",
        "actors/ukraine.html": "#events-heading + ul li",
        "events/prisoner-exchange-50.html": "#related-heading + ul li",
        "claims/sixty-five-left-out-of-exchange.html": "dl.facts ul.inline li",
    }
    for page, selector in lists.items():
        items = [_text(item) for item in read_page(before, page).select(selector)]
        line = next(item for item in items if item.startswith("Prisoner exchange planned"))
        assert planned in line, (page, line)
        assert not any("Happened" in item for item in items)
    held = [_text(li) for li in read_page(before, "events/index.html").select("ul.index li")]
    assert any(item.startswith("Crash of a Russian Il-76") and "24 January 2024, Belgorod" in item for item in held)


def test_the_timeline_marks_the_postponed_exchange(before):
    entries = read_page(before, "timeline.html").select("ol.timeline > li.timeline-event")
    planned = next(entry for entry in entries if "Prisoner exchange planned" in entry.get_text())
    assert planned.find("time")["datetime"] == "2024-01-24"
    assert _text(planned.select_one(".event-status")) == "Postponed: did not take place on the date planned"
    crash = next(entry for entry in entries if "Il-76" in entry.get_text())
    assert crash.select_one(".event-status") is None


def test_the_scheduled_event_of_the_other_example_is_not_worded_as_past(built_site: BuiltSites):
    site = built_site(FIXTURES / "other-event", SITENAME="Riverton flood fact sheets")
    page = read_page(site, "events/inspection-reports-publication.html")
    facts = _facts(page)
    assert (facts["Scheduled for"], "Happened" in facts) == ("March 2023", False)
    assert facts["Status"] == "Scheduled: still to take place when the sources were published"
    assert _structured(page)["eventStatus"] == "https://schema.org/EventScheduled"


def test_the_structured_data_carries_each_events_status(before):
    planned = _structured(read_page(before, PLANNED))
    assert (planned["@type"], planned["eventStatus"], planned["startDate"]) == (
        "Event",
        "https://schema.org/EventPostponed",
        "2024-01-24",
    )
    held = _structured(read_page(before, "events/il76-crash-belgorod.html"))
    assert held["eventStatus"] == "https://schema.org/EventScheduled"  # "has taken place ... as scheduled"


def test_a_cancelled_event_is_event_cancelled(content_copy, tmp_path):
    path = content_copy / "factsheets/events.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("status: postponed", "status: cancelled", 1))
    result = run_pelican(content_copy, tmp_path / "output")
    assert result.returncode == 0, result.stderr
    page = read_page(tmp_path / "output", PLANNED)
    assert _facts(page)["Status"] == "Cancelled: did not take place"
    assert _structured(page)["eventStatus"] == "https://schema.org/EventCancelled"


def test_an_event_status_not_in_the_list_is_a_check_error(content_copy):
    path = content_copy / "factsheets/events.yaml"
    text = path.read_text(encoding="utf-8")
    line = text[: text.index("status: postponed")].count("\n") + 1
    path.write_text(text.replace("status: postponed", "status: called-off", 1), encoding="utf-8")
    result = run_check(content_copy)
    assert result.returncode == 1
    assert f"events.yaml:{line}:13: events[0].status: " in result.stderr
    assert "'scheduled', 'postponed', 'cancelled' or 'held'" in result.stderr


def test_a_date_on_or_before_stays_inexact_in_the_claim_review(before):
    """'On or before 31 January 2024' is not 31 January 2024: the ClaimReview leaves the claim's date out."""
    inexact = _structured(read_page(before, POWS))["itemReviewed"]
    assert "datePublished" not in inexact
    assert inexact["appearance"]["datePublished"] == "2024-01-31"  # the report it appeared in is dated exactly
    exact = _structured(read_page(before, EXCHANGE))["itemReviewed"]
    assert exact["datePublished"] == "2024-01-31"
