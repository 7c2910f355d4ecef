"""Share cards: each claim page's Open Graph image, a 1200x630 PNG drawn at build time, cached by what it draws.

The cards of a statement of 60 words and of one of 8 words are left in test-artifacts/ to look at.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageFont
from test_safe_output import tree_digest

from factsheets.share_cards import STATEMENT_SIZES, WIDTH, CardContent, _font, _statement_lines, _widths, render_card
from helpers import ROOT, read_page, run_pelican

ARTIFACTS = ROOT / "test-artifacts"
EDITED_CLAIM = "ukrainian-pows-on-board-il76"
STATUS_WORDS = ("Confirmed", "Uncontested", "Unverified", "Disputed", "Refuted")


def claim_pages(output: Path) -> list[Path]:
    return sorted(path for path in (output / "claims").glob("*.html") if path.name != "index.html")


def meta(page, key: str) -> str:
    tag = page.find("meta", attrs={"property": key}) or page.find("meta", attrs={"name": key})
    assert tag is not None, f"no {key}"
    return tag["content"]


def cards(output: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((output / "claims").glob("*.png"))}


def card_entries(cache_dir: Path) -> dict[str, tuple[int, int]]:
    """Each cached card by name, with its inode and modification time: a card drawn again is written anew."""
    return {
        path.name: (path.stat().st_ino, path.stat().st_mtime_ns)
        for path in (cache_dir / "cards").rglob("*.png")
        if path.is_file()
    }


def set_statement(content: Path, claim_id: str, statement: str) -> None:
    """Replace a claim's folded statement in claims.yaml with one line."""
    claims = content / "factsheets" / "claims.yaml"
    text = claims.read_text()
    pattern = re.compile(rf"(- id: {re.escape(claim_id)}\n    statement: >-\n)((?:      .*\n)+)")
    assert pattern.search(text), claim_id
    claims.write_text(pattern.sub(lambda found: found.group(1) + f"      {statement}\n", text, count=1))


def test_every_claim_page_shows_its_card_to_link_previews(site):
    pages = claim_pages(site)
    assert pages
    for path in pages:
        page = read_page(site, f"claims/{path.name}")
        image = meta(page, "og:image")
        assert image == f"/claims/{path.stem}.png"  # root-relative without SITEURL
        with Image.open(site / image.lstrip("/")) as card:
            assert card.format == "PNG" and card.size == (1200, 630)
        assert (meta(page, "og:image:width"), meta(page, "og:image:height")) == ("1200", "630")
        assert meta(page, "og:type") == "article"
        assert meta(page, "twitter:card") == "summary_large_image"
        status = page.select_one(".verdict .status").get_text(" ", strip=True)
        alt = meta(page, "og:image:alt")
        assert status in STATUS_WORDS and alt.startswith(f"{status}: "), alt
        statement = page.select_one("main h1").get_text(" ", strip=True)
        assert " ".join(statement.split()) in alt
        review = json.loads(page.find("script", type="application/ld+json").string)
        assert review["@type"] == "ClaimReview" and review["image"] == image
    assert read_page(site, "index.html").find("meta", attrs={"property": "og:image"}) is None, "claims only"


def test_with_a_site_url_the_card_address_is_absolute(built_site):
    output = built_site(SITEURL="https://facts.example.org")
    page = read_page(output, f"claims/{EDITED_CLAIM}.html")
    assert meta(page, "og:image") == f"https://facts.example.org/claims/{EDITED_CLAIM}.png"
    review = json.loads(page.find("script", type="application/ld+json").string)
    assert review["image"] == meta(page, "og:image")


