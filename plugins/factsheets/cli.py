"""The `factsheets` command: check the content without rendering it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .pipeline import DEFAULT_FACTSHEETS_FOLDER, read_site
from .problems import ContentError
from .reference import format_reference, update_readme


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="factsheets", description="Check YAML fact sheets.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate all fact sheets without rendering; exit 1 on any problem")
    check.add_argument("content_dir", nargs="?", default="content", type=Path)
    check.add_argument("--folder", default=DEFAULT_FACTSHEETS_FOLDER, help="fact-sheet folder inside content_dir")
    reference = commands.add_parser("reference", help="print the fact-sheet format reference (Markdown)")
    reference.add_argument("--update", type=Path, metavar="README", help="rewrite the reference section of this file")
    arguments = parser.parse_args(argv)
    if arguments.command == "reference":
        if arguments.update:
            update_readme(arguments.update)
        else:
            print(format_reference(), end="")
        return 0

    try:
        site = read_site(arguments.content_dir, arguments.folder)
    except ContentError as error:
        print(error, file=sys.stderr)
        return 1
    print(
        f"{arguments.content_dir}: {len(site.claims)} claims, {len(site.events)} events, "
        f"{len(site.actors)} actors, {len(site.sources)} sources, {len(site.quotes)} quotes checked: no problems."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
