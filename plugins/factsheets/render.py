"""Stage 5: plan every page of the site: where it is written, which template, what it shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .resolve import ActorNode, ClaimNode, EventNode, Site, SourceNode

INDEX_TITLES = {
    "events": "Events",
    "actors": "Actors",
    "claims": "Claims",
    "sources": "Sources",
}


@dataclass
class Page:
    """One output file: its path under the output folder, its template and its variables."""

    save_as: str
    template: str
    title: str
    context: dict[str, Any] = field(default_factory=dict)


def plan_pages(site: Site) -> list[Page]:
    title = site.overview.title if site.overview else "Fact sheets"
    pages = [Page("index.html", "home", title, {"site": site})]
    for folder, heading in INDEX_TITLES.items():
        pages.append(Page(f"{folder}/index.html", folder, heading, {"site": site}))
    node_groups: list[tuple[str, list]] = [
        ("event", site.events),
        ("actor", site.actors),
        ("claim", site.claims),
        ("source", site.sources),
    ]
    for template, nodes in node_groups:
        for node in nodes:
            pages.append(Page(node.href, template, _title_of(node), {template: node, "site": site}))
    return pages


def _title_of(node: EventNode | ActorNode | ClaimNode | SourceNode) -> str:
    if isinstance(node, ClaimNode):
        return f"Claim: {node.record.statement}"
    if isinstance(node, ActorNode):
        return node.record.name
    return node.record.title
