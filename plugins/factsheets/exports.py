"""Every file the site publishes besides its HTML pages: for crawlers, feed readers and researchers.

- ``sitemap.xml`` and ``robots.txt`` for crawlers;
- ``feeds/changes.atom.xml``: one entry per line of the records' corrections logs, and per entry of a
  claim's status history;
- ``data/factsheets.json``: the whole validated dataset, with every id resolved to its page;
- ``data/claimreview.json``: every ClaimReview item;
- ``data/factsheet.schema.json``: the JSON Schema of the fact-sheet format, generated from the models.
"""

from __future__ import annotations

import datetime
import heapq
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import chain
from typing import Any
from xml.sax.saxutils import escape

from feedgenerator import Atom1Feed

from .files import DataFile
from .graph import ActorNode, ClaimNode, EventNode, Node, Site, SourceNode, StaffNode
from .items import ItemReuse, ItemText
from .models import CHANGE_KIND_WORDS, FactSheet, Record
from .pages import Page
from .structured_data import Publication, claim_review
from .validate import RECORD_LISTS

SCHEMA_FILE = "data/factsheet.schema.json"
DATASET_FILE = "data/factsheets.json"
CLAIM_REVIEWS_FILE = "data/claimreview.json"
FEED_FILE = "feeds/changes.atom.xml"


def plan_files(
    site: Site, publication: Publication, pages: list[Page], reuse: ItemReuse | None = None
) -> list[DataFile]:
    """The files besides the pages, the costliest first (the open data: a second at 10,000 claims); the open
    data's items that reuse holds are taken from the last build's files (items.py)."""
    reuse = reuse or ItemReuse()

    def open_data(save_as: str, made: Callable[[Callable[..., ItemText]], dict[str, Any] | Items]) -> DataFile:
        def parts() -> Iterator[str]:
            try:
                yield from _json_parts(made(partial(reuse.item, save_as, encode=_encode)))
            finally:
                reuse.done(save_as)

        return DataFile(save_as, parts)

    return [
        open_data(DATASET_FILE, lambda item: dataset(site, publication, item)),
        open_data(CLAIM_REVIEWS_FILE, lambda item: Items(claim_reviews(site, publication, item))),
        DataFile(FEED_FILE, partial(changes_feed, site, publication)),
        DataFile("sitemap.xml", partial(sitemap, pages, publication)),
        DataFile("robots.txt", partial(robots, publication)),
        DataFile(SCHEMA_FILE, lambda: _json(factsheet_schema(), indent=2)),
    ]


def _json(data: Any, indent: int | None = None) -> str:
    """Compact unless asked: Python's fast C encoder is used only without indentation."""
    return json.dumps(data, ensure_ascii=False, indent=indent) + "\n"


class Items:
    """A JSON array made one item at a time, as it is written (see _json_parts); with pairs, an object. Its
    items are plain data, each encoded whole."""

    def __init__(self, items: Iterable[Any], pairs: bool = False) -> None:
        self.items = items
        self.pairs = pairs


def _json_parts(data: dict[str, Any] | Items) -> Iterator[str]:
    """The text of _json(data), in parts: each Items' item is made, encoded and let go in turn, so that the
    open data of the whole site is never held whole (hundreds of megabytes at 100,000 claims). A dict's values
    may be Items, or dicts holding some."""
    yield from _encoded_parts(data)
    yield "\n"


_encode = json.JSONEncoder(ensure_ascii=False).encode
"""json.dumps(value, ensure_ascii=False) with one encoder: json.dumps makes an encoder for each call given
anything but its defaults (a tenth of the open data's time at 10,000 claims)."""


def _encoded_parts(data: dict[str, Any] | Items) -> Iterator[str]:
    walked = isinstance(data, dict)
    pairs = walked or data.pairs
    yield "{" if pairs else "["
    for index, item in enumerate(data.items()) if walked else enumerate(data.items):
        separator = ", " if index else ""
        if pairs:
            key, item = item
            separator += _encode(key) + ": "
        if isinstance(item, Items) or (walked and isinstance(item, dict)):
            yield separator
            yield from _encoded_parts(item)
        elif isinstance(item, ItemText):  # encoded already, kept apart: the writer notes where it lies
            yield separator
            yield item
        else:
            yield separator + _encode(item)
    yield "}" if pairs else "]"


