"""The records of one fact-sheet file once validated: what the cache keeps and the graph is made from, and
what an edit of the file changed."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

from pydantic import BaseModel

from . import models
from .load import LoadedFile
from .models import Overview, Record

STRUCTURAL_TEXT = {
    (models.Quote, "text"),
    (models.Actor, "name"),
    (models.StaffMember, "name"),
    (models.StaffMember, "role"),
    (models.Source, "archived_text"),
    (models.Source, "original"),
}
"""Text fields that decide more than what a page shows: quote anchors, the order of actors and staff, a file to read and
check (an edit that names another is read whole, so the file is checked: edits.py); a staff member's name and role,
which the About page lists (a page of Pelican's, which an update of the preview does not render again)."""
SHOWN_ONLY = {(models.Claim, "status")}
"""Fields besides free text that pages only show, reading them when rendered: a claim's status (its badge,
the home page's groups, the ClaimReview rating), the commonest verdict an editor changes."""


@dataclass(frozen=True)
class SheetFingerprint:
    """What an edit of a file changed, told apart without the old file: digests of its records."""

    shape: str
    """A digest of all that decides the graph, the order of lists and the quotes: the overview, and the
    kinds, ids and order of the records with their free text (and a claim's status) left out (see shape_of).
    Files of the same shape differ only in what their records' pages show."""
    records: dict[str, str]
    """Each top-level record's id, and a digest of all its fields."""
    overview: str = ""
    """A digest of the file's overview, if it has one."""


@dataclass
class ValidSheet:
    """The records of one file, each with its index in its list.

    Records are validated one by one. A record with a wrong field is kept as a partial record (see
    partial_record): its references and quotes are still resolved and checked, so that all its
    problems are found in one run. Its problems fail the build, so a file with one is never cached
    or rendered.
    """

    file: LoadedFile
    overview: Overview | None = None
    records: dict[str, list[tuple[int, Record]]] = field(default_factory=dict)
    fingerprint: SheetFingerprint | None = None
    """Set once the file is valid (see take_fingerprint), and cached with it."""

    def of_kind(self, kind: str) -> list[tuple[int, Record]]:
        return self.records.get(kind, [])

    def take_fingerprint(self) -> SheetFingerprint:
        """Digest the records (about 30 µs a record), once: a cached file keeps its fingerprint."""
        if self.fingerprint is None:
            shape = [self.overview.model_dump_json() if self.overview else None]
            shape += [(kind, index, repr(shape_of(record))) for kind, records in self.records.items()
                      for index, record in records]  # fmt: skip
            records = {
                record.id: _digest(record.model_dump_json()) for listed in self.records.values() for _, record in listed
            }
            overview = _digest(shape[0]) if shape[0] else ""
            self.fingerprint = SheetFingerprint(_digest(repr(shape)), records, overview)
        return self.fingerprint

    def share_equal_values(self) -> None:
        """Let the file's models share one object where they hold equal ones, which nothing here tells apart (the
        records are frozen) and a cached file keeps shared (pickle keeps one of each):

        - the set of the fields given in each model, which pydantic keeps (``__pydantic_fields_set__``, 200-500
          bytes) and nothing here reads: 85,000 sets at 10,000 claims (33 MB);
        - equal strings: the ids a file refers to again and again, its dates, statuses and repeated changelog
          lines (at 10,000 claims, 290,000 strings of 28 MB hold 10 MB of distinct text);
        - the empty lists of the fields a record leaves out (its changelog, evidence, open questions: 55,000 at
          10,000 claims, 4 MB), which nothing changes.
        """
        shared_sets: dict[frozenset[str], frozenset[str]] = {}
        shared_strings: dict[str, str] = {}
        empty: list = []

        def share(value: object) -> None:
            if isinstance(value, BaseModel):
                names = frozenset(value.__pydantic_fields_set__)
                object.__setattr__(value, "__pydantic_fields_set__", shared_sets.setdefault(names, names))
                fields = value.__dict__
                for name in type(value).model_fields:
                    field_value = fields[name]
                    if type(field_value) is str:
                        fields[name] = shared_strings.setdefault(field_value, field_value)
                    elif type(field_value) is list and not field_value:
                        fields[name] = empty
                    else:
                        share(field_value)
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    if type(item) is str:
                        value[index] = shared_strings.setdefault(item, item)
                    else:
                        share(item)

        share(self.overview)
        for listed in self.records.values():
            for _, record in listed:
                share(record)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def shape_of(value: object) -> object:
    """A record with its free text (and a claim's status) left out: what decides the graph, the order
    and the quotes."""
    if isinstance(value, BaseModel):
        free_text = _free_text_fields(type(value))
        return {
            name: None if name in free_text else shape_of(getattr(value, name)) for name in type(value).model_fields
        }
    if isinstance(value, list):
        return [shape_of(item) for item in value]
    return value


@functools.cache
def _free_text_fields(model: type[BaseModel]) -> frozenset[str]:
    shown_only = {name for owner, name in SHOWN_ONLY if owner is model}
    return (models.text_fields(model) | shown_only) - {name for owner, name in STRUCTURAL_TEXT if owner is model}
