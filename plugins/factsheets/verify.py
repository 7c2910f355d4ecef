"""Stage 4: check every quote against its source's archived text, and mark the quoted passages.

Quotes and sources are compared after folding whitespace and typographic
quotation marks; nothing else is forgiven, so one changed word fails the build.
"""

from __future__ import annotations

import bisect
import difflib
import heapq
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path as FsPath

from .models import MAX_QUOTE_CHARS, Source
from .problems import Problem
from .resolve import Site, SourceNode

MAX_ARCHIVED_TEXT_BYTES = 2 * 1024 * 1024
"""An archived text is one article's words (the real ones are a few kilobytes); its page shows it whole."""

_ARCHIVED_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
"""Control characters but tab, line breaks and form feed (a page break in text taken from a PDF)."""

_STRAIGHT_QUOTES = {
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u2032": "'",
}
_TYPOGRAPHIC_QUOTE = re.compile("|".join(_STRAIGHT_QUOTES))


def _straighten(text: str) -> str:
    """Typographic quotation marks made straight, one character for one (offsets are kept)."""
    return _TYPOGRAPHIC_QUOTE.sub(lambda match: _STRAIGHT_QUOTES[match.group()], text)


_SENTENCE_END = re.compile(r"(?<=[.!?\"])\s+")
_IRREGULAR_WHITESPACE = re.compile(r"\s{2,}|[^\S ]")
"""A whitespace run that folding changes: two or more characters, or one that is not a space."""


class FoldedText:
    """A text with whitespace runs folded to one space and typographic quotes made straight.

    It remembers where each run of words came from, so that a match in the folded text can be
    mapped back to the original (``original_index``).
    """

    def __init__(self, text: str) -> None:
        translated = _straighten(text)
        stripped = translated.strip()
        lead = len(translated) - len(translated.lstrip())
        self.folded = " ".join(stripped.split())  # str.split's whitespace is the regex \s
        # Folded and original offsets move together except across a whitespace run other than one
        # space: one breakpoint after each such run (a few per paragraph) maps one onto the other.
        self._folded_starts: list[int] = [0]
        self._original_starts: list[int] = [lead]
        shrunk = 0
        for gap in _IRREGULAR_WHITESPACE.finditer(stripped):
            shrunk += gap.end() - gap.start() - 1
            self._folded_starts.append(gap.end() - shrunk)
            self._original_starts.append(lead + gap.end())

    def original_index(self, folded_index: int) -> int:
        run = bisect.bisect_right(self._folded_starts, folded_index) - 1
        return self._original_starts[run] + folded_index - self._folded_starts[run]


def fold(text: str) -> str:
    """The text as quotes are compared: whitespace runs folded, typographic quotes straight."""
    return " ".join(_straighten(text).split())


@dataclass
class ArchivedText:
    """A source's archived text as read, and folded for finding quotes in it."""

    text: str
    folded: FoldedText


def read_archived_texts(sources: Iterable[Source], content_dir: FsPath) -> dict[str, ArchivedText]:
    """The archived texts of these sources that can be read, by the path the sources give.

    The quote check reads them itself when not given them; the pipeline has them read where the
    fact-sheet files are read, one process per core, because folding a text is most of the check.
    """
    root = content_dir.resolve()
    texts: dict[str, ArchivedText] = {}
    for source in sources:
        if source.archived_text is not None and source.archived_text not in texts:  # None: a partial source's
            archived = _read_archived_text(source.archived_text, root)
            if isinstance(archived, ArchivedText):
                texts[source.archived_text] = archived
    return texts


def verify_quotes(site: Site, content_dir: FsPath, texts: Mapping[str, ArchivedText] | None = None) -> list[Problem]:
    """Find every quote in its source's archived text (taken from texts when there)."""
    problems: list[Problem] = []
    root = content_dir.resolve()
    for source in site.sources:
        relative = source.record.archived_text
        if relative is None:  # a partial source whose path failed validation, and is reported
            continue
        archived = (texts or {}).get(relative) or _read_archived_text(relative, root)
        if isinstance(archived, ArchivedText):
            source.archived = MarkedText(archived.text, _find_quotes(source, archived.folded, problems))
        else:
            problems.append(source.problem(("archived_text",), *archived))
    return problems


def _read_archived_text(relative: str, root: FsPath) -> ArchivedText | tuple[str, str]:
    """The text at relative inside root, folded; or why it cannot be read (a message and a hint)."""
    try:
        path = (root / relative).resolve()
        is_file = path.is_file()
    except OSError as error:  # a name too long for the file system, say
        return f"archived text '{relative[:80]}' could not be read: {error.strerror or error}", ""
    if not path.is_relative_to(root):
        if FsPath(os.path.normpath(root / relative)).is_relative_to(root):  # a link, or a folder in the path
            return f"archived text '{relative}' links outside the content folder: {path}", ""
        return f"'{relative}' lies outside the content folder", ""
    if not is_file:
        return f"archived text '{relative}' not found", f"looked in {path}"
    try:
        size = path.stat().st_size
        if size > MAX_ARCHIVED_TEXT_BYTES:
            return (
                f"archived text '{relative}' is {size:,} bytes, over the {MAX_ARCHIVED_TEXT_BYTES:,}-byte limit",
                "archive the article's own words, not the whole page or a whole book",
            )
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return f"archived text '{relative}' is not UTF-8", ""
    except OSError as error:
        return f"archived text '{relative}' could not be read: {error.strerror or error}", f"looked in {path}"
    control = _ARCHIVED_TEXT_CONTROLS.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        column = control.start() - text.rfind("\n", 0, control.start())
        return (
            f"archived text '{relative}' holds control character U+{ord(control.group()):04X} "
            f"at line {line}, column {column}",
            "delete it from the text: it cannot be shown on a page",
        )
    return ArchivedText(text, FoldedText(text))


