"""Generate synthetic but valid fact-sheet content of any size, for benchmarks.

    python benchmarks/generate.py --claims 1000 --out /tmp/bench-content

For N claims it writes about N/6 events, N/2 actors and N/3 sources, shaped like
the real content in ``content/``: claims with quotes, responses, evidence and
open questions; events with participants, related events and figures whose
breakdowns add up; actors with affiliations; and for every source an archived
text under ``sources/`` that contains each quoted sentence verbatim. Records are
split into one YAML file per 50 events (with their claims, actors and sources)
under ``factsheets/``, plus ``shared.yaml`` (states and news agencies) and
``overview.yaml``. The output depends only on N and the seed.

Every record is built as the project's own model (``factsheets.models``: Claim, Event, Actor, Source, ...),
so a field the models rename or no longer know stops the generator at once, with pydantic's message.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import random
import re
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from factsheets.models import (
    Actor,
    Change,
    Claim,
    Event,
    FactSheet,
    Figure,
    FigurePart,
    Overview,
    Quote,
    Response,
    Source,
    StaffMember,
)

DEFAULT_SEED = 20240131
STAFF = [
    StaffMember(id="bench-checker-1", name="Bench Checker One", role="Fact-checker", bio="Checks generated claims."),
    StaffMember(id="bench-checker-2", name="Bench Checker Two", role="Fact-checker", bio="Checks generated claims."),
    StaffMember(id="bench-editor", name="Bench Editor", role="Editor", bio="Edits every generated check."),
]
"""The desk's people: each claim is checked by one of the checkers (in turn) and edited by the editor."""
CLAIMS_PER_EVENT = 6
EVENTS_PER_FILE = 50
FIRST_DAY = dt.date(2023, 1, 1)
DAYS_SPAN = 700

STATES = ["Aldoria", "Borvania", "Caldera", "Dunmark", "Estrela", "Fenwick", "Galtria", "Harrow"]
PLACES = [
    "Riverton", "Ashford", "Kelby", "Marlow Bay", "Northgate", "Oakmere", "Pellston", "Quarry Hill",
    "Redwater", "Saint-Étienne-du-Lac", "Thornbury", "Upton Vale", "Vestby", "Westerholm", "Yarrow",
    "Zelenograd", "Łęczyca", "Höfen", "Brightwell", "Coldharbour", "Dunmore", "Elmstead", "Farrowdale",
    "Glenrock", "Hollins", "Ironbridge", "Juniper Falls", "Kingsmere", "Lowfield", "Millbrook",
]  # fmt: skip
FIRST_NAMES = [
    "Anna", "Boris", "Chiara", "Dmytro", "Elena", "Farid", "Greta", "Hassan", "Ines", "Jonas", "Katya",
    "Luis", "Marta", "Nikolai", "Olga", "Pavel", "Rosa", "Stefan", "Tamara", "Viktor",
]  # fmt: skip
LAST_NAMES = [
    "Keller", "Novak", "Moreau", "Ivanenko", "Lindqvist", "Haddad", "Brandt", "Rossi", "Kowalski",
    "Petrenko", "Aydin", "Duarte", "Sørensen", "Vasquez", "Horvat", "Marchetti", "Okafor", "Bauer",
]  # fmt: skip
ORGANISATION_KINDS = [
    "Emergency Service", "City Council", "Regional Police", "Water Authority", "Civil Defence Office",
    "Health Department", "Rail Operator", "Energy Company", "Prosecutor's Office", "Border Service",
]  # fmt: skip
THIRD_ACTOR_KINDS = ["anonymous", "group", "person", "organisation"]
STATUS_WEIGHTS = {"disputed": 30, "uncontested": 30, "unverified": 20, "refuted": 10, "confirmed": 10}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_QUALIFIERS = ["exact"] * 7 + ["on-or-before", "approximate", "on-or-after"]


