"""Static search: Pagefind indexes over the record pages, built in parts so that memory stays bounded.

Pagefind holds everything it indexes in memory (about 75 KB a page), so a site of 20,000 record
pages would need 1.5 GB in one run. The record pages are therefore split into even parts of at most
``pages_per_index`` pages, each indexed by its own Pagefind run into ``pagefind/<n>/``, one run per
core at a time (a run keeps about one core busy); the search page loads the first part and merges
the others in the browser (Pagefind's ``mergeIndex``), reading their list from
``pagefind/indexes.json``. A part is indexed from a folder that holds its pages at their own paths, so
Pagefind computes the same addresses as over the whole site; each page there is cut down to the element
marked ``data-pagefind-body`` (what Pagefind indexes anyway), which spares Pagefind parsing the rest:
about a quarter of its CPU time at 10,000 claims, for the same index byte for byte. A build writes the
parts' pages first, part after part, and starts Pagefind on each part as soon as its pages are all written
(``SearchIndexer``), so that the index is built while the rest of the site is rendered.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import cbor2

from .build import replace_folder, scratch_folder
from .settings import DEFAULTS, MAX_DEFAULT_SEARCH_PROCESSES

SEARCH_FOLDER = "pagefind"
MANIFEST = "indexes.json"
"""Inside SEARCH_FOLDER: the parts' folders, in order; the first one is loaded, the others merged."""
DEFAULT_PAGES_PER_INDEX = DEFAULTS.search_pages_per_index
"""About 300 MB of memory for Pagefind per part; the whole search runs in a few parts even at 20,000 pages."""
MIN_PAGES_PER_PART = 1000
"""A site under twice this is indexed in one part: each part costs the search page a download."""
DEFAULT_MAX_PROCESSES = MAX_DEFAULT_SEARCH_PROCESSES
"""Pagefind runs at once unless FACTSHEETS_SEARCH_PROCESSES says otherwise: about 300 MB each at most."""


class SearchIndexError(RuntimeError):
    """Pagefind failed: the message is its own."""