def test_cards_are_drawn_once_and_only_an_edited_claim_draws_again(content_copy, tmp_path):
    cache_dir = tmp_path / "cache"
    settings = {"FACTSHEETS_CACHE_PATH": str(cache_dir)}
    assert run_pelican(content_copy, tmp_path / "first", overrides=settings).returncode == 0
    first, drawn = cards(tmp_path / "first"), card_entries(cache_dir)
    assert len(drawn) == len(first) == len(claim_pages(tmp_path / "first"))

    # Warm: every card comes from the cache, none is drawn (or written) again.
    assert run_pelican(content_copy, tmp_path / "warm", overrides=settings).returncode == 0
    assert cards(tmp_path / "warm") == first
    assert card_entries(cache_dir) == drawn

    # One statement edited: its card alone changes, and it alone is drawn.
    set_statement(content_copy, EDITED_CLAIM, "Russia said that 65 Ukrainian prisoners of war were aboard the Il-76.")
    assert run_pelican(content_copy, tmp_path / "edited", overrides=settings).returncode == 0
    edited = cards(tmp_path / "edited")
    changed = sorted(name for name in first if edited[name] != first[name])
    assert changed == [f"{EDITED_CLAIM}.png"]
    after_edit = card_entries(cache_dir)
    assert len(set(after_edit) - set(drawn)) == 1, "one card drawn"
    assert {name: after_edit[name] for name in after_edit if name in drawn} == {
        name: entry for name, entry in drawn.items() if name in after_edit
    }, "the others untouched"
    assert len(after_edit) == len(drawn), "the old card of the edited claim is let go"


