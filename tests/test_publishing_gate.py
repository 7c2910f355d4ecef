"""The publishing gate: `make publish` (`factsheets build -s publishconf.py`, FACTSHEETS_PUBLISHING) refuses a site
whose publisher or contact is a placeholder, whose owner or funding is not stated, or whose claims lack a checker
and a different editor, one line each, leaving the last good output as it was; `make html` and the preview warn."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from helpers import (
    CONTENT,
    DESK_DETAILS,
    ROOT,
    copy_of_build,
    desk_settings_file,
    read_page,
    run_factsheets,
    run_pelican,
    tree_digests,
)

SITEURL = "https://facts.northfield-desk.org"
CLAIMS = Path("factsheets") / "claims.yaml"
POWS = "ukrainian-pows-on-board-il76"

PUBLISHER = (
    "setting FACTSHEETS_PUBLISHER: a placeholder, the name the project ships: 'Fact-sheet desk' "
    "(set it to the desk's name, as readers should see it)"
)
CONTACT = (
    "setting FACTSHEETS_CONTACT: a placeholder, an address at example.org, which reaches no one: "
    "'factsheets@example.org' (set it to an email address or a web page at which the desk answers readers)"
)
OWNER = (
    "setting FACTSHEETS_OWNER: not set: the About page would not say who owns the desk "
    "(a sentence or two on who owns the desk, for the About page)"
)
FUNDING = (
    "setting FACTSHEETS_FUNDING: not set: the About page would not say how the desk is funded "
    "(a sentence or two on how the desk is funded, for the About page)"
)
SHIPPED = [PUBLISHER, CONTACT, OWNER, FUNDING]
"""What the project's own settings (pelicanconf.py, no desk's details) are told, in this order."""


def as_warning(line: str) -> str:
    setting, rest = line.split(": ", 1)
    return f"{setting}: warning: {rest}"


def publish(content: Path, output: Path, settings: Path | str = ROOT / "publishconf.py"):
    """`make publish`: `factsheets build -s SETTINGS -o OUTPUT CONTENT` with SITEURL set."""
    return run_factsheets("build", "-s", settings, "-o", output, content, env={**os.environ, "SITEURL": SITEURL})


@pytest.fixture(scope="module")
def desk_settings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """publishconf.py with a desk's details set (DESK_DETAILS), as a desk ready to publish has it."""
    return desk_settings_file(tmp_path_factory.mktemp("desk"))


@pytest.fixture(scope="module")
def desk_site(built_site, desk_settings: Path) -> Path:
    """The real content published with a desk's details: the last good output the refusals must leave alone."""
    return built_site(settings=str(desk_settings), tool="factsheets", env={"SITEURL": SITEURL})


@pytest.fixture
def last_good_output(desk_site: Path, tmp_path: Path) -> Path:
    return copy_of_build(desk_site, tmp_path / "output")


def assert_refused(result, lines: list[str], output: Path, before: dict[str, str]) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == lines, result.stderr
    assert tree_digests(output) == before, "a refused publish build changed the output"


# make publish on the project's own settings


def test_publish_refuses_the_shipped_placeholders_one_line_each(last_good_output):
    before = tree_digests(last_good_output)
    result = publish(CONTENT, last_good_output)
    assert_refused(result, [*SHIPPED, "4 problems found."], last_good_output, before)


# The preview's settings: the same findings, as warnings, and the site builds


def test_a_plain_build_warns_of_each_placeholder_and_builds(built_site):
    result = built_site.result()  # `make html`: the real content, pelicanconf.py
    assert result.returncode == 0
    assert result.stderr.splitlines() == [*map(as_warning, SHIPPED), "4 warnings found."]


def test_a_plain_factsheets_build_warns_too(tmp_path):
    result = run_factsheets("build", "-s", ROOT / "pelicanconf.py", "-o", tmp_path / "output", CONTENT)
    assert result.returncode == 0, result.stderr
    assert [*map(as_warning, SHIPPED), "4 warnings found."] == result.stderr.splitlines()
    assert (tmp_path / "output" / "index.html").is_file()


