"""The generator is not tied to one article: a different event builds with no code change."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest

from helpers import FIXTURES, BuiltSites, read_page

# The site's name is a setting of each site (pelicanconf.py names this project's); the code carries none.
OTHER_SITE = {"SITENAME": "Riverton flood fact sheets"}


@pytest.fixture(scope="module")
def output(built_site: BuiltSites) -> Path:
    """The other event's fact sheets built with this project's settings, theme and plugin (the tests only read it)."""
    return built_site(FIXTURES / "other-event", **OTHER_SITE)


def test_a_different_event_builds_into_linked_pages(output):
    home = read_page(output, "index.html")
    assert "Il-76" not in home.get_text()
    claim_pages = sorted((output / "claims").glob("*.html"))
    assert len(claim_pages) == 6  # four claims, a draft (a plain build keeps it: test_drafts.py) and the index
    disputed = read_page(output, "claims/failure-caused-by-rainfall.html")
    assert disputed.select_one(".status").get_text(strip=True) == "Disputed"
    responder = disputed.select_one("ol.responses > li a")["href"]
    actor_page = read_page(output, "claims/" + responder)
    assert any(a["href"].startswith("../claims/failure-caused-by-rainfall.html") for a in actor_page.select("a[href]"))
    figure_rows = read_page(output, "events/riverton-evacuation.html").select("section.figure tbody tr")
    assert len(figure_rows) == 3


def test_quotes_link_to_the_passage_on_the_original_site_and_the_archived_copy(output):
    figure = read_page(output, "claims/failure-caused-by-rainfall.html").select_one("#claim-quote")
    original = figure.figcaption.find("a", string="on the original site")
    href = original["href"]
    assert href.startswith("https://riverton-gazette.example/2023/03/12/kestrel-dam#:~:text=")
    quote_words = figure.blockquote.get_text().split()
    assert len(quote_words) > 8, "a long quote is linked by its first and last words"
    start, end = (unquote(part) for part in href.split("#:~:text=", 1)[1].split(","))
    assert (start, end) == (" ".join(quote_words[:4]), " ".join(quote_words[-4:]))
    assert set(original["rel"]) == {"noopener", "noreferrer"}
    archived = figure.figcaption.find("a", string="archived copy")
    assert archived["href"] == "https://archive.example/riverton-gazette-2023-03-12"


def test_text_fragments_escape_the_characters_that_have_meanings_in_them():
    from factsheets.graph import _fragment_part

    assert _fragment_part("well-known, cheap & fast") == "well%2Dknown%2C%20cheap%20%26%20fast"


def test_the_other_event_uses_the_editorial_fields_and_its_pages_show_them(output):
    """Competing accounts, a direct quote, an approximate figure, a status history: another event, no code change."""
    event = read_page(output, "events/kestrel-dam-breach.html").main
    accounts = event.select("section[aria-labelledby='competing-heading'] .accounts > li")
    linked = [card.select_one(".account-statement a")["href"].rsplit("/", 1)[1] for card in accounts]
    assert linked == ["failure-caused-by-rainfall.html", "cracks-reported-and-ignored.html"]  # by sequence
    figure = event.select_one("#figure-breach-width h3")
    assert " ".join(figure.get_text().split()) == (
        "about 40 metres: Width of the breach in the eastern wall, according to Riverton Gazette"
    )
    claim = read_page(output, "claims/cracks-reported-and-ignored.html").main
    voice = " ".join(claim.select_one("#claim-quote .quote-voice").get_text(" ").split())
    assert voice == "In an engineer at the Lakeside Water Authority's words, as quoted by Riverton Gazette:"
    rainfall = read_page(output, "claims/failure-caused-by-rainfall.html").main
    history = [" ".join(li.get_text(" ").split()) for li in rainfall.select("ol.status-history > li")]
    assert [entry.split(":")[0].strip() for entry in history] == ["From 12 March 2023", "From 13 March 2023"]
    assert "Disputed (current)" in history[1]