def test_a_tampered_card_in_the_cache_never_reaches_the_site(tmp_path):
    cache_dir = tmp_path / "cache"
    settings = {"FACTSHEETS_CACHE_PATH": str(cache_dir)}
    assert run_pelican(ROOT / "content", tmp_path / "clean", overrides=settings).returncode == 0
    clean = tree_digest(tmp_path / "clean")
    entries = sorted(path for path in (cache_dir / "cards").rglob("*.png"))
    assert len(entries) > 2
    blobs = [entry.read_bytes() for entry in entries]
    for entry, other in zip(entries, blobs[1:] + blobs[:1], strict=True):  # each entry holds another's card
        entry.write_bytes(entry.read_bytes()[:32] + other[32:])
    result = run_pelican(ROOT / "content", tmp_path / "swapped", overrides=settings)
    assert result.returncode == 0, result.stderr
    assert "ignored a damaged or foreign share card cache entry" in result.stderr
    assert tree_digest(tmp_path / "swapped") == clean

    for entry in entries:  # damaged on disk: bytes flipped in the middle
        blob = bytearray(entry.read_bytes())
        for index in range(len(blob) // 2, len(blob) // 2 + 16):
            blob[index] ^= 0xFF
        entry.write_bytes(bytes(blob))
    result = run_pelican(ROOT / "content", tmp_path / "flipped", overrides=settings)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert tree_digest(tmp_path / "flipped") == clean


def test_long_and_short_statements_are_drawn_whole(content_copy, tmp_path):
    """A statement of 60 words fits at a readable size; one of 8 words is drawn large. Left to look at."""
    long_statement = " ".join(
        "The Russian Defence Ministry said that the Il-76 carried 65 Ukrainian prisoners of war to an exchange,"
        " six crew and three escorts, and that it was shot down by missiles from Ukraine's Kharkiv region,"
        " while Ukraine said it had not been told to keep the airspace safe, and asked for an international"
        " investigation of the crash in the Belgorod region.".split()
    )
    assert len(long_statement.split()) == 60
    short_statement = "Russia refuses to return the bodies to Ukraine."
    set_statement(content_copy, EDITED_CLAIM, long_statement)
    set_statement(content_copy, "russia-refuses-to-return-bodies", short_statement)
    output = tmp_path / "output"
    assert run_pelican(content_copy, output, overrides={"FACTSHEETS_CACHE": False}).returncode == 0
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(output / "claims" / f"{EDITED_CLAIM}.png", ARTIFACTS / "share-card-60-words.png")
    shutil.copyfile(output / "claims" / "russia-refuses-to-return-bodies.png", ARTIFACTS / "share-card-8-words.png")

    long_lines, long_size = _statement_lines(long_statement, WIDTH - 200)
    assert "…" not in "".join(long_lines) and long_size >= STATEMENT_SIZES[-1]
    assert " ".join(long_lines) == long_statement, "the desk's wording, never in quotation marks"
    short_lines, short_size = _statement_lines(short_statement, WIDTH - 200)
    assert short_size == STATEMENT_SIZES[0] and len(short_lines) <= 2


def test_a_statement_too_long_for_the_card_ends_with_an_ellipsis():
    statement = " ".join(["disputed"] * 200)
    lines, size = _statement_lines(statement, WIDTH - 200)
    assert size == STATEMENT_SIZES[-1], "shortened only at the smallest readable size"
    assert lines[-1].endswith("…")


@pytest.mark.parametrize("status", [word.lower() for word in STATUS_WORDS])
def test_the_alt_text_names_the_status_and_the_claimant(status):
    content = CardContent("The sky is green.", "A. Speaker", status, "Fact sheets")
    assert content.alt == f"{status.capitalize()}: The sky is green. Claimed by A. Speaker. Fact sheets"


class LayoutTooCostly(Exception):
    pass


class CountedWidths(dict):
    """A font's widths of single characters, counting each one looked up: the layout's work, character by
    character. Past the budget it stops the layout (a quadratic one would run for minutes)."""

    def __init__(self, known: dict[str, float], budget: int) -> None:
        super().__init__(known)
        self.budget = budget
        self.looked_up = 0

    def _count(self) -> None:
        self.looked_up += 1
        if self.looked_up > self.budget:
            raise LayoutTooCostly(f"more than {self.budget:,} characters measured")

    def get(self, character, default=None):
        self._count()
        return super().get(character, default)

    def __getitem__(self, character):
        self._count()
        return super().__getitem__(character)


def characters_measured(monkeypatch, content: CardContent, budget: int) -> int:
    """How many characters drawing the card measures, in every font it uses: looked up among the widths
    measured before, and handed to FreeType (to measure or draw), whichever way the layout asks."""
    counters = []
    for size in (*STATEMENT_SIZES, 30, 40):
        widths = _widths(_font(size))
        counter = CountedWidths(widths.advances, budget)
        monkeypatch.setattr(widths, "advances", counter)
        counters.append(counter)
    freetype = CountedWidths({}, budget)
    counters.append(freetype)

    def counted(method):
        def measure(font, text, *arguments, **options):
            for _ in range(len(text)):
                freetype.get("")
            return method(font, text, *arguments, **options)

        return measure

    for name in ("getlength", "getbbox", "getmask2"):
        monkeypatch.setattr(ImageFont.FreeTypeFont, name, counted(getattr(ImageFont.FreeTypeFont, name)))
    png = render_card(content)
    with Image.open(io.BytesIO(png)) as card:
        assert card.size == (1200, 630)
    return sum(counter.looked_up for counter in counters)


LONG_TEXTS = {
    "a word of 20,000 letters": "x" * 20_000,
    "3,000 combining marks on one letter": "a" + "\u0301" * 3_000,
    "20,000 letters the font lacks": "ж" * 20_000,
    "4,000 short words": "word " * 4_000,
}


@pytest.mark.parametrize("text", LONG_TEXTS.values(), ids=LONG_TEXTS.keys())
def test_a_long_statement_is_drawn_with_work_linear_in_its_length(text, monkeypatch):
    """The statement is broken into lines and shortened measuring each character a bounded number of times (it
    once measured every prefix of a long word: a 4,000-letter word took 79 s)."""
    budget = 20 * len(text)
    measured = characters_measured(monkeypatch, CardContent(text, "A. Speaker", "disputed", "Fact sheets"), budget)
    assert measured <= budget
    lines, size = _statement_lines(text, WIDTH - 200)
    assert size == STATEMENT_SIZES[-1] and lines[-1].endswith("…")


@pytest.mark.parametrize("text", LONG_TEXTS.values(), ids=LONG_TEXTS.keys())
def test_a_long_name_is_drawn_with_work_linear_in_its_length(text, monkeypatch):
    budget = 20 * len(text)
    content = CardContent("The sky is green.", text, "refuted", text)  # the claimant and the site's name
    assert characters_measured(monkeypatch, content, budget) <= budget
