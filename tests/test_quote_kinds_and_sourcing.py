"""Whose words each quote is (a speaker's, inside quotation marks, or the source's own), how each claim reached
us, and how independent its sources are: on the built pages, and refused where an editor overstates a quote."""

from __future__ import annotations

from pathlib import Path

import pytest

from factsheets.quotation_marks import QuotedRuns
from helpers import read_page, run_check, run_pelican

YUSOV_QUOTED = "In Andrii Yusov's words, as quoted by Ukrinform:"
UKRINFORM = "In Ukrinform's words:"
DIRECT_TEXTS = {
    "Today there was a continuation of the exchange that was supposed to take place on January 24.",
    "Those who have returned are those who had to be returned [on January 24], except for the list of 65 people "
    "whom the Russian side called dead",
    "except for the list of 65 people whom the Russian side called dead",
}


def _text(element) -> str:
    return " ".join(element.get_text(" ", strip=True).split())


def _voices(soup) -> list[tuple[str, str]]:
    """(whose words, quoted text) for every quote of a page."""
    return [
        (_text(figure.select_one(".quote-voice")), _text(figure.blockquote))
        for figure in soup.select("main figure.quote")
    ]


def test_only_the_words_inside_quotation_marks_are_shown_as_the_speakers(site):
    pages = [f"claims/{path.name}" for path in (site / "claims").glob("*.html") if path.name != "index.html"]
    pages += [f"events/{path.name}" for path in (site / "events").glob("*.html") if path.name != "index.html"]
    voices = [voice for page in sorted(pages) for voice in _voices(read_page(site, page))]
    assert len(voices) >= 13
    direct = {text for voice, text in voices if voice == YUSOV_QUOTED}
    assert direct == DIRECT_TEXTS
    assert all(voice in (YUSOV_QUOTED, UKRINFORM) for voice, _ in voices)
    assert {text for voice, text in voices if voice == UKRINFORM}.isdisjoint(DIRECT_TEXTS)
    # The claim Yusov relays is in his words where the source quotes him; the Russian ministry's claim, in Ukrinform's.
    relayed = _voices(read_page(site, "claims/russian-side-called-65-dead.html"))
    assert relayed[0] == (YUSOV_QUOTED, "except for the list of 65 people whom the Russian side called dead")
    figure = read_page(site, "events/il76-crash-belgorod.html").select_one("section.figure figure.quote")
    assert _text(figure.select_one(".quote-voice")) == UKRINFORM
    # The source's page says of each passage where it stands.
    kinds = [_text(kind) for kind in read_page(site, "sources/ukrinform-2024-01-31.html").select(".quote-kind")]
    assert sum(kind.startswith("Direct:") for kind in kinds) == 3
    assert sum(kind.startswith("Reported:") for kind in kinds) == len(kinds) - 3


