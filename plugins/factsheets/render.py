"""Stage 5: plan every page of the site: where it is written, which template, what it shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from .resolve import ActorNode, ClaimNode, EventNode, Site, SourceNode
from .structured_data import Publication, page_item, to_script_json
from .views import home_lists, relationship_diagram, timeline, who_says_what

INDEX_TITLES = {
    "events": "Events",
    "actors": "Actors",
    "claims": "Claims",
    "sources": "Sources",
}
DESCRIPTION_LENGTH = 200


@dataclass(frozen=True)
class NavigationItem:
    href: str
    label: str
    section: str
    """Pages whose path starts with this belong to the item's section."""


NAVIGATION = [
    *(NavigationItem(f"{folder}/index.html", label, f"{folder}/") for folder, label in INDEX_TITLES.items()),
    NavigationItem("timeline.html", "Timeline", "timeline.html"),
    NavigationItem("diagram.html", "Diagram", "diagram.html"),
    NavigationItem("search.html", "Search", "search.html"),
]


@dataclass
class Page:
    """One HTML page: where it is written, its template, its title and summary, and its variables."""

    save_as: str
    template: str
    title: str
    description: str
    context: dict[str, Any] = field(default_factory=dict)
    structured_data: Markup | None = None
    kind: str = "website"
    """Open Graph type: 'article' for a record's page, 'website' for the others."""
    listed: bool = True
    """False for pages that are no address of their own (404.html): left out of the sitemap."""
    relative_links: bool = True
    """False where the page is served at any address (404.html), so links must start from SITEURL."""


def plan_pages(site: Site, publication: Publication) -> list[Page]:
    lead = _shorten(site.overview.summary) if site.overview else ""
    title = site.overview.title if site.overview else publication.site_name
    everything = {"site": site}
    pages = [Page("index.html", "home", title, lead, {**everything, "lists": home_lists(site)})]
    for folder, heading in INDEX_TITLES.items():
        pages.append(
            Page(f"{folder}/index.html", folder, heading, f"{heading} in these fact sheets: {title}", everything)
        )
    pages += [
        Page(
            "timeline.html",
            "timeline",
            "Timeline",
            f"Every dated event and claim in order: {title}",
            {**everything, "timeline": timeline(site)},
        ),
        Page(
            "diagram.html",
            "diagram",
            "Who says what: diagram",
            f"Every actor linked to the claims it makes, supports, disputes or questions: {title}",
            {**everything, "diagram": relationship_diagram(site)},
        ),
        Page("search.html", "search", "Search", f"Search every page of these fact sheets: {title}", everything),
        Page(
            "404.html",
            "not_found",
            "Page not found",
            "This address has no page.",
            everything,
            listed=False,
            relative_links=False,
        ),
    ]
    node_groups: list[tuple[str, list]] = [
        ("event", site.events),
        ("actor", site.actors),
        ("claim", site.claims),
        ("source", site.sources),
    ]
    for template, nodes in node_groups:
        for node in nodes:
            pages.append(
                Page(
                    node.href,
                    template,
                    _title_of(node),
                    _description_of(node),
                    {template: node, "site": site, **_extra_context(node)},
                    to_script_json(page_item(node, publication)),
                    "article",
                )
            )
    return pages


def _extra_context(node: EventNode | ActorNode | ClaimNode | SourceNode) -> dict[str, Any]:
    return {"matrix": who_says_what(node)} if isinstance(node, EventNode) else {}


def _title_of(node: EventNode | ActorNode | ClaimNode | SourceNode) -> str:
    return f"Claim: {node.heading}" if isinstance(node, ClaimNode) else node.heading


def _description_of(node: EventNode | ActorNode | ClaimNode | SourceNode) -> str:
    if isinstance(node, ClaimNode):
        return _shorten(f"{node.record.status.capitalize()}: {node.record.statement} {node.record.rationale}")
    if isinstance(node, EventNode):
        return _shorten(f"{node.date_text}: {node.record.summary}")
    if isinstance(node, ActorNode):
        what = node.record.role or node.kind_label
        made = len(node.claims_made)
        return _shorten(f"{node.record.name}, {what}. {made} claim{'s' if made != 1 else ''} in these fact sheets.")
    return _shorten(f"{node.record.title}, {node.date_text}. {len(node.quotes)} quoted passages, each marked.")


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_LENGTH:
        return text
    return text[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0] + "…"
