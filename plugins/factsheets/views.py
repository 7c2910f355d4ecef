"""Views across records, computed from the graph for the templates: timeline, matrices, diagram.

Templates only lay these out; every sort, lookup and coordinate is decided here.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from .graph import STATUS_ORDER, ActorNode, ClaimNode, EventNode, Site, Sourcing, status_explanation
from .models import CHANGE_KIND_MEANINGS, CHANGE_KIND_WORDS, STANCE_MEANINGS, STATUS_RULES, Change
from .numbers import number_text, plural

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
    """One line of the status legend: the status, what it means and when an editor chooses it (models)."""

    status: str
    explanation: str
    rule: str


def status_legend() -> list[StatusMeaning]:
    """Every status, in the order claim lists use, with its meaning: the legend and the Methodology rubric."""
    return [StatusMeaning(status, status_explanation(status), STATUS_RULES[status]) for status in STATUS_ORDER]


def stance_meanings() -> dict[str, str]:
    """What each stance of a response means, for the Methodology page (models.STANCE_MEANINGS)."""
    return dict(STANCE_MEANINGS)


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
    """Key claims first: the most contested (most responses disputing or questioning it, and competing accounts),
    then by status and date."""
    against = sum(response.record.stance in ("disputes", "questions") for response in claim.responses)
    return (-(against + len(claim.competing)), claim.status_rank, claim.sort_key)


def at_a_glance(site: Site) -> AtAGlance:
    """The home page's opening: what is disputed, what is still unknown, what is established."""
    claims = site.claims
    ranked = sorted(claims, key=_weight)  # weighed once: each part keeps this order (no two claims weigh the same)
    contested = [claim for claim in ranked if claim.record.status in CONTESTED]
    unknown = [claim for claim in ranked if claim.record.status in UNKNOWN]
    established = [claim for claim in ranked if claim.record.status in ESTABLISHED]
    questions = [(question, claim) for claim in ranked for question in claim.record.open_questions]
    tally = Counter(claim.record.status for claim in claims)
    counted = [(status, tally[status]) for status in STATUS_ORDER]
    counts = ", ".join(f"{number_text(count)} {status}" for status, count in counted if count)
    total = plural(len(claims), "claim")
    empty = Shortlist([], 0)
    parts = [
        GlancePart("disputed", "Disputed", shortlist(contested, GLANCE_LIMIT), empty),
        GlancePart("unknown", "Still unknown", shortlist(unknown, GLANCE_LIMIT), shortlist(questions, GLANCE_LIMIT)),
        GlancePart("established", "Not contested", shortlist(established, GLANCE_LIMIT), empty),
    ]
    return AtAGlance(
        f"{total}: {counts}." if claims else "No claims yet.",
        [part for part in parts if part.claims.items or part.questions.items],
    )


def sourcing_summary(site: Site) -> str:
    """How independent the whole site's sourcing is, in one plain sentence for the home page: 'All 11 claims
    rest on a single report, published by Ukrinform on 31 January 2024.' (see ClaimNode.sourcing)."""
    claims = site.claims
    if not claims:
        return ""
    every = "The claim" if len(claims) == 1 else f"All {plural(len(claims), 'claim')}"
    rests = "rests" if len(claims) == 1 else "rest"
    sourcings = [claim.sourcing for claim in claims]
    sources = list({id(source): source for sourcing in sourcings for source in sourcing.sources}.values())
    overall = Sourcing(sources)
    if len(sources) == 1:
        source = sources[0]
        publisher = source.publisher.record.name if source.publisher else source.record.publisher
        side = overall.groups[0].tied_to
        tied = f", a publisher tied to {side.record.name}," if side is not None else ""
        return f"{every} {rests} on a single report, published by {publisher}{tied} on {source.date_text}."
    if overall.independent == 1 and overall.groups[0].top is not None:
        return f"{every} {rests} on {plural(len(sources), 'source')}, all tied to {overall.groups[0].top.record.name}."
    single = sum(len(sourcing.sources) == 1 for sourcing in sourcings)
    one_side = sum(len(sourcing.sources) > 1 and sourcing.independent == 1 for sourcing in sourcings)
    independent = len(claims) - single - one_side
    parts = [
        (single, "on a single report"),
        (one_side, "on sources tied to one side"),
        (independent, "on independent sources"),
    ]
    said = [f"{number_text(count)} {text}" for count, text in parts if count]
    said[0] = said[0].replace(" on ", " rests on " if said[0].startswith("1 ") else " rest on ", 1)
    listed = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
    return f"Of {plural(len(claims), 'claim')}, {listed}."


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
class SearchFilter:
    """A choice on the search page: the search index's filter of that name (search.FILTERS), its values."""

    name: str
    label: str
    values: list[str]


