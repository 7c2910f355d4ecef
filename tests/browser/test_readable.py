"""Readable on a phone, a desktop and paper: the event, diagram and search pages in Chromium (issue 14).

Each test also leaves screenshots in test-artifacts/ (`<page>-<screen>.png`) for a person to look at.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from factsheets.build import build_site

from .helpers import ROOT, QuietHandler, SiteServer
from .test_pages_in_browser import ARTIFACTS, DESKTOP, PHONE, open_page

# Print is laid out on the printable width of an A4 page with 1 cm margins, at 96 px an inch.
PRINT = {"width": 718, "height": 1040}
SCREENS = {"phone": PHONE, "desktop": DESKTOP, "print": PRINT}
EVENT = "events/il76-crash-belgorod.html"
CROWDED_EVENT = "il76-crash-belgorod"
MIN_DIAGRAM_TEXT_PX = 14

# Every table, figure and drawing that sticks out of the text column, with how far.
OVERFLOWING = """() => {
    const column = document.querySelector("main").getBoundingClientRect();
    const style = getComputedStyle(document.querySelector("main"));
    const right = column.right - parseFloat(style.paddingRight) + 1;
    return [...document.querySelectorAll("main table, main figure, main svg")]
        .filter((element) => element.getClientRects().length)  // shown
        .filter((element) => element.getBoundingClientRect().right > right
                          || element.scrollWidth > element.clientWidth + 1
                          || element.parentElement.scrollWidth > element.parentElement.clientWidth + 1)
        .map((element) => `${element.tagName.toLowerCase()}.${element.getAttribute("class")}: `
                        + `${Math.round(element.getBoundingClientRect().right)} px right edge, `
                        + `${element.scrollWidth} px content in ${element.clientWidth} px, column ends at ${right}`);
}"""

# Each text of the diagram: its label, its size on screen (font size times the drawing's scale) and whether
# it lies inside the drawing.
DIAGRAM_TEXTS = """() => {
    const svg = document.querySelector("svg.diagram");
    const frame = svg.getBoundingClientRect();
    const scale = svg.getScreenCTM().a;
    return [...svg.querySelectorAll("text")].map((text) => {
        const box = text.getBoundingClientRect();
        return {
            label: [...text.querySelectorAll("tspan")].map((line) => line.textContent).join(" "),
            px: parseFloat(getComputedStyle(text).fontSize) * scale,
            inside: box.left >= frame.left - 0.5 && box.right <= frame.right + 0.5
                 && box.top >= frame.top - 0.5 && box.bottom <= frame.bottom + 0.5,
            overlapsBox: (() => {
                const rect = text.parentElement.querySelector("rect");
                if (!rect) return true;
                const r = rect.getBoundingClientRect();
                return box.left >= r.left - 0.5 && box.right <= r.right + 0.5;
            })(),
        };
    });
}"""


def show(page: Page, site_url: str, path: str, screen: str) -> None:
    page.set_viewport_size(SCREENS[screen])
    page.emulate_media(media="print" if screen == "print" else "screen")
    open_page(page, site_url, path)


def screenshot(page: Page, name: str) -> None:
    target = ARTIFACTS / f"{name}.png"
    target.unlink(missing_ok=True)
    page.screenshot(path=target, full_page=True)
    assert target.stat().st_size > 10_000, f"{target.name} looks blank"


def records(content: Path, kind: str) -> list[dict]:
    return yaml.safe_load((content / "factsheets" / f"{kind}.yaml").read_text(encoding="utf-8"))[kind]


def stances_in_the_data(content: Path, event_id: str) -> dict[str, list[tuple[str, str]]]:
    """Claim id -> every (actor name, stance) the records give about the claims on the event."""
    names = {actor["id"]: actor["name"] for actor in records(content, "actors")}
    expected = {}
    for claim in records(content, "claims"):
        if event_id not in claim["about"]:
            continue
        said = [(claim["claimant"], "asserts")]
        if claim.get("reported_by"):
            said.append((claim["reported_by"], "relays"))
        said += [(response["actor"], response["stance"]) for response in claim.get("responses", [])]
        expected[claim["id"]] = [(names[actor], stance) for actor, stance in said]
    return expected


def assert_every_stance_is_shown(page: Page, expected: dict[str, list[tuple[str, str]]]) -> None:
    """Each claim's row is shown inside the text column, with each actor's stance on it in words."""
    column_right = page.locator("main").bounding_box()["x"] + page.locator("main").bounding_box()["width"]
    missing = []
    for claim_id, said in expected.items():
        row = page.locator("main tr", has=page.locator(f"a[href$='claims/{claim_id}.html']"))
        if not row.count() or not row.first.is_visible():
            missing.append(f"{claim_id}: no row shown")
            continue
        box = row.first.bounding_box()
        if box["x"] + box["width"] > column_right + 1:
            missing.append(f"{claim_id}: its row runs past the column")
        items = [text.strip() for text in row.first.locator("li").all_inner_texts()]
        for actor, stance in said:
            if not any(item.startswith(f"{actor}:") and stance in item for item in items):
                missing.append(f"{claim_id}: {actor} {stance} (shown: {items})")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("screen", ["phone", "print", "desktop"])
@pytest.mark.parametrize("path", [EVENT, "claims/index.html", "diagram.html"])
def test_no_table_or_figure_is_wider_than_the_text_column(page: Page, site_url: str, path: str, screen: str):
    show(page, site_url, path, screen)
    name = {"claims/index.html": "claims"}.get(path, path.split("/")[0].removesuffix(".html"))
    screenshot(page, f"{name.removesuffix('s') if name == 'events' else name}-{screen}")
    assert not page.evaluate(OVERFLOWING), "\n".join(page.evaluate(OVERFLOWING))
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREENS[screen]["width"]


# Each cell of a table shown as cards: how much narrower than its card it is, in pixels.
CELL_SHORTFALLS = """(table) => [...table.querySelectorAll("tbody tr")].flatMap((row) => {
    const inner = row.clientWidth - parseFloat(getComputedStyle(row).paddingLeft)
                - parseFloat(getComputedStyle(row).paddingRight);
    return [...row.children].map((cell) => inner - cell.getBoundingClientRect().width);
})"""


@pytest.mark.parametrize("path, table", [(EVENT, "table.stances"), ("claims/index.html", "table.claims-table")])
def test_on_a_phone_each_table_row_is_a_card_with_full_width_cells(page: Page, site_url: str, path: str, table: str):
    show(page, site_url, path, "phone")
    shortfalls = page.locator(table).evaluate(CELL_SHORTFALLS)
    assert shortfalls and max(shortfalls) <= 1, shortfalls


def test_tables_are_cards_with_labelled_cells_on_a_phone(page: Page, site_url: str):
    show(page, site_url, "claims/index.html", "phone")
    first_row = page.locator("table.claims-table tbody tr").first
    assert page.locator("table.claims-table caption").is_visible()
    labels = first_row.locator("[data-label]").evaluate_all(
        "(cells) => cells.map((cell) => getComputedStyle(cell, '::before').content)"
    )
    assert labels == ['"Claim"', '"Claimed by"', '"Status"', '"Disputed by"']
    # The column headers stay in the table for screen readers, out of sight.
    assert page.locator("table.claims-table thead th").count() == 4


def test_every_stance_in_the_data_appears_on_the_printed_event_pages(page: Page, site_url: str):
    events = [event["id"] for event in records(ROOT / "content", "events")]
    for event_id in events:
        show(page, site_url, f"events/{event_id}.html", "print")
        expected = stances_in_the_data(ROOT / "content", event_id)
        assert_every_stance_is_shown(page, expected)
        assert "no statement" not in page.locator("main").inner_text(), "only real stances are shown"
    assert page.locator("header nav").is_hidden(), "no navigation on paper"
    assert page.locator(".print-address").inner_text().endswith(f"events/{events[-1]}.html")


def test_the_address_is_printed_once_and_not_shown_on_screen(page: Page, site_url: str):
    show(page, site_url, EVENT, "desktop")
    assert page.locator(".print-address").is_hidden()
    show(page, site_url, EVENT, "print")
    expect(page.locator(".print-address")).to_have_count(1)
    expect(page.locator(".print-address")).to_be_visible()


@pytest.mark.parametrize("screen", ["desktop", "print"])
def test_diagram_text_is_at_least_14_px_whole_and_inside_the_drawing(page: Page, site_url: str, screen: str):
    show(page, site_url, "diagram.html", screen)
    texts = page.evaluate(DIAGRAM_TEXTS)
    assert texts
    too_small = [f"{text['label']!r}: {text['px']:.1f} px" for text in texts if text["px"] < MIN_DIAGRAM_TEXT_PX]
    assert not too_small, "\n".join(too_small)
    assert all(text["inside"] and text["overlapsBox"] for text in texts), [t for t in texts if not t["inside"]]
    labels = [text["label"] for text in texts]
    assert len(labels) == len(set(labels)), "no two labels read the same"
    statements = [" ".join(claim["statement"].split()) for claim in records(ROOT / "content", "claims")]
    for statement in statements:  # every claim's whole statement, and its status in words
        assert any(label.startswith(statement + " Status: ") for label in labels), statement


def test_diagram_on_a_phone_is_a_list_of_the_same_relations(page: Page, site_url: str):
    show(page, site_url, "diagram.html", "phone")
    assert page.locator("svg.diagram").is_hidden()
    relations = page.locator(".diagram-list")
    expect(relations).to_be_visible()
    for claim in records(ROOT / "content", "claims"):
        assert relations.locator(f"a[href$='claims/{claim['id']}.html']").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Each stance the diagram draws is in the list too, in words.
    drawn = page.locator("svg.diagram path.edge").count()
    listed = relations.locator(".stance-list li").all_inner_texts()
    assert sum(len(item.split(" and ")) for item in listed) == drawn


def search_results(page: Page, query: str, status: str = "Any") -> list[dict]:
    page.get_by_label("Words to find in the fact sheets").fill(query)
    page.get_by_label("Status of a claim").select_option(status)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-status")).to_contain_text("found for", timeout=15000)
    return page.locator("#search-results li").evaluate_all(
        """(items) => items.map((item) => ({
            title: item.querySelector("a").textContent,
            facets: item.querySelector(".result-facets").textContent,
        }))"""
    )


def test_search_results_say_kind_and_status_and_filtering_by_status_narrows_them(page: Page, site_url: str):
    page.set_viewport_size(DESKTOP)
    open_page(page, site_url, "search.html")
    everything = search_results(page, "Il-76")
    kinds = {result["facets"].split(" · ")[0] for result in everything}
    assert {"Claim", "Event", "Source"} <= kinds, everything
    claims = [result for result in everything if result["facets"].startswith("Claim")]
    assert all(" · Status: " in result["facets"] for result in claims), claims
    assert not [r for r in everything if not r["facets"].startswith("Claim") and "Status" in r["facets"]]
    statuses = {result["facets"].split("Status: ")[1] for result in claims}
    assert "Unverified" in statuses and len(statuses) > 1, statuses

    unverified = search_results(page, "Il-76", "Unverified")
    assert 0 < len(unverified) < len(everything)
    assert all(result["facets"] == "Claim · Status: Unverified" for result in unverified), unverified
    assert "status=Unverified" in page.url, "the filter is kept in the address"
    for screen in ("desktop", "phone"):
        page.set_viewport_size(SCREENS[screen])
        screenshot(page, f"search-{screen}")
    page.emulate_media(media="print")
    page.set_viewport_size(PRINT)
    screenshot(page, "search-print")


def test_search_filters_come_from_the_address(page: Page, site_url: str):
    open_page(page, site_url, "search.html?q=Yusov&kind=Source")
    expect(page.locator("#search-status")).to_contain_text("(kind: Source)", timeout=15000)
    facets = page.locator("#search-results .result-facets").all_text_contents()
    assert facets and set(facets) == {"Source"}


@pytest.fixture(scope="module")
def crowded_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The real content with every claim about one event (11 claims): built and served for this module."""
    content = tmp_path_factory.mktemp("crowded") / "content"
    shutil.copytree(ROOT / "content", content)
    claims_file = content / "factsheets" / "claims.yaml"
    sheet = yaml.safe_load(claims_file.read_text(encoding="utf-8"))
    for claim in sheet["claims"]:
        claim["about"] = list(dict.fromkeys([*claim["about"], CROWDED_EVENT]))
    claims_file.write_text(yaml.safe_dump(sheet, sort_keys=False, allow_unicode=True), encoding="utf-8")
    output = content.parent / "output"
    result = build_site(ROOT / "pelicanconf.py", content, output, quiet=True)
    assert result.ok
    server = SiteServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(output)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", content
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize("screen", ["phone", "desktop", "print"])
def test_an_event_with_many_claims_stays_readable(page: Page, crowded_site: tuple[str, Path], screen: str):
    url, content = crowded_site
    expected = stances_in_the_data(content, CROWDED_EVENT)
    assert len(expected) >= 10
    show(page, url, f"events/{CROWDED_EVENT}.html", screen)
    screenshot(page, f"event-with-{len(expected)}-claims-{screen}")
    assert not page.evaluate(OVERFLOWING), "\n".join(page.evaluate(OVERFLOWING))
    assert_every_stance_is_shown(page, expected)
    # Readable: no column of stances squeezed narrower than a short phrase.
    if screen != "phone":
        widths = page.locator("table.stances thead th").evaluate_all(
            "(cells) => cells.map((cell) => cell.getBoundingClientRect().width)"
        )
        assert len(widths) == 3 and min(widths) >= 90, widths
