"""The desk's people and the bylines of the checks (issue 30, part 1): staff records apart from the actors of
the news, "Checked by ... · Edited by ..." on each claim, a page per person with the checks they signed, the
About page's list, the ClaimReview's author and editor, and the warning for a check nobody (else) edited."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import FIXTURES, BuiltSites, read_page, run_check, run_pelican

CLAIMS = Path("factsheets") / "claims.yaml"
STAFF = Path("factsheets") / "staff.yaml"
POWS = "ukrainian-pows-on-board-il76"
OTHER_SITE = {"SITENAME": "Riverton flood fact sheets"}


@pytest.fixture(scope="module")
def other_site(built_site: BuiltSites) -> Path:
    return built_site(FIXTURES / "other-event", **OTHER_SITE)


def _claim_block(claims_file: Path, claim_id: str) -> tuple[int, int]:
    """The first and last line (1-based) of a claim's block in a claims file."""
    lines = claims_file.read_text(encoding="utf-8").splitlines()
    start = next(number for number, line in enumerate(lines, 1) if line == f"  - id: {claim_id}")
    end = next((number - 1 for number, line in enumerate(lines, 1) if number > start and line.startswith("  - id:")),
               len(lines))  # fmt: skip
    return start, end


def _set_claim_field(content: Path, claim_id: str, field: str, value: str | None) -> int:
    """Write (or with None, remove) a claim's field, in place; returns the line of the claim's `- id:`."""
    path = content / CLAIMS
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start, end = _claim_block(path, claim_id)
    index = next(i for i in range(start - 1, end) if lines[i].startswith(f"    {field}:"))
    if value is None:
        del lines[index]
    else:
        lines[index] = f"    {field}: {value}\n"
    path.write_text("".join(lines), encoding="utf-8")
    return start


def _line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


# The pages


def test_a_claim_page_names_who_checked_it_and_who_edited_it_each_linked_to_their_page(site):
    byline = read_page(site, f"claims/{POWS}.html").select_one("article.claim .byline")
    assert byline.get_text(" ", strip=True) == "Checked by Owen Pardoe · Edited by Halyna Mereshko"
    assert [(a.get_text(), a["href"]) for a in byline.select("a")] == [
        ("Owen Pardoe", "../staff/owen-pardoe.html"),
        ("Halyna Mereshko", "../staff/halyna-mereshko.html"),
    ]
    for claim_page in (site / "claims").glob("*.html"):
        if claim_page.name != "index.html":
            assert read_page(site, f"claims/{claim_page.name}").select_one(".byline"), claim_page.name


def test_a_staff_page_shows_the_person_and_every_check_they_signed_newest_first_with_its_status(site):
    page = read_page(site, "staff/owen-pardoe.html")
    article = page.select_one("main article.staff")
    assert article.h1.get_text(strip=True) == "Owen Pardoe"
    assert article.select_one(".lead").get_text(strip=True) == "Fact-checker"
    assert "Checks the figures, dates and places" in article.get_text()
    signed = article.select("ol.signed-checks > li")
    hrefs = [item.select_one("a")["href"] for item in signed]
    assert sorted(hrefs) == sorted(
        f"../claims/{claim}.html"
        for claim in (
            "russian-side-called-65-dead",
            POWS,
            "exchange-50-returned-207",
            "il76-crashed-in-belgorod-region",
            "il76-carried-s300-missiles",
        )
    )
    dates = [item.select_one("time")["datetime"] for item in signed]
    assert dates == sorted(dates, reverse=True) and dates[0] > dates[-1], "newest first"
    for item in signed:
        assert item.select_one(".signed-role").get_text() == "Checked"
        assert item.select_one(".status").get_text() in {"Unverified", "Uncontested", "Disputed"}
    pows = next(item for item in signed if POWS in item.select_one("a")["href"])
    assert pows.select_one(".status").get_text() == "Unverified"
    editor = read_page(site, "staff/halyna-mereshko.html").select("ol.signed-checks > li")
    assert len(editor) == 11 and {item.select_one(".signed-role").get_text() for item in editor} == {"Edited"}