def test_the_about_page_says_owner_and_funding_are_not_stated_yet(site):
    about = read_page(site, "pages/about.html")
    section = about.select_one('dl[aria-labelledby="ownership-heading"]')
    assert about.select_one("#ownership-heading").get_text() == "Ownership and funding"
    facts = _facts(section)
    assert facts == {"Owner": "Not stated yet.", "Funding": "Not stated yet."}


def _facts(section) -> dict[str, str]:
    """A description list's terms and what each says."""
    terms, values = section.select("dt"), section.select("dd")
    return dict(zip([term.get_text() for term in terms], [value.get_text() for value in values], strict=True))


# Each refusal, on the desk's details with one of them wrong


@pytest.mark.parametrize(
    ("setting", "value", "line"),
    [
        (
            "FACTSHEETS_CONTACT",
            "TODO",
            "setting FACTSHEETS_CONTACT: a placeholder, 'TODO': 'TODO' "
            "(set it to an email address or a web page at which the desk answers readers)",
        ),
        (
            "FACTSHEETS_CONTACT",
            "desk@mail.example.com",
            "setting FACTSHEETS_CONTACT: a placeholder, an address at example.com, which reaches no one: "
            "'desk@mail.example.com' (set it to an email address or a web page at which the desk answers readers)",
        ),
        (
            "FACTSHEETS_CONTACT",
            "https://example.net/contact",
            "setting FACTSHEETS_CONTACT: a placeholder, an address at example.net, which reaches no one: "
            "'https://example.net/contact' (set it to an email address or a web page at which the desk answers "
            "readers)",
        ),
        (
            "FACTSHEETS_CONTACT",
            "http://localhost:8000/contact.html",
            "setting FACTSHEETS_CONTACT: a placeholder, an address at localhost, which reaches no one: "
            "'http://localhost:8000/contact.html' (set it to an email address or a web page at which the desk "
            "answers readers)",
        ),
        (
            "FACTSHEETS_CONTACT",
            "editors@desk.test",
            "setting FACTSHEETS_CONTACT: a placeholder, an address at test, which reaches no one: "
            "'editors@desk.test' (set it to an email address or a web page at which the desk answers readers)",
        ),
        (
            "FACTSHEETS_CONTACT",
            None,
            "setting FACTSHEETS_CONTACT: not set: readers would have no way to reach the desk "
            "(set it to an email address or a web page at which the desk answers readers)",
        ),
        (
            "FACTSHEETS_CONTACT",
            "the newsroom",
            "setting FACTSHEETS_CONTACT: neither an email address nor a web address: 'the newsroom' "
            "(set it to an email address or a web page at which the desk answers readers)",
        ),
        (
            "FACTSHEETS_PUBLISHER",
            "TODO: the desk's name",
            "setting FACTSHEETS_PUBLISHER: a placeholder, 'TODO': 'TODO: the desk's name' "
            "(set it to the desk's name, as readers should see it)",
        ),
        ("FACTSHEETS_PUBLISHER", "fact-sheet desk", PUBLISHER.replace("'Fact-sheet desk'", "'fact-sheet desk'")),
        (
            "SITENAME",
            "A Pelican Blog",
            "setting SITENAME: a placeholder, the name the project ships: 'A Pelican Blog' "
            "(set it to the site's name, in every page's title)",
        ),
        ("FACTSHEETS_OWNER", None, OWNER),
        ("FACTSHEETS_OWNER", "  ", OWNER),
        (
            "FACTSHEETS_OWNER",
            "TBD once the company is registered",
            "setting FACTSHEETS_OWNER: a placeholder, 'TBD': 'TBD once the company is registered' "
            "(a sentence or two on who owns the desk, for the About page)",
        ),
        ("FACTSHEETS_FUNDING", None, FUNDING),
        (
            "FACTSHEETS_FUNDING",
            "See https://www.example.org/funding",
            "setting FACTSHEETS_FUNDING: a placeholder, an address at example.org, which reaches no one: "
            "'See https://www.example.org/funding' (a sentence or two on how the desk is funded, for the About page)",
        ),
    ],
)
def test_publish_refuses_a_placeholder_or_missing_detail(last_good_output, tmp_path, setting, value, line):
    settings = desk_settings_file(tmp_path, **{setting: value})
    before = tree_digests(last_good_output)
    assert_refused(publish(CONTENT, last_good_output, settings), [line, "1 problem found."], last_good_output, before)


