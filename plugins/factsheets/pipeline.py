"""The whole build, in the order it happens: load -> validate -> resolve -> verify -> rules -> plan pages -> write.

``read_site`` runs the checking stages and raises :class:`ContentError` with
every problem at once; ``write_site`` renders each planned page and file
through writer callbacks (Pelican's Writer in the plugin).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from .cache import SheetCache, project_folders
from .dates import check_desk_dates
from .exports import plan_files
from .files import DataFile
from .graph import Site
from .items import ItemReuse, Span
from .load import (
    MAX_FILE_BYTES,
    FileToRead,
    content_digest,
    display_path,
    ids_in_unreadable_file,
    load_factsheets,
    load_file,
    read_file_bytes,
    unreadable,
)
from .pages import Page, plan_pages
from .problems import ContentError, Problem
from .resolve import resolve
from .rules import check_rules
from .settings import DEFAULTS
from .sheets import ValidSheet
from .snapshot import site_from_snapshot, take_snapshot
from .structured_data import Publication
from .validate import validate_factsheets
from .verify import ArchivedText, read_archived_texts, verify_quotes
from .workers import for_each_in_workers, map_in_workers

DEFAULT_FACTSHEETS_FOLDER = DEFAULTS.path


def read_site(
    content_dir: Path,
    factsheets_folder: str = DEFAULT_FACTSHEETS_FOLDER,
    cache_dir: Path | None = None,
    workers: int = 1,
    publishing: bool = False,
) -> Site:
    """Load, validate, resolve and verify all fact sheets under content_dir.

    Reading builds hundreds of thousands of long-lived objects and almost no garbage, so the cyclic
    garbage collector, which would scan them again and again (half the reading time at 10,000 claims),
    is paused; what was read is then frozen out of later collections, which only see the pages' garbage.
    With a cache_dir, files unchanged since an earlier run are neither parsed nor validated again; the
    others are read and validated by up to `workers` processes; and when only free text was edited since the
    last whole reading, its site is taken back with the edits put in (snapshot.py). publishing (a publish build)
    makes the publishing gate's findings in the content errors (rules.check_rules).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        site = _read_site(content_dir, factsheets_folder, cache_dir, workers, publishing)
        gc.freeze()
        return site
    finally:
        if was_enabled:
            gc.enable()


def _read_site(
    content_dir: Path, factsheets_folder: str, cache_dir: Path | None, workers: int, publishing: bool = False
) -> Site:
    folder = content_dir / factsheets_folder
    projects = project_folders(content_dir)  # where a checkout's files are: never the key's place
    cache = SheetCache.open(cache_dir, folder, *projects) if cache_dir else None
    found = load_factsheets(folder, digests=cache is not None, content_dir=content_dir)
    problems = found.problems
    if cache and not problems:  # the last whole reading's site, if only free text was edited since
        site = site_from_snapshot(cache, found.files, partial(read_factsheet, cache=cache), publishing)
        if site is not None:
            cache.prune()
            return site
    invalid_ids: set[str] = set()
    sheets, to_read = cache.take(found.files) if cache else ([], found.files)
    reading = partial(read_factsheet, cache=cache, content_dir=content_dir)
    read = map_in_workers(to_read, reading, workers, weight=_file_size)
    archived_texts: dict[str, ArchivedText] = {}
    for file_read in read:
        archived_texts.update(file_read.archived_texts)
        problems += file_read.problems
        invalid_ids |= file_read.invalid_ids
        if file_read.sheet is not None:
            sheets.append(file_read.sheet)
    if cache:
        cache.keep([file_read.sheet.file.digest for file_read in read if file_read.cached])
        cache.prune()
    order = {path: index for index, path in enumerate(found.paths)}
    sheets.sort(key=lambda sheet: order.get(sheet.file.source, -1))
    # A publish build leaves drafts and records in review out here, before anything is linked (resolve.py).
    site, resolution_problems = resolve(sheets, frozenset(invalid_ids), publishing)
    problems += resolution_problems
    found_quotes = cache.found_quotes() if cache else None
    problems += verify_quotes(site, content_dir, archived_texts, found_quotes)
    if cache:
        cache.keep_found_quotes(found_quotes)
    problems += check_desk_dates(site)
    problems += check_rules(site, publishing)
    if any(not problem.warning for problem in problems):
        raise ContentError(problems)
    if cache:
        take_snapshot(cache, site, found.files, content_dir, publishing)
    site.warnings = sorted(problems)
    return site


@dataclass
class FileRead:
    """One fact-sheet file read and validated: its valid records and its problems."""

    sheet: ValidSheet | None
    problems: list[Problem] = field(default_factory=list)
    invalid_ids: set[str] = field(default_factory=set)
    """Ids of records that failed, or that seem defined in a file that could not be read at all."""
    cached: bool = False
    archived_texts: dict[str, ArchivedText] = field(default_factory=dict)
    """The archived texts of the file's sources, read and folded ahead of the quote check."""


