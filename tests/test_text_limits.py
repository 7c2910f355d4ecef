"""What a text may hold, refused at `factsheets check` with its file, line and column: text longer than any page,
card or search result could show (each text field has a limit, stated in the format reference and the JSON Schema),
and characters XML cannot hold (they would make the feed not well-formed). What passes the check keeps every output
well-formed: the feed, the sitemap, the diagram's SVG and the JSON files.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree

import pytest
from test_hostile_input import check, shown, write_sheet
from test_safe_output import build

from factsheets import models
from factsheets.exports import FEED_FILE, factsheet_schema
from factsheets.reference import DOCUMENTED_RECORDS, format_reference

# 1. Lengths


def too_long(limit: int, found: int) -> str:
    return f"may be at most {limit:,} characters long; this text has {found:,}: "


@pytest.mark.parametrize(
    ("field", "limit"),
    [("name", 300), ("role", 300), ("description", 1_000)],
)
def test_an_over_long_name_is_refused_where_it_is_written(field, limit, content_copy, capsys):
    long_text = "Someone " * 2_500
    fields = {"name": "Someone", "kind": "person", field: long_text}
    record = "".join(f"    {name}: {value}\n" for name, value in fields.items())
    sheet = write_sheet(content_copy, "actors:\n  - id: someone\n" + record)
    code, errors = check(content_copy, capsys)
    assert code == 1
    line = 3 + list(fields).index(field)
    assert len(errors) == 2, errors
    assert errors[0].startswith(
        f"{shown(sheet)}:{line}:{len(field) + 7}: actors[0].{field}: {too_long(limit, len(long_text.strip()))}"
    ), errors


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            ["    same_as:", "      - https://example.org/" + "a" * 4_000_000],
            "actors[0].same_as[0]: a URL may be at most 2,000 characters long; this one has 4,000,020: ",
        ),
        (
            ["    same_as:", "      - https://www.wikidata.org/wiki/Q1", "      - https://www.wikidata.org/wiki/Q1"],
            "actors[0].same_as: 'https://www.wikidata.org/wiki/Q1' is listed twice: list each once",
        ),
        (
            ["    same_as:", *[f"      - https://example.org/{number}" for number in range(201)]],
            "actors[0].same_as: lists 201 items, more than the 200 a page can show",
        ),
    ],
    ids=["a URL of 4 MB", "a link listed twice", "201 links"],
)
def test_lists_and_links_no_page_could_show_are_refused(lines, message, content_copy, capsys):
    """A page shows every link and id a record lists: one of 4 MB, the same one twice or hundreds of them are
    refused (checked quickly, they still made a 12 MB page and data files of megabytes)."""
    sheet = write_sheet(
        content_copy, "actors:\n  - id: someone\n    name: Someone\n    kind: person\n" + "\n".join(lines)
    )
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert len(errors) == 2, errors
    assert errors[0].startswith(f"{shown(sheet)}:"), errors
    assert message in errors[0], errors


def test_an_over_long_statement_is_refused_where_it_is_written(content_copy, capsys):
    claims = content_copy / "factsheets" / "claims.yaml"
    text = claims.read_text()
    statement = re.search(r"(?m)^    statement: >-\n((?:      .*\n)+)", text)
    assert statement
    long_statement = "Russia said that the plane carried prisoners of war. " * 400  # 21,200 characters
    claims.write_text(text[: statement.start(1)] + f"      {long_statement}\n" + text[statement.end(1) :])
    line = text.count("\n", 0, statement.start(1)) + 1
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert len(errors) == 2, errors
    assert errors[0].startswith(
        f"{shown(claims)}:{line - 1}:16: claims[0].statement: " + too_long(1_000, len(long_statement))
    ), errors


def text_fields_of_documented_records() -> list[tuple[type, str]]:
    return [(model, name) for model in DOCUMENTED_RECORDS for name in sorted(models.text_fields(model))]


def test_every_text_field_states_its_limit_in_the_reference_and_the_schema():
    reference, schema = format_reference(), factsheet_schema()
    fields = text_fields_of_documented_records()
    assert len(fields) > 20
    for model, name in fields:
        row = re.search(rf"(?m)^### {model.__name__}\n(?:.*\n)*?\| `{name}` \| ([^|]*) \|", reference)
        assert row and re.search(r"at most [\d,]+ characters", row.group(1)), (model.__name__, name)
        field_schema = schema["$defs"][model.__name__]["properties"][name]
        options = [field_schema, *field_schema.get("anyOf", []), field_schema.get("items", {})]
        options += [option.get("items", {}) for option in field_schema.get("anyOf", [])]
        assert any("maxLength" in option for option in options), (model.__name__, name, field_schema)


# 2. Characters XML cannot hold

CHANGELOG = "    changelog:\n      - date: 2026-12-02\n        kind: update\n        change: {change}\n"


@pytest.mark.parametrize(
    ("written", "code_point"),
    [
        ('"Fixed \\uffff a typo."', 0xFFFF),
        ('"Fixed \\ufffe a typo."', 0xFFFE),
        ('"Fixed \\U0010ffff a typo."', 0x10FFFF),
        ("Fixed \ufdd0 a typo.", 0xFDD0),  # written as it is: YAML's reader lets it through
        ("Fixed \U0001fffe a typo.", 0x1FFFE),
    ],
    ids=["U+FFFF", "U+FFFE", "U+10FFFF", "raw U+FDD0", "raw U+1FFFE"],
)
def test_characters_xml_forbids_are_refused_where_they_are_written(written, code_point, content_copy, capsys):
    sheet = write_sheet(content_copy, "actors:\n  - id: someone\n    name: Someone\n    kind: person\n")
    sheet.write_text(sheet.read_text() + CHANGELOG.format(change=written), encoding="utf-8")
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert len(errors) == 2, errors
    assert errors[0].startswith(
        f"{shown(sheet)}:8:17: actors[0].changelog[0].change: noncharacter U+{code_point:04X} is not allowed ("
    ), errors


def test_a_noncharacter_in_a_key_is_refused(content_copy, capsys):
    sheet = write_sheet(content_copy, 'actors:\n  - {id: someone, name: Someone, kind: person, "ro\\uffffle": x}\n')
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert errors[0].startswith(f"{shown(sheet)}:2:48: actors[0]: noncharacter U+FFFF is not allowed ("), errors


def test_a_noncharacter_in_a_changelog_fails_the_build_and_no_feed_is_written(content_copy, tmp_path):
    actors = content_copy / "factsheets" / "actors.yaml"
    text = actors.read_text()
    line = "change: First published from the Ukrinform report of 31 January 2024."
    assert f"        {line}\n" in text
    actors.write_text(text.replace(line, 'change: "First published \\uffff from the Ukrinform report."', 1))
    output = tmp_path / "output"
    result = build(content_copy, output)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "actors.yaml:15:17: actors[0].changelog[0].change: noncharacter U+FFFF is not allowed" in result.stderr
    assert not (output / FEED_FILE).exists()


TRICKY = "A & B <b>x</b> ]]> \"q\" 'a' \\ \u2028 \u2029 \ufffd \U0010fffd \ue000 \ufeff \U0001f600 \u202e \t end"
"""Text that passes the check but has tripped XML and JSON writers: markup, CDATA's end, quotes, a backslash, line
and paragraph separators, the replacement character, private use, a byte-order mark, an astral character, a bidi
override, a tab."""


def double_quoted(text: str) -> str:
    """The text as a double-quoted YAML string, every character but printable ASCII escaped."""
    return '"' + "".join(c if " " <= c <= "~" and c not in '"\\' else f"\\U{ord(c):08x}" for c in text) + '"'


def strings_in(data: object) -> list[str]:
    if isinstance(data, dict):
        return [text for value in data.values() for text in strings_in(value)]
    if isinstance(data, list):
        return [text for value in data for text in strings_in(value)]
    return [data] if isinstance(data, str) else []


def test_text_that_passes_the_check_keeps_every_output_well_formed(content_copy, tmp_path):
    actors = content_copy / "factsheets" / "actors.yaml"
    text = actors.read_text()
    text = text.replace("name: Andrii Yusov", f"name: {double_quoted(TRICKY)}", 1)
    text = text.replace(
        "change: First published from the Ukrinform report of 31 January 2024.", f"change: {double_quoted(TRICKY)}", 1
    )
    actors.write_text(text, encoding="utf-8")
    output = tmp_path / "output"
    result = build(content_copy, output)
    assert result.returncode == 0, result.stderr

    feed = ElementTree.parse(output / FEED_FILE).getroot()
    assert TRICKY in [element.text for element in feed.iter("{http://www.w3.org/2005/Atom}summary")]
    ElementTree.parse(output / "sitemap.xml")
    diagram = re.search(r'<svg class="diagram".*?</svg>', (output / "diagram.html").read_text(), re.DOTALL)
    assert diagram, "no diagram"
    assert TRICKY in "".join(ElementTree.fromstring(diagram.group()).itertext())
    data_files = sorted(output.rglob("*.json"))
    assert len(data_files) > 3
    for path in data_files:
        json.loads(path.read_text(encoding="utf-8"))
    assert TRICKY in strings_in(json.loads((output / "data" / "factsheets.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize("code_point", [0xFFFF, 0xFDD0, 0x10FFFE])
def test_a_noncharacter_in_an_archived_text_is_refused_where_it_stands(code_point, content_copy, capsys):
    """An archived text is shown whole on its source's page: a noncharacter would make the page invalid HTML."""
    archived = content_copy / "sources" / "ukrinform-2024-01-31.txt"
    lines = archived.read_text(encoding="utf-8").count("\n")
    archived.write_text(archived.read_text(encoding="utf-8") + f"\nA mark{chr(code_point)} here.\n", encoding="utf-8")
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert any(
        f"archived text 'sources/ukrinform-2024-01-31.txt' holds noncharacter U+{code_point:04X} "
        f"at line {lines + 2}, column 7" in line
        for line in errors
    ), errors
