"""The linked records: each record as a node, its references resolved and the lists that point back.

A node holds its validated record (``claim.record.statement``); its reference fields hold the linked
nodes instead of ids (``claim.claimant``), and it gains the lists that point back (``actor.claims_made``,
``event.claims``). ``Site`` holds them all, sorted for display. resolve.py builds the graph; verify.py
marks the archived texts; templates and the page plans only read it.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property
from typing import ClassVar, Generic, TypeVar
from urllib.parse import quote

from . import models
from .models import ACTOR_KIND_LABELS, PRECISION_WORDS, QUOTE_KIND_MEANINGS, STATUS_MEANINGS, Overview
from .problems import FieldPath, Problem
from .sheets import ValidSheet
from .wording import EVENT_DATE_LABELS, EVENT_STATUS_NOTES, describe_date, event_when, possessive

STATUS_ORDER = ("disputed", "refuted", "unverified", "uncontested", "confirmed")
"""How claim lists are ordered: what is contested first, what is settled last."""
TRAILING_ATTRIBUTION = re.compile(r",?\s+according to\b.*$", re.IGNORECASE | re.DOTALL)
PUBLICATION_WORDS = {
    "draft": "a draft {kind}",
    "in-review": "{article} {kind} in review",
    "published": "{article} {kind}",
}
"""A record's kind with its state of publication, as problems name it: 'a draft event', 'a source in review'."""
PUBLICATION_BANNERS = {
    "draft": "Draft: not published. A publish build leaves this page out.",
    "in-review": "In review: not published. A publish build leaves this page out.",
}
"""What the top of the page of a record that is not published says, in words (make html and the preview)."""


RecordT = TypeVar("RecordT")
"""The model of a node's record: models.Claim for a ClaimNode."""

_page_reads: ContextVar[set[str] | None] = ContextVar("page_reads", default=None)
"""While a page renders, the ids of the records it reads (see record_reads); None when nothing records."""


class _NoLinks(list):
    """The empty list that every node's empty list of links is (add_link makes a list of its own for the first
    link, share_empty_lists puts it back in place of the lists left empty): most nodes have few of their five
    to seven lists filled, and an empty list of its own costs each one 56 bytes or more (tens of megabytes at
    100,000 claims, in every process that writes pages). It refuses to be added to; everything else a list
    does, it does."""

    __hash__ = object.__hash__  # one object, shared on purpose: a dataclass field's default

    def _refuse(self, *arguments: object) -> None:
        raise TypeError("a node's links are made by resolve.py: this empty list is shared by every node")

    append = extend = insert = remove = pop = clear = __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse


NO_LINKS = _NoLinks()


@contextmanager
def record_reads() -> Iterator[set[str]]:
    """Note the ids of the top-level records read inside the block: what a page depends on."""
    reads: set[str] = set()
    token = _page_reads.set(reads)
    try:
        yield reads
    finally:
        _page_reads.reset(token)


def note_reads(ids: Iterable[str]) -> None:
    """Note these ids as read, where reads are being recorded (what a part taken from the last build read)."""
    reads = _page_reads.get()
    if reads is not None:
        reads.update(ids)


