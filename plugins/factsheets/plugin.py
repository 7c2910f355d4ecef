"""Pelican glue: a generator whose two phases call the pipeline, and nothing more."""

from __future__ import annotations

import os
import posixpath
import sys
from collections.abc import Callable
from contextlib import nullcontext
from contextvars import ContextVar
from functools import partial
from itertools import chain
from pathlib import Path

import nh3
from markupsafe import Markup
from pelican import signals
from pelican.contents import Article, Content
from pelican.contents import Page as PelicanPage
from pelican.generators import Generator, StaticGenerator
from pelican.utils import sanitised_join

from .build_record import (
    BuildRecord,
    BuildRecords,
    Update,
    hash_content_files,
    links_of,
    packed_ids,
    plan_update,
    publication_digest,
    settings_digest,
    sheets_of,
)
from .cache import (
    CardCache,
    SignedBytecodeCache,
    configured_cache_root,
    project_folders,
    signing_key,
    template_settings_key,
)
from .dates import build_today
from .exports import FEED_FILE, plan_files
from .files import DataFile
from .graph import note_reads, record_reads, site_list_digests
from .items import ItemReuse, ItemText, Span, spans_in
from .load import links_leaving
from .numbers import number_text, plural
from .pages import NAVIGATION, STAFF_INDEX, Page, navigation_place, plan_pages
from .pelican_pages import (
    Owner,
    address_problems,
    checked_files,
    clash_problems,
    links_in,
    page_changelog,
    page_templates,
    pelican_documents,
    read_markdown_and_html_only,
    site_owners,
    template_problems,
)
from .pipeline import read_site, write_site
from .problems import Abort, ContentError
from .publishing_gate import desk_problems, gate_report
from .review_dates import due_for_review
from .search import (
    SEARCH_FOLDER,
    FileSizes,
    IndexChanged,
    SearchDocument,
    document_of,
    document_of_text_page,
    update_search_index,
    write_search_index,
)
from .settings import SettingsError, read_plugin_settings
from .share_cards import ShareCards, card_path, renderer_version
from .structured_data import Publication
from .views import (
    PageChanges,
    change_kind_legend,
    change_kind_words,
    quote_kind_counts,
    site_corrections,
    stance_meanings,
    status_legend,
)
from .wording import describe_date
from .workers import default_workers

# The theme's own filters, for the plugin's pages and Pelican's (About, Methodology) alike.
TEMPLATE_FILTERS = {
    "date_text": describe_date,
    "number": number_text,
    "plural": plural,
    "change_kind": change_kind_words,
}


