"""The references for editors, written from the code so that they cannot drift from it: the format's from the
models, the settings' from their declaration."""

from __future__ import annotations

import types
import typing
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from . import models
from .settings import declared_settings

DOCUMENTED_RECORDS: list[type[BaseModel]] = [
    models.FactSheet,
    models.Overview,
    models.Source,
    models.Actor,
    models.Event,
    models.Figure,
    models.FigurePart,
    models.Claim,
    models.Response,
    models.StatusChange,
    models.Change,
    models.Quote,
]
_CHECK_NAMES = {
    models.check_slug: "id",
    models.check_web_url: "http(s) URL",
    models.check_partial_date: "date (YYYY-MM-DD, YYYY-MM or YYYY)",
    models.check_text: "text",
    models.check_sha256: "SHA-256 (64 hex digits)",
    models.check_timestamp: "UTC time (YYYY-MM-DDThh:mm:ssZ)",
    models.check_clock_time: "time of day (HH:MM)",
}


START_MARKER = "<!-- reference:start -->\n"
END_MARKER = "<!-- reference:end -->"
SETTINGS_START_MARKER = "<!-- settings:start -->\n"
SETTINGS_END_MARKER = "<!-- settings:end -->"


def reference_section(readme: str) -> str:
    """The text between the reference markers of a README."""
    return _section(readme, START_MARKER, END_MARKER)


def settings_section(readme: str) -> str:
    """The text between the settings markers of a README."""
    return _section(readme, SETTINGS_START_MARKER, SETTINGS_END_MARKER)


def _section(readme: str, start_marker: str, end_marker: str) -> str:
    start = readme.index(start_marker) + len(start_marker)
    return readme[start : readme.index(end_marker, start)]


def _with_section(readme: str, start_marker: str, end_marker: str, text: str) -> str:
    start = readme.index(start_marker) + len(start_marker)
    return readme[:start] + text + readme[readme.index(end_marker, start) :]


def update_readme(path: Path) -> None:
    """Rewrite the format reference and the settings table of a README, each between its markers."""
    readme = path.read_text(encoding="utf-8")
    readme = _with_section(readme, START_MARKER, END_MARKER, format_reference())
    readme = _with_section(readme, SETTINGS_START_MARKER, SETTINGS_END_MARKER, settings_reference())
    path.write_text(readme, encoding="utf-8")


def settings_reference() -> str:
    """Markdown: the plugin's settings, then Pelican's settings it reads, each with type, default and meaning
    (the internal ones, which the tool sets itself, left out)."""
    tables = []
    for pelican in (False, True):
        rows = ["| setting | type | default | meaning |", "| --- | --- | --- | --- |"]
        for setting in declared_settings():
            if setting.pelican == pelican and not setting.internal:
                meaning = " ".join(setting.meaning.split())
                rows.append(f"| `{setting.name}` | {setting.type_text()} | `{setting.default!r}` | {meaning} |")
        tables.append("\n".join(rows))
    return f"{tables[0]}\n\nPelican's own settings that the plugin reads (the defaults are Pelican's):\n\n{tables[1]}\n"


def format_reference() -> str:
    """Markdown: one table per record kind, with each field's type, whether it is required, and its meaning."""
    sections = []
    for model in DOCUMENTED_RECORDS:
        doc = " ".join((model.__doc__ or "").split())
        rows = ["| field | type | required | meaning |", "| --- | --- | --- | --- |"]
        for name, info in model.model_fields.items():
            required = "yes" if info.is_required() else f"no (default `{_default(info)}`)"
            meaning = " ".join((info.description or "").split())
            rows.append(f"| `{name}` | {type_text(info.annotation, info.metadata)} | {required} | {meaning} |")
        sections.append(f"### {model.__name__}\n\n{doc}\n\n" + "\n".join(rows))
    statuses = ["| status | meaning | when to choose it |", "| --- | --- | --- |"]
    statuses += [
        f"| `{status}` | {meaning} | {models.STATUS_RULES[status]} |"
        for status, meaning in models.STATUS_MEANINGS.items()
    ]
    stances = ["| stance | meaning |", "| --- | --- |"]
    stances += [f"| `{stance}` | {meaning} |" for stance, meaning in models.STANCE_MEANINGS.items()]
    sections.append(
        "### Claim statuses\n\nThe rubric: an editor chooses a claim's status by these rules, and the build checks "
        "what of them the records can show.\n\n" + "\n".join(statuses)
    )
    sections.append("### Response stances\n\n" + "\n".join(stances))
    return "\n\n".join(sections) + "\n"


def _default(info: FieldInfo) -> str:
    value = info.get_default(call_default_factory=True)
    return "[]" if value == [] else str(value).lower() if isinstance(value, bool) or value is None else str(value)


def type_text(annotation: object, metadata: list | tuple = (), plain: bool = False) -> str:
    """A field's type in words: Markdown for the reference (with a text's most characters), or plain text (for a
    YAML comment)."""
    checks = [getattr(item, "func", None) for item in metadata]
    named = next((_CHECK_NAMES[check] for check in checks if check in _CHECK_NAMES), None)
    limit = next((check for check in checks if isinstance(check, models.TextLimit)), None)
    if named or limit:
        name = named or _CHECK_NAMES[models.check_text]
        return f"{name}, at most {limit.most:,} characters" if limit and not plain else name
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_text(arguments[0], arguments[1:], plain)
    if origin is typing.Literal:
        return " | ".join(arguments) if plain else " \\| ".join(f"`{value}`" for value in arguments)
    if origin is list:
        most = next((check.most for check in checks if isinstance(check, models.ListLimit)), None)
        once = ", each once" if models.no_repeats in checks else ""
        bounded = f" (at most {most:,}{once})" if most and not plain else ""
        return f"list{bounded} of " + type_text(arguments[0], plain=plain)
    if origin in (typing.Union, types.UnionType):
        members = [argument for argument in arguments if argument is not type(None)]
        texts = {type_text(member, plain=plain) for member in members}
        if texts <= {"whole number", "number"}:
            return "number"
        return " or ".join(sorted(texts))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        name = annotation.__name__
        return name if plain else f"[{name}](#{name.lower()})"
    return {str: "text", int: "whole number", float: "number", bool: "true or false"}.get(annotation, str(annotation))