def _insert_after(path: Path, anchor: str, line: str) -> int:
    """Insert line after the first line holding anchor; returns its line number (1-based)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(number for number, text in enumerate(lines) if anchor in text)
    lines.insert(index + 1, line)
    path.write_text("".join(lines), encoding="utf-8")
    return index + 2


def test_a_paraphrase_marked_as_direct_speech_is_refused_with_file_and_line(content_copy):
    claims = content_copy / "factsheets" / "claims.yaml"
    lines = claims.read_text(encoding="utf-8").splitlines(keepends=True)
    # claims[1]: "Yusov said that the prisoner exchange ... was supposed to take place": Ukrinform's words.
    due = next(i for i, line in enumerate(lines) if line.strip() == "supposed to take place on January 24.")
    lines.insert(due + 2, "      kind: direct\n")  # after the quote's source line
    # claims[5] (Russia refuses to return the bodies): a speaker for Ukrinform's own words.
    bodies = next(
        i for i, line in enumerate(lines) if line.strip().startswith("the bodies of allegedly dead Ukrainian")
    )
    lines.insert(bodies + 2, "      speaker: andrii-yusov\n")
    # claims[2]: a direct quote whose speaker is unknown.
    returned = next(i for i, line in enumerate(lines) if "24], except for the list of 65 people" in line)
    lines.insert(returned + 2, "      speaker: andrii-yusof\n")
    claims.write_text("".join(lines), encoding="utf-8")
    line_of = {line.strip(): number for number, line in enumerate(lines, start=1)}

    result = run_check(content_copy)

    assert result.returncode != 0
    problems = result.stderr
    kind, speaker, unknown = (line_of[f] for f in ("kind: direct", "speaker: andrii-yusov", "speaker: andrii-yusof"))
    assert (
        f"claims.yaml:{kind}:13: claims[1].quote.kind: marked direct, but the passage does not lie wholly "
        "inside quotation marks in the archived text of 'ukrinform-2024-01-31': it is the source's own words "
        "(write kind: reported (or leave kind out), or quote only words the source puts inside quotation marks)"
    ) in problems
    assert f"claims.yaml:{speaker}:16: claims[5].quote.speaker: names a speaker, but the passage" in problems
    assert f"claims.yaml:{unknown}:16: claims[2].quote.speaker: unknown actor 'andrii-yusof'" in problems
    assert "did you mean 'andrii-yusov'?" in problems
    assert "Traceback" not in problems


def test_a_quote_inside_quotation_marks_may_be_marked_direct_with_its_speaker(content_copy):
    claims = content_copy / "factsheets" / "claims.yaml"
    lines = claims.read_text(encoding="utf-8").splitlines(keepends=True)
    returned = next(i for i, line in enumerate(lines) if "24], except for the list of 65 people" in line)
    lines[returned + 2 : returned + 2] = ["      kind: direct\n", "      speaker: hur\n"]
    claims.write_text("".join(lines), encoding="utf-8")
    assert run_check(content_copy).returncode == 0


def test_a_claim_page_shows_how_the_claim_reached_us(site):
    page = read_page(site, "claims/russian-side-called-65-dead.html")
    chain = page.select(".sourcing-chain > li")
    roles = [_text(link.select_one(".sourcing-role")) for link in chain]
    assert roles == ["Claimed by", "Relayed by", "Reported in", "Distributed by"]
    hrefs = [[a["href"].rsplit("/", 2)[-2:] for a in link.select("a")] for link in chain]
    assert hrefs == [
        [["actors", "russia.html"]],
        [["actors", "andrii-yusov.html"]],
        [["sources", "ukrinform-2024-01-31.html"], ["actors", "ukrinform.html"]],
        [["actors", "menafn.html"]],
    ]
    assert _text(chain[0]) == "Claimed by Russia"
    assert _text(chain[1]) == "Relayed by Andrii Yusov"
    assert _text(chain[2]) == "Reported in the report of 31 January 2024 by Ukrinform"
    assert _text(chain[3]) == "Distributed by MENAFN"
    assert _text(page.select_one(".sourcing-independence")) == (
        "This claim rests on one report: Ukrinform, 31 January 2024 (a publisher tied to Ukraine)."
    )
    # A claim no one relays goes straight from its claimant to the report.
    direct = read_page(site, "claims/ukrainian-pows-on-board-il76.html")
    roles = [_text(role) for role in direct.select(".sourcing-chain .sourcing-role")]
    assert roles == ["Claimed by", "Reported in", "Distributed by"]


def test_the_home_page_says_everything_rests_on_one_report(site):
    summary = read_page(site, "index.html").select_one("main .at-a-glance .sourcing-summary")
    assert _text(summary).startswith(
        "All 11 claims rest on a single report, published by Ukrinform, a publisher tied to Ukraine, "
        "on 31 January 2024."
    )


SECOND_SOURCES = """\
actors:
  - id: bbc
    name: BBC
    kind: organisation
  - id: kyiv-wire
    name: Kyiv Wire
    kind: organisation
    affiliation: ukraine-defence-ministry
sources:
  - id: bbc-2024-02-01
    title: A report by another publisher
    publisher: bbc
    date: 2024-02-01
    language: en
    archived_text: sources/bbc-2024-02-01.txt
  - id: wire-2024-02-02
    title: A report by a publisher tied to Ukraine
    publisher: kyiv-wire
    date: 2024-02-02
    language: en
    archived_text: sources/wire-2024-02-02.txt
