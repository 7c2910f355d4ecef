"""Files for crawlers and feed readers say what their text is, and point only where crawlers accept."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import yaml

from helpers import run_pelican

ATOM = "{http://www.w3.org/2005/Atom}"
MARKUP = '<a href="https://evil.example/">read this</a><img src=x onerror=alert(1)>'


def test_feed_summaries_are_plain_text_so_readers_never_render_markup(content_copy, tmp_path):
    claims = content_copy / "factsheets" / "claims.yaml"
    data = yaml.safe_load(claims.read_text())
    data["claims"][0]["changelog"] = [{"date": "2024-02-01", "kind": "update", "change": MARKUP}]
    claims.write_text(yaml.safe_dump(data, allow_unicode=True))
    output = tmp_path / "output"
    result = run_pelican(content_copy, output)
    assert result.returncode == 0, result.stderr
    entries = ElementTree.parse(output / "feeds" / "changes.atom.xml").getroot().findall(f"{ATOM}entry")
    summaries = [entry.find(f"{ATOM}summary") for entry in entries]
    assert summaries and all(summary is not None and summary.get("type") == "text" for summary in summaries)
    assert MARKUP in [summary.text for summary in summaries], "the words arrive whole, as text"
    titles = [entry.find(f"{ATOM}title") for entry in entries]
    assert all(title.get("type", "text") == "text" for title in titles)


def test_robots_names_a_sitemap_only_at_an_absolute_address(site):
    robots = (site / "robots.txt").read_text()  # built without SITEURL, as the preview is
    assert robots == "User-agent: *\nAllow: /\n"
