"""A whole-site build that never leaves a broken output folder behind, and deletes only what a build made.

Pelican writes into its OUTPUT_PATH as it goes, so a build that fails half-way
would leave half a site. Here Pelican builds into a staging folder beside the
output folder; only when the whole build succeeded does the staging folder
take the output folder's place. The names listed in OUTPUT_RETENTION (a
``.git`` or ``CNAME``, say) are carried over from the old output.

A build replaces only an empty folder or an earlier build of the site, which it recognises by the
stamp file every build writes (BUILD_STAMP); anything else needs ``--force``, and a folder that is or
holds the project (the content, the settings, the theme, the plugins) is never an output. Every
folder a build works in beside the output is named after the output and the process that made it,
and locked while in use, so that the next build removes those an interrupted build left, and only those.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import filecmp
import logging
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jinja2 import TemplateError
from pelican import Pelican, signals
from pelican import log as pelican_log
from pelican.generators import Generator
from pelican.log import FatalLogger, console
from pelican.log import init as init_logging
from pelican.settings import read_settings

from .cache import clear_cache, configured_cache_root
from .problems import Abort, printable
from .workers import WorkerFailed

BUILD_STAMP = ".factsheets-build"
"""Written into every build: the next build, and `factsheets clean`, know the folder for one of the site's."""
STAMP_TEXT = "Built by factsheets (pelican-factsheets): the next build replaces this folder.\n"
SCRATCH_NAME = re.compile(r"\.(?P<output>.+)\.(?P<kind>build|search|pagefind|live|old)-(?P<pid>\d+)-\w+")
"""Folders this tool works in beside an output: `.<output>.<kind>-<pid of the process that made it>-<random>`
(pagefind: the search index's, when Pagefind built it, before December 2026)."""
ASIDE_PREFIX = ".factsheets-aside-"
"""Inside an output that cannot be moved: its old entries, while the new ones are put in their place."""
CANNOT_MOVE = {errno.EBUSY, errno.EXDEV, errno.EPERM}
"""What renaming a mount point (a Docker volume, say) or a folder one may not rename fails with."""


@dataclass(frozen=True)
class BuildResult:
    ok: bool
    pages: int = 0
    seconds: float = 0.0
    output: Path | None = None
    generators: tuple[Generator, ...] = ()
    """Pelican's generators of the build, as they were when it ended (the preview keeps the site they read)."""
    update: FolderUpdate | None = None
    """What the build wrote and removed, when it updated the last build's output; None for a whole build."""


class BuildRefused(Exception):
    """A build cannot start: the message names the settings, folder or output and says why."""


class OutputRefused(BuildRefused):
    """The output folder holds what a build must not delete: the message names it and says why."""