def test_publish_with_no_publisher_nor_author_refuses(last_good_output, tmp_path):
    settings = desk_settings_file(tmp_path, FACTSHEETS_PUBLISHER=None, AUTHOR=None)
    before = tree_digests(last_good_output)
    line = (
        "setting FACTSHEETS_PUBLISHER: not set: the site would name no publisher but its own name "
        "(set it to the desk's name, as readers and the claim reviews' structured data should see it)"
    )
    assert_refused(publish(CONTENT, last_good_output, settings), [line, "1 problem found."], last_good_output, before)


def test_an_author_may_stand_for_the_publisher_but_not_a_placeholder_one(last_good_output, tmp_path):
    named = desk_settings_file(tmp_path, FACTSHEETS_PUBLISHER=None, AUTHOR="Northfield Verification Desk")
    assert publish(CONTENT, tmp_path / "named", named).returncode == 0
    (tmp_path / "todo").mkdir()
    placeholder = desk_settings_file(tmp_path / "todo", FACTSHEETS_PUBLISHER=None, AUTHOR="TODO")
    before = tree_digests(last_good_output)
    line = "setting AUTHOR: a placeholder, 'TODO': 'TODO' (set it to the desk's name, as readers should see it)"
    result = publish(CONTENT, last_good_output, placeholder)
    assert_refused(result, [line, "1 problem found."], last_good_output, before)


# The bylines: an error when publishing, a warning otherwise


def _edited_by_its_checker(content: Path) -> tuple[str, int, int]:
    """The POWs claim edited by its own checker: returns the checker, the claim's index and the line of edited_by."""
    claims = content / CLAIMS
    text = claims.read_text(encoding="utf-8")
    start = text.index(f"  - id: {POWS}\n")
    end = text.find("\n  - id: ", start + 1)
    block = text[start:end]
    checker = re.search(r"^    checked_by: (\S+)$", block, re.MULTILINE)[1]
    edited = re.sub(r"^    edited_by: \S+$", f"    edited_by: {checker}", block, count=1, flags=re.MULTILINE)
    assert edited != block
    claims.write_text(text[:start] + edited + text[end:], encoding="utf-8")
    claim_line = text[:start].count("\n") + 1
    lines = edited.splitlines()
    line = claim_line + next(number for number, text in enumerate(lines) if text.startswith("    edited_by:"))
    index = re.findall(r"^  - id: (\S+)$", text, flags=re.MULTILINE).index(POWS)
    return checker, index, line


def _byline_line(content: Path, checker: str, index: int, line: int, warning: bool) -> str:
    where = f"{content / CLAIMS}:{line}:16:" + (" warning:" if warning else "")
    return (
        f"{where} claims[{index}].edited_by: edited by its own checker '{checker}' "
        "(a check is edited (reviewed) by someone other than the person who checked it)"
    )


def test_publish_refuses_a_claim_edited_by_its_own_checker(content_copy, last_good_output, desk_settings):
    checker, index, line = _edited_by_its_checker(content_copy)
    before = tree_digests(last_good_output)
    expected = [_byline_line(content_copy, checker, index, line, warning=False), "1 problem found."]
    assert_refused(publish(content_copy, last_good_output, desk_settings), expected, last_good_output, before)


