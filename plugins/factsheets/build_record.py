"""What a build of an output wrote and read, kept for the next build of the same output, which then writes
again only what an edit changed (`factsheets build`, so `make html` and `make publish`).

The record of an output's last build is kept in the cache, signed like every entry (see cache.py), in a
folder named after the plugin's code, the share cards' renderer and every installed package's version:

- a digest of the settings (a function in them by its code), and the digest of every file of the theme, of
  the plugins folders and of the content folder besides the fact-sheet files (Pelican's pages, the archived
  texts);
- a digest of what every page says of the site as a whole (its name, address and date: the Publication);
- each fact-sheet file's digest and fingerprint (see sheets.SheetFingerprint);
- the ids of the records each page and its search document read when rendered (graph.record_reads);
- where each kept item (an item of the open data, a row of the claims index, an entry of the timeline) lies in
  its file, and what it read (items.py);
- every file of the output (but the retained names), with its size and modification time.

The next build updates the output instead of building it whole when the code, the settings, those files,
the overview and the publication are the same, and the output holds exactly the files the record lists (as
it lists them, none a link). The records an edit changed are those whose digests differ (or that came or
went); if only what pages show changed (free text, a claim's status: each file has the same shape), the
pages that read them are rendered again. If links or ids changed too, so are the pages that read a record
linked to an edited one, before or after the edit (its backlinks, the anchors of its quotes, the side of its
actors may show there), and those that read a list of the Site whose records or order changed
("site:claims"); new pages are written, and the pages of deleted records removed. The build then writes the
data files (their items that read no changed record taken from the last build's files) and the changed claims'
share cards, and updates the search index in place (whole when pages
came or went); of what it wrote, only the files whose bytes changed are moved into the output. Every other
file is what a whole build would write, byte for byte. An edit of anything else (the overview, a template, a
setting) builds the whole site, and says why. An update does not prune the share cards' cache (a whole
build does).

A record cannot change the site: one that is not this user's, or does not match the output, is ignored.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import types
from collections.abc import Collection, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from . import share_cards
from .build import FileStamp, output_files
from .cache import (
    BUILDS_FOLDER,
    SignedStore,
    _described,
    note_cache_off,
    open_cache_root,
    plugin_code_version,
    remove_other_folders,
    signing_key,
)
from .graph import Site, linked_ids
from .items import Span
from .load import FACTSHEET_SUFFIXES, hashed_file
from .sheets import SheetFingerprint, ValidSheet
from .structured_data import Publication

IGNORED_SETTINGS = {"OUTPUT_PATH", "FACTSHEETS_UPDATE"}
"""Settings that change from one build to the next without changing the site: the staging folder, and whether
the build may update the last one's output."""
RECORD_MAX_BYTES = 1 << 30
"""The largest record read: far above the record of any site built, so that nothing else is read whole."""
OTHER_FOLDER = "\0"
"""Between a folder's name and a file's path in the keys of hash_content_files (no path holds it)."""


@dataclass
class BuildRecord:
    """One build of an output: see the module's docstring."""

    settings: str
    """A digest of the settings."""
    publication: str
    sheets: dict[str, tuple[str, SheetFingerprint]]
    """Each fact-sheet file, by its path in the content folder: the digest of its bytes and its fingerprint."""
    page_reads: dict[str, PackedIds]
    """The ids of the records each page read, by its save_as."""
    links: dict[str, PackedIds] = field(default_factory=dict)
    """Each top-level record's id, and the ids of those its node links to or is linked from (graph.linked_ids)."""
    site_lists: dict[str, str] = field(default_factory=dict)
    """A digest of each of the Site's lists (graph.site_list_digests)."""
    spans: dict[str, dict[str, Span]] = field(default_factory=dict)
    """Where each kept item (of the open data files, of the lists' pages) lies in its file, and what it read, by
    the file's save_as (items.py)."""
    files: dict[str, FileStamp] = field(default_factory=dict)
    """Every file of the output the build wrote (not the retained names), by its path in the output: its stamp
    (build.FileStamp: size, modification and change times in nanoseconds)."""
    content_files: dict[str, str] = field(default_factory=dict)
    """The content files besides the fact sheets and the theme's files, by path (see hash_content_files): the
    digest of each, hashed before the site was read, so that a file changed since (or put back) is told by the
    next build."""


PackedIds = str
"""Ids as a record keeps them: one string, each id after a space (no id holds one). Reading a record makes one
string of each, where sets of ids cost a tenth of a second each for 20,000 pages; what an update asks of them,
whether a page read one of a few ids, is a search in a string (reads_any)."""


FEW_IDS = 8
"""Up to this many ids, reads_any searches the string for each; more, it splits the string."""


def packed_ids(ids: Iterable[str]) -> PackedIds:
    return "".join(f" {id_}" for id_ in sorted(ids))


