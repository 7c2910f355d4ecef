"""A whole-site build that never leaves a broken output folder behind.

Pelican writes into its OUTPUT_PATH as it goes, so a build that fails half-way
would leave half a site. Here Pelican builds into a staging folder beside the
output folder; only when the whole build succeeded does the staging folder
take the output folder's place. The names listed in OUTPUT_RETENTION (a
``.git`` or ``CNAME``, say) are carried over from the old output.
"""

from __future__ import annotations

import ctypes
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pelican import Pelican
from pelican.log import console
from pelican.log import init as init_logging
from pelican.settings import read_settings


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    pages: int = 0
    seconds: float = 0.0
    output: Path | None = None


def build_site(
    settings_file: Path,
    content_dir: Path | None = None,
    output_dir: Path | None = None,
    quiet: bool = False,
    extra_settings: dict[str, object] | None = None,
) -> BuildResult:
    """Build with Pelican into a staging folder, then swap it in; the old output stays on any failure."""
    started = time.perf_counter()
    override: dict[str, object] = dict(extra_settings or {})
    if content_dir is not None:
        override["PATH"] = str(content_dir.resolve())
    if output_dir is not None:
        override["OUTPUT_PATH"] = str(output_dir.resolve())
    settings = read_settings(str(settings_file), override=override)
    output = Path(settings["OUTPUT_PATH"]).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.build-", dir=output.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a web server must read the site
    settings["OUTPUT_PATH"] = str(staging)
    settings["DELETE_OUTPUT_DIRECTORY"] = False

    _quiet_pelican()
    try:
        Pelican(settings).run()
    except SystemExit:  # content problems: the generator has printed them
        shutil.rmtree(staging, ignore_errors=True)
        return BuildResult(False)
    except Exception as error:  # a template or settings error: say what, without a traceback
        shutil.rmtree(staging, ignore_errors=True)
        print(f"build failed: {type(error).__name__}: {error}", file=sys.stderr)
        return BuildResult(False)

    _carry_over(output, staging, settings.get("OUTPUT_RETENTION", []))
    replace_folder(staging, output)
    pages = sum(1 for _ in output.rglob("*.html"))
    result = BuildResult(True, pages, time.perf_counter() - started, output)
    if not quiet:
        print(f"Wrote {pages} pages to {output} in {result.seconds:.2f} s.")
    return result


def _quiet_pelican() -> None:
    """Pelican's errors stop the build (as with --fatal errors); its chatter stays quiet."""
    init_logging(level=logging.WARNING, fatal="errors")
    console.quiet = True


def _carry_over(old_output: Path, new_output: Path, retained_names: list[str]) -> None:
    for name in retained_names:
        kept = old_output / name
        if kept.is_dir():
            shutil.copytree(kept, new_output / name, symlinks=True, dirs_exist_ok=True)
        elif kept.exists():
            shutil.copy2(kept, new_output / name)


RENAME_EXCHANGE = 2
AT_FDCWD = -100


def replace_folder(new: Path, target: Path) -> None:
    """Put the folder new in target's place and delete the old target.

    On Linux the two folders trade places in one step (renameat2 with RENAME_EXCHANGE), so a server
    reading target never finds it missing; elsewhere the old folder is moved aside first, which
    leaves a moment without it.
    """
    if target.exists() and _exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # it holds the old folder now
    elif target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        target.rename(retired / target.name)
        try:
            new.rename(target)
        except OSError:
            (retired / target.name).rename(target)  # the old folder back where it was
            raise
        finally:
            shutil.rmtree(retired, ignore_errors=True)
    else:
        new.rename(target)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where the system or the file system cannot."""
    try:
        renameat2 = ctypes.CDLL(None).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    return renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0
