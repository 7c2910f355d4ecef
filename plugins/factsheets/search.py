"""Static search: Pagefind indexes over the record pages, built in parts so that memory stays bounded.

Pagefind holds everything it indexes in memory (about 75 KB a page), so a site of 20,000 record
pages would need 1.5 GB in one run. The record pages are therefore split into parts of at most
``pages_per_index`` pages, each indexed by its own Pagefind run into ``pagefind/<n>/``; the search
page loads the first part and merges the others in the browser (Pagefind's ``mergeIndex``), reading
their list from ``pagefind/indexes.json``. A part is indexed from a folder of hard links to its
pages, so Pagefind computes the same addresses as over the whole site.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from .build import replace_folder

SEARCH_FOLDER = "pagefind"
MANIFEST = "indexes.json"
"""Inside SEARCH_FOLDER: the parts' folders, in order; the first one is loaded, the others merged."""
DEFAULT_PAGES_PER_INDEX = 4000
"""About 300 MB of memory for Pagefind per part; the whole search runs in a few parts even at 20,000 pages."""


class SearchIndexError(RuntimeError):
    """Pagefind failed: the message is its own."""


def plan_parts(searchable_pages: Iterable[str], pages_per_index: int = DEFAULT_PAGES_PER_INDEX) -> list[list[str]]:
    """The searchable pages (paths in the output folder), in parts of at most pages_per_index pages;
    none for a site without record pages (the search page then says there is nothing to search)."""
    pages = list(searchable_pages)
    size = max(1, pages_per_index)
    return [pages[start : start + size] for start in range(0, len(pages), size)]


def build_search_index(site_folder: Path, parts: Sequence[Sequence[str]], only: Iterable[int] | None = None) -> None:
    """Index each part of the site into a new folder, then swap the new index into the old one's place.

    With ``only``, the other parts' indexes are kept as they are (the preview server re-indexes just
    the parts whose pages an edit changed).
    """
    index = site_folder / SEARCH_FOLDER
    wanted = set(range(len(parts)) if only is None else only)
    with tempfile.TemporaryDirectory(prefix=".pagefind-", dir=site_folder.parent) as staging_name:
        staging = Path(staging_name)
        fresh = staging / SEARCH_FOLDER
        fresh.mkdir()
        for number, pages in enumerate(parts):
            if number in wanted or not (index / str(number)).is_dir():  # or no index of it to keep
                _index_part(site_folder, pages, staging / f"pages-{number}", fresh / str(number))
            else:
                shutil.copytree(index / str(number), fresh / str(number), copy_function=_link_or_copy)
        folders = [f"{number}/" for number in range(len(parts))]
        (fresh / MANIFEST).write_text(json.dumps({"indexes": folders}) + "\n", encoding="utf-8")
        replace_folder(fresh, index)


def _index_part(site_folder: Path, pages: Sequence[str], linked: Path, output: Path) -> None:
    """One Pagefind run over a folder holding just this part's pages (hard links where possible)."""
    folders: set[Path] = set()
    for page in pages:
        target = linked / page
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        _link_or_copy(site_folder / page, target)
    linked.mkdir(parents=True, exist_ok=True)
    command = [*_pagefind(), "--site", str(linked), "--output-path", str(output), "--silent"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    shutil.rmtree(linked)
    if result.returncode != 0:
        problem = result.stderr.strip() or result.stdout.strip()
        raise SearchIndexError(f"the search index could not be built: {problem}")


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    """A hard link (no bytes copied), or a copy on a file system without them."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@functools.cache
def _pagefind() -> tuple[str, ...]:
    """Pagefind's binary itself when pagefind[bin] installed it (0.07 s less per run than through
    Python), else the Python package's launcher."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        return (sys.executable, "-m", "pagefind")
    executable = get_executable()
    return (str(executable),) if executable else (sys.executable, "-m", "pagefind")