def test_a_staff_members_links_open_without_referrer_and_the_page_has_its_changes(other_site):
    page = read_page(other_site, "staff/petra-ashgrove.html")
    link = page.select_one("article.staff dl.facts a[href^='https://']")
    assert link["href"] == "https://riverton-desk.test/people/petra-ashgrove"
    assert link["rel"] == ["noopener", "noreferrer"]
    assert page.select_one("#changes li").get_text(" ", strip=True).endswith("First published.")
    byline = read_page(other_site, "claims/no-injuries-reported.html").select_one(".byline")
    assert byline.get_text(" ", strip=True) == "Checked by Petra Ashgrove · Edited by Samuel Orrin"


def test_the_about_page_lists_the_staff_and_links_the_staff_index(site):
    about = read_page(site, "pages/about.html")
    listed = [(item.a.get_text(), item.a["href"], item.get_text(strip=True)) for item in about.select(".staff-list li")]
    assert listed == [
        ("Halyna Mereshko", "../staff/halyna-mereshko.html", "Halyna Mereshko, Editor"),
        ("Lidia Brannock", "../staff/lidia-brannock.html", "Lidia Brannock, Fact-checker"),
        ("Owen Pardoe", "../staff/owen-pardoe.html", "Owen Pardoe, Fact-checker"),
    ]
    assert about.find("a", href="../staff/index.html")
    index = read_page(site, "staff/index.html")
    assert [a.get_text() for a in index.select("main ul.index a")] == [name for name, _, _ in listed]
    assert "11 checks signed" in index.select_one("main ul.index").get_text()
    assert not any("staff/" in a["href"] for a in index.select("nav[aria-label=Sections] a")), "not in the navigation"


def test_the_claim_review_names_the_desk_with_its_checker_and_the_editor(site):
    script = read_page(site, f"claims/{POWS}.html").select_one('script[type="application/ld+json"]')
    review = json.loads(script.string)
    assert review["author"] == {
        "@type": "Organization",
        "name": "Fact-sheet desk",
        "employee": {
            "@type": "Person",
            "name": "Owen Pardoe",
            "jobTitle": "Fact-checker",
            "url": "/staff/owen-pardoe.html",
        },
    }
    assert review["editor"]["name"] == "Halyna Mereshko" and review["editor"]["@type"] == "Person"
    person = json.loads(
        read_page(site, "staff/owen-pardoe.html").select_one('script[type="application/ld+json"]').string
    )
    assert person["@type"] == "Person" and person["worksFor"]["name"] == "Fact-sheet desk"


def test_staff_pages_are_in_the_sitemap_the_search_index_and_the_open_data(site):
    sitemap = (site / "sitemap.xml").read_text()
    for page in ("staff/index.html", "staff/owen-pardoe.html", "staff/lidia-brannock.html"):
        assert f"<loc>/{page}</loc>" in sitemap
    documents = [row for path in (site / "search" / "documents").glob("*.json") for row in json.loads(path.read_text())]
    staff_documents = {row[0]: row for row in documents if row[2] == "Staff member"}
    assert set(staff_documents) == {
        f"staff/{name}.html" for name in ("owen-pardoe", "lidia-brannock", "halyna-mereshko")
    }
    assert staff_documents["staff/owen-pardoe.html"][1] == "Owen Pardoe"
    dataset = json.loads((site / "data" / "factsheets.json").read_text())
    assert [member["id"] for member in dataset["records"]["staff"]] == [
        "halyna-mereshko",
        "lidia-brannock",
        "owen-pardoe",
    ]
    assert dataset["pages"]["owen-pardoe"] == "/staff/owen-pardoe.html"
    pows = next(claim for claim in dataset["records"]["claims"] if claim["id"] == POWS)
    assert (pows["checked_by"], pows["edited_by"]) == ("owen-pardoe", "halyna-mereshko")


