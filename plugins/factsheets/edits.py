"""Edits of free text put into a site already read: the records of the edited files take the old ones' place in
their nodes, and nothing else of the graph changes.

An edit changes free text only when the file keeps its overview and, record by record, its kinds, ids, order and
everything but its free text and a claim's status (sheets.shape_of): the links, the lists' order and the quotes
are then those of the site already read. The preview applies such an edit to the site it keeps in memory
(incremental.py), a build to the site its last whole reading kept (snapshot.py); anything else is read whole.
"""

from __future__ import annotations

from pathlib import Path

from . import models
from .graph import Node, Site
from .sheets import ValidSheet
from .validate import RECORD_LISTS


def free_text_edits(old: ValidSheet, new: ValidSheet) -> list[tuple[models.Record, models.Record]] | None:
    """The old and new records of a file side by side, those that differ; None when the edit changed more than
    free text. Told from the files' fingerprints (sheets.SheetFingerprint: the digest of each file's shape and of
    each record, taken when it was read and kept with it in the cache)."""
    before, after = old.take_fingerprint(), new.take_fingerprint()
    if before.shape != after.shape:  # the same overview, kinds, ids and order: the lists pair up
        return None
    edited = {name for name, digest in after.records.items() if before.records.get(name) != digest}
    return [
        (old_record, new_record)
        for kind in RECORD_LISTS
        for (_, old_record), (_, new_record) in zip(old.of_kind(kind), new.of_kind(kind), strict=True)
        if new_record.id in edited
    ]


def apply_free_text_edits(site: Site, new_sheets: dict[Path, ValidSheet]) -> set[str] | None:
    """Put the records of the new sheets (by their file's path) in the nodes of the old ones; returns the ids of
    the records that changed, or None, leaving the site as it was, when an edit changed more than free text."""
    old_sheets = {sheet.file.source: sheet for sheet in site.sheets}
    replacements: list[tuple[models.Record, models.Record]] = []
    for path, new_sheet in new_sheets.items():
        old_sheet = old_sheets.get(path)
        pairs = free_text_edits(old_sheet, new_sheet) if old_sheet is not None else None
        if pairs is None:
            return None
        replacements += pairs
    nodes_by_id = {node.record.id: node for node in site.record_nodes}
    for old_record, new_record in replacements:
        node = nodes_by_id.get(old_record.id)  # none for a draft or a record in review a publish build left out
        if node is not None:
            node.replace_record(new_record)
    for node in nodes_of_files(site, new_sheets.keys()):  # later problems point into the file as it is now
        node.sheet = new_sheets[node.sheet.file.source]
    site.sheets = [new_sheets.get(sheet.file.source, sheet) for sheet in site.sheets]
    return {new_record.id for _, new_record in replacements}


def nodes_of_files(site: Site, paths: object) -> list[Node]:
    """The nodes (parts' nodes too) of the records written in the files at these paths."""
    wanted = set(paths)
    return [part for node in site.record_nodes for part in [node, *node.part_nodes] if part.sheet.file.source in wanted]