def search_filters(site: Site) -> list[SearchFilter]:
    """Filter search results by the kind of record, and claims by status: only values the site has."""
    kinds = [("Event", site.events), ("Actor", site.actors), ("Claim", site.claims), ("Source", site.sources)]
    kinds.append(("Staff member", site.staff))
    return [
        SearchFilter("kind", "Kind of page", [kind for kind, nodes in kinds if nodes]),
        SearchFilter("status", "Status of a claim", [status.capitalize() for status, _ in site.claims_by_status]),
    ]


@dataclass(frozen=True)
class TimelineEntry:
    date: str
    date_text: str
    kind: str  # "event" or "claim"
    node: EventNode | ClaimNode
    note: str = ""
    """For an event not held as planned, what became of it ('Postponed: did not take place on the date planned'):
    the timeline lists it at the date planned, and says so in words."""
    order_unknown: bool = False
    """Whether the record shares its date with another and has neither a time nor a sequence: where it stands
    among them is not known, and the timeline says so rather than let its place suggest an order."""

    @property
    def order_note(self) -> str:
        """The words for an unknown order: 'within the day' only where the date is one day, known exactly (a
        claim made 'on or before 31 January' may stand anywhere before it)."""
        if not self.order_unknown:
            return ""
        exact_day = len(self.date) == len("YYYY-MM-DD") and self.node.record.date_qualifier == "exact"
        return ORDER_UNKNOWN if exact_day else ORDER_UNKNOWN_INEXACT


ORDER_UNKNOWN = "order within the day unknown"
ORDER_UNKNOWN_INEXACT = "order unknown"
"""What the timeline says by a record whose place among the records of its date is not known."""


def timeline(site: Site) -> list[TimelineEntry]:
    """Every dated event and claim, oldest first; on one date, events before the claims about them."""
    entries = [
        TimelineEntry(event.record.date, event.date_text, "event", event, event.status_note) for event in site.events
    ]
    entries += [TimelineEntry(claim.record.date, claim.date_text, "claim", claim) for claim in site.claims]
    return _with_unknown_order(sorted(entries, key=_timeline_order))


