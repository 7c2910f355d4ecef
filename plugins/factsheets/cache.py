"""Caches that spare a build work it has done before, and that nothing but this machine's builds can fill.

Four caches live in one folder, outside the project by default (``$XDG_CACHE_HOME/factsheets``, else
``~/.cache/factsheets``; ``FACTSHEETS_CACHE_PATH`` or ``--cache-dir`` choose another):

- ``sheets/``: the validated records of each fact-sheet file, stored under the SHA-256 of its bytes,
  in a folder named after the version of the code that reads and validates (a change to the format or
  the loader starts afresh) and after the content folder (each site keeps only its own entries); beside
  them, where each source's quotes were found in its archived text (``verify.FoundQuotes``, JSON), and the
  site as the last whole reading left it (``snapshot.py``), which the next build takes back when only free
  text was edited since;
- ``templates/``: Jinja's compiled templates, in a folder named after every setting that changes how
  a template compiles;
- ``cards/``: each claim's share card (PNG), under the digest of everything it draws, in a folder named
  after the card renderer's version and after the content folder (see ``share_cards.py``);
- ``builds/``: the record of each output's last build, what its pages read, in a folder named after the
  plugin's code (see ``build_record.py``).

An entry is Python data (a pickle, or compiled code), which would run code if a stranger wrote it. So
every entry is signed with HMAC-SHA256 under a key made once per user (``key`` in the user's cache
folder, readable by that user only, never in a project), over the entry's name, its folder and its
bytes. An entry committed to a repository, copied from another machine, damaged on disk or stored under
another name fails the check, is never unpickled, and is rebuilt: a cache can spare work, never change
the site.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import hmac
import os
import pickle
import re
import secrets
import shutil
import stat
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

import jinja2
import pydantic

from . import load, models, problems, sheets, validate
from .load import FileToRead, display_path, lies_within
from .settings import read_plugin_settings
from .sheets import ValidSheet
from .verify import FOUND_QUOTES_VERSION, FoundQuotes

SHEETS_FOLDER = "sheets"
TEMPLATES_FOLDER = "templates"
CARDS_FOLDER = "cards"
FOUND_QUOTES_PREFIX = "found-quotes-"
BUILDS_FOLDER = "builds"
KEY_FILE = "key"
SIGNATURE_BYTES = 32
READ_CHUNK_BYTES = 1 << 20
"""How much of a large entry is read at a time to check its signature (SignedStore.open_signed)."""
KEY_BYTES = 32
STALE_AFTER_SECONDS = 30 * 24 * 3600
_VERSION_NAME = re.compile(r"[0-9a-f]{16}")
"""The names of the folders this code makes for code versions, sites and template settings."""
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by factsheets: backups may skip this folder.\n"
)


def user_cache_root() -> Path:
    """This user's cache folder for the tool, outside every project: $XDG_CACHE_HOME/factsheets or
    ~/.cache/factsheets. The signing key is always kept here, whatever folder holds the entries."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).absolute() / "factsheets"


def configured_cache_root(settings: Mapping[str, object]) -> Path | None:
    """The cache folder a build with these settings uses: FACTSHEETS_CACHE_PATH, else the user's; None
    with FACTSHEETS_CACHE off. SettingsError when they are of the wrong type."""
    chosen = read_plugin_settings(settings)
    if not chosen.cache:
        return None
    return chosen.cache_path.absolute() if chosen.cache_path else user_cache_root()


def signing_key(project: Path | None = None) -> bytes | None:
    """The user's secret key that signs cache entries, made on first use; None (the cache is off, with a
    one-line note) where it cannot be kept safe: inside the project (a checkout could bring its own key, as
    when XDG_CACHE_HOME points into the checkout on a CI runner), or not a private file of this user's."""
    path = user_cache_root() / KEY_FILE
    if project is not None and lies_within(os.path.realpath(path), os.path.realpath(project)):
        _note_once(f"note: cache off: the key would lie inside the project ({path}); set XDG_CACHE_HOME elsewhere")
        return None
    return _key_at(path)


@functools.cache
def _note_once(note: str) -> None:
    print(note, file=sys.stderr)