class FactSheetGenerator(Generator):
    """Reads the fact sheets when created, writes their pages in generate_output."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)  # Pelican's generator_init signal runs prepare_theme: filters, escaping
        try:  # the plugin's settings, typed (see settings.py)
            self.plugin_settings = read_plugin_settings(self.settings)
        except SettingsError as error:
            raise Abort(str(error)) from None
        # Validated files and compiled templates are cached, signed with this user's key (see cache.py).
        cache_root = configured_cache_root(self.settings)
        # Never a key from the checkout: its folders are the content's, the theme's, the plugins' and the settings
        # file's (which `factsheets build` tells, Pelican alone does not), and the git work tree holding them.
        project_paths = [Path(path) for path in (self.theme, *self.settings.get("PLUGIN_PATHS", [])) if path]
        project_paths = [path for path in project_paths if path.is_dir()]
        settings_file = self.plugin_settings.settings_file
        projects = project_folders(Path(self.path), *project_paths, *([settings_file] if settings_file else []))
        key = signing_key(*projects) if cache_root else None
        folder = self.plugin_settings.path
        card_cache = None
        if cache_root and key:
            settings_key = template_settings_key(self.env, self.settings.get("JINJA_ENVIRONMENT", {}))
            self.env.bytecode_cache = SignedBytecodeCache.open(cache_root, settings_key, key)
            card_cache = CardCache.open(cache_root, renderer_version(), Path(self.path) / folder, *projects)
        self.share_cards = ShareCards(self.plugin_settings.site_name, card_cache)
        # The record of the output's last build, to write again only what an edit changed (build_record.py).
        self.build_records = BuildRecords.open(cache_root, *projects) if self.plugin_settings.build_output else None
        self.build_record: BuildRecord | None = None
        """This build's record, once the pages are written (build_site adds the files once the output is in place)."""
        self.update: Update | None = None
        """What this build writes again of the output, when it updates the last build's; None: the whole site."""
        self.document_reads: dict[str, frozenset[str]] = {}
        """The records each search document written read, by its page's save_as."""
        self.index_files: list[str] = []
        """An update of the search index: every file of the index, written again or not."""
        self.reuse = ItemReuse()
        """What this build takes from the last build's files (items.py): nothing, unless it is an update."""
        self.item_spans: dict[str, dict[str, Span]] = {}
        """Where each kept item lies in the output, by file (items.py): what the preview's updates take items from."""
        self.env.globals["kept_item"] = self.kept_item
        # The digests of the content, theme and plugins before the site is read from them: a file edited while
        # this build reads it differs from its record next time, and what it shapes is built again.
        self.content_files = self.hash_content_files() if self.build_records else {}
        # Read and check the content now: Pelican creates generators before it
        # cleans the output folder, so bad content exits with the last good site intact.
        # The publishing gate (publishing_gate.py): the desk's details in the settings, and the bylines in the
        # content, stop a publish build (FACTSHEETS_PUBLISHING) and are warnings in any other.
        publishing = self.plugin_settings.publishing
        desk_findings = desk_problems(self.plugin_settings)
        try:
            self.site = read_site(Path(self.path), folder, cache_root if key else None, self.workers, publishing)
        except ContentError as error:
            problems = error.problems
        else:
            problems = list(self.site.warnings)
        # A theme file or folder linking outside the theme (to /etc/passwd, say) would be published: refused.
        problems += links_leaving(Path(self.theme), "theme folder")
        if any(not finding.warning for finding in desk_findings):
            raise Abort(gate_report(desk_findings, problems)) from None
        if any(not problem.warning for problem in problems):  # the content first: the gate's reminders wait
            raise Abort(str(ContentError(problems))) from None
        if desk_findings or problems:  # the site builds; the editor is asked to look again
            print(gate_report(desk_findings, problems), file=sys.stderr)

    @property
    def workers(self) -> int:
        """Processes to read files and write pages with. The preview server records each page's reads in
        its own process, which also runs the server's threads (no fork there): one."""
        if self.plugin_settings.record_reads:
            return 1
        return self.plugin_settings.workers or default_workers()

    def check_pelican_pages(self, generators: list[Generator]) -> None:
        """Pelican's own pages publish only what the site means to, each file of the output with one owner
        (pelican_pages.py): checked once every generator has read its content, before anything is written, and
        reported with the problems noted as Pelican read the pages (refuse_address)."""
        documents = pelican_documents(generators)
        statics = [static for generator in generators if isinstance(generator, StaticGenerator)
                   for static in generator.staticfiles]  # fmt: skip
        links = [link for document in documents for link in links_in(document)]
        kept_files = {
            posixpath.normpath(path)
            for source in self.site.sources
            for path in (source.record.archived_text, source.record.original)
            if path
        }
        problems = list(self.context.get(PAGE_PROBLEMS, []))
        pages = [document for document in documents if isinstance(document, PelicanPage)]
        problems += template_problems(pages, page_templates(self.env))
        file_problems, published = checked_files(statics, links, Path(self.path), kept_files)
        problems += file_problems
        publication = self.publication()
        planned = plan_pages(self.site, publication)
        owned = site_owners(planned, plan_files(self.site, publication, planned))
        reserved = [
            Owner("the folder of the search index", SEARCH_FOLDER, folder=True),
            Owner("the folder of the theme's files", self.settings["THEME_STATIC_DIR"], folder=True),
            *(Owner("a name kept from the last output (OUTPUT_RETENTION)", name, folder=True)
              for name in self.settings.get("OUTPUT_RETENTION", [])),
        ]  # fmt: skip
        problems += clash_problems(owned, reserved, documents, links, published)
        if problems:
            raise Abort(str(ContentError(problems))) from None
        self.context["site_corrections"] = site_corrections(self.site, self.pelican_page_changes())

    def pelican_page_changes(self) -> list[PageChanges]:
        """The changelogs of Pelican's published pages (About, Methodology, Corrections: read_changelog)."""
        return [
            PageChanges(page.title, page.url, "Page", getattr(page, "changes", []))
            for page in self.context.get("pages", [])
        ]

    def generate_context(self) -> None:
        self.context["factsheets"] = self.site
        self.context["FACTSHEETS_CSP"] = self.plugin_settings.csp
        self.context["navigation"] = NAVIGATION
        # Read by every page, Pelican's own (About, Methodology) too: the footer's publisher and contact, the
        # changes feed, and what each status means (the legends and the Methodology's rubric).
        self.context["publisher"] = self.plugin_settings.desk
        # The address of the site as published, which Pelican's own pages cannot read from SITEURL (made
        # relative for each page): their canonical addresses.
        self.context["published_site_url"] = self.plugin_settings.site_url
        self.context["contact"] = self.plugin_settings.contact
        self.context["contact_href"] = self.plugin_settings.contact_href
        # Who owns the desk and how it is funded: the About page's "Ownership and funding" (publishing_gate.py).
        self.context["desk_owner"] = self.plugin_settings.owner
        self.context["desk_funding"] = self.plugin_settings.funding
        self.context["feed_url"] = FEED_FILE
        self.context["staff_index"] = STAFF_INDEX  # the About page lists the staff (factsheets.staff) and links it
        self.context["status_legend"] = status_legend()
        self.context["stance_meanings"] = stance_meanings()
        self.context["change_kinds"] = change_kind_legend()
        # What the About page says of the quotes, counted from them (views.quote_kind_counts): never by hand.
        self.context["quote_kinds"] = quote_kind_counts(self.site)

    def publication(self) -> Publication:
        overview = self.site.overview
        today = build_today(self.plugin_settings.today)  # the claims due for review on it (review_dates.py)
        return Publication(
            site_url=self.plugin_settings.site_url,
            site_name=self.plugin_settings.site_name,
            publisher=self.plugin_settings.desk,
            published=overview.updated if overview else min((s.record.date for s in self.site.sources), default=""),
            feed_max_items=self.plugin_settings.feed_max_items,
            diagram_claims=self.plugin_settings.diagram_claims,
            other_pages=tuple(sorted(page.save_as for page in self.context.get("pages", []))),
            due_for_review=tuple(sorted(claim.record.id for claim in due_for_review(self.site.claims, today))),
        )

    def generate_output(self, writer) -> None:
        publication = self.publication()
        output = self.plugin_settings.build_output
        previous = self.build_records.read(output) if self.build_records else None
        current = self.current_record(publication, previous) if self.build_records else None
        if current and self.plugin_settings.update:
            retained = self.settings.get("OUTPUT_RETENTION", [])
            self.update, why_whole = plan_update(previous, current, output, retained)
            if self.update is None and why_whole:
                print(f"Building the whole site: {why_whole}.")
        # Progress only where someone watches: a terminal, not CI, and a site big enough to wait for.
        watched = sys.stderr.isatty() and not os.environ.get("CI")
        indexing = self.plugin_settings.search and not self.plugin_settings.search_later
        if self.update is not None and previous is not None:  # what read no record the edit changed is kept
            self.reuse = ItemReuse(output, previous.spans, self.update.changed_ids)
        if self.update is None:
            cards = self.share_cards.plan_site(self.site)
        else:  # a card draws its claim's statement and status, and its claimant's name (a neighbour: changed too)
            changed = self.update.changed_ids
            cards = self.share_cards.plan([claim for claim in self.site.claims if claim.record.id in changed])
        written = write_site(
            self.site,
            publication,
            partial(self.write_page, writer, publication),
            partial(write_data_file, Path(self.output_path), note_items=self.recording),
            self.workers,
            cards=cards,
            show_progress=watched,
            load_template=self.get_template,
            # The search index reads the records, not the pages: written while the other workers render.
            alongside=(self.update_search_index if self.update else self.write_search_index) if indexing else None,
            writes=self.update.writes if self.update else None,
            reuse=self.reuse,
        )
        self.pages = written.pages
        # What each page written read: the preview re-renders only the pages an edit touches, and so does the
        # next build (which keeps what the pages this one did not write read).
        self.page_reads = dict(written.reads) if self.recording else {}
        for name, document_read in self.document_reads.items():  # its page is written again when it changes
            self.page_reads[name] = self.page_reads.get(name, frozenset()) | document_read
        if current:
            current.page_reads = {
                page.save_as: packed_ids(self.page_reads[page.save_as])
                if page.save_as in self.page_reads
                else previous.page_reads[page.save_as]
                for page in self.pages
            }
            # Where the kept items lie: the data files' as written now, the pages' as written now or kept.
            kept_spans = {
                name: previous.spans[name]
                for name in current.page_reads
                if self.update and name not in self.page_reads and name in previous.spans
            }
            current.spans = {**kept_spans, **written.spans}
            current.files = previous.files if self.update else {}
            self.build_record = current
        self.item_spans = current.spans if current else written.spans
        # The files of the last build an update keeps: the pages and cards it does not write again.
        self.kept_files = {page.save_as for page in self.pages} | {card_path(claim) for claim in self.site.claims}
        self.kept_files.update(self.index_files)

    def current_record(self, publication: Publication, previous: BuildRecord | None) -> BuildRecord:
        """This build's record as far as it is known before the pages are written: what they are made from."""
        content_dir = Path(self.path)
        sheets = sheets_of(self.site.sheets, content_dir)
        return BuildRecord(
            settings=settings_digest(self.settings),
            publication=publication_digest(publication),
            sheets=sheets,
            page_reads={},
            links=links_of(self.site, sheets, previous),
            site_lists=site_list_digests(self.site),
            content_files=self.content_files,
        )

    def hash_content_files(self) -> dict[str, str]:
        """The digest of every file of the content but the fact sheets, of the theme, and of the plugins (this one,
        and any other whose code may shape a page): see build_record.hash_content_files."""
        content_dir = Path(self.path)
        others = {"the theme's": Path(self.theme)}
        others.update((f"the plugins folder {path}'s", Path(path)) for path in self.settings.get("PLUGIN_PATHS", []))
        return hash_content_files(content_dir, content_dir / self.plugin_settings.path, others)

    @property
    def search_sizes(self) -> FileSizes:
        settings = self.plugin_settings
        return FileSizes(settings.search_documents_per_file, settings.search_numbers_per_file)

    def write_search_index(self, pages: list[Page] | None = None, site_folder: Path | None = None) -> None:
        """The search index of the pages (search.py), by default those written: the record pages, then
        Pelican's own pages; into the site in site_folder (the preview's, after the build) or else in the
        build's output."""
        credentials = sorted(self.context.get("pages", []), key=lambda page: page.save_as)
        pages = self.pages if pages is None else pages
        documents = chain(  # one at a time, as the index reads them: never the whole site's text at once
            (self.document_of(page) for page in pages if page.node is not None),
            (document_of_text_page(page.save_as, page.title, page.content) for page in credentials),
        )
        write_search_index(site_folder or Path(self.output_path), documents, self.search_sizes)

    def update_search_index(self, pages: list[Page]) -> None:
        """The last build's index with the documents of the pages this update writes again in place of the
        old ones (search.update_search_index): only the files that change are written. An index that cannot
        be updated so is written whole."""
        if {page.save_as for page in pages} != self.update.known_pages:  # the documents are numbered otherwise
            self.write_search_index(pages)
            return
        old_index = self.plugin_settings.build_output / SEARCH_FOLDER
        try:
            self.index_files = self.updated_search_index(Path(self.output_path), old_index, pages, self.update.writes)
        except IndexChanged:
            self.write_search_index(pages)

    def updated_search_index(
        self, site_folder: Path, old_index: Path, pages: list[Page], changed: Callable[[str], bool]
    ) -> list[str]:
        """Write into site_folder the files of old_index (an index of the same pages) that change when the pages
        that changed says of, by save_as, have their documents made again; returns the path in the site of every
        file of the index (search.update_search_index, which raises IndexChanged)."""
        numbered = [page for page in pages if page.node is not None]  # a document's number is its place
        documents = {number: self.document_of(page) for number, page in enumerate(numbered) if changed(page.save_as)}
        return update_search_index(site_folder, old_index, documents, self.search_sizes)

    def document_of(self, page: Page) -> SearchDocument:
        """The page's search document, noting the records it reads: what the page's own reads may not hold."""
        if not self.recording:
            return document_of(page.node, page.save_as)
        with record_reads() as reads:
            document = document_of(page.node, page.save_as)
        self.document_reads[page.save_as] = frozenset(reads)
        return document

    @property
    def recording(self) -> bool:
        """Whether pages note what they read: for the build's record (build_record.py) or the preview's updates."""
        return self.build_records is not None or self.plugin_settings.record_reads

    def write_page(self, writer, publication: Publication, page: Page) -> tuple[frozenset[str] | None, dict[str, Span]]:
        """Render and write a page; returns the ids of the records it read, if they are recorded, and where
        each of its kept items (kept_item) lies in it."""
        items: list[ItemText] = []
        token = _page_items.set((page.save_as, items))
        try:
            with record_reads() if self.recording else nullcontext() as reads:
                writer.write_file(
                    page.save_as,
                    self.get_template(page.template),
                    self.context,
                    relative_urls=self.settings["RELATIVE_URLS"] and page.relative_links,
                    page=page,
                    canonical_url=publication.absolute(page.save_as) if publication.site_url else "",
                    feed_url=FEED_FILE,
                    **page.variables(),
                )
        finally:
            _page_items.reset(token)
            self.reuse.done(page.save_as)
        spans = spans_in(Path(writer.output_path) / page.save_as, items) if items and self.recording else {}
        return (frozenset(reads) if reads is not None else None), spans

    def kept_item(self, key: str, caller: Callable[[], str]) -> Markup:
        """A template's item that may be taken from the last build's page (a row of the claims index, an entry
        of the timeline: `{% call kept_item(key) %}...{% endcall %}`): what it shows must follow from its key
        (unique in the page) and the records it reads alone (items.py)."""
        page = _page_items.get()
        if page is None:
            return Markup(caller())
        save_as, items = page
        item = self.reuse.item(save_as, key, caller, str)
        note_reads(item.reads)  # the page read what its item read, taken from the last build or not
        items.append(item)
        return Markup(item)