@dataclass(eq=False, repr=False)
class Node(Generic[RecordT]):
    """A record in the graph: its validated record (``record``), with references resolved to nodes."""

    kind: ClassVar[str] = "record"
    folder: ClassVar[str] = ""
    parts: ClassVar[str] = ""
    """The field whose records have nodes of their own, held in the node's field of the same name (an
    event's figures, a claim's responses)."""
    quote_field: ClassVar[str] = "quote"
    """The field of the record that holds its quote, for a node that has one (a request for comment's: reply)."""

    _record: RecordT
    sheet: ValidSheet = field(repr=False)
    path: FieldPath
    # What href and read_as keep once made: fields set when the node is made, not cached_property nor
    # attributes added later, which would give each node a dictionary of its own (370 bytes twice over).
    _href: str = field(default="", kw_only=True)
    _read_as: str = field(default="", kw_only=True)

    @property
    def record(self) -> RecordT:
        """The validated record; reading it is noted while a page's reads are being recorded."""
        reads = _page_reads.get()
        if reads is not None:
            reads.add(self.read_as)
        return self._record

    def replace_record(self, record: RecordT) -> None:
        """Put an edited record, with the same id and references, in this node's place (the preview's updates),
        and its parts in their nodes' (an edit keeps their number and order)."""
        self._record = record
        part_records = getattr(record, self.parts) if self.parts else []
        for part, part_record in zip(self.part_nodes, part_records, strict=True):
            part.replace_record(part_record)

    @property
    def part_nodes(self) -> list[Node]:
        """The nodes of the record's parts, held in the field `parts` names; none for a record without parts."""
        return getattr(self, self.parts) if self.parts else []

    def __repr__(self) -> str:
        """The kind and id only: the graph's links go round (a claim's claimant lists the claim)."""
        return f"{type(self).__name__}({getattr(self._record, 'id', None)!r})"

    @property
    def read_as(self) -> str:
        """What reading the record notes: its owner's id (kept once found: an id changes only with a whole build)."""
        if not self._read_as:
            self._read_as = self.owner_id
        return self._read_as

    @property
    def owner_id(self) -> str:
        """The id of the top-level record this node's record belongs to (a figure's event, a response's claim)."""
        return self._record.id

    @property
    def owner(self) -> Node:
        """The node of the top-level record this node's record belongs to (a figure's event, a response's claim)."""
        return self

    @property
    def publication(self) -> str:
        """Whether the record (a part: the record it belongs to) is published, in review or a draft; the
        overview, which has no node of its own, is published."""
        record = self.owner.record
        return getattr(record, "publication", None) or "published"  # a partial record's may be missing

    @property
    def published(self) -> bool:
        return self.publication == "published"

    @property
    def publication_words(self) -> str:
        """The record's kind with its state, as a message names it: 'a draft event', 'a claim in review'."""
        article = "an" if self.kind[0] in "aeiou" else "a"
        return PUBLICATION_WORDS[self.publication].format(kind=self.kind, article=article)

    @property
    def publication_banner(self) -> str:
        """What the top of the record's page says when it is not published; empty when it is."""
        return PUBLICATION_BANNERS.get(self.publication, "")

    @property
    def href(self) -> str:
        """Kept once made: an id changes only with a whole new build (the preview's updates keep ids)."""
        if not self._href:
            self._href = f"{self.folder}/{self._record.id}.html"
        return self._href

    def problem(self, field_path: FieldPath, message: str, hint: str = "") -> Problem:
        return self.sheet.file.problem(self.path + field_path, message, hint)

    @property
    def date_text(self) -> str:
        """The record's date in words, with its precision: '24 January 2024', 'on or before January 2024'."""
        date = getattr(self.record, "date", None)
        return describe_date(date, getattr(self.record, "date_qualifier", "exact")) if date else ""

    @property
    def sort_key(self) -> tuple[str, str, int, str]:
        """By date, then by time of day or explicit sequence within a date, then by id."""
        fields = vars(self.record)  # a partial record's fields may be None; not every kind has a time or sequence
        time, sequence = fields.get("time"), fields.get("sequence")
        return (fields.get("date") or "", time or "", sequence or 0, fields.get("id") or "")

    @property
    def logged_dates(self) -> list[str]:
        """The dates of the record's changelog."""
        return [change.date for change in getattr(self.record, "changelog", None) or [] if change and change.date]

    @property
    def desk_dates(self) -> list[str]:
        """The desk's own dates for the record: its changelog's (a claim adds its status history's)."""
        return self.logged_dates

    @property
    def published_on(self) -> str | None:
        """When the desk first published the record: its earliest own date, if it has any."""
        return min(self.desk_dates, default=None)

    @property
    def updated(self) -> str | None:
        """The date of the record's latest change (or a claim's latest status change), if it has any."""
        return max(self.desk_dates, default=None)

    @property
    def changed_since_published(self) -> str | None:
        """The latest change, when it is later than the first publication."""
        return self.updated if self.updated != self.published_on else None

    @property
    def sources_drawn_on(self) -> list[SourceNode]:
        """The sources the record's words come from."""
        return []

    @property
    def information_as_of(self) -> str | None:
        """The sources' date: the newest publication date among the sources the record draws on."""
        return max((source.record.date for source in self.sources_drawn_on if source.record.date), default=None)

    @property
    def information_as_of_basis(self) -> str:
        """What the 'information as of' date is the date of, in words."""
        count = len(self.sources_drawn_on)
        return "the date of its source" if count == 1 else f"the date of the newest of its {count} sources"


@dataclass(eq=False)
class QuoteUse:
    """Where a quote is shown: the figure, claim or response that quotes it."""

    node: Node
    speaker: ActorNode | None = None
    """The actor an editor names as the speaker of a direct quote (the quote's `speaker`), if any."""

    @property
    def label(self) -> str:
        """Words that describe the use, read from the records when shown."""
        node = self.node
        if isinstance(node, FigureNode):
            return f"Figure: {node.record.label}"
        if isinstance(node, ResponseNode):
            actor_name = node.actor.record.name if node.actor else node.record.actor
            return f"Response by {actor_name} to: {node.claim.record.statement}"
        if isinstance(node, CommentRequestNode):
            actor_name = node.actor.record.name if node.actor else node.record.actor
            return f"Reply by {actor_name} to our request for comment on: {node.claim.record.statement}"
        return f"Claim: {node.record.statement}"

    @property
    def href(self) -> str:
        return self.node.href + ("#claim-quote" if isinstance(self.node, ClaimNode) else "")


