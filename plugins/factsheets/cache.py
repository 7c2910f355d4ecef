"""A cache of validated fact-sheet files, by content: an unchanged file is neither parsed nor validated again.

An entry is the file's validated records, stored under the SHA-256 of the file's bytes, in a folder
named after the version of the code that reads and validates (so a change to the format or the
loader starts afresh) and after the content folder (so each site keeps only its own entries). Only
files without problems are stored; entries a run did not use are removed at its end. The cache folder
is trusted like the virtualenv: it is written only by this code, never from content.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
import time
from pathlib import Path

import pydantic

from . import load, models, validate
from .validate import ValidSheet


def code_version() -> str:
    """Changes whenever the code that produces an entry changes."""
    digest = hashlib.sha256(pydantic.VERSION.encode())
    for module in (models, load, validate):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


class SheetCache:
    """Validated files of one content folder, by the digest of their bytes."""

    def __init__(self, cache_root: Path, factsheet_folder: Path) -> None:
        site_key = hashlib.sha256(str(factsheet_folder.resolve()).encode()).hexdigest()[:16]
        self.folder = cache_root / code_version() / site_key
        self._used: set[str] = set()
        _remove_stale(cache_root, keep=self.folder)

    def get(self, digest: str) -> ValidSheet | None:
        entry = self.folder / f"{digest}.pickle"
        try:
            sheet = pickle.loads(entry.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        self._used.add(entry.name)
        return sheet if isinstance(sheet, ValidSheet) else None

    def put(self, digest: str, sheet: ValidSheet) -> None:
        """Store a clean file's records (without its text and raw data, which are read again if needed)."""
        entry_name = f"{digest}.pickle"
        self._used.add(entry_name)
        file = sheet.file
        saved = (file.data, file.text)
        file.data, file.text = None, ""
        try:
            blob = pickle.dumps(sheet, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            file.data, file.text = saved
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as stream:
            stream.write(blob)
        os.replace(temporary, self.folder / entry_name)

    def keep(self, digests: list[str]) -> None:
        """Entries stored by worker processes: in use, so that prune keeps them."""
        self._used.update(f"{digest}.pickle" for digest in digests)

    def prune(self) -> None:
        """Remove the entries this run did not use: files edited or deleted since."""
        if not self.folder.is_dir():
            return
        for entry in self.folder.glob("*.pickle"):  # not another run's file being written
            if entry.name not in self._used:
                entry.unlink(missing_ok=True)
        os.utime(self.folder)  # in use: not stale


STALE_AFTER_SECONDS = 30 * 24 * 3600


def _remove_stale(cache_root: Path, keep: Path) -> None:
    """Entries of older code versions, and of content folders not checked for a month, are removed."""
    if not cache_root.is_dir():
        return
    now = time.time()
    for version in cache_root.iterdir():
        if version != keep.parent:
            shutil.rmtree(version, ignore_errors=True)
            continue
        for site in version.iterdir():
            if site != keep and now - site.stat().st_mtime > STALE_AFTER_SECONDS:
                shutil.rmtree(site, ignore_errors=True)
