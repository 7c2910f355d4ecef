"""Words for what pages show: dates with their precision, possessives of names."""

from __future__ import annotations

import calendar
import functools


@functools.lru_cache(maxsize=4096)
def describe_date(date: str, qualifier: str = "exact") -> str:
    """'2024-01-24' -> '24 January 2024'; '2024-01' with 'on-or-before' -> 'in or before January 2024'."""
    parts = [int(part) for part in date.split("-")]
    if len(parts) == 3:
        text, preposition = f"{parts[2]} {calendar.month_name[parts[1]]} {parts[0]}", "on"
    elif len(parts) == 2:
        text, preposition = f"{calendar.month_name[parts[1]]} {parts[0]}", "in"
    else:
        text, preposition = str(parts[0]), "in"
    prefix = {
        "approximate": "about ",
        "on-or-before": f"{preposition} or before ",
        "on-or-after": f"{preposition} or after ",
    }.get(qualifier, "")
    return prefix + text


def possessive(name: str) -> str:
    """ "Andrii Yusov" -> "Andrii Yusov's"; "Armed Forces" -> "Armed Forces'"; a name that opens with an
    article reads inside a sentence: "An engineer at ..." -> "an engineer at ...'s"."""
    first, _, rest = name.partition(" ")
    if rest and first in ("A", "An", "The"):
        name = f"{first.lower()} {rest}"
    return f"{name}'" if name.endswith("s") else f"{name}'s"
