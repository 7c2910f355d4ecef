"""The whole build, in the order it happens: load -> validate -> resolve -> verify -> render -> write.

``read_site`` runs the checking stages and raises :class:`ContentError` with
every problem at once; ``write_site`` renders each planned page and file
through writer callbacks (Pelican's Writer in the plugin).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from pathlib import Path

from .cache import SheetCache
from .exports import DataFile, plan_files
from .load import load_factsheets
from .problems import ContentError
from .render import Page, plan_pages
from .resolve import Site, resolve
from .structured_data import Publication
from .validate import validate_factsheets
from .verify import verify_quotes
from .workers import for_each_in_workers

DEFAULT_FACTSHEETS_FOLDER = "factsheets"


def read_site(
    content_dir: Path, factsheets_folder: str = DEFAULT_FACTSHEETS_FOLDER, cache_dir: Path | None = None
) -> Site:
    """Load, validate, resolve and verify all fact sheets under content_dir.

    Reading builds hundreds of thousands of long-lived objects and almost no garbage, so the cyclic
    garbage collector, which would scan them again and again (half the reading time at 10,000 claims),
    is paused; what was read is then frozen out of later collections, which only see the pages' garbage.
    With a cache_dir, files unchanged since an earlier run are neither parsed nor validated again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        site = _read_site(content_dir, factsheets_folder, cache_dir)
        gc.freeze()
        return site
    finally:
        if was_enabled:
            gc.enable()


def _read_site(content_dir: Path, factsheets_folder: str, cache_dir: Path | None) -> Site:
    folder = content_dir / factsheets_folder
    cache = SheetCache(cache_dir, folder) if cache_dir else None
    loaded = load_factsheets(folder, cache)
    problems = loaded.problems
    validated, invalid_ids, validation_problems = validate_factsheets(loaded.files)
    problems += validation_problems
    if cache:
        files_with_problems = {problem.file for problem in problems}
        for sheet in validated:
            if sheet.file.path not in files_with_problems:
                cache.put(sheet.file.digest, sheet)
        cache.prune()
    order = {path: index for index, path in enumerate(loaded.paths)}
    sheets = sorted(loaded.cached + validated, key=lambda sheet: order.get(sheet.file.source, -1))
    site, resolution_problems = resolve(sheets, frozenset(invalid_ids | loaded.unreadable_ids))
    problems += resolution_problems
    problems += verify_quotes(site, content_dir)
    if problems:
        raise ContentError(problems)
    return site


def _progress_line(total: int) -> Callable[[float], None]:
    """A progress line on the terminal, rewritten in place: pages done of total."""

    def show(share_done: float) -> None:
        end = "\n" if share_done >= 1 else ""
        print(f"\rWriting pages: {round(share_done * total):,} of {total:,}", end=end, file=sys.stderr, flush=True)

    return show


def write_site(
    site: Site,
    publication: Publication,
    write_page: Callable[[Page], None],
    write_file: Callable[[DataFile], None],
    workers: int = 1,
    show_progress: bool = False,
) -> list[Page]:
    """Render and write every page of the site, then its other files; returns the pages written."""
    pages = plan_pages(site, publication)
    progress = _progress_line(len(pages)) if show_progress else None
    for_each_in_workers(pages, write_page, workers, progress)
    for data_file in plan_files(site, publication, pages):
        write_file(data_file)
    return pages
