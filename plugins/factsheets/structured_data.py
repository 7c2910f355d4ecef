"""schema.org descriptions of each page, for search engines and fact-check aggregators.

Claim pages carry a ``ClaimReview`` with the fields search engines document
for fact checks; actor pages a ``Person`` or ``Organization``, event pages an
``Event``, source pages a ``NewsArticle``. Everything is built from the nodes
and serialised with :func:`to_script_json`, which escapes what could end a
``<script>`` element.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from .graph import ActorNode, ClaimNode, EventNode, SourceNode
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
        "author": {"@type": "Organization", "name": publication.publisher},
        "reviewRating": rating,
        "itemReviewed": {
            "@type": "Claim",
            "author": actor_item(claim.claimant, publication),
            "datePublished": claim.record.date,
            "appearance": appearance,
            "firstAppearance": appearance,
        },
    }


def event_item(event: EventNode, publication: Publication) -> dict[str, Any]:
    item: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "Event",
        "name": event.record.title,
        "startDate": event.record.date,
        "description": event.record.summary,
        "url": publication.absolute(event.href),
    }
    if event.record.place:
        item["location"] = {"@type": "Place", "name": event.record.place}
    if event.participants:
        item["actor"] = [actor_item(actor, publication) for actor in event.participants]
    return item


def page_item(node: ClaimNode | EventNode | ActorNode | SourceNode, publication: Publication) -> dict[str, Any]:
    """The structured data of a record's page."""
    if isinstance(node, ClaimNode):
        return claim_review(node, publication)
    if isinstance(node, EventNode):
        return event_item(node, publication)
    if isinstance(node, ActorNode):
        return {"@context": SCHEMA_CONTEXT, **actor_item(node, publication)}
    return {"@context": SCHEMA_CONTEXT, **source_item(node, publication)}
