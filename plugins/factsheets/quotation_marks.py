"""Where a text quotes someone: the runs of it that lie inside quotation marks.

A source's own words (its reporting, its paraphrase) stand outside quotation marks; what it quotes of a
speaker stands inside them. :class:`QuotedRuns` finds the runs inside marks, paragraph by paragraph, and
says whether a passage lies wholly inside one of them.

The marks understood: straight double quotes ("), typographic ones (“ ” „), and guillemets (« » in either
direction, as French and German use them). Single quotes are left alone: the same character is an
apostrophe. A quotation inside a quotation (« ... “ ... ” ... ») stays part of the outer one. The state of
quotation ends with each paragraph (a blank line): a quotation that runs on into the next paragraph opens
it again with a mark (the English convention), so a mark left open at a paragraph's end counts only when
the next paragraph opens with a mark; otherwise it was a stray mark, and quotes nothing.
"""

from __future__ import annotations

import bisect
import re

CLOSERS: dict[str, str] = {
    '"': '"',
    "\u201c": "\u201d",  # “ ... ” (English)
    "\u201e": "\u201c\u201d",  # „ ... “ (German) or „ ... ” (Polish, Hungarian)
    "\u201d": "\u201d",  # ” ... ” (Swedish, Finnish)
    "\u00ab": "\u00bb",  # « ... » (French, Russian, Ukrainian)
    "\u00bb": "\u00ab",  # » ... « (German, Danish)
}
"""Each opening mark, and the marks that close it."""
_MARK = re.compile("[" + "".join(CLOSERS) + "]")
_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*\Z)", re.DOTALL)
"""A paragraph: text between blank lines, as a source's page shows it (verify.MarkedText)."""


class QuotedRuns:
    """The runs of a text inside quotation marks, marks included, as (start, end) offsets in order."""

    def __init__(self, text: str) -> None:
        self.runs: list[tuple[int, int]] = []
        paragraphs = [match.span() for match in _PARAGRAPH.finditer(text)]
        for index, (start, end) in enumerate(paragraphs):
            next_opens_with_mark = index + 1 < len(paragraphs) and text[paragraphs[index + 1][0]] in CLOSERS
            self.runs += _runs_in_paragraph(text, start, end, next_opens_with_mark)
        self._starts = [start for start, _ in self.runs]

    def contain(self, start: int, end: int) -> bool:
        """Whether the passage text[start:end] lies wholly inside one run: inside quotation marks."""
        index = bisect.bisect_right(self._starts, start) - 1
        return index >= 0 and end <= self.runs[index][1]


def _runs_in_paragraph(text: str, start: int, end: int, continues: bool) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    open_marks: list[str] = []  # the marks open now, outermost first
    opened_at = start
    for match in _MARK.finditer(text, start, end):
        mark = match.group()
        if open_marks and mark in CLOSERS[open_marks[-1]]:
            open_marks.pop()
            if not open_marks:
                runs.append((opened_at, match.end()))
        else:
            if not open_marks:
                opened_at = match.start()
            open_marks.append(mark)
    if open_marks and continues:  # a quotation that goes on into the next paragraph
        runs.append((opened_at, end))
    return runs
