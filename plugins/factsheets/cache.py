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

Nor can a cache folder be turned against its user, as another user who may write it would try (a shared
``FACTSHEETS_CACHE_PATH``): every folder of a cache (its root, the key's folder, and each folder the cache
makes or enters) must be this user's and writable by no one else, or the cache is off, with one note; each
is held open (``CacheFolder``) and what lies in it is reached from it by name, never through a link; an
entry is read only if it is a regular file of the size its kind may have, opened without waiting (a FIFO)
or following a link, and written under a new temporary name then renamed into place; only regular files
and folders this code names are removed, never through a link.
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
import time
import weakref
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
CACHEDIR_TAG_FILE = "CACHEDIR.TAG"
SIGNATURE_BYTES = 32
READ_CHUNK_BYTES = 1 << 20
"""How much of a large entry is read at a time to check its signature (SignedStore.open_signed)."""
KEY_BYTES = 32
SHEET_ENTRY_MAX_BYTES = 16 * load.MAX_FILE_BYTES
"""The largest entry of one file's records: a fact-sheet file is at most MAX_FILE_BYTES, its records pickled
take less than its YAML."""
FOUND_QUOTES_MAX_BYTES = 64 << 20
"""The largest record of where quotes were found (a few hundred bytes a source)."""
BESIDE_MAX_BYTES = 4 << 30
"""The largest entry kept beside the files' (the site's snapshot: hundreds of megabytes for a large site)."""
CARD_MAX_BYTES = 16 << 20
"""The largest share card (about 30 KB)."""
TEMPLATE_MAX_BYTES = 16 << 20
"""The largest compiled template (a few kilobytes)."""
PRIVATE_FOLDER_MODE = 0o700
TEMPORARY_SUFFIX = ".tmp"
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


def project_folders(content_dir: Path, *project_paths: Path) -> list[Path]:
    """The folders a checkout of the project fills, where the signing key must never lie: the folder that holds
    the content folder, and each of the project's other paths (the settings file, the theme, a plugins folder),
    and the top of the git work tree (the nearest folder above with a ``.git``, file or folder) holding any of
    them. The content's folder alone is not enough: content in ``sub/content`` of a checkout would leave the
    rest of the checkout, and a key committed there, outside "the project"."""
    folders: list[Path] = []
    for path in (content_dir, *project_paths):
        resolved = path.resolve()
        work_tree = next((folder for folder in (resolved, *resolved.parents) if os.path.lexists(folder / ".git")), None)
        for folder in (resolved.parent, work_tree):
            if folder is not None and folder not in folders:
                folders.append(folder)
    return folders


def signing_key(*projects: Path) -> bytes | None:
    """The user's secret key that signs cache entries, made on first use; None (the cache is off, with a
    one-line note) where it cannot be kept safe: inside one of the project's folders (project_folders: a
    checkout could bring its own key, as when XDG_CACHE_HOME points into the checkout on a CI runner), in a
    folder that is not this user's alone, or not a private file of this user's."""
    folder = user_cache_root()
    path = folder / KEY_FILE
    for project in projects:
        if lies_within(os.path.realpath(path), os.path.realpath(project)):
            _note_once(
                f"note: cache off: the key would lie inside the project {project} ({path}); "
                "set XDG_CACHE_HOME elsewhere"
            )
            return None
    return _key_in(folder)


@functools.cache
def _note_once(note: str) -> None:
    print(note, file=sys.stderr)


def note_cache_off(cache_root: Path, error: OSError) -> None:
    """Say once why the cache in cache_root is off: a folder of it is unsafe, or it cannot be written."""
    if isinstance(error, UnsafeCacheFolder):
        _note_once(f"note: cache off: {error}")
    else:
        _note_once(f"note: cache off: {cache_root} cannot be written ({error.strerror or error})")


def _note_ignored(label: str) -> None:
    """Say once in a run that cache entries were ignored (a planted cache holds many, of every kind)."""
    if not _IGNORED_NOTED:
        _IGNORED_NOTED.append(label)
        print(f"note: ignored a damaged or foreign {label} cache entry; it is rebuilt", file=sys.stderr)


_IGNORED_NOTED: list[str] = []


