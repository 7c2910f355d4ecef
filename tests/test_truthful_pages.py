"""Say only what is true (issue 30, parts 8 and 9): the footer, About and Corrections pages say what the site does,
with the counts the build knows; every string the desk's text puts in quotation marks is the source's, letter for
letter; a figure's number comes with who gives it, in the same type; the timeline does not claim an order it
does not know."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from factsheets.cli import main as factsheets
from helpers import FIXTURES, ROOT, read_page

ARCHIVE = ROOT / "content" / "sources" / "ukrinform-2024-01-31.txt"
QUOTED = re.compile(r"[\"“„«]([^\"“”„«»]+)[\"”“»]")


def _text(element) -> str:
    return " ".join(element.get_text(" ").split())


def _read(element) -> str:
    """The element's text as a reader sees it (no space added around inline elements)."""
    return " ".join(element.get_text().split())


def _folded(text: str) -> str:
    return " ".join(text.replace("“", '"').replace("”", '"').replace("’", "'").split())


def _record_pages(site: Path) -> list[Path]:
    """The pages the desk writes about the news: home, records; not Pelican's own pages (About, Methodology),
    whose quotation marks name the site's own labels."""
    folders = ("claims", "events", "actors", "sources")
    return [site / "index.html", *(page for folder in folders for page in sorted((site / folder).glob("*.html")))]


def _desk_text(page: Path) -> str:
    """The page's main text without what it quotes of the source: the quotes and the archived text."""
    main = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").main
    for quoted in main.select("blockquote, .archived-text"):
        quoted.decompose()
    return _text(main)


def _in_source(words: str, source: str) -> bool:
    """Letter for letter, but for the case of the first letter (a quotation may open a sentence)."""
    words = _folded(words)
    return words in source or words[:1].swapcase() + words[1:] in source


def test_every_string_the_desk_puts_in_quotation_marks_is_the_sources_letter_for_letter(site):
    source = _folded(ARCHIVE.read_text(encoding="utf-8"))
    quoted = [(page.name, run) for page in _record_pages(site) for run in QUOTED.findall(_desk_text(page))]
    assert len(quoted) > 10  # the names the report gives, "downing", "defenders" ...
    assert [(page, run) for page, run in quoted if not _in_source(run, source)] == []
    names = _text(read_page(site, "actors/hur.html").main)
    assert "“the Ukrainian Defense Ministry's Main Intelligence Directorate”" in names


def _check(content: Path, capsys) -> tuple[int, str]:
    code = factsheets(["check", str(content)])
    return code, capsys.readouterr().err


def _line_of(path: Path, words: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if words in line)


def test_the_check_warns_of_words_in_quotation_marks_that_the_source_does_not_give(content_copy, capsys):
    claims = content_copy / "factsheets" / "claims.yaml"
    claims.write_text(claims.read_text().replace('the plane\'s "downing"', 'the plane\'s "shooting down"'))
    line = _line_of(claims, '"shooting down"')
    code, errors = _check(content_copy, capsys)
    assert code == 0  # a warning: the editor looks again, the build goes on
    assert re.search(
        rf"claims\.yaml:{line}:\d+: warning: claims\[7\]\.open_questions\[1\]: \"shooting down\" is in quotation "
        r"marks, but the source 'ukrinform-2024-01-31' does not give these words",
        errors,
    ), errors


def test_the_check_warns_of_a_name_the_site_gives_as_the_sources_but_respelt(content_copy, capsys):
    actors = content_copy / "factsheets" / "actors.yaml"
    name = "role: the Ukrainian Defense Ministry's Main Intelligence Directorate"
    actors.write_text(actors.read_text().replace(name, name.replace("Defense", "Defence")))
    line = _line_of(actors, "role: the Ukrainian Defence Ministry's")
    code, errors = _check(content_copy, capsys)
    assert code == 0
    assert re.search(
        rf"actors\.yaml:{line}:\d+: warning: actors\[1\]\.role: \"the Ukrainian Defence Ministry's Main Intelligence "
        r"Directorate\" is shown in quotation marks as the name the sources give, but the sources this actor is "
        r"drawn from do not give these words",
        errors,
    ), errors


def test_the_real_content_and_the_other_example_pass_the_check(content_copy, capsys):
    assert _check(content_copy, capsys) == (0, "")
    code, errors = _check(FIXTURES / "other-event", capsys)
    assert (code, [line for line in errors.splitlines() if "quotation marks" in line]) == (0, [])


def _quote_kinds(site: Path) -> tuple[int, int]:
    """The quotes the pages show, counted by whose words they are: (a speaker's own, the source's own)."""
    pages = [*sorted((site / "claims").glob("*.html")), *sorted((site / "events").glob("*.html"))]
    shown = [quote for page in pages for quote in read_page(site, str(page.relative_to(site))).select("figure.quote")]
    direct = sum("quote-direct" in quote["class"] for quote in shown)
    return direct, len(shown) - direct


