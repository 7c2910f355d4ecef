"""What readers get is safe and stable: escaped content, no lost output, byte-identical builds."""

from __future__ import annotations

import hashlib
import json
import subprocess
import typing
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import yaml
from bs4 import BeautifulSoup

from factsheets import models
from helpers import BIN, ROOT, accept_edited_archive, copy_of_build, desk_settings_file, run_pelican

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


def build(content: Path, output: Path, settings: str = "pelicanconf.py") -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "factsheets"), "build", "-s", str(ROOT / settings), "-o", str(output), str(content)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_a_failed_build_leaves_the_last_good_output_as_it_was(content_copy, tmp_path, built_site):
    output = copy_of_build(built_site(tool="factsheets"), tmp_path / "output")  # the last good build
    (output / "CNAME").write_text("facts.example.org\n")
    before = tree_digest(output)
    claims = content_copy / "factsheets" / "claims.yaml"
    claims.write_text(claims.read_text().replace("status: unverified", "status: nonsense", 1))
    result = build(content_copy, output)
    assert result.returncode == 1
    assert "'nonsense' is not allowed" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(output) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["content", "output"], "no staging folder left"


def test_pelican_itself_fails_before_cleaning_the_output(content_copy, tmp_path, monkeypatch, built_site):
    monkeypatch.setenv("SITEURL", "https://example.org/fact-sheets")  # publishconf.py needs it
    output = copy_of_build(built_site(tool="factsheets"), tmp_path / "output")  # the last good build
    before = tree_digest(output)
    events = content_copy / "factsheets" / "events.yaml"
    events.write_text(events.read_text().replace("value: 95", "value: 96", 1))
    result = run_pelican(content_copy, output, settings="publishconf.py", overrides={"DELETE_OUTPUT_DIRECTORY": True})
    assert result.returncode == 1
    assert "breakdown: does not add up" in result.stderr
    assert tree_digest(output) == before


def test_a_good_build_replaces_the_output_and_keeps_retained_files(content_copy, tmp_path, built_site):
    output = copy_of_build(built_site(tool="factsheets"), tmp_path / "output")  # an earlier build
    (output / "CNAME").write_text("facts.example.org\n")
    (output / "stale.html").write_text("a page whose record was deleted")
    assert build(content_copy, output).returncode == 0
    assert (output / "CNAME").read_text() == "facts.example.org\n"
    assert not (output / "stale.html").exists()
    assert (output / "index.html").is_file()
    assert oct(output.stat().st_mode & 0o777) == "0o755"


def test_builds_are_byte_identical(content_copy, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert build(content_copy, first).returncode == 0
    assert build(content_copy, second).returncode == 0
    assert tree_digest(first) == tree_digest(second)


NOT_PAYLOAD = {(models.Quote, "text"), (models.Source, "archived_text")}
"""Text that must stay as it is: a quote is checked against its source, archived_text names a file."""


def _inject(model: type[models.Record], record: dict) -> None:
    """Append the payload to every free-text field the model declares, recursively."""
    text = models.text_fields(model)
    for name, info in model.model_fields.items():
        value = record.get(name)
        if value is None or (model, name) in NOT_PAYLOAD:
            continue
        if name in text:
            record[name] = [item + PAYLOAD for item in value] if isinstance(value, list) else value + PAYLOAD
            continue
        nested = [arg for arg in typing.get_args(info.annotation) if arg is not type(None)]
        inner = nested[0] if nested else info.annotation
        if isinstance(inner, type) and issubclass(inner, models.Record):
            for item in value if isinstance(value, list) else [value]:
                _inject(inner, item)


def test_markup_in_every_text_field_is_shown_as_text(content_copy, tmp_path):
    archived = content_copy / "sources" / "ukrinform-2024-01-31.txt"
    archived.write_text(archived.read_text() + "\n\nSomeone said " + PAYLOAD + "\n")
    accept_edited_archive(content_copy)
    for path in sorted((content_copy / "factsheets").glob("*.yaml")):
        data = yaml.load(path.read_text(), Loader=yaml.BaseLoader)
        _inject(models.FactSheet, data)
        if data.get("claims"):
            data["claims"][0]["quote"]["text"] = "Someone said " + PAYLOAD
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
    output = tmp_path / "output"
    result = build(content_copy, output)
    assert result.returncode == 0, result.stderr
    shown = 0
    for page in sorted(output.rglob("*.html")):
        html = page.read_text()
        soup = BeautifulSoup(html, "html.parser")
        for script in soup.find_all("script"):
            if script.get("src"):  # the search page's own script, from the theme
                assert (page.name, script["src"]) == ("search.html", "./theme/js/search.js")
                continue
            assert script.get("type") == "application/ld+json", page
            assert "<" not in script.string, "markup inside JSON-LD is escaped"
            shown += json.dumps(json.loads(script.string)).count("alert(1)")
        assert not soup.find("img"), page
        assert not [tag for tag in soup.find_all(True) if any(attr.startswith("on") for attr in tag.attrs)], page
        shown += soup.get_text().count(PAYLOAD)
    assert shown > 100, "the payload is shown as text"
    feed = ElementTree.parse(output / "feeds" / "changes.atom.xml").getroot()
    titles = [entry.findtext("{http://www.w3.org/2005/Atom}title") for entry in feed]
    assert any(title and PAYLOAD in title for title in titles), "the feed carries the payload as text"
    dataset = json.loads((output / "data" / "factsheets.json").read_text())
    assert dataset["records"]["claims"][0]["statement"].endswith(PAYLOAD)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["content", "output"], "nothing written beside output/"


def test_external_links_and_content_security_policy(site):
    for page in sorted(site.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        policy = soup.select_one('meta[http-equiv="Content-Security-Policy"]')
        assert policy and "default-src 'none'" in policy["content"], page
        for link in soup.select('a[href^="http"]'):
            assert {"noopener", "noreferrer"} <= set(link.get("rel", [])), (page, link)


def test_plain_pelican_with_the_publish_settings_empties_no_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SITEURL", "https://example.org/fact-sheets")
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "notes.txt").write_text("an editor's own file")
    (tmp_path / "desk").mkdir()
    settings = desk_settings_file(tmp_path / "desk")  # publishconf.py with a desk's details: the gate lets it through
    result = subprocess.run(
        [str(BIN / "pelican"), str(ROOT / "content"), "-o", str(folder), "-s", str(settings)],
        cwd=tmp_path,  # the publish settings find their project's pelicanconf.py from any folder
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (folder / "notes.txt").read_text() == "an editor's own file"
    assert (folder / "index.html").is_file()