@functools.cache
def _key_in(folder_path: Path) -> bytes | None:
    path = folder_path / KEY_FILE
    try:
        folder = CacheFolder.open_root(folder_path)
    except UnsafeCacheFolder as refusal:
        _note_once(f"note: cache off: {refusal}")
        return None
    except OSError as error:
        _note_once(f"note: cache off: no key can be kept in {folder_path} ({error.strerror or error})")
        return None
    try:
        return _read_private_key(folder)
    except FileNotFoundError:
        pass
    except OSError as error:
        _note_once(f"note: cache off: {path} is not a key this user made ({error.strerror or error})")
        return None
    try:
        folder.write_file(KEY_FILE, lambda stream: stream.write(secrets.token_bytes(KEY_BYTES)))  # mode 0600
        return _read_private_key(folder)
    except OSError as error:
        _note_once(f"note: cache off: no key can be kept in {folder_path} ({error.strerror or error})")
        return None


def _read_private_key(folder: CacheFolder) -> bytes:
    """The key in folder if it is a regular file, not a link, of this user's, that no one else may read or
    write, of the right size; OSError otherwise (FileNotFoundError when there is none)."""
    with folder.open_file(KEY_FILE, KEY_BYTES) as stream:
        status = os.fstat(stream.fileno())
        key = stream.read(KEY_BYTES + 1)
    if status.st_uid != os.getuid() or status.st_mode & 0o077 or len(key) != KEY_BYTES:
        raise OSError(errno.EPERM, "not a private file of this user's, of 32 bytes")
    return key


class UnsafeCacheFolder(OSError):
    """A folder of a cache that is not this user's alone (another user's, writable by others) or not a folder
    (a link): nothing in it is read or written."""