_page_items: ContextVar[tuple[str, list[ItemText]] | None] = ContextVar("page_items", default=None)
"""While a page renders, its save_as and its kept items (FactSheetGenerator.kept_item)."""


def clean_html(html: str) -> str:
    """HTML with only nh3's (ammonia's) safe tags, attributes and link schemes left."""
    return nh3.clean(html)


def write_data_file(output_path: Path, data_file: DataFile, note_items: bool = False) -> dict[str, Span]:
    """Write the file, part by part; returns where each of its items (an ItemText) lies in it (items.py) if
    note_items says to (the build's record keeps them: half a million at 100,000 claims)."""
    path = Path(sanitised_join(str(output_path), data_file.save_as))
    path.parent.mkdir(parents=True, exist_ok=True)
    contents = data_file.parts()
    if isinstance(contents, bytes):
        path.write_bytes(contents)
        return {}
    spans: dict[str, Span] = {}
    offset = 0
    with path.open("wb") as stream:
        for part in contents:
            data = part.encode("utf-8")
            if note_items and isinstance(part, ItemText):
                spans[part.key] = (offset, len(data), part.reads)
            stream.write(data)
            offset += len(data)
    return spans


def get_generators(pelican) -> type[FactSheetGenerator]:
    return FactSheetGenerator


