"""Hostile and careless input: one clear problem (file:line:column, field) each, exit 1, never a traceback.

`factsheets check`, `factsheets build` and the preview share loading, validation and the quote check,
so most cases run the check; those that once got past it and broke the build run the build too.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from pydantic import TypeAdapter
from test_safe_output import build, tree_digest

from factsheets import load, models, resolve
from factsheets.cli import main as factsheets
from factsheets.pipeline import read_site
from helpers import ROOT, accept_edited_archive, run_check, run_pelican

ACTOR = "actors:\n  - id: someone\n    name: Someone\n    kind: person\n"


def write_sheet(content: Path, text: str, name: str = "extra.yaml") -> Path:
    path = content / "factsheets" / name
    path.write_text(text, encoding="utf-8")
    return path


def check(content: Path, capsys) -> tuple[int, list[str]]:
    """Run `factsheets check` on content; its exit code and the lines it printed on stderr."""
    code = factsheets(["check", "--no-cache", str(content)])
    errors = capsys.readouterr().err
    assert "Traceback" not in errors
    # Warnings (a claim the desk has not signed yet) are not what these tests are about: left out.
    lines = [line for line in errors.splitlines() if ": warning: " not in line]
    if code:
        assert re.fullmatch(r"\d+ problems?( and \d+ warnings?)? found\.", lines[-1]), errors
        lines[-1] = re.sub(r" and \d+ warnings?", "", lines[-1])
    return code, lines


def shown(path: Path) -> str:
    """A path as problems show it: relative to the working folder (the project's root in the tests)."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def assert_build_fails_and_keeps_output(content: Path, output: Path, *expected: str) -> str:
    """The build fails with the expected lines on stderr, and the last good output stays as it was."""
    before = tree_digest(output)
    result = build(content, output)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    for line in expected:
        assert line in result.stderr, result.stderr
    assert tree_digest(output) == before
    return result.stderr


# 1. Control characters


def test_control_characters_are_refused_where_they_are_written(content_copy, capsys):
    sheet = write_sheet(
        content_copy,
        "actors:\n"
        "  - id: someone\n"
        '    name: "Some\\x01one"\n'
        "    kind: person\n"
        '    role: "next \\u0085 line"\n'
        '    description: "a tab\\there, a line break\\nthere and a return\\r are fine"\n'
        '    same_as: ["https://example.org/\\x7f"]\n'
        '  - {id: other, name: "\\e[31mred", kind: person, "ro\\ble": x}\n',
    )
    code, errors = check(content_copy, capsys)
    assert code == 1
    where, hint = shown(sheet), " (delete it: of the control characters, only tab and line breaks are allowed)"
    assert errors[:-1] == [
        f"{where}:3:11: actors[0].name: control character U+0001 is not allowed{hint}",
        f"{where}:5:11: actors[0].role: control character U+0085 is not allowed{hint}",
        f"{where}:7:15: actors[0].same_as[0]: control character U+007F is not allowed{hint}",
        f"{where}:8:23: actors[1].name: control character U+001B is not allowed{hint}",
        f"{where}:8:50: actors[1]: control character U+0008 is not allowed{hint}",
    ]


def test_a_control_character_fails_the_build_before_anything_is_written(content_copy, tmp_path):
    output = tmp_path / "output"
    assert build(content_copy, output).returncode == 0
    actors = content_copy / "factsheets" / "actors.yaml"
    actors.write_text(actors.read_text().replace("name: Andrii Yusov", 'name: "Andrii\\x01 Yusov"', 1))
    assert_build_fails_and_keeps_output(
        content_copy, output, "actors.yaml:4:11: actors[0].name: control character U+0001 is not allowed"
    )


# 2. Deep nesting

TOO_DEEP = "nested more than 32 levels deep (the format needs only a few levels: look for unclosed brackets)"


@pytest.mark.parametrize("depth", [33, 300, 900])
def test_a_list_nested_too_deep_in_a_record_is_refused(depth, content_copy, capsys):
    sheet = write_sheet(content_copy, f"claims:\n  - id: deep\n    evidence: {'[' * depth}x{']' * depth}\n")
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert f"{shown(sheet)}:3:44: claims[0].evidence{'[0]' * 29}: {TOO_DEEP}" in errors


def test_deep_nesting_fails_the_build_before_anything_is_written(content_copy, tmp_path):
    output = tmp_path / "output"
    assert build(content_copy, output).returncode == 0
    block = "".join(" " * (6 + 2 * level) + "-\n" for level in range(600))
    write_sheet(content_copy, f"claims:\n  - id: deep\n    evidence:\n{block}")
    assert_build_fails_and_keeps_output(content_copy, output, f"extra.yaml:33:65: claims[0].evidence{'[0]' * 29}:")


@pytest.mark.parametrize(
    "text",
    ["a: " + "[" * 100_000 + "]" * 100_000, "[" * 5_000_000, "- " * 100_000 + "x", "{a: " * 100_000],
    ids=["flow list", "5 MB of brackets", "block list", "flow mapping"],
)
def test_a_file_nested_thousands_deep_is_refused_without_recursion(text, content_copy, capsys):
    sheet = write_sheet(content_copy, text)
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert re.fullmatch(rf"{re.escape(shown(sheet))}:\d+:\d+: {re.escape(TOO_DEEP)}", errors[0]), errors


def test_without_a_limit_in_the_yaml_parser_deep_nesting_is_refused_before_composing(content_copy, capsys, monkeypatch):
    """PyYAML's own Python parser (no libyaml), or a libyaml without its nesting limit: the depth is
    measured from the parser's events, one at a time, before the composer recurses into the nodes."""
    monkeypatch.setattr(load, "_Loader", yaml.SafeLoader)
    monkeypatch.setattr(load, "_parser_limits_nesting", lambda: False)
    sheet = write_sheet(content_copy, "claims:\n  - id: deep\n    evidence: " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert errors[0] == f"{shown(sheet)}:3:44: {TOO_DEEP}"


# 3. Words YAML 1.1 reads as booleans, numbers or nothing


def test_a_word_yaml_reads_as_a_boolean_or_a_number_gets_a_hint_to_quote_it(content_copy, capsys):
    sheet = write_sheet(
        content_copy,
        "sources:\n"
        "  - id: second-source\n"
        "    title: 1.0\n"
        "    publisher: ukrinform\n"
        "    date: 2024\n"
        "    language: no\n"
        "    archived_text: sources/ukrinform-2024-01-31.txt\n"
        "actors:\n"
        "  - {id: someone, name: null, kind: yes}\n"
        "  - {id: other, name: True, kind: persn}\n",
    )
    code, errors = check(content_copy, capsys)
    assert code == 1
    where = shown(sheet)
    kinds = "'person', 'organisation', 'state', 'group' or 'anonymous'"
    assert errors[:-1] == [
        f"{where}:3:12: sources[0].title: expected text, found the number 1.0 "
        "(YAML reads 1.0 as a number: write it in quotes ('1.0'))",
        f"{where}:5:11: sources[0].date: expected text, found the number 2024 "
        "(YAML reads 2024 as a number: write it in quotes ('2024'))",
        f"{where}:6:15: sources[0].language: expected text, found false "
        "(YAML reads no as false: write it in quotes ('no'))",
        f"{where}:9:25: actors[0].name: expected text, found nothing "
        "(YAML reads null as nothing: write it in quotes ('null'))",
        f"{where}:9:37: actors[0].kind: 'yes' is not allowed (YAML reads yes as true; expected {kinds})",
        f"{where}:10:23: actors[1].name: expected text, found true "
        "(YAML reads True as true or false, not as text: write it in quotes ('True'))",
        f"{where}:10:35: actors[1].kind: 'persn' is not allowed (expected {kinds}; did you mean 'person'?)",
    ]


def test_a_status_yaml_reads_as_false_says_so(content_copy, capsys):
    claims = content_copy / "factsheets" / "claims.yaml"
    claims.write_text(claims.read_text().replace("status: uncontested", "status: false", 1))
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert errors[0].endswith(
        ":13:13: claims[0].status: 'false' is not allowed (YAML reads false as true or false, not as text; "
        "expected 'confirmed', 'uncontested', 'unverified', 'disputed' or 'refuted')"
    ), errors


# 4. Fact-sheet files that cannot be read


def refuse_reading(path: Path, monkeypatch) -> None:
    """Make path unreadable: by its permissions, or for root (whom they do not stop) by failing every
    way of opening it with the error the permissions would give."""
    path.chmod(0)
    if os.geteuid() != 0:
        return

    def refused(opened) -> bool:
        return Path(os.fsdecode(opened)).resolve() == path.resolve() if isinstance(opened, str | Path) else False

    def os_open(opened, *args, **kwargs):
        if refused(opened):
            raise PermissionError(errno.EACCES, "Permission denied", str(opened))
        return real_os_open(opened, *args, **kwargs)

    def path_open(self, *args, **kwargs):
        if refused(self):
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_path_open(self, *args, **kwargs)

    real_os_open, real_path_open = os.open, Path.open
    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(Path, "open", path_open)


@pytest.mark.parametrize("cache", [True, False], ids=["with the cache", "without"])
def test_a_fact_sheet_that_cannot_be_read_is_a_problem_of_its_own(cache, content_copy, tmp_path, capsys, monkeypatch):
    actors = content_copy / "factsheets" / "actors.yaml"
    refuse_reading(actors, monkeypatch)
    cache_option = ["--cache-dir", str(tmp_path / "cache")] if cache else ["--no-cache"]
    assert factsheets(["check", *cache_option, str(content_copy)]) == 1
    errors = capsys.readouterr().err
    assert "Traceback" not in errors
    assert f"{shown(actors)}:1:1: file cannot be read: Permission denied" in errors.splitlines()


def test_a_fifo_named_like_a_fact_sheet_is_reported_and_never_waited_for(content_copy, capsys):
    fifo = content_copy / "factsheets" / "pipe.yaml"
    os.mkfifo(fifo)
    (content_copy / "factsheets" / ".#claims.yaml").symlink_to("editor@host.1234:1700000000")  # an Emacs lock
    (content_copy / "factsheets" / "folder.yaml").mkdir()
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert errors == [f"{shown(fifo)}:1:1: file cannot be read: not a regular file but a FIFO", "1 problem found."]


# 5. File names that would rewrite the terminal


def test_file_names_are_shown_with_their_control_characters_escaped(content_copy, capsys):
    folder = content_copy / "factsheets"
    (folder / "evil\x1b]0;owned\x07\x1b[2J.yaml").write_text("")
    (folder / "line\nbreak\u202e.yaml").write_text("actors: {}\n")
    code, errors = check(content_copy, capsys)
    assert code == 1
    where = shown(folder)
    assert errors == [
        f"{where}/evil\\x1b]0;owned\\x07\\x1b[2J.yaml:1:1: file is empty (write a mapping such as 'claims: [...]')",
        f"{where}/line\\nbreak\\u202e.yaml:1:9: actors: expected a list of actors, found a mapping",
        "2 problems found.",
    ]


# 6. Links that leave the content folder, or the theme


def test_a_fact_sheet_linking_outside_the_content_folder_is_refused_and_never_read(content_copy, tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("actors: [not read]\n")
    (outside / "folder").mkdir()
    (outside / "folder" / "more.yaml").write_text("actors: [not read either]\n")
    sheet, folder = content_copy / "factsheets" / "secret.yaml", content_copy / "factsheets" / "folder"
    sheet.symlink_to(outside / "secret.yaml")
    folder.symlink_to(outside / "folder")
    code, errors = check(content_copy, capsys)
    assert code == 1
    hint = " (copy what it links to into the content folder)"
    assert errors == [
        f"{shown(folder)}:1:1: links outside the content folder: {outside / 'folder'}{hint}",
        f"{shown(sheet)}:1:1: links outside the content folder: {outside / 'secret.yaml'}{hint}",
        "2 problems found.",
    ]


def test_links_that_stay_inside_the_content_folder_are_fine(content_copy, capsys):
    shared = content_copy / "shared"
    shared.mkdir()
    (content_copy / "factsheets" / "actors.yaml").rename(shared / "actors.yaml")
    (content_copy / "factsheets" / "actors.yaml").symlink_to("../shared/actors.yaml")
    (content_copy / "sources" / "ukrinform-2024-01-31.txt").rename(shared / "report.txt")
    (content_copy / "sources" / "ukrinform-2024-01-31.txt").symlink_to(shared / "report.txt")
    assert check(content_copy, capsys)[0] == 0


def test_an_archived_text_linking_outside_the_content_folder_is_refused(content_copy, tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("Today there was a continuation of the exchange.\n")
    archived = content_copy / "sources" / "ukrinform-2024-01-31.txt"
    archived.unlink()
    archived.symlink_to(secret)
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert errors == [
        f"{shown(content_copy / 'factsheets' / 'sources.yaml')}:9:20: sources[0].archived_text: "
        f"archived text 'sources/ukrinform-2024-01-31.txt' links outside the content folder: {secret}",
        f"{shown(archived)}:1:1: links outside the content folder: {secret} "
        "(copy what it links to into the content folder)",
        "2 problems found.",
    ]


def test_a_link_leaving_the_content_folder_fails_the_build(content_copy, tmp_path):
    output = tmp_path / "output"
    assert build(content_copy, output).returncode == 0
    (content_copy / "factsheets" / "passwd.yaml").symlink_to("/etc/passwd")
    assert_build_fails_and_keeps_output(
        content_copy, output, "passwd.yaml:1:1: links outside the content folder: /etc/passwd"
    )


def test_a_theme_file_linking_outside_the_theme_fails_the_build(content_copy, tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    (theme / "static" / "passwd").symlink_to("/etc/passwd")
    (theme / "static" / "etc").symlink_to("/etc")
    (theme / "templates" / "environ.html").symlink_to("/proc/self/environ")
    (theme / "static" / "css" / "print.css").symlink_to("site.css")  # stays inside: fine
    output = tmp_path / "output"
    result = run_pelican(content_copy, output, overrides={"THEME": str(theme)})
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    hint = " (copy what it links to into the theme folder)"
    lines = result.stderr.splitlines()
    assert lines[-4:-2] == [
        f"{theme}/static/etc:1:1: links outside the theme folder: /etc{hint}",
        f"{theme}/static/passwd:1:1: links outside the theme folder: /etc/passwd{hint}",
    ], result.stderr
    environ = rf"{re.escape(str(theme))}/templates/environ\.html:1:1: links outside the theme folder: /proc/\d+/environ"
    assert re.fullmatch(environ + re.escape(hint), lines[-2]), result.stderr
    assert lines[-1] == "3 problems found."
    assert not output.exists() or not any(output.rglob("*"))


# 7. URLs

SOURCE_WITH_URL = (
    "sources:\n  - id: second-source\n    title: Second\n    publisher: ukrinform\n    date: 2024-02-01\n"
    "    language: en\n    archived_text: sources/ukrinform-2024-01-31.txt\n    url: {url}\n"
)
HIDDEN = "a URL may not contain spaces, control characters or invisible formatting"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "https://user:secret@example.org/",
            "a URL may not carry a user name or password (user:password@ before the host)",
        ),
        (
            "https://example.org@evil.example/",
            "a URL may not carry a user name or password (user:password@ before the host)",
        ),
        ("https://example.org/\u202egpj.exe", f"{HIDDEN} (found U+202E)"),
        ('"https://example.org/\\u2066x"', f"{HIDDEN} (found U+2066)"),
        ('"https://example.org/\\u200ex"', f"{HIDDEN} (found U+200E)"),
        ('"https://example.org/\\u00a0x"', f"{HIDDEN} (found U+00A0)"),
    ],
    ids=["credentials", "user name", "right-to-left override", "isolate", "left-to-right mark", "no-break space"],
)
def test_urls_with_credentials_or_hidden_characters_are_refused(url, message, content_copy, capsys):
    sheet = write_sheet(content_copy, SOURCE_WITH_URL.format(url=url))
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert errors == [f"{shown(sheet)}:8:10: sources[0].url: {message}", "1 problem found."]


@pytest.mark.parametrize("character", ["\x7f", "\x85", "\x9b", "\x01"])
def test_urls_with_controls_are_refused_by_the_format_itself(character):
    with pytest.raises(ValueError, match=f"found U\\+{ord(character):04X}"):
        TypeAdapter(models.WebUrl).validate_python(f"https://example.org/{character}x")


# 8. Ids unique on every page

TWO_FIGURES = """            value: 3
        claim: ukrainian-pows-on-board-il76
      - id: dup
        label: A figure
        value: 1
        unit: people
        according_to: ukrinform
        quote: {source: ukrinform-2024-01-31, text: Today there was a continuation}
      - id: dup-label
        label: Another figure
        value: 2
        unit: people
        according_to: ukrinform
        quote: {source: ukrinform-2024-01-31, text: the exchange that was supposed to take place}
    sources:"""


def duplicate_ids(output: Path) -> dict[str, list[str]]:
    """The ids that stand more than once on a page, by page."""
    duplicates = {}
    for page in sorted(output.rglob("*.html")):
        ids = [tag["id"] for tag in BeautifulSoup(page.read_text(), "html.parser").find_all(id=True)]
        repeated = sorted({element_id for element_id in ids if ids.count(element_id) > 1})
        if repeated:
            duplicates[str(page.relative_to(output))] = repeated
    return duplicates


def test_element_ids_stay_unique_whatever_the_record_ids(content_copy, tmp_path):
    events = content_copy / "factsheets" / "events.yaml"
    text = events.read_text()
    assert "            value: 3\n        claim: ukrainian-pows-on-board-il76\n    sources:" in text
    events.write_text(
        text.replace("            value: 3\n        claim: ukrainian-pows-on-board-il76\n    sources:", TWO_FIGURES, 1)
    )
    output = tmp_path / "output"
    result = build(content_copy, output)
    assert result.returncode == 0, result.stderr
    assert duplicate_ids(output) == {}
    event = BeautifulSoup((output / "events" / "il76-crash-belgorod.html").read_text(), "html.parser")
    for figure_id in ("dup", "dup-label"):
        section = event.find(id=f"figure-{figure_id}")
        assert section.h3["id"] == section["aria-labelledby"] == f"figure-{figure_id}--label"


def test_quotes_whose_digests_begin_alike_get_anchors_of_their_own(content_copy, monkeypatch):
    """A quote's anchor is the start of a digest of its words: two quotes whose digests begin alike (which
    an editor can make happen on purpose) still get distinct anchors on their source's page."""

    class SameDigest:
        def __init__(self, data: bytes) -> None:
            pass

        def hexdigest(self) -> str:
            return "0" * 40

    monkeypatch.setattr(resolve.hashlib, "sha1", SameDigest)
    site = read_site(content_copy, cache_dir=None, workers=1)
    anchors = [quote.anchor for quote in site.sources[0].quotes]
    assert len(anchors) > 10
    assert sorted(anchors) == sorted(set(anchors))
    assert "quote-0000000000" in anchors and "quote-0000000000-2" in anchors


# 9. Bounds on quotes and archived texts

ARCHIVED = "sources/ukrinform-2024-01-31.txt"
CLAIM_QUOTE = (
    "      text: >-\n        Today there was a continuation of the exchange that was supposed to take\n"
    "        place on January 24.\n"
)


def replace_first_quote(content: Path, text: str) -> Path:
    claims = content / "factsheets" / "claims.yaml"
    old = claims.read_text()
    assert CLAIM_QUOTE in old
    claims.write_text(old.replace(CLAIM_QUOTE, f"      text: {text}\n", 1))
    return claims


def test_a_quote_of_a_megabyte_is_refused_as_too_long(content_copy, capsys):
    quote = " ".join(["words not in the source"] * 41_667)
    claims = replace_first_quote(content_copy, quote)
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert len(quote) == 1_000_007
    assert errors == [
        f"{shown(claims)}:20:13: claims[0].quote.text: a quote may be at most 2,000 characters long; "
        "this one has 1,000,007: quote the words that matter",
        "1 problem found.",
    ]


def test_a_long_quote_not_in_a_long_source_is_still_reported(content_copy, capsys):
    archived = content_copy / ARCHIVED
    report = archived.read_text()
    archived.write_text(report + "\n\n" + "\n\n".join([report] * (1_900_000 // len(report))))
    accept_edited_archive(content_copy)
    claims = replace_first_quote(content_copy, " ".join(["Today there was a continuation, not"] * 55))
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert errors[0].startswith(
        f"{shown(claims)}:20:13: claims[0].quote.text: quote not found in source 'ukrinform-2024-01-31'"
    ), errors
    assert errors[1:] == ["1 problem found."]


def test_an_archived_text_over_the_size_limit_is_refused_on_its_field(content_copy, capsys):
    archived = content_copy / ARCHIVED
    archived.write_text(archived.read_text() + "\n" + "Padding words. " * 210_000)
    code, errors = check(content_copy, capsys)
    assert code == 1
    assert errors == [
        f"{shown(content_copy / 'factsheets' / 'sources.yaml')}:9:20: sources[0].archived_text: archived text "
        f"'{ARCHIVED}' is {archived.stat().st_size:,} bytes, over the 2,097,152-byte limit "
        "(archive the article's own words, not the whole page or a whole book)",
        "1 problem found.",
    ]


def test_thousands_of_unknown_references_are_all_reported_and_only_the_first_get_suggestions(content_copy):
    from factsheets.resolve import MAX_SUGGESTIONS

    actors = "".join(
        f"  - id: actor-number-{number:06d}\n    name: Actor {number}\n    kind: person\n"
        f"    affiliation: actr-numbr-{number:06d}x\n"
        for number in range(600)
    )
    (content_copy / "factsheets" / "many.yaml").write_text("actors:\n" + actors)
    result = run_check(content_copy)
    assert result.returncode == 1
    unknown = [line for line in result.stderr.splitlines() if ": unknown actor 'actr-numbr-" in line]
    assert len(unknown) == 600
    assert sum("did you mean" in line for line in unknown) == MAX_SUGGESTIONS
    assert "did you mean 'actor-number-000000'" in unknown[0]


def test_an_archived_text_path_too_long_for_the_file_system_is_a_problem(content_copy):
    sources = content_copy / "factsheets" / "sources.yaml"
    long_name = "sources/" + "a" * 5000 + ".txt"
    sources.write_text(re.sub(r"archived_text: \S+", f"archived_text: {long_name}", sources.read_text(), count=1))
    result = run_check(content_copy)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "sources[0].archived_text: archived text 'sources/aaaa" in result.stderr
    assert "could not be read: File name too long" in result.stderr