def _note_ignored(label: str) -> None:
    """Say once in a run that cache entries were ignored (a planted cache holds many, of every kind)."""
    if not _IGNORED_NOTED:
        _IGNORED_NOTED.append(label)
        print(f"note: ignored a damaged or foreign {label} cache entry; it is rebuilt", file=sys.stderr)


_IGNORED_NOTED: list[str] = []


@functools.cache
def _key_at(path: Path) -> bytes | None:
    try:
        return _read_private_key(path)
    except FileNotFoundError:
        pass
    except OSError as error:
        _note_once(f"note: cache off: {path} is not a key this user made ({error.strerror or error})")
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")  # private: mode 0600
        with os.fdopen(handle, "wb") as stream:
            stream.write(secrets.token_bytes(KEY_BYTES))
        os.replace(temporary, path)
        return _read_private_key(path)
    except OSError as error:
        _note_once(f"note: cache off: no key can be kept in {path.parent} ({error.strerror or error})")
        return None


def _read_private_key(path: Path) -> bytes:
    """The key at path if it is a regular file, not a link, of this user's, that no one else may read or
    write, of the right size; OSError otherwise (FileNotFoundError when there is none)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    try:
        status = os.fstat(descriptor)
        private = stat.S_ISREG(status.st_mode) and status.st_uid == os.getuid() and not status.st_mode & 0o077
        key = os.read(descriptor, KEY_BYTES + 1)
    finally:
        os.close(descriptor)
    if not private or len(key) != KEY_BYTES:
        raise OSError(errno.EPERM, "not a private file of this user's, of 32 bytes")
    return key


class SignedStore:
    """Entries of one folder, each signed over its folder, its name and its bytes."""

    def __init__(self, folder: Path, key: bytes, label: str) -> None:
        self.folder = folder
        self._key = key
        self._label = label

    def _signature(self, name: str, payload: bytes) -> bytes:
        signature = self._signature_start(name)
        signature.update(payload)
        return signature.digest()

    def _signature_start(self, name: str) -> hmac.HMAC:
        scope = f"{self.folder.parent.name}/{self.folder.name}/{name}\n".encode()
        return hmac.new(self._key, scope, hashlib.sha256)

    def read(self, name: str) -> bytes | None:
        """The entry's bytes if it is there and was signed by this user's builds; else None."""
        try:
            blob = (self.folder / name).read_bytes()
        except OSError:
            return None
        signature, payload = blob[:SIGNATURE_BYTES], blob[SIGNATURE_BYTES:]
        return payload if self._signed_here(name, signature, [payload]) else None

    def open_signed(self, name: str) -> BinaryIO | None:
        """The entry's bytes as a stream, if it is there and was signed by this user's builds; else None. The
        file is read twice, to check its signature, then as the caller reads the stream, and never held whole in
        memory (a snapshot of a large site: hundreds of megabytes). The stream reads the file checked, whatever
        takes its name meanwhile."""
        try:
            stream = (self.folder / name).open("rb")
        except OSError:
            return None
        try:
            signature = stream.read(SIGNATURE_BYTES)
            if self._signed_here(name, signature, iter(functools.partial(stream.read, READ_CHUNK_BYTES), b"")):
                stream.seek(SIGNATURE_BYTES)
                return stream
        except OSError:
            _note_ignored(self._label)
        stream.close()
        return None

    def _signed_here(self, name: str, signature: bytes, payload: Iterable[bytes]) -> bool:
        """Whether signature is this user's builds' signature of the entry's payload, read in parts (the
        note that an entry was ignored if not)."""
        signing = self._signature_start(name)
        for part in payload:
            signing.update(part)
        if hmac.compare_digest(signature, signing.digest()):
            return True
        _note_ignored(self._label)
        return False

    def write(self, name: str, payload: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(self._signature(name, payload) + payload)
        os.replace(temporary, self.folder / name)

    def write_from(self, name: str, write: Callable[[BinaryIO], None]) -> None:
        """An entry written by write into a stream, never held whole in memory (a snapshot of a large site)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(bytes(SIGNATURE_BYTES))  # the signature's place, filled once the bytes are known
                signing = _SigningWriter(stream, self._signature_start(name))
                write(signing)
                stream.seek(0)
                stream.write(signing.signature.digest())
            os.replace(temporary, self.folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class _SigningWriter:
    """A binary stream that signs what is written through it."""

    def __init__(self, stream: BinaryIO, signature: hmac.HMAC) -> None:
        self._stream, self.signature = stream, signature

    def write(self, data: bytes) -> int:
        self.signature.update(data)
        return self._stream.write(data)


def _prepare_root(cache_root: Path) -> None:
    cache_root.mkdir(parents=True, exist_ok=True)
    tag = cache_root / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(CACHEDIR_TAG)


@functools.cache
def plugin_code_version() -> str:
    """Changes with any of the plugin's code, Python's version and zlib's, and the version of every package
    installed beside it (Pelican, Jinja, markupsafe, Pillow, Markdown...): what a build of other code kept
    says nothing of what this code would make."""
    installed = sorted(  # each package's metadata folder is named after it and its version: <name>-<version>.dist-info
        name for folder in sys.path if os.path.isdir(folder or ".") for name in os.listdir(folder or ".")
        if name.endswith((".dist-info", ".egg-info"))
    )  # fmt: skip
    digest = hashlib.sha256("\n".join([sys.version, f"zlib {zlib.ZLIB_RUNTIME_VERSION}", *installed, ""]).encode())
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(f"{path.relative_to(Path(__file__).parent)}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def code_version() -> str:
    """Changes whenever the code that produces a sheet entry, or the Python that pickles it, changes."""
    digest = hashlib.sha256(f"{sys.version}\n{pydantic.VERSION}\n".encode())
    for module in (models, load, sheets, validate, problems, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


class SheetCache:
    """Validated files of one content folder, by the digest of their bytes."""

    ENTRY_SUFFIX = ".entry"

    def __init__(self, cache_root: Path, factsheet_folder: Path, key: bytes) -> None:
        site_key = hashlib.sha256(str(factsheet_folder.resolve()).encode()).hexdigest()[:16]
        _prepare_root(cache_root)
        sheets = cache_root / SHEETS_FOLDER
        self.folder = sheets / code_version() / site_key
        self._store = SignedStore(self.folder, key, "fact-sheet")
        self._key = key
        self._used: set[str] = set()
        _remove_stale(sheets, keep=self.folder)

    @classmethod
    def open(cls, cache_root: Path, factsheet_folder: Path, project: Path | None = None) -> SheetCache | None:
        """The cache of this content folder, or None when no signing key can be kept safe."""
        key = signing_key(project)
        try:
            return cls(cache_root, factsheet_folder, key) if key else None
        except OSError as error:
            _note_once(f"note: cache off: {cache_root} cannot be written ({error.strerror or error})")
            return None

    def take(self, files: list[FileToRead]) -> tuple[list[ValidSheet], list[FileToRead]]:
        """The files' records the cache holds (each named by where it is now), and the files it does not hold."""
        held, to_read = [], []
        for found in files:
            sheet = self.get(found.digest) if found.digest else None
            if sheet is None:
                to_read.append(found)
            else:
                sheet.file.path, sheet.file.source = display_path(found.path), found.path
                held.append(sheet)
        return held, to_read

    def get(self, digest: str) -> ValidSheet | None:
        entry_name = digest + self.ENTRY_SUFFIX
        payload = self._store.read(entry_name)
        if payload is None:
            return None
        try:
            sheet = pickle.loads(payload)  # signed by this user's own builds: their data, not a stranger's
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            return None
        self._used.add(entry_name)
        return sheet if isinstance(sheet, ValidSheet) else None

    def put(self, digest: str, sheet: ValidSheet) -> None:
        """Store a clean file's records (without its text and raw data, which are read again if needed)."""
        entry_name = digest + self.ENTRY_SUFFIX
        self._used.add(entry_name)
        file = sheet.file
        saved = (file.data, file.text)
        file.data, file.text = None, ""
        try:
            blob = pickle.dumps(sheet, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            file.data, file.text = saved
        self._store.write(entry_name, blob)

    def store_beside(self, label: str) -> SignedStore:
        """The signed entries of another kind kept beside the files' (the site's snapshot: snapshot.py)."""
        return SignedStore(self.folder, self._key, label)

    def found_quotes(self) -> FoundQuotes:
        """Where the last build found each source's quotes (none if not stored, foreign or damaged)."""
        return FoundQuotes.from_json(self._store.read(self._found_quotes_name))

    def keep_found_quotes(self, found: FoundQuotes) -> None:
        """Store the places this build used or found, if they changed, in place of every other code's."""
        if not found.changed:
            return
        with contextlib.suppress(OSError):  # a cache that cannot be written costs the search next time
            self._store.write(self._found_quotes_name, found.to_json())
            for entry in self.folder.glob(FOUND_QUOTES_PREFIX + "*"):
                if entry.name != self._found_quotes_name:
                    entry.unlink(missing_ok=True)

    @property
    def _found_quotes_name(self) -> str:
        return f"{FOUND_QUOTES_PREFIX}{FOUND_QUOTES_VERSION}.json"

    def keep(self, digests: list[str]) -> None:
        """Entries stored by worker processes: in use, so that prune keeps them."""
        self._used.update(digest + self.ENTRY_SUFFIX for digest in digests)

    def prune(self) -> None:
        """Remove the entries this run did not use: files edited or deleted since."""
        if not self.folder.is_dir():
            return
        for entry in self.folder.glob("*" + self.ENTRY_SUFFIX):  # not another run's file being written
            if entry.name not in self._used:
                entry.unlink(missing_ok=True)
        os.utime(self.folder)  # in use: not stale


class CardCache:
    """Share cards of one content folder, by the digest of what they draw (PNG bytes, never unpickled; signed
    all the same, as a card written by a stranger would change the site)."""

    ENTRY_SUFFIX = ".png"

    def __init__(self, cache_root: Path, renderer_version: str, factsheet_folder: Path, key: bytes) -> None:
        site_key = hashlib.sha256(str(factsheet_folder.resolve()).encode()).hexdigest()[:16]
        _prepare_root(cache_root)
        cards = cache_root / CARDS_FOLDER
        self.folder = cards / renderer_version / site_key
        self._store = SignedStore(self.folder, key, "share card")
        self.rendered = 0
        """Cards drawn by this process (not read from the cache)."""
        _remove_stale(cards, keep=self.folder)

    @classmethod
    def open(
        cls, cache_root: Path, renderer_version: str, factsheet_folder: Path, project: Path | None = None
    ) -> CardCache | None:
        """The cards' cache of this content folder, or None when no signing key can be kept safe."""
        key = signing_key(project)
        try:
            return cls(cache_root, renderer_version, factsheet_folder, key) if key else None
        except OSError as error:
            _note_once(f"note: cache off: {cache_root} cannot be written ({error.strerror or error})")
            return None

    def get(self, digest: str) -> bytes | None:
        return self._store.read(digest + self.ENTRY_SUFFIX)

    def put(self, digest: str, png: bytes) -> None:
        self.rendered += 1
        try:
            self._store.write(digest + self.ENTRY_SUFFIX, png)
        except OSError:
            pass  # a cache that cannot be written costs a drawing next time, nothing more

    def keep_only(self, digests: set[str]) -> None:
        """Remove the cards no claim draws any more (edited or deleted since)."""
        if not self.folder.is_dir():
            return
        wanted = {digest + self.ENTRY_SUFFIX for digest in digests}
        for entry in self.folder.glob("*" + self.ENTRY_SUFFIX):
            if entry.name not in wanted:
                entry.unlink(missing_ok=True)
        os.utime(self.folder)  # in use: not stale


def _remove_stale(folder: Path, keep: Path) -> None:
    """Entries of older code versions, and of content folders not checked for a month, are removed:
    only the folders this code names (16 hexadecimal digits), nothing else that may be there."""
    if not folder.is_dir():
        return
    now = time.time()
    for version in folder.iterdir():
        if not _VERSION_NAME.fullmatch(version.name) or version.is_symlink():
            continue
        if version != keep.parent:
            shutil.rmtree(version, ignore_errors=True)
            continue
        for site in version.iterdir():
            if _VERSION_NAME.fullmatch(site.name) and site != keep and now - site.stat().st_mtime > STALE_AFTER_SECONDS:
                shutil.rmtree(site, ignore_errors=True)


TEMPLATE_OPTIONS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "optimized",
    "is_async",
    "finalize",
)
"""The Environment's attributes that change the code a template compiles to."""


def _described(value: object) -> str:
    """A setting as stable text: a function or class by its qualified name, not its address in memory."""
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__qualname__)}"
    return repr(value)


def template_settings_key(environment: jinja2.Environment, jinja_settings: dict[str, object]) -> str:
    """A digest of everything that changes how the templates compile: Jinja's and Python's versions, the
    Environment's options and extensions, autoescaping, and Pelican's JINJA_ENVIRONMENT as written."""
    described = [f"jinja2 {jinja2.__version__}", f"python {sys.version}"]
    described += [f"{name}={_described(getattr(environment, name, None))}" for name in TEMPLATE_OPTIONS]
    described.append(f"autoescape={_described(environment.autoescape)}")
    described.append(f"undefined={_described(environment.undefined)}")
    described += [f"extension={name}" for name in sorted(environment.extensions)]
    described += [f"setting {name}={_described(jinja_settings[name])}" for name in sorted(jinja_settings)]
    return hashlib.sha256("\n".join(described).encode()).hexdigest()[:16]


class SignedBytecodeCache(jinja2.BytecodeCache):
    """Jinja's compiled templates, signed like the sheet entries: a foreign or damaged entry is compiled again."""

    def __init__(self, cache_root: Path, settings_key: str, key: bytes) -> None:
        _prepare_root(cache_root)
        templates = cache_root / TEMPLATES_FOLDER
        self._store = SignedStore(templates / settings_key, key, "template")
        _remove_unused_template_folders(templates, keep=self._store.folder)

    @classmethod
    def open(cls, cache_root: Path, settings_key: str, key: bytes) -> SignedBytecodeCache | None:
        """The compiled templates' cache, or None (with a one-line note) when cache_root cannot be written."""
        try:
            return cls(cache_root, settings_key, key)
        except OSError as error:
            _note_once(f"note: cache off: {cache_root} cannot be written ({error.strerror or error})")
            return None

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        payload = self._store.read(bucket.key + ".cache")
        if payload is not None:
            bucket.bytecode_from_string(payload)  # checks Jinja's magic and the template's source digest

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            self._store.write(bucket.key + ".cache", bucket.bytecode_to_string())
        except OSError:
            pass  # a cache that cannot be written costs a compilation next time, nothing more


def _remove_unused_template_folders(templates: Path, keep: Path) -> None:
    """Other settings' compiled templates, once unused for a month; the folder in use is marked used."""
    now = time.time()
    keep.mkdir(parents=True, exist_ok=True)
    os.utime(keep)
    for folder in templates.iterdir():
        if _VERSION_NAME.fullmatch(folder.name) and not folder.is_symlink() and folder != keep:
            if now - folder.stat().st_mtime > STALE_AFTER_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)


def clear_cache(cache_root: Path) -> list[Path]:
    """Remove every cache; returns the folders removed. Only a folder this code made as a cache (it holds
    its CACHEDIR.TAG) is cleared, and in it only the folders this code names (16 hexadecimal digits) under
    sheets/, templates/, cards/ and builds/: a cache path set to a folder of other files loses none of them."""
    try:
        if (cache_root / "CACHEDIR.TAG").read_text() != CACHEDIR_TAG:
            return []
    except (OSError, UnicodeDecodeError):
        return []
    removed = []
    for name in (SHEETS_FOLDER, TEMPLATES_FOLDER, CARDS_FOLDER, BUILDS_FOLDER):
        folder = cache_root / name
        if not folder.is_dir() or folder.is_symlink():
            continue
        for entry in folder.iterdir():
            if _VERSION_NAME.fullmatch(entry.name) and entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
                removed.append(entry)
        with contextlib.suppress(OSError):  # left in place when it holds anything else
            folder.rmdir()
    return removed