@dataclass(eq=False)
class QuoteNode:
    """A verbatim passage of one source, shared by every record that quotes it."""

    text: str
    source: SourceNode
    anchor: str
    uses: list[QuoteUse] = NO_LINKS
    written_at: list[tuple[Node, FieldPath]] = field(default=NO_LINKS, repr=False)
    in_quotation_marks: bool | None = None
    """Whether the passage lies wholly inside quotation marks in the archived text (a speaker's words, as
    the source quotes them) or not (the source's own words); set by verify, None until it finds the passage."""

    @property
    def href(self) -> str:
        return f"{self.source.href}#{self.anchor}"

    @property
    def kind_meaning(self) -> str:
        """Where the passage stands in the source, in words: 'Direct: a speaker's own words, ...'."""
        return QUOTE_KIND_MEANINGS["direct" if self.in_quotation_marks else "reported"]

    def voice_for(self, node: Node, default_speaker: ActorNode | None) -> QuoteVoice:
        """Whose words the passage is where node quotes it: the kind its quote states, else where the passage
        stands; a direct quote's speaker is the one the quote names, else default_speaker."""
        record = getattr(node.record, node.quote_field)
        kind = getattr(record, "kind", None) or ("direct" if self.in_quotation_marks else "reported")
        use = next((use for use in self.uses if use.node is node), None)
        speaker = (use.speaker if use else None) or default_speaker
        return QuoteVoice(kind == "direct", speaker if kind == "direct" else None, self.source.publisher)

    @property
    def original_href(self) -> str | None:
        """A text-fragment link to the passage on the original site, where the source has an address."""
        url = self.source.record.url
        if not url:
            return None
        words = self.text.split()
        if len(words) <= 8:
            fragment = _fragment_part(" ".join(words))
        else:
            fragment = f"{_fragment_part(' '.join(words[:4]))},{_fragment_part(' '.join(words[-4:]))}"
        return f"{url.split('#', 1)[0]}#:~:text={fragment}"


@dataclass(frozen=True)
class QuoteVoice:
    """Whose words a quote is where it is shown: a speaker's as the source quotes them, or the source's own."""

    direct: bool
    speaker: ActorNode | None
    publisher: ActorNode | None

    @property
    def kind(self) -> str:
        return "direct" if self.direct else "reported"

    @property
    def text(self) -> str:
        """'In Andrii Yusov's words, as quoted by Ukrinform' or 'In Ukrinform's words'."""
        publisher = self.publisher.record.name if self.publisher else "the source"
        if self.direct and self.speaker is not None:
            return f"In {possessive(self.speaker.record.name)} words, as quoted by {publisher}"
        if self.direct:
            return f"In the speaker's words, as quoted by {publisher}"
        return f"In {possessive(publisher)} words"


@dataclass(eq=False, repr=False)
class ActorNode(Node[models.Actor]):
    kind: ClassVar[str] = "actor"
    folder: ClassVar[str] = "actors"
    affiliation: ActorNode | None = None
    members: list[ActorNode] = NO_LINKS
    claims_made: list[ClaimNode] = NO_LINKS
    claims_relayed: list[ClaimNode] = NO_LINKS
    responses: list[ResponseNode] = NO_LINKS
    figures: list[FigureNode] = NO_LINKS
    events: list[EventNode] = NO_LINKS
    sources_published: list[SourceNode] = NO_LINKS

    @property
    def heading(self) -> str:
        return self.record.name

    @property
    def kind_label(self) -> str:
        return ACTOR_KIND_LABELS[self.record.kind]

    @property
    def role_line(self) -> str | None:
        """What a person is ("President of Ukraine"), shown beside the name. A role of an organisation, a state
        or a group is the name the sources give it ("the Russian Defense Ministry"): another name, not news."""
        return self.record.role if self.record.kind == "person" else None

    @property
    def side(self) -> ActorNode:
        """The actor at the top of its affiliations (Ukraine for a Ukrainian ministry's spokesman): actors on
        one side are not independent of each other."""
        top, seen = self, {id(self)}
        while top.affiliation is not None and id(top.affiliation) not in seen:  # a cycle is reported apart
            top = top.affiliation
            seen.add(id(top))
        return top

    @property
    def named_in_sources(self) -> str | None:
        """The name the sources use for an actor that is not a person, when it is not its own name."""
        role = self.record.role
        if self.record.kind == "person" or not role or role.casefold() == self.record.name.casefold():
            return None
        return role

    @property
    def sort_key(self) -> tuple[str, str]:
        return ((self.record.name or "").casefold(), self.record.id or "")

    @property
    def sources_drawn_on(self) -> list[SourceNode]:
        """The sources of what the page says of the actor: its claims, responses, figures, the sources it
        published and those of the events it took part in or spoke about."""
        quotes = [claim.quote for claim in (*self.claims_made, *self.claims_relayed)]
        quotes += [response.quote for response in self.responses] + [figure.quote for figure in self.figures]
        sources = [quote.source for quote in quotes if quote] + self.sources_published
        return unique_nodes(sources + [source for event in self.events for source in event.sources])