def build_site(
    settings_file: Path,
    content_dir: Path | None = None,
    output_dir: Path | None = None,
    quiet: bool = False,
    extra_settings: dict[str, object] | None = None,
    force: bool = False,
    update: bool = True,
) -> BuildResult:
    """Build with Pelican into a staging folder, then swap it in; the old output stays on any failure.

    Every build keeps a record of what it wrote (see build_record.py); with update, the output of the last
    build is updated instead where an edit allows: only the files written again are staged, then moved into
    the output one by one.
    With force, an output folder holding files that are not a build of the site is replaced all the same.
    Interrupted (Ctrl-C), it raises KeyboardInterrupt with a line saying what became of the output.
    """
    started = time.perf_counter()
    try:
        settings = _read_settings(settings_file, content_dir, output_dir, extra_settings)
        output = Path(settings["OUTPUT_PATH"]).resolve()
        check_output(output, settings, settings_file, force)
    except BuildRefused as refusal:
        print(printable(str(refusal)), file=sys.stderr)
        return BuildResult(False)
    placed = False  # whether the output holds the new build
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        for stale in remove_stale_scratch(output):
            print(f"Removed {_shown(stale)}, left by an interrupted build.")
        with scratch_folder(output, "build") as staging:
            staging.chmod(0o755)  # mkdtemp makes it private; a web server must read the site
            recording = {"FACTSHEETS_BUILD_OUTPUT": str(output), "FACTSHEETS_UPDATE": update and not force}
            with _generators_made() as generators:
                if not _run_pelican({**settings, **recording}, staging):
                    return BuildResult(False)
            (staging / BUILD_STAMP).write_text(STAMP_TEXT, encoding="utf-8")
            factsheets = next((made for made in generators if getattr(made, "build_record", None)), None)
            retained = settings.get("OUTPUT_RETENTION", [])
            updated = None
            with _interrupts_held() as interrupted:
                if factsheets is not None and factsheets.update is not None:
                    note = None
                    record = factsheets.build_record
                    updated = update_folder(staging, output, record.files, factsheets.kept_files, retained)
                    files = updated.files
                else:
                    _carry_over(output, staging, retained)
                    files = output_files(staging, leave_out=retained)
                    note = replace_folder(staging, output, keep=retained)
                    if note:  # its files moved in one by one: each has a new change time
                        files = output_files(output, leave_out=retained)
                placed = True
                if factsheets is not None:  # what the output now holds, for the next build
                    factsheets.build_record.files = files
                    factsheets.build_records.write(output, factsheets.build_record)
    except OSError as error:  # a full disk, a folder one may not write: the old output is as it was
        became = "holds the new build" if placed else "left as it was"
        print(f"build failed: {_shown(output)} {became}: {error}", file=sys.stderr)
        return BuildResult(False)
    except KeyboardInterrupt:
        became = "holds the new build" if placed else "left as it was"
        raise KeyboardInterrupt(f"interrupted; {_shown(output)} {became}") from None
    if note:
        print(note)
    pages = pages_among(files)  # the output's files, listed once: not walked again
    result = BuildResult(True, pages, time.perf_counter() - started, output, tuple(generators), updated)
    if not quiet and updated is not None:
        written = pages_among(updated.written)
        files = f"{written} of {pages} pages and {len(updated.written) - written} other files"
        removed = f", removed {len(updated.removed)} files" if updated.removed else ""
        print(f"Updated {output}: wrote {files} again{removed} in {result.seconds:.2f} s.")
    elif not quiet:
        print(f"Wrote {pages} pages to {output} in {result.seconds:.2f} s.")
    if interrupted:
        raise KeyboardInterrupt(f"interrupted; {_shown(output)} holds the new build")
    return result


def page_count(output: Path) -> int:
    """The pages of a built site: its HTML files."""
    return sum(1 for _ in output.rglob("*.html"))


def pages_among(names: Iterable[str]) -> int:
    """How many of these file names are pages: HTML files."""
    return sum(name.endswith(".html") for name in names)


def _read_settings(settings_file, content_dir, output_dir, extra_settings) -> dict:
    override: dict[str, object] = {"FACTSHEETS_SETTINGS_FILE": str(Path(settings_file).resolve())}
    override.update(extra_settings or {})
    if content_dir is not None:
        override["PATH"] = str(content_dir.resolve())
    if output_dir is not None:
        override["OUTPUT_PATH"] = str(output_dir.resolve())
    if not Path(settings_file).is_file():
        raise BuildRefused(f"{settings_file}: settings file not found")
    if Path(settings_file).suffix != ".py":
        raise BuildRefused(f"{settings_file}: not a settings file (a Python file such as pelicanconf.py)")
    if content_dir is not None and not content_dir.is_dir():
        raise BuildRefused(f"{content_dir}: content folder not found")
    try:
        return read_settings(str(settings_file), override=override)
    except Exception as error:  # Pelican's own refusals (no content folder), or a settings file that is not Python
        raise BuildRefused(f"{settings_file}: the settings cannot be used: {error}") from None


@contextlib.contextmanager
def _generators_made() -> Iterator[list[Generator]]:
    """The generators Pelican makes for a build run inside the block (it keeps none once it has run)."""
    made: list[Generator] = []

    def keep(generators: list[Generator]) -> None:
        made.extend(generators)

    signals.all_generators_finalized.connect(keep)
    try:
        yield made
    finally:
        signals.all_generators_finalized.disconnect(keep)


def _run_pelican(settings: dict, staging: Path) -> bool:
    """Pelican's whole build into staging; False, with the reason printed, when it stops for a reason an editor
    can act on (see _reported_failure). Anything else is a fault of the plugin: raised, with its traceback."""
    settings = {**settings, "OUTPUT_PATH": str(staging), "DELETE_OUTPUT_DIRECTORY": False}
    try:
        with _pelican_errors_fatal():
            Pelican(settings).run()
    except Abort as abort:  # the content's problems, a wrong setting
        print(abort.message, file=sys.stderr)
        return False
    except Exception as error:
        if not _reported_failure(error):
            raise
        print(printable(f"build failed: {type(error).__name__}: {error}"), file=sys.stderr)
        return False
    return True


