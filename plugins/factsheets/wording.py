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


EVENT_DATE_LABELS = {
    "held": "Happened",
    "scheduled": "Scheduled for",
    "postponed": "Planned for",
    "cancelled": "Planned for",
}
"""What an event's date is, by its status: only an event that took place 'happened'."""
EVENT_STATUS_NOTES = {
    "held": "",
    "scheduled": "Scheduled: still to take place when the sources were published",
    "postponed": "Postponed: did not take place on the date planned",
    "cancelled": "Cancelled: did not take place",
}
"""What became of an event that was not held as planned, in words (never by a colour or a mark alone)."""


def event_when(date_text: str, status: str) -> str:
    """An event's date in a line of a list: '24 January 2024' for an event held; 'Planned for 24 January 2024;
    postponed: did not take place on the date planned' for one that was not."""
    if status == "held":
        return date_text
    when = f"a date {date_text}" if date_text.startswith(("on ", "in ")) else date_text  # "on or before ..."
    note = EVENT_STATUS_NOTES[status]
    return f"{EVENT_DATE_LABELS[status]} {when}; {note[0].lower()}{note[1:]}"