@dataclass(frozen=True)
class EventKind:
    """One sort of event, with the words and the figure its records use."""

    slug: str
    title: str
    noun: str
    facility: str
    unit: str
    figure_verb: str
    parts: tuple[str, ...]


EVENT_KINDS = [
    EventKind("flood", "Flooding in {place}", "the flooding", "the river embankment", "people",
              "were evacuated", ("from the old town", "from riverside villages", "from the industrial zone")),
    EventKind("dam-failure", "Failure of the {place} dam", "the dam failure", "the dam", "homes",
              "were flooded", ("in the lower valley", "in the town centre", "on outlying farms")),
    EventKind("plant-fire", "Fire at a chemical plant in {place}", "the fire", "the plant", "people",
              "were treated in hospital", ("with burns", "for smoke inhalation", "for other injuries")),
    EventKind("shelling", "Shelling of {place}", "the shelling", "the district heating station", "buildings",
              "were damaged", ("residential buildings", "schools", "hospitals", "shops")),
    EventKind("prisoner-exchange", "Prisoner exchange near {place}", "the exchange", "the crossing point",
              "people", "were returned", ("soldiers", "border guards", "civilians")),
    EventKind("bridge-collapse", "Collapse of a road bridge in {place}", "the collapse", "the bridge",
              "vehicles", "were on the bridge", ("cars", "lorries", "buses")),
    EventKind("power-outage", "Power outage across {place}", "the outage", "the substation", "households",
              "lost power", ("in the city", "in the suburbs", "in nearby villages")),
    EventKind("derailment", "Derailment of a freight train near {place}", "the derailment", "the rail line",
              "wagons", "left the track", ("tank wagons", "flat wagons", "covered wagons")),
    EventKind("drone-strike", "Drone strike on {place}", "the strike", "the fuel depot", "drones",
              "were reported", ("shot down", "that reached their targets", "lost to jamming")),
    EventKind("protest", "Protest in central {place}", "the protest", "the main square", "people",
              "were detained", ("on the first day", "on the second day", "afterwards")),
]  # fmt: skip

CLAIM_PREDICATES = [
    "{count} people were injured in {noun} in {place}",
    "{facility} had been inspected {count} days before {noun}",
    "{other} was responsible for {noun}",
    "warnings about {facility} were issued {count} hours in advance",
    "{facility} was not in use at the time of {noun}",
    "{count} rescue workers were sent to {place} after {noun}",
    "no foreign personnel were present at {facility} in {place}",
    "the figures published by {other} about {noun} were exaggerated by {count} per cent",
    "repairs to {facility} would take at least {count} weeks",
    "{noun} was caused by a technical fault at {facility}",
    "{count} families in {place} had asked for help after {noun}",
    'the so-called "safety zone" around {facility} was ignored by {other}',
]
EVIDENCE = [
    "Photographs of {facility}, published by the claimant",
    "A statement by {other}",
    "Satellite images of {place}",
    "Hospital records from {place}",
    "Video recorded near {facility}",
]
OPEN_QUESTIONS = [
    "What evidence {claimant} has; none is published in the sources.",
    "When {claimant} learned of it; the sources do not say.",
    "Whether anyone other than {claimant} has confirmed it.",
    "How the claim fits with other accounts of {noun}; the sources do not set them side by side.",
]
FILLERS = [
    "{agency} could not independently verify the reports.",
    "Officials in {place} did not respond to requests for comment.",
    "{place} lies about {count} kilometres from the border.",
    "The situation in {place} remained tense on {weekday}, according to local residents.",
    "Earlier reports about {noun} gave different figures.",
]
RESPONSE_FORMS = {
    "disputes": ("said it was not true that {predicate}", "It is not true that {predicate}"),
    "supports": ("said its own records showed that {predicate}", "Our own records show that {predicate}"),
    "questions": ("said it was still checking whether {predicate}", "We are still checking whether {predicate}"),
}
RATIONALES = {
    "confirmed": "Independent records cited by {responder} support it.",
    "uncontested": "Stated by {claimant}; no one in the sources contests it, and it is not independently verified.",
    "unverified": "Made without evidence; no one else in the sources confirms it or responds to it.",
    "disputed": "{responder} disputes it, and the sources do not settle the question.",
    "refuted": "{responder} published records that contradict it.",
}
STANCES_FOR_STATUS = {
    "confirmed": ["supports", "supports"],
    "uncontested": [],
    "unverified": ["questions"],
    "disputed": ["disputes"],
    "refuted": ["disputes"],
}
"""The responses a status needs under the rubric (models.STATUS_RULES): a confirmed claim's two supports quote
the event's two sources, whose agencies are independent; a refuted claim's dispute comes from the other state."""
MORE_STANCES_FOR_STATUS = {
    "confirmed": ["supports", "questions"],
    "uncontested": [],
    "unverified": ["supports", "questions"],
    "disputed": list(RESPONSE_FORMS),
    "refuted": list(RESPONSE_FORMS),
}
"""The further responses a status allows: no one disputes what is unverified, no one answers what is uncontested."""


