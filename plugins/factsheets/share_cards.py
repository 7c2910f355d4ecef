"""Share cards: the Open Graph image of each claim, a 1200x630 PNG beside its page (``claims/<id>.png``).

A card shows what a link preview needs to be read on its own: the site's name, the claim's status in words
with the same shape the pages give it (never colour alone), the statement (as large as it fits; shortened
with an ellipsis only when it cannot fit at a readable size) and who claims it. It is drawn with Pillow and
the font Pillow bundles (Aileron, ``ImageFont.load_default``), so a fresh machine draws the same bytes
without system fonts; Aileron covers Latin script only.

A card depends on the words it draws and nothing else, so it is cached under the digest of them and of
this renderer's version (``cache.CardCache``): a rebuild of unchanged claims reads the cards back instead
of drawing them again.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import zlib
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

import PIL
from PIL import Image, ImageChops, ImageColor, ImageDraw, ImageFont

from .cache import CardCache
from .files import DataFile
from .graph import ClaimNode, Site

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
BAR = 24
"""The status colour's band down the card's left edge."""
STATEMENT_SIZES = (64, 58, 52, 47, 42, 38, 34)
"""The statement's font sizes, largest first: the largest at which it fits is used. 34 px on a 1200 px card
still reads in a feed's small preview; below it the statement is shortened instead."""
STATEMENT_TOP, STATEMENT_BOTTOM = 190, 530
LINE_SPACING = 1.2
MOST_CHARACTERS_DRAWN = 2_000
"""The most characters of one text a card lays out: the rest is cut off, and an ellipsis put in its place. The
statement's most is 8 lines of 1,032 px at 34 px, where the narrowest characters (the space, i, l, the full stop)
are 7 px wide: about 1,200 characters. Every character the font draws, or lacks (its box), takes room, so a
longer text never fits; cutting it first keeps the work of drawing a card the same for 2,000 characters or
2 million (a 20,000-character name, 3,000 combining marks on one letter)."""
LEVELS = 15
"""Shades of each ink between the background and its colour (its anti-aliasing)."""
PNG_COMPRESS_LEVEL = 5
"""zlib's level for the cards: 5 writes a card in 4.8 ms of CPU against 6.6 ms at the default 6, for 5% more
bytes (25.8 KB against 24.5 KB on average); 4 and below save little more time for 15-25% more bytes."""
SUPERSAMPLE = 4
"""Shapes are drawn this many times larger and scaled down, for smooth edges."""

BACKGROUND = "#fdfdfb"
TEXT = "#1d1d1f"
MUTED = "#55575c"
RULE = "#d6d6d0"
STATUS_COLOURS = {  # theme/static/css/site.css, :root
    "disputed": "#8a3b00",
    "refuted": "#8f1d1d",
    "unverified": "#5b4a00",
    "uncontested": "#2f4858",
    "confirmed": "#1e5631",
}


@dataclass(frozen=True)
class CardContent:
    """Everything a card draws: same content, same bytes."""

    statement: str
    claimant: str
    status: str
    site_name: str

    def digest(self) -> str:
        """The cache's name for the card: these words and the renderer's version."""
        words = json.dumps([renderer_version(), self.statement, self.claimant, self.status, self.site_name])
        return hashlib.sha256(words.encode()).hexdigest()

    @property
    def alt(self) -> str:
        """The card in words, for og:image:alt."""
        return f"{self.status.capitalize()}: {self.statement.rstrip('.')}. Claimed by {self.claimant}. {self.site_name}"