class CacheFolder:
    """A folder of a cache, held open once checked private (see check_private): every entry and folder in it
    is reached from its descriptor by name, never through a link, so a folder swapped for a link once checked
    changes nothing. The descriptor is closed when the object is (a preview's rebuilds open many)."""

    def __init__(self, path: Path, descriptor: int) -> None:
        self.path = path
        self._descriptor = descriptor
        weakref.finalize(self, os.close, descriptor)

    @classmethod
    def open_root(cls, path: Path, create: bool = True) -> CacheFolder:
        """The folder at path (made, private, if missing and create; a link the user chose to it is followed);
        UnsafeCacheFolder if it is not private, another OSError if it cannot be made or opened."""
        _check_way_to(path)
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                path.mkdir(mode=PRIVATE_FOLDER_MODE)
        descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        return cls(path, _checked_private(descriptor, path))

    def folder(self, name: str, create: bool = True) -> CacheFolder:
        """The folder name in this one (made, private, if missing and create); UnsafeCacheFolder if it is a link
        or not private."""
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, PRIVATE_FOLDER_MODE, dir_fd=self._descriptor)
        path = self.path / name
        flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            descriptor = os.open(name, flags, dir_fd=self._descriptor)
        except OSError:
            if self._is_link(name):
                raise UnsafeCacheFolder(f"{path} is a link, not a folder") from None
            raise
        return CacheFolder(path, _checked_private(descriptor, path))

    def _is_link(self, name: str) -> bool:
        try:
            return stat.S_ISLNK(os.stat(name, dir_fd=self._descriptor, follow_symlinks=False).st_mode)
        except OSError:
            return False

    def entries(self) -> list[os.DirEntry]:
        """What the folder holds, links and all (nothing followed)."""
        with os.scandir(self._descriptor) as listing:
            return list(listing)

    def files(self, prefix: str = "", suffix: str = "") -> list[str]:
        """The names of the regular files (not links) named prefix...suffix."""
        return [
            entry.name
            for entry in self.entries()
            if entry.name.startswith(prefix) and entry.name.endswith(suffix) and entry.is_file(follow_symlinks=False)
        ]

    def exists(self, name: str) -> bool:
        """Whether anything, a dangling link too, is named name here."""
        try:
            os.stat(name, dir_fd=self._descriptor, follow_symlinks=False)
        except FileNotFoundError:
            return False
        return True

    def open_file(self, name: str, max_bytes: int) -> BinaryIO:
        """The regular file name, of at most max_bytes, open to read; OSError if it is anything else (a link, a
        FIFO, never waited on; a device; a larger file), FileNotFoundError if there is none."""
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        descriptor = os.open(name, flags, dir_fd=self._descriptor)
        try:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):
                raise OSError(errno.EINVAL, f"{self.path / name} is not a regular file")
            if status.st_size > max_bytes:
                raise OSError(errno.EFBIG, f"{self.path / name} is over {max_bytes:,} bytes")
            return os.fdopen(descriptor, "rb")
        except BaseException:
            os.close(descriptor)
            raise

    def read(self, name: str, max_bytes: int) -> bytes:
        """The bytes of the regular file name (see open_file)."""
        with self.open_file(name, max_bytes) as stream:
            blob = stream.read(max_bytes + 1)
        if len(blob) > max_bytes:  # grown since it was opened
            raise OSError(errno.EFBIG, f"{self.path / name} is over {max_bytes:,} bytes")
        return blob

    def write_file(self, name: str, write: Callable[[BinaryIO], None]) -> None:
        """The file name written by write, whole or not at all: into a new file of a name never used (made with
        O_EXCL, readable by this user only), then renamed over name, which replaces whatever was there (a link,
        a FIFO) without writing through it."""
        temporary = f".{secrets.token_hex(8)}{TEMPORARY_SUFFIX}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        descriptor = os.open(temporary, flags, 0o600, dir_fd=self._descriptor)
        try:
            with os.fdopen(descriptor, "wb") as stream:
                write(stream)
            os.replace(temporary, name, src_dir_fd=self._descriptor, dst_dir_fd=self._descriptor)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=self._descriptor)
            raise

    def remove_file(self, name: str) -> None:
        """Remove name if it is a regular file (not a link, not a folder)."""
        with contextlib.suppress(FileNotFoundError):
            if stat.S_ISREG(os.stat(name, dir_fd=self._descriptor, follow_symlinks=False).st_mode):
                os.unlink(name, dir_fd=self._descriptor)

    def remove_folder(self, name: str) -> bool:
        """Remove the folder name, whole, if it is a folder of this user's (not a link); whether it is gone.
        Nothing in it is followed (shutil.rmtree works from descriptors: a link inside is removed, not entered)."""
        try:
            status = os.stat(name, dir_fd=self._descriptor, follow_symlinks=False)
        except OSError:
            return False
        if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.geteuid():
            return False
        shutil.rmtree(name, dir_fd=self._descriptor, ignore_errors=True)
        return not self.exists(name)

    def remove_if_empty(self, name: str) -> None:
        with contextlib.suppress(OSError):  # left in place when it holds anything, or is not a folder
            os.rmdir(name, dir_fd=self._descriptor)

    def modified(self, name: str) -> float:
        """When name (not followed) was last modified."""
        return os.stat(name, dir_fd=self._descriptor, follow_symlinks=False).st_mtime

    def mark_used(self) -> None:
        """Set the folder's modification time to now: in use, not stale."""
        os.utime(self._descriptor)


def check_private(status: os.stat_result) -> str:
    """What makes a folder unsafe to keep a cache in, in words ("" if nothing): another user's, whose owner
    could put anything there, or one others may write (group or world), who could plant links and FIFOs
    among the entries or swap its folders for links. Root is not trusted more than another user."""
    if status.st_uid != os.geteuid():
        return f"belongs to another user (uid {status.st_uid}); choose a folder of your own"
    if status.st_mode & 0o022:
        mode = stat.S_IMODE(status.st_mode)
        return f"may be written by other users (mode {mode:o}); make it private (chmod go-w) or choose another folder"
    return ""


def _check_way_to(path: Path) -> None:
    """UnsafeCacheFolder if another user could choose what path leads to: a link on the way that is neither this
    user's nor root's (planted in a shared folder, it could lead into a folder of the user's own, which would
    pass every other check), or a folder on the way that everyone may write without the sticky bit (/tmp has
    it: there no one can rename or remove another's entries), where the next name could be swapped."""
    path = Path(os.path.abspath(path))
    for step in (path, *path.parents):
        try:
            status = os.lstat(step)
        except FileNotFoundError:
            continue  # made when the cache is
        if stat.S_ISLNK(status.st_mode) and status.st_uid not in (os.geteuid(), 0):
            raise UnsafeCacheFolder(f"{path} leads through {step}, a link of another user's (uid {status.st_uid})")
        if stat.S_ISDIR(status.st_mode) and step != path and status.st_mode & 0o002 and not status.st_mode & 0o1000:
            raise UnsafeCacheFolder(
                f"{path} lies in {step}, which everyone may write (mode {stat.S_IMODE(status.st_mode):o}, no sticky "
                "bit): choose a folder of your own"
            )