def _reported_failure(error: Exception) -> bool:
    """Whether a build's error is one to report in a line rather than a fault of the plugin: an error in a
    template, a page-writing process that has printed its own traceback, or an error Pelican logged (with
    errors fatal, Pelican's logger raises a RuntimeError from pelican/log.py once it has logged one)."""
    if isinstance(error, TemplateError | WorkerFailed):
        return True
    frames = traceback.extract_tb(error.__traceback__)
    return isinstance(error, RuntimeError) and bool(frames) and frames[-1].filename == pelican_log.__file__


BUILD_HINT = "choose an empty or new folder, or replace what it holds with `factsheets build --force`"


def check_output(
    output: Path, settings: dict, settings_file: Path, force: bool = False, hint: str = BUILD_HINT
) -> None:
    """Raise OutputRefused unless a build may replace output: a folder that is not, and does not hold,
    the project (never, even with force), and is new, empty, holds only retained names, is an earlier
    build of the site, or is forced. hint ends the message on a folder that is not a build."""
    shown = _shown(output)
    if output.exists() and not output.is_dir():
        raise OutputRefused(f"{shown.rstrip('/')}: not a folder; the output must be a folder (left as it is)")
    folders = _project_folders(settings, settings_file)
    clashes = [("is", what, folder) for what, folder in folders if output == folder]
    clashes += [("contains", what, folder) for what, folder in folders if output in folder.parents]
    if clashes:
        verb, what, folder = clashes[0]
        raise OutputRefused(f"{shown} {verb} {what} ({folder}): a build would delete it; choose another output")
    retained = set(settings.get("OUTPUT_RETENTION", []))
    links = sorted(name for name in retained if (output / name).is_symlink())
    if links:
        target = os.path.realpath(output / links[0])
        raise OutputRefused(
            f"{shown}{links[0]} is a link (to {target}): a build carries over only what the output itself "
            "holds; put the file itself in its place"
        )
    if force or not output.is_dir() or (output / BUILD_STAMP).is_file():
        return
    others = sorted(entry.name for entry in output.iterdir() if entry.name not in retained)
    if others:
        raise OutputRefused(
            f"{shown} is not a build of this site (no {BUILD_STAMP} in it) and holds {others[0]!r}"
            f"{f' and {len(others) - 1} more' if len(others) > 1 else ''}: {hint}"
        )


def check_output_folder(
    settings_file: Path, content_dir: Path | None, output_dir: Path | None, extra_settings: dict | None = None
) -> None:
    """check_output for the folder a build with these arguments would write (the preview's first check)."""
    settings = _read_settings(settings_file, content_dir, output_dir, extra_settings)
    check_output(Path(settings["OUTPUT_PATH"]).resolve(), settings, settings_file)


def _project_folders(settings: dict, settings_file: Path) -> list[tuple[str, Path]]:
    """The folders no output may be or hold, with what they are."""
    folders = [
        ("the project folder (the settings file's)", Path(settings_file).resolve().parent),
        ("the content folder", settings["PATH"]),
        ("the theme", settings["THEME"]),
        *(("a plugins folder", folder) for folder in settings.get("PLUGIN_PATHS", [])),
        ("the current folder", Path.cwd()),
    ]
    with contextlib.suppress(RuntimeError):  # no home folder known
        folders.append(("your home folder", Path.home()))
    return [(what, Path(folder).resolve()) for what, folder in folders]


