"""`factsheets serve`: an edit reaches the open page by itself; a broken edit keeps the last good site and
shows its problems over every open page; an address without a page gets the site's 404 page."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from helpers import WAIT, DevServer, start_dev_server, stop, wait_until

from .helpers import ROOT, BrowserProblems

ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def dev_server(content_copy: Path, tmp_path: Path) -> Iterator[DevServer]:
    """`factsheets serve` on a copy of the content, a temporary output folder and a free port."""
    server = start_dev_server(["-s", ROOT / "pelicanconf.py", "-o", tmp_path / "output", content_copy], ROOT, tmp_path)
    try:
        yield server
    finally:
        stop(server.process)


def frames_sent_on_websockets(page: Page) -> list[str]:
    """What the page sends on its websockets: livereload.js sends "info" once the server may reload it."""
    frames: list[str] = []
    page.on("websocket", lambda websocket: websocket.on("framesent", lambda frame: frames.append(str(frame))))
    return frames


def in_browser(page: Page) -> Callable[[float], None]:
    """A pause during which Playwright delivers the page's events (time.sleep would hold them back)."""
    return lambda seconds: page.wait_for_timeout(seconds * 1000)


def first_event(content: Path) -> tuple[Path, str, str]:
    """The events file, the first event's id and its title."""
    events_file = content / "factsheets" / "events.yaml"
    event = yaml.safe_load(events_file.read_text())["events"][0]
    return events_file, event["id"], event["title"]


def retitle(events_file: Path, old: str, new: str) -> None:
    text = events_file.read_text()
    assert text.count(f"title: {old}\n") == 1
    events_file.write_text(text.replace(f"title: {old}\n", f"title: {new}\n"))


def test_an_edit_reloads_the_open_page_and_a_broken_edit_keeps_the_last_good_site(
    dev_server: DevServer, content_copy: Path, page: Page, browser_problems: BrowserProblems
):
    events_file, event_id, title = first_event(content_copy)
    event_page = f"events/{event_id}.html"
    assert re.search(r'<script src="/livereload\.js\?port=\d+"></script>', dev_server.fetch(event_page))
    frames = frames_sent_on_websockets(page)
    page.goto(f"{dev_server.url}/{event_page}")
    expect(page.locator("h1")).to_have_text(title)
    wait_until(lambda: any('"info"' in frame for frame in frames), "livereload handshake", dev_server, in_browser(page))

    edited = f"{title} (edited)"
    retitle(events_file, title, edited)
    expect(page.locator("h1")).to_have_text(edited, timeout=WAIT * 1000)  # no reload by the test: livereload's

    # The edited page is reloaded first; the update's other pages, then its report, follow.
    def reported() -> bool:
        return bool(re.search(r"^rebuilt \d+ pages? in \d+\.\d\d s$", dev_server.output(), re.MULTILINE))

    wait_until(reported, "report of the rebuild", dev_server, in_browser(page))

    good_text = events_file.read_text()
    events_file.write_text(good_text + "  - id: [unclosed\n")
    wait_until(lambda: "events.yaml" in dev_server.errors(), "error naming events.yaml", dev_server)
    assert re.search(rf"{re.escape(str(events_file.resolve()))}:\d+:\d+: YAML syntax error", dev_server.errors())
    assert f"<h1>{edited}</h1>" in dev_server.fetch(event_page), "the last good page is no longer served"
    expect(page.locator("h1")).to_have_text(edited)

    fixed = f"{title} (fixed)"
    events_file.write_text(good_text.replace(f"title: {edited}\n", f"title: {fixed}\n"))
    expect(page.locator("h1")).to_have_text(fixed, timeout=WAIT * 1000)
    assert f"<h1>{fixed}</h1>" in dev_server.fetch(event_page)
    problems = browser_problems.take()
    assert not problems, "the live-reload script or its websocket failed (the page's CSP?):\n" + "\n".join(problems)


def problems_dialog(page: Page):
    return page.get_by_role("alertdialog")


def terminal_line(server: DevServer, pattern: str) -> str:
    """The first line of the server's stderr that matches pattern, once it is there."""
    found: list[str] = []

    def printed() -> bool:
        found[:] = re.findall(rf"^.*{pattern}.*$", server.errors(), re.MULTILINE)
        return bool(found)

    wait_until(printed, f"a line matching {pattern!r} on stderr", server)
    return found[0]


