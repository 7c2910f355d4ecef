"""The built site in a real browser (Debian's Chromium, driven by Playwright), as a reader uses it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from .helpers import ROOT, BrowserProblems

ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
TABS = 8
INDEX_PAGES = {
    "home": "index.html",
    "events index": "events/index.html",
    "claims index": "claims/index.html",
    "actors index": "actors/index.html",
    "sources index": "sources/index.html",
    "timeline": "timeline.html",
    "diagram": "diagram.html",
    "search": "search.html",
}
RECORD_FOLDERS = {"event": "events", "actor": "actors", "claim": "claims", "source": "sources"}

# Names what sticks out past the viewport's right edge, for the failure message.
WIDEST_ELEMENTS = """(width) => [...document.querySelectorAll("body *")]
    .filter((element) => element.getBoundingClientRect().right > width)
    .slice(0, 5)
    .map((element) => element.tagName.toLowerCase() + (element.className ? "." + element.className : ""))"""


def richest_page(site: Path, folder: str) -> str:
    """The largest record page in the folder: the one most likely to show a problem."""
    pages = [page for page in (site / folder).glob("*.html") if page.name != "index.html"]
    assert pages, f"no pages in {folder}/"
    return str(max(pages, key=lambda page: (page.stat().st_size, page.name)).relative_to(site))


def page_of_type(site: Path, page_type: str) -> str:
    if page_type in INDEX_PAGES:
        return INDEX_PAGES[page_type]
    return richest_page(site, RECORD_FOLDERS[page_type])


def open_page(page: Page, site_url: str, path: str) -> None:
    """Load the page and wait until the network is quiet, so that late requests (the favicon) are seen too."""
    response = page.goto(f"{site_url}/{path}", wait_until="networkidle")
    assert response is not None and response.ok, f"{path}: HTTP {response.status if response else 'no response'}"


@dataclass
class Tab:
    page: Page
    problems: BrowserProblems


def open_tabs(context: BrowserContext, count: int) -> list[Tab]:
    tabs = [Tab(context.new_page(), BrowserProblems()) for _ in range(count)]
    for tab in tabs:
        tab.problems.watch(tab.page)
    return tabs


def problems_loading(tabs: list[Tab], site_url: str, paths: list[str]) -> list[str]:
    """Load the pages side by side, one a tab, each until its network is quiet; what went wrong on each."""
    tabs = tabs[: len(paths)]
    responses = [
        tab.page.goto(f"{site_url}/{path}", wait_until="commit") for tab, path in zip(tabs, paths, strict=True)
    ]
    seen = []
    for tab, path, response in zip(tabs, paths, responses, strict=True):
        tab.page.wait_for_load_state("networkidle")
        if response is None or not response.ok:
            seen.append(f"{path}: HTTP {response.status if response else 'no response'}")
        seen += [f"{path}: {problem}" for problem in tab.problems.take()]
    return seen


def test_every_page_loads_without_console_errors_or_failed_requests(
    context: BrowserContext, site_url: str, site_pages: list[str]
):
    tabs = open_tabs(context, TABS)  # a quiet network takes half a second to see: tabs wait side by side
    seen = []
    for start in range(0, len(site_pages), TABS):
        seen += problems_loading(tabs, site_url, site_pages[start : start + TABS])
    assert len(site_pages) > 20
    assert not seen, "\n".join(seen)


def test_a_reader_clicks_from_home_to_a_contested_claim_to_its_claimant_and_back(
    page: Page, site_url: str, browser_problems: BrowserProblems
):
    page.goto(f"{site_url}/index.html")
    # The first part of "At a glance" holds the most contested claims (here: still unknown; nothing is disputed).
    contested = page.locator(".at-a-glance h3").first.locator("xpath=following-sibling::ul[1]")
    claim_link = contested.locator("li > a").first  # each item starts with the claim's own link
    statement = claim_link.inner_text()
    claim_link.click()
    expect(page).to_have_url(re.compile(r"/claims/[a-z0-9-]+\.html$"))
    expect(page.locator("h1")).to_have_text(statement)
    claim_url = page.url

    claimant_link = page.locator("dl.facts dt:text-is('Claimed by') + dd > a")
    claimant = claimant_link.inner_text()
    claimant_link.click()
    expect(page).to_have_url(re.compile(r"/actors/[a-z0-9-]+\.html$"))
    expect(page.locator("h1")).to_have_text(claimant)

    claims_made = page.locator("section", has=page.get_by_role("heading", name="Claims made"))
    claims_made.get_by_role("link", name=statement, exact=True).click()
    expect(page).to_have_url(claim_url)
    expect(page.locator("h1")).to_have_text(statement)
    problems = browser_problems.take()
    assert not problems, "\n".join(problems)


def test_no_page_scrolls_sideways_on_a_375_px_phone(page: Page, site_url: str, site_pages: list[str]):
    page.set_viewport_size(PHONE)
    too_wide = []
    for path in site_pages:
        page.goto(f"{site_url}/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            culprits = ", ".join(page.evaluate(WIDEST_ELEMENTS, PHONE["width"]))
            too_wide.append(f"{path}: {width} px wide ({culprits})")
    assert not too_wide, "\n".join(too_wide)


@pytest.mark.parametrize("screen, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
@pytest.mark.parametrize("page_type", ["home", "claim"])
def test_screenshots_of_the_home_page_and_a_claim_page(
    page: Page, site_url: str, built_site: Path, page_type: str, screen: str, viewport: dict
):
    screenshot = ARTIFACTS / f"{page_type}-{screen}.png"
    screenshot.unlink(missing_ok=True)
    page.set_viewport_size(viewport)
    open_page(page, site_url, page_of_type(built_site, page_type))
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert screenshot.stat().st_size > 10_000, "the screenshot looks blank"


@pytest.mark.parametrize("page_type", [*INDEX_PAGES, *RECORD_FOLDERS])
def test_axe_finds_no_accessibility_violations(page: Page, site_url: str, built_site: Path, page_type: str):
    path = page_of_type(built_site, page_type)
    open_page(page, site_url, path)
    violations = Axe().run(page).response["violations"]
    described = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in violations
    ]
    assert not described, f"{path}:\n" + "\n".join(described)


def test_search_finds_s300_and_links_to_the_claim(page: Page, site_url: str, browser_problems: BrowserProblems):
    browser_problems.watch(page)
    page.goto(f"{site_url}/search.html")
    page.get_by_label("Words to find in the fact sheets").fill("S-300")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-status")).to_contain_text("found for “S-300”", timeout=15000)
    results = page.locator("#search-results li a")
    expect(results.first).to_be_visible()
    hrefs = [link.get_attribute("href") for link in results.all()]
    assert any(href.endswith("claims/il76-carried-s300-missiles.html") for href in hrefs), hrefs
    # The source is in the last part of the index, the claim in an earlier one: both parts are searched.
    assert any(href.endswith("sources/ukrinform-2024-01-31.html") for href in hrefs), hrefs
    # An actor's page lists its claims, but only its own words make it a result.
    assert not any("/actors/" in href for href in hrefs), hrefs
    page.locator("#search-results a[href$='claims/il76-carried-s300-missiles.html']").first.click()
    expect(page.locator("main h1")).to_contain_text("S-300")
    assert browser_problems.take() == []


def test_search_shows_twenty_results_then_the_rest_once_each(
    page: Page, site_url: str, browser_problems: BrowserProblems
):
    browser_problems.watch(page)
    page.goto(f"{site_url}/search.html?q=the")
    expect(page.locator("#search-status")).to_contain_text("found for “the”", timeout=15000)
    count = int(page.locator("#search-status").inner_text().split()[0])
    assert count > 20, "enough results for a second screen"
    results = page.locator("#search-results li a")
    expect(results).to_have_count(20)
    more = page.get_by_role("button", name=f"Show {count - 20} more of {count - 20}")
    more.evaluate("button => { button.click(); button.click(); }")  # a second click while the first loads
    expect(results).to_have_count(count)
    hrefs = [link.get_attribute("href") for link in results.all()]
    assert len(set(hrefs)) == count, "every result once"
    expect(more).to_be_hidden()
    # A second search on the same page reads the index it has (and the excerpt keeps its quotation marks).
    page.get_by_label("Words to find in the fact sheets").fill("S-300")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-status")).to_contain_text("found for “S-300”", timeout=15000)
    excerpts = page.locator("#search-results .result-excerpt").all_inner_texts()
    assert any(text.startswith("“") for text in excerpts), excerpts
    assert browser_problems.take() == []


def test_search_finds_the_corrections_policy(page: Page, site_url: str, browser_problems: BrowserProblems):
    browser_problems.watch(page)
    page.goto(f"{site_url}/search.html")
    page.get_by_label("Words to find in the fact sheets").fill("withdrawn")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-status")).to_contain_text("found for “withdrawn”", timeout=15000)
    hrefs = [link.get_attribute("href") for link in page.locator("#search-results li a").all()]
    assert any(href.endswith("pages/corrections.html") for href in hrefs), hrefs
    expect(page.locator("#search-results li", has_text="Corrections policy").first).to_contain_text("Page")
    assert browser_problems.take() == []


def test_the_site_works_opened_straight_from_disk(page: Page, built_site: Path, browser_problems: BrowserProblems):
    page.goto((built_site / "index.html").as_uri())
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).borderBottomStyle") == "solid"
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Claims").click()
    expect(page.locator("main h1")).to_have_text("Claims")
    page.locator("table.claims-table tbody th a").first.click()
    expect(page.locator(".record-kind").first).to_have_text("Claim")
    page.locator("dl.facts a").first.click()
    assert page.url.startswith("file://") and "/actors/" in page.url
    assert browser_problems.take() == []


def test_search_opened_from_disk_says_it_needs_a_web_server(
    page: Page, built_site: Path, browser_problems: BrowserProblems
):
    browser_problems.watch(page)
    page.goto((built_site / "search.html").as_uri())
    expect(page.locator("#search-status")).to_contain_text("needs the site to be served by a web server")
    assert browser_problems.take() == []
