"""The fact-sheet format: every record an editor can write, described once.

Validation, the JSON Schema for editors and the README's format reference all
derive from these classes. A fact-sheet file is a :class:`FactSheet`: a YAML
mapping with any of the lists ``sources``, ``actors``, ``events``, ``claims``,
``staff`` and at most one ``overview`` across all files. Records refer to each other by
``id``; ids are unique across all records of all kinds.
"""

from __future__ import annotations

import calendar
import datetime
import itertools
import re
import typing
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

SLUG_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
RESERVED_IDS = frozenset({"index"})
DATE_PATTERN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
PLACEHOLDER = "TODO"
"""What `factsheets new` writes where a value is wanted: refused in every field, so that none is published."""


def _check_not_placeholder(value: str) -> None:
    if value.strip() == PLACEHOLDER:
        raise ValueError(f"placeholder {PLACEHOLDER} left in: replace it with the field's value")


def check_slug(value: str) -> str:
    _check_not_placeholder(value)
    if not SLUG_PATTERN.fullmatch(value) or len(value) > 80:
        raise ValueError("not a safe id: use 1 to 80 lowercase letters, digits and single hyphens")
    if value in RESERVED_IDS:
        raise ValueError(f"'{value}' is reserved: the page {value}.html of each folder is its index")
    return value


def check_web_url(value: str) -> str:
    _check_not_placeholder(value)
    hidden = next((ch for ch in value if ch.isspace() or not ch.isprintable()), None)
    if hidden is not None:  # controls, DEL, C1, and what reorders or hides text: bidi overrides, U+200E
        raise ValueError(
            f"a URL may not contain spaces, control characters or invisible formatting (found U+{ord(hidden):04X})"
        )
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("not a web address: only http:// and https:// URLs are allowed")
    if "@" in parts.netloc:
        raise ValueError("a URL may not carry a user name or password (user:password@ before the host)")
    return value


