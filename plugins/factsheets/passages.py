"""Finding the passage of an archived text that loosely retyped words stand for.

An editor retypes a quote with other quotation marks, other dashes, other spacing or a word or two
different; :func:`closest_passage` finds the run of words in the text most like it, for `factsheets quote`
and for the hint of a quote the build does not find. The work is bounded whatever the lengths: the
words of the quote vote for where a passage may start (MAX_VOTES places
in all, the rarest words first), and only the CANDIDATES likeliest starts are compared word by word.
"""

from __future__ import annotations

import difflib
import heapq
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass

from .models import MAX_QUOTE_CHARS

HALF_ALIKE = 0.5
"""A passage less alike than this to the words sought is not worth showing."""
CANDIDATES = 20
"""At most this many places, those most words of the quote point to, are compared in full."""
MAX_VOTES = 20_000
"""The words of the quote vote, the rarest in the text first, until this many places have been counted: the
common words ("the", "of") say little about where the passage is, and would cost the most."""

_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")
_EDGE_PUNCTUATION = re.compile(r"^\W+|\W+$")


def word_key(word: str) -> str:
    """A word as compared loosely: case, accents' composition, dashes and the punctuation around it ignored."""
    word = _DASHES.sub("-", unicodedata.normalize("NFKC", word)).casefold()
    return _EDGE_PUNCTUATION.sub("", word) or word


@dataclass(frozen=True)
class Passage:
    """Where the passage most like the words sought stands in the text searched (character offsets)."""

    start: int
    end: int
    likeness: float


class WordIndex:
    """A text's words, compared loosely, and where each stands: made once for all the searches in one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans = [match.span() for match in re.finditer(r"\S+", text)]
        self.keys = [word_key(text[start:end]) for start, end in self.spans]
        self.places: dict[str, list[int]] = defaultdict(list)
        for index, key in enumerate(self.keys):
            self.places[key].append(index)


def closest_passage(sought: str, text: str | WordIndex) -> Passage | None:
    """The run of whole words of text most like sought, if at least half alike; None otherwise."""
    wanted = [word_key(word) for word in sought.split()][: MAX_QUOTE_CHARS // 2]
    if not wanted or len(sought) > 4 * MAX_QUOTE_CHARS:
        return None
    index = text if isinstance(text, WordIndex) else WordIndex(text)
    text, spans, keys = index.text, index.spans, index.keys
    votes: Counter[int] = Counter()
    counted = 0
    for offset, key in sorted(enumerate(wanted), key=lambda item: len(index.places.get(item[1], ()))):
        found = index.places.get(key, ())
        if counted and counted + len(found) > MAX_VOTES:
            break
        counted += len(found)
        votes.update({max(place - offset, 0) for place in found[:MAX_VOTES]})
    if not votes:
        return None
    starts = heapq.nlargest(CANDIDATES, votes, key=lambda start: (votes[start], -start))
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(wanted)
    best: tuple[float, int, int] | None = None
    size = len(wanted)
    for first in starts:
        window = keys[first : first + size + 2]
        matcher.set_seq1(window)
        blocks = [block for block in matcher.get_matching_blocks() if block.size]
        if not blocks:
            continue
        # The passage runs from the first to the last word that matches, widened to the sought words' edges.
        left = max(blocks[0].a - blocks[0].b, 0)
        right = min(blocks[-1].a + blocks[-1].size + (size - blocks[-1].b - blocks[-1].size), len(window))
        matcher.set_seq1(window[left:right])
        likeness = matcher.ratio()
        if best is None or likeness > best[0] or (likeness == best[0] and first + left < best[1]):
            best = (likeness, first + left, first + right)
    if best is None or best[0] < HALF_ALIKE or best[2] <= best[1]:
        return None
    likeness, first, last = best
    start, end = spans[first][0], spans[last - 1][1]
    words = sought.split()
    # Punctuation around the passage that the words sought do not have (an opening quotation mark) stays out.
    if _EDGE_PUNCTUATION.match(words[0]) is None:
        start += len(text[start:end]) - len(text[start:end].lstrip(_punctuation(text[start:end])))
    if not re.search(r"\W$", words[-1]):
        end -= len(text[start:end]) - len(text[start:end].rstrip(_punctuation(text[start:end])))
    return Passage(start, end, likeness) if start < end else None


def _punctuation(text: str) -> str:
    """The characters of text that are neither letters, digits nor whitespace."""
    return "".join({character for character in text if not character.isalnum() and not character.isspace()})
