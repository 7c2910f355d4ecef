"""The site as the last whole reading left it, kept between builds: the next build that finds only free text
edited reads it back instead of reading, linking and checking every file again.

Reading a site whole (each file's records from the cache, then resolve, the quote check, the dates and the
rules) takes about 2 s at 10,000 claims; its snapshot is read back in about 0.5 s. A build uses the snapshot
when the same fact-sheet files lie at the same paths, the files the sources name (archived texts, originals)
hold the bytes the reading checked (each hashed again: a file edited in place may keep its size, modification
time and inode, so those say nothing of its bytes), and every file edited since changed free text only (see
edits.py): the edited files are read (or taken from the sheet cache), their records take the old ones' place,
and the rules and the dates after today are checked again on the site as it now is. Anything else reads the
site whole, and takes a new snapshot.

The snapshot is an entry of the sheet cache (signed, see cache.py), named after the plugin's code and its
packages (cache.plugin_code_version). The graph's links go round and deep, and pickle would follow them node
by node into a recursion as deep as the site is large: the graph's objects are written as empty shells where
first met, and their fields in batches after (SnapshotPickler). Read back, the site holds no more memory than
one read whole (1,034 MB against 1,056 at 100,000 claims): see _fields_shared, _plain_model and the batches.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import pickle
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pydantic

from .cache import SheetCache, SignedStore, plugin_code_version
from .dates import dated_after_today, latest_desk_date
from .edits import apply_free_text_edits
from .graph import Node, QuoteNode, QuoteUse, Site
from .load import FileToRead, content_digest, display_path, read_file_bytes
from .problems import Problem
from .quoted_words import check_quoted_words
from .rules import check_rules
from .verify import MAX_ORIGINAL_BYTES, FoldedText

if TYPE_CHECKING:  # pipeline imports this module
    from collections.abc import Callable

    from .pipeline import FileRead

SNAPSHOT_PREFIX = "site-"
SNAPSHOT_SUFFIX = ".snapshot"
GRAPH_TYPES = (Node, QuoteNode, QuoteUse)
"""The objects of the graph, which link to one another."""


@dataclass
class SiteSnapshot:
    site: Site
    sheets: dict[str, str]
    """Each fact-sheet file read, by its path: the digest of its bytes."""
    other_files: dict[str, str | None]
    """Each other file the reading checked (an archived text, an original), by its path: the SHA-256 of the bytes
    the site was read from, or None when they cannot be told (then the snapshot is not used)."""
    latest_desk_date: str
    """The latest of the desk's dates (dates.latest_desk_date), which an edit of free text does not change."""
    publishing: bool = False
    """Whether a publish build read the site (it left out the drafts and records in review, resolve.py)."""
    unpublished: bool = False
    """Whether the files hold drafts or records in review: then only a build of the same kind takes the site back."""


def take_snapshot(
    cache: SheetCache, site: Site, files: list[FileToRead], content_dir: Path, publishing: bool = False
) -> None:
    """Keep the site as read from these files (all of them valid; publishing: by a publish build), in place of any
    other snapshot."""
    sheets = {str(file.path): file.digest for file in files}
    unpublished = bool(site.left_out) or any(not node.published for node in site.record_nodes)
    other_files = _other_files(site, content_dir)
    snapshot = SiteSnapshot(site, sheets, other_files, latest_desk_date(site), publishing, unpublished)
    store = _store(cache)
    try:
        store.write_from(_name(), lambda stream: _dump(snapshot, stream))
    except OSError:
        return  # the next build reads the site whole
    except (pickle.PicklingError, RecursionError, TypeError):
        return  # a field pickle cannot write: no snapshot (the reading itself is unaffected)
    with contextlib.suppress(OSError):
        cache.remove_others_beside(SNAPSHOT_PREFIX, SNAPSHOT_SUFFIX, keep=_name())


