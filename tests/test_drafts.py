"""Drafts and records in review (issue 30, part 2): a publish build leaves them out before the site is linked, so
that nothing of theirs reaches the output; every other build keeps them, each page with a banner saying so. A
published record that refers to one is an error in a publish build, a warning in any other, naming both."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from helpers import CONTENT, FIXTURES, ROOT, desk_settings_file, read_page, run_factsheets, tree_digests

SITEURL = "https://facts.northfield-desk.org"
CLAIMS = Path("factsheets") / "claims.yaml"
EVENTS = Path("factsheets") / "events.yaml"

DRAFT_CLAIM = "zebra-draft-claim"
REVIEW_EVENT = "quokka-review-event"
MARKERS = [DRAFT_CLAIM, REVIEW_EVENT, "Zebrafinch", "Quokkaland"]
"""The ids of the records left out, and a word of each one's title: none may appear anywhere in a publish build."""

DRAFT_BANNER = "Draft: not published. A publish build leaves this page out."
REVIEW_BANNER = "In review: not published. A publish build leaves this page out."

EVENT_TEXT = f"""
  - id: {REVIEW_EVENT}
    title: Quokkaland meeting about the exchange
    date: 2024-01-31
    summary: >-
      A meeting the desk is still checking.
    sources:
      - ukrinform-2024-01-31
    publication: in-review
"""
CLAIM_TEXT = f"""
  - id: {DRAFT_CLAIM}
    statement: >-
      Andrii Yusov said that the Zebrafinch exchange continued the planned exchange.
    claimant: andrii-yusov
    date: 2024-01-31
    about:
      - {REVIEW_EVENT}
    status: unverified
    rationale: >-
      A draft the desk has not finished.
    quote:
      text: >-
        Today there was a continuation of the exchange that was supposed to take
        place on January 24.
      source: ukrinform-2024-01-31
    publication: draft
"""


def with_drafts(content: Path, event_publication: str = "in-review") -> Path:
    """The content with a draft claim about a new event in review (or in event_publication) appended."""
    (content / EVENTS).write_text(
        (content / EVENTS).read_text(encoding="utf-8") + EVENT_TEXT.replace("in-review", event_publication),
        encoding="utf-8",
    )
    (content / CLAIMS).write_text((content / CLAIMS).read_text(encoding="utf-8") + CLAIM_TEXT, encoding="utf-8")
    return content


def build(
    content: Path,
    output: Path,
    settings: Path | str = "pelicanconf.py",
    cache_home: Path | None = None,
    cwd: Path | None = None,
):
    """`factsheets build` (make html, or make publish with the desk's settings), with its own caches if given."""
    env = {**os.environ, "SITEURL": SITEURL}
    if cache_home is not None:
        env["XDG_CACHE_HOME"] = str(cache_home)
    settings = Path(settings) if Path(settings).is_absolute() else ROOT / settings
    return run_factsheets("build", "-s", settings, "-o", output, content, env=env, cwd=cwd or ROOT)


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("drafted") / "content"
    shutil.copytree(CONTENT, copy)
    return with_drafts(copy)


@pytest.fixture(scope="module")
def desk_settings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return desk_settings_file(tmp_path_factory.mktemp("desk"))


@pytest.fixture(scope="module")
def plain_output(built_site, drafted: Path) -> Path:
    return built_site(drafted, tool="factsheets", env={"SITEURL": SITEURL})


@pytest.fixture(scope="module")
def publish_output(built_site, drafted: Path, desk_settings: Path) -> Path:
    return built_site(drafted, settings=str(desk_settings), tool="factsheets", env={"SITEURL": SITEURL})


def test_a_plain_build_shows_drafts_and_records_in_review_with_their_banners(plain_output):
    claim = read_page(plain_output, f"claims/{DRAFT_CLAIM}.html")
    banner = claim.select_one("main .publication-banner")
    assert banner is not None and " ".join(banner.get_text().split()) == DRAFT_BANNER
    event = read_page(plain_output, f"events/{REVIEW_EVENT}.html")
    banner = event.select_one("main .publication-banner")
    assert banner is not None and " ".join(banner.get_text().split()) == REVIEW_BANNER
    assert claim.select_one("main").find(string=re.compile("Zebrafinch"))
    claims_list = read_page(plain_output, "claims/index.html")
    assert any(a["href"].endswith(f"{DRAFT_CLAIM}.html") for a in claims_list.select("main a[href]"))
    events_list = read_page(plain_output, "events/index.html")
    assert any(a["href"].endswith(f"{REVIEW_EVENT}.html") for a in events_list.select("main a[href]"))
    published = read_page(plain_output, "claims/exchange-continued-planned-exchange.html")
    assert published.select_one(".publication-banner") is None, "a published record has no banner"


