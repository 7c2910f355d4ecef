"""The built site read like a person would: pages, links both ways, claims with their quotes."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

from helpers import CONTENT, read_page


def _records(kind: str) -> list[dict]:
    records = []
    for path in sorted((CONTENT / "factsheets").glob("*.yaml")):
        records += (yaml.load(path.read_text(), Loader=yaml.BaseLoader) or {}).get(kind, [])
    return records


def _html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def _hrefs(soup) -> list[str]:
    return [a["href"] for a in soup.select("a[href]")]


def test_every_kind_of_page_exists(site):
    for folder, kind in [("events", "events"), ("actors", "actors"), ("claims", "claims"), ("sources", "sources")]:
        assert (site / folder / "index.html").is_file()
        ids = [record["id"] for record in _records(kind)]
        assert ids, f"the content has no {kind}"
        for record_id in ids:
            assert (site / folder / f"{record_id}.html").is_file(), f"{folder}/{record_id}.html missing"
        index_links = {Path(href).name for href in _hrefs(read_page(site, f"{folder}/index.html"))}
        assert {f"{record_id}.html" for record_id in ids} <= index_links
    assert (site / "index.html").is_file()


def test_every_internal_link_and_anchor_resolves(site):
    broken = []
    ids_by_page = {
        page: {tag["id"] for tag in read_page(site, str(page.relative_to(site))).select("[id]")}
        for page in _html_pages(site)
    }
    for page in _html_pages(site):
        for href in _hrefs(read_page(site, str(page.relative_to(site)))):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc:
                continue
            base = site if parts.path.startswith("/") else page.parent  # 404.html links from the site root
            target = (base / unquote(parts.path.lstrip("/"))).resolve() if parts.path else page
            if not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {href}")
            elif parts.fragment and parts.fragment not in ids_by_page.get(target, set()):
                broken.append(f"{page.relative_to(site)} -> {href} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_every_page_is_reachable_from_the_home_page(site):
    seen, queue = set(), [(site / "index.html").resolve()]
    while queue:
        page = queue.pop()
        if page in seen or page.suffix != ".html":
            continue
        seen.add(page)
        for href in _hrefs(read_page(site, str(page.relative_to(site.resolve())))):
            parts = urlsplit(href)
            if not parts.scheme and parts.path:
                queue.append((page.parent / parts.path).resolve())
    pages = {page.resolve() for page in _html_pages(site) if page.name != "404.html"}
    assert pages <= seen


def test_pages_have_semantic_structure(site):
    for page in _html_pages(site):
        soup = read_page(site, str(page.relative_to(site)))
        name = page.relative_to(site)
        assert soup.html.get("lang") == "en", name
        assert len(soup.find_all("h1")) == 1, name
        assert len(soup.find_all("main")) == 1, name
        assert soup.find("nav"), name
        assert soup.select_one("meta[name=viewport]"), name
        scripts = [script for script in soup.find_all("script") if script.get("type") != "application/ld+json"]
        if str(name) == "search.html":  # search is the one feature that needs JavaScript
            assert [script["src"] for script in scripts] == ["./theme/js/search.js"]
        else:
            assert not scripts, f"{name} needs no JavaScript"
        assert soup.title.get_text(strip=True), name


def test_claim_pages_show_claimant_status_rationale_and_responses(site):
    for claim in _records("claims"):
        soup = read_page(site, f"claims/{claim['id']}.html")
        article = soup.select_one("main article")
        verdict = soup.select_one("main .verdict")
        facts = {dt.get_text(strip=True): dt.find_next_sibling("dd") for dt in verdict.select("dl.facts dt")}
        claimant_link = facts["Claimed by"].find("a")
        assert claimant_link["href"] == f"../actors/{claim['claimant']}.html"
        assert verdict.select_one(".status").get_text(strip=True).lower() == claim["status"]
        assert " ".join(claim["rationale"].split()) in " ".join(verdict.get_text().split())
        quotes = [" ".join(q.get_text().split()) for q in article.select("blockquote")]
        assert " ".join(claim["quote"]["text"].split()) in quotes
        responses = article.select("ol.responses > li")
        assert len(responses) == len(claim.get("responses", []))
        for item, response in zip(responses, claim.get("responses", []), strict=True):
            assert item.find("a")["href"] == f"../actors/{response['actor']}.html"
            assert response["stance"] in item.get_text()
            assert " ".join(response["quote"]["text"].split()) in " ".join(item.blockquote.get_text().split())


def test_linked_pages_link_back(site):
    for claim in _records("claims"):
        claim_href = f"../claims/{claim['id']}.html"
        claimant_page = read_page(site, f"actors/{claim['claimant']}.html")
        assert claim_href in _hrefs(claimant_page), f"{claim['claimant']} does not list {claim['id']}"
        for event in claim["about"]:
            assert claim_href in _hrefs(read_page(site, f"events/{event}.html"))
        for response in claim.get("responses", []):
            actor_hrefs = [href.split("#")[0] for href in _hrefs(read_page(site, f"actors/{response['actor']}.html"))]
            assert claim_href in actor_hrefs
    for event in _records("events"):
        event_href = f"../events/{event['id']}.html"
        for actor in event.get("participants", []):
            assert event_href in _hrefs(read_page(site, f"actors/{actor}.html"))


def test_every_quote_links_to_its_marked_passage(site):
    source_page = read_page(site, "sources/ukrinform-2024-01-31.html")
    anchors = {span["id"] for span in source_page.select(".archived-text span.anchor[id]")}
    marked_text = " ".join(" ".join(mark.get_text().split()) for mark in source_page.select(".archived-text mark"))
    quote_links = 0
    for page in _html_pages(site):
        soup = read_page(site, str(page.relative_to(site)))
        for figure in soup.select("figure.quote"):
            href = figure.figcaption.find("a", string="the passage in our archived text")["href"]
            assert href.split("#")[0].endswith("sources/ukrinform-2024-01-31.html")
            assert href.split("#")[1] in anchors
            assert " ".join(figure.blockquote.get_text().split()) in marked_text
            quote_links += 1
    assert quote_links >= len(_records("claims"))
    listed = source_page.select("ol.quotes > li")
    assert len(listed) == len(anchors)
    for item in listed:
        assert item.select("ul a[href]"), "each quote lists where it is used"


def test_home_page_leads_with_summary_key_figures_and_contested_claims(site):
    """No one in the article denies a claim (saying evidence is lacking questions it): what is contested is what
    is still unknown, the Russian ministry's claim about who was on board first."""
    home = read_page(site, "index.html")
    assert "Il-76" in home.h1.get_text()
    figures = home.select(".key-figures li")
    assert any("207" in item.get_text() for item in figures)
    headings = [h3.get_text(strip=True) for h3 in home.select("h3")]
    assert headings[0] == "Still unknown"
    unknown = home.find("h3", string="Still unknown").find_next_sibling("ul")
    assert _hrefs(unknown)[0] == "./claims/ukrainian-pows-on-board-il76.html"
    assert unknown.select_one(".status").get_text(strip=True) == "Unverified"


def test_exchange_figure_shows_breakdown_that_adds_up(site):
    event = read_page(site, "events/prisoner-exchange-50.html")
    figure = event.select_one("section.figure")
    assert "207" in figure.h3.get_text()
    rows = {row.th.get_text(strip=True): int(row.td.get_text(strip=True)) for row in figure.select("tbody tr")}
    assert sorted(rows.values()) == [1, 26, 29, 56, 95]
    assert sum(rows.values()) == int(figure.select_one("tfoot td").get_text(strip=True))
    assert figure.find("a", href="../actors/ukrinform.html")