claims:
  - id: checked-by-another-publisher
    statement: The Russian Defence Ministry said 65 Ukrainian prisoners of war were aboard the Il-76.
    claimant: russian-defence-ministry
    date: 2024-01-24
    about: [il76-crash-belgorod]
    status: unverified
    rationale: A test claim with a second, independent source.
    quote:
      text: The Russian Defense Ministry claimed that 65 captured Ukrainian service members
      source: ukrinform-2024-01-31
    responses:
      - actor: bbc
        stance: questions
        summary: The BBC says it could not verify the claim.
        quote:
          text: The BBC could not verify the claim.
          source: bbc-2024-02-01
  - id: tied-to-one-side
    statement: Andrii Yusov said Ukraine received no evidence.
    claimant: andrii-yusov
    date: 2024-01-31
    about: [il76-crash-belgorod]
    status: uncontested
    rationale: A test claim whose two sources are tied to Ukraine.
    quote:
      text: Yusov added that Ukraine received no evidence
      source: ukrinform-2024-01-31
    responses:
      - actor: kyiv-wire
        stance: supports
        summary: Kyiv Wire repeats it.
        quote:
          text: No evidence has been received
          source: wire-2024-02-02
"""


@pytest.fixture(scope="module")
def two_publishers(tmp_path_factory) -> Path:
    """The real content with a second publisher, independent of Ukraine, and a third tied to it (as Ukrinform is)."""
    import shutil

    from helpers import CONTENT

    content = tmp_path_factory.mktemp("two-publishers") / "content"
    shutil.copytree(CONTENT, content)
    (content / "factsheets" / "second-sources.yaml").write_text(SECOND_SOURCES, encoding="utf-8")
    (content / "sources" / "bbc-2024-02-01.txt").write_text(
        'The BBC could not verify the claim. "We have seen nothing," an official said.\n', encoding="utf-8"
    )
    (content / "sources" / "wire-2024-02-02.txt").write_text(
        "No evidence has been received, Kyiv Wire learnt.\n", encoding="utf-8"
    )
    # Ukrinform, a state agency, is tied to Ukraine in the content itself.
    assert "  - id: ukrinform\n    name: Ukrinform\n    kind: organisation\n    affiliation: ukraine\n" in (
        content / "factsheets" / "actors.yaml"
    ).read_text(encoding="utf-8")
    output = content.parent / "output"
    result = run_pelican(content, output)
    assert result.returncode == 0, result.stderr
    return output


def test_sources_from_publishers_with_no_shared_affiliation_count_as_independent(two_publishers):
    page = read_page(two_publishers, "claims/checked-by-another-publisher.html")
    assert _text(page.select_one(".sourcing-independence")) == "2 independent sources."
    groups = [_text(group) for group in page.select(".sourcing-groups > li")]
    assert groups == [
        "Tied to Ukraine : Ukrinform, 31 January 2024",
        "Published by BBC : BBC, 1 February 2024",
    ]
    assert _voices(page)[1] == ("In BBC's words:", "The BBC could not verify the claim.")


def test_sources_whose_publishers_share_a_top_affiliation_are_one_line_of_reporting(two_publishers):
    page = read_page(two_publishers, "claims/tied-to-one-side.html")
    assert _text(page.select_one(".sourcing-independence")) == "All 2 sources are tied to Ukraine."
    summary = read_page(two_publishers, "index.html").select_one("main .sourcing-summary")
    assert _text(summary).startswith(
        "Of 13 claims, 11 rest on a single report, 1 on sources tied to one side and 1 on independent sources."
    )


@pytest.mark.parametrize(
    ("text", "passage", "inside"),
    [
        ('He said: "We know." Then he left.', "We know.", True),
        ("He said: \u201cWe know.\u201d Then he left.", "We know.", True),
        ("Il a dit\u00a0: \u00abNous savons.\u00bb", "Nous savons.", True),
        ("Er sagte: \u201eWir wissen es.\u201c", "Wir wissen es.", True),
        ("Han sa: \u00bbVi vet.\u00ab", "Vi vet.", True),
        ('"We know," he said, "and we act."', 'We know," he said, "and we act.', False),
        ('He said: "We know." Then he left.', "Then he left.", False),
        ('He said we know what "they" did.', "we know what", False),
        ('"First paragraph, still quoted.\n\n"Second paragraph," he said.', "First paragraph, still quoted.", True),
        ('A stray " mark.\n\nNext paragraph.', "mark.", False),
        ("\u00abOuter \u201cinner\u201d outer.\u00bb", "inner\u201d outer.", True),
        ("It's Yusov's view, 'in part'.", "Yusov's view", False),
    ],
)
def test_quotation_marks_are_read_paragraph_by_paragraph(text, passage, inside):
    start = text.index(passage)
    assert QuotedRuns(text).contain(start, start + len(passage)) is inside
