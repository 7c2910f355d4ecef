"""Right of reply: whom the desk asked for comment on a claim, when and how, and what came back (a reply quoted
from an archived source, or no reply by a date): checked, shown on the claim page, carried by the open data,
and relied on by the status rules."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from factsheets.cli import main as factsheets
from helpers import FIXTURES, BuiltSites, read_page, run_factsheets

OTHER_SITE = {"SITENAME": "Riverton flood fact sheets"}
"""As test_other_event.py builds it: the site is built once for both."""
AUTHORITY = "../actors/lakeside-water-authority.html"
REPLY_WORDS = (
    "Its inspection reports for the Kestrel Dam will be published on 20 March, together with the dam's "
    "maintenance records."
)


def _text(element) -> str:
    return " ".join(element.get_text().split())


@pytest.fixture(scope="module")
def other_site(built_site: BuiltSites) -> Path:
    return built_site(FIXTURES / "other-event", **OTHER_SITE)


# The pages.


def test_the_claim_page_says_whom_the_desk_asked_when_and_how_and_quotes_the_reply(other_site):
    page = read_page(other_site, "claims/failure-caused-by-rainfall.html")
    section = page.select_one("main section#right-of-reply")
    assert section is not None
    heading = section.select_one("h2")
    assert heading.get_text(strip=True) == "Right of reply"
    assert section["aria-labelledby"] == heading["id"]
    (request,) = section.select("ol.comment-requests > li")
    assert request["id"] == "comment-request-1"
    asked = request.select_one("p.comment-request-asked")
    assert _text(asked) == "We asked Lakeside Water Authority on 12 March 2023 by phone to its press office."
    assert asked.a["href"] == AUTHORITY
    assert asked.time["datetime"] == "2023-03-12"
    reply = request.select_one("figure.quote")
    assert _text(reply.blockquote) == REPLY_WORDS
    assert _text(request.select_one("p.comment-request-outcome")) == "Reply:"
    source_link = reply.figcaption.find("a", href="../sources/lakeside-water-authority-2023-03-13.html")
    assert source_link is not None
    passage = reply.figcaption.find("a", string="the passage in our archived text")["href"]
    assert passage.startswith("../sources/lakeside-water-authority-2023-03-13.html#quote-")
    source_page = read_page(other_site, "sources/lakeside-water-authority-2023-03-13.html")
    assert source_page.find(id=passage.rsplit("#", 1)[1]) is not None, "the passage is marked in the archived text"
    assert "No reply by" not in _text(section)


def test_a_request_with_no_reply_says_so_on_the_page_and_in_the_verdict(other_site):
    page = read_page(other_site, "claims/cracks-reported-and-ignored.html")
    request = page.select_one("main section#right-of-reply ol.comment-requests > li")
    assert _text(request.select_one("p.comment-request-asked")) == (
        "We asked Lakeside Water Authority on 12 March 2023 by email to its press office."
    )
    outcome = request.select_one("p.comment-request-outcome")
    assert _text(outcome) == "No reply by 14 March 2023."
    assert outcome.time["datetime"] == "2023-03-14"
    assert request.select_one("figure.quote") is None
    verdict = page.select_one("section.verdict")
    terms = [_text(term) for term in verdict.select("dl.verdict-parties dt")]
    assert "Asked for comment" in terms
    answer = verdict.select("dl.verdict-parties dd")[terms.index("Asked for comment")]
    assert (
        _text(answer) == "Lakeside Water Authority (whose conduct the claim describes): did not reply by 14 March 2023"
    )
    assert answer.a["href"] == AUTHORITY


def test_the_verdict_of_a_claim_whose_party_replied_says_it_replied(other_site):
    verdict = read_page(other_site, "claims/failure-caused-by-rainfall.html").select_one("section.verdict")
    terms = [_text(term) for term in verdict.select("dl.verdict-parties dt")]
    answer = verdict.select("dl.verdict-parties dd")[terms.index("Asked for comment")]
    assert _text(answer) == "Lakeside Water Authority: replied on 13 March 2023"


def test_a_claim_the_desk_asked_no_one_about_has_no_right_of_reply_section(other_site):
    page = read_page(other_site, "claims/no-injuries-reported.html")
    assert page.select_one("section#right-of-reply") is None
    assert "Asked for comment" not in _text(page.select_one("section.verdict"))


def test_the_source_page_names_the_reply_among_the_uses_of_its_passage(other_site):
    page = read_page(other_site, "sources/lakeside-water-authority-2023-03-13.html")
    uses = page.find_all("a", href="../claims/failure-caused-by-rainfall.html#comment-request-1")
    assert uses, "the quote's use links to the request on the claim page"
    assert _text(uses[0]).startswith("Reply by Lakeside Water Authority to our request for comment on: Mara Quill")


def test_the_open_data_carries_the_requests_as_written(other_site):
    data = json.loads((other_site / "data" / "factsheets.json").read_text())
    claims = {claim["id"]: claim for claim in data["records"]["claims"]}
    assert claims["cracks-reported-and-ignored"]["asked_for_comment"] == [
        {
            "actor": "lakeside-water-authority",
            "date": "2023-03-12",
            "how": "email to its press office",
            "no_reply_by": "2023-03-14",
        }
    ]
    (replied,) = claims["failure-caused-by-rainfall"]["asked_for_comment"]
    assert replied["reply"]["source"] == "lakeside-water-authority-2023-03-13"
    assert " ".join(replied["reply"]["text"].split()) == REPLY_WORDS
    assert "no_reply_by" not in replied
    assert claims["no-injuries-reported"]["asked_for_comment"] == []


def test_the_real_content_records_no_request_the_desk_did_not_make(site):
    """The seed article and its archive are all the desk has: it asked no one, and its pages say nothing of it."""
    data = json.loads((site / "data" / "factsheets.json").read_text())
    assert [claim["asked_for_comment"] for claim in data["records"]["claims"]] == [[]] * len(data["records"]["claims"])
    for path in sorted((site / "claims").glob("*.html")):
        assert read_page(site, f"claims/{path.name}").select_one("section#right-of-reply") is None


# The checks, on a copy of the other event with one claim of a file of its own.

EXTRA_CLAIM = """\
claims:
  - id: authority-did-not-answer
    statement: Lakeshore Radio said the authority did not answer its questions about the cause.
    claimant: lakeshore-radio
    date: 2023-03-12
    about: [kestrel-dam-breach]
    subjects: [lakeside-water-authority]
    status: unverified
    rationale: Only the radio's word about the authority, which has not answered it.
    quote:
      text: The Lakeside Water Authority did not answer our questions about the cause.
      source: lakeshore-radio-2023-03-12
    asked_for_comment:
      - actor: lakeside-water-authority
        date: 2023-03-12
        how: email to its press office
        no_reply_by: 2023-03-14