@dataclass(eq=False, repr=False)
class SourceNode(Node[models.Source]):
    kind: ClassVar[str] = "source"
    folder: ClassVar[str] = "sources"
    publisher: ActorNode | None = None
    distributor: ActorNode | None = None
    quotes: list[QuoteNode] = NO_LINKS
    archived: MarkedText | None = None
    """The archived text with its quoted passages, once verify has read it."""

    @property
    def heading(self) -> str:
        return self.record.title

    @property
    def retrieved_text(self) -> str:
        """When the text was archived, as readers read it: '2 June 2023 at 08:15 UTC'."""
        retrieved = self.record.retrieved
        if not retrieved:
            return ""
        moment = datetime.datetime.strptime(retrieved, "%Y-%m-%dT%H:%M:%SZ")
        return f"{describe_date(retrieved[:10])} at {moment:%H:%M} UTC"

    @property
    def original_kind(self) -> str:
        """What the original is, by its name: HTML, PDF or TXT."""
        return (self.record.original or "").rpartition(".")[2].upper()

    @property
    def web_archive_url(self) -> str | None:
        """The Wayback Machine's copy nearest the moment the text was archived, made from the address and that
        moment with no network: the service redirects to its nearest capture."""
        if not (self.record.url and self.record.retrieved):
            return None
        return f"{WEB_ARCHIVE}/{re.sub(r'[-T:Z]', '', self.record.retrieved)}/{self.record.url}"

    @property
    def citation(self) -> str:
        """Who published it and when, for a quote's caption: the title and the rest are on the source's page."""
        publisher = self.publisher.record.name if self.publisher else self.record.publisher
        return f"{publisher}, {self.date_text}"

    @property
    def sources_drawn_on(self) -> list[SourceNode]:
        return [self]

    @property
    def information_as_of_basis(self) -> str:
        return "the date this source was published"


WEB_ARCHIVE = "https://web.archive.org/web"


@dataclass(eq=False, repr=False)
class FigureNode(Node[models.Figure]):
    kind: ClassVar[str] = "figure"
    event: EventNode | None = None
    according_to: ActorNode | None = None
    quote: QuoteNode | None = None
    claim: ClaimNode | None = None
    """The claim the number is part of: its status goes wherever the figure is shown."""

    @property
    def href(self) -> str:
        return f"{self.event.href}#figure-{self.record.id}"

    @property
    def value_text(self) -> str:
        """The number as read, with its precision: '207', 'about 17,000', 'at least 65'."""
        words = PRECISION_WORDS[self.record.precision]
        return f"{words} {self.record.value:,}" if words else f"{self.record.value:,}"

    @property
    def desk_sum(self) -> bool:
        """Whether the total is the desk's own sum of the parts the source gives (the source gives none)."""
        return not self.record.total_in_source and bool(self.record.breakdown)

    @property
    def parts_text(self) -> str:
        """The parts as the source gives them, added: '65 + 6 + 3'."""
        return " + ".join(f"{part.value:,}" for part in self.record.breakdown)

    @property
    def caption(self) -> str:
        """What the number counts, after the number: 'people on board the Il-76' (the label 'People on board
        the Il-76' starts with the unit), else 'people: Ukrainians returned'. Who gives it is said once, beside
        it (according_to), so a label's own 'according to ...' is left out."""
        label = TRAILING_ATTRIBUTION.sub("", self.record.label).strip() or self.record.label
        unit = self.record.unit
        first, _, rest = label.partition(" ")
        if rest and first.casefold() == unit.casefold():
            return f"{unit} {rest}"
        return f"{unit}: {label}"

    @property
    def owner_id(self) -> str:
        return self.event.owner_id

    @property
    def owner(self) -> Node:
        return self.event

    @property
    def quote_voice(self) -> QuoteVoice | None:
        """Whose words the figure's quote is: in a direct quote, the actor that gives the number speaks."""
        return self.quote.voice_for(self, self.according_to) if self.quote else None


@dataclass(eq=False, repr=False)
class EventNode(Node[models.Event]):
    kind: ClassVar[str] = "event"
    folder: ClassVar[str] = "events"
    parts: ClassVar[str] = "figures"
    participants: list[ActorNode] = NO_LINKS
    related: list[EventNode] = NO_LINKS
    figures: list[FigureNode] = NO_LINKS
    sources: list[SourceNode] = NO_LINKS
    claims: list[ClaimNode] = NO_LINKS
    actors: list[ActorNode] = NO_LINKS

    @property
    def heading(self) -> str:
        return self.record.title

    @property
    def date_label(self) -> str:
        """What the event's date is: 'Happened' only for an event held; 'Planned for', 'Scheduled for'."""
        return EVENT_DATE_LABELS[self.record.status or "held"]

    @property
    def status_note(self) -> str:
        """What became of an event not held as planned ('Postponed: did not take place on the date planned');
        empty for an event held."""
        return EVENT_STATUS_NOTES[self.record.status or "held"]

    @property
    def when_text(self) -> str:
        """The event's date as lists show it, with what became of it when it was not held (see wording.event_when)."""
        return event_when(self.date_text, self.record.status or "held")

    @property
    def sources_drawn_on(self) -> list[SourceNode]:
        """The sources that report the event, and those its figures quote."""
        return unique_nodes(self.sources + [figure.quote.source for figure in self.figures if figure.quote])