def plan_parts(searchable_pages: Iterable[str], pages_per_index: int = DEFAULT_PAGES_PER_INDEX) -> list[list[str]]:
    """The searchable pages (paths in the output folder), in parts of even sizes and at most
    pages_per_index pages; none for a site without record pages (the search page then says there is
    nothing to search).

    A site of at least twice MIN_PAGES_PER_PART pages gets an even number of parts, two at least, so
    that Pagefind runs on two cores end together. The parts depend on the pages alone, not on the
    machine, so every machine builds the same index.
    """
    pages = list(searchable_pages)
    count = -(-len(pages) // max(1, pages_per_index))
    if len(pages) >= 2 * MIN_PAGES_PER_PART:
        count = max(2, count + count % 2)
    count = min(count, len(pages))  # no empty part: Pagefind refuses an empty folder
    size, larger = divmod(len(pages), count) if count else (0, 0)
    bounds = [number * size + min(number, larger) for number in range(count + 1)]
    return [pages[start:end] for start, end in zip(bounds, bounds[1:], strict=False)]


def build_search_index(
    site_folder: Path, parts: Sequence[Sequence[str]], *, only: Iterable[int] | None = None, processes: int = 1
) -> None:
    """Index each part of the site into a new folder, then swap the new index into the old one's place.

    Up to ``processes`` Pagefind runs go at once. With ``only``, the other parts' indexes are kept as
    they are (the preview server re-indexes just the parts whose pages an edit changed).
    """
    with SearchIndexer(site_folder, processes) as indexer:
        indexer.plan(parts, only)
        for number in range(len(parts)):
            indexer.part_written(number)
        indexer.finish()


class SearchIndexer:
    """The search index of one build, part by part, each part indexed as soon as its pages are written.

    A build that writes the parts' pages first, part after part, calls ``part_written`` after each: Pagefind
    then runs on that part while the next pages are rendered. Each run indexes a folder holding just its part's
    pages (cut down to what Pagefind indexes; removed once indexed), so a part's index is the same whenever it
    runs. Up to ``processes`` runs go at once (a further part waits for one to end: ``poll``); ``finish`` awaits
    them, writes the manifest and swaps the new index into the old one's place. When the build fails, or is
    interrupted, the runs still going are stopped, with any process they started (each run leads a process
    group of its own). Where the system allows it, a run is also stopped when this process is killed outright
    (SIGKILL leaves no time to stop anything).
    """

    def __init__(self, site_folder: Path, processes: int = 1) -> None:
        self.site_folder = site_folder
        self.processes = max(1, processes)
        self.parts: Sequence[Sequence[str]] = []
        self.wanted: set[int] = set()
        self.running: list[tuple[subprocess.Popen, Path]] = []
        self.pending: list[int] = []
        """Parts written, waiting for a run to end."""
        self.indexed: list[Path] = []
        self._scratch = contextlib.ExitStack()

    def __enter__(self) -> SearchIndexer:
        self.staging = self._scratch.enter_context(scratch_folder(self.site_folder, "pagefind"))
        self.fresh = self.staging / SEARCH_FOLDER
        self.fresh.mkdir()
        return self

    def plan(self, parts: Sequence[Sequence[str]], only: Iterable[int] | None = None) -> None:
        """The parts to index; with only, the other parts' indexes are kept from the old index when it has them."""
        self.parts = parts
        index = self.site_folder / SEARCH_FOLDER
        self.wanted = set(range(len(parts)) if only is None else only)
        for number in range(len(parts)):
            if number not in self.wanted and (index / str(number)).is_dir():
                shutil.copytree(index / str(number), self.fresh / str(number), copy_function=_link_or_copy)
            else:
                self.wanted.add(number)  # no index of it to keep

    def part_written(self, number: int) -> None:
        """All pages of part `number` are written: index it now, or as soon as a run ends (see poll)."""
        if number in self.wanted:
            self.pending.append(number)
            self.poll()

    def poll(self) -> None:
        """Reap the runs that have ended and start waiting parts in their place; never waits. A build calls it
        now and then while it renders, so that a part waiting for a run to end waits no longer than that."""
        for run, linked in [(run, linked) for run, linked in self.running if run.poll() is not None]:
            _finish(run, linked)
            self.running.remove((run, linked))
        while self.pending and len(self.running) < self.processes:
            self._start(self.pending.pop(0))

    def _start(self, number: int) -> None:
        linked, output = self.staging / f"pages-{number}", self.fresh / str(number)
        _link_pages(self.site_folder, self.parts[number], linked)
        command = [*_pagefind(), "--site", str(linked), "--output-path", str(output), "--silent"]
        run = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            process_group=0,
            preexec_fn=_stopped_with_this_process(),
        )
        self.running.append((run, linked))
        self.indexed.append(output)

    def finish(self) -> None:
        """Await the runs, make their filters stable, write the manifest and put the new index in place."""
        while self.running or self.pending:
            while self.pending and len(self.running) < self.processes:
                self._start(self.pending.pop(0))
            _finish(*self.running[0])  # the oldest first
            self.running.pop(0)
        for output in self.indexed:
            stabilise_filters(output)
        folders = [f"{number}/" for number in range(len(self.parts))]
        (self.fresh / MANIFEST).write_text(json.dumps({"indexes": folders}) + "\n", encoding="utf-8")
        replace_folder(self.fresh, self.site_folder / SEARCH_FOLDER)

    def __exit__(self, *exception: object) -> None:
        try:
            for run, _ in self.running:  # the one awaited when it failed or the wait was interrupted, and after
                if run.returncode is None:  # not reaped yet: its pid, which is its group's id, is still its own
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(run.pid, signal.SIGKILL)
                run.wait()
                run.stdout.close()
            self.running.clear()
        finally:
            self._scratch.close()


def _finish(run: subprocess.Popen, linked: Path) -> None:
    """Wait for a Pagefind run to end and remove its folder of pages; raise SearchIndexError with what
    it printed if it failed."""
    printed, _ = run.communicate()
    shutil.rmtree(linked)
    if run.returncode:
        raise SearchIndexError(f"the search index could not be built: {printed.strip() or 'Pagefind failed'}")


def _link_pages(site_folder: Path, pages: Sequence[str], linked: Path) -> None:
    folders: set[Path] = set()
    for page in pages:
        target = linked / page
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        _searchable_copy(site_folder / page, target)
    linked.mkdir(parents=True, exist_ok=True)


BODY = re.compile(rb"<(main|article|section|div)\b[^>]*\sdata-pagefind-body[\s>=]")
LANGUAGE = re.compile(rb"<html\b[^>]*>")


