"""The desk's rules: a status follows the rubric, figures say how exact they are and whose sum they are,
competing accounts are shown side by side. Each rule is broken on a copy of the content and the editor
gets its file:line message; what the rules allow shows on the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import read_page, run_check, run_pelican

SOURCE = "ukrinform-2024-01-31"
ZELENSKY = (
    "President Volodymyr Zelensky said that Ukraine would insist on an international investigation into the "
    "situation surrounding the downing of the Russian Il-76 plane in the Belgorod region."
)
S300 = "Sources in the Ukrainian Armed Forces said the plane was carrying a batch of missiles"
PRISONERS = "65 captured Ukrainian service members, six crewmembers and three escorts were allegedly on board"
NO_EVIDENCE = "Yusov added that Ukraine received no evidence that 65 Ukrainian soldiers had been killed"


def _claim(
    claim_id: str, status: str, quote: str = ZELENSKY, about: str = "il76-crash-belgorod", extra: str = ""
) -> str:
    return f"""
  - id: {claim_id}
    statement: A test claim.
    claimant: volodymyr-zelensky
    date: 2024-01-31
    about: [{about}]
    status: {status}
    checked_by: lidia-brannock
    edited_by: halyna-mereshko
    rationale: Test.
    quote:
      text: "{quote}"
      source: {SOURCE}
{extra}"""


def _response(stance: str, actor: str = "russia", quote: str = S300, summary: str = "Test response.") -> str:
    return f"""      - actor: {actor}
        stance: {stance}
        summary: {summary}
        quote:
          text: "{quote}"
          source: {SOURCE}
