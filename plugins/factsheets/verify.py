"""Stage 4: check every quote against its source's archived text, and mark the quoted passages.

Quotes and sources are compared after folding whitespace and typographic
quotation marks; nothing else is forgiven, so one changed word fails the build.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path as FsPath

from .problems import Problem
from .resolve import Segment, Site, SourceNode

_TYPOGRAPHIC = str.maketrans(
    {
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
)
_SENTENCE_END = re.compile(r"(?<=[.!?\"])\s+")


def normalise(text: str) -> tuple[str, list[int]]:
    """Fold whitespace runs to one space and typographic quotes to straight ones.

    Returns the folded text and, for each of its characters, the index of the
    character it came from, so that a match can be mapped back to the original.
    """
    folded: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text.translate(_TYPOGRAPHIC)):
        if char.isspace():
            if not folded or folded[-1] == " ":
                continue
            char = " "
        folded.append(char)
        origins.append(index)
    if folded and folded[-1] == " ":
        folded.pop()
        origins.pop()
    return "".join(folded), origins


def verify_quotes(site: Site, content_dir: FsPath) -> list[Problem]:
    problems: list[Problem] = []
    for source in site.sources:
        text = _read_archived_text(source, content_dir, problems)
        if text is not None:
            spans = _find_quotes(source, text, problems)
            source.paragraphs = _mark_passages(text, spans)
    return problems


def _read_archived_text(source: SourceNode, content_dir: FsPath, problems: list[Problem]) -> str | None:
    relative = source.record.archived_text
    root = content_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        problems.append(source.problem(("archived_text",), f"'{relative}' lies outside the content folder"))
        return None
    if not path.is_file():
        problems.append(
            source.problem(("archived_text",), f"archived text '{relative}' not found", f"looked in {path}")
        )
        return None
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        problems.append(source.problem(("archived_text",), f"archived text '{relative}' is not UTF-8"))
        return None


def _find_quotes(source: SourceNode, text: str, problems: list[Problem]) -> dict[str, tuple[int, int]]:
    """Locate each quote in the original text; report those that are not there."""
    folded, origins = normalise(text)
    spans: dict[str, tuple[int, int]] = {}
    for quote in source.quotes:
        needle, _ = normalise(quote.text)
        start = folded.find(needle) if needle else -1
        if start < 0:
            hint = _closest_passage(needle, folded)
            for node, field_path in quote.written_at:
                problems.append(
                    node.problem(field_path + ("text",), f"quote not found in source '{source.record.id}'", hint)
                )
            continue
        spans[quote.anchor] = (origins[start], origins[start + len(needle) - 1] + 1)
    return spans


def _closest_passage(needle: str, folded_source: str) -> str:
    sentences = _SENTENCE_END.split(folded_source)
    best = max(sentences, key=lambda sentence: difflib.SequenceMatcher(None, needle, sentence).ratio(), default="")
    if difflib.SequenceMatcher(None, needle, best).ratio() < 0.5:
        return ""
    shown = best if len(best) <= 160 else best[:157] + "..."
    return f'the closest sentence in the source reads: "{shown}"'


def _mark_passages(text: str, spans: dict[str, tuple[int, int]]) -> list[list[Segment]]:
    """Split the archived text into paragraphs of segments, marking quoted runs and anchoring their starts."""
    paragraphs: list[list[Segment]] = []
    for match in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*\Z)", text, flags=re.DOTALL):
        start, end = match.span()
        cuts = {start, end}
        for quote_start, quote_end in spans.values():
            cuts.update(cut for cut in (quote_start, quote_end) if start < cut < end)
        bounds = sorted(cuts)
        segments = []
        for left, right in zip(bounds, bounds[1:], strict=False):
            anchors = sorted(anchor for anchor, (s, _) in spans.items() if s == left)
            marked = any(s <= left and right <= e for s, e in spans.values())
            segments.append(Segment(text[left:right], anchors, marked))
        paragraphs.append(segments)
    return paragraphs