def _checked_private(descriptor: int, path: Path) -> int:
    """descriptor, if the folder it holds open is private (check_private); else closed, and UnsafeCacheFolder."""
    unsafe = check_private(os.fstat(descriptor))
    if unsafe:
        os.close(descriptor)
        raise UnsafeCacheFolder(f"{path} {unsafe}")
    return descriptor


CACHE_ROOT_NAMES = frozenset({KEY_FILE, SHEETS_FOLDER, CARDS_FOLDER, TEMPLATES_FOLDER, BUILDS_FOLDER})
"""What a cache folder not yet tagged may hold: the key (the user's cache folder keeps it) and the caches."""


def open_cache_root(cache_root: Path) -> CacheFolder:
    """The folder of the caches, made if missing and tagged as a cache (CACHEDIR.TAG: backups may skip it) unless
    anything has that name there (a link is left as it is, never written through)."""
    root = CacheFolder.open_root(cache_root)
    if not root.exists(CACHEDIR_TAG_FILE):
        others = sorted(
            entry.name
            for entry in root.entries()
            if entry.name not in CACHE_ROOT_NAMES and not entry.name.endswith(TEMPORARY_SUFFIX)
        )
        if others:  # tagged, a folder of the user's own would be left out of backups
            raise UnsafeCacheFolder(
                f"{cache_root} holds files that are not a cache's ({others[0]}): choose a new folder"
            )
        root.write_file(CACHEDIR_TAG_FILE, lambda stream: stream.write(CACHEDIR_TAG.encode()))
    return root


def remove_other_folders(parent: CacheFolder, keep: str, unused_for: float = 0) -> None:
    """The folders of parent this code names (16 hexadecimal digits: code versions, sites, template settings)
    but keep, when unused for unused_for seconds: nothing else that may be there, nothing through a link."""
    now = time.time()
    for entry in parent.entries():
        if _VERSION_NAME.fullmatch(entry.name) and entry.name != keep:
            with contextlib.suppress(OSError):
                if not unused_for or now - parent.modified(entry.name) > unused_for:
                    parent.remove_folder(entry.name)


class SignedStore:
    """Entries of one folder, each signed over its folder, its name and its bytes, each at most max_bytes."""

    def __init__(self, folder: CacheFolder, key: bytes, label: str, max_bytes: int) -> None:
        self.folder = folder
        self._key = key
        self._label = label
        self._max_bytes = max_bytes

    def _signature(self, name: str, payload: bytes) -> bytes:
        signature = self._signature_start(name)
        signature.update(payload)
        return signature.digest()

    def _signature_start(self, name: str) -> hmac.HMAC:
        scope = f"{self.folder.path.parent.name}/{self.folder.path.name}/{name}\n".encode()
        return hmac.new(self._key, scope, hashlib.sha256)

    def read(self, name: str) -> bytes | None:
        """The entry's bytes if it is there and was signed by this user's builds; else None (with the note that
        an entry was ignored when it is not a regular file of at most max_bytes)."""
        try:
            blob = self.folder.read(name, SIGNATURE_BYTES + self._max_bytes)
        except FileNotFoundError:
            return None
        except OSError:
            _note_ignored(self._label)
            return None
        signature, payload = blob[:SIGNATURE_BYTES], blob[SIGNATURE_BYTES:]
        return payload if self._signed_here(name, signature, [payload]) else None

    def open_signed(self, name: str) -> BinaryIO | None:
        """The entry's bytes as a stream, if it is there and was signed by this user's builds; else None. The
        file is read twice, to check its signature, then as the caller reads the stream, and never held whole in
        memory (a snapshot of a large site: hundreds of megabytes). The stream reads the file checked, whatever
        takes its name meanwhile."""
        try:
            stream = self.folder.open_file(name, SIGNATURE_BYTES + self._max_bytes)
        except FileNotFoundError:
            return None
        except OSError:
            _note_ignored(self._label)
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
        signed = self._signature(name, payload) + payload
        self.folder.write_file(name, lambda stream: stream.write(signed))

    def write_from(self, name: str, write: Callable[[BinaryIO], None]) -> None:
        """An entry written by write into a stream, never held whole in memory (a snapshot of a large site)."""

        def write_signed(stream: BinaryIO) -> None:
            stream.write(bytes(SIGNATURE_BYTES))  # the signature's place, filled once the bytes are known
            signing = _SigningWriter(stream, self._signature_start(name))
            write(signing)
            stream.seek(0)
            stream.write(signing.signature.digest())

        self.folder.write_file(name, write_signed)