def test_a_broken_edit_shows_its_problems_over_every_open_page_until_a_good_edit(
    dev_server: DevServer, content_copy: Path, page: Page, browser_problems: BrowserProblems
):
    events_file, event_id, title = first_event(content_copy)
    event_page = f"{dev_server.url}/events/{event_id}.html"
    page.goto(event_page)
    expect(page.locator("h1")).to_have_text(title)
    expect(problems_dialog(page)).to_have_count(0)

    good_text = events_file.read_text()
    events_file.write_text(good_text + "  - id: [unclosed\n")
    problem = terminal_line(dev_server, rf"{re.escape(str(events_file.resolve()))}:\d+:\d+: YAML syntax error")
    dialog = problems_dialog(page)
    expect(dialog).to_be_visible(timeout=WAIT * 1000)  # pushed to the open page, which stays as it was
    expect(dialog).to_contain_text(problem)
    expect(dialog.get_by_role("heading")).to_have_text(re.compile("build failed", re.IGNORECASE))
    expect(page.locator("main h1")).to_have_text(title)
    close = dialog.get_by_role("button", name="Close")
    expect(close).to_be_focused()

    violations = Axe().run(page).response["violations"]
    described = [f"{v['id']}: {v['help']} at {[node['target'] for node in v['nodes']]}" for v in violations]
    assert not described, "\n".join(described)
    ARTIFACTS.mkdir(exist_ok=True)
    for screen, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        box = dialog.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], f"the dialog overflows: {box}"
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=ARTIFACTS / f"preview-problems-{screen}.png")

    page.keyboard.press("Enter")  # on the focused close button
    expect(dialog).to_be_hidden()

    # A page opened while the site does not build shows the problems too; Escape closes them.
    page.goto(f"{dev_server.url}/index.html")
    expect(problems_dialog(page)).to_contain_text(problem, timeout=WAIT * 1000)
    page.keyboard.press("Escape")
    expect(problems_dialog(page)).to_be_hidden()

    # Other problems replace the ones shown; what they quote from the fact sheets is shown as text.
    page.goto(event_page)
    expect(problems_dialog(page)).to_be_visible(timeout=WAIT * 1000)
    events_file.write_text(good_text + "  - id: markup\n    <b>bold</b>: 1\n")
    expect(problems_dialog(page)).to_contain_text("unknown field '<b>bold</b>'", timeout=WAIT * 1000)
    expect(problems_dialog(page)).not_to_contain_text("YAML syntax error")
    expect(problems_dialog(page).locator("b")).to_have_count(0)

    fixed = f"{title} (fixed)"
    events_file.write_text(good_text.replace(f"title: {title}\n", f"title: {fixed}\n"))
    expect(page.locator("main h1")).to_have_text(fixed, timeout=WAIT * 1000)
    expect(problems_dialog(page)).to_have_count(0)
    problems = browser_problems.take()
    assert not problems, "the preview's scripts or websockets failed (the page's CSP?):\n" + "\n".join(problems)


def rename_id(content: Path, old: str, new: str) -> None:
    """Rename a record id in every fact sheet, references included: the site builds, without the old page."""
    for sheet in (content / "factsheets").glob("*.yaml"):
        text = sheet.read_text()
        sheet.write_text(re.sub(rf"(?<![\w-]){re.escape(old)}(?![\w-])", new, text))


def test_a_page_whose_id_is_renamed_shows_the_404_page_and_comes_back_when_the_id_is_restored(
    dev_server: DevServer, content_copy: Path, page: Page
):
    actor = yaml.safe_load((content_copy / "factsheets" / "actors.yaml").read_text())["actors"][0]
    frames = frames_sent_on_websockets(page)

    def handshakes() -> int:
        return sum('"info"' in frame for frame in frames)

    page.goto(f"{dev_server.url}/actors/{actor['id']}.html")
    expect(page.locator("main h1")).to_have_text(actor["name"])
    wait_until(lambda: handshakes() >= 1, "livereload handshake", dev_server, in_browser(page))
    sheets = {sheet: sheet.read_text() for sheet in (content_copy / "factsheets").glob("*.yaml")}

    rename_id(content_copy, actor["id"], f"{actor['id']}-renamed")
    expect(page.locator("main h1")).to_have_text("Page not found", timeout=WAIT * 1000)  # the site's own 404 page
    expect(page.get_by_role("link", name="All claims")).to_be_visible()

    wait_until(lambda: handshakes() >= 2, "live reload on the 404 page", dev_server, in_browser(page))
    for sheet, text in sheets.items():
        sheet.write_text(text)
    expect(page.locator("main h1")).to_have_text(actor["name"], timeout=WAIT * 1000)  # back, with no action