def read_factsheet(file: FileToRead, cache: SheetCache | None = None, content_dir: Path | None = None) -> FileRead:
    """Stages 1 and 2 for one file (the unit of work shared among workers); a clean result is cached
    under the digest of the bytes parsed (the file may have been saved again since it was listed).
    With content_dir, the archived texts its sources name are read and folded too."""
    problems: list[Problem] = []
    try:
        raw = read_file_bytes(file.path) if file.size <= MAX_FILE_BYTES else None
    except OSError as error:
        return FileRead(None, [unreadable(display_path(file.path), error)])
    loaded = load_file(file.path, problems, raw)
    if loaded is None:
        return FileRead(None, problems, ids_in_unreadable_file(raw))
    loaded.source, loaded.digest = file.path, content_digest(raw) if cache and raw else file.digest
    validated, invalid_ids, validation_problems = validate_factsheets([loaded])
    sheet = validated[0]
    problems += validation_problems
    # Later stages look positions up from the file itself: the text, raw data and nodes need not travel.
    loaded.forget_contents()
    if not problems:  # what a later build compares to tell what an edit changed, kept in the cache
        sheet.take_fingerprint()
        sheet.share_equal_values()
    cached = bool(cache and loaded.digest and not problems)
    if cached:
        cache.put(loaded.digest, sheet)
    sources = [source for _, source in sheet.of_kind("sources")]
    archived_texts = read_archived_texts(sources, content_dir) if content_dir else {}
    return FileRead(sheet, problems, invalid_ids, cached, archived_texts)


def _file_size(file: FileToRead) -> int:
    return file.size


def _progress_line(total: int) -> Callable[[float], None]:
    """A progress line on the terminal, rewritten in place: pages done of total."""

    def show(share_done: float) -> None:
        done = round(share_done * total)
        end = "\n" if done >= total else ""
        print(f"\rWriting pages: {done:,} of {total:,}", end=end, file=sys.stderr, flush=True)

    return show


@dataclass
class WrittenSite:
    """What write_site did: every page planned (written or not), and what each page written read."""

    pages: list[Page]
    reads: dict[str, frozenset[str]]
    """The ids of the records each page written read (see graph.record_reads), by its save_as."""
    spans: dict[str, dict[str, Span]] = field(default_factory=dict)
    """Where each kept item lies in its file (an open data file, a list's page), by its save_as (items.py)."""


def write_site(
    site: Site,
    publication: Publication,
    write_page: Callable[[Page], tuple[frozenset[str] | None, dict[str, Span]]],
    write_file: Callable[[DataFile], dict[str, Span] | None],
    workers: int = 1,
    show_progress: bool = False,
    load_template: Callable[[str], object] | None = None,
    cards: Sequence[DataFile] = (),
    alongside: Callable[[list[Page]], None] | None = None,
    writes: Callable[[str], bool] | None = None,
    reuse: ItemReuse | None = None,
) -> WrittenSite:
    """Render and write every page of the site and its other files; returns the pages planned and what
    the pages written read (write_page returns that, or None where nothing is recorded).

    writes, if given, says by its save_as whether to write a page (an update of an earlier build); the data
    files and cards are written all the same, the open data's items that reuse holds taken from the last
    build's files (items.py). alongside, if given, is called in this process with the
    pages planned while the other workers begin on them (the search index, which reads the records, not
    the pages written), before this process takes its share.

    The pages come first, the costliest (the lists, timeline and diagram of the whole site) at their head,
    so that the workers share the rest around them; the other files next, and the share cards last (a
    cold build draws each one). load_template, if given, is called with each template's name before the
    work is shared out, so that the workers inherit the templates compiled instead of each compiling them
    again.
    """
    pages = plan_pages(site, publication)
    chosen = pages if writes is None else [page for page in pages if writes(page.save_as)]
    for template in sorted({page.template for page in chosen}) if load_template else ():
        load_template(template)
    work: list[DataFile | Page] = [*chosen, *plan_files(site, publication, pages, reuse), *cards]
    shown = _progress_line(len(work)) if show_progress else None
    first = partial(alongside, pages) if alongside else None
    costly = writes is not None  # few pages, but the lists of the whole site among them
    results = for_each_in_workers(work, partial(_write_one, write_page, write_file), workers, shown, first, costly)
    reads = {save_as: read for save_as, read, _ in results if read is not None}
    spans = {save_as: spans for save_as, _, spans in results if spans}
    return WrittenSite(pages, reads, spans)


def _write_one(
    write_page: Callable[[Page], tuple[frozenset[str] | None, dict[str, Span]]],
    write_file: Callable[[DataFile], dict[str, Span] | None],
    item: DataFile | Page,
) -> tuple[str, frozenset[str] | None, dict[str, Span]] | None:
    """The save_as of a page or file written, what it read (a page's, if recorded) and where its kept items lie."""
    if isinstance(item, DataFile):
        spans = write_file(item)
        return (item.save_as, None, spans) if spans else None
    reads, spans = write_page(item)
    return None if reads is None and not spans else (item.save_as, reads, spans)
