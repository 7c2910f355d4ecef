"""What the theme says on every page: which section of the navigation a reader is in, and counts in words."""

from __future__ import annotations

import pytest

from helpers import FIXTURES, read_page, run_pelican


def _current(site, page: str) -> dict[str, str]:
    """The navigation's entries marked current on a page: their text and their aria-current."""
    header = read_page(site, page).select_one("header.site-header nav")
    return {link.get_text(strip=True): link["aria-current"] for link in header.select("a[aria-current]")}


def test_the_navigation_marks_the_section_a_page_is_in(site):
    assert _current(site, "index.html") == {}
    assert _current(site, "claims/index.html") == {"Claims": "page"}
    claim_page = next(path.name for path in sorted((site / "claims").glob("*.html")) if path.name != "index.html")
    assert _current(site, f"claims/{claim_page}") == {"Claims": "true"}
    assert _current(site, "timeline.html") == {"Timeline": "page"}
    assert _current(site, "pages/about.html") == {"About": "page"}
    assert _current(site, "404.html") == {}


@pytest.fixture(scope="module")
def other_site(tmp_path_factory):
    output = tmp_path_factory.mktemp("other-site")
    result = run_pelican(FIXTURES / "other-event", output, overrides={"SITENAME": "Riverton flood fact sheets"})
    assert result.returncode == 0, result.stderr
    return output


def _counts(site, index: str) -> list[str]:
    return [meta.get_text().rsplit(" · ", 1)[1] for meta in read_page(site, index).select("ul.index .meta")]


def test_counts_on_the_indexes_are_singular_for_one(other_site):
    # The event in review and the draft claim about the scheduled one are listed by a plain build.
    assert sorted(_counts(other_site, "events/index.html")) == ["1 claim", "1 claim", "1 claim", "3 claims"]
    passages = ["1 quoted passage", "1 quoted passage", "8 quoted passages"]  # a single one: the authority's reply
    assert sorted(_counts(other_site, "sources/index.html")) == passages


def test_large_counts_have_a_thousands_separator():
    from factsheets.numbers import number_text, plural

    assert number_text(12345) == "12,345"
    assert plural(1, "claim") == "1 claim"
    assert plural(1000, "claim") == "1,000 claims"
    assert plural(2, "body", "bodies") == "2 bodies"