@dataclass(eq=False, repr=False)
class ResponseNode(Node[models.Response]):
    kind: ClassVar[str] = "response"
    claim: ClaimNode | None = None
    actor: ActorNode | None = None
    quote: QuoteNode | None = None

    @property
    def href(self) -> str:
        return f"{self.claim.href}#response-{self.path[-1] + 1}"

    @property
    def owner_id(self) -> str:
        return self.claim.owner_id

    @property
    def owner(self) -> Node:
        return self.claim

    @property
    def quote_voice(self) -> QuoteVoice | None:
        """Whose words the response's quote is: in a direct quote, the responding actor speaks."""
        return self.quote.voice_for(self, self.actor) if self.quote else None


@dataclass(eq=False, repr=False)
class CommentRequestNode(Node[models.CommentRequest]):
    """The desk's request for comment on a claim: the actor asked, and the reply's quote if one came."""

    kind: ClassVar[str] = "request for comment"
    quote_field: ClassVar[str] = "reply"
    claim: ClaimNode | None = None
    actor: ActorNode | None = None
    reply: QuoteNode | None = None

    @property
    def href(self) -> str:
        return f"{self.claim.href}#{self.anchor}"

    @property
    def anchor(self) -> str:
        return f"comment-request-{self.path[-1] + 1}"

    @property
    def owner_id(self) -> str:
        return self.claim.owner_id

    @property
    def owner(self) -> Node:
        return self.claim

    @property
    def reply_voice(self) -> QuoteVoice | None:
        """Whose words the reply's quote is: in a direct quote, the actor asked speaks."""
        return self.reply.voice_for(self, self.actor) if self.reply else None

    @property
    def no_reply_by_text(self) -> str:
        return describe_date(self.record.no_reply_by) if self.record.no_reply_by else ""

    @property
    def about_subject(self) -> bool:
        """Whether the actor asked is one whose conduct the claim describes (one of its subjects, or on a
        subject's side): a party asked about its own acts or words."""
        return bool(self.actor) and any(self.actor.side is subject.side for subject in self.claim.subjects)

    @property
    def outcome_text(self) -> str:
        """What came back, for the verdict: 'replied on 13 March 2023', 'did not reply by 14 March 2023'."""
        if self.record.reply is not None:
            return f"replied on {self.reply.source.date_text}" if self.reply else "replied"
        return f"did not reply by {self.no_reply_by_text}"