def clean_output(settings_file: Path, output_dir: Path | None = None) -> bool:
    """Remove the caches, the output folder if it is a build of the site (the retained names stay), and the
    folders interrupted builds left beside it; say what was removed. False, with the reason printed, when
    the output is not a build of the site."""
    try:
        settings = _read_settings(settings_file, None, output_dir, None)
    except BuildRefused as refusal:
        print(printable(str(refusal)), file=sys.stderr)
        return False
    cache_root = configured_cache_root(settings)
    if cache_root and clear_cache(cache_root):
        print(f"Removed the caches in {cache_root}")
    output = Path(settings["OUTPUT_PATH"]).resolve()
    shown = _shown(output)
    try:
        check_output(output, settings, settings_file, hint="left as it is")
    except OutputRefused as refusal:
        print(printable(str(refusal)), file=sys.stderr)
        return False
    for stale in remove_stale_scratch(output) if output.parent.is_dir() else []:
        print(f"Removed {_shown(stale)}, left by an interrupted build.")
    if not output.exists():
        print(f"{shown} does not exist: nothing to remove")
        return True
    if not (output / BUILD_STAMP).is_file():  # empty, or holding retained names only
        print(f"{shown} is not a build of the site and holds nothing a build would remove: left as it is")
        return True
    retained = settings.get("OUTPUT_RETENTION", [])
    removed = [entry for entry in sorted(output.iterdir()) if entry.name not in retained]
    files = sum(_files_in(entry) for entry in removed)
    for entry in removed:  # the stamp last: a clean stopped half-way leaves a folder still known as a build
        if entry.name != BUILD_STAMP:
            _remove(entry)
    (output / BUILD_STAMP).unlink()
    kept = [name for name in retained if os.path.lexists(output / name)]
    if not kept:
        with contextlib.suppress(OSError):  # a mount point stays, empty
            output.rmdir()
    removed_what = f"the contents of {shown}" if output.exists() and not kept else shown  # a mount point stays
    print(f"Removed {removed_what} ({files} files)" + (f"; kept {', '.join(kept)}" if kept else ""))
    return True


@contextlib.contextmanager
def _pelican_errors_fatal() -> Iterator[None]:
    """While Pelican runs, its errors stop the build (as with --fatal errors) and its chatter stays quiet.

    Pelican makes every logger of the process raise on an error once fatal is set; the preview server
    runs builds in its own process, where an error logged by tornado (a request it cannot answer) must
    not end the server: the setting is put back when the build ends.
    """
    fatal_level = FatalLogger.fatal_lvl
    init_logging(level=logging.WARNING, fatal="errors")
    console.quiet = True
    try:
        yield
    finally:
        FatalLogger.fatal_lvl = fatal_level


def _carry_over(old_output: Path, new_output: Path, retained_names: list[str]) -> None:
    for name in retained_names:
        kept = old_output / name
        if kept.is_dir():
            shutil.copytree(kept, new_output / name, symlinks=True, dirs_exist_ok=True)
        elif kept.exists():
            shutil.copy2(kept, new_output / name)


RENAME_EXCHANGE = 2
AT_FDCWD = -100


def replace_folder(new: Path, target: Path, keep: Collection[str] = ()) -> str | None:
    """Put the folder new in target's place and delete the old target.

    On Linux the two folders trade places in one step (renameat2 with RENAME_EXCHANGE), so a server
    reading target never finds it missing; elsewhere the old folder is moved aside first, which
    leaves a moment without it. A folder that cannot be moved (a mount point) keeps its place: its
    entries are replaced instead, all but the names in keep, and a line saying so is returned.
    """
    if not target.exists():
        new.rename(target)
        return None
    try:
        if _exchange(new, target):
            shutil.rmtree(new, ignore_errors=True)  # it holds the old folder now
        else:
            _replace_by_renames(new, target)
        return None
    except OSError as error:
        if error.errno not in CANNOT_MOVE:
            raise
        _replace_contents(new, target, keep)
        why = "is a mount point" if os.path.ismount(target) else f"cannot be moved ({os.strerror(error.errno)})"
        return f"{_shown(target)} {why}: replaced its contents"


def _replace_by_renames(new: Path, target: Path) -> None:
    retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{os.getpid()}-", dir=target.parent))
    try:
        os.rename(target, retired / target.name)
    except OSError:
        retired.rmdir()
        raise
    try:
        os.rename(new, target)
    except OSError:
        os.rename(retired / target.name, target)  # the old folder back where it was
        retired.rmdir()
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _replace_contents(new: Path, target: Path, keep: Collection[str]) -> None:
    """Replace target's entries with new's, all but the names in keep, which stay as they are.

    The old entries are first moved into a hidden folder inside target (the same file system), then
    new's are moved in (copied when target is on another file system), the stamp last; on any failure
    or interrupt, what was moved in is removed and the old entries are moved back.
    """
    aside = Path(tempfile.mkdtemp(prefix=f"{ASIDE_PREFIX}{os.getpid()}-", dir=target))
    moved_aside: list[str] = []
    moved_in: list[str] = []
    try:
        for entry in sorted(target.iterdir()):
            if entry != aside and entry.name not in keep and entry.name != BUILD_STAMP:
                moved_aside.append(entry.name)
                os.rename(entry, aside / entry.name)
        entries = sorted(new.iterdir(), key=lambda entry: entry.name == BUILD_STAMP)
        for entry in entries:
            if entry.name in keep and os.path.lexists(target / entry.name):
                continue  # target's own stays
            if entry.name != BUILD_STAMP:
                moved_in.append(entry.name)
            shutil.move(entry, target / entry.name)
    except BaseException:
        for name in moved_in:
            _remove(target / name)
        for name in moved_aside:
            os.rename(aside / name, target / name)
        aside.rmdir()
        raise
    shutil.rmtree(aside, ignore_errors=True)
    shutil.rmtree(new, ignore_errors=True)