WRITTEN_AFTER: dict[type[BaseModel], dict[str, str]] = {
    Source: {"distributor": "archived_text"},
    Figure: {"total_in_source": "quote"},
}
"""Where the files put a field elsewhere than the models' order: after the field named. The generator has always
written these so; keeping it keeps the files for a given N and seed byte-identical from one version to the next."""

RecordT = TypeVar("RecordT", bound=BaseModel)


def models_have_changelog() -> bool:
    """Records gained a corrections log ('changelog') after the first release: write it when the models know it
    (an older commit's models, when run.py benchmarks one: it runs this script with that commit's plugin)."""
    return "changelog" in Claim.model_fields


def given(**fields: Any) -> dict[str, Any]:
    """The fields that have a value, for a model's constructor: None leaves a field out, so the record keeps the
    model's default and its file does not mention the field."""
    return {name: value for name, value in fields.items() if value is not None}


def with_fields(record: RecordT, **fields: Any) -> RecordT:
    """The record with more fields, validated again like a new one (the models are frozen)."""
    kept = {name: getattr(record, name) for name in record.model_fields_set}
    return type(record)(**kept, **fields)


@functools.cache
def written_order(model: type[BaseModel]) -> list[str]:
    """The order a model's fields are written in: the models' own, but for WRITTEN_AFTER."""
    names = [name for name in model.model_fields]
    for name, after in WRITTEN_AFTER.get(model, {}).items():
        names.remove(name)
        names.insert(names.index(after) + 1, name)
    return names


def yaml_data(value: Any) -> Any:
    """A record as its file holds it: only the fields it was given, nested records likewise."""
    if isinstance(value, BaseModel):
        given_fields = value.model_fields_set
        return {name: yaml_data(getattr(value, name)) for name in written_order(type(value)) if name in given_fields}
    if isinstance(value, list):
        return [yaml_data(item) for item in value]
    return value


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass
class SourceDraft:
    """A source record and the paragraphs of its archived text, grown as quotes are taken from it."""

    record: Source
    agency_name: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class EventCast:
    """The actors of one event: who speaks, who responds and which state is involved."""

    person: Actor
    organisation: Actor
    third: Actor
    state: Actor
    other_state: Actor

    @property
    def speakers(self) -> list[Actor]:
        return [self.person, self.organisation, self.third, self.state]


@dataclass
class FileDraft:
    """The records that go into one fact-sheet file."""

    name: str
    sources: list[SourceDraft] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)

    def fact_sheet(self) -> FactSheet:
        return FactSheet(
            sources=[draft.record for draft in self.sources], actors=self.actors, events=self.events, claims=self.claims
        )


@dataclass
class ContentStats:
    claims: int = 0
    events: int = 0
    actors: int = 0
    sources: int = 0
    figures: int = 0
    quotes: int = 0
    files: int = 0
    largest_file_bytes: int = 0

    @property
    def records(self) -> int:
        return self.claims + self.events + self.actors + self.sources