@dataclass(eq=False, repr=False)
class ClaimNode(Node[models.Claim]):
    kind: ClassVar[str] = "claim"
    folder: ClassVar[str] = "claims"
    parts: ClassVar[str] = "responses"
    claimant: ActorNode | None = None
    reported_by: ActorNode | None = None
    about: list[EventNode] = NO_LINKS
    quote: QuoteNode | None = None
    responses: list[ResponseNode] = NO_LINKS
    competing: list[ClaimNode] = NO_LINKS
    """Claims that give a competing account, named on either side (the link goes both ways)."""
    restated_in: list[ClaimNode] = NO_LINKS
    """Claims the same claimant makes in other words, named on either side."""
    subjects: list[ActorNode] = NO_LINKS
    figures: list[FigureNode] = NO_LINKS
    """Figures whose numbers are part of this claim."""
    comment_requests: list[CommentRequestNode] = NO_LINKS
    """Whom the desk asked for comment, and what came back (asked_for_comment), in the order written."""
    checked_by: StaffNode | None = None
    """The staff member who checked the claim (its byline)."""
    edited_by: StaffNode | None = None
    """The staff member who edited (reviewed) the check."""

    @property
    def heading(self) -> str:
        return self.record.statement

    @property
    def part_nodes(self) -> list[Node]:
        """The responses' nodes and the requests for comment's."""
        return [*self.responses, *self.comment_requests]

    def replace_record(self, record: models.Claim) -> None:
        """As Node.replace_record, for both kinds of part: responses and requests for comment."""
        self._record = record
        for nodes, records in ((self.responses, record.responses), (self.comment_requests, record.asked_for_comment)):
            for part, part_record in zip(nodes, records, strict=True):
                part.replace_record(part_record)

    @property
    def opening_words(self) -> str:
        """The statement's first eight words (an ellipsis when it has more): a link's text where the whole
        statement would be too long (a figure's claim)."""
        words = self.record.statement.split()
        return " ".join(words[:8]) + ("…" if len(words) > 8 else "")

    @property
    def status_meaning(self) -> str:
        return STATUS_MEANINGS[self.record.status]

    @property
    def status_explanation(self) -> str:
        """The status's meaning without its name: 'another party contests it and it has not been settled.'"""
        return status_explanation(self.record.status)

    @property
    def status_rank(self) -> int:
        return STATUS_ORDER.index(self.record.status)

    def responses_with(self, stance: str) -> list[ResponseNode]:
        """The responses that take this stance on the claim ('supports', 'disputes', 'questions')."""
        return [response for response in self.responses if response.record.stance == stance]

    def responders(self, stance: str) -> list[ActorNode]:
        """The actors whose responses take this stance on the claim ('supports', 'disputes', 'questions'), each once."""
        return unique_nodes(response.actor for response in self.responses_with(stance))

    @property
    def disputed_by(self) -> list[ActorNode]:
        return self.responders("disputes")

    @property
    def questioned_by(self) -> list[ActorNode]:
        return self.responders("questions")

    def requests_to(self, actor: ActorNode) -> list[CommentRequestNode]:
        """The desk's requests for comment to the actor or to its side (a party asked through its press office)."""
        return [request for request in self.comment_requests if request.actor and request.actor.side is actor.side]

    @property
    def sources_drawn_on(self) -> list[SourceNode]:
        """The sources of the claim's words and of every response's."""
        quotes = [self.quote] + [response.quote for response in self.responses]
        quotes += [request.reply for request in self.comment_requests]
        return unique_nodes(quote.source for quote in quotes if quote)

    @property
    def desk_dates(self) -> list[str]:
        history = getattr(self.record, "status_history", None) or []
        return self.logged_dates + [entry.date for entry in history if entry and entry.date]

    @property
    def status_changes(self) -> list[StatusChangeView]:
        """The claim's statuses over time, oldest first, the current one last. Without a written history,
        the current status, set on the first changelog date (or on a date not recorded)."""
        history = self.record.status_history
        if not history:
            first = min(self.logged_dates, default=None)
            return [StatusChangeView(self, 0, first, self.record.status, self.record.rationale, written=False)]
        last = len(history) - 1
        return [
            StatusChangeView(
                self,
                index,
                entry.date,
                entry.status,
                self.record.rationale if index == last and entry.rationale is None else entry.rationale,
            )
            for index, entry in enumerate(history)
        ]

    @property
    def quote_voice(self) -> QuoteVoice | None:
        """Whose words the claim's quote is: in a direct quote, the actor that relays the claim, else its claimant."""
        return self.quote.voice_for(self, self.reported_by or self.claimant) if self.quote else None

    @property
    def sourcing_chain(self) -> list[ChainLink]:
        """How the claim reached us: claimant, relayed by, reported in (the source of its quote), distributed by."""
        chain = [ChainLink("Claimed by", self.claimant)]
        if self.reported_by is not None:
            chain.append(ChainLink("Relayed by", self.reported_by))
        source = self.quote.source if self.quote else None
        if source is not None:
            chain.append(ChainLink("Reported in", source))
            if source.distributor is not None:
                chain.append(ChainLink("Distributed by", source.distributor))
        return chain

    @property
    def sourcing(self) -> Sourcing:
        """The sources the claim and its responses quote, and how independent of each other they are."""
        return Sourcing(self.sources_drawn_on)


@dataclass(eq=False, repr=False)
class StaffNode(Node[models.StaffMember]):
    """One of the desk's people, with the claims they checked and those they edited."""

    kind: ClassVar[str] = "staff member"
    folder: ClassVar[str] = "staff"
    checked: list[ClaimNode] = NO_LINKS
    """The claims whose check this person signed as checker (checked_by)."""
    edited: list[ClaimNode] = NO_LINKS
    """The claims whose check this person signed as editor (edited_by)."""

    @property
    def heading(self) -> str:
        return self.record.name

    @property
    def sort_key(self) -> tuple[str, str]:
        return ((self.record.name or "").casefold(), self.record.id or "")

    @property
    def signed_checks(self) -> list[SignedCheck]:
        """Every check the person signed, as checker and as editor, newest first: by the desk's latest date of the
        claim (its last change or status), then by the claim's own order; a claim both checked and edited by
        the person (a breach the rules warn of) is listed once with both roles."""
        roles: dict[int, list[str]] = {}
        claims: dict[int, ClaimNode] = {}
        for role, signed in (("checked", self.checked), ("edited", self.edited)):
            for claim in signed:
                claims.setdefault(id(claim), claim)
                roles.setdefault(id(claim), []).append(role)
        ordered = sorted(claims.values(), key=lambda claim: claim.sort_key)
        ordered.sort(key=lambda claim: claim.updated or "", reverse=True)  # stable: the claims' order among equals
        return [SignedCheck(claim, " and ".join(roles[id(claim)]).capitalize()) for claim in ordered]


@dataclass(frozen=True)
class SignedCheck:
    """A claim a staff member signed, and as what: 'Checked', 'Edited' or 'Checked and edited'."""

    claim: ClaimNode
    role: str

    @property
    def date(self) -> str | None:
        """The desk's latest date of the claim: what the list is ordered by."""
        return self.claim.updated


@dataclass(frozen=True)
class ChainLink:
    """One step of the way a claim reached us: its role ('Relayed by') and the actor or source."""

    role: str
    node: ActorNode | SourceNode