"""


def _write_claims(content: Path, *claims: str) -> Path:
    path = content / "factsheets" / "rules.yaml"
    path.write_text("claims:" + "".join(claims), encoding="utf-8")
    return path


def _line_of(path: Path, text: str, occurrence: int = 1) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, 1) if text in line]
    return found[occurrence - 1]


def _problems(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if re.match(r".+:\d+:\d+: ", line)]


def _only_problem(content: Path) -> str:
    result = run_check(content)
    assert result.returncode == 1, result.stdout
    problems = _problems(result)
    assert len(problems) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return problems[0]


def test_a_disputed_claim_needs_a_response_that_disputes_it_or_a_competing_account(content_copy):
    path = _write_claims(content_copy, _claim("lonely-dispute", "disputed"))
    problem = _only_problem(content_copy)
    assert problem.startswith(f"{path}:{_line_of(path, 'status: disputed')}:")
    assert "claims[0].status: a disputed claim needs a response that disputes it or a competing account" in problem


@pytest.mark.parametrize("status", ["uncontested", "unverified"])
def test_a_claim_someone_disputes_is_disputed(content_copy, status):
    path = _write_claims(
        content_copy, _claim("disputed-really", status, extra="    responses:\n" + _response("disputes"))
    )
    problem = _only_problem(content_copy)
    assert problem.startswith(f"{path}:{_line_of(path, 'stance: disputes')}:")
    assert f"claims[0].responses[0].stance: a response disputes this {status} claim" in problem


def test_an_uncontested_claim_cannot_be_questioned(content_copy):
    path = _write_claims(
        content_copy, _claim("questioned", "uncontested", extra="    responses:\n" + _response("questions"))
    )
    problem = _only_problem(content_copy)
    assert problem.startswith(f"{path}:{_line_of(path, 'stance: questions')}:")
    assert "a response questions this uncontested claim" in problem and "'unverified'" in problem


def test_one_partys_word_about_anothers_conduct_is_not_uncontested(content_copy):
    path = _write_claims(content_copy, _claim("about-russia", "uncontested", extra="    subjects: [russia]\n"))
    problem = _only_problem(content_copy)
    assert problem.startswith(f"{path}:{_line_of(path, 'subjects:')}:")
    assert "claims[0].subjects[0]: an uncontested claim about Russia, which has not answered it" in problem
    # Once the other party answers (here it supports it), the claim may stand as its editor judges.
    _write_claims(
        content_copy,
        _claim("about-russia", "unverified", extra="    subjects: [russia]\n    responses:\n" + _response("supports")),
    )
    assert run_check(content_copy).returncode == 0


def test_a_confirmed_claim_needs_two_independent_sources(content_copy):
    path = _write_claims(
        content_copy, _claim("confirmed-alone", "confirmed", extra="    responses:\n" + _response("supports"))
    )
    problem = _only_problem(content_copy)
    assert problem.startswith(f"{path}:{_line_of(path, 'status: confirmed')}:")
    # Russia supports Zelensky's claim, quoting Ukrinform, a Ukrainian state agency: no source independent of him.
    assert "at least two sources independent of the claimant and of each other; found 0" in problem


def test_two_sources_from_publishers_of_different_sides_confirm_a_claim(content_copy):
    """Ukrinform publishes for Ukraine's side? Not in this copy: two wire services that belong to no one."""
    (content_copy / "sources" / "wire-a.txt").write_text("Wire A: the plane crashed near Belgorod.\n", encoding="utf-8")
    (content_copy / "sources" / "wire-b.txt").write_text("Wire B: the plane crashed near Belgorod.\n", encoding="utf-8")
    (content_copy / "factsheets" / "wires.yaml").write_text(
        """actors:
  - {id: wire-a, name: Wire A, kind: organisation}
  - {id: wire-b, name: Wire B, kind: organisation}
sources:
  - {id: wire-a-report, title: Wire A report, publisher: wire-a, date: 2024-02-01, language: en,
     archived_text: sources/wire-a.txt}
  - {id: wire-b-report, title: Wire B report, publisher: wire-b, date: 2024-02-01, language: en,
     archived_text: sources/wire-b.txt}
""",
        encoding="utf-8",
    )
    support = """      - actor: {actor}
        stance: supports
        summary: It reports the crash.
        quote: {{text: "the plane crashed near Belgorod", source: {source}}}
"""
    both = support.format(actor="wire-a", source="wire-a-report") + support.format(
        actor="wire-b", source="wire-b-report"
    )
    _write_claims(content_copy, _claim("crash-confirmed", "confirmed", extra="    responses:\n" + both))
    assert run_check(content_copy).returncode == 0, run_check(content_copy).stderr
    # Both from one side (Wire B belongs to Wire A): one source as the rule counts them.
    wires = content_copy / "factsheets" / "wires.yaml"
    wires.write_text(
        wires.read_text().replace("{id: wire-b, name: Wire B,", "{id: wire-b, affiliation: wire-a, name: Wire B,")
    )
    assert "found 1" in _only_problem(content_copy)


def test_a_refuted_claim_needs_a_dispute_from_outside_the_claimants_side(content_copy):
    # Zelensky's claim, disputed only by the Ukrainian armed forces' sources: his own side.
    extra = "    responses:\n" + _response("disputes", actor="ukrainian-armed-forces-sources")
    path = _write_claims(content_copy, _claim("refuted-by-own-side", "refuted", extra=extra))
    problem = _only_problem(content_copy)
    assert problem.startswith(f"{path}:{_line_of(path, 'status: refuted')}:")
    assert "a refuted claim needs a response that disputes it from outside the claimant's side" in problem
    _write_claims(
        content_copy, _claim("refuted-by-other-side", "refuted", extra="    responses:\n" + _response("disputes"))
    )
    assert run_check(content_copy).returncode == 0


def test_a_response_that_only_says_evidence_is_lacking_is_a_question_warned_not_refused(content_copy):
    extra = "    responses:\n" + _response("disputes", actor="andrii-yusov", quote=NO_EVIDENCE)
    path = _write_claims(content_copy, _claim("no-evidence", "disputed", extra=extra))
    result = run_check(content_copy)
    assert result.returncode == 0, result.stderr
    warning = f"{path}:{_line_of(path, 'stance: disputes')}:17: warning: claims[0].responses[0].stance: this response"
    assert any(line.startswith(warning) for line in result.stderr.splitlines()), result.stderr
    assert "use stance: questions" in result.stderr
    assert result.stderr.rstrip().endswith("1 warning found.")
    assert result.stdout.rstrip().endswith("quotes checked: 1 warning.")