"""
EXTRA = "extra.yaml"
REQUEST = r"extra\.yaml:{line}:{column}: claims\[0\]\.asked_for_comment\[0\]"
REPLY_FROM_THE_STATEMENT = """\
        reply:
          text: Its inspection reports for the Kestrel Dam will be published on 20 March
          source: lakeside-water-authority-2023-03-13
"""


@pytest.fixture
def other_content(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(FIXTURES / "other-event", copy)
    return copy


def _check(content: Path, claim: str, capsys) -> tuple[int, str]:
    (content / "factsheets" / EXTRA).write_text(claim, encoding="utf-8")
    code = factsheets(["check", str(content)])
    return code, capsys.readouterr().err


def _replaced(old: str, new: str) -> str:
    assert old in EXTRA_CLAIM
    return EXTRA_CLAIM.replace(old, new, 1)


def test_the_extra_claim_passes_as_written(other_content, capsys):
    """The cases below each break this claim, which passes: each message comes from the one thing broken."""
    code, errors = _check(other_content, EXTRA_CLAIM, capsys)
    assert code == 0, errors
    reply = _replaced("        no_reply_by: 2023-03-14\n", REPLY_FROM_THE_STATEMENT)
    code, errors = _check(
        other_content, reply.replace("date: 2023-03-12\n        how", "date: 2023-03-13\n        how"), capsys
    )
    assert code == 0, errors


CASES: dict[str, tuple[Callable[[], str], str]] = {
    "both a reply and no reply": (
        lambda: EXTRA_CLAIM + REPLY_FROM_THE_STATEMENT,
        REQUEST.format(line=17, column=22)
        + r"\.no_reply_by: give either a reply or no_reply_by, not both \(a reply came, or none came by that date\)",
    ),
    "neither a reply nor no reply": (
        lambda: _replaced("        no_reply_by: 2023-03-14\n", ""),
        REQUEST.format(line=14, column=9)
        + r": say what came back: a reply \(quoted from an archived source\) or no_reply_by "
        r"\(the date by which none came\)",
    ),
    "no reply by a date before the request": (
        lambda: _replaced("no_reply_by: 2023-03-14", "no_reply_by: 2023-03-11"),
        REQUEST.format(line=17, column=22)
        + r"\.no_reply_by: 11 March 2023 is before the request was made \(12 March 2023\)",
    ),
    "a request before the claim was made": (
        lambda: _replaced("        date: 2023-03-12\n        how", "        date: 2023-03-10\n        how").replace(
            "no_reply_by: 2023-03-14", "no_reply_by: 2023-03-11"
        ),
        REQUEST.format(line=15, column=15)
        + r"\.date: dated 10 March 2023, before the claim was made \(12 March 2023\): "
        r"the desk asks for comment on a claim once it is made",
    ),
    "an unknown actor": (
        lambda: _replaced("  - actor: lakeside-water-authority", "  - actor: lakeside-authority"),
        REQUEST.format(line=14, column=16)
        + r"\.actor: unknown actor 'lakeside-authority' \(did you mean 'lakeside-water-authority'\?\)",
    ),
    "a reply not in its source": (
        lambda: _replaced(
            "        no_reply_by: 2023-03-14\n",
            REPLY_FROM_THE_STATEMENT.replace("published on 20 March", "published on 27 March"),
        ),
        REQUEST.format(line=18, column=17)
        + r"\.reply\.text: quote not found in source 'lakeside-water-authority-2023-03-13' "
        r"\(the closest passage in the source reads: \"Its inspection reports for the Kestrel Dam will be "
        r"published on 20 March",
    ),
    "a reply marked direct outside quotation marks": (
        lambda: _replaced("        no_reply_by: 2023-03-14\n", REPLY_FROM_THE_STATEMENT + "          kind: direct\n"),
        REQUEST.format(line=20, column=17)
        + r"\.reply\.kind: marked direct, but the passage does not lie wholly inside quotation marks",
    ),
    "a reply published before the request": (
        lambda: (
            _replaced("        no_reply_by: 2023-03-14\n", REPLY_FROM_THE_STATEMENT)
            .replace("source: lakeside-water-authority-2023-03-13", "source: riverton-gazette-2023-03-12")
            .replace(
                "Its inspection reports for the Kestrel Dam will be published on 20 March",
                "The water authority said it would publish its inspection reports next week",
            )
            .replace("        date: 2023-03-12\n        how", "        date: 2023-03-13\n        how")
        ),
        REQUEST.format(line=19, column=19)
        + r"\.reply\.source: the reply is quoted from 'riverton-gazette-2023-03-12', published on 12 March 2023, "
        r"before the desk asked for comment \(13 March 2023\)",
    ),
    "a reply quoted from another party's report": (
        lambda: _replaced(
            "        no_reply_by: 2023-03-14\n",
            "        reply:\n"
            "          text: A breach in the eastern wall of the dam was clearly visible from the air\n"
            "          source: lakeshore-radio-2023-03-12\n",
        ),
        REQUEST.format(line=19, column=19)
        + r"\.reply\.source: the reply is quoted from 'lakeshore-radio-2023-03-12', which neither Lakeside Water "
        r"Authority nor one of its own published, and the quote names no speaker of theirs",
    ),
    "an uncontested claim whose subject did not reply": (
        lambda: _replaced("status: unverified", "status: uncontested"),
        r"extra\.yaml:7:16: claims\[0\]\.subjects\[0\]: an uncontested claim about Lakeside Water Authority, "
        r"which did not reply by 14 March 2023 when the desk asked it for comment \(on 12 March 2023\)",
    ),
    "an uncontested claim whose subject replied but has no response": (
        lambda: (
            _replaced("status: unverified", "status: uncontested")
            .replace("        date: 2023-03-12\n        how", "        date: 2023-03-13\n        how")
            .replace("        no_reply_by: 2023-03-14\n", REPLY_FROM_THE_STATEMENT)
        ),
        r"extra\.yaml:7:16: claims\[0\]\.subjects\[0\]: an uncontested claim about Lakeside Water Authority, "
        r"whose reply to the desk's request for comment is not among the claim's responses",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_broken_request_is_reported_with_file_line_and_field(case, other_content, capsys):
    make_claim, expected = CASES[case]
    code, errors = _check(other_content, make_claim(), capsys)
    assert code == 1, errors
    assert re.search(expected, errors), errors
    assert "Traceback" not in errors


def test_the_same_breaks_in_the_real_content_are_reported_too(content_copy, capsys):
    """The format is not the fixture's: a request added to a copy of the real content is checked the same way."""
    claims = content_copy / "factsheets" / "claims.yaml"
    text = claims.read_text(encoding="utf-8")
    anchor = "    open_questions:\n      - Why the exchange did not go ahead on 24 January; the report does not say.\n"
    assert anchor in text
    request = (
        "    asked_for_comment:\n      - actor: russian-defence-ministry\n        date: 2024-01-30\n"
        "        how: email\n        no_reply_by: 2024-02-02\n"
    )
    claims.write_text(text.replace(anchor, anchor + request, 1), encoding="utf-8")
    code = factsheets(["check", str(content_copy)])
    errors = capsys.readouterr().err
    assert code == 1
    assert re.search(
        r"claims\.yaml:\d+:\d+: claims\[0\]\.asked_for_comment\[0\]\.date: dated 30 January 2024, "
        r"before the claim was made \(31 January 2024\)",
        errors,
    ), errors


