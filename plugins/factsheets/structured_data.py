"""schema.org descriptions of each page, for search engines and fact-check aggregators.

Claim pages carry a ``ClaimReview`` with the fields search engines document
for fact checks; actor pages a ``Person`` or ``Organization``, event pages an
``Event``, source pages a ``NewsArticle``, staff pages a ``Person`` who works
for the desk. Everything is built from the nodes
and serialised with :func:`to_script_json`, which escapes what could end a
``<script>`` element.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from .graph import ActorNode, ClaimNode, EventNode, SourceNode, StaffNode
from .share_cards import card_path

SCHEMA_CONTEXT = "https://schema.org"
NUMERIC_RATINGS = {"refuted": 1, "confirmed": 5}
"""Only where a number means something: the ends of the scale. Other statuses are words only."""


@dataclass(frozen=True)
class Publication:
    """Where the site is published and by whom: read from Pelican's settings."""

    site_url: str
    site_name: str
    publisher: str
    published: str
    """The site's own date (the overview's last update), used where a record has no changelog."""
    feed_max_items: int | None = 100
    """The newest changes the Atom feed carries (Pelican's FEED_MAX_ITEMS; None: every change)."""
    diagram_claims: int = 200
    """The claims the diagram draws at most (FACTSHEETS_DIAGRAM_CLAIMS)."""
    other_pages: tuple[str, ...] = ()
    """The pages Pelican writes itself (About, Methodology), by path: listed in the sitemap too."""
    due_for_review: tuple[str, ...] = ()
    """The ids of the claims due for review on the build's today (review_dates.py), sorted: their pages say the
    check may be out of date. Here, so that a build on a day a claim falls due is a whole build."""

    def absolute(self, href: str) -> str:
        """The address of a page: absolute under SITEURL, or root-relative in a preview without one."""
        return f"{self.site_url.rstrip('/')}/{href}" if self.site_url else f"/{href}"


def to_script_json(data: Any) -> Markup:
    """JSON safe to place inside <script type="application/ld+json">: no <, > or & left unescaped."""
    text = json.dumps(data, ensure_ascii=False)  # no indent: Python's C encoder is used only without it
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(text)


def first_change(node: ClaimNode | EventNode | ActorNode | SourceNode, publication: Publication) -> str:
    """The desk's first publication of the record (its earliest changelog or status-history date)."""
    return node.published_on or publication.published


def last_change(node: ClaimNode | EventNode | ActorNode | SourceNode, publication: Publication) -> str:
    """The desk's latest change of the record, or of a claim's status."""
    return node.updated or publication.published


def actor_item(actor: ActorNode, publication: Publication) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@type": "Person" if actor.record.kind == "person" else "Organization",
        "name": actor.record.name,
        "url": publication.absolute(actor.href),
    }
    if actor.record.role:
        item["jobTitle" if actor.record.kind == "person" else "description"] = actor.record.role
    if actor.record.same_as:
        item["sameAs"] = list(actor.record.same_as)
    if actor.affiliation is not None:
        key = "affiliation" if actor.record.kind == "person" else "parentOrganization"
        item[key] = {"@type": "Organization", "name": actor.affiliation.record.name}
    return item


def source_item(source: SourceNode, publication: Publication) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@type": "NewsArticle",
        "headline": source.record.title,
        "datePublished": source.record.date,
        "inLanguage": source.record.language,
        "url": source.record.url or publication.absolute(source.href),
    }
    if source.publisher is not None:
        item["publisher"] = {"@type": "Organization", "name": source.publisher.record.name}
    if source.record.archive_url:
        item["archivedAt"] = source.record.archive_url
    return item


def claim_review(claim: ClaimNode, publication: Publication) -> dict[str, Any]:
    rating: dict[str, Any] = {
        "@type": "Rating",
        "alternateName": claim.record.status.capitalize(),
        "ratingExplanation": claim.record.rationale,
    }
    if claim.record.status in NUMERIC_RATINGS:
        rating.update(ratingValue=NUMERIC_RATINGS[claim.record.status], bestRating=5, worstRating=1)
    appearance = source_item(claim.quote.source, publication)
    return {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "url": publication.absolute(claim.href),
        "image": publication.absolute(card_path(claim)),
        "claimReviewed": claim.record.statement,
        "datePublished": first_change(claim, publication),
        "dateModified": last_change(claim, publication),
        **review_bylines(claim, publication),
        "reviewRating": rating,
        "itemReviewed": {
            "@type": "Claim",
            "author": actor_item(claim.claimant, publication),
            **exact_date("datePublished", claim.record.date, claim.record.date_qualifier),
            "appearance": appearance,
            "firstAppearance": appearance,
        },
    }