@dataclass(frozen=True)
class SourceGroup:
    """Sources whose publishers share a top affiliation: not independent of each other."""

    top: ActorNode | None
    sources: list[SourceNode]

    @property
    def tie(self) -> str:
        """'Published by' when the top actor published every source of the group itself, else 'Tied to'."""
        return "Published by" if all(source.publisher is self.top for source in self.sources) else "Tied to"

    @property
    def tied_to(self) -> ActorNode | None:
        """The side the group's publishers belong to, when it is not their own name."""
        return self.top if self.top is not None and self.tie == "Tied to" else None


@dataclass(frozen=True)
class Sourcing:
    """Sources, grouped by the top affiliation of their publishers: each group one independent line of reporting.

    Two sources are independent when their publishers share no affiliation: following each publisher's
    `affiliation` up to the top, they reach different actors.
    """

    sources: list[SourceNode]

    @functools.cached_property
    def groups(self) -> list[SourceGroup]:
        by_top: dict[int, SourceGroup] = {}
        for source in sorted(self.sources, key=lambda source: source.sort_key):
            top = source.publisher.side if source.publisher is not None else None
            by_top.setdefault(id(top), SourceGroup(top, [])).sources.append(source)
        return list(by_top.values())

    @property
    def independent(self) -> int:
        """How many of the sources are independent of each other (the groups, counted without making them)."""
        return len({id(source.publisher.side if source.publisher is not None else None) for source in self.sources})

    @property
    def statement(self) -> str:
        """The sourcing in one plain sentence."""
        count = len(self.sources)
        if count == 0:
            return "No source is quoted for this claim."
        if count == 1:
            side = self.groups[0].tied_to
            tied = f" (a publisher tied to {side.record.name})" if side is not None else ""
            return f"This claim rests on one report: {self.sources[0].citation}{tied}."
        if self.independent == 1:
            top = self.groups[0].top
            publishers = unique_nodes(source.publisher for source in self.sources)
            if len(publishers) == 1:
                return f"All {count} sources were published by {publishers[0].record.name}: one line of reporting."
            return f"All {count} sources are tied to {top.record.name if top else 'one publisher'}."
        if self.independent == count:
            return f"{count} independent sources."
        return f"{count} sources, {self.independent} of them independent of each other."


@dataclass(frozen=True)
class StatusChangeView:
    """One status of a claim in its history, as the page and the feed show it."""

    claim: ClaimNode
    index: int
    date: str | None
    status: str
    rationale: str | None
    written: bool = True
    """False for the status the claim has had since its first publication, with no history written."""

    @property
    def anchor(self) -> str:
        return f"status-{self.index + 1}"

    @property
    def href(self) -> str:
        return f"{self.claim.href}#{self.anchor}"

    @property
    def lead(self) -> str:
        """The words before the date: 'From' 2 December 2026, 'Since first publication on' 31 January 2024."""
        if self.written:
            return "From"
        return "Since first publication on" if self.date else "Since first publication"

    @property
    def is_current(self) -> bool:
        return self.index == len(self.claim.record.status_history or [None]) - 1


def status_explanation(status: str) -> str:
    """STATUS_MEANINGS says 'Disputed: another party ...'; the words after the status's own name."""
    name, _, explanation = STATUS_MEANINGS[status].partition(": ")
    return explanation or name


@dataclass
class Site:
    """Everything the pages show: nodes sorted for display, with all links resolved."""

    overview: Overview | None
    key_figures: list[FigureNode]
    sources: list[SourceNode]
    actors: list[ActorNode]
    events: list[EventNode]
    claims: list[ClaimNode]
    figures: list[FigureNode]
    quotes: list[QuoteNode]
    sheets: list[ValidSheet] = field(default_factory=list)
    """The validated files the site was read from, in order."""
    warnings: list[Problem] = field(default_factory=list)
    """What the editor should look at again, though the site builds (see rules.py)."""
    staff: list[StaffNode] = field(default_factory=list)
    """The desk's people, by name: who checked and edited the claims."""
    left_out: list[str] = field(default_factory=list)
    """The ids of the drafts and records in review a publish build left out (resolve.py), in the files' order."""

    @property
    def overview_updated_text(self) -> str:
        return describe_date(self.overview.updated) if self.overview else ""

    @property
    def information_as_of(self) -> str | None:
        """The sources' date for the whole site: the newest publication date among all its sources."""
        return max((source.record.date for source in self.sources if source.record.date), default=None)

    @property
    def record_nodes(self) -> list[SourceNode | ActorNode | EventNode | ClaimNode | StaffNode]:
        """The nodes of the top-level records (each with a page of its own): sources, actors, events, claims, staff."""
        return [*self.sources, *self.actors, *self.events, *self.claims, *self.staff]

    @property
    def claims_by_status(self) -> list[tuple[str, list[ClaimNode]]]:
        groups = [
            (status, [claim for claim in self.claims if claim.record.status == status]) for status in STATUS_ORDER
        ]
        return [(status, claims) for status, claims in groups if claims]


