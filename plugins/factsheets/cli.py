"""The `factsheets` command: check, build, preview or clean the site, start a new record, or print the format
or settings reference."""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from .cache import user_cache_root
from .dates import build_today
from .exports import factsheet_schema
from .load import display_path
from .pipeline import DEFAULT_FACTSHEETS_FOLDER, read_site
from .problems import ContentError, printable
from .reference import format_reference, settings_reference, update_readme
from .review_dates import due_report
from .scaffold import KINDS, ScaffoldRefused, add_record
from .settings import SettingsError
from .workers import default_workers


def _interrupts_end_quietly(main: Callable[[list[str] | None], int]) -> Callable[[list[str] | None], int]:
    """Ctrl-C ends a command with one line (what became of the output, when there is one) and exit
    status 130, without a traceback, from this process or from the workers it forks."""

    @functools.wraps(main)
    def run(argv: list[str] | None = None) -> int:
        _forked_workers_end_quietly()
        try:
            return main(argv)
        except KeyboardInterrupt as interrupt:
            print(str(interrupt) or "interrupted", file=sys.stderr)
            return 130

    return run


@functools.cache
def _forked_workers_end_quietly() -> None:
    """Page and file workers forked from this process end at once on Ctrl-C (exit 130), instead of each
    printing a traceback: the terminal sends SIGINT to them all, and this process reports it."""

    def in_child() -> None:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, lambda number, frame: os._exit(130))

    os.register_at_fork(after_in_child=in_child)


def _parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """The arguments, with the content folder also taken after options: argparse gives an optional
    positional its default once an option follows the first one (`archive page.html --id x content`)."""
    arguments, extra = parser.parse_known_args(argv)
    given = getattr(arguments, "content_dir", None)
    if len(extra) == 1 and not extra[0].startswith("-") and given in (None, Path("content")):
        arguments.content_dir = Path(extra[0])
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return arguments


def _port(text: str) -> int:
    port = int(text) if text.isdigit() else -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 1 to 65535")
    return port


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 3600")
    return seconds


def _archive_command(arguments: argparse.Namespace) -> int:
    """`factsheets archive`, `accept` and `quote`: one line on failure (exit 1, nothing written), no traceback."""
    from .archive import ArchiveRefused, accept, archive, find_quote

    try:
        if arguments.command == "archive":
            archived = archive(
                arguments.what,
                arguments.content_dir,
                arguments.folder,
                arguments.source_id,
                arguments.timeout,
                allow_private=arguments.allow_private,
            )
            todo = ", ".join(archived.placeholders)
            print(printable(f"{display_path(archived.text_path)}: the archived text"))
            print(printable(f"{display_path(archived.original_path)}: the original as retrieved"))
            print(printable(f"{archived.record}: added the source '{archived.source_id}': replace its TODOs ({todo})"))
        elif arguments.command == "accept":
            accepted = accept(arguments.source_id, arguments.change, arguments.content_dir, arguments.folder)
            if accepted is None:
                print(f"source '{arguments.source_id}': the SHA-256s recorded are those of its files: nothing to do")
            else:
                logged = ", and a line in its changelog" if accepted.changelog else ""
                fields = " and ".join(accepted.fields)
                print(printable(f"{display_path(accepted.path)}:{accepted.line}: recorded {fields}{logged}"))
        else:
            found = find_quote(arguments.source_id, arguments.words, arguments.content_dir, arguments.folder)
            print(printable(f"{display_path(found.path)}:{found.line}: {found.likeness:.0%} alike; paste:"))
            print(printable(found.yaml_line))
    except ArchiveRefused as refusal:
        print(printable(f"factsheets {arguments.command}: {refusal}"), file=sys.stderr)
        return 1
    return 0


def _check_arguments(commands) -> None:
    check = commands.add_parser("check", help="validate all fact sheets without rendering; exit 1 on any problem")
    check.add_argument("content_dir", nargs="?", default="content", type=Path)
    check.add_argument("--folder", default=DEFAULT_FACTSHEETS_FOLDER, help="fact-sheet folder inside content_dir")
    check.add_argument(
        "--cache-dir", type=Path, help=f"where validated files are cached (default: {user_cache_root()})"
    )
    check.add_argument("--no-cache", action="store_true", help="read and validate every file again")


def _iso_date(text: str) -> datetime.date:
    try:
        if len(text) == 10:
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a date: give it as YYYY-MM-DD")


def _due_arguments(commands) -> None:
    due = commands.add_parser(
        "due", help="list the claims due for review (their review_by has passed), oldest first, for the desk"
    )
    due.add_argument("content_dir", nargs="?", default="content", type=Path)
    due.add_argument("--folder", default=DEFAULT_FACTSHEETS_FOLDER, help="fact-sheet folder inside content_dir")
    due.add_argument("--today", type=_iso_date, help="the day to list them for, YYYY-MM-DD (default: today, UTC)")


