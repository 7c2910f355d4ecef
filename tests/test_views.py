"""Seeing the whole: the timeline, the who-says-what matrix and the relationship diagram."""

from __future__ import annotations

import json
import os
import time

import pytest

from factsheets.graph import STATUS_ORDER
from helpers import CONTENT, SMALL_SEARCH_PARTS, read_page, run_pelican


def test_timeline_lists_events_and_claims_in_date_order_with_honest_precision(site):
    items = read_page(site, "timeline.html").select("ol.timeline > li")
    dates = [item.time["datetime"] for item in items]
    assert dates == sorted(dates)
    kinds = [item.select_one(".record-kind").get_text() for item in items]
    assert kinds.count("Event") == 3 and kinds.count("Claim") == 11
    first = items[0]
    assert first.time.get_text() == "24 January 2024"
    assert first.select_one("a")["href"].startswith("./events/")
    texts = [item.time.get_text() for item in items]
    assert "on or before 31 January 2024" in texts


def test_il76_stances_show_who_asserts_and_who_disputes_and_nothing_else(site):
    table = read_page(site, "events/il76-crash-belgorod.html").select_one("table.stances")
    assert [th.get_text() for th in table.select("thead th")] == ["Claim", "Status", "Who says what"]
    rows = {}
    for row in table.select("tbody tr"):
        claim = row.th.a["href"].rsplit("/", 1)[1].removesuffix(".html")
        assert row.th["data-label"] == "Claim" and [td["data-label"] for td in row.select("td")] == [
            "Status",
            "Who says what",
        ]
        said = [li.get_text() for li in row.select("ul.stance-list li")]
        rows[claim] = dict(item.rsplit(": ", 1) for item in said)
    assert rows["ukrainian-pows-on-board-il76"] == {
        "Ministry of Defence of Russia": "asserts",
        "Andrii Yusov": "questions",
    }
    assert rows["il76-carried-s300-missiles"] == {"Sources in the Ukrainian Armed Forces": "asserts"}
    assert rows["il76-crashed-in-belgorod-region"] == {"Russian media": "asserts"}
    assert "no statement" not in table.get_text()


def test_an_actor_that_relays_and_questions_a_claim_is_shown_doing_both(site):
    table = read_page(site, "events/il76-crash-belgorod.html").select_one("table.stances")
    row = table.find("a", href="../claims/russian-side-called-65-dead.html").find_parent("tr")
    assert [li.get_text() for li in row.select("li")] == ["Russia: asserts", "Andrii Yusov: relays and questions"]


def test_diagram_is_inline_svg_with_every_node_a_link(site):
    svg = read_page(site, "diagram.html").select_one("svg.diagram")
    assert svg["aria-labelledby"] == svg.title["id"] and svg.title.get_text()
    links = {a["href"] for a in svg.find_all("a")}
    claims = {f"./claims/{page.name}" for page in (site / "claims").glob("*.html") if page.name != "index.html"}
    assert claims <= links
    assert "./actors/russian-defence-ministry.html" in links
    stances = {line["class"][1] for line in svg.select("path.edge")}
    assert stances == {"edge-asserts", "edge-questions", "edge-relays"}, "every stance in the content, and no other"
    claim_texts = [" ".join(t.get_text(" ") for t in a.find_all("tspan")) for a in svg.select("a.diagram-claim")]
    assert len(claim_texts) == len(set(claim_texts)) == len(claims), "every claim once, no two alike"
    assert all(text.rsplit("Status: ", 1)[1] for text in claim_texts), "the status in words, not colour alone"


def test_the_diagram_legend_names_every_status_whichever_the_claims_have(site):
    legend = [item.get_text(" ", strip=True) for item in read_page(site, "diagram.html").select(".legend ul")[1]("li")]
    assert legend == [status.capitalize() for status in STATUS_ORDER]
    drawn = {box.get_text(" ", strip=True) for box in read_page(site, "diagram.html").select(".diagram-status")}
    assert len(drawn) < len(STATUS_ORDER), "the content has claims of only some statuses"


def test_the_diagram_is_the_same_bytes_from_the_same_records(site, tmp_path):
    again = tmp_path / "again"
    result = run_pelican(CONTENT, again)
    assert result.returncode == 0, result.stderr
    assert (again / "diagram.html").read_bytes() == (site / "diagram.html").read_bytes()


RECORD_FOLDERS = ("events", "actors", "claims", "sources")


def _record_pages(site):
    pages = (page for folder in RECORD_FOLDERS for page in (site / folder).glob("*.html"))
    return sorted(page for page in pages if page.name != "index.html")


def _indexed_page_counts(site):
    index = site / "pagefind"
    parts = json.loads((index / "indexes.json").read_text())["indexes"]
    entries = [json.loads((index / part / "pagefind-entry.json").read_text()) for part in parts]
    return [entry["languages"]["en"]["page_count"] for entry in entries]