def test_a_figure_that_quotes_a_claims_words_must_name_the_claim(content_copy):
    events = content_copy / "factsheets" / "events.yaml"
    events.write_text(events.read_text().replace("        claim: ukrainian-pows-on-board-il76\n", ""))
    problem = _only_problem(content_copy)
    assert problem.startswith(f"{events}:{_line_of(events, 'quote:', 1) + 1}:")  # the quote's text, next line
    assert "figures[0].quote: this figure quotes the same words as the claim 'ukrainian-pows-on-board-il76'" in problem
    assert "(claim: ukrainian-pows-on-board-il76)" in problem


def test_competing_accounts_are_of_the_same_matter_and_not_of_themselves(content_copy):
    path = _write_claims(
        content_copy,
        _claim("own-rival", "disputed", extra="    competes_with: [own-rival]\n"),
        _claim(
            "elsewhere",
            "disputed",
            about="prisoner-exchange-50",
            extra="    competes_with: [il76-carried-s300-missiles]\n",
        ),
    )
    result = run_check(content_copy)
    problems = _problems(result)
    assert result.returncode == 1
    assert any(
        line.startswith(f"{path}:{_line_of(path, 'competes_with: [own-rival]')}:")
        and "claims[0].competes_with[0]: a claim cannot compete with itself" in line
        for line in problems
    ), problems
    assert any(
        line.startswith(f"{path}:{_line_of(path, 'competes_with: [il76-carried-s300-missiles]')}:")
        and "claims[1].competes_with[0]: 'il76-carried-s300-missiles' is about other events" in line
        for line in problems
    ), problems


def test_a_claim_with_a_competing_account_cannot_stand_as_unverified(content_copy):
    """The link goes both ways: naming a rival on one claim makes the other's status answer for it too."""
    path = _write_claims(
        content_copy,
        _claim("rival", "disputed", quote=S300, extra="    competes_with: [ukrainian-pows-on-board-il76]\n"),
    )
    problem = _only_problem(content_copy)
    claims = content_copy / "factsheets" / "claims.yaml"
    pows = claims.read_text().index("  - id: ukrainian-pows-on-board-il76")
    status_line = (
        claims.read_text()[:pows].count("\n")
        + 1
        + claims.read_text()[pows:].split("\n").index("    status: unverified")
    )
    assert problem.startswith(f"{claims}:{status_line}:"), problem
    assert "an unverified claim has a competing account ('rival')" in problem
    assert str(path) not in problem


def test_an_uncontested_claim_with_a_competing_account_is_refused(content_copy):
    path = _write_claims(
        content_copy,
        _claim("quiet", "uncontested", quote=S300, extra="    competes_with: [ukrainian-pows-on-board-il76]\n"),
    )
    result = run_check(content_copy)
    assert result.returncode == 1
    assert any(
        line.startswith(f"{path}:{_line_of(path, 'status: uncontested')}:")
        and "claims[0].status: an uncontested claim has a competing account ('ukrainian-pows-on-board-il76')" in line
        for line in _problems(result)
    ), result.stderr


def test_a_sequence_is_a_whole_number_from_one(content_copy):
    path = _write_claims(content_copy, _claim("first", "uncontested", extra="    sequence: 0\n"))
    problem = _only_problem(content_copy)
    assert problem.startswith(f"{path}:{_line_of(path, 'sequence: 0')}:")
    assert "claims[0].sequence:" in problem