def sitemap(pages: list[Page], publication: Publication) -> str:
    listed = [page.save_as for page in pages if page.listed] + list(publication.other_pages)
    entries = "".join(
        f"  <url><loc>{escape(publication.absolute(save_as))}</loc></url>\n" for save_as in sorted(listed)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n"
    )


def robots(publication: Publication) -> str:
    """Crawlers only accept an absolute sitemap address: without SITEURL (a preview), no Sitemap line."""
    sitemap_line = f"Sitemap: {publication.absolute('sitemap.xml')}\n" if publication.site_url else ""
    return f"User-agent: *\nAllow: /\n{sitemap_line}"


def _page_nodes(site: Site) -> list[ClaimNode | EventNode | ActorNode | SourceNode | StaffNode]:
    return [*site.claims, *site.events, *site.actors, *site.sources, *site.staff]


def _as_datetime(partial_date: str) -> datetime.datetime:
    year, month, day = (list(map(int, partial_date.split("-"))) + [1, 1])[:3]
    return datetime.datetime(year, month, day, tzinfo=datetime.UTC)


class PlainTextAtomFeed(Atom1Feed):
    """Atom whose summaries say they are plain text: a feed reader never renders a fact sheet's words as markup."""

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, {**item, "description": None})
        handler.addQuickElement("summary", item["description"], {"type": "text"})


def changes_feed(site: Site, publication: Publication) -> str:
    """Atom: the newest dated changes of all records, newest first; the corrections log of the whole site.

    A feed reader wants what changed lately, so the feed stops after FEED_MAX_ITEMS changes; every
    record's page and data/factsheets.json keep its whole changelog.
    """
    feed = PlainTextAtomFeed(
        title=f"{publication.site_name}: changes",
        link=publication.absolute("index.html"),
        feed_url=publication.absolute(FEED_FILE),
        description="The latest changes to these fact sheets, with their dates.",
        language="en",
    )
    changes = chain(changelog_entries(site), status_entries(site))
    newest_first = _newest(changes, publication.feed_max_items)
    for entry in newest_first:
        feed.add_item(
            title=entry.title,
            link=publication.absolute(entry.href) + f"#{entry.link_anchor}",
            description=entry.summary,
            unique_id=publication.absolute(entry.href) + f"#{entry.anchor}",
            updateddate=_as_datetime(entry.date),
            pubdate=_as_datetime(entry.date),
            author_name=publication.publisher,
            categories=[entry.kind] if entry.kind else None,
        )
    return feed.writeString("utf-8")


def _newest(entries: Iterable[FeedEntry], limit: int | None) -> list[FeedEntry]:
    """The newest entries first, at most limit (None: all), holding only those at any time (a site of 100,000
    claims has hundreds of thousands of changes)."""

    def newness(entry: FeedEntry) -> tuple[str, str, tuple[int, int]]:
        return entry.date, entry.href, entry.order

    if limit is None:
        return sorted(entries, key=newness, reverse=True)
    return heapq.nlargest(limit, entries, key=newness)  # the same as sorted(...)[:limit]


@dataclass(frozen=True)
class FeedEntry:
    """One dated entry of the changes feed: a changelog line, or a claim's status from a date on."""

    date: str
    href: str
    """The record's page."""
    order: tuple[int, int]
    """Among entries of one record and date: changelog lines first, then statuses, each in their order."""
    anchor: str
    """Makes the entry's id, stable as long as the entry keeps its place: change-2, status-3."""
    title: str
    summary: str
    kind: str = ""
    """A changelog line's kind of change (models.ChangeKind), the entry's atom:category; none for a status."""

    @property
    def link_anchor(self) -> str:
        """Where the feed links: the page's changes, or the status in its history."""
        return "changes" if self.order[0] == 0 else self.anchor


def changelog_entries(site: Site) -> Iterator[FeedEntry]:
    """One entry per changelog line of the records and of the home page's overview, its kind in its title
    ("Andrii Yusov: Correction: ...") and category, and a correction's summary saying what was wrong."""
    pages = [(node.heading, node.href, node.record.changelog) for node in _page_nodes(site)]
    if site.overview is not None:
        pages.append((site.overview.title, "index.html", site.overview.changelog))
    for heading, href, changelog in pages:
        for index, change in enumerate(changelog, start=1):
            title = f"{heading}: {CHANGE_KIND_WORDS[change.kind]}: {change.change}"
            summary = f"{change.change} What was wrong: {change.wrong}" if change.wrong else change.change
            yield FeedEntry(change.date, href, (0, index), f"change-{index}", title, summary, change.kind)


