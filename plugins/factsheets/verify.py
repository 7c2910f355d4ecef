"""Stage 4: check every quote against its source's archived text, and mark the quoted passages.

Quotes and sources are compared after folding whitespace and typographic
quotation marks; nothing else is forgiven, so one changed word fails the build.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .graph import MarkedText, QuoteNode, Site, SourceNode
from .load import NONCHARACTERS_OR_LATE, first_refused
from .models import Source
from .passages import WordIndex, closest_passage
from .problems import Problem, clipped
from .quotation_marks import QuotedRuns

MAX_ARCHIVED_TEXT_BYTES = 2 * 1024 * 1024
"""An archived text is one article's words (the real ones are a few kilobytes); its page shows it whole."""

ARCHIVED_TEXT_CONTROLS = re.compile(f"[\\x00-\\x08\\x0b\\x0e-\\x1f\\x7f-\\x9f{NONCHARACTERS_OR_LATE}]")
"""Control characters but tab, line breaks and form feed (a page break in text taken from a PDF), and noncharacters
(searched with load.first_refused)."""

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

    @cached_property
    def words(self) -> WordIndex:
        """The folded text's words, for finding the passage most like a quote that is not found."""
        return WordIndex(self.folded)

    def original_index(self, folded_index: int) -> int:
        run = bisect.bisect_right(self._folded_starts, folded_index) - 1
        return self._original_starts[run] + folded_index - self._folded_starts[run]


def fold(text: str) -> str:
    """The text as quotes are compared: whitespace runs folded, typographic quotes straight."""
    return " ".join(_straighten(text).split())


@dataclass
class ArchivedText:
    """A source's archived text as read, and folded for finding quotes in it (when first needed)."""

    text: str
    sha256: str = ""
    """The SHA-256 of the file's bytes, as `archived_text_sha256` records it."""

    @cached_property
    def folded(self) -> FoldedText:
        return FoldedText(self.text)


Place = tuple[int, int, bool]
"""Where a quote stands in an archived text: its start and end offsets, and whether it lies inside quotation
marks."""