def check_partial_date(value: str) -> str:
    _check_not_placeholder(value)
    match = DATE_PATTERN.fullmatch(value)
    if not match:
        raise ValueError("not a date: write YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = (int(part) if part else None for part in match.groups())
    if month is not None and not 1 <= month <= 12:
        raise ValueError(f"not a date: there is no month {month}")
    if day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise ValueError(f"not a date: {calendar.month_name[month]} {year} has no day {day}")
    return value


def check_text(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    _check_not_placeholder(value)
    return value


def _check_language(value: str) -> str:
    _check_not_placeholder(value)
    if not LANGUAGE_PATTERN.fullmatch(value):
        raise ValueError("not a language tag: write one such as en, uk or pt-BR")
    return value


SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
TIMESTAMP_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def check_sha256(value: str) -> str:
    _check_not_placeholder(value)
    if not SHA256_PATTERN.fullmatch(value):
        raise ValueError("not a SHA-256: write its 64 lowercase hexadecimal digits, as `factsheets archive` does")
    return value


def check_timestamp(value: str) -> str:
    _check_not_placeholder(value)
    if not TIMESTAMP_PATTERN.fullmatch(value):
        raise ValueError("not a time in UTC: write YYYY-MM-DDThh:mm:ssZ, such as 2024-01-31T09:30:00Z")
    try:
        datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError as error:
        raise ValueError(f"not a time: {error}") from None
    return value


def _not_true_or_false(value: object) -> object:
    if isinstance(value, bool):  # a number in lax validation: YAML's yes would count 1
        raise PydanticCustomError("number_type", "Input should be a number")
    return value


CLOCK_PATTERN = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def check_clock_time(value: str) -> str:
    _check_not_placeholder(value)
    if not CLOCK_PATTERN.fullmatch(value):
        raise ValueError("not a time of day: write HH:MM, 24-hour, such as 06:30 or 18:05")
    return value


MAX_QUOTE_CHARS = 2_000
"""A quote is the words that support a claim or a figure, not a whole text; its check stays quick."""
MAX_TITLE_CHARS = 300
"""A name, title, label, unit, place or role is shown whole: in headings, link texts, the diagram's boxes, share
cards and search results. The longest real one is a headline of 98 characters."""
MAX_SENTENCE_CHARS = 1_000
"""A statement, rationale, change, description, response's summary, piece of evidence or open question is a
sentence or two: a share card draws at most about 1,200 characters of a statement. The longest real one is a
statement of 332 characters."""
MAX_TEXT_CHARS = 10_000
"""Any other text (a summary, notes, a path) is a few paragraphs at most. The longest real one is the overview's
summary, of 809 characters."""


class TextLimit:
    """The most characters a text field holds, and what to do about a longer text: a limit no real record comes
    near, so that what is longer (a whole article pasted, or text made to slow the build down) is refused
    before any page, share card or search index is made of it. The message names the text by its subject
    ("a quote"), or by the field alone."""

    def __init__(self, most: int, advice: str, subject: str = "") -> None:
        self.most = most
        self.advice = advice
        self.subject = subject

    def __call__(self, value: str) -> str:
        if len(value) > self.most:
            said = f"{self.subject} may be" if self.subject else "may be"
            this = "this one" if self.subject else "this text"
            raise ValueError(f"{said} at most {self.most:,} characters long; {this} has {len(value):,}: {self.advice}")
        return value


def _limited_text(most: int, advice: str) -> object:
    """Free text of at most `most` characters; the limit is in the JSON Schema and the format reference."""
    return Annotated[
        str,
        AfterValidator(TextLimit(most, advice)),
        AfterValidator(check_text),
        WithJsonSchema({"type": "string", "pattern": "\\S", "maxLength": most}),
    ]


_SLUG_SCHEMA = WithJsonSchema({"type": "string", "pattern": f"^{SLUG_PATTERN.pattern}$", "maxLength": 80})
Text = _limited_text(MAX_TEXT_CHARS, "keep the words that matter: the archived source keeps the whole text")
TitleText = _limited_text(MAX_TITLE_CHARS, "it is shown whole in headings, lists and the diagram")
"""A name, title, label, unit, place or role."""
SentenceText = _limited_text(MAX_SENTENCE_CHARS, "say it in a sentence or two: the quotes and sources carry the rest")
"""A statement, rationale, change, description, summary of a response, evidence or open question."""
QuoteText = Annotated[
    str,
    AfterValidator(TextLimit(MAX_QUOTE_CHARS, "quote the words that matter", subject="a quote")),
    AfterValidator(check_text),
    WithJsonSchema({"type": "string", "pattern": "\\S", "maxLength": MAX_QUOTE_CHARS}),
]
Id = Annotated[str, AfterValidator(check_slug), _SLUG_SCHEMA]
"""A record's own id: the last part of its page's address."""
Ref = Annotated[str, AfterValidator(check_slug), _SLUG_SCHEMA]
"""The id of another record."""
MAX_LIST_ITEMS = 200
"""The most ids, links or sentences a record's list holds (the real records' longest holds 8): a page shows
each, and more than this is text pasted or made to slow the build down."""


def no_repeats(values: list[str]) -> list[str]:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"'{value}' is listed twice: list each once")
        seen.add(value)
    return values


class ListLimit:
    """The most items a record's list holds (validated after the items, so the message counts them all)."""

    def __init__(self, most: int) -> None:
        self.most = most

    def __call__(self, values: list) -> list:
        if len(values) > self.most:
            raise ValueError(f"lists {len(values):,} items, more than the {self.most:,} a page can show")
        return values


_LIST_LIMIT = (AfterValidator(ListLimit(MAX_LIST_ITEMS)), Field(json_schema_extra={"maxItems": MAX_LIST_ITEMS}))
RefList = Annotated[list[Ref], AfterValidator(no_repeats), *_LIST_LIMIT]
"""Ids of other records, each once, at most MAX_LIST_ITEMS."""

MAX_URL_CHARS = 2_000
"""A web address of a page: browsers and servers refuse longer ones (a common limit is 2,048)."""
WebUrl = Annotated[
    str,
    AfterValidator(TextLimit(MAX_URL_CHARS, "link to the page itself, not a search or a copy of it", "a URL")),
    AfterValidator(check_web_url),
    WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": MAX_URL_CHARS}),
]
UrlList = Annotated[list[WebUrl], AfterValidator(no_repeats), *_LIST_LIMIT]
SentenceList = Annotated[list[SentenceText], *_LIST_LIMIT]
PartialDate = Annotated[
    str, AfterValidator(check_partial_date), WithJsonSchema({"type": "string", "pattern": f"^{DATE_PATTERN.pattern}$"})
]
"""A date as precise as it is known: 2024-01-24, 2024-01 or 2024."""
Sha256 = Annotated[
    str, AfterValidator(check_sha256), WithJsonSchema({"type": "string", "pattern": f"^{SHA256_PATTERN.pattern}$"})
]
"""The SHA-256 digest of a file's bytes, in lowercase hexadecimal."""
Timestamp = Annotated[
    str,
    AfterValidator(check_timestamp),
    WithJsonSchema({"type": "string", "pattern": f"^{TIMESTAMP_PATTERN.pattern}$"}),
]
"""A moment in UTC, to the second: 2024-01-31T09:30:00Z."""
ClockTime = Annotated[
    str, AfterValidator(check_clock_time), WithJsonSchema({"type": "string", "pattern": f"^{CLOCK_PATTERN.pattern}$"})
]
"""A time of day, 24-hour: 06:30."""
SequenceNumber = Annotated[int, Field(ge=1, le=10_000), BeforeValidator(_not_true_or_false)]
"""An order among records of the same date: 1, 2, 3."""

DateQualifier = Literal["exact", "approximate", "on-or-before", "on-or-after"]
ActorKind = Literal["person", "organisation", "state", "group", "anonymous"]
ClaimStatus = Literal["confirmed", "uncontested", "unverified", "disputed", "refuted"]
Stance = Literal["supports", "disputes", "questions"]
Precision = Literal["exact", "approximate", "at-least", "at-most"]
QuoteKind = Literal["direct", "reported"]
ChangeKind = Literal["correction", "clarification", "update", "status-change"]
EventStatus = Literal["scheduled", "postponed", "cancelled", "held"]
Publication = Literal["draft", "in-review", "published"]
PUBLICATION_MEANING = (
    "Whether the record is ready for readers: published (the default), in-review (written, being checked by an "
    "editor) or draft (being written). A publish build leaves drafts and records in review out of the whole site "
    "(no page, list, count, search entry, feed entry or open data), and refuses a published record that refers to "
    "one; any other build shows them, each page with a banner saying it is not published."
)
EVENT_STATUS_MEANING = (
    "Whether the event took place: held (it did, on its date: the default), scheduled (it was still to take place "
    "when the sources were published), postponed (it did not take place on the date planned, which is its `date`) "
    "or cancelled (it did not take place; `date` is the date it was planned for). Pages never word an event that "
    "did not take place as having happened."
)

TIME_MEANING = "Time of day, HH:MM (24-hour, in the place's time), when known: orders records of the same date."
SEQUENCE_MEANING = (
    "Order among records of the same date when no time is known (1 first): a cause is not listed after its effect."
)
ID_MEANING = "Unique id across all records: lowercase letters, digits and hyphens; also the page's address."
QUALIFIER_MEANING = "How exact the date is: exact, approximate, on-or-before or on-or-after."

STATUS_MEANINGS: dict[str, str] = {
    "confirmed": "Confirmed: independent evidence supports it.",
    "uncontested": "Uncontested: reported, and no one in the sources disputes it; not independently verified.",
    "unverified": "Unverified: no one in the sources disputes it, but it is questioned or rests on one side's word, "
    "and no evidence settles it.",
    "disputed": "Disputed: another party contests it and it has not been settled.",
    "refuted": "Refuted: the evidence contradicts it.",
}
STATUS_RULES: dict[str, str] = {
    "confirmed": "Choose it when evidence from at least two sources independent of the claimant, and of each other "
    "(publishers that share no affiliation), supports the claim: the two-source rule. The build checks that two "
    "responses that support it quote such sources.",
    "refuted": "Choose it when evidence from a source independent of the claimant contradicts the claim. The build "
    "checks that a response disputes it from outside the claimant's side.",
    "disputed": "Choose it when another party contests the claim (a response that disputes it, or a competing account "
    "of the same matter) and the evidence has not settled it. The build checks that there is one.",
    "unverified": "Choose it when no one in the sources disputes the claim but it is questioned, rests on unnamed "
    "sources, or is one party's statement about another party's acts or words that the other party has not answered "
    "(in the sources, or to the desk's request for comment: the page then says it did not reply). "
    "The build checks that no one disputes it.",
    "uncontested": "Choose it only when the claim is reported, no one in the sources disputes or questions it, and it "
    "is not one party's word about another's conduct that the other party has not answered (a reply to the desk's "
    "request for comment counts once it is a response, with its stance); it is still not independently verified. "
    "The build checks all three.",
}
"""How an editor chooses a status: the rubric, shown on the Methodology page and in the README."""

STANCE_MEANINGS: dict[str, str] = {
    "supports": "The actor says the claim is true, or gives evidence for it.",
    "disputes": "The actor says the claim is false, or gives evidence or an account against it.",
    "questions": "The actor doubts the claim, says evidence for it is lacking, or says it is being checked: "
    "saying there is no evidence is a question, not a denial.",
}
PRECISION_WORDS: dict[str, str] = {
    "exact": "",
    "approximate": "about",
    "at-least": "at least",
    "at-most": "at most",
}
"""How a figure's number is read aloud: 'about 17,000', 'at least 65'."""

QUOTE_KIND_MEANINGS: dict[str, str] = {
    "direct": "Direct: a speaker's own words, inside quotation marks in the source, as the source quotes them.",
    "reported": "Reported: the source's own words (its reporting or its paraphrase of a speaker), "
    "outside quotation marks.",
}
CHANGE_KIND_WORDS: dict[str, str] = {
    "correction": "Correction",
    "clarification": "Clarification",
    "update": "Update",
    "status-change": "Status change",
}
"""Each kind of change in words, as the pages, the Corrections page and the changes feed show it."""
CHANGE_KIND_MEANINGS: dict[str, str] = {
    "correction": "A fact the page got wrong, now put right; the change also says what was wrong.",
    "clarification": "The facts were right, but the wording could mislead or left something unclear: "
    "it now says whose words they are, or says it more plainly.",
    "update": "New information, or the record first published or linked to others: nothing was wrong before.",
    "status-change": "A claim's status changed: its status history has the new status on the same date.",
}
"""When an editor chooses each kind of change: shown in the README and on the Corrections page."""
ACTOR_KIND_LABELS: dict[str, str] = {
    "person": "Person",
    "organisation": "Organisation",
    "state": "State",
    "group": "Group",
    "anonymous": "Anonymous source",
}


def certainly_before(earlier: str, later: str) -> bool:
    """Whether the partial date `earlier` is before `later` whichever days they mean: '2024-01-30' is
    before '2024-01-31', but '2024-01' is not certainly before '2024-01-31' (it may be that very day)."""
    length = min(len(earlier), len(later))
    return earlier[:length] < later[:length]


def date_words(date: str) -> str:
    """'2024-01-31' -> '31 January 2024', for messages."""
    parts = [int(part) for part in date.split("-")]
    if len(parts) == 3:
        return f"{parts[2]} {calendar.month_name[parts[1]]} {parts[0]}"
    if len(parts) == 2:
        return f"{calendar.month_name[parts[1]]} {parts[0]}"
    return date


def text_fields(model: type[BaseModel]) -> frozenset[str]:
    """The names of a model's free-text fields: Text, optional Text, or a list of Text."""
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if _is_text(info.annotation) or any(getattr(item, "func", None) is check_text for item in info.metadata)
    )


