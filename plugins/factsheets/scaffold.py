"""`factsheets new`: a record to start from, written from the models into a fact-sheet file.

The record holds every required field with the placeholder TODO, which the check refuses wherever it
is left, and every optional field commented out (with its default where it has one); each field sits
under a comment with its meaning and type, all read from models.py. The record is added to the file as
text, never by dumping YAML again: the file's comments and layout stay as they were, and everything
before the new record keeps its bytes.
"""

from __future__ import annotations

import os
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from . import models
from .load import FACTSHEET_SUFFIXES, display_path, find_factsheet_files, ids_in_unreadable_file, load_file
from .problems import FieldPath, Problem
from .reference import type_text
from .validate import RECORD_LISTS

KINDS: dict[str, str] = {name.removesuffix("s"): name for name in RECORD_LISTS}
"""Each kind of record `factsheets new` makes, and the list it goes into: {"claim": "claims", ...}."""
SCHEMA_FILE = Path("schema") / "factsheet.schema.json"
SCHEMA_HEADER = "# yaml-language-server: $schema="
INDENT = "  "


class ScaffoldRefused(Exception):
    """The record cannot be added as asked: the message says why. Nothing was written."""


@dataclass(frozen=True)
class Added:
    """Where the new record was written: the file and the line of its `- id:`."""

    path: Path
    line: int

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}"


def record_lines(kind: str, record_id: str) -> list[str]:
    """The new record as a list item of its kind, without indentation: comments, `- id: ...`, the fields."""
    model = RECORD_LISTS[KINDS[kind]]
    doc = _doc(model)
    lines = [f"# A new {kind}: {doc[:1].lower()}{doc[1:]}"]
    lines.append(
        f"# Replace every {models.PLACEHOLDER}; the fields commented out are optional: uncomment those you need."
    )
    return lines + _list_item(model, {"id": record_id})


def add_record(kind: str, record_id: str, content_dir: Path, folder: str, file: Path | None = None) -> Added:
    """Add a new record of kind with record_id to file (default: <content_dir>/<folder>/<kind>s.yaml),
    creating the file, with the schema header its neighbours carry, if need be. ScaffoldRefused, and nothing
    written, for an unsafe id or one already used (in any fact-sheet file), or a file the build would not read."""
    planned = plan_record(KINDS[kind], record_id, record_lines(kind, record_id), content_dir, folder, file)
    return planned.write()


@dataclass(frozen=True)
class PlannedRecord:
    """A fact-sheet file's new bytes, with one record added, checked but not yet written."""

    path: Path
    new_bytes: bytes
    line: int

    def write(self) -> Added:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_bytes(self.new_bytes)
        return Added(self.path, self.line)


def plan_record(
    list_name: str, record_id: str, lines: list[str], content_dir: Path, folder: str, file: Path | None = None
) -> PlannedRecord:
    """The file (default: <content_dir>/<folder>/<list_name>.yaml) with the record's lines (a list item, not
    indented) added to its list as text, checked to add that record and change nothing else. ScaffoldRefused
    for an unsafe id or one already used (in any fact-sheet file), a folder outside content_dir (folder_inside),
    or a file the build would not read."""
    try:
        models.check_slug(record_id)
    except ValueError as error:
        raise ScaffoldRefused(f"{record_id!r}: {error}") from None
    if not content_dir.is_dir():
        raise ScaffoldRefused(f"{display_path(content_dir)}: content folder not found")
    factsheet_folder = folder_inside(content_dir, folder)
    target = file if file is not None else factsheet_folder / f"{list_name}.yaml"
    if target.suffix not in FACTSHEET_SUFFIXES or not lies_in(target, factsheet_folder):
        raise ScaffoldRefused(
            f"{display_path(target)}: not a fact-sheet file the build reads: "
            f"choose a .yaml file under {display_path(factsheet_folder)}/"
        )
    used = _used_ids(factsheet_folder, content_dir).get(record_id)
    if used is not None:
        raise ScaffoldRefused(f"id {record_id!r} is already used by the {used}: ids are unique across all records")
    if target.exists():
        old_bytes = _read(target)
    else:
        header = _schema_header(target, factsheet_folder)
        old_bytes = f"{header}\n".encode() if header else b""
    new_bytes, line = _appended(target, old_bytes, list_name, record_id, lines)
    return PlannedRecord(target, new_bytes, line)


def folder_inside(content_dir: Path, folder: str | Path) -> Path:
    """The fact-sheet folder `folder` names inside content_dir, or ScaffoldRefused when it lies outside it (an
    absolute path, one that climbs out with '..', or a link leading outside): a command that writes records
    there would write outside the content, where no build reads and anything may be overwritten."""
    factsheet_folder = content_dir / folder
    if not lies_in(factsheet_folder, content_dir):
        raise ScaffoldRefused(
            f"{folder}: not a folder inside the content folder {display_path(content_dir)}: "
            "the fact-sheet folder must lie inside it"
        )
    return factsheet_folder