def status_entries(site: Site) -> Iterator[FeedEntry]:
    """One entry per dated status a claim's history writes (the status of a claim without a history is
    that of its first publication, whose changelog line is in the feed already)."""
    for claim in site.claims:
        for change in claim.status_changes:
            if not change.written or not change.date:
                continue
            status = change.status.capitalize()
            summary = f"Status: {status}. {change.rationale}" if change.rationale else f"Status: {status}."
            title = f"{claim.heading}: status {status}"
            yield FeedEntry(change.date, claim.href, (1, change.index), change.anchor, title, summary)


def dataset(
    site: Site, publication: Publication, item: Callable[[str, Callable[[], Any]], Any] | None = None
) -> dict[str, Any]:
    """The records exactly as validated (they round-trip through the models: they are a FactSheet's fields)
    and the links between them; the records and links are made one at a time as they are written (Items),
    each through item(key, make) if given (ItemReuse.item: taken from the last build's file, or made)."""
    item = item or _made

    def dumped(record: Record) -> dict[str, Any]:
        return record.model_dump(mode="json", exclude_none=True)

    def record_items(kind: str) -> Items:
        return Items(item(f"{kind}/{node.owner_id}", partial(dumped_record, node)) for node in getattr(site, kind))

    def link_items(kind: str, links: Callable[[Any], dict[str, Any]]) -> Items:
        nodes = getattr(site, kind)
        return Items(((node.owner_id, item(f"links/{kind}/{node.owner_id}", partial(links, node))) for node in nodes),
                     pairs=True)  # fmt: skip

    records: dict[str, Any] = {"overview": dumped(site.overview)} if site.overview is not None else {}
    records.update((kind, record_items(kind)) for kind in RECORD_LISTS)

    return {
        "schema": publication.absolute(SCHEMA_FILE),
        "records": records,
        "pages": Items(((node.record.id, publication.absolute(node.href)) for node in _page_nodes(site)), pairs=True),
        "links": {
            "claims": link_items("claims", _claim_links),
            "actors": link_items("actors", _actor_links),
            "events": link_items("events", _event_links),
        },
    }


def _made(key: str, make: Callable[[], Any]) -> Any:
    return make()


def dumped_record(node: Node) -> dict[str, Any]:
    return node.record.model_dump(mode="json", exclude_none=True)


def claim_reviews(
    site: Site, publication: Publication, item: Callable[[str, Callable[[], Any]], Any] | None = None
) -> Iterator[Any]:
    """Every claim's ClaimReview, made one at a time, each through item(key, make) if given."""
    item = item or _made
    return (item(claim.owner_id, partial(claim_review, claim, publication)) for claim in site.claims)


def _ids(nodes) -> list[str]:
    """Each record once, in order: an actor that both disputes and questions a claim is one id in each list."""
    return list(dict.fromkeys(node.record.id for node in nodes if node is not None))


def _claim_links(claim: ClaimNode) -> dict[str, Any]:
    return {
        "claimant": claim.claimant.record.id,
        "about": _ids(claim.about),
        "supported_by": _ids(claim.responders("supports")),
        "disputed_by": _ids(claim.responders("disputes")),
        "questioned_by": _ids(claim.responders("questions")),
        "competes_with": _ids(claim.competing),
        "restates": _ids(claim.restated_in),
    }


def _actor_links(actor: ActorNode) -> dict[str, Any]:
    return {
        "claims_made": _ids(actor.claims_made),
        "responded_to": _ids(response.claim for response in actor.responses),
        "events": _ids(actor.events),
    }


def _event_links(event: EventNode) -> dict[str, Any]:
    return {"claims": _ids(event.claims), "actors": _ids(event.actors)}


def factsheet_schema() -> dict[str, Any]:
    """The JSON Schema of one fact-sheet file, for editors' YAML tooling."""
    schema = FactSheet.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Fact sheet", **schema}
