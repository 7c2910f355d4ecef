"""Dates that do not mislead: the desk cannot have published a record before its sources were published.

Two kinds of date are kept apart on every page. The sources' date ("information as of") is the newest
publication date among the sources a record draws on (``Node.information_as_of``); the desk's own dates
are those of its changelog and, for a claim, its status history (``Node.published_on``,
``Node.updated``). This stage checks the one against the other, once the records are linked:

- no entry of a record's changelog or status history is dated before the oldest source it draws on
  (the desk published it from at least one of them);
- its latest entry is not dated before the newest source it draws on (the change that drew on that
  source came after it was published).

For a record drawing on one source, that is: no entry before the source. A claim's status history does not
begin before the claim was first published (its first changelog date). A desk's date after today is a
slip (a warning: the build goes on, and its output does not depend on the day it runs). Actors are not checked: an
actor's page lists what it said in claims and responses, which carry dates of their own, and a claim
added later does not change the actor's record. Partial dates count as their whole span: '2024-01' is
before '2024-02-03' but not before '2024-01-31'.
"""

from __future__ import annotations

import datetime

from .graph import ClaimNode, EventNode, Node, Site, SourceNode
from .models import certainly_before, date_words
from .problems import FieldPath, Problem


def check_desk_dates(site: Site, today: datetime.date | None = None) -> list[Problem]:
    """Every changelog or status-history entry dated before the source it must come after, or before the
    claim was first published; and, as warnings, every desk's date after today."""
    problems: list[Problem] = []
    for node in [*site.claims, *site.events, *site.sources]:
        problems += _record_problems(node)
        if isinstance(node, ClaimNode):
            problems += _history_before_publication(node)
    return problems + dated_after_today(site, today)


def build_today(fixed: datetime.date | None = None) -> datetime.date:
    """The build's today: the date given (the setting FACTSHEETS_TODAY, `factsheets due --today`: tests fix it
    there), else the day the build runs, in UTC, as every machine that builds the site tells it."""
    return fixed or datetime.datetime.now(datetime.UTC).date()


def dated_after_today(site: Site, today: datetime.date | None = None, latest: str | None = None) -> list[Problem]:
    """Every desk's date after today, as a warning (the only one of these checks that changes with the day); none
    to look for if the latest of them (latest_desk_date), when known, is not after today."""
    today_text = build_today(today).isoformat()
    if latest is not None and not certainly_before(today_text, latest):
        return []
    return [
        node.problem(
            where, f"dated {date_words(date)}, after today", "date each entry by when the desk did the work"
        ).as_warning()
        for node in [*site.claims, *site.events, *site.sources, *site.actors]
        for date, where in _dated_entries(node)
        if certainly_before(today_text, date)
    ]


def latest_desk_date(site: Site) -> str:
    """The latest of the desk's dates in the site ("" if none): ISO dates, whole or partial, sort as they begin."""
    nodes = [*site.claims, *site.events, *site.sources, *site.actors]
    return max((date for node in nodes for date, _ in _dated_entries(node)), default="")


def _history_before_publication(claim: ClaimNode) -> list[Problem]:
    first = min(claim.logged_dates, default=None)
    if first is None:
        return []
    return [
        claim.problem(
            ("status_history", index, "date"),
            f"dated {date_words(entry.date)}, before the claim was first published on {date_words(first)}",
            "the first status is the one the claim was published with",
        )
        for index, entry in enumerate(claim.record.status_history or [])
        if entry is not None and entry.date and certainly_before(entry.date, first)
    ]


def _dated_entries(node: Node) -> list[tuple[str, FieldPath]]:
    """The desk's dated entries of the record, with where each date is written."""
    entries = [
        (change.date, ("changelog", index, "date"))
        for index, change in enumerate(getattr(node.record, "changelog", None) or [])
        if change is not None and change.date
    ]
    if isinstance(node, ClaimNode):
        entries += [
            (entry.date, ("status_history", index, "date"))
            for index, entry in enumerate(node.record.status_history or [])
            if entry is not None and entry.date
        ]
    return entries


def _record_problems(node: ClaimNode | EventNode | SourceNode) -> list[Problem]:
    sources = [source for source in node.sources_drawn_on if source.record.date]
    entries = _dated_entries(node)
    if not sources or not entries:
        return []
    oldest = min(sources, key=lambda source: source.record.date)
    newest = max(sources, key=lambda source: source.record.date)
    problems = [
        node.problem(where, _message(date, oldest), "date each entry by when the desk did the work")
        for date, where in entries
        if certainly_before(date, oldest.record.date)
    ]
    latest_date, latest_where = max(entries, key=lambda entry: entry[0])
    if not problems and certainly_before(latest_date, newest.record.date):
        hint = f"date the change that drew on {_named(node, newest)} on or after its publication"
        problems.append(node.problem(latest_where, _message(latest_date, newest), hint))
    return problems


def _message(date: str, source: SourceNode) -> str:
    return (
        f"dated {date_words(date)}: the desk cannot have published this before its source was published "
        f"on {date_words(source.record.date)}"
    )


def _named(node: Node, source: SourceNode) -> str:
    return "it" if node is source else f"the source '{source.record.id}'"