class FoundQuotes:
    """Where each source's quotes were found, kept between builds: finding them means folding the text and
    its quotation marks, most of the quote check, and the answer depends only on the text and the quotes.

    Each entry is stored under a digest of the archived text's bytes, of the quotes as compared and of the
    code that finds them (this module and quotation_marks.py), so an edit of any of them finds the quotes
    again. Only sources whose quotes were all found are kept (a quote not found is reported with a hint,
    worked out anew). The cache folder keeps the places signed like its other entries (cache.py), as JSON.
    """

    def __init__(self, known: Mapping[str, list[Place]] | None = None) -> None:
        self._known = dict(known or {})
        self.used: dict[str, list[Place]] = {}
        """The entries this build looked up or found: what is kept for the next one."""

    @staticmethod
    def key(text_sha256: str, needles: list[str]) -> str:
        described = "\n".join([FOUND_QUOTES_VERSION, text_sha256, *needles])
        return hashlib.sha256(described.encode()).hexdigest()

    def get(self, key: str, text: str, count: int) -> list[Place] | None:
        places = self._known.get(key)
        if places is None or len(places) != count or not all(_fits(place, len(text)) for place in places):
            return None
        self.used[key] = places
        return places

    def put(self, key: str, places: list[Place]) -> None:
        self.used[key] = places

    @property
    def changed(self) -> bool:
        return self.used != self._known

    def to_json(self) -> bytes:
        return json.dumps(self.used, sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def from_json(cls, payload: bytes | None) -> FoundQuotes:
        """The places stored, or none when there are none or they are not in the shape stored."""
        try:
            stored = json.loads(payload) if payload else {}
        except ValueError:
            stored = {}
        if not isinstance(stored, dict):
            return cls()
        return cls({key: [tuple(place) for place in places] for key, places in stored.items() if _places(places)})


def _places(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(place, list) and len(place) == 3 for place in value)


def _fits(place: tuple, length: int) -> bool:
    start, end, inside = place
    return type(start) is int and type(end) is int and type(inside) is bool and 0 <= start < end <= length


FOUND_QUOTES_VERSION = hashlib.sha256(
    Path(__file__).read_bytes() + Path(__file__).with_name("quotation_marks.py").read_bytes()
).hexdigest()[:16]
"""Changes with the code that finds quotes: places found by other code are found again."""


def read_archived_texts(sources: Iterable[Source], content_dir: Path) -> dict[str, ArchivedText]:
    """The archived texts of these sources that can be read, by the path the sources give.

    The quote check reads them itself when not given them; the pipeline has them read where the
    fact-sheet files are read, one process per core, because folding a text is most of the check.
    """
    root = content_dir.resolve()
    texts: dict[str, ArchivedText] = {}
    for source in sources:
        if source.archived_text is not None and source.archived_text not in texts:  # None: a partial source's
            archived = read_archived_text(source.archived_text, root)
            if isinstance(archived, ArchivedText):
                archived.folded  # noqa: B018 (folded here, in the worker)
                texts[source.archived_text] = archived
    return texts


def verify_quotes(
    site: Site, content_dir: Path, texts: Mapping[str, ArchivedText] | None = None, found: FoundQuotes | None = None
) -> list[Problem]:
    """Find every quote in its source's archived text (taken from texts when there; the places from found when
    it holds them, else noted in it)."""
    problems: list[Problem] = []
    root = content_dir.resolve()
    found = found if found is not None else FoundQuotes()
    folded_texts: dict[int, str] = {}  # each source's text as compared, by id() of its node: for quoted_words
    for source in site.sources:
        relative = source.record.archived_text
        if relative is None:  # a partial source whose path failed validation, and is reported
            continue
        archived = (texts or {}).get(relative) or read_archived_text(relative, root)
        if isinstance(archived, ArchivedText):
            problems += _changed_since_archived(source, "archived_text", archived.sha256)
            source.archived = MarkedText(archived.text, _find_quotes(source, archived, problems, found))
            folded_texts[id(source)] = archived.folded.folded
        else:
            problems.append(source.problem(("archived_text",), *archived))
        if source.record.original is not None:
            original = original_digest(source.record.original, root)
            if isinstance(original, str):
                problems += _changed_since_archived(source, "original", original)
            else:
                problems.append(source.problem(("original",), *original))
    from .quoted_words import check_quoted_words  # it compares as this module does (fold): imported here, not above

    return problems + check_quoted_words(site, folded_texts)


MAX_ORIGINAL_BYTES = 64 * 1024 * 1024
"""An original is a web page or a PDF as retrieved (`factsheets archive` takes at most 20 MB)."""


def _changed_since_archived(source: SourceNode, field_name: str, digest: str) -> list[Problem]:
    """A problem when the file's digest is not the one recorded: the file was changed after it was archived."""
    recorded = getattr(source.record, f"{field_name}_sha256")
    if recorded is None or recorded == digest:
        return []
    path = getattr(source.record, field_name)
    return [
        source.problem(
            (f"{field_name}_sha256",),
            f"'{path}' has changed since it was archived: its SHA-256 is {digest}, not the one recorded",
            f"if the change is an intended correction, run: factsheets accept {source.record.id} "
            "--change 'what was corrected'; if not, restore the file",
        )
    ]


def original_digest(relative: str, root: Path) -> str | tuple[str, str]:
    """The SHA-256 of the original at relative inside root; or why it cannot be read (a message and a hint)."""
    try:
        path = (root / relative).resolve()
        if not path.is_relative_to(root):
            return f"original '{relative}' lies outside the content folder", ""
        if not path.is_file():
            return f"original '{relative}' not found", f"looked in {path}"
        if path.stat().st_size > MAX_ORIGINAL_BYTES:
            return f"original '{relative}' is over the {MAX_ORIGINAL_BYTES:,}-byte limit", ""
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        return f"original '{relative}' could not be read: {error.strerror or error}", ""


def read_archived_text(relative: str, root: Path) -> ArchivedText | tuple[str, str]:
    """The text at relative inside root, folded; or why it cannot be read (a message and a hint)."""
    try:
        path = (root / relative).resolve()
        is_file = path.is_file()
    except OSError as error:  # a name too long for the file system, say
        return f"archived text '{relative[:80]}' could not be read: {error.strerror or error}", ""
    if not path.is_relative_to(root):
        if Path(os.path.normpath(root / relative)).is_relative_to(root):  # a link, or a folder in the path
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
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return f"archived text '{relative}' is not UTF-8", ""
    except OSError as error:
        return f"archived text '{relative}' could not be read: {error.strerror or error}", f"looked in {path}"
    control = first_refused(text, ARCHIVED_TEXT_CONTROLS)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        column = control.start() - text.rfind("\n", 0, control.start())
        kind = "control character" if control.group() <= "\x9f" else "noncharacter"
        return (
            f"archived text '{relative}' holds {kind} U+{ord(control.group()):04X} at line {line}, column {column}",
            "delete it from the text: it cannot be shown on a page",
        )
    return ArchivedText(text, hashlib.sha256(raw).hexdigest())


def _find_quotes(
    source: SourceNode, archived: ArchivedText, problems: list[Problem], found: FoundQuotes
) -> dict[str, tuple[int, int]]:
    """Locate each quote in the original text; report those that are not there. Note whether each lies inside
    quotation marks, and report a quote marked direct that does not."""
    needles = [fold(quote.text) for quote in source.quotes]
    key = found.key(archived.sha256, needles)
    places = found.get(key, archived.text, len(needles)) or _places_of(needles, archived)
    if None not in places:
        found.put(key, places)
    spans: dict[str, tuple[int, int]] = {}
    for quote, needle, place in zip(source.quotes, needles, places, strict=True):
        if place is None:
            hint = _closest_passage(needle, archived.folded, archived.text)
            for node, field_path in quote.written_at:
                problems.append(
                    node.problem(field_path + ("text",), f"quote not found in source '{source.record.id}'", hint)
                )
            continue
        start, end, quote.in_quotation_marks = place
        spans[quote.anchor] = (start, end)
        problems += _check_quote_kinds(quote, source)
    return spans


def _places_of(needles: list[str], archived: ArchivedText) -> list[Place | None]:
    """Where each quote stands in the archived text, None where it is not found."""
    places: list[Place | None] = []
    quoted_runs: QuotedRuns | None = None
    for needle in needles:
        start = _find_whole_words(archived.folded.folded, needle)
        if start < 0:
            places.append(None)
            continue
        original_start = archived.folded.original_index(start)
        end = archived.folded.original_index(start + len(needle) - 1) + 1
        quoted_runs = quoted_runs or QuotedRuns(archived.text)
        places.append((original_start, end, quoted_runs.contain(original_start, end)))
    return places


def _check_quote_kinds(quote: QuoteNode, source: SourceNode) -> list[Problem]:
    """A quote marked direct must lie inside quotation marks; a speaker is named only for a direct quote."""
    problems: list[Problem] = []
    if quote.in_quotation_marks:
        return problems
    where = f"in the archived text of '{source.record.id}'"
    for node, field_path in quote.written_at:
        record = node.record
        for name in field_path:
            record = getattr(record, name) if isinstance(name, str) else record[name]
        kind = getattr(record, "kind", None)
        if kind == "direct":
            problems.append(
                node.problem(
                    field_path + ("kind",),
                    f"marked direct, but the passage does not lie wholly inside quotation marks {where}: "
                    "it is the source's own words",
                    "write kind: reported (or leave kind out), or quote only words the source puts inside "
                    "quotation marks",
                )
            )
        elif getattr(record, "speaker", None) is not None:
            problems.append(
                node.problem(
                    field_path + ("speaker",),
                    f"names a speaker, but the passage does not lie wholly inside quotation marks {where}: "
                    "it is the source's own words, not a speaker's",
                    "leave speaker out: the page says the words are the source's",
                )
            )
    return problems


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


def _closest_passage(needle: str, archived: FoldedText, text: str) -> str:
    """The passage of the source most like the quote, if at least half alike, as a hint (the loose matcher
    of `factsheets quote`, whose work is bounded whatever the lengths of the quote and the text)."""
    passage = closest_passage(needle, archived.words)
    if passage is None:
        return ""
    start, end = archived.original_index(passage.start), archived.original_index(passage.end - 1) + 1
    found = " ".join(text[start:end].split())
    return f'the closest passage in the source reads: "{clipped(found, 160)}"'
