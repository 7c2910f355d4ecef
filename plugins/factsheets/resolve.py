"""Stage 3: turn validated records into a linked graph (graph.py), with backlinks computed once.

Each record becomes a node whose reference fields hold the linked nodes instead of ids, and which gains
the lists that point back. Unknown ids, wrong kinds, duplicates and cycles are reported.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from .graph import (
    ActorNode,
    ClaimNode,
    CommentRequestNode,
    EventNode,
    FigureNode,
    Node,
    QuoteNode,
    QuoteUse,
    ResponseNode,
    Site,
    SourceNode,
    StaffNode,
    add_link,
    share_empty_lists,
    unique_nodes,
)
from .models import Overview
from .problems import FieldPath, Problem, did_you_mean
from .sheets import ValidSheet

MAX_SUGGESTIONS = 100
"""Unknown references that get a "did you mean": each is compared with every id of its kind, so a file of
thousands of wrong references would otherwise take minutes (2,000 took 108 s); the first ones get it."""


class _Resolver:
    def __init__(self, invalid_ids: frozenset[str]) -> None:
        self.invalid_ids = invalid_ids
        self.suggestions_left = MAX_SUGGESTIONS
        self.problems: list[Problem] = []
        self.by_id: dict[str, Node] = {}
        self.quotes: dict[tuple[str, str], QuoteNode] = {}
        self.anchors: set[str] = set()
        self.left_out: dict[str, Node] = {}
        """The drafts and records in review a publish build leaves out (their figures too), by id."""

    def register(self, node: Node) -> Node:
        record_id = node.record.id
        if record_id is None:  # a partial record whose id failed validation: its references are still checked
            return node
        first = self.by_id.get(record_id)
        if first is None:
            self.by_id[record_id] = node
        else:
            line, _ = first.sheet.file.position(first.path + ("id",))
            self.problems.append(
                node.problem(
                    ("id",),
                    f"duplicate id '{record_id}'",
                    f"already used by the {first.kind} at {first.sheet.file.path}:{line}",
                )
            )
        return node

    def _suggest(self, ref: str, expected: type[Node]) -> str:
        if self.suggestions_left <= 0:
            return ""
        self.suggestions_left -= 1
        return did_you_mean(ref, (key for key, value in self.by_id.items() if isinstance(value, expected)))

    def link(self, node: Node, field_path: FieldPath, ref: str | None, expected: type[Node]) -> Any:
        if ref is None:
            return None
        target = self.by_id.get(ref)
        if isinstance(target, expected):
            if node.published and not target.published:  # kept (not a publish build): a warning
                self.problems.append(_unpublished_reference(node, field_path, ref, target).as_warning())
            return target
        if target is None and isinstance(self.left_out.get(ref), expected):
            if node.published:
                self.problems.append(_unpublished_reference(node, field_path, ref, self.left_out[ref]))
            return None
        if target is None and ref in self.invalid_ids:
            return None
        if target is None:
            self.problems.append(
                node.problem(field_path, f"unknown {expected.kind} '{ref}'", self._suggest(ref, expected))
            )
        else:
            self.problems.append(
                node.problem(
                    field_path,
                    f"'{ref}' is {_article(target.kind)} {target.kind}, not {_article(expected.kind)} {expected.kind}",
                )
            )
        return None

    def link_all(self, node: Node, field_name: str, refs: list[str], expected: type[Node]) -> list:
        return unique_nodes(self.link(node, (field_name, index), ref, expected) for index, ref in enumerate(refs))

    def quote(self, node: Node, field_path: FieldPath, quote) -> QuoteNode | None:
        speaker = self.link(node, field_path + ("speaker",), getattr(quote, "speaker", None), ActorNode)
        source = self.link(node, field_path + ("source",), quote.source, SourceNode)
        if source is None or quote.text is None:  # a partial quote's text failed validation
            return None
        key = (quote.source, " ".join(quote.text.split()))
        shared = self.quotes.get(key)
        if shared is None:
            anchor = first_choice = "quote-" + hashlib.sha1("\n".join(key).encode()).hexdigest()[:10]
            count = 1
            while anchor in self.anchors:  # two quotes whose digests begin alike: ids on a page stay unique
                count += 1
                anchor = f"{first_choice}-{count}"
            self.anchors.add(anchor)
            shared = self.quotes[key] = QuoteNode(quote.text.strip(), source, anchor)
            add_link(source, "quotes", shared)
        add_link(shared, "uses", QuoteUse(node, speaker))
        add_link(shared, "written_at", (node, field_path))
        return shared


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _unpublished_reference(node: Node, field_path: FieldPath, ref: str, target: Node) -> Problem:
    """A published record's reference to a draft or a record in review, naming both (an error: a publish build;
    a warning, with the same words: any other build)."""
    owner = target.owner
    line, column = owner.sheet.file.position(owner.path)
    return node.problem(
        field_path,
        f"'{ref}' is {target.publication_words} ({owner.sheet.file.path}:{line}:{column}): "
        "a published record cannot refer to it until it is published",
    )


def _leave_out_unpublished(nodes: _Registered, resolver: _Resolver) -> list[str]:
    """Take the drafts and the records in review (an event's figures with it) out of the site before anything is
    linked (a publish build): no page, list, count, search entry, feed or open data can then come from them, and a
    published record's reference to one is reported by name (_Resolver.link). Returns their ids, in order."""
    left_out: list[Node] = []
    for kind in ("sources", "actors", "events", "claims", "staff"):
        kept = [node for node in getattr(nodes, kind) if node.published]
        left_out += [node for node in getattr(nodes, kind) if not node.published]
        setattr(nodes, kind, kept)
    for node in left_out:
        for part in [node, *(node.figures if isinstance(node, EventNode) else [])]:
            record_id = part.record.id
            if record_id is not None and resolver.by_id.get(record_id) is part:
                del resolver.by_id[record_id]
                resolver.left_out[record_id] = part
    nodes.figures = [figure for figure in nodes.figures if figure.event.published]
    return [node.record.id for node in left_out]


def resolve(
    sheets: list[ValidSheet], invalid_ids: frozenset[str] = frozenset(), leave_out_unpublished: bool = False
) -> tuple[Site, list[Problem]]:
    """Link every reference; report unknown ids, wrong kinds, duplicates and cycles.

    Partial records (validation failed on some of their fields) are linked like the others, as far as
    their valid fields go: the site is then never rendered, but their other problems are found. A
    reference to one of invalid_ids (written in a record that failed, or in a file that could not be
    read), which no record took, is left unlinked without a second message. leave_out_unpublished (a
    publish build) leaves the drafts and records in review out of the site; a published record's reference
    to one is an error then, a warning otherwise.
    """
    resolver = _Resolver(invalid_ids)
    nodes = _register_records(sheets, resolver)
    left_out = _leave_out_unpublished(nodes, resolver) if leave_out_unpublished else []
    _link_sources(nodes.sources, resolver)
    _link_actors(nodes.actors, resolver)
    _link_events(nodes.events, resolver)
    _link_claims(nodes.claims, resolver)
    _link_bylines(nodes.claims, resolver)
    _gather_event_actors(nodes.events)
    _sort_backlinks(nodes)
    overview, key_figures = _resolve_overview(nodes.overviews, resolver)
    # Figures and responses hold no lists; a quote's are filled when it is made.
    share_empty_lists(chain(nodes.sources, nodes.actors, nodes.events, nodes.claims, nodes.staff))
    site = Site(
        overview=overview,
        key_figures=key_figures,
        sources=sorted(nodes.sources, key=lambda source: source.sort_key),
        actors=sorted(nodes.actors, key=lambda actor: actor.sort_key),
        events=sorted(nodes.events, key=lambda event: event.sort_key),
        claims=sorted(nodes.claims, key=lambda claim: claim.sort_key),
        figures=nodes.figures,
        quotes=list(resolver.quotes.values()),
        sheets=sheets,
        staff=sorted(nodes.staff, key=lambda member: member.sort_key),
        left_out=left_out,
    )
    return site, resolver.problems


@dataclass
class _Registered:
    """Every record's node, by kind, in the order of the files; the overviews found."""

    sources: list[SourceNode] = field(default_factory=list)
    actors: list[ActorNode] = field(default_factory=list)
    events: list[EventNode] = field(default_factory=list)
    claims: list[ClaimNode] = field(default_factory=list)
    figures: list[FigureNode] = field(default_factory=list)
    overviews: list[tuple[ValidSheet, Overview]] = field(default_factory=list)
    staff: list[StaffNode] = field(default_factory=list)


def _register_records(sheets: list[ValidSheet], resolver: _Resolver) -> _Registered:
    """A node for each record (an event's figures included), each id registered once."""
    nodes = _Registered()
    for sheet in sheets:
        if sheet.overview is not None:
            nodes.overviews.append((sheet, sheet.overview))
        nodes.sources += [resolver.register(SourceNode(r, sheet, ("sources", i))) for i, r in sheet.of_kind("sources")]
        nodes.actors += [resolver.register(ActorNode(r, sheet, ("actors", i))) for i, r in sheet.of_kind("actors")]
        for i, record in sheet.of_kind("events"):
            event = resolver.register(EventNode(record, sheet, ("events", i)))
            nodes.events.append(event)
            for j, figure_record in enumerate(record.figures):
                figure = resolver.register(FigureNode(figure_record, sheet, ("events", i, "figures", j), event=event))
                add_link(event, "figures", figure)
                nodes.figures.append(figure)
        nodes.claims += [resolver.register(ClaimNode(r, sheet, ("claims", i))) for i, r in sheet.of_kind("claims")]
        nodes.staff += [resolver.register(StaffNode(r, sheet, ("staff", i))) for i, r in sheet.of_kind("staff")]
    return nodes


def _link_sources(sources: list[SourceNode], resolver: _Resolver) -> None:
    """A source's publisher and distributor; each actor's list of the sources it published."""
    for source in sources:
        source.publisher = resolver.link(source, ("publisher",), source.record.publisher, ActorNode)
        source.distributor = resolver.link(source, ("distributor",), source.record.distributor, ActorNode)
        for actor in (source.publisher, source.distributor):
            if actor:
                add_link(actor, "sources_published", source)


def _link_actors(actors: list[ActorNode], resolver: _Resolver) -> None:
    """Each actor's affiliation and its members; an affiliation that goes round in a circle is reported."""
    for actor in actors:
        actor.affiliation = resolver.link(actor, ("affiliation",), actor.record.affiliation, ActorNode)
        if actor.affiliation:
            add_link(actor.affiliation, "members", actor)
    _check_affiliation_cycles(actors, resolver.problems)


def _link_events(events: list[EventNode], resolver: _Resolver) -> None:
    """An event's participants, related events and sources; its figures' speakers, quotes and claims."""
    for event in events:
        event.participants = resolver.link_all(event, "participants", event.record.participants, ActorNode)
        event.related = resolver.link_all(event, "related", event.record.related, EventNode)
        event.sources = resolver.link_all(event, "sources", event.record.sources, SourceNode)
        for figure in event.figures:
            figure.according_to = resolver.link(figure, ("according_to",), figure.record.according_to, ActorNode)
            figure.quote = resolver.quote(figure, ("quote",), figure.record.quote)
            if figure.according_to:
                add_link(figure.according_to, "figures", figure)
            figure.claim = resolver.link(figure, ("claim",), figure.record.claim, ClaimNode)
            if figure.claim:
                add_link(figure.claim, "figures", figure)


def _link_claims(claims: list[ClaimNode], resolver: _Resolver) -> None:
    """A claim's claimant, relay, events, quote, responses and subjects, with the lists that point back to
    it; then the claims it competes with or restates, both ways."""
    for claim in claims:
        claim.claimant = resolver.link(claim, ("claimant",), claim.record.claimant, ActorNode)
        claim.reported_by = resolver.link(claim, ("reported_by",), claim.record.reported_by, ActorNode)
        claim.about = resolver.link_all(claim, "about", claim.record.about, EventNode)
        claim.quote = resolver.quote(claim, ("quote",), claim.record.quote)
        _link_responses(claim, resolver)
        _link_comment_requests(claim, resolver)
        if claim.claimant:
            add_link(claim.claimant, "claims_made", claim)
        if claim.reported_by:
            add_link(claim.reported_by, "claims_relayed", claim)
        for event in claim.about:
            add_link(event, "claims", claim)
        claim.subjects = resolver.link_all(claim, "subjects", claim.record.subjects, ActorNode)
    for claim in claims:
        _link_both_ways(resolver, claim, "competes_with", "competing")
        _link_both_ways(resolver, claim, "restates", "restated_in")


def _link_bylines(claims: list[ClaimNode], resolver: _Resolver) -> None:
    """Who checked and who edited each claim (staff members, never actors), and each one's lists of the checks
    they signed."""
    for claim in claims:
        claim.checked_by = resolver.link(claim, ("checked_by",), claim.record.checked_by, StaffNode)
        claim.edited_by = resolver.link(claim, ("edited_by",), claim.record.edited_by, StaffNode)
        if claim.checked_by:
            add_link(claim.checked_by, "checked", claim)
        if claim.edited_by:
            add_link(claim.edited_by, "edited", claim)


def _link_responses(claim: ClaimNode, resolver: _Resolver) -> None:
    """A node for each response to the claim, with its actor and quote; each actor's list of its responses."""
    for index, record in enumerate(claim.record.responses):
        response = ResponseNode(record, claim.sheet, claim.path + ("responses", index), claim=claim)
        response.actor = resolver.link(response, ("actor",), record.actor, ActorNode)
        response.quote = resolver.quote(response, ("quote",), record.quote)
        add_link(claim, "responses", response)
        if response.actor:
            add_link(response.actor, "responses", response)


def _link_comment_requests(claim: ClaimNode, resolver: _Resolver) -> None:
    """A node for each of the desk's requests for comment on the claim, with the actor asked and the reply's
    quote, which is checked against its source like every quote."""
    for index, record in enumerate(claim.record.asked_for_comment or []):
        if record is None:  # an item of a partial claim that could not be read at all
            continue
        request = CommentRequestNode(record, claim.sheet, claim.path + ("asked_for_comment", index), claim=claim)
        request.actor = resolver.link(request, ("actor",), record.actor, ActorNode)
        if record.reply is not None:
            request.reply = resolver.quote(request, ("reply",), record.reply)
        add_link(claim, "comment_requests", request)


def _gather_event_actors(events: list[EventNode]) -> None:
    """Everyone an event concerns, its participants and whoever speaks about it, and each actor's events."""
    for event in events:
        speakers = (
            [claim.claimant for claim in event.claims]
            + [response.actor for claim in event.claims for response in claim.responses]
            + [figure.according_to for figure in event.figures]
        )
        event.actors = sorted(unique_nodes(event.participants + speakers), key=lambda actor: actor.sort_key)
        event.claims.sort(key=lambda claim: claim.sort_key)
        for actor in event.actors:
            add_link(actor, "events", event)


def _sort_backlinks(nodes: _Registered) -> None:
    """The lists that point back, in the order pages show them: by date, then name or id."""
    for actor in nodes.actors:
        actor.events.sort(key=lambda event: event.sort_key)
        for backlinks in (actor.claims_made, actor.claims_relayed, actor.members, actor.sources_published):
            backlinks.sort(key=lambda node: node.sort_key)
    for claim in nodes.claims:
        claim.competing.sort(key=lambda node: node.sort_key)
        claim.restated_in.sort(key=lambda node: node.sort_key)
    for source in nodes.sources:
        source.quotes.sort(key=lambda quote: quote.anchor)
    for member in nodes.staff:
        member.checked.sort(key=lambda node: node.sort_key)
        member.edited.sort(key=lambda node: node.sort_key)


def _link_both_ways(resolver: _Resolver, claim: ClaimNode, field_name: str, backlinks: str) -> None:
    """Claims a claim names in field_name, and the claim in theirs: a link an editor writes on either side."""
    for other in resolver.link_all(claim, field_name, getattr(claim.record, field_name), ClaimNode):
        for one, linked in ((claim, other), (other, claim)):
            if linked is not one and linked not in getattr(one, backlinks):
                add_link(one, backlinks, linked)


def _resolve_overview(overviews, resolver: _Resolver) -> tuple[Overview | None, list[FigureNode]]:
    if not overviews:
        return None, []
    for sheet, _ in overviews[1:]:
        first_file = overviews[0][0].file
        resolver.problems.append(
            sheet.file.problem(("overview",), "a second overview", f"the site has one, already in {first_file.path}")
        )
    sheet, overview = overviews[0]
    figures = [
        resolver.link(Node(None, sheet, ("overview",)), ("key_figures", i), ref, FigureNode)
        for i, ref in enumerate(overview.key_figures)
    ]
    return overview, [figure for figure in figures if figure]


def _check_affiliation_cycles(actors: list[ActorNode], problems: list[Problem]) -> None:
    for actor in actors:
        chain = [actor]
        current = actor.affiliation
        while current is not None and current not in chain:
            chain.append(current)
            current = current.affiliation
        if current is actor:
            loop = " -> ".join(node.record.id for node in chain + [actor])
            problems.append(actor.problem(("affiliation",), f"affiliation goes round in a circle: {loop}"))