def site_from_snapshot(
    cache: SheetCache,
    files: list[FileToRead],
    read: Callable[[FileToRead], FileRead] | None,
    publishing: bool = False,
) -> Site | None:
    """The site the snapshot holds with the files edited since put in (read(file) reads and validates one the
    sheet cache does not hold: a FileRead), checked again (publishing: as a publish build checks, see
    rules.check_rules); None when it cannot be used or any problem shows (the whole reading then reports every
    one)."""
    stream = _store(cache).open_signed(_name())
    if stream is None:
        return None
    try:
        with stream:
            snapshot = _load(stream)
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError, IndexError, OSError):
        return None
    if not isinstance(snapshot, SiteSnapshot):
        return None
    if snapshot.unpublished and snapshot.publishing != publishing:  # drafts kept, or left out: read it whole
        return None
    by_path = {str(file.path): file for file in files}
    if by_path.keys() != snapshot.sheets.keys() or any(
        digest is None or _digest_now(Path(path)) != digest for path, digest in snapshot.other_files.items()
    ):
        return None
    site = snapshot.site
    for sheet in site.sheets:  # as the sheet cache does: named by where it is from the current folder
        sheet.file.path = display_path(sheet.file.source)
    edited = {}
    for path, file in by_path.items():
        if file.digest == snapshot.sheets[path]:
            continue
        held, _ = cache.take([file])  # named by where it is now
        if held:
            edited[file.path] = held[0]
            continue
        file_read = read(file)
        if file_read.problems or file_read.sheet is None:
            return None
        edited[file.path] = file_read.sheet
    if edited and apply_free_text_edits(site, edited) is None:
        return None
    problems: list[Problem] = check_rules(site, publishing) + dated_after_today(site, latest=snapshot.latest_desk_date)
    problems += check_quoted_words(site, FoldedTexts(site))  # an edit of free text may quote other words
    if any(not problem.warning for problem in problems):
        return None
    cache.keep([file.digest for file in files if file.digest])
    site.warnings = sorted(problems)
    return site


class FoldedTexts(Mapping[int, str]):
    """Each source's archived text as quotes are compared (verify.FoldedText), by id() of its node, as
    verify_quotes hands them to quoted_words: folded when first asked for, since only the sources of records
    that put words in quotation marks are."""

    def __init__(self, site: Site) -> None:
        self._sources = {id(source): source for source in site.sources if source.archived is not None}
        self._folded: dict[int, str] = {}

    def __getitem__(self, key: int) -> str:
        if key not in self._folded:
            self._folded[key] = FoldedText(self._sources[key].archived.text).folded
        return self._folded[key]

    def __iter__(self) -> Iterator[int]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


def _store(cache: SheetCache) -> SignedStore:
    return cache.store_beside("site snapshot")


def _name() -> str:
    return f"{SNAPSHOT_PREFIX}{plugin_code_version()}{SNAPSHOT_SUFFIX}"


def _other_files(site: Site, content_dir: Path) -> dict[str, str | None]:
    """The digest of each archived text and original the sources name, kept only where the file still holds the
    bytes the reading checked (one edited since the quote check is not taken for the one checked): the digest the
    source records, if it does, and for an archived text, the text the site holds."""
    root = content_dir.resolve()
    checked: dict[str, list[str | None]] = {}
    for source in site.sources:
        record = source.record
        if record.archived_text:
            archived = source.archived  # None only where the text could not be read: no snapshot then
            path = root / record.archived_text
            digest = _checked_digest(path, record.archived_text_sha256, archived.text) if archived else None
            checked.setdefault(str(path), []).append(digest)
        if record.original:
            digest = _checked_digest(root / record.original, record.original_sha256)
            checked.setdefault(str(root / record.original), []).append(digest)
    return {path: digests[0] if len(set(digests)) == 1 else None for path, digests in checked.items()}


def _checked_digest(path: Path, recorded: str | None, text: str | None = None) -> str | None:
    """The SHA-256 of the file's bytes, if they are those the reading checked: the digest recorded (if any), and
    the text given (if any); else None."""
    raw = _bytes_now(path)
    if raw is None:
        return None
    digest = content_digest(raw)
    if recorded is not None and digest != recorded:
        return None
    if text is not None and raw.decode("utf-8-sig", errors="replace") != text:
        return None
    return digest


def _digest_now(path: Path) -> str | None:
    """The SHA-256 of the file's bytes now, or None when it cannot be read."""
    raw = _bytes_now(path)
    return None if raw is None else content_digest(raw)


def _bytes_now(path: Path) -> bytes | None:
    """The file's bytes, or None when it cannot be read or is larger than a source's file may be (it is not read:
    the whole reading reports it)."""
    try:
        if path.stat().st_size > MAX_ORIGINAL_BYTES:
            return None
        return read_file_bytes(path)
    except OSError:
        return None