# The preview's edits of free text reach the request's node.


def test_an_edit_of_how_the_desk_asked_reaches_the_page_without_a_whole_reading(other_content):
    from factsheets.edits import apply_free_text_edits
    from factsheets.pipeline import read_site

    site = read_site(other_content)
    claims = other_content / "factsheets" / "claims.yaml"
    claims.write_text(claims.read_text().replace("how: phone to its press office", "how: phone to its press desk"))
    edited = read_site(other_content)
    new_sheet = next(sheet for sheet in edited.sheets if sheet.file.source.name == "claims.yaml")
    changed = apply_free_text_edits(site, {new_sheet.file.source: new_sheet})
    assert changed == {"failure-caused-by-rainfall"}
    claim = next(claim for claim in site.claims if claim.record.id == "failure-caused-by-rainfall")
    assert [request.record.how for request in claim.comment_requests] == ["phone to its press desk"]


def test_how_the_desk_asked_is_escaped_on_the_page(other_content, tmp_path):
    claims = other_content / "factsheets" / "claims.yaml"
    text = claims.read_text(encoding="utf-8")
    assert "how: email to its press office" in text
    claims.write_text(text.replace("how: email to its press office", 'how: "<b>email</b> & fax"'), encoding="utf-8")
    output = tmp_path / "output"
    result = run_factsheets("build", "-o", output, other_content)
    assert result.returncode == 0, result.stderr
    asked = read_page(output, "claims/cracks-reported-and-ignored.html").select_one("p.comment-request-asked")
    assert _text(asked).endswith("by <b>email</b> & fax.")
    assert asked.find("b") is None
