"""The verdict in the first screen: the claim page's status banner and the home page's at-a-glance section,
at 375 px, at 1280 px and in print media, with screenshots in test-artifacts/ to look at."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from .test_pages_in_browser import ARTIFACTS, DESKTOP, PHONE, open_page

FIRST_SCREEN = {
    "claim": ("claims/ukrainian-pows-on-board-il76.html", "main > section.verdict"),
    "home": ("index.html", "main section.at-a-glance"),
}


@pytest.mark.parametrize("media", ["screen", "print"])
@pytest.mark.parametrize("screen, viewport", [("desktop", DESKTOP), ("phone", PHONE)])
@pytest.mark.parametrize("page_type", list(FIRST_SCREEN))
def test_the_verdict_is_in_the_first_screen(
    page: Page, site_url: str, page_type: str, screen: str, viewport: dict, media: str
):
    path, selector = FIRST_SCREEN[page_type]
    screenshot = ARTIFACTS / f"verdict-{page_type}-{screen}-{media}.png"
    screenshot.unlink(missing_ok=True)
    page.set_viewport_size(viewport)
    page.emulate_media(media=media)
    open_page(page, site_url, path)
    box = page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not shown on {path}"
    assert box["y"] < viewport["height"], f"{selector} starts at {box['y']} px, below the first screen"
    assert box["x"] + box["width"] <= viewport["width"], f"{selector} is wider than the screen"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 10_000, "the screenshot looks blank"


@pytest.mark.parametrize("path", ["pages/about.html", "pages/methodology.html", "pages/corrections.html"])
def test_axe_finds_no_violations_on_the_credibility_pages(page: Page, site_url: str, path: str):
    open_page(page, site_url, path)
    violations = Axe().run(page).response["violations"]
    described = [(violation["id"], [node["target"] for node in violation["nodes"]]) for violation in violations]
    assert not described, f"{path}: {described}"


def test_every_status_has_its_own_shape(page: Page, site_url: str):
    open_page(page, site_url, "pages/methodology.html")
    shapes = page.evaluate(
        """() => [...document.querySelectorAll('table.rubric .status')].map((badge) => {
            const shape = getComputedStyle(badge, '::before');
            return [shape.clipPath, shape.borderRadius, shape.borderStyle, shape.backgroundColor].join(' | ');
        })"""
    )
    assert len(shapes) == 5 and len(set(shapes)) == 5, shapes