def _is_text(annotation: object) -> bool:
    if typing.get_origin(annotation) is Annotated:
        return any(getattr(item, "func", None) is check_text for item in typing.get_args(annotation)[1:])
    return any(_is_text(argument) for argument in typing.get_args(annotation))


def _problem(kind: str, location: tuple, message: str, value: object) -> InitErrorDetails:
    """A problem a model's own check finds, at location (a field path below the record), for validation's
    report. The message is taken as it is (its braces are not a template: it may quote what an editor wrote)."""
    error = PydanticCustomError(kind, "{message}", {"message": message})
    return InitErrorDetails(type=error, loc=location, input=value)


class Record(BaseModel):
    """Base of every record: unknown fields are errors, never ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Change(Record):
    """One line of a record's corrections log: when, what kind of change, and what changed."""

    date: PartialDate = Field(description="When the desk made the change (the desk's own date, not a source's).")
    kind: ChangeKind = Field(description="What kind of change it is (see the table of change kinds).")
    change: SentenceText = Field(description="What changed, in one line.")
    wrong: SentenceText | None = Field(
        None,
        description="For a correction: what the page said that was wrong, in one line (required for a "
        "correction, refused for the other kinds).",
    )

    @model_validator(mode="after")
    def _wrong_only_for_a_correction(self) -> Change:
        """A correction says what was wrong; no other kind of change has anything wrong to say."""
        if self.kind == "correction" and self.wrong is None:
            message = "a correction says what was wrong: add `wrong:` with what the page said before, in one line"
            location, value = ("kind",), self.kind
        elif self.kind != "correction" and self.wrong is not None:
            message = (
                f"only a correction says what was wrong, and this is {CHANGE_KIND_WORDS[self.kind].lower()}: "
                "make its kind correction, or leave `wrong` out"
            )
            location, value = ("wrong",), self.wrong
        else:
            return self
        raise ValidationError.from_exception_data("Change", [_problem("change_kind", location, message, value)])