def test_search_finds_each_record_by_its_own_words_and_the_page_works_without_javascript(site):
    credentials = sorted((site / "pages").glob("*.html"))  # About, Methodology, Corrections policy
    assert len(credentials) == 3
    assert _indexed_page_counts(site) == [len(_record_pages(site)) + len(credentials)]
    for path in credentials:
        page = read_page(site, f"pages/{path.name}")
        assert page.select_one("main[data-pagefind-body] h1"), f"{path.name} is found by its words"
        assert [span["data-pagefind-filter"] for span in page.select("main > span[hidden]")] == ["kind:Page"]
    for page in ("index.html", "claims/index.html", "timeline.html", "diagram.html", "search.html", "404.html"):
        assert not read_page(site, page).select("[data-pagefind-body]"), f"{page} lists records: not a result"
    actor = read_page(site, "actors/russian-defence-ministry.html")
    assert actor.select_one("main[data-pagefind-body] h1").get_text() == "Ministry of Defence of Russia"
    claims_made = actor.select_one("#claims-made-heading").find_parent("section")
    assert claims_made.has_attr("data-pagefind-ignore"), "other records' words do not make the actor a result"
    claim = read_page(site, "claims/ukrainian-pows-on-board-il76.html")
    assert not claim.select("section[data-pagefind-ignore]:not(#changes)"), "a claim is found by all its own text"
    for boilerplate in ("figcaption", "dt", "h2", ".status-meaning", ".record-kind"):
        assert all(element.has_attr("data-pagefind-ignore") for element in claim.select(boilerplate)), boilerplate

    facets = [
        (span["data-pagefind-meta"], span["data-pagefind-filter"]) for span in claim.select("main > span[hidden]")
    ]
    assert facets == [("kind:Claim",) * 2, ("status:Unverified",) * 2], "kind and status shown on results, filtered by"
    actor_facets = [span["data-pagefind-filter"] for span in actor.select("main > span[hidden]")]
    assert actor_facets == ["kind:Actor"]

    search = read_page(site, "search.html")
    assert search.select_one("form[role=search] input[name=q]")["type"] == "search"
    choices = {
        select["name"]: [option.get_text() for option in select.select("option")]
        for select in search.select("form select")
    }
    assert choices == {
        "kind": ["Any", "Event", "Actor", "Claim", "Source"],
        "status": ["Any", "Unverified", "Uncontested"],
    }
    fallback = search.noscript
    assert {a["href"] for a in fallback.select("a")} >= {"./claims/index.html", "./timeline.html"}
    assert search.select_one("script[defer]")["src"] == "./theme/js/search.js"