def test_a_time_or_sequence_orders_records_of_the_same_date(content_copy, tmp_path):
    claims = content_copy / "factsheets" / "claims.yaml"
    text = claims.read_text()
    text = text.replace(
        "  - id: exchange-was-due-on-2024-01-24\n", "  - id: exchange-was-due-on-2024-01-24\n    sequence: 1\n"
    )
    text = text.replace(
        "  - id: exchange-continued-planned-exchange\n",
        "  - id: exchange-continued-planned-exchange\n    sequence: 2\n",
    )
    text = text.replace(
        "  - id: ukraine-to-insist-on-international-investigation\n",
        '  - id: ukraine-to-insist-on-international-investigation\n    time: "25:00"\n',
    )
    claims.write_text(text)
    problem = _only_problem(content_copy)
    assert "time: not a time of day: write HH:MM" in problem
    claims.write_text(text.replace('time: "25:00"', 'time: "09:15"'))
    output = tmp_path / "output"
    assert run_pelican(content_copy, output).returncode == 0
    timeline = [a["href"] for a in read_page(output, "timeline.html").main.select("a[href*='claims/']")]
    order = [href.rsplit("/", 1)[1] for href in timeline]
    assert order.index("exchange-was-due-on-2024-01-24.html") < order.index("exchange-continued-planned-exchange.html")


def _text(element) -> str:
    return " ".join(element.get_text(" ").split())


def test_figures_say_how_exact_they_are_whose_sum_they_are_and_their_claims_status(content_copy, tmp_path):
    events = content_copy / "factsheets" / "events.yaml"
    events.write_text(
        events.read_text().replace("        value: 207\n", "        value: 207\n        precision: at-least\n")
    )
    output = tmp_path / "output"
    assert run_pelican(content_copy, output).returncode == 0
    home = read_page(output, "index.html").main.select_one(".key-figures")
    items = {_text(li.select_one(".figure-value")): li for li in home.select("li")}
    assert set(items) == {"at least 207", "74"}
    on_board = _text(items["74"])
    assert "our sum of the parts given by Ministry of Defence of Russia (65 + 6 + 3), which gives no total" in on_board
    assert "according to" not in on_board.casefold().split("which gives no total")[0]
    assert items["74"].select_one(".status").get_text(strip=True) == "Unverified"
    assert "part of a claim that is" in on_board
    event = read_page(output, "events/il76-crash-belgorod.html").main
    figure = event.select_one("#figure-il76-on-board-russian-defence-ministry")
    assert _text(figure.select_one("tfoot")) == "Total (our sum) 74"
    assert figure.select_one(".status").get_text(strip=True) == "Unverified"
    assert figure.select_one("a[href$='claims/ukrainian-pows-on-board-il76.html']")
    actor = read_page(output, "actors/ukrinform.html").main
    assert "at least 207 people: Ukrainians returned in the 50th exchange" in _text(actor)


