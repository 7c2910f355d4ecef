"""Verdict first, credentials shown, each fact said once: the built site read as a reader of a fact check would."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from factsheets.graph import STATUS_ORDER
from factsheets.models import STANCE_MEANINGS, STATUS_MEANINGS, STATUS_RULES
from helpers import CONTENT, read_page, run_pelican

CREDIBILITY_PAGES = {"About": "pages/about.html", "Methodology": "pages/methodology.html"}
CORRECTIONS = ("Corrections policy", "pages/corrections.html")


def _claims() -> list[dict]:
    claims = []
    for path in sorted((CONTENT / "factsheets").glob("*.yaml")):
        claims += (yaml.load(path.read_text(), Loader=yaml.BaseLoader) or {}).get("claims", [])
    return claims


def _actor_names() -> dict[str, str]:
    actors = yaml.load((CONTENT / "factsheets" / "actors.yaml").read_text(), Loader=yaml.BaseLoader)["actors"]
    return {actor["id"]: actor["name"] for actor in actors}


def _text(element) -> str:
    return re.sub(r" ([,.:;])", r"\1", " ".join(element.get_text(" ").split()))


def _explanation(status: str) -> str:
    return STATUS_MEANINGS[status].partition(": ")[2]


def test_a_claim_page_opens_with_its_status_rationale_claimant_and_disputers(site):
    names = _actor_names()
    for claim in _claims():
        main = read_page(site, f"claims/{claim['id']}.html").main
        banner = main.find(True)  # the first element in main
        assert "verdict" in banner.get("class", []), f"{claim['id']}: main opens with {banner.name}"
        status = banner.select_one(".status")
        assert status.get_text(strip=True) == claim["status"].capitalize()
        assert f"status-{claim['status']}" in status["class"]  # its shape (site.css), not only its colour
        text = _text(banner)
        assert _explanation(claim["status"]) in text
        assert " ".join(claim["rationale"].split()) in text
        parties = {dt.get_text(strip=True): _text(dt.find_next_sibling("dd")) for dt in banner.select("dt")}
        assert parties["Claimed by"].startswith(names[claim["claimant"]])
        disputers = [names[r["actor"]] for r in claim.get("responses", []) if r["stance"] == "disputes"]
        for name in disputers:
            assert name in parties["Disputed by"]
        if not disputers:
            assert parties["Disputed by"] == "No one in the sources"


def test_the_home_page_opens_with_an_at_a_glance_section_disputed_claims_first(site):
    main = read_page(site, "index.html").main
    first_section = main.find("section")
    assert first_section.get("class") == ["at-a-glance"]
    assert first_section.find_previous("h1") is main.h1
    parts = [h3.get_text(strip=True) for h3 in first_section.select("h3")]
    # No one in the article denies a claim (saying evidence is lacking questions it): nothing is disputed.
    assert parts == ["Still unknown", "Not contested"]
    unknown_claims = first_section.select(".glance-unknown ul li")
    assert {item.select_one(".status").get_text(strip=True) for item in unknown_claims[:5]} == {"Unverified"}
    # The key claim (the most contested: questioned twice) comes first.
    assert unknown_claims[0].find("a")["href"] == "./claims/ukrainian-pows-on-board-il76.html"
    unknown = _text(first_section.select_one(".glance-unknown"))
    assert "S-300" in unknown and "Whether any Ukrainian prisoners of war were on board." in unknown
    assert "11 claims: 6 unverified, 5 uncontested." in _text(first_section)
    assert "Uncontested" in _text(first_section.select_one(".glance-established"))


def _statuses(items) -> list[str]:
    return [item.select_one(".status").get_text(strip=True).lower() for item in items]


def _in_status_order(statuses: list[str]) -> bool:
    ranks = [STATUS_ORDER.index(status) for status in statuses]
    return ranks == sorted(ranks)


def _legend(soup) -> dict[str, str]:
    legend = soup.select_one("main dl.status-legend")
    assert legend is not None, "no status legend"
    return {dt.get_text(strip=True).lower(): _text(dt.find_next_sibling("dd")) for dt in legend.select("dt")}


def test_claim_lists_are_ordered_by_status_disputed_first_with_a_legend(site):
    lists = {
        "claims/index.html": "table.claims-table tbody tr",
        "events/il76-crash-belgorod.html": "table.stances tbody tr",
        "events/prisoner-exchange-50.html": "table.stances tbody tr",
        "actors/andrii-yusov.html": "section[aria-labelledby=claims-made-heading] ul.claims > li",
    }
    for page, selector in lists.items():
        soup = read_page(site, page)
        statuses = _statuses(soup.select(selector))
        assert statuses and _in_status_order(statuses), f"{page}: {statuses}"
        assert _legend(soup) == {status: _explanation(status) for status in STATUS_ORDER}, page
    claims_index = _statuses(read_page(site, "claims/index.html").select("table.claims-table tbody tr"))
    assert claims_index[0] == "unverified"
    home = read_page(site, "index.html")
    assert _legend(home)


def test_about_methodology_and_corrections_pages_are_linked_from_the_nav_and_the_footer(site):
    for soup_page in ["index.html", "claims/index.html", "pages/about.html"]:
        soup = read_page(site, soup_page)
        prefix = "./" if soup_page == "index.html" else "../"
        for where in ("header nav", "footer"):
            links = {a.get_text(strip=True): a["href"] for a in soup.select(f"{where} a[href]")}
            for title, path in [*CREDIBILITY_PAGES.items(), CORRECTIONS]:
                assert links.get(title) == prefix + path, f"{soup_page} {where}: {links}"
    for path in [*CREDIBILITY_PAGES.values(), CORRECTIONS[1]]:
        assert (site / path).is_file()
    about = _text(read_page(site, "pages/about.html").main)
    assert "Fact-sheet desk" in about and "factsheets@example.org" in about
    footer = read_page(site, "index.html").footer
    assert footer.find("a", href="mailto:factsheets@example.org")
    corrections = read_page(site, "pages/corrections.html").main
    assert corrections.find("a", href="../feeds/changes.atom.xml")


def test_the_methodology_lists_every_status_meaning_and_rule_from_the_models(site):
    methodology = read_page(site, "pages/methodology.html")
    rows = methodology.select("main table.rubric tbody tr")
    rubric = {row.th.get_text(strip=True).lower(): [_text(cell) for cell in row.select("td")] for row in rows}
    assert rubric == {status: [_explanation(status), STATUS_RULES[status]] for status in STATUS_MEANINGS}
    assert list(rubric) == list(STATUS_ORDER), "in the order claim lists use"
    stances = {_text(dt): _text(dt.find_next_sibling("dd")) for dt in methodology.select("main dl.stance-meanings dt")}
    assert stances == STANCE_MEANINGS
    text = _text(methodology.main)
    assert "How quotes are verified" in text and "How figures are checked" in text


def test_markup_in_a_pages_markdown_does_not_reach_the_html(content_copy: Path, tmp_path: Path):
    (content_copy / "pages" / "hostile.md").write_text(
        "Title: Hostile <script>alert('title')</script>\nSlug: hostile\n"
        "Summary: <img src=x onerror=alert('summary')>\n\n"
        "Text <script>alert('body')</script> and <img src=x onerror=alert('img')> "
        '<a href="javascript:alert(\'link\')">a link</a> <b style="color:red" onclick="alert(1)">bold</b>\n\n'
        '<iframe src="https://example.org"></iframe><form action="https://example.org"><input></form>\n'
    )
    output = tmp_path / "output"
    result = run_pelican(content_copy, output)
    assert result.returncode == 0, result.stderr
    soup = read_page(output, "pages/hostile.html")
    assert soup.find_all("script") == [], "a script reached the page"
    assert soup.find_all(["iframe", "form", "input", "style"]) == []
    for tag in soup.find_all(True):
        assert not [name for name in tag.attrs if name.startswith("on") or name == "style"], tag
        assert not tag.get("href", "").strip().lower().startswith("javascript:"), tag
    assert "bold" in soup.main.get_text() and "a link" in soup.main.get_text()  # the words stay


def test_each_fact_is_said_once(site):
    home = read_page(site, "index.html")
    home_text = _text(home.main)
    for claim in _claims():
        assert home_text.count(" ".join(claim["statement"].split())) <= 1, f"{claim['id']} twice on the home page"
    figures = [_text(item) for item in home.select(".key-figures li")]
    assert figures == [
        "207 people: Ukrainians returned in the 50th exchange, according to Ukrinform; part of a claim that is "
        "Uncontested: According to Ukrinform, Ukraine brought home 207 people…",
        "74 people on board the Il-76, our sum of the parts given by Ministry of Defence of Russia (65 + 6 + 3), which "
        "gives no total; part of a claim that is Unverified: The Russian Defence Ministry claimed that 65 captured…",
    ]
    event = read_page(site, "events/il76-crash-belgorod.html")
    assert _text(event.select_one("section.figure h3")) == (
        "74 people on board the Il-76, our sum of the parts given by Ministry of Defence of Russia (65 + 6 + 3), "
        "which gives no total"
    )
    claim = read_page(site, "claims/ukrainian-pows-on-board-il76.html")
    parties = {dt.get_text(strip=True): _text(dt.find_next_sibling("dd")) for dt in claim.select(".verdict dt")}
    assert parties["Claimed by"] == "Ministry of Defence of Russia"
    actor = read_page(site, "actors/russian-defence-ministry.html").main
    assert actor.h1.get_text() == "Ministry of Defence of Russia" and not actor.select(".lead")
    person = read_page(site, "claims/russia-did-not-agree-to-investigation.html")
    assert "Andrii Yusov, representative of the Main Intelligence Directorate" in _text(person.select_one(".verdict"))
    for page in ["claims/ukrainian-pows-on-board-il76.html", "events/prisoner-exchange-50.html"]:
        soup = read_page(site, page)
        captions = [_text(caption) for caption in soup.select("figure.quote figcaption")]
        assert captions and all(c.startswith("From Ukrinform, 31 January 2024: the passage") for c in captions)
        assert "headline not known" not in _text(soup.main)


def test_the_timeline_gives_each_date_once(site):
    for entry in read_page(site, "timeline.html").select("ol.timeline > li.timeline-claim"):
        date = entry.time.get_text(strip=True).removeprefix("on or before ")
        assert date not in _text(entry.select_one(".meta")), _text(entry)