def _publication_field():
    """Every record with a page of its own may be held back from a publish build."""
    return Field("published", description=PUBLICATION_MEANING)


def _changelog_field():
    """Every record with a page of its own keeps a corrections log."""
    return Field(
        default_factory=list,
        description="Dated changes, oldest first; shown on the page and in the feed.",
    )


class Quote(Record):
    """Words taken verbatim from an archived source; the build checks they are there."""

    text: QuoteText = Field(
        description="The exact words of the source (whitespace and typographic quotes may differ), "
        f"at most {MAX_QUOTE_CHARS:,} characters."
    )
    source: Ref = Field(description="Id of the source the words are taken from.")
    kind: QuoteKind | None = Field(
        None,
        description="Whose words these are: direct (a speaker's, inside quotation marks in the source) or "
        "reported (the source's own: its reporting or paraphrase). Left out, the build finds it from where "
        "the words stand in the archived text; direct is refused for words outside quotation marks.",
    )
    speaker: Ref | None = Field(
        None,
        description="Id of the actor whose words a direct quote gives, when not the record's own: "
        "a claim's reported_by (else its claimant), a response's actor, a figure's according_to.",
    )


class Source(Record):
    """A published text the fact sheets draw on, with an archived copy of its words."""

    id: Id = Field(description=ID_MEANING)
    title: TitleText = Field(description="The headline, or a plain description when the headline is not known.")
    publisher: Ref = Field(description="Id of the actor that published it.")
    distributor: Ref | None = Field(None, description="Id of the actor that redistributed it, if any.")
    date: PartialDate = Field(description="Publication date.")
    language: Annotated[
        str,
        AfterValidator(_check_language),
        WithJsonSchema({"type": "string", "pattern": f"^{LANGUAGE_PATTERN.pattern}$"}),
    ] = Field(description="Language tag, such as en or uk.")
    url: WebUrl | None = Field(None, description="Where the original is published, if known.")
    archive_url: WebUrl | None = Field(None, description="An archived copy on the web, if any.")
    archived_text: Text = Field(
        description="Path of the archived plain text, relative to the content folder; quotes are checked against it."
    )
    archived_text_sha256: Sha256 | None = Field(
        None,
        description="SHA-256 of the archived text's bytes; the build fails if the text changes "
        "(`factsheets accept` records an intended correction).",
    )
    retrieved: Timestamp | None = Field(None, description="When the text was archived, in UTC.")
    original: Text | None = Field(
        None, description="Path of the original as retrieved (HTML, PDF or text), relative to the content folder."
    )
    original_sha256: Sha256 | None = Field(
        None, description="SHA-256 of the original's bytes; the build fails if the original changes."
    )
    notes: Text | None = Field(None, description="Anything an editor should know about the source.")
    changelog: list[Change] = _changelog_field()
    publication: Publication = _publication_field()


