"""Stage 2: check each loaded file against the typed models, one problem per wrong field."""

from __future__ import annotations

import functools
import math
import re
import types
import typing
from typing import Annotated

from pydantic import BaseModel, TypeAdapter, ValidationError

from .load import LoadedFile
from .models import FactSheet, Overview, Record
from .problems import FieldPath, Problem, clipped, did_you_mean
from .sheets import ValidSheet

RECORD_LISTS: dict[str, type[Record]] = {
    name: _model
    for name, info in FactSheet.model_fields.items()
    if (_model := typing.get_args(info.annotation)[0] if typing.get_origin(info.annotation) is list else None)
}


def validate_factsheets(files: list[LoadedFile]) -> tuple[list[ValidSheet], set[str], list[Problem]]:
    """Validate every record; returns the records (partial where they failed), the ids written in
    records that failed, and the problems."""
    sheets: list[ValidSheet] = []
    invalid_ids: set[str] = set()
    problems: list[Problem] = []
    for file in files:
        sheet = ValidSheet(file)
        for key, value in file.data.items():
            if key == "overview":
                sheet.overview, _ = _validate(Overview, value, (key,), file, problems)
            elif key in RECORD_LISTS:
                if not isinstance(value, list):
                    problems.append(file.problem((key,), f"expected a list of {key}, found {_describe(value)}"))
                    continue
                for index, item in enumerate(value):
                    record, valid = _validate(RECORD_LISTS[key], item, (key, index), file, problems)
                    sheet.records.setdefault(key, []).append((index, record))
                    if not valid:  # references to an id its partial record could not keep are not echoed
                        invalid_ids.update(_ids_within(item))
            else:
                hint = did_you_mean(key, FactSheet.model_fields) or "allowed: " + ", ".join(FactSheet.model_fields)
                problems.append(file.problem((key,), f"unknown field '{key}'", hint, at_key=True))
        sheets.append(sheet)
    return sheets, invalid_ids, problems


def _ids_within(value: object) -> set[str]:
    """The ids of a record and of the records nested in it (an event's figures)."""
    if isinstance(value, list):
        return set().union(*map(_ids_within, value)) if value else set()
    if not isinstance(value, dict):
        return set()
    ids = {value["id"]} if isinstance(value.get("id"), str) else set()
    return ids.union(*map(_ids_within, value.values()))


def _validate(
    model: type[Record], value: object, path: FieldPath, file: LoadedFile, problems: list[Problem]
) -> tuple[Record, bool]:
    """The record and whether it is valid; one that is not is rebuilt from its valid fields."""
    try:
        return model.model_validate(value), True
    except ValidationError as error:
        details = error.errors(include_url=False)
        problems.extend(_problems_from(details, file, path))
        return partial_record(model, value, [detail["loc"] for detail in details]), False


def partial_record(model: type[Record], value: object, error_locations: list[tuple]) -> Record:
    """A record that failed validation, rebuilt from the fields that passed (pydantic's locations of
    the errors say which did not), so that the later stages check what can be checked.

    A failed field that holds a record (a claim's quote) is rebuilt the same way, from nothing if it
    is not a mapping or is missing; a failed list keeps its valid items, its failed records rebuilt and
    any other failed item None, so that every item keeps its place (and its position in problems); any
    other failed or missing field is None, or empty for a list. A reference that is None is not linked
    and a quote without a text or a source is not looked for: what failed is reported once, by validation.
    """
    fields = value if isinstance(value, dict) else {}
    errors_within = _errors_within(error_locations)
    rebuilt: dict[str, object] = {}
    for name, info in model.model_fields.items():
        if name in fields and name not in errors_within:
            rebuilt[name] = _field_validator(model, name).validate_python(fields[name])
        elif name in fields or info.is_required():
            rebuilt[name] = _partial_value(model, name, fields.get(name), errors_within.get(name, []))
    return model.model_construct(**rebuilt)  # the fields left out take their defaults


def _partial_value(model: type[Record], name: str, value: object, error_locations: list[tuple]) -> object:
    """What is valid of a field that failed validation, or is missing (see partial_record)."""
    annotation = model.model_fields[name].annotation
    record_model = _model_in(annotation)
    if typing.get_origin(annotation) is list:
        if not isinstance(value, list):
            return []
        errors_within = _errors_within(error_locations)
        items: list[object] = []
        for index, item in enumerate(value):
            if index not in errors_within:
                items.append(_field_validator(model, name, item=True).validate_python(item))
            elif record_model:
                items.append(partial_record(record_model, item, errors_within[index]))
            else:
                items.append(None)
        return items
    return partial_record(record_model, value, error_locations) if record_model else None


def _errors_within(error_locations: list[tuple]) -> dict[str | int, list[tuple]]:
    """Error locations grouped by their first part (a field's name, an item's index), each without it;
    an error on the value itself (a list too short, a breakdown that does not add up) has none."""
    grouped: dict[str | int, list[tuple]] = {}
    for location in error_locations:
        if location:
            grouped.setdefault(location[0], []).append(location[1:])
    return grouped


@functools.cache
def _field_validator(model: type[Record], name: str, item: bool = False) -> TypeAdapter:
    """Validates one field of model on its own (or one item of a list field), with its constraints."""
    info = model.model_fields[name]
    if item:
        return TypeAdapter(typing.get_args(info.annotation)[0])
    return TypeAdapter(Annotated[info.annotation, *info.metadata]) if info.metadata else TypeAdapter(info.annotation)