def check_pelican_pages(generators: list[Generator]) -> None:
    """Once every generator has read its content: what Pelican's pages publish, and where (see the generator's
    method of the name)."""
    for generator in generators:
        if isinstance(generator, FactSheetGenerator):
            generator.check_pelican_pages(generators)


PAGE_PROBLEMS = "factsheets_page_problems"
"""The key, in the context Pelican shares with every page, of the problems noted as the pages were read."""


def sanitise_page(content) -> None:
    """Pelican's pages (content/pages/*.md) are Markdown, which lets raw HTML through: only harmless markup
    is kept (no script, style, event handler or javascript: link), whatever a contributor writes."""
    if not isinstance(content, Article | PelicanPage):
        return
    clean_pelican_html(content)
    refuse_address(content)
    if isinstance(content, PelicanPage):  # what base.html reads of a page: its place in the navigation
        content.current_section, content.aria_current = navigation_place(content.save_as)
        read_changelog(content)


def read_changelog(content: PelicanPage) -> None:
    """The page's changes (`changes`: its `Changelog:` metadata, validated as a fact sheet's changelog), for its
    Changes section and the Corrections page; what is wrong with them is reported with the other problems of
    the pages (check_pelican_pages), in the context Pelican shares (see refuse_address)."""
    content.changes, problems = page_changelog(Path(content.source_path or ""))
    if problems:
        content._context.setdefault(PAGE_PROBLEMS, []).extend(problems)  # noqa: SLF001 (see refuse_address)