def lies_in(path: Path, folder: Path) -> bool:
    """Whether path, its links followed, lies under folder's: a link leading outside is not written through."""
    folder_path = os.path.realpath(folder)
    return os.path.commonpath([os.path.realpath(path), folder_path]) == folder_path


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ScaffoldRefused(f"{display_path(path)}: cannot be read: {error.strerror or error}") from None


def _id_line(lines: list[str]) -> int:
    """The 1-based line of the record's `- id:` within lines (the first list item not commented out)."""
    return next(number for number, line in enumerate(lines, 1) if line.lstrip().startswith("- "))


# The record's text, from the models.


def _doc(model: type[BaseModel]) -> str:
    return " ".join((model.__doc__ or "").split())


def _list_item(model: type[BaseModel], given: dict[str, str]) -> list[str]:
    """A mapping of model as a list item: its first field after `- `, the comments above it before."""
    lines = _mapping(model, given)
    first = next(index for index, line in enumerate(lines) if not line.startswith("#"))
    return lines[:first] + ["- " + lines[first]] + [INDENT + line for line in lines[first + 1 :]]


def _mapping(model: type[BaseModel], given: dict[str, str] | None = None) -> list[str]:
    """Every field of model under a comment with its meaning and type; optional ones commented out."""
    lines: list[str] = []
    for name, info in model.model_fields.items():
        about, kind = " ".join((info.description or "").split()), _field_type(info)
        lines.append(f"# {about} [{kind}]" if kind else f"# {about}")
        written = _field(name, info, (given or {}).get(name))
        lines += written if info.is_required() else ["# " + line for line in written]
    return lines


def _field(name: str, info: FieldInfo, given: str | None) -> list[str]:
    if given is not None:
        return [f"{name}: {given}"]
    annotation = _unwrap(info.annotation)
    item = _unwrap(typing.get_args(annotation)[0]) if typing.get_origin(annotation) is list else None
    if item is not None:
        nested = _list_item(item, {}) if _is_model(item) else [f"- {models.PLACEHOLDER}"]
        return [f"{name}:", *(INDENT + line for line in nested)]
    if _is_model(annotation):
        return [f"{name}:", *(INDENT + line for line in _mapping(annotation))]
    default = info.get_default(call_default_factory=True)
    if not info.is_required() and default is not None:  # a default is a valid placeholder
        return [f"{name}: {str(default).lower() if isinstance(default, bool) else default}"]
    return [f"{name}: {models.PLACEHOLDER}"]


def _field_type(info: FieldInfo) -> str:
    """What a comment adds to the meaning: the values allowed, a date's or a URL's form, how many at least;
    not "text", "id", a record's name, or values the meaning lists already."""
    text = type_text(info.annotation, info.metadata, plain=True).removeprefix("list of ")
    listed = all(value in (info.description or "") for value in text.split(" | "))
    if text in ("text", "id") or text[:1].isupper() or listed:
        text = ""
    least = next((item.min_length for item in info.metadata if getattr(item, "min_length", None)), None)
    return ", ".join(filter(None, [text, f"at least {least}" if least else ""]))