def test_the_about_page_counts_the_quotes_of_each_kind_as_the_pages_show_them(site):
    about = read_page(site, "pages/about.html")
    for changes in about.select("[id^=changes]"):  # the log of changes quotes what was wrong
        changes.decompose()
    text = _text(about.main)
    assert "in their own quoted words" not in text
    assert "Every statement on this site is attributed" not in text
    direct, reported = _quote_kinds(site)
    assert direct and reported
    counted = _text(about.select_one(".quote-kind-counts"))
    assert counted == (
        f"The pages show {direct + reported} quotes: {direct} are a speaker's own words, inside quotation marks "
        f"in the source, and {reported} are the source's own words, its reporting or paraphrase."
    )


def test_the_footer_says_whose_words_are_whose(site):
    for page in ("index.html", "pages/about.html", "claims/sixty-five-left-out-of-exchange.html"):
        footer = _text(read_page(site, page).select_one("footer.site-footer"))
        assert "Every statement on this site is attributed" not in footer
        assert "quoted from an archived copy of its source" in footer
        assert "summaries, rationales and open questions are the desk's own words" in footer


def test_the_corrections_page_says_which_pages_have_changes_and_they_do(site):
    text = _text(read_page(site, "pages/corrections.html").main)
    assert "Every page has a Changes section" not in text
    pages = ["index.html", "pages/about.html", "pages/methodology.html", "pages/corrections.html"]
    pages += [str(page.relative_to(site)) for folder in ("claims", "events", "actors", "sources")
              for page in sorted((site / folder).glob("*.html")) if page.name != "index.html"]  # fmt: skip
    without = [page for page in pages if not read_page(site, page).select("[id^=changes]")]
    assert without == []


def _key_figure_lines(site: Path) -> list:
    lines = read_page(site, "index.html").select(".key-figures .figure-headline")
    lines += read_page(site, "events/il76-crash-belgorod.html").select(".figure .figure-headline")
    lines += read_page(site, "events/prisoner-exchange-50.html").select(".figure .figure-headline")
    lines += read_page(site, "actors/russian-defence-ministry.html").select(".figure-headline")
    return lines


def test_a_figure_comes_with_who_gives_it_in_the_same_element_and_type(site):
    lines = _key_figure_lines(site)
    assert len(lines) == 2 + 1 + 1 + 1
    for line in lines:
        value = line.select_one(".figure-value")
        assert value is not None and value.find_parent(class_="meta") is None
        text = _read(line)
        assert ", according to " in text or ", our sum of the parts given by " in text, text
        assert not line.select(".meta"), text  # nothing of it in the smaller type
    home = [_read(line) for line in read_page(site, "index.html").select(".key-figures .figure-headline")]
    assert any(text.startswith("74 people on board the Il-76, our sum of the parts given by") for text in home)
    css = (ROOT / "theme" / "static" / "css" / "site.css").read_text()
    rules = re.findall(r"([^{}]*\.figure-(?:value|headline)[^{}]*)\{([^}]*)\}", css)
    value_rules = [body for selector, body in rules if ".figure-value" in selector]
    assert value_rules and not any("font-size" in body for body in value_rules)


def test_the_timeline_says_the_order_of_same_day_records_is_unknown(site):
    entries = read_page(site, "timeline.html").select("ol.timeline > li")
    january_24 = [entry for entry in entries if entry.time["datetime"] == "2024-01-24"]
    assert len(january_24) == 2
    for entry in january_24:
        assert _text(entry.select_one(".order-unknown")) == "order within the day unknown"
    dates = [entry.time["datetime"] for entry in entries]
    alone = [entry for entry in entries if dates.count(entry.time["datetime"]) == 1]
    assert all(entry.select_one(".order-unknown") is None for entry in alone)
    # A date 'on or before' is not a day: its records' order is unknown, not 'within the day'.
    inexact = [entry for entry in entries if _text(entry.time).startswith("on or before")]
    assert inexact and all(_text(entry.select_one(".order-unknown")) == "order unknown" for entry in inexact)


def test_the_timeline_keeps_an_order_it_knows(built_site):
    site = built_site(FIXTURES / "other-event", SITENAME="Riverton flood fact sheets")
    entries = read_page(site, "timeline.html").select("ol.timeline > li")
    dated = [(entry.time["datetime"], entry.select_one(".order-unknown") is not None, entry) for entry in entries]
    claims = ROOT / "tests" / "fixtures" / "other-event" / "factsheets" / "claims.yaml"
    sequenced = re.findall(r"- id: ([\w-]+)(?:(?!\n  - id:).)*?\n    sequence:", claims.read_text(), re.DOTALL)
    assert len(sequenced) == 2
    for _, unknown, entry in dated:
        if any(f"claims/{claim_id}.html" in (entry.select_one("a") or {}).get("href", "") for claim_id in sequenced):
            assert not unknown