def _build_arguments(commands) -> None:
    build = commands.add_parser("build", help="build the site; the old output stays as it was if anything fails")
    build.add_argument("-s", "--settings", type=Path, default=Path("pelicanconf.py"), help="Pelican settings file")
    build.add_argument("-o", "--output", type=Path, help="output folder (default: the settings' OUTPUT_PATH)")
    build.add_argument("content_dir", nargs="?", type=Path, help="content folder (default: the settings' PATH)")
    build.add_argument(
        "--force", action="store_true", help="replace an output folder that holds files other than a build of the site"
    )
    build.add_argument(
        "--whole",
        action="store_true",
        help="build the whole site, even where an update of the last build would do (see build_record.py)",
    )


def _serve_arguments(commands) -> None:
    serve = commands.add_parser("serve", help="build, serve and rebuild on every change, reloading the browser")
    serve.add_argument("-s", "--settings", type=Path, default=Path("pelicanconf.py"), help="Pelican settings file")
    serve.add_argument(
        "-o", "--output", type=Path, help="the preview's folder (default: .preview beside the settings file)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument("content_dir", nargs="?", type=Path, help="content folder (default: the settings' PATH)")


def _new_arguments(commands) -> None:
    new = commands.add_parser("new", help="add a record to start from, every field explained, to a fact-sheet file")
    new.add_argument("kind", choices=list(KINDS), help="what to add")
    new.add_argument("id", help="the new record's id: lowercase letters, digits and single hyphens")
    new.add_argument("content_dir", nargs="?", default="content", type=Path)
    new.add_argument("--folder", default=DEFAULT_FACTSHEETS_FOLDER, help="fact-sheet folder inside content_dir")
    new.add_argument("--file", type=Path, help="the fact-sheet file to add it to (default: FOLDER/<kind>s.yaml)")


def _archive_arguments(commands) -> None:
    archive = commands.add_parser(
        "archive", help="archive a web page, PDF or saved file as a new source: its text, original and record"
    )
    archive.add_argument("what", metavar="URL|FILE", help="an http(s) address, or a saved .html, .pdf or .txt file")
    archive.add_argument("content_dir", nargs="?", default="content", type=Path)
    archive.add_argument("--id", dest="source_id", help="the new source's id (default: site and date, or file name)")
    archive.add_argument("--folder", default=DEFAULT_FACTSHEETS_FOLDER, help="fact-sheet folder inside content_dir")
    archive.add_argument(
        "--timeout",
        type=_seconds,
        default=30.0,
        help="seconds the whole download may take, redirects included (default: 30)",
    )
    archive.add_argument(
        "--allow-private",
        action="store_true",
        help="also fetch from internal addresses (this machine, a private network, link-local): refused by default",
    )


def _accept_arguments(commands) -> None:
    accept = commands.add_parser(
        "accept", help="record the SHA-256s of a source's archive after an intended correction (or for the first time)"
    )
    accept.add_argument("source_id", metavar="SOURCE", help="the source's id")
    accept.add_argument("content_dir", nargs="?", default="content", type=Path)
    accept.add_argument("--change", help="what was corrected: added to the source's changelog (needed for a change)")
    accept.add_argument("--folder", default=DEFAULT_FACTSHEETS_FOLDER, help="fact-sheet folder inside content_dir")


def _quote_arguments(commands) -> None:
    quote = commands.add_parser(
        "quote", help="find the exact words of a source that loosely retyped words stand for, ready to paste"
    )
    quote.add_argument("source_id", metavar="SOURCE", help="the source's id")
    quote.add_argument("words", help="the words as you have them (other quotation marks, dashes or a word may differ)")
    quote.add_argument("content_dir", nargs="?", default="content", type=Path)
    quote.add_argument("--folder", default=DEFAULT_FACTSHEETS_FOLDER, help="fact-sheet folder inside content_dir")


def _clean_arguments(commands) -> None:
    clean = commands.add_parser("clean", help="remove the output folder if it is a build of the site")
    clean.add_argument("-s", "--settings", type=Path, default=Path("pelicanconf.py"), help="Pelican settings file")
    clean.add_argument("-o", "--output", type=Path, help="output folder (default: the settings' OUTPUT_PATH)")


def _reference_arguments(commands) -> None:
    reference = commands.add_parser("reference", help="print the fact-sheet format reference (Markdown)")
    reference.add_argument(
        "--update", type=Path, metavar="README", help="rewrite the format reference and settings table of this file"
    )
    reference.add_argument("--settings", action="store_true", help="print the table of the plugin's settings instead")


def _schema_arguments(commands) -> None:
    commands.add_parser("schema", help="print the JSON Schema of a fact-sheet file")


def _parser() -> argparse.ArgumentParser:
    """The command line: each sub-command's arguments, in the order `factsheets --help` lists them."""
    parser = argparse.ArgumentParser(prog="factsheets", description="Check and build YAML fact-sheet sites.")
    commands = parser.add_subparsers(dest="command", required=True)
    for add_arguments in (
        _check_arguments,
        _due_arguments,
        _build_arguments,
        _serve_arguments,
        _new_arguments,
        _archive_arguments,
        _accept_arguments,
        _quote_arguments,
        _clean_arguments,
        _reference_arguments,
        _schema_arguments,
    ):
        add_arguments(commands)
    return parser


def _check(arguments: argparse.Namespace) -> int:
    """`factsheets check`: every problem of the content, or a count of what was checked."""
    try:
        cache_dir = None if arguments.no_cache else (arguments.cache_dir or user_cache_root()).absolute()
        site = read_site(arguments.content_dir, arguments.folder, cache_dir, workers=default_workers())
    except ContentError as error:
        print(error, file=sys.stderr)
        return 1
    if site.warnings:
        print(ContentError(site.warnings), file=sys.stderr)
    found = f"{len(site.warnings)} warning{'s' if len(site.warnings) != 1 else ''}" if site.warnings else "no problems"
    print(
        f"{arguments.content_dir}: {len(site.claims)} claims, {len(site.events)} events, "
        f"{len(site.actors)} actors, {len(site.sources)} sources, {len(site.quotes)} quotes checked: {found}."
    )
    return 0


def _due(arguments: argparse.Namespace) -> int:
    """`factsheets due`: the claims due for review, oldest first, and a count (exit 0); the content's problems
    instead when it does not pass the check (exit 1)."""
    try:
        cache_dir = user_cache_root().absolute()
        site = read_site(arguments.content_dir, arguments.folder, cache_dir, workers=default_workers())
    except ContentError as error:
        print(error, file=sys.stderr)
        return 1
    print("\n".join(due_report(site.claims, build_today(arguments.today))))
    return 0


def _build(arguments: argparse.Namespace) -> int:
    from .build import build_site  # here: `factsheets check` need not import Pelican (0.2 s)

    built = build_site(
        arguments.settings, arguments.content_dir, arguments.output, force=arguments.force, update=not arguments.whole
    )
    return 0 if built.ok else 1


def _serve(arguments: argparse.Namespace) -> int:
    from .build import BuildRefused
    from .serve import serve as serve_site  # here: the build subprocess need not import tornado (0.1 s)

    try:
        serve_site(arguments.settings, arguments.content_dir, arguments.output, arguments.host, arguments.port)
    except BuildRefused as refusal:
        print(printable(str(refusal)), file=sys.stderr)
        return 1
    except OSError as error:  # the port is taken, the address is not this machine's
        print(f"cannot serve on {arguments.host}:{arguments.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    print("interrupted; stopped serving", file=sys.stderr)  # the server returns only on Ctrl-C
    return 130


def _clean(arguments: argparse.Namespace) -> int:
    from .build import clean_output

    try:
        return 0 if clean_output(arguments.settings, arguments.output) else 1
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 1


def _new(arguments: argparse.Namespace) -> int:
    try:
        added = add_record(arguments.kind, arguments.id, arguments.content_dir, arguments.folder, arguments.file)
    except ScaffoldRefused as refusal:
        print(f"factsheets new: {refusal}", file=sys.stderr)
        return 1
    print(f"{added}: added the {arguments.kind} '{arguments.id}': replace its TODOs, then run make check")
    return 0


def _reference(arguments: argparse.Namespace) -> int:
    if arguments.update:
        update_readme(arguments.update)
    else:
        print(settings_reference() if arguments.settings else format_reference(), end="")
    return 0


def _schema(arguments: argparse.Namespace) -> int:
    print(json.dumps(factsheet_schema(), ensure_ascii=False, indent=2))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "check": _check,
    "due": _due,
    "build": _build,
    "serve": _serve,
    "new": _new,
    "archive": _archive_command,
    "accept": _archive_command,
    "quote": _archive_command,
    "clean": _clean,
    "reference": _reference,
    "schema": _schema,
}
"""Each sub-command's function, as MkDocs' __main__ has one per command: it returns the exit status."""


@_interrupts_end_quietly
def main(argv: list[str] | None = None) -> int:
    arguments = _parse(_parser(), argv)
    return COMMANDS[arguments.command](arguments)


if __name__ == "__main__":
    sys.exit(main())