def test_competing_accounts_are_shown_side_by_side_and_grouped_in_who_says_what(content_copy, tmp_path):
    claims = content_copy / "factsheets" / "claims.yaml"
    text = claims.read_text()

    def status_before(text: str, rationale: str, new: str) -> str:
        """The claim whose rationale starts so, with its status line (the last before its rationale) made new."""
        at = text.rindex("    status: unverified\n", 0, text.index(f"      {rationale}"))
        return text[:at] + new + text[at + len("    status: unverified\n") :]

    text = status_before(
        text, "Made by unnamed sources", "    competes_with: [ukrainian-pows-on-board-il76]\n    status: disputed\n"
    )
    text = status_before(text, "The report cites no evidence", "    status: disputed\n")
    pows = text.index("  - id: ukrainian-pows-on-board-il76")
    last_status = "      - date: 2026-12-02\n        status: unverified\n"
    at = text.index(last_status, pows)
    text = (
        text[:at]
        + last_status
        + "        rationale: Questioned only.\n      - date: 2026-12-03\n        status: disputed\n"
        + text[at + len(last_status) :]
    )
    logged = text.index("    changelog:\n", at) + len("    changelog:\n")
    text = (
        text[:logged]
        + "      - date: 2026-12-03\n        kind: status-change\n        change: Disputed by a competing account.\n"
        + text[logged:]
    )
    claims.write_text(text)
    output = tmp_path / "output"
    result = run_pelican(content_copy, output)
    assert result.returncode == 0, result.stderr
    event = read_page(output, "events/il76-crash-belgorod.html").main
    section = event.select_one("section[aria-labelledby='competing-heading']")
    cards = section.select(".accounts > li")
    hrefs = sorted(card.select_one(".account-statement a")["href"].rsplit("/", 1)[1] for card in cards)
    assert hrefs == ["il76-carried-s300-missiles.html", "ukrainian-pows-on-board-il76.html"]
    group = event.select_one("table.stances tbody.competing-group")
    rows = [
        row.select_one("th[scope=row] a")["href"].rsplit("/", 1)[1] for row in group.select("tr:not(.group-heading)")
    ]
    assert sorted(rows) == hrefs
    assert _text(group.select_one("tr.group-heading")) == "Competing accounts of the same matter"
    for claim_id, other in (
        ("il76-carried-s300-missiles", "ukrainian-pows-on-board-il76"),
        (hrefs[1][:-5], hrefs[0][:-5]),
    ):
        page = read_page(output, f"claims/{claim_id}.html").main
        accounts = page.select_one("section[aria-labelledby='competing-heading'] .accounts")
        assert "(this claim)" in _text(accounts.select("li")[0])
        assert accounts.select_one(f"a[href$='claims/{other}.html']")


def test_a_desk_sum_without_its_parts_is_refused(content_copy):
    """Without the parts, 'our sum' could not be shown, and 74 would read as the ministry's own number."""
    events = content_copy / "factsheets" / "events.yaml"
    text = events.read_text()
    start = text.index("        breakdown:\n", text.index("id: il76-on-board-russian-defence-ministry"))
    end = text.index("        claim: ukrainian-pows-on-board-il76\n", start)
    events.write_text(text[:start] + text[end:])
    problem = _only_problem(content_copy)
    assert problem.startswith(f"{events}:{_line_of(events, 'total_in_source: false')}:")
    assert "events[1].figures[0].total_in_source: the total is our own sum (total_in_source: false)" in problem


def test_a_figure_names_a_claim_about_its_own_event(content_copy):
    events = content_copy / "factsheets" / "events.yaml"
    events.write_text(
        events.read_text().replace(
            "        claim: exchange-50-returned-207\n",
            "        claim: ukraine-to-insist-on-international-investigation\n",
        )
    )
    problem = _only_problem(content_copy)
    assert problem.startswith(f"{events}:{_line_of(events, 'claim: ukraine-to-insist')}:")
    assert "the claim 'ukraine-to-insist-on-international-investigation' is not about this figure's event" in problem


def test_a_claim_said_twice_links_both_ways_on_the_real_content(site):
    """Yusov's two claims about the exchange due on 24 January make one point: each page names the other."""
    pairs = [
        ("exchange-was-due-on-2024-01-24", "exchange-continued-planned-exchange"),
        ("exchange-continued-planned-exchange", "exchange-was-due-on-2024-01-24"),
    ]
    for claim_id, other in pairs:
        section = read_page(site, f"claims/{claim_id}.html").main.select_one(
            "section[aria-labelledby=restated-heading]"
        )
        assert section is not None, claim_id
        assert _text(section).startswith("Said again in other words Andrii Yusov makes the same point")
        assert [a["href"] for a in section.select("li > a")][0] == f"../claims/{other}.html"


def test_a_claim_restates_only_its_own_claimants_word_about_a_common_event(content_copy):
    path = _write_claims(
        content_copy,
        _claim("says-it-again", "uncontested", extra="    restates: [exchange-continued-planned-exchange]\n"),
    )
    problem = _only_problem(content_copy)
    assert problem.startswith(f"{path}:{_line_of(path, 'restates:')}:")
    assert "claims[0].restates[0]: 'exchange-continued-planned-exchange' is not the same claimant's word" in problem
