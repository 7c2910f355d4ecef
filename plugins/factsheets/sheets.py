"""The records of one fact-sheet file once validated: what the cache keeps and the graph is made from."""

from __future__ import annotations

from dataclasses import dataclass, field

from .load import LoadedFile
from .models import Overview, Record


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

    def of_kind(self, kind: str) -> list[tuple[int, Record]]:
        return self.records.get(kind, [])