def _with_unknown_order(entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """The entries, each marked whose order among the others of its date is not known (no time, no sequence)."""
    per_date = Counter(entry.date for entry in entries)

    def unknown(entry: TimelineEntry) -> bool:
        _, time, sequence, _ = entry.node.sort_key
        return per_date[entry.date] > 1 and not time and not sequence

    return [replace(entry, order_unknown=True) if unknown(entry) else entry for entry in entries]


def _timeline_order(entry: TimelineEntry) -> tuple:
    """By date, then by time of day or sequence where the editor gave one, then events before claims."""
    date, time, sequence, record_id = entry.node.sort_key
    return (date, time, sequence, entry.kind != "event", record_id)


@dataclass(frozen=True)
class Stance:
    """One actor's stance on one claim, as the sources give it: 'asserts', 'relays', 'disputes and questions'."""

    actor: ActorNode
    stance: str

    @property
    def css_class(self) -> str:
        return "stance-" + self.stance.replace(" ", "-")


@dataclass(frozen=True)
class ClaimStances:
    """A claim about an event and every stance the sources record on it: never a 'no statement'."""

    claim: ClaimNode
    stances: list[Stance]


@dataclass(frozen=True)
class StanceGroup:
    """Rows of the who-says-what view shown together: competing accounts of one matter, or a claim alone."""

    rows: list[ClaimStances]

    @property
    def competing(self) -> bool:
        return len(self.rows) > 1


def who_says_what(event: EventNode) -> list[StanceGroup]:
    """Who says what about one event: a row per claim (disputed first), with only the actors that take a stance on it
    (the claimant first, then who relays it, then who responds, in the order of the responses). Competing accounts
    are grouped, where the first of them would come.

    A row per claim rather than a column keeps the view readable however many claims an event has."""
    return [StanceGroup([claim_stances(claim) for claim in group]) for group in account_groups(event)]


def account_groups(event: EventNode) -> list[list[ClaimNode]]:
    """The event's claims in list order (disputed first), each with the claims about the event that compete with
    it, directly or through another, brought up beside it."""
    about_event = {id(claim) for claim in event.claims}
    placed: set[int] = set()
    groups = []
    for claim in by_status(event.claims):
        if id(claim) in placed:
            continue
        group, waiting = [], [claim]
        while waiting:
            member = waiting.pop()
            if id(member) in placed:
                continue
            placed.add(id(member))
            group.append(member)
            waiting += [other for other in member.competing if id(other) in about_event]
        groups.append(by_status(group))
    return groups


def competing_accounts(event: EventNode) -> list[list[ClaimNode]]:
    """The groups of competing accounts about the event, shown side by side on its page."""
    return [group for group in account_groups(event) if len(group) > 1]


def claim_stances(claim: ClaimNode) -> ClaimStances:
    """Each actor that speaks about the claim once, with every stance it takes in words ('relays and disputes'),
    in the order of stances_on."""
    speakers: dict[int, ActorNode] = {}
    stances: dict[int, list[str]] = {}
    for actor, stance in stances_on(claim):
        speakers[id(actor)] = actor
        stances.setdefault(id(actor), []).append(stance)
    return ClaimStances(claim, [Stance(actor, " and ".join(stances[key])) for key, actor in speakers.items()])


DIAGRAM_WIDTH = 704
"""The diagram's width in pixels: the text column's, so that it is drawn at its own size on a desktop."""
FONT_SIZE = 15
LINE_HEIGHT = 19
PADDING = 7
"""Between a box's border and its text."""
GAP = 12
"""Between two boxes of a column."""
ACTOR_WIDTH = 196
CLAIM_X = 356
CLAIM_WIDTH = DIAGRAM_WIDTH - CLAIM_X - 1
CHAR_WIDTH = 8.6
"""A generous average advance of a character at FONT_SIZE in the usual sans-serif fonts, for wrapping."""


@dataclass(frozen=True)
class DiagramBox:
    """An actor or a claim: a box with its full label wrapped into lines."""

    node: ActorNode | ClaimNode
    lines: list[str]
    x: int
    y: int
    width: int
    height: int

    @property
    def text_x(self) -> int:
        return self.x + PADDING

    @property
    def placed_lines(self) -> list[tuple[str, int]]:
        """Each line of the label with its baseline."""
        return [(line, self.y + PADDING + FONT_SIZE + number * LINE_HEIGHT) for number, line in enumerate(self.lines)]

    @property
    def middle(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True)
class DiagramEdge:
    """A curve from an actor's box to a claim's: its line style says the stance."""

    stance: str
    actor: ActorNode
    claim: ClaimNode
    path: str


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    actors: list[DiagramBox]
    claims: list[DiagramBox]
    edges: list[DiagramEdge]
    relations: list[ClaimStances]
    """The same relations in words, claim by claim: the diagram's list form (on a phone, to a screen reader)."""
    all_claims: int = 0
    """How many claims the site has: more than the diagram draws when it was limited (see drawn_claims)."""

    @property
    def limited(self) -> bool:
        return self.all_claims > len(self.claims)

    @property
    def statuses(self) -> list[str]:
        """Every status, for the legend: a reader learns them all, whichever the claims drawn have."""
        return list(STATUS_ORDER)


def wrap_label(text: str, width: int) -> list[str]:
    """The whole label in lines that fit a box of that many pixels: never cut short."""
    return textwrap.wrap(" ".join(text.split()), max(8, int((width - 2 * PADDING) / CHAR_WIDTH))) or [""]


def _box(node: ActorNode | ClaimNode, lines: list[str], x: int, y: int, width: int) -> DiagramBox:
    return DiagramBox(node, lines, x, y, width, 2 * PADDING + FONT_SIZE + (len(lines) - 1) * LINE_HEIGHT + 4)


def stances_on(claim: ClaimNode) -> list[tuple[ActorNode, str]]:
    """Every stance taken on the claim, as (actor, stance), each once: the claimant asserts it, who reports it
    relays it, then each response's actor takes its stance. An actor that disputes and questions has two."""
    links = [(claim.claimant, "asserts")]
    if claim.reported_by:
        links.append((claim.reported_by, "relays"))
    links += [(response.actor, response.record.stance) for response in claim.responses]
    return list(dict.fromkeys((actor, stance) for actor, stance in links if actor is not None))


def relationship_diagram(site: Site, most_claims: int | None = None) -> Diagram:
    """Claims in a column on the right, each with its status; the actors on the left, each placed level
    with the claims it speaks about (in that order, so that few lines cross), and a curve for each
    assertion, relay and response, its ends spread along the boxes so that no two lines meet there.
    Of more claims than most_claims, only that many (see drawn_claims).

    Every coordinate is computed here from the records alone: the same records draw the same bytes."""
    drawn = drawn_claims(site.claims, most_claims)
    claims, y = [], GAP
    for claim in _claims_in_order(drawn):
        lines = wrap_label(claim.record.statement, CLAIM_WIDTH) + [f"Status: {claim.record.status.capitalize()}"]
        claims.append(_box(claim, lines, CLAIM_X, y, CLAIM_WIDTH))
        y += claims[-1].height + GAP
    claim_box = {id(box.node): box for box in claims}
    links = [(actor, stance, box.node) for box in claims for actor, stance in stances_on(box.node)]

    speaking: dict[int, list[float]] = {}
    for actor, _, claim in links:
        speaking.setdefault(id(actor), []).append(claim_box[id(claim)].middle)
    nodes = {id(actor): actor for actor, _, _ in links}
    order = sorted(nodes, key=lambda key: (sum(speaking[key]) / len(speaking[key]), nodes[key].sort_key))
    actors, bottom = [], 0
    for key in order:
        lines = wrap_label(nodes[key].record.name, ACTOR_WIDTH)
        height = _box(nodes[key], lines, 0, 0, ACTOR_WIDTH).height
        wanted = round(sum(speaking[key]) / len(speaking[key]) - height / 2)
        actors.append(_box(nodes[key], lines, 1, max(bottom + GAP, wanted), ACTOR_WIDTH))
        bottom = actors[-1].y + actors[-1].height
    actor_box = {id(box.node): box for box in actors}

    # Each end of a line gets its own place along its box, in the order of the other ends: no two meet.
    starts = _spread(links, actor_box, lambda link: (id(link[0]), claim_box[id(link[2])].middle))
    ends = _spread(links, claim_box, lambda link: (id(link[2]), actor_box[id(link[0])].middle))
    edges = []
    for number, (actor, stance, claim) in enumerate(links):
        x1, x2 = actor_box[id(actor)].x + ACTOR_WIDTH, CLAIM_X
        y1, y2 = starts[number], ends[number]
        middle = (x1 + x2) / 2
        path = f"M{x1} {y1:g} C{middle:g} {y1:g} {middle:g} {y2:g} {x2} {y2:g}"
        edges.append(DiagramEdge(stance, actor, claim, path))
    height = max(bottom, y) + GAP
    relations = [claim_stances(claim) for claim in drawn]
    return Diagram(DIAGRAM_WIDTH, height, actors, claims, edges, relations, len(site.claims))


def drawn_claims(claims: list[ClaimNode], most: int | None) -> list[ClaimNode]:
    """The claims a diagram draws, in their order: all of them, or of more than `most`, the `most` claims that
    the most actors take a stance on, the disputed first among equals (a drawing of thousands of claims
    reads as nothing, and weighs megabytes)."""
    if most is None or len(claims) <= most:
        return claims
    speakers = {id(claim): len({id(actor) for actor, _ in stances_on(claim)}) for claim in claims}
    ranked = sorted(claims, key=lambda claim: (-speakers[id(claim)], STATUS_ORDER.index(claim.record.status)))
    chosen = {id(claim) for claim in ranked[:most]}
    return [claim for claim in claims if id(claim) in chosen]


def _claims_in_order(claims: list[ClaimNode]) -> list[ClaimNode]:
    """The claims grouped by who speaks about them, so that few lines cross: each claim goes by the mean
    place of its actors, each actor at the mean place of its claims (two sweeps of the barycentre method)."""
    place = {id(claim): float(number) for number, claim in enumerate(claims)}
    for _ in range(2):
        actor_places: dict[int, list[float]] = {}
        for claim in claims:
            for actor, _stance in stances_on(claim):
                actor_places.setdefault(id(actor), []).append(place[id(claim)])
        actor_place = {key: sum(places) / len(places) for key, places in actor_places.items()}
        order = sorted(
            claims,
            key=lambda claim: (
                sum(actor_place[id(actor)] for actor, _ in stances_on(claim)) / max(1, len(stances_on(claim))),
                place[id(claim)],
            ),
        )
        place = {id(claim): float(number) for number, claim in enumerate(order)}
    return sorted(claims, key=lambda claim: place[id(claim)])


def _spread(links: list, boxes: dict, place: Callable[[tuple], tuple[int, float]]) -> list[float]:
    """Where each link meets its box on one side (place gives the box's key and the height of the line's
    other end): spread evenly down the box, in the order of the other ends."""
    by_box: dict[int, list[tuple[float, int]]] = {}
    for number, link in enumerate(links):
        key, towards = place(link)
        by_box.setdefault(key, []).append((towards, number))
    ys = [0.0] * len(links)
    for key, ends in by_box.items():
        box = boxes[key]
        for slot, (_, number) in enumerate(sorted(ends)):
            ys[number] = round(box.y + box.height * (slot + 1) / (len(ends) + 1), 1)
    return ys


# The Corrections page: every correction and clarification on the site


LISTED_CHANGE_KINDS = ("correction", "clarification")
"""The kinds of change the Corrections page lists: what the site got wrong, and what it said unclearly. Updates
(new information) and status changes are on each page's Changes and in the feed."""
RECORD_KIND_WORDS = {"source": "Source", "actor": "Actor", "event": "Event", "claim": "Claim", "staff": "Staff"}


@dataclass(frozen=True)
class PageChanges:
    """The changelog of a page that is not a record's: the home page's overview, or a Pelican page (About,
    Methodology, Corrections), as the Corrections page lists it."""

    title: str
    href: str
    """The page's address, relative to the site's root."""
    kind_words: str
    """What the page is, in words: 'Home page', 'Page'."""
    changelog: list[Change]


@dataclass(frozen=True)
class ListedChange:
    """One entry of the Corrections page: a change, and the page it belongs to, linked to the change itself."""

    change: Change
    page_title: str
    page_kind: str
    """What the page is, in words: 'Claim', 'Actor', 'Home page', 'Page'."""
    href: str
    """The change on its page, relative to the site's root: actors/andrii-yusov.html#change-2."""


def change_kind_words(kind: str) -> str:
    """A kind of change in words: 'Correction', 'Status change' (models.CHANGE_KIND_WORDS)."""
    return CHANGE_KIND_WORDS[kind]


def site_corrections(site: Site, other_pages: Iterable[PageChanges] = ()) -> list[ListedChange]:
    """Every correction and clarification of the records, the overview and the other pages, newest first (the
    same date: in the order of the pages' addresses, then of their changelogs). Staff pages only when the graph
    has them."""
    pages = [
        PageChanges(node.heading, node.href, RECORD_KIND_WORDS.get(node.kind, node.kind.capitalize()),
                    node.record.changelog)
        for node in site.record_nodes
    ]  # fmt: skip
    if site.overview is not None:
        title = site.overview.title
        pages.append(PageChanges(title, "index.html", "Home page", site.overview.changelog))
    pages += other_pages
    listed = [
        ListedChange(change, page.title, page.kind_words, f"{page.href}#change-{number}")
        for page in sorted(pages, key=lambda page: page.href)
        for number, change in enumerate(page.changelog, start=1)
        if change.kind in LISTED_CHANGE_KINDS
    ]
    return sorted(listed, key=lambda entry: entry.change.date, reverse=True)  # stable: ties keep their order


@dataclass(frozen=True)
class ChangeKindMeaning:
    """One kind of change, in words, and when an editor chooses it (models.CHANGE_KIND_MEANINGS)."""

    kind: str
    words: str
    meaning: str


def change_kind_legend() -> list[ChangeKindMeaning]:
    """Every kind of change with what it means, for the Corrections page: never a second list."""
    return [ChangeKindMeaning(kind, CHANGE_KIND_WORDS[kind], CHANGE_KIND_MEANINGS[kind]) for kind in CHANGE_KIND_WORDS]


@dataclass(frozen=True)
class QuoteKindCounts:
    """The quotes the pages show (each claim's, response's, figure's and reply's), counted by whose words each is
    where it is shown: a speaker's own, inside quotation marks in the source, or the source's own (its reporting
    or paraphrase). The About page says these numbers, so that it never claims more than the build checked."""

    direct: int
    reported: int

    @property
    def sentence(self) -> str:
        """'The pages show 16 quotes: 3 are a speaker's own words, ..., and 13 are the source's own words, ...'."""
        shown = self.direct + self.reported
        if not shown:
            return "The pages show no quotes yet."
        direct = f"{number_text(self.direct)} {'is' if self.direct == 1 else 'are'} a speaker's own words"
        reported = f"{number_text(self.reported)} {'is' if self.reported == 1 else 'are'} the source's own words"
        return (
            f"The pages show {plural(shown, 'quote')}: {direct}, inside quotation marks in the source, and "
            f"{reported}, its reporting or paraphrase."
        )


def quote_kind_counts(site: Site) -> QuoteKindCounts:
    """Every place a quote is shown, by the kind the page gives it (QuoteNode.voice_for): a passage quoted by
    two records is counted twice, as a reader meets it twice."""
    direct = reported = 0
    for quote in site.quotes:
        for use in quote.uses:
            if quote.voice_for(use.node, None).direct:
                direct += 1
            else:
                reported += 1
    return QuoteKindCounts(direct, reported)