def test_a_publish_build_has_nothing_of_them(publish_output, built_site, desk_settings):
    found = []
    for path in sorted(publish_output.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [f"{path.relative_to(publish_output)}: {marker}" for marker in MARKERS
                      if marker.lower().encode() in data.lower()]  # fmt: skip
    assert found == []
    # No count, no list, no diagram either: the same site as the content without them, byte for byte.
    clean = built_site(CONTENT, settings=str(desk_settings), tool="factsheets", env={"SITEURL": SITEURL})
    assert tree_digests(publish_output) == tree_digests(clean)


def test_a_published_claim_about_a_draft_event_fails_a_publish_build_and_warns_in_any_other(
    tmp_path: Path, desk_settings: Path
):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    with_drafts(content, event_publication="draft")
    claims = content / CLAIMS
    text = claims.read_text(encoding="utf-8")
    first_about = "      - planned-exchange-2024-01-24\n"
    text = text.replace(first_about, f"{first_about}      - {REVIEW_EVENT}\n", 1)
    claims.write_text(text, encoding="utf-8")
    claim_line = text.splitlines().index(f"      - {REVIEW_EVENT}") + 1
    event_line = (content / EVENTS).read_text(encoding="utf-8").splitlines().index(f"  - id: {REVIEW_EVENT}") + 1
    words = (
        f"claims[0].about[2]: '{REVIEW_EVENT}' is a draft event (content/factsheets/events.yaml:{event_line}:5): "
        "a published record cannot refer to it until it is published"
    )
    where = f"content/factsheets/claims.yaml:{claim_line}:9"

    published = build(content, tmp_path / "published", desk_settings, cwd=tmp_path)
    assert published.returncode == 1, published.stderr
    assert f"{where}: {words}" in published.stderr.splitlines(), published.stderr
    assert "unknown event" not in published.stderr

    checked = run_factsheets("check", content, cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert f"{where}: warning: {words}" in checked.stderr.splitlines(), checked.stderr


def test_plain_publish_plain_with_the_cache_each_give_what_a_clean_build_gives(tmp_path: Path, drafted, desk_settings):
    cache = tmp_path / "cache"
    output = tmp_path / "output"
    for settings in ("pelicanconf.py", desk_settings, "pelicanconf.py"):
        result = build(drafted, output, settings, cache_home=cache)
        assert result.returncode == 0, result.stderr
        clean = tmp_path / f"clean-{Path(settings).stem}"
        if not clean.exists():
            assert build(drafted, clean, settings, cache_home=tmp_path / f"cold-{Path(settings).stem}").returncode == 0
        assert tree_digests(output) == tree_digests(clean), f"after {settings}"


def test_the_build_record_tells_a_publish_build_from_a_plain_one(desk_settings):
    from factsheets.build_record import settings_digest

    plain = {"SITENAME": "x", "FACTSHEETS_PUBLISHING": False}
    assert settings_digest(plain) != settings_digest({**plain, "FACTSHEETS_PUBLISHING": True})


def test_the_other_event_has_a_draft_claim_and_a_record_in_review():
    texts = "".join(path.read_text(encoding="utf-8") for path in (FIXTURES / "other-event").rglob("*.yaml"))
    assert "publication: draft" in texts
    assert "publication: in-review" in texts


def test_a_publish_build_of_the_other_event_leaves_its_draft_and_its_event_in_review_out(built_site, desk_settings):
    content = FIXTURES / "other-event"
    plain = built_site(content, tool="factsheets", env={"SITEURL": SITEURL})
    assert read_page(plain, "claims/inspection-reports-due.html").select_one(".publication-banner")
    assert read_page(plain, "events/water-authority-statement.html").select_one(".publication-banner")
    published = built_site(content, settings=str(desk_settings), tool="factsheets", env={"SITEURL": SITEURL})
    found = [str(path) for path in published.rglob("*") if path.is_file() and not path.is_symlink()
             and re.search(rb"inspection-reports-due|water-authority-statement", path.read_bytes())]  # fmt: skip
    assert found == []