def test_publish_refuses_a_claim_edited_by_its_checker_after_a_plain_build_of_it(content_copy, tmp_path, desk_settings):
    """A plain build first (its warnings cached with the site's snapshot): the publish build still refuses."""
    checker, index, line = _edited_by_its_checker(content_copy)
    plain = run_pelican(content_copy, tmp_path / "plain")
    assert plain.returncode == 0, plain.stderr
    warned = _byline_line(content_copy, checker, index, line, warning=True)
    assert plain.stderr.splitlines() == [*map(as_warning, SHIPPED), warned, "5 warnings found."]
    output = tmp_path / "published"
    result = publish(content_copy, output, desk_settings)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [_byline_line(content_copy, checker, index, line, False), "1 problem found."]
    assert not output.exists()


def test_the_gate_and_the_content_are_reported_together(content_copy, last_good_output):
    checker, index, line = _edited_by_its_checker(content_copy)
    before = tree_digests(last_good_output)
    expected = [*SHIPPED, _byline_line(content_copy, checker, index, line, False), "5 problems found."]
    assert_refused(publish(content_copy, last_good_output), expected, last_good_output, before)


# Once a desk's details are set


def test_publish_passes_with_a_desk_s_details_and_no_warning(built_site, desk_settings):
    result = built_site.result(settings=str(desk_settings), tool="factsheets", env={"SITEURL": SITEURL})
    assert result.returncode == 0
    assert result.stderr == "", "the real content, with a desk's details, builds with no warning"


def test_the_published_about_page_and_footer_show_the_desk_s_details(desk_site):
    about = read_page(desk_site, "pages/about.html")
    section = about.select_one('dl[aria-labelledby="ownership-heading"]')
    facts = _facts(section)
    assert facts == {"Owner": DESK_DETAILS["FACTSHEETS_OWNER"], "Funding": DESK_DETAILS["FACTSHEETS_FUNDING"]}
    for page in ("index.html", "pages/about.html", f"claims/{POWS}.html"):
        footer = read_page(desk_site, page).select_one("footer.site-footer")
        assert f"published by {DESK_DETAILS['FACTSHEETS_PUBLISHER']}." in footer.get_text(), page
        contact = DESK_DETAILS["FACTSHEETS_CONTACT"]
        assert footer.find("a", href=f"mailto:{contact}").get_text() == contact, page


def test_the_desk_s_statements_are_escaped_on_the_about_page(tmp_path):
    owner = "<script>alert(1)</script> & Partners Ltd, owned by its editors."
    settings = desk_settings_file(tmp_path, base="pelicanconf.py", FACTSHEETS_OWNER=owner)
    result = run_factsheets("build", "-s", settings, "-o", tmp_path / "output", CONTENT)
    assert result.returncode == 0, result.stderr
    about = read_page(tmp_path / "output", "pages/about.html")
    owner_text = about.select_one('dl[aria-labelledby="ownership-heading"] dd')
    assert owner_text.get_text() == owner and not about.select("main script")


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("FACTSHEETS_PUBLISHER", "  "),
        ("FACTSHEETS_OWNER", "."),
        ("FACTSHEETS_OWNER", "N/A"),
        ("FACTSHEETS_OWNER", "[Owner name]"),
        ("FACTSHEETS_FUNDING", "<funding>"),
        ("FACTSHEETS_FUNDING", "\u200b"),
        ("FACTSHEETS_FUNDING", "To do"),
        ("FACTSHEETS_CONTACT", "a@b"),
        ("FACTSHEETS_CONTACT", "http://127.0.0.1/contact"),
        ("FACTSHEETS_CONTACT", "desk@desk.local"),
        ("FACTSHEETS_CONTACT", "https://%65xample.org/"),
    ],
)
def test_publish_refuses_details_that_say_nothing(last_good_output, tmp_path, setting, value):
    """Blank names, statements of a dot or a bracketed placeholder, contacts that reach no public address: each
    is refused as surely as TODO (a review found each passing)."""
    settings = desk_settings_file(tmp_path, **{setting: value})
    before = tree_digests(last_good_output)
    result = publish(CONTENT, last_good_output, settings)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert (
        [line for line in lines if line.startswith("setting ")]
        == [line for line in lines if line.startswith(f"setting {setting}: ")]
        != []
    ), result.stderr
    assert tree_digests(last_good_output) == before
