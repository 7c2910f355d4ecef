"""Views across records, computed from the graph for the templates: timeline, matrices, diagram.

Templates only lay these out; every sort, lookup and coordinate is decided here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .resolve import STATUS_ORDER, ActorNode, ClaimNode, EventNode, Site, status_explanation

NO_STATEMENT = "no statement"
HOME_LIST_LIMIT = 50
"""The home page shows at most this many of each list and links to the full index."""


@dataclass(frozen=True)
class Shortlist:
    """The first items of a list, and how many more the full index holds."""

    items: list
    more: int


def shortlist(items: list, limit: int = HOME_LIST_LIMIT) -> Shortlist:
    return Shortlist(items[:limit], max(0, len(items) - limit))


@dataclass(frozen=True)
class StatusMeaning:
    """One line of the status legend: the status and what it means, from models.STATUS_MEANINGS."""

    status: str
    explanation: str


def status_legend() -> list[StatusMeaning]:
    """Every status, in the order claim lists use, with its meaning: the legend and the Methodology rubric."""
    return [StatusMeaning(status, status_explanation(status)) for status in STATUS_ORDER]


def by_status(claims: Iterable[ClaimNode]) -> list[ClaimNode]:
    """Claims in the order lists show them: disputed first, confirmed last; by date within a status."""
    return sorted(claims, key=lambda claim: (claim.status_rank, claim.sort_key))


CONTESTED = ("disputed", "refuted")
ESTABLISHED = ("confirmed", "uncontested")
UNKNOWN = ("unverified",)
GLANCE_LIMIT = 5
"""Each part of the home page's summary names at most this many claims (and says how many more there are)."""


@dataclass(frozen=True)
class GlancePart:
    """One part of the summary: its heading, its claims (the first few), and open questions."""

    key: str
    heading: str
    claims: Shortlist
    questions: Shortlist
    """(question, claim it is asked about) pairs."""


@dataclass(frozen=True)
class AtAGlance:
    counts: str
    """'11 claims: 2 disputed, 2 unverified, 7 uncontested.'"""
    parts: list[GlancePart]


def _weight(claim: ClaimNode) -> tuple:
    """Key claims first: the most contested (most actors disputing or questioning it), then by status and date."""
    return (-(len(claim.disputed_by) + len(claim.questioned_by)), claim.status_rank, claim.sort_key)


def at_a_glance(site: Site) -> AtAGlance:
    """The home page's opening: what is disputed, what is still unknown, what is established."""
    claims = site.claims
    contested = sorted((claim for claim in claims if claim.status in CONTESTED), key=_weight)
    unknown = sorted((claim for claim in claims if claim.status in UNKNOWN), key=_weight)
    established = sorted((claim for claim in claims if claim.status in ESTABLISHED), key=_weight)
    questions = [(question, claim) for claim in sorted(claims, key=_weight) for question in claim.open_questions]
    counted = [(status, sum(claim.status == status for claim in claims)) for status in STATUS_ORDER]
    counts = ", ".join(f"{count} {status}" for status, count in counted if count)
    total = f"{len(claims)} claim{'s' if len(claims) != 1 else ''}"
    empty = Shortlist([], 0)
    parts = [
        GlancePart("disputed", "Disputed", shortlist(contested, GLANCE_LIMIT), empty),
        GlancePart("unknown", "Still unknown", shortlist(unknown, GLANCE_LIMIT), shortlist(questions, GLANCE_LIMIT)),
        GlancePart("established", "Established", shortlist(established, GLANCE_LIMIT), empty),
    ]
    return AtAGlance(
        f"{total}: {counts}." if claims else "No claims yet.",
        [part for part in parts if part.claims.items or part.questions.items],
    )


@dataclass(frozen=True)
class HomeLists:
    events: Shortlist
    actors: Shortlist
    sources: Shortlist


def home_lists(site: Site) -> HomeLists:
    """What the home page lists, kept short however large the archive grows (its claims: at_a_glance)."""
    return HomeLists(
        shortlist(site.events),
        shortlist(site.actors),
        shortlist(site.sources),
    )


@dataclass(frozen=True)
class TimelineEntry:
    date: str
    date_text: str
    kind: str  # "event" or "claim"
    node: EventNode | ClaimNode


def timeline(site: Site) -> list[TimelineEntry]:
    """Every dated event and claim, oldest first; on one date, events before the claims about them."""
    entries = [TimelineEntry(event.record.date, event.date_text, "event", event) for event in site.events]
    entries += [TimelineEntry(claim.record.date, claim.date_text, "claim", claim) for claim in site.claims]
    return sorted(entries, key=lambda entry: (entry.date, entry.kind != "event", entry.node.record.id))


@dataclass(frozen=True)
class Matrix:
    """Who says what about one event: a row per actor, a column per claim, a stance in each cell."""

    claims: list[ClaimNode]
    rows: list[tuple[ActorNode, list[str]]]


def stance_of(actor: ActorNode, claim: ClaimNode) -> str:
    if claim.claimant is actor:
        return "asserts"
    stances = [response.record.stance for response in claim.responses if response.actor is actor]
    if stances:
        return " and ".join(dict.fromkeys(stances))
    if claim.reported_by is actor:
        return "relays"
    return NO_STATEMENT


def who_says_what(event: EventNode) -> Matrix:
    claims = event.claims
    speakers = {id(claim.claimant): claim.claimant for claim in claims}
    for claim in claims:
        speakers.update({id(response.actor): response.actor for response in claim.responses})
        if claim.reported_by:
            speakers[id(claim.reported_by)] = claim.reported_by
    actors = sorted(speakers.values(), key=lambda actor: actor.sort_key)
    return Matrix(claims, [(actor, [stance_of(actor, claim) for claim in claims]) for actor in actors])


@dataclass(frozen=True)
class DiagramNode:
    node: ActorNode | ClaimNode
    label: str
    x: int
    y: int


@dataclass(frozen=True)
class DiagramEdge:
    stance: str
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    actors: list[DiagramNode]
    claims: list[DiagramNode]
    edges: list[DiagramEdge]


ROW_HEIGHT = 34
LABEL_CHARS = 46


def short_label(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def relationship_diagram(site: Site) -> Diagram:
    """Actors on the left, claims on the right, a line for each assertion and response."""
    speaking = [actor for actor in site.actors if actor.claims_made or actor.responses or actor.claims_relayed]
    actor_x, claim_x, top = 10, 430, 30
    actors = [
        DiagramNode(actor, short_label(actor.record.name, 40), actor_x, top + i * ROW_HEIGHT)
        for i, actor in enumerate(speaking)
    ]
    claims = [
        DiagramNode(claim, short_label(claim.record.statement), claim_x, top + i * ROW_HEIGHT)
        for i, claim in enumerate(site.claims)
    ]
    actor_at = {id(item.node): item for item in actors}
    edges = []
    for claim_item in claims:
        claim = claim_item.node
        links = [(claim.claimant, "asserts")] + [(r.actor, r.record.stance) for r in claim.responses]
        if claim.reported_by:
            links.append((claim.reported_by, "relays"))
        for actor, stance in links:
            start = actor_at[id(actor)]
            edges.append(DiagramEdge(stance, start.x + 300, start.y - 5, claim_item.x - 10, claim_item.y - 5))
    height = top + max(len(actors), len(claims)) * ROW_HEIGHT
    return Diagram(claim_x + 420, height, actors, claims, edges)