def _shell(node_type: type) -> object:
    """An object of the graph, empty: its fields come later in the snapshot."""
    _fields_shared(node_type)
    return node_type.__new__(node_type)


def _plain_model(value: object) -> bool:
    """A pydantic model with nothing but its fields (no extra or private values), its fields given shared in a
    frozenset (sheets.ValidSheet.share_equal_values)."""
    return (
        isinstance(value, pydantic.BaseModel)
        and value.__pydantic_extra__ is None
        and not value.__pydantic_private__
        and type(value.__pydantic_fields_set__) is frozenset
    )


def _empty_model(model_type: type[pydantic.BaseModel], fields_set: frozenset[str]) -> pydantic.BaseModel:
    """A record of the type without its fields (_fill_model sets them), as pydantic's own pickling makes one."""
    model = model_type.__new__(model_type)
    object.__setattr__(model, "__pydantic_fields_set__", fields_set)
    object.__setattr__(model, "__pydantic_extra__", None)
    object.__setattr__(model, "__pydantic_private__", None)
    return model


def _fill_model(model: pydantic.BaseModel, fields: dict[str, object]) -> None:
    object.__setattr__(model, "__dict__", fields)


@functools.cache
def _shell_arguments(node_type: type) -> tuple[type]:
    """One tuple for all the shells of a type, written once."""
    return (node_type,)


@functools.cache
def _fields_shared(node_type: type) -> None:
    """Name the fields of the type's objects in the table of names they share before the shells are made: Python
    adds a name to that table only while few objects of the type exist (each object made leaves less room), and
    an object whose field it cannot add there gets a dictionary of its own (at 100,000 claims, 600 MB more). One
    object made and filled, as __init__ would, names them all."""
    example = node_type.__new__(node_type)
    for name in _fields(node_type):
        object.__setattr__(example, name, None)


class SnapshotPickler(pickle.Pickler):
    """Writes each object of the graph, where first met, as an empty shell, and keeps it for its fields to be
    written after (see _dump): the stream never nests deeper than a record does. Reading keeps every object the
    stream names until the end: the batches are flat lists (each shell then its fields' values), not a tuple for
    each object, which would be left as holes between the site's objects once read."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__(stream, protocol=pickle.HIGHEST_PROTOCOL)
        self.shells: list[object] = []
        self.model_arguments: dict[tuple[type, frozenset[str]], tuple[type, frozenset[str]]] = {}

    def reducer_override(self, value: object) -> object:
        if isinstance(value, GRAPH_TYPES):
            self.shells.append(value)
            return _shell, _shell_arguments(type(value))
        if _plain_model(value):
            # A record (pydantic's own way writes a dictionary of four for each, which reading would keep): made
            # from its type and the set of its fields given (one tuple of both for all the records that share
            # them), its fields set from its __dict__ by _fill_model.
            key = (type(value), value.__pydantic_fields_set__)
            arguments = self.model_arguments.setdefault(key, key)
            return _empty_model, arguments, value.__dict__, None, None, _fill_model
        return NotImplemented


def _dump(snapshot: SiteSnapshot, stream: BinaryIO) -> None:
    pickler = SnapshotPickler(stream)
    pickler.dump(snapshot)
    written = 0
    while written < len(pickler.shells):  # the fields of the shells written, which may meet new ones
        batch = pickler.shells[written:]
        written = len(pickler.shells)
        pickler.dump(
            [value for shell in batch for value in (shell, *map(shell.__getattribute__, _fields(type(shell))))]
        )
    pickler.dump(None)


def _load(stream: BinaryIO) -> object:
    unpickler = pickle.Unpickler(stream)  # signed by this user's own builds
    snapshot = unpickler.load()
    while (batch := unpickler.load()) is not None:
        values = iter(batch)
        for shell in values:
            for name in _fields(type(shell)):
                object.__setattr__(shell, name, next(values))
    return snapshot


@functools.cache
def _fields(node_type: type) -> tuple[str, ...]:
    """The fields of an object of the graph, in the order its __init__ sets them. They are read and set one by one:
    asking for an object's __dict__ (vars) would give it a dictionary of its own (see _fields_shared)."""
    return tuple(field.name for field in dataclasses.fields(node_type))
