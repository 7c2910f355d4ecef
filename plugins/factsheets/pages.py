"""Stage 5: plan every page of the site: where it is written, which template, what it shows (it renders nothing:
the generator in plugin.py writes the pages through Pelican's Writer)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from markupsafe import Markup

from .graph import ActorNode, ClaimNode, EventNode, Site, SourceNode, StaffNode
from .numbers import plural
from .review_dates import review_notice
from .share_cards import HEIGHT, WIDTH, card_content, card_path
from .structured_data import Publication, page_item, to_script_json
from .views import (
    at_a_glance,
    by_status,
    competing_accounts,
    home_lists,
    relationship_diagram,
    search_filters,
    sourcing_summary,
    timeline,
    who_says_what,
)

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


def navigation_place(save_as: str) -> tuple[str, str]:
    """Where a page written at save_as is in the navigation, as base.html marks it: the address of the entry
    it is under and its aria-current, 'page' on the entry's own page, 'true' on another page of its section.
    A page in no section is its own entry (Pelican's pages: About, Methodology), if it has one."""
    for item in NAVIGATION:
        if save_as == item.href:
            return item.href, "page"
        if save_as.startswith(item.section):
            return item.href, "true"
    return save_as, "page"


RecordNode = EventNode | ActorNode | ClaimNode | SourceNode | StaffNode


@dataclass(frozen=True)
class ShareCardMeta:
    """What a page's meta tags say of its share card."""

    url: str
    width: int
    height: int
    alt: str


@dataclass(slots=True)
class Page:
    """One HTML page: where it is written, its template, its title and summary, and its variables.

    A record's page reads its title, summary, structured data and views from the record when it is
    rendered, not when it is planned: planning every page stays cheap (a few slots each, the context shared:
    200,000 pages at 100,000 claims), and a page rendered again after its record changed shows the change.
    """

    save_as: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    """Variables besides Pelican's context, shared by many pages (the site); a record's page adds its record."""
    node: RecordNode | None = None
    publication: Publication | None = None
    heading: str = ""
    summary: str = ""
    views: dict[str, Callable[[], Any]] | None = None
    """Variables computed when the page is rendered (a timeline, a matrix); a record's page has its kind's."""
    listed: bool = True
    """False for pages that are no address of their own (404.html): left out of the sitemap."""
    relative_links: bool = True
    """False where the page is served at any address (404.html), so links must start from SITEURL."""

    @property
    def title(self) -> str:
        return _title_of(self.node) if self.node is not None else self.heading

    @property
    def description(self) -> str:
        return _description_of(self.node) if self.node is not None else self.summary

    @property
    def structured_data(self) -> Markup | None:
        return to_script_json(page_item(self.node, self.publication)) if self.node is not None else None

    @property
    def share_card(self) -> ShareCardMeta | None:
        """A claim page's Open Graph image: its share card (see share_cards.py)."""
        if not isinstance(self.node, ClaimNode):
            return None
        content = card_content(self.node, self.publication.site_name)
        return ShareCardMeta(self.publication.absolute(card_path(self.node)), WIDTH, HEIGHT, content.alt)

    @property
    def current_section(self) -> str:
        """The address of the navigation entry this page is under (see navigation_place)."""
        return navigation_place(self.save_as)[0]

    @property
    def aria_current(self) -> str:
        """How that entry is marked: 'page' or 'true'."""
        return navigation_place(self.save_as)[1]

    @property
    def kind(self) -> str:
        """Open Graph type: 'article' for a record's page, 'website' for the others."""
        return "article" if self.node is not None else "website"

    def variables(self) -> dict[str, Any]:
        """Everything the template sees besides Pelican's context: a record's page sees its record under its
        template's name."""
        if self.node is None:
            own, views = {}, self.views or {}
        else:
            own, views = {self.template: self.node}, _views(self.node, self.publication)
        return {**self.context, **own, **{name: compute() for name, compute in views.items()}}


def plan_pages(site: Site, publication: Publication) -> list[Page]:
    """Every page: the home page, the indexes, the timeline, diagram, search and 404 pages, then each record's."""
    title = site.overview.title if site.overview else publication.site_name
    return [
        *_home_and_indexes(site, title),
        *_views_of_the_site(site, title, publication),
        *_record_pages(site, publication),
        *_staff_pages(site, publication),
    ]


def _home_and_indexes(site: Site, title: str) -> list[Page]:
    """The home page and an index of each kind of record."""
    lead = _shorten(site.overview.summary) if site.overview else ""
    everything = {"site": site}
    pages = [
        Page(
            "index.html",
            "home",
            everything,
            heading=title,
            summary=lead,
            views={
                "lists": partial(home_lists, site),
                "glance": partial(at_a_glance, site),
                "sourcing": partial(sourcing_summary, site),
            },
        )
    ]
    for folder, heading in INDEX_TITLES.items():
        summary = f"{heading} in these fact sheets: {title}"
        views = {"claims": partial(_claims_by_status, site, "claims")} if folder == "claims" else {}
        pages.append(Page(f"{folder}/index.html", folder, everything, heading=heading, summary=summary, views=views))
    return pages


def _views_of_the_site(site: Site, title: str, publication: Publication) -> list[Page]:
    """The timeline, the diagram and the search page, which show every record, and the 404 page."""
    everything = {"site": site}
    return [
        Page(
            "timeline.html",
            "timeline",
            everything,
            heading="Timeline",
            summary=f"Every dated event and claim in order: {title}",
            views={"timeline": partial(timeline, site)},
        ),
        Page(
            "diagram.html",
            "diagram",
            everything,
            heading="Who says what: diagram",
            summary=f"Every actor linked to the claims it makes, supports, disputes or questions: {title}",
            views={"diagram": partial(relationship_diagram, site, publication.diagram_claims)},
        ),
        Page(
            "search.html",
            "search",
            everything,
            heading="Search",
            summary=f"Search every page of these fact sheets: {title}",
            views={"filters": partial(search_filters, site)},
        ),
        Page(
            "404.html",
            "not_found",
            everything,
            heading="Page not found",
            summary="This address has no page.",
            listed=False,
            relative_links=False,
        ),
    ]


def _record_pages(site: Site, publication: Publication) -> list[Page]:
    """A page for each record: events, actors, claims and sources."""
    pages = []
    everything = {"site": site}
    node_groups: list[tuple[str, list]] = [
        ("event", site.events),
        ("actor", site.actors),
        ("claim", site.claims),
        ("source", site.sources),
    ]
    for template, nodes in node_groups:
        for node in nodes:
            pages.append(Page(node.href, template, everything, node, publication))
    return pages


STAFF_INDEX = f"{StaffNode.folder}/index.html"
"""The desk's people, linked from the About page (not from the navigation, which a phone shows whole)."""


def _staff_pages(site: Site, publication: Publication) -> list[Page]:
    """The index of the desk's people and a page for each, with the checks they signed; none without staff."""
    if not site.staff:
        return []
    everything = {"site": site}
    summary = f"Who checks and edits these fact sheets, and the checks each person signed: {publication.site_name}"
    index = Page(STAFF_INDEX, "staff_index", everything, heading="The desk", summary=summary)
    return [index, *(Page(member.href, "staff", everything, member, publication) for member in site.staff)]


def _views(node: RecordNode, publication: Publication | None = None) -> dict[str, Callable[[], Any]]:
    """What a record's page computes when rendered: its claim lists ordered by status, an event's stances, a
    claim's review notice."""
    if isinstance(node, ClaimNode):
        due = publication.due_for_review if publication is not None else ()
        return {"review": partial(review_notice, node, due)}
    if isinstance(node, EventNode):
        return {"stances": partial(who_says_what, node), "competing": partial(competing_accounts, node)}
    if isinstance(node, ActorNode):
        return {
            "claims_made": partial(_claims_by_status, node, "claims_made"),
            "claims_relayed": partial(_claims_by_status, node, "claims_relayed"),
        }
    return {}


def _claims_by_status(node: RecordNode | Site, backlinks: str) -> list[ClaimNode]:
    """Read when the page renders, so that a preview's update of the node's lists is seen."""
    return by_status(getattr(node, backlinks))


def _title_of(node: EventNode | ActorNode | ClaimNode | SourceNode) -> str:
    return f"Claim: {node.heading}" if isinstance(node, ClaimNode) else node.heading


def _description_of(node: EventNode | ActorNode | ClaimNode | SourceNode) -> str:
    if isinstance(node, ClaimNode):
        return _shorten(f"{node.record.status.capitalize()}: {node.record.statement} {node.record.rationale}")
    if isinstance(node, EventNode):
        return _shorten(f"{node.when_text}: {node.record.summary}")
    if isinstance(node, ActorNode):
        what = node.record.role or node.kind_label
        made = len(node.claims_made)
        return _shorten(f"{node.record.name}, {what}. {plural(made, 'claim')} in these fact sheets.")
    if isinstance(node, StaffNode):
        return _shorten(f"{node.record.name}, {node.record.role}. {node.record.bio}")
    return _shorten(f"{node.record.title}, {node.date_text}. {len(node.quotes)} quoted passages, each marked.")


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= DESCRIPTION_LENGTH:
        return text
    return text[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0] + "…"