def _problems_from(details: list, file: LoadedFile, prefix: FieldPath) -> list[Problem]:
    problems: dict[FieldPath, Problem] = {}
    type_errors: set[FieldPath] = set()
    for detail in details:
        path = _data_path(file.data, prefix + tuple(detail["loc"]), detail["type"])
        if path in file.refused:  # refused while loading, and reported then
            continue
        if path in problems and not (path in type_errors and detail["type"] not in _TYPE_ERRORS):
            continue  # one message per field, even when a union tried several types; the one that says
        problems[path] = _problem(file, path, detail)  # what is wrong with a value of the right type wins
        if detail["type"] in _TYPE_ERRORS:
            type_errors.add(path)
        else:
            type_errors.discard(path)
    return list(problems.values())


def _data_path(data: object, loc: tuple, error_type: str) -> FieldPath:
    """Keep the parts of pydantic's location that are real keys or indexes (drop union member names)."""
    path: list[str | int] = []
    for position, part in enumerate(loc):
        if isinstance(part, int) and isinstance(data, list) and 0 <= part < len(data):
            data = data[part]
            path.append(part)
        elif isinstance(part, str) and isinstance(data, dict) and part in data:
            data = data[part]
            path.append(part)
        elif isinstance(part, str) and position == len(loc) - 1 and error_type == "missing":
            path.append(part)
    return tuple(path)


_TYPE_ERRORS = frozenset(
    {
        "string_type",
        "int_type",
        "float_type",
        "bool_type",
        "list_type",
        "model_type",
        "dict_type",
        "int_from_float",
        "float_parsing",
        "int_parsing",
        "model_attributes_type",
        "number_type",
    }
)
"""Errors that say a value is not of the field's type (as opposed to a value of the type that is wrong)."""


def _problem(file: LoadedFile, path: FieldPath, detail: dict) -> Problem:
    kind = detail["type"]
    found = detail.get("input")
    if kind == "missing":
        return file.problem(path, "missing required field")
    if kind == "extra_forbidden":
        allowed = _allowed_fields(path[:-1])
        hint = did_you_mean(str(path[-1]), allowed) or ("allowed: " + ", ".join(allowed) if allowed else "")
        return file.problem(path, f"unknown field '{path[-1]}'", hint, at_key=True)
    word = file.written(path) if found is None or isinstance(found, bool | int | float) else None
    if kind == "literal_error":
        expected = detail["ctx"]["expected"]
        allowed = re.findall(r"'([^']*)'", expected)
        hint = [_yaml_reading(word, found, quote=word in allowed)] if word else []
        hint.append(f"expected {expected}")
        if isinstance(found, str):
            hint.append(did_you_mean(found, allowed))
        return file.problem(path, f"{_show(word or found)} is not allowed", "; ".join(filter(None, hint)))
    if kind in _TYPE_ERRORS:
        hint = _yaml_reading(word, found, quote=kind == "string_type") if word else ""
        return file.problem(path, f"expected {_expected_kind(kind)}, found {_describe(found)}", hint)
    if kind == "finite_number":
        return file.problem(path, "not a finite number", _yaml_reading(word, found, quote=False) if word else "")
    if kind in ("less_than_equal", "greater_than_equal"):
        limit = detail["ctx"]["le" if kind == "less_than_equal" else "ge"]
        limit = int(limit) if isinstance(limit, float) and limit.is_integer() else limit  # 1e15 as 1,000,...
        return file.problem(path, f"must be {'at most' if kind == 'less_than_equal' else 'at least'} {limit:,}")
    message = detail["msg"].removeprefix("Value error, ")
    return file.problem(path, message[0].lower() + message[1:] if message else kind)


def _yaml_reading(word: str, found: object, quote: bool) -> str:
    """How YAML read a plain word that was meant as text: 'YAML reads no as false: write it in quotes'."""
    if isinstance(found, bool):
        reading = str(found).lower() if word.lower() != str(found).lower() else "true or false, not as text"
    elif isinstance(found, float) and not math.isfinite(found):
        reading = "not a number" if math.isnan(found) else "infinity"
    elif isinstance(found, int | float):
        reading = "a number"
    else:
        reading = "nothing"
    return f"YAML reads {word} as {reading}" + (f": write it in quotes ('{word}')" if quote else "")


def _allowed_fields(path: FieldPath) -> list[str]:
    model: type[BaseModel] | None = FactSheet
    for part in path:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field else None
    return sorted(model.model_fields) if model else []


def _model_in(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        for argument in typing.get_args(annotation):
            model = _model_in(argument)
            if model:
                return model
    return None


def _expected_kind(error_type: str) -> str:
    return {
        "string_type": "text",
        "int_type": "a whole number",
        "int_from_float": "a whole number",
        "int_parsing": "a whole number",
        "float_type": "a number",
        "float_parsing": "a number",
        "number_type": "a number",
        "bool_type": "true or false",
        "list_type": "a list",
    }.get(error_type, "a mapping of fields")


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    noun = {str: "text", int: "the number", float: "the number"}.get(type(value), type(value).__name__)
    return f"{noun} {_show(value)}"


def _show(value: object) -> str:
    return clipped(repr(value), 60)