@cache
def renderer_version() -> str:
    """Changes with anything that changes a card's pixels or bytes: this code, Pillow (and its font), zlib."""
    digest = hashlib.sha256(f"{PIL.__version__}\n{zlib.ZLIB_RUNTIME_VERSION}\n".encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def card_path(claim: ClaimNode) -> str:
    """Where the claim's card is written: beside its page."""
    return f"{claim.folder}/{claim.record.id}.png"


def card_content(claim: ClaimNode, site_name: str) -> CardContent:
    return CardContent(
        statement=" ".join(claim.record.statement.split()),
        claimant=" ".join(claim.claimant.record.name.split()),
        status=claim.record.status,
        site_name=site_name,
    )


@cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    """One font object per size for the whole process (forked workers inherit those loaded before the fork)."""
    return ImageFont.load_default(size=size)


class _Widths:
    """Widths of text in one font, the same as font.getlength gives, measured once per character and pair.

    Pillow's basic layout (the one load_default's font uses) makes a text's width the sum of its characters'
    advances and of the kerning of each pair of neighbours, all in whole 64ths of a pixel, so the sums are
    exact. Measuring a text with FreeType costs about 2 µs a character, and fitting a statement measures
    dozens of candidate lines; here each character and pair is measured once per process.
    """

    def __init__(self, font: ImageFont.FreeTypeFont) -> None:
        self.font = font
        self.advances: dict[str, float] = {}
        self.kerning: dict[str, float] = {}

    def __call__(self, text: str) -> float:
        return sum(self.character_advances(text)) + sum(self.pair_kerning(text))

    def character_advances(self, text: str) -> list[float]:
        """Each character's advance, in order."""
        advances = self.advances
        measured = []
        for character in text:
            advance = advances.get(character)
            if advance is None:
                advance = advances[character] = self.font.getlength(character)
            measured.append(advance)
        return measured

    def pair_kerning(self, text: str) -> list[float]:
        """The kerning of each pair of neighbours, in order: one fewer than the characters."""
        kerning = self.kerning
        measured = []
        for index in range(len(text) - 1):
            pair = text[index : index + 2]
            kern = kerning.get(pair)
            if kern is None:
                kern = kerning[pair] = self.font.getlength(pair) - self(pair[0]) - self(pair[1])
            measured.append(kern)
        return measured


class _MeasuredText:
    """A text measured once in one font: the width of any part of it in constant time, from running sums of its
    characters' advances and of its pairs' kerning (exact, as the widths are whole 64ths of a pixel). Laying out
    a text is then linear in its length: breaking a long word into lines no longer measures every prefix."""

    def __init__(self, text: str, font: ImageFont.FreeTypeFont) -> None:
        widths = _widths(font)
        self.advance_sums = list(itertools.accumulate(widths.character_advances(text), initial=0.0))
        self.kerning_sums = list(itertools.accumulate(widths.pair_kerning(text), initial=0.0))

    def width(self, start: int, end: int) -> float:
        """The width of text[start:end], as font.getlength gives it."""
        if end <= start:
            return 0.0
        advances = self.advance_sums[end] - self.advance_sums[start]
        return advances + self.kerning_sums[end - 1] - self.kerning_sums[start]

    def longest_fitting(self, start: int, end: int, width: float) -> int:
        """Where the longest part of text[start:end] that begins at start and fits the width ends: at least one
        character, even one wider than the width. Each character added widens the part (every advance in this
        font is 5 px or more, and its kerning never takes any back), so the first that does not fit ends the
        search: a step per character kept."""
        cut = min(start + 1, end)
        while cut < end and self.width(start, cut + 1) <= width:
            cut += 1
        return cut


@cache
def _widths(font: ImageFont.FreeTypeFont) -> _Widths:
    return _Widths(font)


def _width(font: ImageFont.FreeTypeFont, text: str) -> float:
    return _widths(font)(text)


INKS = ("text", "muted", "status", "rule")
"""The inks, in the order of their shades in the palette (index 0 is the background)."""


@cache
def _shades(ink: str) -> tuple[int, ...]:
    """The palette index of each coverage (0 to 255) of the ink: LEVELS shades, 0 where nothing is drawn."""
    first = INKS.index(ink) * LEVELS
    return (0, *(first + max(1, round(cover * LEVELS / 255)) for cover in range(1, 256)))


@cache
def _palette(status: str) -> tuple[int, ...]:
    colours = {"text": TEXT, "muted": MUTED, "status": STATUS_COLOURS[status], "rule": RULE}
    palette = list(ImageColor.getrgb(BACKGROUND))
    for ink in INKS:
        palette += [channel for level in range(1, LEVELS + 1) for channel in _blend(colours[ink], level / LEVELS)]
    return tuple(palette)


def render_card(content: CardContent) -> bytes:
    """The card as PNG bytes, with no metadata: the same content gives the same bytes.

    The card is one image of palette indexes: the background, and each ink (the text's, the muted text's,
    the status's, the rule's) in LEVELS shades from the background to its colour. Each piece of text is
    drawn as a coverage mask just its own size, turned into its ink's shades and laid on the card (inks
    never overlap); the bands are filled with their ink's darkest shade. A palette PNG is a third of the
    size of a full-colour one, and is written many times faster.
    """
    left, right = BAR + MARGIN, WIDTH - MARGIN
    width = right - left
    card = _heading(content.status, content.site_name).copy()

    lines, size = _statement_lines(content.statement, width)
    step = round(size * LINE_SPACING)
    top = STATEMENT_TOP + (STATEMENT_BOTTOM - STATEMENT_TOP - step * len(lines)) // 2  # a short one centred
    _draw_text(card, "text", [((left, top + index * step), line) for index, line in enumerate(lines)], _font(size))

    card.paste(_shades("rule")[255], (left, 548, right + 1, 550))  # a line 2 px thick
    by_font = _font(30)
    claimant = _fit_line(f"Claimed by {content.claimant}", by_font, width)
    _draw_text(card, "text", [((left, 570), claimant)], by_font)

    card.putpalette(_palette(content.status))  # the image of indexes becomes a palette image
    output = io.BytesIO()
    card.save(output, format="PNG", compress_level=PNG_COMPRESS_LEVEL)  # no time or text chunk unless asked
    return output.getvalue()


@cache
def _heading(status: str, site_name: str) -> Image.Image:
    """What every card of a status draws the same: the status's band, the site's name and the status's mark
    and word (drawn once per process, and copied)."""
    card = Image.new("L", (WIDTH, HEIGHT), 0)
    left, right = BAR + MARGIN, WIDTH - MARGIN
    card.paste(_shades("status")[255], (0, 0, BAR, HEIGHT))
    site_font = _font(30)
    _draw_text(card, "muted", [((left, 52), _fit_line(site_name, site_font, right - left))], site_font)
    mark, mark_top = 34, 112
    card.paste(_status_mark(status, mark).point(_shades("status")), (left, mark_top))
    word = status.capitalize()
    _draw_text(card, "status", [((left + mark + 16, mark_top + mark // 2), word)], _font(40), "lm", stroke_width=1)
    return card


def _draw_text(
    card: Image.Image,
    ink: str,
    lines: list[tuple[tuple[int, int], str]],
    font: ImageFont.FreeTypeFont,
    anchor: str | None = None,
    stroke_width: int = 0,
) -> None:
    """Lines of text in one ink: drawn as coverage in a mask just large enough, whose shades go onto the card.

    Lines anchored at their top left (the default) are boxed by their measured width and the font's height,
    with an em all round for what a glyph draws outside them; others are measured by FreeType (slower).
    """
    if anchor is None and not stroke_width:
        ascent, descent = font.getmetrics()
        pad = round(font.size)
        boxes = [(-pad, -pad, _width(font, text) + pad, ascent + descent + pad) for _, text in lines]
    else:
        boxes = [font.getbbox(text, anchor=anchor, stroke_width=stroke_width) for _, text in lines]
    x0 = max(0, int(min(x + box[0] for ((x, _), _), box in zip(lines, boxes, strict=True))) - 2)
    y0 = max(0, int(min(y + box[1] for ((_, y), _), box in zip(lines, boxes, strict=True))) - 2)
    x1 = min(WIDTH, int(max(x + box[2] for ((x, _), _), box in zip(lines, boxes, strict=True))) + 3)
    y1 = min(HEIGHT, int(max(y + box[3] for ((_, y), _), box in zip(lines, boxes, strict=True))) + 3)
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    draw = ImageDraw.Draw(mask)
    for (x, y), text in lines:
        draw.text((x - x0, y - y0), text, font=font, fill=255, anchor=anchor, stroke_width=stroke_width)
    box = (x0, y0, x1, y1)
    card.paste(ImageChops.lighter(card.crop(box), mask.point(_shades(ink))), box)


def _blend(colour: str, share: float) -> tuple[int, int, int]:
    """The colour laid over the background with this share of coverage."""
    background, ink = ImageColor.getrgb(BACKGROUND), ImageColor.getrgb(colour)
    return tuple(round(back + (front - back) * share) for back, front in zip(background, ink, strict=True))


def _statement_lines(statement: str, width: int) -> tuple[list[str], int]:
    """The statement wrapped at the largest size whose lines fit the space; at the smallest, shortened. It is the
    desk's attributed wording, not anyone's words, so it is not put in quotation marks."""
    quoted = _clipped(statement)
    for size in STATEMENT_SIZES:
        font = _font(size)
        most = int((STATEMENT_BOTTOM - STATEMENT_TOP) // (size * LINE_SPACING))
        if size != STATEMENT_SIZES[-1] and _width(font, quoted) > most * width:
            continue  # longer than all its lines together: it cannot fit at this size
        lines = _wrap(quoted, font, width)
        if len(lines) <= most:
            return lines, size
    size = STATEMENT_SIZES[-1]
    font = _font(size)
    most = int((STATEMENT_BOTTOM - STATEMENT_TOP) // (size * LINE_SPACING))
    lines = _wrap(quoted, font, width)[:most]
    lines[-1] = _with_ellipsis(lines[-1], font, width)
    return lines, size


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Words in lines no wider than width; a word wider than a line is broken where it must be. The line so far
    is text[line_start:line_end] (the words and the single spaces between them, as written)."""
    measured = _MeasuredText(text, font)
    lines: list[str] = []
    line_start = line_end = 0
    word_start = 0
    for word in text.split(" "):
        word_end = word_start + len(word)
        start = line_start if line_start < line_end else word_start  # the line and this word, or the word alone
        if measured.width(start, word_end) <= width:
            line_start, line_end = start, word_end
        else:
            if line_start < line_end:
                lines.append(text[line_start:line_end])
            cut_start = word_start
            while measured.width(cut_start, word_end) > width:
                cut = measured.longest_fitting(cut_start, word_end, width)
                lines.append(text[cut_start:cut])
                cut_start = cut
            line_start, line_end = cut_start, word_end
        word_start = word_end + 1  # after the space
    if line_start < line_end:
        lines.append(text[line_start:line_end])
    return lines


def _fit_line(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """The text whole if it fits, else shortened with an ellipsis."""
    text = _clipped(text)
    return text if _width(font, text) <= width else _with_ellipsis(text, font, width)


def _with_ellipsis(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """The text cut (at a word where it can be) so that it and an ellipsis fit the width: more follows."""
    ellipsis = "…"
    cut = _MeasuredText(text, font).longest_fitting(0, len(text), width - _width(font, ellipsis))
    shortened = text[:cut]
    if " " in shortened.strip() and (cut == len(text) or text[cut] != " "):
        shortened = shortened.rstrip().rsplit(" ", 1)[0]
    return shortened.rstrip(" ,;:.–-“") + ellipsis


def _clipped(text: str) -> str:
    """The text, or as much of it as any card could draw and an ellipsis: the rest is never laid out."""
    return text if len(text) <= MOST_CHARACTERS_DRAWN else text[:MOST_CHARACTERS_DRAWN] + "…"


def _status_mark(status: str, size: int) -> Image.Image:
    """The status's shape as the pages draw it (site.css, .status::before): confirmed a filled circle,
    uncontested a ring, unverified a dashed square, disputed a triangle, refuted a cross."""
    big = size * SUPERSAMPLE
    mark = Image.new("L", (big, big), 0)  # the shape's coverage
    draw = ImageDraw.Draw(mark)
    colour = 255
    line = round(big * 0.16)
    end = big - 1
    if status == "confirmed":
        draw.ellipse((0, 0, end, end), fill=colour)
    elif status == "uncontested":
        draw.ellipse((0, 0, end, end), outline=colour, width=line)
    elif status == "unverified":
        dash = big // 5
        for start in range(0, big, dash * 2):
            stop = min(start + dash, big) - 1
            draw.rectangle((start, 0, stop, line - 1), fill=colour)
            draw.rectangle((start, big - line, stop, end), fill=colour)
            draw.rectangle((0, start, line - 1, stop), fill=colour)
            draw.rectangle((big - line, start, end, stop), fill=colour)
    elif status == "disputed":
        draw.polygon([(big / 2, 0), (end, end), (0, end)], fill=colour)
    else:  # refuted
        points = [(20, 0), (50, 30), (80, 0), (100, 20), (70, 50), (100, 80), (80, 100), (50, 70), (20, 100),
                  (0, 80), (30, 50), (0, 20)]  # fmt: skip
        draw.polygon([(x * end / 100, y * end / 100) for x, y in points], fill=colour)
    return mark.resize((size, size), Image.Resampling.LANCZOS)


class ShareCards:
    """The cards of one build: where each goes, and its bytes, from the cache when it holds them."""

    def __init__(self, site_name: str, cache: CardCache | None = None) -> None:
        self.site_name = site_name
        self.cache = cache

    def plan(self, claims: list[ClaimNode]) -> list[DataFile]:
        """One file per claim: its words are taken now, its bytes made (or read back) when it is written."""
        return [
            DataFile(card_path(claim), partial(self.card_bytes, card_content(claim, self.site_name)))
            for claim in claims
        ]

    def card_bytes(self, content: CardContent) -> bytes:
        name = content.digest()
        cached = self.cache.get(name) if self.cache else None
        if cached is not None:
            return cached
        png = render_card(content)
        if self.cache:
            self.cache.put(name, png)
        return png

    def plan_site(self, site: Site) -> list[DataFile]:
        """Every claim's card; the cache keeps only these (a whole build's)."""
        files = self.plan(site.claims)
        if self.cache:
            self.cache.keep_only({card_content(claim, self.site_name).digest() for claim in site.claims})
        return files