def _files_in(entry: Path) -> int:
    """How many files removing entry removes: a link counts as one, and is not followed."""
    if entry.is_symlink() or not entry.is_dir():
        return 1
    return sum(
        len(files) + sum(os.path.islink(os.path.join(folder, name)) for name in folders)
        for folder, folders, files in os.walk(entry)
    )


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where the system or the file system cannot, OSError on other failures."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    failure = ctypes.get_errno()
    if failure in (errno.ENOSYS, errno.EINVAL):  # no renameat2, or a file system without the exchange
        return False
    raise OSError(failure, os.strerror(failure), str(second))


@contextlib.contextmanager
def scratch_folder(beside: Path, kind: str) -> Iterator[Path]:
    """A new folder beside the folder `beside`, named after its output, this process and kind, locked
    while in use (forked workers hold the lock too) and removed after."""
    name = _output_name(beside)
    folder = Path(tempfile.mkdtemp(prefix=f".{name}.{kind}-{os.getpid()}-", dir=beside.parent))
    lock = _lock(folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if lock is not None:
            os.close(lock)


def _output_name(folder: Path) -> str:
    """The name of the output a folder stands for: its own, or for a build's staging folder, the output's."""
    match = SCRATCH_NAME.fullmatch(folder.name)
    return match["output"] if match and match["kind"] == "build" else folder.name


def remove_stale_scratch(output: Path) -> list[Path]:
    """Remove the folders that builds of this output left beside it when they were stopped: only names
    this tool gives (SCRATCH_NAME, for this output's name), of a process that has ended, that no process
    holds locked. The old output a stopped swap left is removed only when the output is in place."""
    removed = []
    for folder in sorted(output.parent.iterdir()):
        match = SCRATCH_NAME.fullmatch(folder.name)
        if not match or match["output"] != output.name or folder.is_symlink() or not folder.is_dir():
            continue
        if (match["kind"] == "old" and not output.is_dir()) or _process_alive(int(match["pid"])):
            continue
        lock = _lock(folder)
        if lock is None:
            continue
        try:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(lock)
        removed.append(folder)
    return removed


def _lock(folder: Path) -> int | None:
    """An open descriptor of folder holding an exclusive lock on it; None if another process holds one
    (or the file system cannot lock)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        return None
    return descriptor


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # none has that pid
        return False
    except PermissionError:  # another user's
        return True
    return True


@contextlib.contextmanager
def _interrupts_held() -> Iterator[list[int]]:
    """Ctrl-C waits until the block has run (the swap: a half-replaced output would be worse); the list
    yielded holds the signal if one came. Only in the main thread, where Python handles signals."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:  # ignored, or handled by someone else: left alone
        yield received
        return
    signal.signal(signal.SIGINT, lambda number, frame: received.append(number))
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)


def _shown(path: Path) -> str:
    """A folder as the user would name it: relative to the current folder when inside it, with a slash."""
    try:
        name = str(path.relative_to(Path.cwd()))
    except ValueError:
        name = str(path)
    return f"{name.rstrip('/')}/"


FileStamp = tuple[int, int, int]
"""A file of the output as the build record knows it: its size, modification time and change time (ns). The
change time is the kernel's: every write, and every setting of the modification time (`touch -r`), moves it to
now, so a file edited in place with its size and modification time put back is still seen as changed."""


def file_stamp(status: os.stat_result) -> FileStamp:
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns)