def test_every_string_of_a_staff_record_is_escaped_on_every_page_and_in_the_json_ld(content_copy, tmp_path):
    staff = content_copy / STAFF
    staff.write_text(
        staff.read_text(encoding="utf-8").replace("name: Owen Pardoe", 'name: "Owen <b>Pardoe</b> </script>"'),
        encoding="utf-8",
    )
    output = tmp_path / "output"
    result = run_pelican(content_copy, output)
    assert result.returncode == 0, result.stderr
    for page in ("staff/owen-pardoe.html", f"claims/{POWS}.html", "pages/about.html", "staff/index.html"):
        text = (output / page).read_text(encoding="utf-8")
        assert "<b>Pardoe</b>" not in text, page
        assert "Owen &lt;b&gt;Pardoe&lt;/b&gt;" in text, page
    script = read_page(output, f"claims/{POWS}.html").select_one('script[type="application/ld+json"]').string
    assert "</script>" not in script and "<b>" not in script
    assert json.loads(script)["author"]["employee"]["name"] == "Owen <b>Pardoe</b> </script>"


# The checks


def test_a_staff_id_is_refused_where_an_actor_is_wanted_and_an_actor_id_where_a_staff_member_is(content_copy):
    claims = content_copy / CLAIMS
    _set_claim_field(content_copy, POWS, "claimant", "owen-pardoe")
    _set_claim_field(content_copy, "exchange-50-returned-207", "checked_by", "andrii-yusov")
    result = run_check(content_copy)
    assert result.returncode == 1, result.stdout
    claimant_line = _line_of(claims, "claimant: owen-pardoe")
    index = _claim_index(claims, POWS)
    assert (
        f"{claims.relative_to(content_copy.parent)}:{claimant_line}:15: claims[{index}].claimant: "
        "'owen-pardoe' is a staff member, not an actor"
    ) in _relative(result.stderr, content_copy)
    checked_line = _line_of(claims, "checked_by: andrii-yusov")
    index = _claim_index(claims, "exchange-50-returned-207")
    assert (
        f"{claims.relative_to(content_copy.parent)}:{checked_line}:17: claims[{index}].checked_by: "
        "'andrii-yusov' is an actor, not a staff member"
    ) in _relative(result.stderr, content_copy)


def test_an_unknown_staff_id_is_refused_with_a_suggestion(content_copy):
    claims = content_copy / CLAIMS
    _set_claim_field(content_copy, POWS, "edited_by", "halyna-mereshco")
    result = run_check(content_copy)
    assert result.returncode == 1
    line = _line_of(claims, "edited_by: halyna-mereshco")
    expected = (
        f"{claims.relative_to(content_copy.parent)}:{line}:16: claims[{_claim_index(claims, POWS)}].edited_by: "
        "unknown staff member 'halyna-mereshco' (did you mean 'halyna-mereshko'?)"
    )
    assert expected in _relative(result.stderr, content_copy), result.stderr


def test_a_claim_without_a_checker_or_an_editor_is_a_warning(content_copy):
    claims = content_copy / CLAIMS
    start = _set_claim_field(content_copy, POWS, "checked_by", None)
    _set_claim_field(content_copy, POWS, "edited_by", None)
    result = run_check(content_copy)
    assert result.returncode == 0, result.stderr
    index = _claim_index(claims, POWS)
    stderr = _relative(result.stderr, content_copy)
    where = f"{claims.relative_to(content_copy.parent)}:{start}:5: warning: claims[{index}]"
    assert f"{where}.checked_by: missing: a claim names who checked it, one of the desk's staff" in stderr
    assert f"{where}.edited_by: missing: a claim names who edited it, one of the desk's staff" in stderr
    assert result.stderr.rstrip().endswith("2 warnings found.")


def test_a_claim_edited_by_its_own_checker_is_a_warning_and_the_build_goes_on(content_copy, tmp_path):
    claims = content_copy / CLAIMS
    _set_claim_field(content_copy, POWS, "edited_by", "owen-pardoe")
    line = _line_of(claims, "edited_by: owen-pardoe")
    output = tmp_path / "output"
    result = run_pelican(content_copy, output)
    assert result.returncode == 0, result.stderr
    expected = (
        f"{claims.relative_to(content_copy.parent)}:{line}:16: warning: claims[{_claim_index(claims, POWS)}]"
        ".edited_by: edited by its own checker 'owen-pardoe' (a check is edited (reviewed) by someone other than "
        "the person who checked it)"
    )
    assert expected in _relative(result.stderr, content_copy), result.stderr
    signed = read_page(output, "staff/owen-pardoe.html").select("ol.signed-checks > li")
    pows = next(item for item in signed if POWS in item.a["href"])
    assert pows.select_one(".signed-role").get_text() == "Checked and edited"