class _SigningWriter:
    """A binary stream that signs what is written through it."""

    def __init__(self, stream: BinaryIO, signature: hmac.HMAC) -> None:
        self._stream, self.signature = stream, signature

    def write(self, data: bytes) -> int:
        self.signature.update(data)
        return self._stream.write(data)


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
        sheets = open_cache_root(cache_root).folder(SHEETS_FOLDER)
        version = sheets.folder(code_version())
        self._folder = version.folder(site_key)
        self.folder = self._folder.path
        self._store = SignedStore(self._folder, key, "fact-sheet", SHEET_ENTRY_MAX_BYTES)
        self._found_quotes_store = SignedStore(self._folder, key, "fact-sheet", FOUND_QUOTES_MAX_BYTES)
        self._key = key
        self._used: set[str] = set()
        remove_other_folders(sheets, keep=version.path.name)  # older code's entries
        remove_other_folders(version, keep=site_key, unused_for=STALE_AFTER_SECONDS)  # sites not checked for a month

    @classmethod
    def open(cls, cache_root: Path, factsheet_folder: Path, *projects: Path) -> SheetCache | None:
        """The cache of this content folder, or None (with a one-line note) when no signing key can be kept safe
        outside the projects' folders (project_folders), or a folder of the cache is unsafe or cannot be written."""
        key = signing_key(*projects)
        try:
            return cls(cache_root, factsheet_folder, key) if key else None
        except OSError as error:
            note_cache_off(cache_root, error)
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

    def store_beside(self, label: str, max_bytes: int = BESIDE_MAX_BYTES) -> SignedStore:
        """The signed entries of another kind kept beside the files' (the site's snapshot: snapshot.py)."""
        return SignedStore(self._folder, self._key, label, max_bytes)

    def found_quotes(self) -> FoundQuotes:
        """Where the last build found each source's quotes (none if not stored, foreign or damaged)."""
        return FoundQuotes.from_json(self._found_quotes_store.read(self._found_quotes_name))

    def keep_found_quotes(self, found: FoundQuotes) -> None:
        """Store the places this build used or found, if they changed, in place of every other code's."""
        if not found.changed:
            return
        with contextlib.suppress(OSError):  # a cache that cannot be written costs the search next time
            self._found_quotes_store.write(self._found_quotes_name, found.to_json())
            self.remove_others_beside(FOUND_QUOTES_PREFIX, "", keep=self._found_quotes_name)

    def remove_others_beside(self, prefix: str, suffix: str, keep: str) -> None:
        """Remove the entries kept beside the files' named prefix...suffix but keep (older code's): regular files
        only, never through a link."""
        for name in self._folder.files(prefix=prefix, suffix=suffix):
            if name != keep:
                self._folder.remove_file(name)

    @property
    def _found_quotes_name(self) -> str:
        return f"{FOUND_QUOTES_PREFIX}{FOUND_QUOTES_VERSION}.json"

    def keep(self, digests: list[str]) -> None:
        """Entries stored by worker processes: in use, so that prune keeps them."""
        self._used.update(digest + self.ENTRY_SUFFIX for digest in digests)

    def prune(self) -> None:
        """Remove the entries this run did not use: files edited or deleted since (regular files only, nothing
        through a link)."""
        with contextlib.suppress(OSError):  # a cache that cannot be pruned holds a few entries more
            for name in self._folder.files(suffix=self.ENTRY_SUFFIX):  # not another run's file being written
                if name not in self._used:
                    self._folder.remove_file(name)
            self._folder.mark_used()  # in use: not stale