class ContentGenerator:
    """Builds the records of a synthetic site from one seeded random generator."""

    def __init__(self, claims: int, seed: int = DEFAULT_SEED) -> None:
        if claims < 1:
            raise ValueError("at least one claim is needed")
        self.rng = random.Random(seed)
        self.seed = seed
        self.claim_count = claims
        self.event_count = -(-claims // CLAIMS_PER_EVENT)
        self.with_changelog = models_have_changelog()
        states = [self._state(name) for name in STATES]
        self.agencies = self._logged([self._agency(state) for state in states], FIRST_DAY)
        self.states = self._logged(states, FIRST_DAY)
        self.event_ids: list[str] = []
        self.figure_ids: list[str] = []
        self.last_date = FIRST_DAY
        self.stats = ContentStats(actors=len(self.states) + len(self.agencies))

    # Shared actors ---------------------------------------------------------------------------

    def _state(self, name: str) -> Actor:
        return Actor(id=slugify(name), name=name, kind="state", same_as=[f"https://example.org/{slugify(name)}"])

    def _agency(self, state: Actor) -> Actor:
        return Actor(
            id=f"{state.id}-press-agency",
            name=f"{state.name} Press Agency",
            kind="organisation",
            description=f"A news agency based in {state.name}; publisher of several of the sources.",
        )

    # Per-event actors ------------------------------------------------------------------------

    def _cast(self, number: int, place: str) -> EventCast:
        state, other_state = self.rng.sample(self.states, 2)
        organisation = self._organisation(number, place, state)
        person = self._person(number, organisation)
        third = self._third_actor(number, place, organisation, avoid_name=person.name)
        return EventCast(person, organisation, third, state, other_state)

    def _organisation(self, number: int, place: str, state: Actor) -> Actor:
        """An organisation with no role: pages show a role in quotation marks as the sources' name for it, and the
        generated sources never name it so (quoted_words would warn)."""
        organisation_kind = self.rng.choice(ORGANISATION_KINDS)
        name = f"{place} {organisation_kind}"
        return Actor(
            id=f"{slugify(name)}-{number}",
            name=name,
            kind="organisation",
            affiliation=state.id,
        )

    def _person_name(self, avoid: str = "") -> str:
        while (name := f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}") == avoid:
            pass
        return name

    def _person(self, number: int, organisation: Actor) -> Actor:
        name = self._person_name()
        described = self.rng.random() < 0.3
        return Actor(
            **given(
                id=f"{slugify(name)}-{number}",
                name=name,
                kind="person",
                role=f"spokesperson for the {organisation.name}",
                affiliation=organisation.id,
                description=f"Described in the sources as a representative of the {organisation.name}."
                if described
                else None,
            )
        )

    def _third_actor(self, number: int, place: str, organisation: Actor, avoid_name: str) -> Actor:
        kind = THIRD_ACTOR_KINDS[number % len(THIRD_ACTOR_KINDS)]
        if kind == "anonymous":
            name = f"Sources in the {organisation.name}"
            return Actor(
                id=f"{slugify(name)}-{number}",
                name=name,
                kind=kind,
                affiliation=organisation.id,
                description="Unnamed; the sources do not say how many there were or how they know.",
            )
        if kind == "group":
            name = f"Residents of {place}"
            description = f"People living in {place}, quoted by the sources without their names."
            return Actor(id=f"{slugify(name)}-{number}", name=name, kind=kind, description=description)
        if kind == "person":
            name = self._person_name(avoid=avoid_name)
            return Actor(
                id=f"{slugify(name)}-{number}",
                name=name,
                kind=kind,
                role="independent engineer",
                same_as=[f"https://example.org/people/{slugify(name)}"],
            )
        name = f"{place} Human Rights Monitor"
        return Actor(id=f"{slugify(name)}-{number}", name=name, kind=kind, description="A local monitoring group.")

    # Events, sources, figures ----------------------------------------------------------------

    def _date(self) -> dt.date:
        return FIRST_DAY + dt.timedelta(days=self.rng.randrange(DAYS_SPAN))

    def _sources(self, event_id: str, date: dt.date, place: str, noun: str) -> list[SourceDraft]:
        drafts = []
        for index, agency in enumerate(self.rng.sample(self.agencies, 2), start=1):
            published = date + dt.timedelta(days=self.rng.randrange(4))
            source_id = f"{agency.id}-{event_id}-{index}"
            distributed = self.rng.random() < 0.3
            distributor = self.rng.choice([a for a in self.agencies if a is not agency]).id if distributed else None
            noted = self.rng.random() < 0.3
            record = Source(
                **given(
                    id=source_id,
                    title=f"{agency.name} report on {noun} in {place}",
                    publisher=agency.id,
                    date=published.isoformat(),
                    language="en",
                    url=f"https://news.example.org/{agency.id}/{published:%Y/%m/%d}/{event_id}-{index}",
                    archived_text=f"sources/{source_id}.txt",
                    distributor=distributor,
                    notes="The archived text is the report as distributed; the headline is not known."
                    if noted
                    else None,
                )
            )
            dateline = f"{published.day} {published:%B %Y} ({agency.name}) Reports about {noun} in {place} came in."
            drafts.append(SourceDraft(record, agency.name, [dateline]))
            self.stats.sources += 1
        return drafts

    def _add_quote(self, source: SourceDraft, paragraph: str, quote: str, context: dict) -> Quote:
        """Put the paragraph holding the quote into the source's text; return the quote record."""
        source.paragraphs.append(paragraph)
        if self.rng.random() < 0.4:
            filler = self.rng.choice(FILLERS).format(**{**context, "count": self.rng.randrange(5, 90)})
            source.paragraphs.append(filler)
        self.stats.quotes += 1
        return Quote(text=quote, source=source.record.id)

    def _figure(self, event_id: str, kind: EventKind, cast: EventCast, source: SourceDraft, context: dict) -> Figure:
        speaker = self.rng.choice([cast.organisation, cast.person, cast.state])
        parts = [(label, self.rng.randrange(1, 400)) for label in kind.parts]
        total = sum(value for _, value in parts)
        has_breakdown = self.rng.random() < 0.75
        total_in_source = not has_breakdown or self.rng.random() < 0.8
        listed = ", ".join(f"{value} {label}" for label, value in parts[:-1]) + f" and {parts[-1][1]} {parts[-1][0]}"
        if not has_breakdown:
            sentence = f"{speaker.name} said that {total} {kind.unit} {kind.figure_verb} in {context['place']}."
        elif total_in_source:
            sentence = f"{speaker.name} said that {total} {kind.unit} {kind.figure_verb}, including {listed}."
        else:
            sentence = f"{speaker.name} said that {listed} {kind.figure_verb}."
        figure_id = f"{event_id}-{slugify(kind.unit)}-{len(self.figure_ids) + 1}"
        figure = Figure(
            **given(
                id=figure_id,
                label=f"{capitalise(kind.unit)} that {kind.figure_verb}, according to {speaker.name}",
                value=total,
                unit=kind.unit,
                according_to=speaker.id,
                quote=self._add_quote(source, sentence, sentence, context),
                total_in_source=total_in_source if has_breakdown else None,
                breakdown=[FigurePart(label=label, value=value) for label, value in parts] if has_breakdown else None,
            )
        )
        self.figure_ids.append(figure_id)
        self.stats.figures += 1
        return figure

    def _related_events(self) -> list[str]:
        if not self.event_ids or self.rng.random() < 0.3:
            return []
        candidates = {self.event_ids[-1], self.rng.choice(self.event_ids)}
        return sorted(candidates)[: self.rng.randint(1, 2)]

    # Claims and responses --------------------------------------------------------------------

    def _claim(
        self, event_id: str, event_date: dt.date, related: list[str], cast: EventCast, sources: list[SourceDraft],
        context: dict, serial: int,
    ) -> Claim:  # fmt: skip
        claimant = self.rng.choice(cast.speakers)
        predicate = self.rng.choice(CLAIM_PREDICATES).format(**{**context, "count": self.rng.randrange(2, 300)})
        source = self.rng.choice(sources)
        date = event_date + dt.timedelta(days=self.rng.randrange(1, 10))
        self.last_date = max(self.last_date, date)
        status = self.rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
        relayed = claimant is cast.third and self.rng.random() < 0.5
        qualifier = self.rng.choice(DATE_QUALIFIERS)
        about = [event_id, *related[: self.rng.randint(0, 1)]]
        responses = self._responses(status, claimant, cast, predicate, sources, {**context, "date": date.isoformat()})
        responder = cast.other_state.name if not responses else _actor_name(responses[0].actor, cast)
        return Claim(
            **given(
                id=f"{event_id}-claim-{serial}",
                statement=f"{claimant.name} said that {predicate}, according to {source.agency_name}.",
                claimant=claimant.id,
                reported_by=cast.person.id if relayed else None,
                date=date.isoformat(),
                date_qualifier=None if qualifier == "exact" else qualifier,
                about=about,
                status=status,
                rationale=RATIONALES[status].format(claimant=claimant.name, responder=responder),
                quote=self._claim_quote(claimant, predicate, source, context),
                evidence=self._some(EVIDENCE, 2, context),
                open_questions=self._some(OPEN_QUESTIONS, 3, {**context, "claimant": claimant.name}),
                responses=responses or None,
                checked_by=STAFF[serial % 2].id,
                edited_by=STAFF[2].id,
            )
        )

    def _claim_quote(self, claimant: Actor, predicate: str, source: SourceDraft, context: dict) -> Quote:
        if self.rng.random() < 0.5:
            quote = f"{claimant.name} said that {predicate}."
            return self._add_quote(source, f"{quote} The claim could not be verified.", quote, context)
        quote = f"{capitalise(predicate)}."
        paragraph = f"\u201c{quote}\u201d {claimant.name} told {source.agency_name} on {context['weekday']}."
        return self._add_quote(source, paragraph, quote, context)

    def _responses(
        self,
        status: str,
        claimant: Actor,
        cast: EventCast,
        predicate: str,
        sources: list[SourceDraft],
        context: dict,
    ) -> list[Response]:
        others = [actor for actor in [*cast.speakers, cast.other_state] if actor is not claimant]
        needed = STANCES_FOR_STATUS[status]
        responses = [
            self._response(
                stance,
                cast.other_state if status == "refuted" else self.rng.choice(others),
                predicate,
                sources[index % len(sources)] if status == "confirmed" else self.rng.choice(sources),
                context,
            )
            for index, stance in enumerate(needed)
        ]
        more = MORE_STANCES_FOR_STATUS[status]
        stances = self.rng.choices(more, k=self.rng.choice([0, 0, 1, 1, 2])) if more else []
        responses += [
            self._response(stance, self.rng.choice(others), predicate, self.rng.choice(sources), context)
            for stance in stances
        ]
        return responses

    def _response(self, stance: str, actor: Actor, predicate: str, source: SourceDraft, context: dict) -> Response:
        summary_form, quote_form = RESPONSE_FORMS[stance]
        quote = quote_form.format(predicate=predicate) + "."
        paragraph = f"{actor.name} said: \u201c{quote}\u201d"
        quoted = self._add_quote(source, paragraph, quote, context)
        dated = self.rng.random() < 0.5
        return Response(
            **given(
                actor=actor.id,
                stance=stance,
                summary=f"{actor.name} {summary_form.format(predicate=predicate)}.",
                quote=quoted,
                date=context["date"] if dated else None,
            )
        )

    def _logged(self, records: list[RecordT], published: dt.date) -> list[RecordT]:
        """The records with a first-publication line in their changelog; some claims also record a later status
        change (in the order given: the random draws depend on it)."""
        if not self.with_changelog:
            return records
        return [with_fields(record, changelog=self._changelog(record, published)) for record in records]

    def _changelog(self, record: BaseModel, published: dt.date) -> list[Change]:
        first = "First published in the benchmark fact sheets."
        changes = [Change(date=published.isoformat(), kind="update", change=first)]
        if isinstance(record, Claim) and self.rng.random() < 0.2:  # no status history: the status stays
            later = published + dt.timedelta(days=self.rng.randrange(10, 60))
            again = f"Reviewed again; the status stays {record.status}."
            changes.append(Change(date=later.isoformat(), kind="update", change=again))
        return changes

    def _some(self, templates: Sequence[str], most: int, context: dict) -> list[str]:
        chosen = self.rng.sample(list(templates), self.rng.randint(0, most))
        return [template.format(**context) for template in chosen]

    # Whole site ------------------------------------------------------------------------------

    def event_group(self, number: int, claims: int, draft: FileDraft) -> None:
        """Add one event with its actors, sources, figures and claims to a file."""
        kind = self.rng.choice(EVENT_KINDS)
        place = self.rng.choice(PLACES)
        date = self._date()
        cast = self._cast(number, place)
        event_id = f"{kind.slug}-{slugify(place)}-{number}"
        qualifier = self.rng.choice(DATE_QUALIFIERS)
        related = self._related_events()
        sources = self._sources(event_id, date, place, kind.noun)
        context = {
            "place": place,
            "noun": kind.noun,
            "facility": kind.facility,
            "other": cast.other_state.name,
            "agency": sources[0].agency_name,
            "weekday": f"{date:%A}",
            "date": date.isoformat(),
            "count": self.rng.randrange(5, 90),
        }
        count = 1 if number == 1 else self.rng.choice([0, 0, 1, 1, 2])
        figures = [self._figure(event_id, kind, cast, self.rng.choice(sources), context) for _ in range(count)]
        participants = [cast.state.id, cast.organisation.id]
        if self.rng.random() < 0.5:
            participants.append(cast.third.id)
        claim_records = [
            self._claim(event_id, date, related, cast, sources, context, serial) for serial in range(1, claims + 1)
        ]
        # The desk publishes once its sources are out: never before the newest of them (the build checks it).
        published = max(dt.date.fromisoformat(source.record.date) for source in sources)
        event = Event(
            **given(
                id=event_id,
                title=kind.title.format(place=place),
                date=date.isoformat(),
                date_qualifier=None if qualifier == "exact" else qualifier,
                place=f"{place}, {cast.state.name}",
                summary=(
                    f"According to the {cast.organisation.name}, {kind.noun} in {place} began on "
                    f"{date.day} {date:%B %Y}. What caused it and how many were affected is contested: "
                    f"{cast.person.name} and {cast.third.name} give different accounts, and "
                    f"{cast.other_state.name} blames the authorities."
                ),
                participants=participants,
                related=related or None,
                figures=figures or None,
                sources=[source.record.id for source in sources],
            )
        )
        draft.actors += self._logged([cast.organisation, cast.person, cast.third], published)
        [event] = self._logged([event], published)
        for source in sources:
            [source.record] = self._logged([source.record], published)
        draft.sources += sources
        draft.events.append(event)
        draft.claims += self._logged(claim_records, published)
        self.event_ids.append(event_id)
        self.stats.events += 1
        self.stats.actors += 3
        self.stats.claims += claims

    def files(self) -> list[FileDraft]:
        drafts: list[FileDraft] = []
        remaining = self.claim_count
        for number in range(1, self.event_count + 1):
            if (number - 1) % EVENTS_PER_FILE == 0:
                drafts.append(FileDraft(f"events-{len(drafts) + 1:03d}.yaml"))
            claims = min(CLAIMS_PER_EVENT, remaining)
            remaining -= claims
            self.event_group(number, claims, drafts[-1])
        return drafts

    def shared_actors(self) -> FactSheet:
        return FactSheet(actors=self.states + self.agencies, staff=STAFF)

    def overview(self) -> FactSheet:
        overview = Overview(
            title=f"Synthetic fact sheets: {self.claim_count} claims about {self.event_count} events",
            summary=(
                "Generated content for benchmarks, shaped like the real fact sheets. "
                f"Every claim is attributed and quoted from an archived source (seed {self.seed})."
            ),
            key_figures=self.figure_ids[:2],
            updated=self.last_date.isoformat(),
        )
        return FactSheet(overview=overview)


def _actor_name(actor_id: str, cast: EventCast) -> str:
    return next(actor.name for actor in [*cast.speakers, cast.other_state] if actor.id == actor_id)


# Writing ---------------------------------------------------------------------------------------


class _FactSheetDumper(yaml.SafeDumper):
    """Indents lists under their key and folds long text into '>-' blocks, like the real content."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    if ISO_DATE.fullmatch(text):  # written bare, as editors do; the loader keeps it as text
        return dumper.represent_scalar("tag:yaml.org,2002:timestamp", text)
    style = ">" if len(text) > 80 and " " in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_FactSheetDumper.add_representer(str, _represent_text)


def write_yaml(path: Path, fact_sheet: FactSheet, header: str) -> int:
    text = yaml.dump(yaml_data(fact_sheet), Dumper=_FactSheetDumper, sort_keys=False, allow_unicode=True, width=88)
    path.write_text(f"# {header}\n{text}", encoding="utf-8")
    return path.stat().st_size


def write_content(generator: ContentGenerator, out: Path) -> ContentStats:
    """Generate every record and write the fact-sheet files and archived texts under out."""
    factsheets, sources = out / "factsheets", out / "sources"
    for folder in (factsheets, sources):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
    header = f"Generated by benchmarks/generate.py (seed {generator.seed}): synthetic content for benchmarks."
    drafts = generator.files()
    sizes = [write_yaml(factsheets / draft.name, draft.fact_sheet(), header) for draft in drafts]
    sizes.append(write_yaml(factsheets / "shared.yaml", generator.shared_actors(), header))
    sizes.append(write_yaml(factsheets / "overview.yaml", generator.overview(), header))
    for source in (source for draft in drafts for source in draft.sources):
        write_archived_text(out, source)
    generator.stats.files = len(sizes)
    generator.stats.largest_file_bytes = max(sizes)
    return generator.stats


def write_archived_text(out: Path, source: SourceDraft) -> None:
    text = "\n\n".join(source.paragraphs) + "\n"
    (out / source.record.archived_text).write_text(text, encoding="utf-8")


def generate(claims: int, out: Path, seed: int = DEFAULT_SEED) -> ContentStats:
    """Write a complete content folder with the given number of claims; returns what it holds."""
    return write_content(ContentGenerator(claims, seed), out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate synthetic, valid fact-sheet content for benchmarks.")
    parser.add_argument("--claims", type=int, required=True, help="number of claims (events = claims / 6)")
    parser.add_argument("--out", type=Path, required=True, help="content folder to write (factsheets/, sources/)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--json", action="store_true", help="print what was written as JSON (for run.py)")
    arguments = parser.parse_args(argv)
    stats = generate(arguments.claims, arguments.out, arguments.seed)
    if arguments.json:
        print(json.dumps(asdict(stats)))
        return 0
    print(
        f"{arguments.out}: {stats.claims} claims, {stats.events} events, {stats.actors} actors, "
        f"{stats.sources} sources, {stats.figures} figures, {stats.quotes} quotes in {stats.files} files "
        f"(largest {stats.largest_file_bytes:,} bytes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
