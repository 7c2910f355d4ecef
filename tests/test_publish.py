"""A publish build: absolute addresses from SITEURL where hosts and crawlers need them, relative links elsewhere."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ElementTree

import pytest

from helpers import BIN, CONTENT, ROOT, desk_settings_file, read_page

SITEURL = "https://example.org/fact-sheets"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def published(built_site, tmp_path_factory):
    """`SITEURL=... factsheets build -s publishconf.py`, with a desk's details set (the publishing gate asks for
    them, see test_publishing_gate.py): built once, read by the tests (and left as it was)."""
    settings = desk_settings_file(tmp_path_factory.mktemp("desk"))
    return built_site(settings=str(settings), tool="factsheets", env={"SITEURL": SITEURL})


def test_pages_carry_canonical_and_social_meta(published):
    for page in sorted(published.rglob("*.html")):
        name = str(page.relative_to(published))
        soup = read_page(published, name)
        description = soup.select_one("meta[name=description]")["content"]
        assert description and len(description) <= 200, name
        assert soup.select_one('meta[property="og:description"]')["content"] == description
        assert soup.select_one('meta[property="og:title"]')["content"] == soup.title.get_text().split(" · ")[0]
        card = soup.select_one('meta[property="og:image"]')
        if name.startswith("claims/") and name != "claims/index.html":  # a claim's own share card
            assert card["content"] == f"{SITEURL}/{name.removesuffix('.html')}.png"
            assert soup.select_one('meta[name="twitter:card"]')["content"] == "summary_large_image"
        else:
            assert card is None and soup.select_one('meta[name="twitter:card"]')["content"] == "summary"
        if name != "404.html":
            assert soup.select_one("link[rel=canonical]")["href"] == f"{SITEURL}/{name}"
            assert soup.select_one('meta[property="og:url"]')["content"] == f"{SITEURL}/{name}"


def test_links_between_pages_stay_relative(published):
    claim = read_page(published, "claims/ukrainian-pows-on-board-il76.html")
    hrefs = [a["href"] for a in claim.select("main a[href]")]
    assert "../actors/russian-defence-ministry.html" in hrefs
    assert not [href for href in hrefs if href.startswith(("/", SITEURL))]


def test_sitemap_lists_every_page_with_its_absolute_address(published):
    tree = ElementTree.parse(published / "sitemap.xml")
    locations = {element.text for element in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    pages = {f"{SITEURL}/{page.relative_to(published)}" for page in published.rglob("*.html")}
    assert locations == pages - {f"{SITEURL}/404.html"}


def test_robots_and_404(published):
    assert (published / "robots.txt").read_text() == f"User-agent: *\nAllow: /\nSitemap: {SITEURL}/sitemap.xml\n"
    not_found = read_page(published, "404.html")
    assert not_found.h1.get_text() == "Page not found"
    assert f"{SITEURL}/index.html" in [a["href"] for a in not_found.select("main a")]
    assert not_found.select_one("link[rel=stylesheet]")["href"] == f"{SITEURL}/theme/css/site.css"


def test_feed_lists_every_change_with_absolute_links(published):
    feed = ElementTree.parse(published / "feeds" / "changes.atom.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    # A first publication per claim, event, actor, source and member of the staff, and of the home page's overview;
    # four claims whose status changed, each with a line in its log and two entries of status history; a later line
    # in the logs of 2 events, 3 actors, 2 claims; the planned exchange's clarification (marked postponed); and the
    # wording brought back to the report on 8 December (1 actor, 3 claims).
    assert len(entries) == (11 + 3 + 12 + 1 + 3 + 1) + 4 * (1 + 2) + (2 + 3 + 2) + 1 + (1 + 3)
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]
    assert f"{SITEURL}/claims/ukrainian-pows-on-board-il76.html#changes" in links
    assert f"{SITEURL}/claims/ukrainian-pows-on-board-il76.html#status-2" in links
    updated = {entry.find(f"{ATOM}updated").text for entry in entries}
    assert updated == {f"2026-{day}T00:00:00+00:00" for day in ("11-25", "12-02", "12-08")}, "the desk's dates"
    home = read_page(published, "index.html")
    assert home.select_one('link[type="application/atom+xml"]')["href"] == "./feeds/changes.atom.xml"


def test_feed_stops_after_the_newest_changes(built_site):
    output = built_site(FEED_MAX_ITEMS=5)
    entries = ElementTree.parse(output / "feeds" / "changes.atom.xml").getroot().findall(f"{ATOM}entry")
    assert len(entries) == 5
    claim = read_page(output, "claims/ukrainian-pows-on-board-il76.html")
    assert claim.select("#changes li"), "the record's page keeps its whole changelog"


@pytest.mark.parametrize("siteurl", [None, "", "example.org/fact-sheets"])
def test_publishing_without_an_address_fails_and_leaves_the_output(published, siteurl):
    before = {str(path): path.read_bytes() for path in sorted(published.rglob("*")) if path.is_file()}
    env = {name: value for name, value in os.environ.items() if name != "SITEURL"}
    if siteurl is not None:
        env["SITEURL"] = siteurl
    for command in (
        [str(BIN / "factsheets"), "build", "-s", str(ROOT / "publishconf.py"), "-o", str(published), str(CONTENT)],
        [str(BIN / "pelican"), str(CONTENT), "-s", str(ROOT / "publishconf.py"), "-o", str(published)],
    ):
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines()[-1] == (
            "publishconf.py: set SITEURL to the address the site is published at, "
            "e.g. SITEURL=https://example.org make publish"
        )
        assert {str(path): path.read_bytes() for path in sorted(published.rglob("*")) if path.is_file()} == before
