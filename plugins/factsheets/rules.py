"""Stage 5: the desk's rules, checked on the linked graph: a status follows the rubric, a figure carries
its claim's status, competing accounts are of the same matter.

The rubric is written once, in ``models.STATUS_RULES``; this module checks what of it the records can show.
Breaking a rule is a problem like any other (file, line, field), and stops the build. What the records
cannot show for certain (a response that disputes a claim but only says evidence is lacking) is a warning. A claim
that does not name who checked it and a different person who edited it is a warning too (check_bylines: its
as_errors makes it an error, for the publishing gate).
"""

from __future__ import annotations

import re

from .graph import ActorNode, ClaimNode, CommentRequestNode, FigureNode, ResponseNode, Site, StaffNode
from .models import certainly_before
from .problems import Problem

RUBRIC_HINT = "see the status rules in the README or on the Methodology page"
LACKING_EVIDENCE = re.compile(
    r"\b(?:no|any|lack of|without)\s+(?:\w+\s+){0,2}?evidence\b|\bbeing\s+(?:verified|checked|investigated)\b"
    r"|\bcannot\s+(?:be\s+)?(?:confirm|verif)|\bnot\s+(?:been\s+)?(?:confirmed|verified)\b|\bunconfirmed\b",
    re.IGNORECASE,
)
"""Words of a response that says evidence is lacking or a check is under way: a question, not a denial."""


def check_rules(site: Site, publishing: bool = False) -> list[Problem]:
    """Every breach of the desk's rules in the site, errors and warnings together; publishing (a publish build,
    FACTSHEETS_PUBLISHING) makes the bylines' breaches errors (the publishing gate)."""
    problems: list[Problem] = []
    for claim in site.claims:
        problems += _check_competing(claim)
        problems += _check_restates(claim)
        problems += _check_status(claim)
        problems += _check_comment_requests(claim)
        problems += [_lacking_evidence(response) for response in claim.responses if _only_lacks_evidence(response)]
    for figure in site.figures:
        problems += _check_figure(figure)
    problems += check_bylines(site, as_errors=publishing)
    return problems


def check_bylines(site: Site, as_errors: bool = False) -> list[Problem]:
    """Every claim names who checked it and who edited it (checked_by, edited_by), two different staff members:
    each breach a warning, an error with as_errors (the publishing gate's, for publish builds)."""
    problems = [problem for claim in site.claims for problem in _byline_problems(claim)]
    return problems if as_errors else [problem.as_warning() for problem in problems]


def _byline_problems(claim: ClaimNode) -> list[Problem]:
    record = claim.record
    problems = [
        claim.problem(
            (field,),
            f"missing: a claim names {who}, one of the desk's staff",
            f"add {field}: the id of one of the desk's staff (staff: in any fact-sheet file)",
        )
        for field, who in (("checked_by", "who checked it"), ("edited_by", "who edited it"))
        if getattr(record, field) is None
    ]
    checker, editor = claim.checked_by, claim.edited_by
    same_person = checker is not None and editor is not None and _folded_name(checker) == _folded_name(editor)
    if record.checked_by is not None and (record.checked_by == record.edited_by or same_person):
        problems.append(
            claim.problem(
                ("edited_by",),
                f"edited by its own checker '{record.checked_by}'",
                "a check is edited (reviewed) by someone other than the person who checked it",
            )
        )
    return problems


def _folded_name(member: StaffNode) -> str:
    """A staff member's name as one person's: two records of one name are one person (case and spacing aside)."""
    return " ".join(member.record.name.split()).casefold()


def _check_status(claim: ClaimNode) -> list[Problem]:
    status = claim.record.status
    disputing, questioning = claim.responses_with("disputes"), claim.responses_with("questions")
    if status == "disputed" and not (disputing or claim.competing):
        return [
            claim.problem(
                ("status",),
                "a disputed claim needs a response that disputes it or a competing account (competes_with)",
                f"with neither, choose 'unverified' or 'uncontested'; {RUBRIC_HINT}",
            )
        ]
    if status in ("uncontested", "unverified"):
        return _check_not_contested(claim, disputing, questioning)
    if status == "confirmed":
        return _check_two_sources(claim)
    if status == "refuted" and not any(_independent_of(claim, response) for response in disputing):
        return [
            claim.problem(
                ("status",),
                "a refuted claim needs a response that disputes it from outside the claimant's side",
                f"evidence against it from a source independent of the claimant; {RUBRIC_HINT}",
            )
        ]
    return []