def _find_quotes(source: SourceNode, archived: FoldedText, problems: list[Problem]) -> dict[str, tuple[int, int]]:
    """Locate each quote in the original text; report those that are not there."""
    spans: dict[str, tuple[int, int]] = {}
    for quote in source.quotes:
        needle = fold(quote.text)
        start = _find_whole_words(archived.folded, needle)
        if start < 0:
            hint = _closest_passage(needle, archived.folded)
            for node, field_path in quote.written_at:
                problems.append(
                    node.problem(field_path + ("text",), f"quote not found in source '{source.record.id}'", hint)
                )
            continue
        end = archived.original_index(start + len(needle) - 1) + 1
        spans[quote.anchor] = (archived.original_index(start), end)
    return spans


def _find_whole_words(haystack: str, needle: str) -> int:
    """Where needle first stands in haystack as whole words ("possible" is not in "impossible"), or -1."""
    start = haystack.find(needle) if needle else -1
    while start >= 0:
        before = haystack[start - 1] if start else " "
        after = haystack[start + len(needle)] if start + len(needle) < len(haystack) else " "
        if not (before.isalnum() and needle[0].isalnum()) and not (after.isalnum() and needle[-1].isalnum()):
            return start
        start = haystack.find(needle, start + 1)
    return -1


_HALF_ALIKE = 0.5
"""A sentence less alike than this to a quote that is not found is not worth showing as a hint."""
CLOSEST_PASSAGE_CANDIDATES = 20
"""At most this many sentences, the likeliest first, are compared in full with a quote that is not found:
the work stays bounded whatever the lengths of the quote and the text."""


def _closest_passage(needle: str, folded_source: str) -> str:
    """The sentence of the source most like the quote, if it is at least half alike, as a hint."""
    if not needle or len(needle) > MAX_QUOTE_CHARS:
        return ""
    matcher = difflib.SequenceMatcher(None)
    matcher.set_seq2(needle)  # the quote is indexed once, and each sentence compared with it
    # ratio() <= quick_ratio() <= real_quick_ratio(): the cheap bounds leave out most sentences (all
    # those under a third or over three times the quote's length, which cannot be half alike).
    candidates: list[tuple[float, int, str]] = []
    for index, sentence in enumerate(_SENTENCE_END.split(folded_source)):
        if 2 * min(len(sentence), len(needle)) < (len(sentence) + len(needle)) * _HALF_ALIKE:
            continue
        matcher.set_seq1(sentence)
        bound = matcher.quick_ratio()
        if bound >= _HALF_ALIKE:
            candidates.append((-bound, index, sentence))
    best, best_ratio, best_index = "", 0.0, 0
    for negative_bound, index, sentence in heapq.nsmallest(CLOSEST_PASSAGE_CANDIDATES, candidates):
        if -negative_bound < best_ratio:
            break  # no sentence left can be more alike
        matcher.set_seq1(sentence)
        ratio = matcher.ratio()
        if ratio >= _HALF_ALIKE and (ratio > best_ratio or (ratio == best_ratio and index < best_index)):
            best, best_ratio, best_index = sentence, ratio, index
    if not best:
        return ""
    shown = best if len(best) <= 160 else best[:157] + "..."
    return f'the closest sentence in the source reads: "{shown}"'


@dataclass(frozen=True)
class Segment:
    """A run of a source's archived text, marked when it lies inside quoted passages."""

    text: str
    anchors: list[str]
    marked: bool


@dataclass
class MarkedText:
    """A source's archived text with the span of each quote found in it, by the quote's anchor."""

    text: str
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)

    @cached_property
    def paragraphs(self) -> list[list[Segment]]:
        """Paragraphs of segments, quoted runs marked and each quote's start anchored; made when first shown."""
        paragraphs: list[list[Segment]] = []
        for match in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*\Z)", self.text, flags=re.DOTALL):
            start, end = match.span()
            cuts = {start, end}
            for quote_start, quote_end in self.spans.values():
                cuts.update(cut for cut in (quote_start, quote_end) if start < cut < end)
            bounds = sorted(cuts)
            segments = []
            for left, right in zip(bounds, bounds[1:], strict=False):
                anchors = sorted(anchor for anchor, (s, _) in self.spans.items() if s == left)
                marked = any(s <= left and right <= e for s, e in self.spans.values())
                segments.append(Segment(self.text[left:right], anchors, marked))
            paragraphs.append(segments)
        return paragraphs