def test_a_large_site_is_indexed_in_even_parts_of_bounded_size(built_site):
    output = built_site(**SMALL_SEARCH_PARTS)  # parts of 10 pages, indexed by two processes
    records = len(_record_pages(output)) + len(list((output / "pages").glob("*.html")))  # and About, ...
    counts = _indexed_page_counts(output)
    assert len(counts) == -(-records // 10)
    assert max(counts) <= 10 and max(counts) - min(counts) <= 1 and sum(counts) == records
    assert not [path for path in output.parent.iterdir() if ".pagefind-" in path.name], "scratch removed"


def test_search_parts_are_even_keep_the_pages_order_and_do_not_depend_on_the_machine():
    from factsheets.search import MIN_PAGES_PER_PART, plan_parts

    def sizes(count, pages_per_index):
        pages = [f"claims/{number}.html" for number in range(count)]
        parts = plan_parts(pages, pages_per_index)
        assert [page for part in parts for page in part] == pages
        return [len(part) for part in parts]

    assert sizes(20_018, 4000) == [3337, 3337, 3336, 3336, 3336, 3336]
    assert sizes(2 * MIN_PAGES_PER_PART, 4000) == [MIN_PAGES_PER_PART] * 2, "two Pagefind runs end together"
    assert sizes(2 * MIN_PAGES_PER_PART - 1, 4000) == [2 * MIN_PAGES_PER_PART - 1], "small: one download"
    assert sizes(2 * MIN_PAGES_PER_PART, 1) == [1] * 2 * MIN_PAGES_PER_PART, "never an empty part"
    assert sizes(27, 5) == [5, 5, 5, 4, 4, 4]
    assert sizes(0, 4000) == []


def _fake_pagefind(tmp_path, script: str):
    fake = tmp_path / "fake-pagefind"
    fake.write_text("#!/bin/sh\n" + script)
    fake.chmod(0o755)
    return (str(fake),)


def _pages_of_a_small_site(site_folder, count: int = 4) -> list[str]:
    site_folder.mkdir()
    for number in range(count):
        (site_folder / f"page-{number}.html").write_text(f"<html><body><main>page {number}</main></body></html>")
    return [f"page-{number}.html" for number in range(count)]


def _still_running(pid_files) -> list[int]:
    running = []
    for pid in (int(pid_file.read_text()) for pid_file in pid_files):
        try:
            os.kill(pid, 0)
            running.append(pid)
        except ProcessLookupError:
            pass
    return running


def test_a_failed_search_index_run_is_reported_and_the_old_index_kept(tmp_path, monkeypatch):
    from factsheets import search

    site_folder = tmp_path / "site"
    pages = _pages_of_a_small_site(site_folder)
    search.build_search_index(site_folder, [pages[:2], pages[2:]], processes=2)
    manifest = (site_folder / "pagefind" / "indexes.json").read_text()

    failing = _fake_pagefind(tmp_path, "echo 'no space left on device' >&2\nexit 3\n")
    monkeypatch.setattr(search, "_pagefind", lambda: failing)
    with pytest.raises(search.SearchIndexError, match="no space left on device"):
        search.build_search_index(site_folder, [pages[:2], pages[2:]], processes=2)
    assert (site_folder / "pagefind" / "indexes.json").read_text() == manifest
    assert sorted(path.name for path in (site_folder / "pagefind").iterdir()) == ["0", "1", "indexes.json"]
    assert not [path for path in tmp_path.iterdir() if ".pagefind-" in path.name], "scratch removed"


@pytest.mark.parametrize("stop", ["a failed run", "an interrupt"])
def test_runs_still_going_are_stopped_when_the_search_index_fails(tmp_path, monkeypatch, stop):
    from factsheets import search

    pages = _pages_of_a_small_site(tmp_path / "site")
    # Each run writes its pid, then would run for a minute; the first part's run fails after half a
    # second (the other has started by then), or the test interrupts the wait for it.
    failing = 'case "$2" in *pages-0) sleep 0.5; echo "disk full" >&2; exit 3;; esac\n'
    fails_first = failing if stop == "a failed run" else ""
    pids = tmp_path / "pids"
    pids.mkdir()
    fake = _fake_pagefind(tmp_path, fails_first + f'echo $$ > "{pids}/$(basename "$2")"\nexec sleep 60\n')
    monkeypatch.setattr(search, "_pagefind", lambda: fake)
    if stop == "an interrupt":

        def interrupted(run, linked):
            time.sleep(0.5)  # both runs started
            raise KeyboardInterrupt

        monkeypatch.setattr(search, "_finish", interrupted)
    started = time.monotonic()
    with pytest.raises(search.SearchIndexError if stop == "a failed run" else KeyboardInterrupt):
        search.build_search_index(tmp_path / "site", [pages[:2], pages[2:]], processes=2)
    assert time.monotonic() - started < 30, "no wait for the runs still going"
    assert list(pids.iterdir()), "a run was going"
    assert not _still_running(pids.iterdir()), "every Pagefind run stopped"
    assert not [path for path in tmp_path.iterdir() if ".pagefind-" in path.name], "scratch removed"


def test_home_lists_stay_short_and_link_to_the_full_index():
    from factsheets.views import HOME_LIST_LIMIT, shortlist

    long = shortlist(list(range(HOME_LIST_LIMIT + 7)))
    assert (len(long.items), long.more) == (HOME_LIST_LIMIT, 7)
    assert shortlist([1, 2]).more == 0


def test_home_page_of_the_real_content_lists_everything(site):
    home = read_page(site, "index.html")
    # The at-a-glance summary names a few claims of each kind on purpose; the lists below it are whole.
    assert not [more for more in home.select(".more") if not more.find_parent(class_="at-a-glance")]
    assert len(home.select("#actors-heading + ul li")) == 12


def test_a_site_without_records_yet_builds_with_an_empty_search_index(tmp_path):
    content = tmp_path / "content"
    (content / "factsheets").mkdir(parents=True)
    (content / "factsheets" / "claims.yaml").write_text("claims: []\n")
    output = tmp_path / "output"
    result = run_pelican(content, output)
    assert result.returncode == 0, result.stderr
    assert json.loads((output / "pagefind" / "indexes.json").read_text()) == {"indexes": []}
    assert read_page(output, "search.html").select_one("#search-status")


def _files_of(folder):
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_search_filters_are_the_same_bytes_from_the_same_pages(tmp_path):
    """Pagefind writes a filter's values in a hash map's order: the index is made stable after each run."""
    from factsheets import search

    site_folder = tmp_path / "site"
    site_folder.mkdir()
    kinds = ["Event", "Actor", "Claim", "Source", "Quote", "Figure", "Response", "Overview"]
    pages = []
    for number, kind in enumerate(kinds * 2):
        page = f"page-{number}.html"
        filters = f'<span data-pagefind-filter="kind:{kind}"></span><span data-pagefind-filter="n:{number % 7}"></span>'
        (site_folder / page).write_text(
            f"<html><body><main data-pagefind-body>{filters}page {number}</main></body></html>"
        )
        pages.append(page)
    builds = []
    for _ in range(3):
        search.build_search_index(site_folder, [pages])
        builds.append(_files_of(site_folder / "pagefind"))
    assert builds[0] == builds[1] == builds[2]
    assert len([name for name in builds[0] if name.endswith(".pf_filter")]) == 2