def _unwrap(annotation: object) -> object:
    """The type inside Optional[...] and Annotated[...]."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [member for member in typing.get_args(annotation) if member is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else annotation
    return annotation


def _is_model(annotation: object) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


# The ids already used, found with the loader.


def _used_ids(factsheet_folder: Path, content_dir: Path) -> dict[str, str]:
    """Every id in the fact-sheet files, with what uses it and where: "actor at content/factsheets/actors.yaml:3"."""
    used: dict[str, str] = {}
    if not factsheet_folder.is_dir():
        return used
    for path in find_factsheet_files(factsheet_folder, within=content_dir):
        problems: list[Problem] = []
        loaded = load_file(path, problems)
        if loaded is None:  # unreadable: the ids it seems to define count all the same
            for record_id in ids_in_unreadable_file(_read_or_none(path)):
                used.setdefault(record_id, f"record in {display_path(path)} (which does not load: {problems[0]})")
            continue
        for list_name in RECORD_LISTS:
            records = loaded.data.get(list_name)
            for record_id, where in _ids_in(records, (list_name,)) if isinstance(records, list) else ():
                line, _ = loaded.position((*where, "id"))
                kind = "figure" if "figures" in where else list_name.removesuffix("s")
                used.setdefault(record_id, f"{kind} at {loaded.path}:{line}")
    return used


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _ids_in(value: object, where: FieldPath) -> Iterator[tuple[str, FieldPath]]:
    """The ids of the records in value (a list of records) and of those nested in them (an event's figures)."""
    if isinstance(value, dict):
        if isinstance(value.get("id"), str):
            yield value["id"], where
        for key, child in value.items():
            yield from _ids_in(child, (*where, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _ids_in(child, (*where, index))


# Adding the text to a file.


def _schema_header(target: Path, factsheet_folder: Path) -> str | None:
    """The yaml-language-server line for a new file: the one the other fact-sheet files carry (those beside it
    first; a relative path made relative to the new file's folder), else one pointing at the nearest
    schema/factsheet.schema.json above the file, else none."""
    others = find_factsheet_files(factsheet_folder) if factsheet_folder.is_dir() else []
    for other in sorted(others, key=lambda path: path.parent != target.parent):
        first_line = (_read_or_none(other) or b"").decode("utf-8-sig", errors="replace").partition("\n")[0]
        if first_line.rstrip().startswith(SCHEMA_HEADER):
            schema = first_line.rstrip()[len(SCHEMA_HEADER) :]
            if "://" not in schema and not os.path.isabs(schema):
                schema = os.path.relpath(other.absolute().parent / schema, target.absolute().parent)
            return SCHEMA_HEADER + schema
    for folder in target.absolute().parents:
        if (folder / SCHEMA_FILE).is_file():
            return SCHEMA_HEADER + os.path.relpath(folder / SCHEMA_FILE, target.absolute().parent)
    return None


_COMMENT = re.compile(r"([ \t]*)#")


def _appended(target: Path, old_bytes: bytes, list_name: str, record_id: str, record: list[str]) -> tuple[bytes, int]:
    """The file's bytes with the record added to its list (the list added at the end when it has none), and
    the line of the record's `- id:`."""
    bom = b"\xef\xbb\xbf" if old_bytes.startswith(b"\xef\xbb\xbf") else b""
    shown = display_path(target)
    try:
        text = old_bytes[len(bom) :].decode("utf-8")
    except UnicodeDecodeError:
        raise ScaffoldRefused(f"{shown}: not UTF-8 text") from None
    newline = "\r\n" if "\r\n" in text else "\n"
    problems: list[Problem] = []
    loaded = load_file(target, problems, old_bytes) if text.strip() and not _only_comments(text) else None
    if problems:
        raise ScaffoldRefused(f"{shown} does not load, so nothing was added to it: {problems[0]}")
    data = loaded.data if loaded else {}
    lines = text.splitlines(keepends=True)
    if data.get(list_name) is None:  # no list yet (or an empty 'claims:'): a new one at the end of the file
        if list_name in data:
            raise ScaffoldRefused(f"{shown}: '{list_name}:' holds nothing: delete that line, then run this again")
        offset, dash = len(text), 0
        record = [f"{list_name}:", *(INDENT + line for line in record)]
    else:
        sequence = _node_of(text, list_name)
        if not isinstance(sequence, yaml.SequenceNode) or sequence.flow_style or not sequence.value:
            raise ScaffoldRefused(
                f"{shown}:{sequence.start_mark.line + 1}: '{list_name}' is not a list of '- ' items, one a line "
                "(written as [...]?): rewrite it so, or choose another file with --file"
            )
        first = sequence.value[0].start_mark
        dash = lines[first.line].rfind("-", 0, first.column)
        offset = _end_of_list(lines, sequence, dash)
    before, after = text[:offset], text[offset:]
    if before and not before.endswith(("\n", "\r")):
        before += newline
    # A blank line between records, as editors write them; none after nothing but comments (the schema line).
    separator = newline if not _only_comments(before) and not before.endswith(("\n\n", "\r\n\r\n")) else ""
    new_text = before + separator + "".join(" " * dash + line + newline for line in record) + after
    _check_only_added(target, bom + new_text.encode("utf-8"), data, list_name, record_id)
    return bom + new_text.encode("utf-8"), (before + separator).count("\n") + _id_line(record)


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def _node_of(text: str, list_name: str) -> yaml.Node:
    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return next(value for key, value in root.value if key.value == list_name)


def _end_of_list(lines: list[str], sequence: yaml.SequenceNode, dash: int) -> int:
    """The offset just after the list's last item: after its last value and the comments indented under it
    (an optional field commented out belongs to its record), before the blank lines ahead of what follows;
    the end of the file when nothing else follows."""
    node: yaml.Node = sequence.value[-1]
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.value:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    end = node.end_mark
    last = end.line if end.column > 0 else end.line - 1  # a block scalar ends at the start of the next line
    while last > 0 and not lines[last].strip():
        last -= 1
    following = last + 1
    while following < len(lines):
        comment = _COMMENT.match(lines[following])
        if lines[following].strip() and not (comment and len(comment.group(1).expandtabs()) > dash):
            break
        following += 1
    if following == len(lines):  # every byte of the file stays before the new record
        return sum(map(len, lines))
    while following > last + 1 and not lines[following - 1].strip():
        following -= 1
    return sum(map(len, lines[:following]))


def _check_only_added(target: Path, new_bytes: bytes, old_data: dict, list_name: str, record_id: str) -> None:
    """Refuse, writing nothing, unless the new bytes read as the old data with one more record in the list."""
    loaded = load_file(target, [], new_bytes)
    new_data = loaded.data if loaded else {}
    old_records = old_data.get(list_name) or []
    new_records = new_data.get(list_name)
    unchanged = {key: value for key, value in new_data.items() if key != list_name} == {
        key: value for key, value in old_data.items() if key != list_name
    }
    if not (
        unchanged
        and isinstance(new_records, list)
        and new_records[:-1] == old_records
        and isinstance(new_records[-1], dict)
        and new_records[-1].get("id") == record_id
    ):
        raise ScaffoldRefused(
            f"{display_path(target)}: the record could not be added without changing what the file holds "
            "(an unusual layout): add it by hand, or choose another file with --file"
        )