class CardCache:
    """Share cards of one content folder, by the digest of what they draw (PNG bytes, never unpickled; signed
    all the same, as a card written by a stranger would change the site)."""

    ENTRY_SUFFIX = ".png"

    def __init__(self, cache_root: Path, renderer_version: str, factsheet_folder: Path, key: bytes) -> None:
        site_key = hashlib.sha256(str(factsheet_folder.resolve()).encode()).hexdigest()[:16]
        cards = open_cache_root(cache_root).folder(CARDS_FOLDER)
        version = cards.folder(renderer_version)
        self._folder = version.folder(site_key)
        self.folder = self._folder.path
        self._store = SignedStore(self._folder, key, "share card", CARD_MAX_BYTES)
        self.rendered = 0
        """Cards drawn by this process (not read from the cache)."""
        remove_other_folders(cards, keep=renderer_version)  # an older renderer's cards
        remove_other_folders(version, keep=site_key, unused_for=STALE_AFTER_SECONDS)  # sites not built for a month

    @classmethod
    def open(cls, cache_root: Path, renderer_version: str, factsheet_folder: Path, *projects: Path) -> CardCache | None:
        """The cards' cache of this content folder, or None (with a one-line note) when no signing key can be kept
        safe outside the projects' folders, or a folder of the cache is unsafe or cannot be written."""
        key = signing_key(*projects)
        try:
            return cls(cache_root, renderer_version, factsheet_folder, key) if key else None
        except OSError as error:
            note_cache_off(cache_root, error)
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
        """Remove the cards no claim draws any more (edited or deleted since): regular files only, nothing through
        a link."""
        wanted = {digest + self.ENTRY_SUFFIX for digest in digests}
        with contextlib.suppress(OSError):  # a cache that cannot be pruned holds a few cards more
            for name in self._folder.files(suffix=self.ENTRY_SUFFIX):
                if name not in wanted:
                    self._folder.remove_file(name)
            self._folder.mark_used()  # in use: not stale


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
        templates = open_cache_root(cache_root).folder(TEMPLATES_FOLDER)
        self._store = SignedStore(templates.folder(settings_key), key, "template", TEMPLATE_MAX_BYTES)
        self._store.folder.mark_used()
        remove_other_folders(templates, keep=settings_key, unused_for=STALE_AFTER_SECONDS)  # other settings'

    @classmethod
    def open(cls, cache_root: Path, settings_key: str, key: bytes) -> SignedBytecodeCache | None:
        """The compiled templates' cache, or None (with a one-line note) when a folder of the cache is unsafe or
        cannot be written."""
        try:
            return cls(cache_root, settings_key, key)
        except OSError as error:
            note_cache_off(cache_root, error)
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


def clear_cache(cache_root: Path) -> list[Path]:
    """Remove every cache; returns the folders removed. Only a folder this code made as a cache (it holds
    its CACHEDIR.TAG, a regular file) and that is this user's alone is cleared (a note says why not, when it is
    not), and in it only the folders this code names (16 hexadecimal digits) under sheets/, templates/, cards/
    and builds/, never through a link: a cache path set to a folder of other files loses none of them."""
    try:
        root = CacheFolder.open_root(cache_root, create=False)
        if root.read(CACHEDIR_TAG_FILE, len(CACHEDIR_TAG.encode())) != CACHEDIR_TAG.encode():
            return []
    except UnsafeCacheFolder as refusal:
        _note_once(f"note: caches left as they are: {refusal}")
        return []
    except OSError:
        return []
    removed = []
    for name in (SHEETS_FOLDER, TEMPLATES_FOLDER, CARDS_FOLDER, BUILDS_FOLDER):
        try:
            folder = root.folder(name, create=False)
        except UnsafeCacheFolder as refusal:
            _note_once(f"note: caches left as they are: {refusal}")
            continue
        except OSError:
            continue
        for entry in folder.entries():
            if _VERSION_NAME.fullmatch(entry.name) and folder.remove_folder(entry.name):
                removed.append(folder.path / entry.name)
        root.remove_if_empty(name)  # left in place when it holds anything else
    return removed
