"""Every problem in one run: a record with a wrong field still has its references and quotes checked.

Each test breaks a copy of the content in several ways at once, and expects every problem in a single
`factsheets check`, each once, with nothing that only follows from another.
"""

from __future__ import annotations

from pathlib import Path

from factsheets.cli import main as factsheets
from factsheets.models import Claim


def _edit(content: Path, relative: str, *replacements: tuple[str, str]) -> None:
    path = content / relative
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        found = text.count(old)
        assert found == 1, f"{old!r} is in {relative} {found} times, not once"
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def _check(content: Path, capsys, *arguments: str) -> list[str]:
    """The problems `factsheets check` reports, with file names relative to the content folder; the
    count line checked against them."""
    assert factsheets(["check", str(content), *arguments]) == 1
    errors = capsys.readouterr().err
    assert "Traceback" not in errors
    *problems, count = errors.splitlines()
    assert count == f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found."
    assert len(set(problems)) == len(problems), "a problem is reported twice"
    return [problem.removeprefix(f"{content}/") for problem in problems]


def test_a_claim_with_an_unknown_field_has_its_reference_and_quote_checked(content_copy, capsys):
    _edit(
        content_copy,
        "factsheets/claims.yaml",
        (
            "      January.\n    claimant: andrii-yusov\n",
            "      January.\n    claimant: andrii-yusov\n    colour: red\n",
        ),
        (
            "colour: red\n    date: 2024-01-31\n    about:\n      - prisoner-exchange-50\n",
            "colour: red\n    date: 2024-01-31\n    about:\n      - prisoner-exchange-5o\n",
        ),
        ("Today there was a continuation", "Today there was a resumption"),
    )
    assert _check(content_copy, capsys, "--no-cache") == [
        "factsheets/claims.yaml:9:5: claims[0].colour: unknown field 'colour' "
        f"(allowed: {', '.join(sorted(Claim.model_fields))})",
        "factsheets/claims.yaml:12:9: claims[0].about[0]: unknown event 'prisoner-exchange-5o' "
        "(did you mean 'prisoner-exchange-50'?)",
        "factsheets/claims.yaml:21:13: claims[0].quote.text: quote not found in source 'ukrinform-2024-01-31' "
        '(the closest passage in the source reads: "Today there was a continuation of the exchange that was '
        'supposed to take place on January 24.")',
    ]


def test_a_figure_with_a_wrong_field_has_its_sum_reference_and_quote_checked(content_copy, capsys):
    _edit(
        content_copy,
        "factsheets/events.yaml",
        (
            "        value: 207\n        unit: people\n        according_to: ukrinform\n",
            "        value: 208\n        unit: ' '\n        according_to: ukrinfrom\n",
        ),
        ("home\n            207 defenders", "home\n            208 defenders"),
    )
    assert _check(content_copy, capsys) == [
        "factsheets/events.yaml:109:15: events[2].figures[0].unit: must not be empty",
        "factsheets/events.yaml:110:23: events[2].figures[0].according_to: unknown actor 'ukrinfrom' "
        "(did you mean 'ukrinform' or 'ukraine'?)",
        "factsheets/events.yaml:112:17: events[2].figures[0].quote.text: quote not found in source "
        "'ukrinform-2024-01-31' (the closest passage in the source reads: \"During the 50th prisoner exchange on "
        "January 31, Ukraine brought home 207 defenders from Russian captivity, including 95 members of the Armed "
        'Forces, 56 Nati...")',
        "factsheets/events.yaml:120:11: events[2].figures[0].breakdown: does not add up: 95 + 56 + 26 + 29 + 1 = 207, "
        "but value is 208",
    ]


RESPONSE = """\
      - Whether the 65 are alive or dead.
    responses:
      - actor: andrii-yusov
        stance: questions
        summary: >-
          Yusov said Ukraine had received no evidence that 65 Ukrainian soldiers
          had been killed in the crash of the Il-76.
        quote:
          text: >-
            Yusov added that Ukraine received no evidence"""


def test_a_response_with_a_wrong_stance_has_its_quote_checked(content_copy, capsys):
    _edit(
        content_copy,
        "factsheets/claims.yaml",
        (RESPONSE, RESPONSE.replace("stance: questions", "stance: denies").replace("Yusov added", "Yusov said")),
    )
    lines = (content_copy / "factsheets" / "claims.yaml").read_text(encoding="utf-8").splitlines()
    stance = next(number for number, line in enumerate(lines, 1) if line.strip() == "stance: denies")
    assert _check(content_copy, capsys) == [
        f"factsheets/claims.yaml:{stance}:17: claims[3].responses[0].stance: 'denies' is not allowed "
        "(expected 'supports', 'disputes' or 'questions')",
        f"factsheets/claims.yaml:{stance + 5}:17: claims[3].responses[0].quote.text: quote not found in source "
        "'ukrinform-2024-01-31' (the closest passage in the source reads: \"Yusov added that Ukraine received no "
        'evidence that 65 Ukrainian soldiers had been killed in the crash of a Russian Il-76 plane.")',
    ]