class Actor(Record):
    """A person, organisation, state, group or anonymous source that says or does something."""

    id: Id = Field(description=ID_MEANING)
    name: TitleText = Field(description="The name readers know it by.")
    kind: ActorKind = Field(description="What sort of actor it is.")
    role: TitleText | None = Field(None, description="What the actor is, in the words of the sources.")
    affiliation: Ref | None = Field(None, description="Id of the actor it belongs to or speaks for.")
    description: SentenceText | None = Field(None, description="A line of context; attributed unless common knowledge.")
    same_as: UrlList = Field(default_factory=list, description="The same actor elsewhere, e.g. Wikidata.")
    changelog: list[Change] = _changelog_field()
    publication: Publication = _publication_field()


MAX_AMOUNT = 10**15
"""Figures count people, vehicles or money: a larger number is a slip (and JSON readers lose its digits)."""


Amount = Annotated[
    Annotated[int, Field(ge=0, le=MAX_AMOUNT)] | Annotated[float, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)],
    BeforeValidator(_not_true_or_false),
]


class FigurePart(Record):
    """One part of a figure's breakdown."""

    label: TitleText = Field(description="What the part counts.")
    value: Amount = Field(description="The part's number (zero or more).")


class Figure(Record):
    """A number with its unit, who gives it, and an optional breakdown that must add up."""

    id: Id = Field(description=ID_MEANING)
    label: TitleText = Field(description="What the number counts.")
    value: Amount = Field(description="The number (zero or more); the sum of the breakdown, if one is given.")
    unit: TitleText = Field(description="Its unit, such as people.")
    according_to: Ref = Field(description="Id of the actor that gives the number.")
    quote: Quote = Field(description="The words of the source that give the number.")
    breakdown: list[FigurePart] = Field(default_factory=list, description="Parts that must add up to value.")
    total_in_source: bool = Field(
        True,
        description="False when the source gives only the parts and the total is the desk's sum of them; "
        "pages then say so wherever the number is shown.",
    )
    precision: Precision = Field(
        "exact", description="How exact the number is in the source: exact, approximate, at-least or at-most."
    )
    claim: Ref | None = Field(
        None,
        description="Id of the claim the number is part of, if any: the figure then shows that claim's status "
        "wherever it is shown. Required when the figure quotes the same words as a claim.",
    )

    @field_validator("breakdown")
    @classmethod
    def _breakdown_adds_up(cls, breakdown: list[FigurePart], info: ValidationInfo) -> list[FigurePart]:
        value = info.data.get("value")
        if breakdown and value is not None:
            parts_total = sum(part.value for part in breakdown)
            if abs(parts_total - value) > 1e-9:
                parts = " + ".join(f"{part.value:g}" for part in breakdown)
                raise ValueError(f"does not add up: {parts} = {parts_total:g}, but value is {value:g}")
        return breakdown

    @model_validator(mode="after")
    def _desk_sum_has_parts(self) -> Figure:
        """A total that is the desk's sum must show what it sums: without the parts, 74 would read as sourced."""
        if not self.total_in_source and len(self.breakdown) < 2:
            problem = _problem(
                "desk_sum",
                ("total_in_source",),
                "the total is our own sum (total_in_source: false), so give the parts the source gives "
                "(a breakdown of two or more), else the number would read as the source's",
                self.total_in_source,
            )
            raise ValidationError.from_exception_data("Figure", [problem])
        return self


