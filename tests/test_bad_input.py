"""Every kind of bad input: one clear message naming file, line and field; exit 1; nothing run."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from factsheets.cli import main as factsheets


def _edit(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(content: Path) -> None:
        path = content / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def _new_file(text: str | bytes, name: str = "extra.yaml") -> Callable[[Path], None]:
    def apply(content: Path) -> None:
        path = content / "factsheets" / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))

    return apply


def _append(relative: str, text: str) -> Callable[[Path], None]:
    def apply(content: Path) -> None:
        path = content / relative
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")

    return apply


UNSAFE_ID = r"extra\.yaml:2:9: actors\[0\]\.id: not a safe id"
FIGURE_VALUE = r"events\.yaml:108:16: events\[2\]\.figures\[0\]\.value: "
ACTOR = "actors:\n  - id: {id}\n    name: Someone\n    kind: person\n"
SOURCE_WITH_URL = (
    "sources:\n  - id: second-source\n    title: Second\n    publisher: ukrinform\n    date: 2024-02-01\n"
    "    language: en\n    archived_text: sources/ukrinform-2024-01-31.txt\n    url: {url}\n"
)

CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "bad indentation": (
        _new_file("actors:\n  - id: someone\n    name: Someone\n   kind: person\n"),
        r"extra\.yaml:4:4: YAML syntax error",
    ),
    "tab indentation": (
        _new_file("actors:\n  - id: someone\n\tname: Someone\n"),
        r"extra\.yaml:3:1: YAML syntax error: .*tab",
    ),
    "unclosed quote": (
        _new_file('actors:\n  - id: someone\n    name: "Someone\n    kind: person\n'),
        r"extra\.yaml:\d+:\d+: YAML syntax error: .*quoted scalar",
    ),
    "empty file": (_new_file(""), r"extra\.yaml:1:1: file is empty"),
    "not UTF-8": (_new_file(b"actors:\n  - id: caf\xe9\n"), r"extra\.yaml:2:12: file is not UTF-8 text"),
    "top-level list": (
        _new_file("- id: someone\n  name: Someone\n"),
        r"extra\.yaml:1:1: the file must be a mapping of lists such as 'claims:', not a list",
    ),
    "unknown field": (
        _edit("factsheets/claims.yaml", "    claimant: andrii-yusov", "    claimaint: andrii-yusov"),
        r"claims\.yaml:8:5: claims\[0\]\.claimaint: unknown field 'claimaint' \(did you mean 'claimant'\?\)",
    ),
    "unknown top-level list": (
        _new_file("claim:\n  - id: x\n"),
        r"extra\.yaml:1:1: claim: unknown field 'claim' \(did you mean 'claims'\?\)",
    ),
    "missing required field": (
        _new_file("actors:\n  - id: someone\n    kind: person\n"),
        r"extra\.yaml:2:5: actors\[0\]\.name: missing required field",
    ),
    "wrong type": (
        _edit("factsheets/events.yaml", "value: 207", "value: two hundred and seven"),
        r"events\.yaml:\d+:\d+: events\[2\]\.figures\[0\]\.value: expected a whole number, found text "
        r"'two hundred and seven'",
    ),
    "invalid date": (
        _edit("factsheets/events.yaml", "date: 2024-01-24", "date: 2024-02-30"),
        r"events\.yaml:5:11: events\[0\]\.date: not a date: February 2024 has no day 30",
    ),
    "status outside the allowed set": (
        _edit("factsheets/claims.yaml", "status: uncontested", "status: probably-true"),
        r"claims\.yaml:\d+:13: claims\[0\]\.status: 'probably-true' is not allowed \(expected 'confirmed', ",
    ),
    "duplicate id within a file": (
        _new_file(ACTOR.format(id="someone") + "  - id: someone\n    name: Other\n    kind: person\n"),
        r"extra\.yaml:5:9: actors\[1\]\.id: duplicate id 'someone' \(already used by the actor at "
        r".*extra\.yaml:2\)",
    ),
    "duplicate id across files": (
        _new_file(ACTOR.format(id="andrii-yusov")),
        r"extra\.yaml:2:9: actors\[0\]\.id: duplicate id 'andrii-yusov' \(already used by the actor at "
        r".*actors\.yaml:3\)",
    ),
    "duplicate key": (
        _new_file("actors:\n  - id: someone\n    name: Someone\n    name: Again\n    kind: person\n"),
        r"extra\.yaml:4:5: actors\[0\]\.name: duplicate key 'name'",
    ),
    "unknown reference": (
        _edit("factsheets/claims.yaml", "claimant: russian-defence-ministry", "claimant: russian-mod"),
        r"claims\.yaml:\d+:15: claims\[\d+\]\.claimant: unknown actor 'russian-mod'",
    ),
    "reference to the wrong kind": (
        _edit("factsheets/claims.yaml", "claimant: russian-defence-ministry", "claimant: il76-crash-belgorod"),
        r"claims\.yaml:\d+:15: claims\[\d+\]\.claimant: 'il76-crash-belgorod' is an event, not an actor",
    ),
    "affiliation cycle": (
        _edit(
            "factsheets/actors.yaml",
            "    kind: state\n    same_as:\n      - https://www.wikidata.org/wiki/Q212",
            "    kind: state\n    affiliation: hur",
        ),
        r"actors\.yaml:\d+:\d+: actors\[\d+\]\.affiliation: affiliation goes round in a circle: "
        r"(\S+ -> )+\S+",
    ),
    "quote not in its source": (
        _edit("factsheets/claims.yaml", "Today there was a continuation", "Today there was a resumption"),
        r"claims\.yaml:\d+:\d+: claims\[0\]\.quote\.text: quote not found in source 'ukrinform-2024-01-31'",
    ),
    "missing archived text": (
        _edit(
            "factsheets/sources.yaml",
            "archived_text: sources/ukrinform-2024-01-31.txt",
            "archived_text: sources/missing.txt",
        ),
        r"sources\.yaml:\d+:20: sources\[0\]\.archived_text: archived text 'sources/missing\.txt' not found",
    ),
    "archived text outside the content folder": (
        _edit(
            "factsheets/sources.yaml",
            "archived_text: sources/ukrinform-2024-01-31.txt",
            "archived_text: ../../../../etc/passwd",
        ),
        r"sources\.yaml:\d+:20: sources\[0\]\.archived_text: '\.\./\.\./\.\./\.\./etc/passwd' lies outside",
    ),
    "breakdown that does not add up": (
        _edit("factsheets/events.yaml", "value: 95", "value: 96"),
        r"events\.yaml:\d+:\d+: events\[2\]\.figures\[0\]\.breakdown: does not add up: 96 \+ 56 \+ 26 \+ 29 \+ 1 "
        r"= 208, but value is 207",
    ),
    "id with a path": (
        _new_file(ACTOR.format(id="../../etc/passwd")),
        r"extra\.yaml:2:9: actors\[0\]\.id: not a safe id",
    ),
    "id with a slash": (_new_file(ACTOR.format(id="a/b")), UNSAFE_ID),
    "id in upper case": (_new_file(ACTOR.format(id="Yusov")), UNSAFE_ID),
    "id with a space": (_new_file(ACTOR.format(id="'a b'")), UNSAFE_ID),
    "empty id": (_new_file(ACTOR.format(id="''")), UNSAFE_ID),
    "reserved id": (
        _new_file(ACTOR.format(id="index")),
        r"extra\.yaml:2:9: actors\[0\]\.id: 'index' is reserved: the page index\.html of each folder is its index",
    ),
    "quote that starts inside a word": (
        _edit("factsheets/claims.yaml", "Today there was a continuation", "oday there was a continuation"),
        r"claims\.yaml:\d+:\d+: claims\[0\]\.quote\.text: quote not found in source 'ukrinform-2024-01-31'",
    ),
    "javascript URL": (
        _new_file(SOURCE_WITH_URL.format(url="'javascript:alert(1)'")),
        r"extra\.yaml:8:10: sources\[0\]\.url: not a web address: only http:// and https:// URLs are allowed",
    ),
    "data URL": (
        _new_file(SOURCE_WITH_URL.format(url="'data:text/html,<script>alert(1)</script>'")),
        r"extra\.yaml:8:10: sources\[0\]\.url: not a web address",
    ),
    "only comments": (_new_file("# to be written\n"), r"extra\.yaml:1:1: file holds only comments"),
    "NUL byte": (
        _new_file(b"actors:\n  - id: a\x00b\n"),
        r"extra\.yaml:2:10: control character U\+0000 is not allowed in a YAML file \(delete it\)",
    ),
    "escape character written raw": (
        _new_file('actors:\n  - {id: a, name: "x\x1b[2Jy", kind: person}\n'),
        r"extra\.yaml:2:21: control character U\+001B is not allowed in a YAML file",
    ),
    "tag that does not fit the value": (
        _new_file('actors:\n  - {id: a, name: X, kind: !!int "abc"}\n'),
        r"extra\.yaml:2:28: actors\[0\]\.kind: 'abc' cannot be read as a whole number",
    ),
    "number of 5,000 digits": (
        _edit("factsheets/events.yaml", "value: 207", "value: " + "9" * 5000),
        FIGURE_VALUE + "a number of 5,000 digits is too long",
    ),
    "infinite number": (
        _edit("factsheets/events.yaml", "value: 207", "value: .inf"),
        FIGURE_VALUE + r"not a finite number \(YAML reads \.inf as infinity\)",
    ),
    "number too large": (
        _edit("factsheets/events.yaml", "value: 207", "value: 10000000000000000"),
        FIGURE_VALUE + "must be at most 1,000,000,000,000,000",
    ),
    "yes as a number": (
        _edit("factsheets/events.yaml", "value: 207", "value: yes"),
        FIGURE_VALUE + r"expected a number, found true \(YAML reads yes as true\)",
    ),
    "control character in an archived text": (
        _append("sources/ukrinform-2024-01-31.txt", "\n\nA bell\x07 rings.\n"),
        r"sources\.yaml:9:20: sources\[0\]\.archived_text: archived text 'sources/ukrinform-2024-01-31\.txt' "
        r"holds control character U\+0007 at line 25, column 7",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_is_reported_with_file_line_and_field(case, content_copy, capsys):
    break_content, expected = CASES[case]
    break_content(content_copy)
    assert factsheets(["check", str(content_copy)]) == 1
    errors = capsys.readouterr().err
    assert re.search(expected, errors), errors
    assert "Traceback" not in errors
    assert re.search(r"^\d+ problems? found\.$", errors, flags=re.MULTILINE)


def test_byte_order_mark_is_accepted(content_copy, capsys):
    actors = content_copy / "factsheets" / "actors.yaml"
    actors.write_bytes(b"\xef\xbb\xbf" + actors.read_bytes())
    assert factsheets(["check", str(content_copy)]) == 0, capsys.readouterr().err


def test_python_tags_are_refused_and_never_run(content_copy, tmp_path, capsys):
    marker = tmp_path / "pwned"
    _new_file(f'actors: !!python/object/apply:os.system ["touch {marker}"]\n')(content_copy)
    assert factsheets(["check", str(content_copy)]) == 1
    errors = capsys.readouterr().err
    assert "extra.yaml:1:9: actors: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed" in errors
    assert not marker.exists()


def test_alias_bomb_is_refused_quickly(content_copy, capsys):
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
    _new_file("\n".join(levels) + "\nactors: *a9\n")(content_copy)
    started = time.perf_counter()
    assert factsheets(["check", str(content_copy)]) == 1
    assert time.perf_counter() - started < 10
    errors = capsys.readouterr().err
    assert "anchors and aliases (&name, *name) are not allowed" in errors


def test_very_large_file_is_refused_with_a_clear_message(content_copy, capsys):
    _new_file("# padding\n" * 600_000)(content_copy)
    assert factsheets(["check", str(content_copy)]) == 1
    errors = capsys.readouterr().err
    assert re.search(r"extra\.yaml:1:1: file is 6,000,000 bytes, over the 5,242,880-byte limit", errors), errors


def test_every_problem_of_a_run_is_reported_together(content_copy, capsys):
    for case in ("unknown field", "invalid date", "missing archived text", "javascript URL"):
        CASES[case][0](content_copy)
    assert factsheets(["check", str(content_copy)]) == 1
    errors = capsys.readouterr().err
    assert "unknown field 'claimaint'" in errors
    assert "claims[0].claimant: missing required field" in errors
    assert "February 2024 has no day 30" in errors
    assert "archived text 'sources/missing.txt' not found" in errors
    assert "not a web address" in errors
    assert "5 problems found." in errors


def test_a_file_that_cannot_be_read_does_not_echo_as_unknown_references(content_copy, capsys):
    actors = content_copy / "factsheets" / "actors.yaml"
    lines = actors.read_text().splitlines(keepends=True)
    lines[4] = "\t" + lines[4]
    actors.write_text("".join(lines))
    assert factsheets(["check", str(content_copy)]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors[-1] == "1 problem found.", errors
    assert re.search(r"actors\.yaml:5:1: YAML syntax error: .*tab", errors[0])


def test_an_archived_text_of_blank_lines_fails_every_quote_cleanly(content_copy, capsys):
    (content_copy / "sources" / "ukrinform-2024-01-31.txt").write_text("\n \n\t\n")
    assert factsheets(["check", str(content_copy)]) == 1
    errors = capsys.readouterr().err
    assert "quote not found in source 'ukrinform-2024-01-31'" in errors
    assert "Traceback" not in errors