def test_an_event_with_an_unknown_field_has_its_participants_checked(content_copy, capsys):
    _edit(
        content_copy,
        "factsheets/events.yaml",
        ("    place: Belgorod region, Russia\n", "    place_name: Belgorod region, Russia\n"),
        ("    participants:\n      - russia\n    related:", "    participants:\n      - rusia\n    related:"),
    )
    assert _check(content_copy, capsys) == [
        "factsheets/events.yaml:37:5: events[1].place_name: unknown field 'place_name' (did you mean 'place'?)",
        "factsheets/events.yaml:48:9: events[1].participants[0]: unknown actor 'rusia' (did you mean 'russia'?)",
    ]


def test_a_source_with_a_wrong_field_still_has_the_quotes_from_it_checked(content_copy, capsys):
    _edit(content_copy, "factsheets/sources.yaml", ("    language: en\n", "    language: English\n"))
    _edit(content_copy, "factsheets/claims.yaml", ("Today there was a continuation", "Today there was a resumption"))
    assert _check(content_copy, capsys) == [
        "factsheets/claims.yaml:20:13: claims[0].quote.text: quote not found in source 'ukrinform-2024-01-31' "
        '(the closest passage in the source reads: "Today there was a continuation of the exchange that was '
        'supposed to take place on January 24.")',
        "factsheets/sources.yaml:8:15: sources[0].language: not a language tag: write one such as en, uk or pt-BR",
    ]


def test_an_overview_with_a_wrong_field_has_its_key_figures_checked(content_copy, capsys):
    _edit(
        content_copy,
        "factsheets/overview.yaml",
        ("  updated: 2026-12-08", "  updated: 2024-13"),
        ("    - prisoner-exchange-50-returned\n", "    - prisoner-exchange-50-return\n"),
    )
    assert _check(content_copy, capsys) == [
        "factsheets/overview.yaml:18:7: overview.key_figures[0]: unknown figure 'prisoner-exchange-50-return' "
        "(did you mean 'prisoner-exchange-50-returned'?)",
        "factsheets/overview.yaml:20:12: overview.updated: not a date: there is no month 13",
    ]


def test_a_record_with_a_wrong_field_can_still_be_a_duplicate(content_copy, capsys):
    (content_copy / "factsheets" / "extra.yaml").write_text(
        "actors:\n  - id: andrii-yusov\n    name: Again\n    kind: spokesman\n", encoding="utf-8"
    )
    assert _check(content_copy, capsys) == [
        "factsheets/extra.yaml:2:9: actors[0].id: duplicate id 'andrii-yusov' "
        f"(already used by the actor at {content_copy}/factsheets/actors.yaml:3)",
        "factsheets/extra.yaml:4:11: actors[0].kind: 'spokesman' is not allowed "
        "(expected 'person', 'organisation', 'state', 'group' or 'anonymous')",
    ]


def test_references_to_records_with_a_wrong_field_are_not_reported(content_copy, capsys):
    """Claims name andrii-yusov eight times, an overview names the figures of an event that failed."""
    _edit(
        content_copy,
        "factsheets/actors.yaml",
        ("    name: Andrii Yusov\n    kind: person\n", "    name: Andrii Yusov\n    kind: spokesman\n"),
    )
    _edit(
        content_copy, "factsheets/events.yaml", ("    date: 2024-01-24\n    place:", "    date: 2024-01-32\n    place:")
    )
    assert _check(content_copy, capsys) == [
        "factsheets/actors.yaml:5:11: actors[0].kind: 'spokesman' is not allowed "
        "(expected 'person', 'organisation', 'state', 'group' or 'anonymous')",
        "factsheets/events.yaml:36:11: events[1].date: not a date: January 2024 has no day 32",
    ]


def test_a_file_with_a_partial_record_is_not_cached(content_copy, tmp_path, capsys):
    cache_dir = tmp_path / "cache"
    arguments = ("--cache-dir", str(cache_dir))
    _edit(content_copy, "factsheets/claims.yaml", (RESPONSE, RESPONSE.replace("stance: questions", "stance: denies")))
    first = _check(content_copy, capsys, *arguments)
    assert len(first) == 1
    assert _check(content_copy, capsys, *arguments) == first
    cached = len(list((cache_dir / "sheets").rglob("*.entry")))
    assert cached == len(list((content_copy / "factsheets").glob("*.yaml"))) - 1, "claims.yaml is not cached"
    _edit(content_copy, "factsheets/claims.yaml", (RESPONSE.replace("stance: questions", "stance: denies"), RESPONSE))
    assert factsheets(["check", str(content_copy), *arguments]) == 0