class Event(Record):
    """Something that happened (or was to happen), which claims are about."""

    id: Id = Field(description=ID_MEANING)
    title: TitleText = Field(description="A short neutral name for the event.")
    date: PartialDate = Field(
        description="When it happened (or was planned for, if it did not take place: see `status`), as precisely "
        "as known."
    )
    date_qualifier: DateQualifier = Field("exact", description=QUALIFIER_MEANING)
    time: ClockTime | None = Field(None, description=TIME_MEANING)
    sequence: SequenceNumber | None = Field(None, description=SEQUENCE_MEANING)
    place: TitleText | None = Field(None, description="Where it happened.")
    summary: Text = Field(description="What happened, in neutral words; claims carry the disputed parts.")
    participants: RefList = Field(default_factory=list, description="Ids of the actors involved.")
    related: RefList = Field(default_factory=list, description="Ids of related events.")
    figures: list[Figure] = Field(default_factory=list, description="Numbers reported about the event.")
    sources: RefList = Field(min_length=1, description="Ids of the sources that report it.")
    status: EventStatus = Field("held", description=EVENT_STATUS_MEANING)
    changelog: list[Change] = _changelog_field()
    publication: Publication = _publication_field()


class Response(Record):
    """How an actor answered a claim, in its own quoted words."""

    actor: Ref = Field(description="Id of the actor that responds.")
    stance: Stance = Field(description="How the response stands to the claim.")
    summary: SentenceText = Field(description="What the actor says, attributed and in neutral words.")
    quote: Quote = Field(description="The actor's words, as the source gives them.")
    date: PartialDate | None = Field(None, description="When the response was made, if known.")


class StatusChange(Record):
    """One dated status of a claim: what the desk judged then, and why."""

    date: PartialDate = Field(description="When the desk gave the claim this status.")
    status: ClaimStatus = Field(description="The status from that date on (see the status table).")
    rationale: SentenceText | None = Field(
        None,
        description="One line: why the claim had this status then. Required but in the last entry, "
        "whose rationale is the claim's own `rationale` (if given, it must be the same).",
    )


class CommentRequest(Record):
    """The desk's request for comment on a claim (the right of reply): whom it asked, when and how, and what came
    back: a reply, quoted from an archived source like every quote, or no reply by a date."""

    actor: Ref = Field(description="Id of the actor the desk asked for comment.")
    date: PartialDate = Field(description="When the desk asked (the desk's date, not before the claim's).")
    how: TitleText = Field(
        description="How the desk asked, as it reads after 'by': email, phone, the press office's online form."
    )
    reply: Quote | None = Field(
        None,
        description="The reply, in the words of the archived source that holds it (checked like every quote). "
        "Give either reply or no_reply_by.",
    )
    no_reply_by: PartialDate | None = Field(
        None, description="The date by which no reply had come (not before the request). Give either this or reply."
    )

    @model_validator(mode="after")
    def _one_outcome(self) -> CommentRequest:
        """What came back is either a reply or none by a date, and none came before the desk asked."""
        if self.reply is not None and self.no_reply_by is not None:
            message = "give either a reply or no_reply_by, not both (a reply came, or none came by that date)"
            location, value = ("no_reply_by",), self.no_reply_by
        elif self.reply is None and self.no_reply_by is None:
            message = (
                "say what came back: a reply (quoted from an archived source) or no_reply_by "
                "(the date by which none came)"
            )
            location, value = (), None
        elif self.no_reply_by is not None and self.date and certainly_before(self.no_reply_by, self.date):
            message = (
                f"{date_words(self.no_reply_by)} is before the request was made ({date_words(self.date)}): "
                "no reply by a date after the desk asked"
            )
            location, value = ("no_reply_by",), self.no_reply_by
        else:
            return self
        problem = _problem("comment_request", location, message, value)
        raise ValidationError.from_exception_data("CommentRequest", [problem])


class StaffMember(Record):
    """One of the desk's own people, who checks and edits the claim reviews: not an actor of the news (a staff
    id is refused where an actor is wanted, and the reverse)."""

    id: Id = Field(description=ID_MEANING)
    name: TitleText = Field(description="The name the desk signs with.")
    role: TitleText = Field(description="What the person does at the desk, such as fact-checker or editor.")
    bio: SentenceText = Field(description="A line or two about the person: experience, languages, beat.")
    links: UrlList = Field(default_factory=list, description="The person's pages elsewhere, if any.")
    changelog: list[Change] = _changelog_field()
    publication: Publication = _publication_field()