def refuse_address(content: Article | PelicanPage) -> None:
    """Note what is wrong with where a page is written or linked, or with its format (address_problems), to be
    reported with the rest once every page is read (check_pelican_pages). Pelican checks a page's address
    right after making it and only logs an error (shown by `factsheets build` as "RuntimeError: Warning or error
    encountered", the page unnamed):
    the page is given no address meanwhile, so that Pelican neither complains nor writes it. The context is
    Pelican's own, shared by the pages and the generators of one build (``_context``: no public accessor)."""
    problems = address_problems(content)
    if problems:
        content._context.setdefault(PAGE_PROBLEMS, []).extend(problems)  # noqa: SLF001 (see above)
        content.override_save_as = ""
        content.override_url = ""


def clean_pelican_html(content: Article | PelicanPage) -> None:
    """Keep only harmless markup in a Pelican page's HTML and in the summary written in its metadata.

    Pelican has no public setter for either: its readers' HTML is kept in ``_content`` (``content`` is
    read-only) and a summary given in the metadata in ``_summary``, which Pelican's own code says plugins
    write to (``Content.refresh_metadata_intersite_links``: "_summary is an internal variable that some
    plugins may be writing to"). This function is the one place that does.
    """
    content._content = clean_html(content._content or "")  # noqa: SLF001 (see above)
    if getattr(content, "_summary", None):
        content._summary = clean_html(content._summary)  # noqa: SLF001 (see above)


def prepare_theme(generator) -> None:
    """Every generator, ours and Pelican's own (its pages), renders the theme with its filters and with every
    string escaped, whatever JINJA_ENVIRONMENT says."""
    generator.env.filters.update(TEMPLATE_FILTERS)
    generator.env.autoescape = True


def forget_rendered_pages(pelican) -> None:
    """Pelican memoizes each page's HTML on its class (Content.get_content, get_summary), which keeps every
    Pelican page, and the context it was read with (the whole site), for as long as the process lives: the
    preview, which builds again and again in one process, would keep every old site."""
    for name in ("get_content", "get_summary"):
        cache = getattr(vars(Content).get(name), "cache", None)
        if isinstance(cache, dict):
            cache.clear()


def register() -> None:
    signals.readers_init.connect(read_markdown_and_html_only)
    signals.get_generators.connect(get_generators)
    signals.generator_init.connect(prepare_theme)
    signals.content_object_init.connect(sanitise_page)
    signals.all_generators_finalized.connect(check_pelican_pages)
    signals.finalized.connect(forget_rendered_pages)