NOT_A_FILE = (-1, -1, -1)
"""output_files' entry for a link or anything else that is not a regular file: no build writes one."""


def output_files(output: Path, leave_out: Collection[str] = ()) -> dict[str, FileStamp]:
    """Every file in output, but the names left out at its top, with its stamp (FileStamp); a link
    (to a file or a folder, never followed) or any other entry that is not a regular file as NOT_A_FILE. A
    folder that cannot be listed is passed over, as os.walk does."""
    files: dict[str, FileStamp] = {}

    def walk(folder: str, prefix: str) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if not prefix and entry.name in leave_out:
                continue
            name = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                walk(entry.path, name + os.sep)
                continue
            status = entry.stat(follow_symlinks=False)
            files[name] = file_stamp(status) if stat.S_ISREG(status.st_mode) else NOT_A_FILE

    walk(str(output), "")
    return files


@dataclass(frozen=True)
class FolderUpdate:
    """What update_folder did."""

    files: dict[str, FileStamp]
    """The files of the folder now, with their stamps."""
    written: list[str]
    removed: list[str]


def update_folder(
    new: Path, target: Path, files: dict[str, FileStamp], kept: Collection[str], retained: Collection[str] = ()
) -> FolderUpdate:
    """Move every file of new into target, each in the place of the file of the same name at once (a reader
    never finds a page missing or half written) unless that file holds the same bytes already, and remove
    target's other files that `files` lists (those a build made) unless they are kept; the retained names
    (OUTPUT_RETENTION) at target's top are left as they are. Returns the names written and removed, and
    target's files as `files` lists them, now.

    The files replaced or removed are first linked (or copied) into a hidden folder inside target (the same
    file system, a mount point too); on any failure or interrupt every one is put back and the files that
    were new are removed, then the error is raised again: target is as it was.
    """
    kept_as_is = set(retained)
    staged = [
        name
        for name in output_files(new)
        if name.split(os.sep, 1)[0] not in kept_as_is and not _same_file(new / name, target / name)
    ]
    removed = sorted(name for name in files if name not in kept and not os.path.lexists(new / name))
    aside = Path(tempfile.mkdtemp(prefix=f"{ASIDE_PREFIX}{os.getpid()}-", dir=target))
    done: list[tuple[str, bool]] = []  # each name handled, and whether target had it
    try:
        for name in [*staged, *removed]:
            had = _keep_aside(target / name, aside / name)
            done.append((name, had))
            if name in staged:
                _move_in(new / name, target / name)
            else:
                (target / name).unlink()
    except BaseException:
        _put_back(target, aside, done, set(staged))
        raise
    finally:
        shutil.rmtree(aside, ignore_errors=True)
    for name in removed:  # the folders the removed files leave empty, as a whole build would not have them
        folder = (target / name).parent
        while folder != target and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    now = {name: stat for name, stat in files.items() if name not in removed}
    for name in staged:
        now[name] = file_stamp(os.lstat(target / name))
    return FolderUpdate(now, staged, removed)


def _put_back(target: Path, aside: Path, done: list[tuple[str, bool]], staged: set[str]) -> None:
    """Undo update_folder's moves, every one that can be undone (a failure to put one back is printed)."""
    for name, had in reversed(done):
        try:
            if had:
                os.replace(aside / name, target / name)
            elif name in staged:
                (target / name).unlink(missing_ok=True)
        except OSError as error:
            print(f"could not put back {_shown(target)}{name}: {error}", file=sys.stderr)


def _same_file(first: Path, second: Path) -> bool:
    """Whether two regular files hold the same bytes."""
    try:
        return filecmp.cmp(first, second, shallow=False) and not second.is_symlink()
    except OSError:
        return False


def _keep_aside(path: Path, aside: Path) -> bool:
    """A link to (or else a copy of) the file at path, at aside; False if there is no file at path."""
    if not os.path.lexists(path):
        return False
    aside.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(path, aside, follow_symlinks=False)
    except OSError:
        shutil.copy2(path, aside, follow_symlinks=False)
    return True


def _move_in(staged: Path, target: Path) -> None:
    """Put a staged file in target's place at once, copied beside it first when target is on another file system."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(staged, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        copy = target.with_name(f".{target.name}.build-{os.getpid()}")
        try:
            shutil.copy2(staged, copy)
            os.replace(copy, target)
        finally:
            copy.unlink(missing_ok=True)