def _searchable_copy(source: Path, target: Path) -> None:
    """What Pagefind reads of a page: the element marked data-pagefind-body in a bare document with the page's
    <html> tag (its language), about a third less HTML to parse than the whole page (head, JSON-LD,
    header, footer). Pagefind indexes only that element, and reads titles, filters and meta from it, so the
    index is the same. A page this cannot cut safely (no such element, more than one, or a Pagefind
    attribute outside it) is linked whole."""
    html = source.read_bytes()
    body = BODY.search(html)
    opening = LANGUAGE.search(html)
    if body and opening:
        closing = html.rfind(b"</" + body.group(1) + b">")
        start, end = body.start(), closing + len(body.group(1)) + 3
        if (
            closing > body.start()
            and html.count(b"data-pagefind-body") == 1
            and html.count(b"data-pagefind-") == html.count(b"data-pagefind-", start, end)
            and html.count(b"<" + body.group(1), start + 1, end) == 0
        ):
            target.write_bytes(
                b"<!doctype html>\n" + opening.group(0) + b"\n<body>\n" + html[start:end] + b"\n</body></html>\n"
            )
            return
    _link_or_copy(source, target)


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    """A hard link (no bytes copied), or a copy on a file system without them."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


SIGNATURE = b"pagefind_dcd"
"""What starts each of Pagefind's index files once gunzipped; CBOR follows."""


def stabilise_filters(part: Path) -> None:
    """Make one part's filter indexes the same bytes from the same pages.

    Pagefind 1.5 writes each filter's values in a hash map's order, which changes from run to run (its
    maintainers know: Pagefind issue 638), and names each file by its bytes; the language's meta file
    lists those names and the entry file names the meta file. The values are sorted here and the files
    renamed after their new bytes, all the way up to pagefind-entry.json. A file this code does not
    read back byte for byte is left as Pagefind wrote it."""
    entry_file = part / "pagefind-entry.json"
    entry = json.loads(entry_file.read_text(encoding="utf-8"))
    for language in entry["languages"].values():
        meta_file = part / f"pagefind.{language['hash']}.pf_meta"
        meta = _read_index_file(meta_file)
        if meta is None or len(meta) < 4 or not meta[3]:
            continue
        filters = []
        for name, file_hash in meta[3]:
            filter_file = part / "filter" / f"{file_hash}.pf_filter"
            values = _read_index_file(filter_file)
            if values is None:
                return
            values[1] = sorted(values[1], key=lambda value: value[0])
            new_hash = _write_index_file(part / "filter", file_hash.split("_")[0], values, ".pf_filter", 7)
            if new_hash != file_hash:
                filter_file.unlink()
            filters.append([name, new_hash])
        meta[3] = sorted(filters)
        new_hash = _write_index_file(part, "pagefind." + language["hash"].split("_")[0], meta, ".pf_meta", 10)
        if new_hash != "pagefind." + language["hash"]:
            meta_file.unlink()
        language["hash"] = new_hash.removeprefix("pagefind.")
    entry_file.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _read_index_file(path: Path) -> list | None:
    """The CBOR value of one of Pagefind's files, or None where it is not one this code writes back the same."""
    try:
        data = gzip.decompress(path.read_bytes())
    except (OSError, EOFError, gzip.BadGzipFile):
        return None
    if not data.startswith(SIGNATURE):
        return None
    try:
        value = cbor2.loads(data[len(SIGNATURE) :])
    except (cbor2.CBORDecodeError, ValueError):
        return None
    if not isinstance(value, list) or cbor2.dumps(value) != data[len(SIGNATURE) :]:
        return None
    return value


def _write_index_file(folder: Path, prefix: str, value: list, suffix: str, digits: int) -> str:
    """Write the value as Pagefind does (gzipped, signed, CBOR), named after its bytes; return the name."""
    data = SIGNATURE + cbor2.dumps(value)
    name = f"{prefix}_{hashlib.sha256(data).hexdigest()[:digits]}"
    (folder / f"{name}{suffix}").write_bytes(gzip.compress(data, mtime=0))
    return name


PR_SET_PDEATHSIG = 1


def _stopped_with_this_process() -> Callable[[], None] | None:
    """For a child, before it runs its program: the kernel kills it when this process ends, even
    killed outright (Linux's PR_SET_PDEATHSIG); None elsewhere. (Strictly, when the thread that
    started it ends: runs are started by a process's main thread, or by a pool thread that lives as
    long as the process.)"""
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def stop_with_parent() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent ended before the line above: nothing would signal
            os._exit(1)

    return stop_with_parent


@functools.cache
def _prctl() -> Callable[..., int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


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