def _check_not_contested(
    claim: ClaimNode, disputing: list[ResponseNode], questioning: list[ResponseNode]
) -> list[Problem]:
    """An uncontested or unverified claim: no response disputes it and it has no competing account; an
    uncontested one is not questioned either, and its subjects have answered (_unanswered_subjects)."""
    status = claim.record.status
    problems = [
        response.problem(
            ("stance",),
            f"a response disputes this {status} claim",
            "a claim someone disputes is 'disputed'; if the response only says evidence is lacking, "
            "its stance is 'questions'",
        )
        for response in disputing
    ]
    if claim.competing:
        names = ", ".join(f"'{other.record.id}'" for other in claim.competing)
        problems.append(
            claim.problem(
                ("status",),
                f"an {status} claim has a competing account ({names})",
                f"a claim with a competing account is 'disputed'; {RUBRIC_HINT}",
            )
        )
    if status == "uncontested":
        problems += [
            response.problem(
                ("stance",),
                "a response questions this uncontested claim",
                f"a claim someone questions is 'unverified'; {RUBRIC_HINT}",
            )
            for response in questioning
        ]
        problems += _unanswered_subjects(claim)
    return problems


def _unanswered_subjects(claim: ClaimNode) -> list[Problem]:
    """A claim about another party's acts or words, which that party has not answered in the sources."""
    if claim.claimant is None:
        return []
    answering_sides = {id(response.actor.side) for response in claim.responses if response.actor}
    problems = []
    for index, subject in enumerate(claim.subjects):
        if subject.side is not claim.claimant.side and id(subject.side) not in answering_sides:
            problems.append(claim.problem(("subjects", index), *_unanswered(subject, claim.requests_to(subject))))
    return problems


def _unanswered(subject: ActorNode, requests: list[CommentRequestNode]) -> tuple[str, str]:
    """Why a subject counts as not having answered, and what to do: in the sources, to the desk's request, or
    in a reply the claim's responses do not hold (a reply's stance counts once it is a response)."""
    name = subject.record.name
    unverified = f"one party's word about another's conduct is 'unverified' until the other answers; {RUBRIC_HINT}"
    replied = next((request for request in requests if request.record.reply is not None), None)
    if replied is not None:
        return (
            f"an uncontested claim about {name}, whose reply to the desk's request for comment is not among the "
            "claim's responses",
            "add a response quoting the reply with its stance (supports, disputes or questions), "
            f"or choose 'unverified'; {RUBRIC_HINT}",
        )
    if requests:
        request = requests[-1]
        return (
            f"an uncontested claim about {name}, which did not reply by {request.no_reply_by_text} when the desk "
            f"asked it for comment (on {request.date_text})",
            unverified,
        )
    return f"an uncontested claim about {name}, which has not answered it in the sources", unverified


def _check_comment_requests(claim: ClaimNode) -> list[Problem]:
    """A reply cannot have been published before the desk asked for it."""
    problems = []
    for request in claim.comment_requests:
        source = request.reply.source if request.reply else None
        if source is not None and request.actor is not None and not _answers_for(request):
            problems.append(
                request.problem(
                    ("reply", "source"),
                    f"the reply is quoted from '{source.record.id}', which neither {request.actor.record.name} nor "
                    "one of its own published, and the quote names no speaker of theirs",
                    "quote the reply from what the party sent or published, or give its speaker",
                )
            )
        if source is None or not source.record.date or not request.record.date:
            continue
        if certainly_before(source.record.date, request.record.date):
            problems.append(
                request.problem(
                    ("reply", "source"),
                    f"the reply is quoted from '{source.record.id}', published on {source.date_text}, before the "
                    f"desk asked for comment ({request.date_text})",
                    "quote the reply from the text the party sent or published in answer, or correct the "
                    "request's date",
                )
            )
    return problems


def _answers_for(request: CommentRequestNode) -> bool:
    """Whether the reply comes from the party asked: the reply's source is published by it (or by one of its
    members: a ministry's press office), or the quote names it, or one of its members, as the speaker."""
    asked, reply = request.actor, request.reply
    if reply is None:
        return True
    use = next((use for use in reply.uses if use.node is request), None)
    candidates = [actor for actor in (reply.source.publisher, use.speaker if use else None) if actor is not None]
    return any(_belongs_to(actor, asked) for actor in candidates)


