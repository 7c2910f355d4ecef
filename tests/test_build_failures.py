"""Broken copies of the content: the build fails with a message naming the file, line and field."""

from __future__ import annotations

import re

import pytest

from helpers import run_check, run_pelican


def _replace_once(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_quote_altered_by_one_word_fails_the_build(content_copy, tmp_path):
    claims = content_copy / "factsheets" / "claims.yaml"
    _replace_once(claims, "Russian Defense Ministry claimed that", "Russian Defense Ministry said that")
    output = tmp_path / "output"
    result = run_pelican(content_copy, output)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    match = re.search(
        r"claims\.yaml:(\d+):\d+: claims\[(\d+)\]\.quote\.text: quote not found in source "
        r"'ukrinform-2024-01-31'",
        result.stderr,
    )
    assert match, result.stderr
    line = int(match.group(1))
    assert "Defense Ministry said that" in "".join(claims.read_text().splitlines(True)[line - 1 : line + 2])
    assert "closest passage in the source" in result.stderr
    assert not output.exists() or not any(output.rglob("*.html"))


def test_a_breakdown_that_does_not_add_up_fails_the_build(content_copy, tmp_path):
    events = content_copy / "factsheets" / "events.yaml"
    _replace_once(events, "value: 95", "value: 96")
    result = run_pelican(content_copy, tmp_path / "output")
    assert result.returncode != 0
    assert re.search(
        r"events\.yaml:\d+:\d+: events\[\d+\]\.figures\[0\]\.breakdown: does not add up: "
        r"96 \+ 56 \+ 26 \+ 29 \+ 1 = 208, but value is 207",
        result.stderr,
    ), result.stderr
    assert "Traceback" not in result.stderr


def test_check_reports_every_problem_in_one_run(content_copy):
    claims = content_copy / "factsheets" / "claims.yaml"
    _replace_once(claims, "claimant: russian-defence-ministry", "claimant: russian-defense-ministry")
    _replace_once(claims, "status: unverified", "status: contested")
    result = run_check(content_copy)
    assert result.returncode == 1
    assert "unknown actor 'russian-defense-ministry' (did you mean 'russian-defence-ministry'" in result.stderr
    assert "'contested' is not allowed" in result.stderr
    assert "2 problems found." in result.stderr


def test_check_passes_on_the_real_content(tmp_path):
    from helpers import CONTENT

    result = run_check(CONTENT)
    assert result.returncode == 0, result.stderr
    assert "no problems" in result.stdout


def test_an_archived_text_that_cannot_be_read_is_a_problem_not_a_crash(content_copy, monkeypatch):
    from pathlib import Path

    from factsheets.pipeline import read_site
    from factsheets.problems import ContentError

    read_bytes = Path.read_bytes

    def refused(path, *args, **kwargs):
        if path.name == "ukrinform-2024-01-31.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return read_bytes(path, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", refused)  # as root, file permissions refuse nothing
    with pytest.raises(ContentError) as raised:
        read_site(content_copy, workers=1)
    problems = [str(problem) for problem in raised.value.problems]
    assert len(problems) == 1, problems
    assert re.search(
        r"sources\.yaml:\d+:\d+: sources\[0\]\.archived_text: archived text 'sources/ukrinform-2024-01-31\.txt' "
        r"could not be read: Permission denied",
        problems[0],
    ), problems