class Claim(Record):
    """A statement someone makes, with its status and the responses to it."""

    id: Id = Field(description=ID_MEANING)
    statement: SentenceText = Field(description="What is claimed, attributed and in neutral words.")
    claimant: Ref = Field(description="Id of the actor that makes the claim.")
    reported_by: Ref | None = Field(None, description="Id of the actor that relays the claim, if not the claimant.")
    date: PartialDate = Field(description="When the claim was made.")
    date_qualifier: DateQualifier = Field("exact", description=QUALIFIER_MEANING)
    time: ClockTime | None = Field(None, description=TIME_MEANING)
    sequence: SequenceNumber | None = Field(None, description=SEQUENCE_MEANING)
    about: RefList = Field(min_length=1, description="Ids of the events the claim is about.")
    status: ClaimStatus = Field(description="What the sources show about the claim (see the status table).")
    rationale: SentenceText = Field(description="One line: why the claim has this status.")
    quote: Quote = Field(description="The claim in the words of the source.")
    evidence: SentenceList = Field(default_factory=list, description="Evidence the claimant names.")
    open_questions: SentenceList = Field(default_factory=list, description="What is still unknown.")
    responses: list[Response] = Field(default_factory=list, description="Who supports, disputes or questions it.")
    asked_for_comment: list[CommentRequest] = Field(
        default_factory=list,
        description="Whom the desk asked for comment on the claim, and what came back (the right of reply): shown "
        "on the page, and an uncontested claim about a party that did not reply is refused.",
    )
    competes_with: RefList = Field(
        default_factory=list,
        description="Ids of claims that give a competing account of the same matter (about a common event); "
        "the link goes both ways, and the pages show the accounts side by side.",
    )
    restates: RefList = Field(
        default_factory=list,
        description="Ids of claims the same claimant makes in other words (the same point said twice in a "
        "source): the link goes both ways, and each page names the other.",
    )
    subjects: RefList = Field(
        default_factory=list,
        description="Ids of the actors whose acts or words the claim describes, when not the claimant's own: "
        "a claim about another party that the party has not answered cannot be uncontested.",
    )
    checked_by: Ref | None = Field(
        None, description="Id of the staff member who checked the claim (staff): signed on the claim's page."
    )
    edited_by: Ref | None = Field(
        None,
        description="Id of the staff member who edited (reviewed) the check: someone other than its checker. "
        "Without both, or edited by its checker, the claim is a warning.",
    )
    changelog: list[Change] = _changelog_field()
    publication: Publication = _publication_field()
    status_history: list[StatusChange] = Field(
        default_factory=list,
        description="The claim's statuses over time, oldest first; the last is its current `status`. "
        "Empty: the status has been the same since the first changelog date. Each change is shown on the "
        "page and in the feed.",
    )
    review_by: PartialDate | None = Field(
        None,
        description="When the desk means to look at the check again (the desk's date, not before the claim's). "
        "After it, the page says the check may be out of date; `factsheets due` lists the claims due, oldest first.",
    )

    @model_validator(mode="after")
    def _review_not_before_the_claim(self) -> Claim:
        """A review date before the claim was made is a slip (a date 'on or before' or 'about' may be earlier)."""
        if (
            self.review_by
            and self.date_qualifier in ("exact", "on-or-after")
            and certainly_before(self.review_by, self.date)
        ):
            problem = _problem(
                "review_by",
                ("review_by",),
                f"dated {date_words(self.review_by)}, before the claim was made ({date_words(self.date)}): "
                "the desk reviews a claim after it is made",
                self.review_by,
            )
            raise ValidationError.from_exception_data("Claim", [problem])
        return self

    @model_validator(mode="after")
    def _comment_requests_after_the_claim(self) -> Claim:
        """The desk asks for comment on a claim once it is made (a date 'on or before' or 'about' may be earlier)."""
        if self.date_qualifier not in ("exact", "on-or-after"):
            return self
        problems = [
            _problem(
                "comment_request",
                ("asked_for_comment", index, "date"),
                f"dated {date_words(request.date)}, before the claim was made ({date_words(self.date)}): "
                "the desk asks for comment on a claim once it is made",
                request.date,
            )
            for index, request in enumerate(self.asked_for_comment)
            if request and request.date and certainly_before(request.date, self.date)
        ]
        if problems:
            raise ValidationError.from_exception_data("Claim", problems)
        return self

    @model_validator(mode="after")
    def _status_history_holds(self) -> Claim:
        """The history in date order, none of it before the claim was made, and ending at the current status."""
        problems = [*_history_order_problems(self.status_history), *_history_date_problems(self)]
        if self.status_history:
            problems += _history_end_problems(self)
        problems += _status_change_log_problems(self)
        if problems:
            raise ValidationError.from_exception_data("Claim", problems)
        return self


def _history_problem(location: tuple, message: str, value: object) -> InitErrorDetails:
    return _problem("status_history", location, message, value)