def _belongs_to(actor: ActorNode | None, party: ActorNode) -> bool:
    seen: set[int] = set()
    while actor is not None and id(actor) not in seen:
        if actor is party:
            return True
        seen.add(id(actor))
        actor = actor.affiliation
    return False


def _check_two_sources(claim: ClaimNode) -> list[Problem]:
    """Confirmed: support quoted from two sources whose publishers are independent of the claimant and of
    each other (the two-source rule)."""
    claimant_side = claim.claimant.side if claim.claimant else None
    sides: set[int] = set()
    for response in claim.responses_with("supports"):
        if response.quote is None:
            continue
        publisher = response.quote.source.publisher
        if publisher is not None and publisher.side is not claimant_side:
            sides.add(id(publisher.side))
    if len(sides) >= 2:
        return []
    return [
        claim.problem(
            ("status",),
            "a confirmed claim needs support quoted from at least two sources independent of the claimant "
            f"and of each other; found {len(sides)}",
            f"add responses that support it, each quoting such a source, or choose another status; {RUBRIC_HINT}",
        )
    ]


def _independent_of(claim: ClaimNode, response: ResponseNode) -> bool:
    return bool(response.actor and claim.claimant and response.actor.side is not claim.claimant.side)


def _check_competing(claim: ClaimNode) -> list[Problem]:
    problems = []
    for index, ref in enumerate(claim.record.competes_with):
        if ref == claim.record.id:
            problems.append(claim.problem(("competes_with", index), "a claim cannot compete with itself"))
            continue
        other = next((node for node in claim.competing if node.record.id == ref), None)
        if other is not None and claim.about and not _share_an_event(claim, other):
            problems.append(
                claim.problem(
                    ("competes_with", index),
                    f"'{ref}' is about other events: competing accounts are of the same matter",
                    "give both claims an event in common (about), or do not link them",
                )
            )
    return problems


def _check_restates(claim: ClaimNode) -> list[Problem]:
    """A claim restated in other words is the same claimant's, about a common event."""
    problems = []
    for index, ref in enumerate(claim.record.restates):
        other = next((node for node in claim.restated_in if node.record.id == ref), None)
        if ref == claim.record.id:
            problems.append(claim.problem(("restates", index), "a claim cannot restate itself"))
        elif (
            other is not None
            and claim.claimant is not None
            and other.claimant is not None
            and (other.claimant is not claim.claimant or not _share_an_event(claim, other))
        ):
            problems.append(
                claim.problem(
                    ("restates", index),
                    f"'{ref}' is not the same claimant's word about a common event",
                    "a claim restates another of its claimant's about the same event; else it is a claim of its own",
                )
            )
    return problems


def _share_an_event(claim: ClaimNode, other: ClaimNode) -> bool:
    return bool({id(event) for event in claim.about} & {id(event) for event in other.about})


def _only_lacks_evidence(response: ResponseNode) -> bool:
    if response.record.stance != "disputes":
        return False
    words = " ".join(text for text in (response.record.summary, response.record.quote.text) if text)
    return bool(LACKING_EVIDENCE.search(words))


def _lacking_evidence(response: ResponseNode) -> Problem:
    return response.problem(
        ("stance",),
        "this response says evidence is lacking or a check is under way, which questions the claim "
        "rather than disputes it",
        "use stance: questions, unless the actor also says the claim is false",
    ).as_warning()


def _check_figure(figure: FigureNode) -> list[Problem]:
    """A figure that quotes a claim's very words is part of that claim, and must say so (claim: id); the claim
    it names is about the figure's event."""
    if figure.claim is not None:
        if figure.event is not None and figure.event not in figure.claim.about:
            return [
                figure.problem(
                    ("claim",),
                    f"the claim '{figure.claim.record.id}' is not about this figure's event",
                    f"a figure is part of a claim about '{figure.event.record.id}' (about)",
                )
            ]
        return []
    if figure.quote is None:
        return []
    claim = next((use.node for use in figure.quote.uses if isinstance(use.node, ClaimNode)), None)
    if claim is None:
        return []
    return [
        figure.problem(
            ("quote",),
            f"this figure quotes the same words as the claim '{claim.record.id}'",
            f"name it (claim: {claim.record.id}) so that the figure shows the claim's status",
        )
    ]