def unpacked_ids(packed: PackedIds) -> frozenset[str]:
    return frozenset(packed.split())


def reads_any(packed: PackedIds, ids: AbstractSet[str]) -> bool:
    """Whether the packed ids hold one of ids."""
    if len(ids) > FEW_IDS:
        return not ids.isdisjoint(packed.split())
    ended = f"{packed} "
    return any(f" {id_} " in ended for id_ in ids)


@dataclass(frozen=True)
class Update:
    """What a build writes again of the output of the last one."""

    changed_ids: frozenset[str]
    """The records an edit changed, and those whose pages show them ("site:claims" for a list of the Site)."""
    pages: frozenset[str]
    """The save_as of the last build's pages that read one of them."""
    known_pages: frozenset[str] = frozenset()
    """Every page of the last build: a page not among them is new, and written."""

    def writes(self, save_as: str) -> bool:
        """Whether the update writes this page: it read what changed, or it is new."""
        return save_as in self.pages or save_as not in self.known_pages


class BuildRecords:
    """The records of the outputs built with one cache, one file per output; each build replaces its own."""

    def __init__(self, cache_root: Path, key: bytes) -> None:
        builds = open_cache_root(cache_root).folder(BUILDS_FOLDER)
        self._store = SignedStore(builds.folder(code_version()), key, "build record", RECORD_MAX_BYTES)
        remove_other_folders(builds, keep=code_version())  # older code's records say nothing to this code

    @classmethod
    def open(cls, cache_root: Path | None, *projects: Path) -> BuildRecords | None:
        """The records kept in cache_root, or None (with a one-line note, see cache.py) when no signing key can be
        kept safe outside the projects' folders, or a folder of the cache is unsafe or cannot be written."""
        key = signing_key(*projects) if cache_root else None
        if not key:
            return None
        try:
            return cls(cache_root, key)
        except OSError as error:
            note_cache_off(cache_root, error)
            return None

    @staticmethod
    def _name(output: Path) -> str:
        return hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:32] + ".record"

    def read(self, output: Path) -> BuildRecord | None:
        payload = self._store.read(self._name(output))
        if payload is None:
            return None
        try:
            record = pickle.loads(payload)  # signed by this user's own builds
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return None
        return record if isinstance(record, BuildRecord) else None

    def write(self, output: Path, record: BuildRecord) -> None:
        try:
            self._store.write(self._name(output), pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            pass  # the next build builds the whole site


def code_version() -> str:
    """The folder the records of this code are kept in: its code and packages (plugin_code_version), and the share
    cards' renderer (renderer_version: Pillow, zlib, the fonts), which change what a build writes."""
    return hashlib.sha256(f"{plugin_code_version()} {share_cards.renderer_version()}".encode()).hexdigest()[:16]


def describe_settings(settings: Mapping[str, object]) -> str:
    """The settings as stable text (no addresses in memory), but those that change with every build; a function
    (a filter in JINJA_FILTERS, say) by its name, a digest of its code and what its closure holds."""

    def described(value: object) -> str:
        code = getattr(value, "__code__", None)
        if isinstance(code, types.CodeType):
            cells = [described(cell.cell_contents) for cell in getattr(value, "__closure__", None) or ()]
            digest = hashlib.sha256(marshal.dumps(code)).hexdigest()[:16]
            return (
                f"{_described(value)} {digest} [{', '.join(cells)}] {described(getattr(value, '__defaults__', None))}"
            )
        if isinstance(value, Mapping):
            return "{" + ", ".join(f"{described(k)}: {described(v)}" for k, v in sorted(value.items(), key=str)) + "}"
        if isinstance(value, list | tuple | set | frozenset):
            items = sorted(map(described, value)) if isinstance(value, set | frozenset) else map(described, value)
            return "[" + ", ".join(items) + "]"
        return _described(value)

    return "\n".join(f"{name}={described(settings[name])}" for name in sorted(settings) if name not in IGNORED_SETTINGS)


def hash_content_files(content_dir: Path, factsheet_folder: Path, others: Mapping[str, Path]) -> dict[str, str]:
    """Every file of the content folder but the fact sheets, and of the other folders (the theme, the plugins;
    Python's bytecode left out), by path (an other folder's after its name as a message says it, "the
    theme's"), with the digest of its bytes. Every file is hashed, each build: a file edited in place keeping its
    size, modification time and inode (os.utime sets the time back) would otherwise keep its old digest, and an
    update would leave the pages made from the old bytes (about 50 ms for the 3,400 archived texts of 10,000
    claims)."""
    hashed: dict[str, str] = {}
    folders = [("", content_dir), *((f"{name}{OTHER_FOLDER}", folder) for name, folder in others.items())]
    for prefix, top in folders:
        for folder, subfolders, names in os.walk(top):
            subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")  # Python's, not ours
            for name in sorted(name for name in names if not name.endswith((".pyc", ".pyo"))):
                path = Path(folder, name)
                if prefix == "" and path.suffix in FACTSHEET_SUFFIXES and factsheet_folder in path.parents:
                    continue
                key = prefix + str(path.relative_to(top))
                try:
                    hashed[key] = hashed_file(path)
                except OSError as error:  # a broken link, a FIFO (never waited on)
                    hashed[key] = f"unreadable: {error.strerror or error}"
    return hashed


def settings_digest(settings: Mapping[str, object]) -> str:
    return hashlib.sha256(describe_settings(settings).encode()).hexdigest()


def publication_digest(publication: Publication) -> str:
    return hashlib.sha256(repr(publication).encode()).hexdigest()


def sheets_of(sheets: Iterable[ValidSheet], content_dir: Path) -> dict[str, tuple[str, SheetFingerprint]]:
    return {
        str(sheet.file.source.relative_to(content_dir)): (sheet.file.digest, sheet.take_fingerprint())
        for sheet in sheets
    }


def output_change(output: Path, files: Mapping[str, FileStamp], retained: Collection[str]) -> str:
    """How the output differs from what the last build left, in words ("" if it does not): a file added,
    removed, changed (its size, modification time or change time) or replaced by a link, or the output itself a link."""
    if output.is_symlink():
        return f"{output} is a link"
    now = output_files(output, leave_out=retained)
    for name in sorted(now.keys() ^ files.keys()):
        return f"{name} was {'added to' if name in now else 'removed from'} the output since the last build"
    for name, stamp in now.items():
        if stamp != files[name]:
            return f"{name} in the output changed since the last build"
    return ""


def plan_update(
    previous: BuildRecord | None, current: BuildRecord, output: Path, retained: Collection[str] = ()
) -> tuple[Update | None, str]:
    """What to write again of output, built last as previous says, for a build now reading current; or None and
    why the whole site is built."""
    if previous is None or not output.is_dir():  # a first build
        return None, ""
    if previous.settings != current.settings:
        return None, "the settings changed"
    changed_input = _first_change(previous.content_files, current.content_files)
    if changed_input:
        return None, changed_input
    if previous.publication != current.publication:
        return None, "what every page says of the site (its name, address or date) changed"
    changed_output = output_change(output, previous.files, retained)
    if changed_output:
        return None, changed_output
    before, after = _records(previous.sheets), _records(current.sheets)
    if _overviews(previous.sheets) != _overviews(current.sheets):
        return None, "the overview changed"
    edited = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    changed = set(edited)
    if _shapes(previous.sheets) != _shapes(current.sheets):
        # Links changed (or records came and went): the pages of what an edited record links to, before and
        # after, show it, and the lists of the whole site may hold other records or another order.
        for name in edited:
            changed |= unpacked_ids(previous.links.get(name, "")) | unpacked_ids(current.links.get(name, ""))
        changed |= {
            f"site:{name}" for name, digest in current.site_lists.items() if previous.site_lists.get(name) != digest
        }
    pages = frozenset(name for name, reads in previous.page_reads.items() if reads_any(reads, changed))
    return Update(frozenset(changed), pages, frozenset(previous.page_reads)), ""


def links_of(
    site: Site, sheets: Mapping[str, tuple[str, SheetFingerprint]], previous: BuildRecord | None
) -> dict[str, PackedIds]:
    """What BuildRecord.links holds for this site: the last build's when every file has the shape it had then
    (the same records, linked the same way), else each record's linked ids found again."""
    if previous is not None and _shapes(previous.sheets) == _shapes(sheets):
        return previous.links
    return {node.owner_id: packed_ids(linked_ids(node)) for node in site.record_nodes}


def _records(sheets: Mapping[str, tuple[str, SheetFingerprint]]) -> dict[str, str]:
    return {name: digest for _, fingerprint in sheets.values() for name, digest in fingerprint.records.items()}


def _overviews(sheets: Mapping[str, tuple[str, SheetFingerprint]]) -> list[str]:
    return sorted(fingerprint.overview for _, fingerprint in sheets.values() if fingerprint.overview)


def _shapes(sheets: Mapping[str, tuple[str, SheetFingerprint]]) -> dict[str, str]:
    return {path: fingerprint.shape for path, (_, fingerprint) in sheets.items()}


def _first_change(before: Mapping[str, str], after: Mapping[str, str]) -> str:
    """The first content or theme file added, removed or changed, in words; "" if none."""
    for name in sorted(before.keys() | after.keys()):
        shown = name.replace(OTHER_FOLDER, " ", 1)
        if name not in after:
            return f"{shown} was removed"
        if name not in before:
            return f"{shown} was added"
        if before[name] != after[name]:
            return f"{shown} changed"
    return ""
