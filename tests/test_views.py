"""Seeing the whole: the timeline, the who-says-what matrix and the relationship diagram."""

from __future__ import annotations

from factsheets.graph import STATUS_ORDER
from helpers import CONTENT, read_page, run_pelican


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


def test_a_diagram_of_more_claims_than_the_limit_draws_those_most_actors_speak_about(built_site, site):
    """FACTSHEETS_DIAGRAM_CLAIMS: of more claims, the diagram draws that many, those the most actors take a
    stance on, says so, and lists the same claims in words; every claim stays in the claims table."""
    limited = built_site(FACTSHEETS_DIAGRAM_CLAIMS=3)
    page = read_page(limited, "diagram.html")
    drawn = [a["href"] for a in page.select("svg.diagram a.diagram-claim")]
    listed = [li.find("a")["href"] for li in page.select(".diagram-list > ul > li")]
    assert len(drawn) == 3 and sorted(drawn) == sorted(listed)
    table = read_page(limited, "claims/index.html").select("table.claims-table tbody tr")
    assert len(table) == 11, "the claims table keeps every claim"
    assert "This diagram draws 3 of the 11 claims" in page.select_one("main").get_text(" ")

    whole = read_page(site, "diagram.html")
    from factsheets.graph import STATUS_ORDER

    def rank(li):  # the actors that take a stance, most first; then the status, disputed first
        status = next(name for name in STATUS_ORDER if f"status-{name}" in li.select_one(".status")["class"])
        return -len({a["href"] for a in li.select(".stance-list a")}), STATUS_ORDER.index(status)

    every_claim = whole.select(".diagram-list > ul > li")  # in the site's order, as the diagram takes them
    assert sorted(drawn) == sorted(li.find("a")["href"] for li in sorted(every_claim, key=rank)[:3])
    assert "This diagram draws" not in whole.select_one("main").get_text(" "), "all 11 drawn: no note"