def _fragment_part(text: str) -> str:
    """Percent-encode for a text fragment, where - , and & have meanings of their own."""
    return quote(text, safe="").replace("-", "%2D")


def unique_nodes(nodes) -> list:
    """The nodes without None and without repeats, in their first order."""
    seen: dict[int, Node] = {}
    for node in nodes:
        if node is not None:
            seen.setdefault(id(node), node)
    return list(seen.values())


@dataclass(frozen=True)
class Segment:
    """A run of a source's archived text, marked when it lies inside quoted passages."""

    text: str
    anchors: list[str]
    marked: bool


@dataclass
class MarkedText:
    """A source's archived text with the span of each quote found in it, by the quote's anchor."""

    text: str
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)

    @cached_property
    def paragraphs(self) -> list[list[Segment]]:
        """Paragraphs of segments, quoted runs marked and each quote's start anchored; made when first shown."""
        paragraphs: list[list[Segment]] = []
        for match in re.finditer(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*\Z)", self.text, flags=re.DOTALL):
            start, end = match.span()
            cuts = {start, end}
            for quote_start, quote_end in self.spans.values():
                cuts.update(cut for cut in (quote_start, quote_end) if start < cut < end)
            bounds = sorted(cuts)
            segments = []
            for left, right in zip(bounds, bounds[1:], strict=False):
                anchors = sorted(anchor for anchor, (s, _) in self.spans.items() if s == left)
                marked = any(s <= left and right <= e for s, e in self.spans.values())
                segments.append(Segment(self.text[left:right], anchors, marked))
            paragraphs.append(segments)
        return paragraphs


def add_link(node: Node | QuoteNode, name: str, linked: object) -> None:
    """Append linked to the node's list of links called name, made on the first link."""
    links = getattr(node, name)
    if links is NO_LINKS:
        links = []
        setattr(node, name, links)  # not through __dict__, which Python makes only when asked for it
    links.append(linked)


def share_empty_lists(nodes: Iterable[Node | QuoteNode]) -> None:
    """Put NO_LINKS in place of each node's lists of links that resolve left empty."""
    for node in nodes:
        for name in _list_fields(type(node)):
            if not getattr(node, name):
                setattr(node, name, NO_LINKS)


@functools.cache
def _list_fields(node_type: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(node_type) if str(field.type).startswith("list["))


SITE_LISTS = ("key_figures", "sources", "actors", "events", "claims", "figures", "quotes", "staff")
"""The Site's lists of nodes: a page that reads one (the claims index, the timeline) is noted as reading
"site:<name>" (see record_reads), so that a record added, deleted or moved in the list renders it again."""


class _NotedList:
    """A Site field whose reading is noted while a page's reads are recorded (a data descriptor: the dataclass's
    __init__ and every reader go through it)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.noted = name, f"site:{name}"

    def __get__(self, site: Site | None, owner: type | None = None):
        if site is None:
            return self
        reads = _page_reads.get()
        if reads is not None:
            reads.add(self.noted)
        return site.__dict__[self.name]

    def __set__(self, site: Site, value: list) -> None:
        site.__dict__[self.name] = value


for _name in SITE_LISTS:
    _list = _NotedList()
    _list.__set_name__(Site, _name)
    setattr(Site, _name, _list)


def site_list_digests(site: Site) -> dict[str, str]:
    """What each of the Site's lists holds, in order, as a digest: a record added, deleted or moved changes it."""
    digests = {}
    for name in SITE_LISTS:
        nodes = site.__dict__[name]
        keys = [f"{node.source.owner_id}#{node.anchor}" if isinstance(node, QuoteNode) else node.owner_id
                for node in nodes]  # fmt: skip
        digests[name] = hashlib.sha256("\n".join(keys).encode()).hexdigest()[:32]
    return digests


def linked_ids(node: Node) -> frozenset[str]:
    """The ids of the top-level records that a record's node (its parts' nodes too) links to or is linked
    from, its own left out: those whose pages may show something of it besides what its record says."""
    linked: set[str] = set()
    for part in [node, *node.part_nodes]:
        for name in _link_fields(type(part)):
            _note_links(getattr(part, name), linked)
    linked.discard(node.owner_id)
    return frozenset(linked)


@functools.cache
def _link_fields(node_type: type) -> tuple[str, ...]:
    return tuple(
        field.name
        for field in dataclasses.fields(node_type)
        if field.name not in ("sheet", "path") and not field.name.startswith("_")  # the record, href, read_as
    )


def _note_links(value: object, linked: set[str]) -> None:
    if isinstance(value, Node):
        linked.add(value.owner_id)
    elif isinstance(value, QuoteNode):
        linked.add(value.source.owner_id)
        for use in value.uses:
            linked.add(use.node.owner_id)
    elif isinstance(value, list | tuple):
        for item in value:
            _note_links(item, linked)