def test_a_second_record_of_the_same_person_cannot_edit_their_own_check(content_copy, tmp_path):
    """Two staff records of one name are one person: the check's checker cannot edit it under another id."""
    staff = content_copy / "factsheets" / "staff.yaml"
    staff.write_text(
        staff.read_text()
        + "\n  - id: owen-p\n    name: Owen  pardoe\n    role: Fact-checker\n    bio: The same person again.\n"
    )
    _set_claim_field(content_copy, POWS, "edited_by", "owen-p")
    claims = content_copy / CLAIMS
    line = _line_of(claims, "edited_by: owen-p")
    result = run_pelican(content_copy, tmp_path / "output")
    assert result.returncode == 0, result.stderr
    assert (
        f"{claims.relative_to(content_copy.parent)}:{line}:16: warning: claims[{_claim_index(claims, POWS)}]"
        ".edited_by: edited by its own checker 'owen-pardoe'"
    ) in _relative(result.stderr, content_copy), result.stderr


def test_the_byline_rule_can_be_made_an_error_for_the_publishing_gate(content_copy):
    from factsheets.pipeline import read_site
    from factsheets.rules import check_bylines

    _set_claim_field(content_copy, POWS, "edited_by", "owen-pardoe")
    site = read_site(content_copy)
    warned = [problem for problem in site.warnings if problem.field.endswith("edited_by")]
    assert len(warned) == 1 and warned[0].warning
    errors = check_bylines(site, as_errors=True)
    assert [(problem.field, problem.warning) for problem in errors] == [(warned[0].field, False)]
    assert check_bylines(site) == warned


def _claim_index(claims: Path, claim_id: str) -> int:
    ids = re.findall(r"^  - id: (\S+)$", claims.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return ids.index(claim_id)


def _relative(stderr: str, content: Path) -> str:
    """The messages with the content copy's folder written as 'content/', as an editor reads them."""
    return stderr.replace(str(content.parent) + "/", "")


def test_the_fixture_and_content_claims_all_carry_bylines():
    """Every published claim is signed twice; a draft may wait for its editor."""
    for content in (FIXTURES / "other-event", Path(__file__).resolve().parent.parent / "content"):
        text = (content / CLAIMS).read_text(encoding="utf-8")
        drafts = text.count("\n    publication: draft")
        assert text.count("\n  - id: ") == text.count("\n    checked_by: ") == text.count("\n    edited_by: ") + drafts


# The preview


def test_the_preview_updates_a_staff_members_page_and_the_about_page_after_an_edit(content_copy, tmp_path):
    from factsheets.build import build_site
    from factsheets.incremental import LiveSite, Outcome

    root = Path(__file__).resolve().parent.parent
    live = LiveSite(root / "pelicanconf.py", content_copy, tmp_path / "output")
    assert live.build_all()
    staff = content_copy / STAFF
    staff.write_text(staff.read_text(encoding="utf-8").replace("places in", "places and sums in"), encoding="utf-8")
    report = live.update()
    assert report.outcome is Outcome.UPDATED and report.changed_records == ["owen-pardoe"]
    assert "places and sums in" in read_page(live.output_dir, "staff/owen-pardoe.html").get_text()
    staff.write_text(staff.read_text(encoding="utf-8").replace("role: Editor", "role: Managing editor"), "utf-8")
    assert live.update().outcome is Outcome.NEEDS_FULL_BUILD, "a role is on the About page, which Pelican writes"
    assert live.build_all()
    about = read_page(live.output_dir, "pages/about.html").select_one(".staff-list").get_text()
    assert "Halyna Mereshko, Managing editor" in about
    live.reindex_search()
    clean = tmp_path / "clean"
    assert build_site(root / "pelicanconf.py", content_copy, clean, quiet=True).ok
    for page in ("staff/owen-pardoe.html", "staff/index.html", "pages/about.html", f"claims/{POWS}.html"):
        assert (live.output_dir / page).read_bytes() == (clean / page).read_bytes(), page
