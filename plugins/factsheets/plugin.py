"""Pelican glue: a generator whose two phases call the pipeline, and nothing more."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from contextlib import nullcontext
from functools import partial
from pathlib import Path

from pelican import signals
from pelican.generators import Generator
from pelican.utils import sanitised_join

from .exports import FEED_FILE, DataFile
from .pipeline import DEFAULT_FACTSHEETS_FOLDER, read_site, write_site
from .problems import ContentError
from .render import NAVIGATION, Page
from .resolve import describe_date, record_reads
from .structured_data import Publication
from .workers import default_workers

DEFAULT_CSP = (
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'self'"
)
"""The site's own files only: content can never bring in a script, a style or a frame."""


class FactSheetGenerator(Generator):
    """Reads the fact sheets when created, writes their pages in generate_output."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Every string from a fact sheet is escaped, whatever JINJA_ENVIRONMENT says.
        self.env.autoescape = True
        self.env.filters["date_text"] = describe_date
        # Read and check the content now: Pelican creates generators before it
        # cleans the output folder, so bad content exits with the last good site intact.
        folder = self.settings.get("FACTSHEETS_PATH", DEFAULT_FACTSHEETS_FOLDER)
        cache_dir = (
            Path(self.settings["CACHE_PATH"]) / "factsheets" if self.settings.get("FACTSHEETS_CACHE", True) else None
        )
        try:
            self.site = read_site(Path(self.path), folder, cache_dir)
        except ContentError as error:
            print(error, file=sys.stderr)
            raise SystemExit(1) from None

    def generate_context(self) -> None:
        self.context["factsheets"] = self.site
        self.context.setdefault("FACTSHEETS_CSP", DEFAULT_CSP)
        self.context["navigation"] = NAVIGATION

    def publication(self) -> Publication:
        overview = self.site.overview
        return Publication(
            site_url=self.settings.get("SITEURL", ""),
            site_name=self.settings.get("SITENAME", "Fact sheets"),
            publisher=self.settings.get("FACTSHEETS_PUBLISHER") or self.settings.get("AUTHOR") or "Fact sheets",
            published=overview.updated if overview else min((s.record.date for s in self.site.sources), default=""),
        )

    def generate_output(self, writer) -> None:
        publication = self.publication()
        self.page_reads: dict[str, frozenset[str]] = {}
        # The preview server records what each page reads, to re-render only what an edit touches;
        # the reads are noted in this process, so its pages are not spread over workers.
        recording = self.settings.get("FACTSHEETS_RECORD_READS", False)
        workers = 1 if recording else self.settings.get("FACTSHEETS_WORKERS") or default_workers()
        # Progress only where someone watches: a terminal, not CI, and a site big enough to wait for.
        watched = sys.stderr.isatty() and not os.environ.get("CI")
        self.pages = write_site(
            self.site,
            publication,
            partial(self.write_page, writer, publication, recording),
            partial(write_data_file, Path(self.output_path)),
            workers,
            show_progress=watched,
        )
        if recording:
            FactSheetGenerator.recorded = self

    recorded: FactSheetGenerator | None = None
    """The last generator that recorded its pages' reads (for the preview server, in its own process)."""

    def write_page(self, writer, publication: Publication, recording: bool, page: Page) -> None:
        with record_reads() if recording else nullcontext() as reads:
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
        if recording:
            self.page_reads[page.save_as] = frozenset(reads)


def write_data_file(output_path: Path, data_file: DataFile) -> None:
    path = Path(sanitised_join(str(output_path), data_file.save_as))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data_file.text, encoding="utf-8")


def get_generators(pelican) -> type[FactSheetGenerator]:
    return FactSheetGenerator


def index_for_search(pelican) -> None:
    """Build the static search index (Pagefind) over the pages just written."""
    if pelican.settings.get("FACTSHEETS_SEARCH", True):
        build_search_index(Path(pelican.output_path))


def build_search_index(site_folder: Path) -> None:
    """Index the site into a new folder, then put it in the old index's place (no stale index files)."""
    index = site_folder / "pagefind"
    with tempfile.TemporaryDirectory(prefix=".pagefind-", dir=site_folder.parent) as staging:
        fresh = Path(staging) / "pagefind"
        command = [sys.executable, "-m", "pagefind", "--site", str(site_folder), "--output-path", str(fresh)]
        result = subprocess.run([*command, "--silent"], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            problem = result.stderr.strip() or result.stdout.strip()
            raise RuntimeError(f"the search index could not be built: {problem}")
        if index.exists():
            index.rename(Path(staging) / "old")
        fresh.rename(index)


def register() -> None:
    signals.get_generators.connect(get_generators)
    signals.finalized.connect(index_for_search)