def _history_order_problems(history: list[StatusChange]) -> list[InitErrorDetails]:
    return [
        _history_problem(
            ("status_history", index, "date"),
            f"dated {date_words(entry.date)}, before the entry above it ({date_words(previous.date)}): "
            "list the statuses oldest first",
            entry.date,
        )
        for index, (previous, entry) in enumerate(itertools.pairwise(history), start=1)
        if certainly_before(entry.date, previous.date)
    ] + [
        _history_problem(
            ("status_history", index, "status"),
            f"'{entry.status}' again, the status of the entry above it: the history lists changes of status",
            entry.status,
        )
        for index, (previous, entry) in enumerate(itertools.pairwise(history), start=1)
        if entry.status == previous.status
    ]


def _history_date_problems(claim: Claim) -> list[InitErrorDetails]:
    """No status before the claim was made (a date 'on or before' or 'about' may be earlier than written)."""
    if claim.date_qualifier not in ("exact", "on-or-after"):
        return []
    return [
        _history_problem(
            ("status_history", index, "date"),
            f"dated {date_words(entry.date)}, before the claim was made ({date_words(claim.date)}): "
            "a claim has no status before it is made",
            entry.date,
        )
        for index, entry in enumerate(claim.status_history)
        if certainly_before(entry.date, claim.date)
    ]


def _status_change_log_problems(claim: Claim) -> list[InitErrorDetails]:
    """Every change of status (an entry of the history after the first) is logged as a change of the kind
    status-change on the same date, and every such change of the log is a status of the history."""
    changed_on = {entry.date for entry in claim.status_history[1:]}
    logged_on = {change.date for change in claim.changelog if change.kind == "status-change"}
    problems = [
        _history_problem(
            ("status_history", index, "date"),
            f"the status changed to '{entry.status}' on {date_words(entry.date)}, but the changelog has no "
            f"change of the kind status-change on that date: add one saying what changed and why",
            entry.date,
        )
        for index, entry in enumerate(claim.status_history)
        if index > 0 and entry.date not in logged_on
    ]
    problems += [
        _problem(
            "status_change",
            ("changelog", index, "kind"),
            f"a status change on {date_words(change.date)}, but the status history has no new status on "
            "that date: add the status to `status_history`, or choose another kind",
            change.kind,
        )
        for index, change in enumerate(claim.changelog)
        if change.kind == "status-change" and change.date not in changed_on
    ]
    return problems


def _history_end_problems(claim: Claim) -> list[InitErrorDetails]:
    """The last entry is the current status; every earlier one says why the claim had its status then."""
    last_index = len(claim.status_history) - 1
    last = claim.status_history[-1]
    problems = [
        _history_problem(
            ("status_history", index),
            "an earlier status needs its rationale: why the claim had this status then",
            entry.status,
        )
        for index, entry in enumerate(claim.status_history[:-1])
        if entry.rationale is None
    ]
    if last.status != claim.status:
        problems.append(
            _history_problem(
                ("status_history", last_index, "status"),
                f"the last status in the history is '{last.status}', but the claim's status is '{claim.status}': "
                "the last entry is the current status",
                last.status,
            )
        )
    if last.rationale is not None and " ".join(last.rationale.split()) != " ".join(claim.rationale.split()):
        problems.append(
            _history_problem(
                ("status_history", last_index, "rationale"),
                "the last entry's rationale differs from the claim's `rationale`: "
                "make them the same, or leave it out (it is then the claim's)",
                last.rationale,
            )
        )
    return problems


class Overview(Record):
    """The home page's lead: what happened, in two or three sentences."""

    title: TitleText = Field(description="The home page's heading.")
    summary: Text = Field(description="What happened, attributed, in two or three sentences.")
    key_figures: RefList = Field(default_factory=list, description="Ids of figures to show first.")
    updated: PartialDate = Field(description="When the fact sheets were last brought up to date.")
    changelog: list[Change] = Field(
        default_factory=list,
        description="Dated changes to the overview, oldest first; shown on the home page, on the Corrections "
        "page (corrections) and in the feed.",
    )


class FactSheet(Record):
    """One YAML file under the fact-sheet folder.

    Each text has a length limit far above what any real record holds: a name, title, label, unit, place
    or role 300 (it is shown whole in headings, lists, the diagram and search results; the longest real one has
    98), a statement, rationale, change, description, evidence or open question 1,000 (a sentence or two, and a
    share card draws about 1,200 characters at most; the longest real one has 332), a quote 2,000 and any other
    text 10,000 (the longest real one, the overview's summary, has 809). A longer text is a slip or an attack
    on the build, refused with its file and line.
    """

    overview: Overview | None = Field(None, description="The home page's lead; one in the whole site.")
    sources: list[Source] = Field(default_factory=list, description="Published texts quoted by the records.")
    actors: list[Actor] = Field(default_factory=list, description="Who says or does something.")
    events: list[Event] = Field(default_factory=list, description="What happened.")
    claims: list[Claim] = Field(default_factory=list, description="What is claimed, and how others respond.")
    staff: list[StaffMember] = Field(
        default_factory=list, description="The desk's own people, who check and edit the claims; not actors."
    )
