"""The items of the open data files and of the lists' pages, each taken from the last build's file when nothing
it read has changed.

``data/factsheets.json`` and ``data/claimreview.json`` hold an item for every record (27 MB and 16 MB at 10,000
claims): made again whole, they cost an update two seconds of work for the one claim an edit changed. Each
item is made with the ids of the records it reads noted (graph.record_reads), and written as an ItemText; the
writer notes where each one lies in the file (its byte offset and length), and the build's record keeps that
(build_record.BuildRecord.spans). An update then takes an item's bytes from the last build's file
when the records it read are not among those the edit changed, and makes the others: the file is the same,
byte for byte, as one made whole. The last build's output is the one the record describes (build_record's
plan_update checks every file's size and time before an update); an item that cannot be read from it is made.

A page's items are the template's `{% call kept_item(key) %}...{% endcall %}` blocks (a row of the claims index,
an entry of the timeline: 10,000 of each at 10,000 claims, a second to render); the page written is searched
for each one's text, in order, to note where it lies (spans_in). Whatever an item shows must follow from its
key and the records it reads.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .graph import record_reads

Span = tuple[int, int, tuple[str, ...]]
"""Where an item lies in its file, in bytes (offset, length), and the ids of the records it read."""


class ItemText(str):
    """An item as written (JSON in a data file, HTML in a page), with its key in the file and what it read."""

    key: str
    reads: tuple[str, ...]

    def __new__(cls, text: str, key: str, reads: tuple[str, ...]) -> ItemText:
        made = super().__new__(cls, text)
        made.key, made.reads = key, reads
        return made


@dataclass
class ItemReuse:
    """The last build's items that an update may take as they are: none for a whole build."""

    old_output: Path | None = None
    spans: Mapping[str, Mapping[str, Span]] = field(default_factory=dict)
    """The last build's spans, by file (save_as) and key."""
    changed_ids: Collection[str] = frozenset()
    _open: dict[str, mmap.mmap | None] = field(default_factory=dict, repr=False)

    def item(self, save_as: str, key: str, make: Callable[[], Any], encode: Callable[[Any], str]) -> ItemText:
        """The item keyed so in the file: the last build's text if what it read has not changed, else made
        (make) and encoded (encode)."""
        span = self.spans.get(save_as, {}).get(key)
        if span is not None and self.changed_ids.isdisjoint(span[2]):
            text = self.read_kept(save_as, span)
            if text is not None:
                return ItemText(text, key, span[2])
        with record_reads() as reads:
            text = encode(make())
        return ItemText(text, key, tuple(sorted(reads)))

    def read_kept(self, save_as: str, span: Span) -> str | None:
        """The text of the item at span in the last build's file, or None if it cannot be read."""
        if save_as not in self._open:
            self._open[save_as] = _mapped(self.old_output / save_as) if self.old_output else None
        kept = self._open[save_as]
        if kept is None:
            return None
        offset, length, _ = span
        data = kept[offset : offset + length]
        try:
            return data.decode("utf-8") if len(data) == length else None
        except UnicodeDecodeError:
            return None

    def done(self, save_as: str) -> None:
        """Let go of the last build's file once the file is made."""
        kept = self._open.pop(save_as, None)
        if kept is not None:
            kept.close()


def _mapped(path: Path) -> mmap.mmap | None:
    """The file mapped into memory to read items from (tens of thousands of them: a slice each, no call to the
    system), or None if it cannot be (missing, empty)."""
    try:
        with path.open("rb") as stream:
            return mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def spans_in(path: Path, items: list[ItemText]) -> dict[str, Span]:
    """Where each of a page's kept items lies in the page as written at path, found in their order (an item
    not found is left out: it is made again next time)."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    spans: dict[str, Span] = {}
    position = 0
    for item in items:
        encoded = item.encode("utf-8")
        found = data.find(encoded, position)
        if found >= 0:
            spans[item.key] = (found, len(encoded), item.reads)
            position = found + len(encoded)
    return spans