def staff_item(member: StaffNode, publication: Publication) -> dict[str, Any]:
    """A staff member as a Person of the desk: name, role, page, and pages elsewhere."""
    item: dict[str, Any] = {
        "@type": "Person",
        "name": member.record.name,
        "jobTitle": member.record.role,
        "url": publication.absolute(member.href),
    }
    if member.record.links:
        item["sameAs"] = list(member.record.links)
    return item


def review_bylines(claim: ClaimNode, publication: Publication) -> dict[str, Any]:
    """A ClaimReview's author and editor. The author stays the organisation (Google's fact-check tools read
    author.name as the fact-checking organisation's name), with the person who checked the claim as its
    employee; the person who edited the check is the review's editor (a CreativeWork's editor)."""
    author: dict[str, Any] = {"@type": "Organization", "name": publication.publisher}
    bylines: dict[str, Any] = {"author": author}
    if claim.checked_by is not None:
        author["employee"] = staff_item(claim.checked_by, publication)
    if claim.edited_by is not None:
        bylines["editor"] = staff_item(claim.edited_by, publication)
    return bylines


def exact_date(key: str, date: str, qualifier: str) -> dict[str, str]:
    """{key: date} when the date is exact, else nothing.

    schema.org's dates (datePublished, startDate) are ISO 8601 dates: a reader of one takes it as the day (or
    month, or year) itself. schema.org has no way of saying "on or before", "on or after" or "about": no
    qualifier property, and an ISO 8601 interval ("../2024-01-31") is not a Date. Written as the bare date,
    "on or before 31 January 2024" would turn into 31 January 2024, a fact the sources do not give. So an inexact
    date is left out (both properties are optional): the page says it in words, and the Claim's appearance
    (the source, with its own exact datePublished) still dates the report it was made in."""
    return {key: date} if qualifier == "exact" else {}


EVENT_STATUS_TYPES = {
    "held": "https://schema.org/EventScheduled",
    "scheduled": "https://schema.org/EventScheduled",
    "postponed": "https://schema.org/EventPostponed",
    "cancelled": "https://schema.org/EventCancelled",
}
"""schema.org's eventStatus of each status. It has no 'EventCompleted': EventScheduled is defined as "the event
is taking place or has taken place on the startDate as scheduled", so an event held is EventScheduled, as is one
still to come. A postponed or cancelled event keeps the date it was planned for as its startDate, as Google's
event documentation asks until a new date is known (EventRescheduled would need the new date as startDate, and
Google reads previousStartDate only beside EventRescheduled)."""


def event_item(event: EventNode, publication: Publication) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "Event",
        "name": event.record.title,
        **exact_date("startDate", event.record.date, event.record.date_qualifier),
        "eventStatus": EVENT_STATUS_TYPES[event.record.status],
        "description": event.record.summary,
        "url": publication.absolute(event.href),
    }
    if event.record.place:
        item["location"] = {"@type": "Place", "name": event.record.place}
    if event.participants:
        item["actor"] = [actor_item(actor, publication) for actor in event.participants]
    return item


def page_item(
    node: ClaimNode | EventNode | ActorNode | SourceNode | StaffNode, publication: Publication
) -> dict[str, Any]:
    """The structured data of a record's page."""
    if isinstance(node, ClaimNode):
        return claim_review(node, publication)
    if isinstance(node, EventNode):
        return event_item(node, publication)
    if isinstance(node, ActorNode):
        return {"@context": SCHEMA_CONTEXT, **actor_item(node, publication)}
    if isinstance(node, StaffNode):
        desk = {"@type": "Organization", "name": publication.publisher}
        return {"@context": SCHEMA_CONTEXT, **staff_item(node, publication), "worksFor": desk}
    return {"@context": SCHEMA_CONTEXT, **source_item(node, publication)}
