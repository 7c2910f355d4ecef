"""Incremental rebuilds for the preview server: an edit re-renders only the pages that read what changed.

``LiveSite`` builds the whole site once in this process and records which records each page reads.
When fact-sheet files change, only those files are read and validated again. If the edit changes free
text (a statement, a summary, a rationale, a role) or a claim's status only, the new records take the
old ones' place in the graph and only the pages that read them are rendered again: the edited records'
own pages first, so the browser can reload at once, then the other pages and the data files. Any
other change (an id, a reference, a date, a name, a quote, a file added or removed, an archived text,
the overview) needs the whole build again. Either way the output is byte for byte a clean build's.
"""

from __future__ import annotations

import dataclasses
import errno
import gc
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from pelican.writers import Writer

from .build import BuildResult, build_site, check_output_folder, scratch_folder
from .cache import configured_cache_root
from .edits import apply_free_text_edits
from .exports import plan_files
from .graph import Site
from .items import ItemReuse
from .load import (
    FACTSHEET_SUFFIXES,
    FileToRead,
    find_factsheet_files,
    hashed_file,
    lies_within,
)
from .pipeline import DEFAULT_FACTSHEETS_FOLDER, read_factsheet, read_site
from .plugin import FactSheetGenerator, write_data_file
from .problems import ContentError, Problem
from .rules import check_rules
from .search import SEARCH_FOLDER, IndexChanged
from .sheets import ValidSheet
from .views import LISTED_CHANGE_KINDS


class Outcome(Enum):
    UNCHANGED = "unchanged"
    UPDATED = "updated"
    NEEDS_FULL_BUILD = "needs a full build"
    PROBLEMS = "has problems"


@dataclass
class UpdateReport:
    outcome: Outcome
    pages: int = 0
    changed_records: list[str] = field(default_factory=list)


def _ids_with_listed_changes(site: Site) -> set[str]:
    """The records whose changes the Corrections page lists (views.LISTED_CHANGE_KINDS)."""
    return {
        node.record.id
        for node in site.record_nodes
        if any(change.kind in LISTED_CHANGE_KINDS for change in node.record.changelog)
    }


@dataclass
class LiveSite:
    """The preview's site, kept in memory between edits."""

    settings_file: Path
    content_dir: Path
    output_dir: Path
    settings_override: dict[str, object] = field(default_factory=dict)
    generator: FactSheetGenerator | None = field(default=None, repr=False)
    digests: dict[Path, str] = field(default_factory=dict)
    index_left: bool = False
    """Whether the last whole build left the search index for reindex_search to write."""
    unindexed: set[str] = field(default_factory=set)
    """The pages rendered again since the search index was written, by save_as: their documents may have changed."""
    whole_build: BuildResult | None = None
    """The last whole build's result: whether it succeeded, its pages and seconds."""

    def __post_init__(self) -> None:
        """Refuse (OutputRefused) an output folder a build must not replace, before anything is built or served."""
        check_output_folder(self.settings_file, self.content_dir, self.output_dir, self.settings_override)

    @property
    def factsheet_folder_name(self) -> str:
        folder = self.generator.plugin_settings.path if self.generator else None
        return folder or DEFAULT_FACTSHEETS_FOLDER

    @property
    def factsheet_folder(self) -> Path:
        return self.content_dir / self.factsheet_folder_name

    def build_all(self, search_later: bool = False) -> bool:
        """The whole build, in this process, recording what every page reads.

        With search_later, the search index is left for reindex_search (the preview reloads the
        browsers first).
        """
        # Let the old site go: reading freezes what it read out of garbage collection, and the graph
        # is full of cycles, so a site kept frozen would stay in memory for good.
        self.generator = self.whole_build = None
        self.index_left, self.unindexed = False, set()
        gc.unfreeze()
        gc.collect()
        result = build_site(
            self.settings_file,
            self.content_dir,
            self.output_dir,
            quiet=True,
            update=False,  # this process keeps what it needs of the last build itself
            extra_settings={
                **self.settings_override,
                "FACTSHEETS_RECORD_READS": True,
                "FACTSHEETS_SEARCH_LATER": search_later,
            },
        )
        self.whole_build = dataclasses.replace(result, generators=())  # the generator kept is self.generator
        self.index_left = search_later and result.ok
        self.generator = next((made for made in result.generators if isinstance(made, FactSheetGenerator)), None)
        self.digests = self._digests() if result.ok else {}
        # Kept until the next whole build: out of the collector's sight, so that an update's
        # collections scan only what the update makes (a full scan of this site takes 0.1-0.3 s).
        gc.freeze()
        return result.ok

    def forget(self) -> None:
        """Drop what was kept: the next update builds the whole site (after a theme or settings edit)."""
        self.generator = None

    def update(self, after_first_pages: Callable[[], None] = lambda: None) -> UpdateReport:
        """Bring the output up to date with the fact-sheet files, re-rendering as little as possible."""
        if self.generator is None:
            return UpdateReport(Outcome.NEEDS_FULL_BUILD)
        digests = self._digests()
        if digests == self.digests:
            return UpdateReport(Outcome.UNCHANGED)
        if digests.keys() != self.digests.keys():
            return UpdateReport(Outcome.NEEDS_FULL_BUILD)
        changed_files = [path for path, digest in digests.items() if digest != self.digests[path]]
        if any(
            path.suffix not in FACTSHEET_SUFFIXES or self.factsheet_folder not in path.parents for path in changed_files
        ):
            return UpdateReport(Outcome.NEEDS_FULL_BUILD)  # an archived text, or a file beside the fact sheets
        new_sheets, problems = _read_and_validate(changed_files, digests)
        if problems:
            return self._report_problems()
        site = self.generator.site
        listed_before = _ids_with_listed_changes(site)
        changed_ids = apply_free_text_edits(site, new_sheets)
        if changed_ids is None:
            return UpdateReport(Outcome.NEEDS_FULL_BUILD)
        if changed_ids & (listed_before | _ids_with_listed_changes(site)):
            # The Corrections page (Pelican's own, not re-rendered here) lists the record's corrections with its
            # name and their words: the whole site is built.
            return UpdateReport(Outcome.NEEDS_FULL_BUILD)
        self.digests = digests
        # A new status or free text may break the desk's rules (a status the responses do not allow): checked
        # again on the updated graph; a breach is reported, and the next good edit builds the whole site.
        rule_problems = check_rules(site)
        if any(not problem.warning for problem in rule_problems):
            print(ContentError(rule_problems), file=sys.stderr)
            self.forget()
            return UpdateReport(Outcome.PROBLEMS)
        pages = self._render_pages_reading(changed_ids, after_first_pages)
        return UpdateReport(Outcome.UPDATED, pages, sorted(changed_ids))

    def _report_problems(self) -> UpdateReport:
        """Print every problem of the content, as `factsheets check` does: besides the edited files' own,
        the references and quotes of their records (wrong fields or not) and what other files say of
        them. Unchanged files come from the cache. If the content has been put right since it was read,
        the whole build follows."""
        settings = self.generator.settings
        try:
            read_site(self.content_dir, self.factsheet_folder_name, configured_cache_root(settings))
        except ContentError as error:
            print(error, file=sys.stderr)
            return UpdateReport(Outcome.PROBLEMS)
        return UpdateReport(Outcome.NEEDS_FULL_BUILD)

    @property
    def search_pending(self) -> bool:
        """Whether reindex_search has work: a whole build's index left for later, or pages rendered again since."""
        return self.index_left or bool(self.unindexed)

    def reindex_search(self) -> None:
        """Bring the search index up to date with the pages: written whole where the last whole build left it
        for later, else updated with the documents of the pages rendered again since (at 10,000 claims, 1.2-2.0 s
        where writing it whole takes 5)."""
        if self.generator is None or not self.generator.plugin_settings.search:
            return
        if self.index_left or not self._update_search_index():
            self.generator.write_search_index(site_folder=self.output_dir)
        self.index_left, self.unindexed = False, set()

    def _update_search_index(self) -> bool:
        """Write the files of the index that the pages rendered again change, each put in place at once and
        index.json last (search.update_search_index); False if the index cannot be updated so."""
        generator = self.generator
        with scratch_folder(self.output_dir, "live") as staging:
            index = self.output_dir / SEARCH_FOLDER
            try:
                unindexed = self.unindexed.__contains__
                files = set(generator.updated_search_index(staging, index, generator.pages, unindexed))
            except IndexChanged:
                return False
            written = [path.relative_to(staging) for path in (staging / SEARCH_FOLDER).rglob("*") if path.is_file()]
            for name in sorted(written, key=lambda name: (name.name == "index.json", name)):
                _move_into(staging, self.output_dir, str(name))
        # A word file whose key the index no longer has (its last word edited away, or its key split) goes; the
        # documents' files stay as many (an edit of free text adds or removes no page).
        for path in (index / "words").glob("*.json"):
            if f"{SEARCH_FOLDER}/words/{path.name}" not in files:
                path.unlink(missing_ok=True)
        return True

    def _pelican_pages(self) -> list[Path]:
        """Pelican's own pages (About, Methodology: PAGE_PATHS): an edit of one rebuilds the whole site."""
        root = self.content_dir.resolve()
        folders = [self.content_dir / folder for folder in self.generator.settings.get("PAGE_PATHS", [])]
        found = (path for folder in folders if folder.is_dir() for path in folder.rglob("*"))
        return [
            path
            for path in found
            if path.is_file() and not path.name.startswith(".") and lies_within(path.resolve(), root)
        ]

    def _digests(self) -> dict[Path, str]:
        """The fact-sheet files, the archived texts and originals the sources name and Pelican's pages, by digest
        (editors' scratch files such as .claims.yaml.swp are not content). Every file is hashed on every update:
        an edit in place may keep a file's size, modification time and inode, and an archived text or original
        changed so would otherwise be neither checked nor shown (at 10,000 claims, the 34 MB of the 3,400 files
        take about 60 ms)."""
        sources = [source.record for source in self.generator.site.sources]
        names = {name for source in sources for name in (source.archived_text, source.original) if name}
        root = self.content_dir.resolve()  # a link leaving the content folder is not read: the build refuses it
        named = {path for path in map(self.content_dir.joinpath, names) if lies_within(path.resolve(), root)}
        files = sorted(
            {*find_factsheet_files(self.factsheet_folder, within=self.content_dir), *named, *self._pelican_pages()}
        )
        digests: dict[Path, str] = {}
        for path in files:
            try:
                digests[path] = hashed_file(path)
            except OSError:  # gone, or unreadable (the whole build this leads to says so)
                continue
        return digests

    def _render_pages_reading(self, changed_ids: set[str], after_first_pages: Callable[[], None]) -> int:
        generator = self.generator
        publication = generator.publication()
        pages = {page.save_as: page for page in generator.pages}  # pages read their records when rendered
        stale = sorted(save_as for save_as, reads in generator.page_reads.items() if reads & changed_ids)
        self.unindexed.update(stale)
        own = [name for name in stale if pages[name].node is not None and pages[name].node.owner_id in changed_ids]
        others = [name for name in stale if name not in own]
        # The items of the lists' pages and of the open data that read no changed record are taken as they are.
        spans = generator.item_spans
        generator.reuse = reuse = ItemReuse(self.output_dir, spans, changed_ids)
        try:
            with scratch_folder(self.output_dir, "live") as staging:
                writer = Writer(str(staging), settings=generator.settings)
                for group in (own, others):
                    for name in group:  # where its items lie, once it is in place
                        reads, written_spans = generator.write_page(writer, publication, pages[name])
                        _move_into(staging, self.output_dir, name)
                        generator.page_reads[name], spans[name] = reads, written_spans
                    if group is own:
                        after_first_pages()
                changed_claims = [claim for claim in generator.site.claims if claim.record.id in changed_ids]
                cards = generator.share_cards.plan(changed_claims)  # a card draws its claim's words only
                for data_file in [*plan_files(generator.site, publication, list(pages.values()), reuse), *cards]:
                    written_spans = write_data_file(staging, data_file, note_items=True)
                    _move_into(staging, self.output_dir, data_file.save_as)
                    spans[data_file.save_as] = written_spans
        finally:
            generator.reuse = ItemReuse()
        return len(stale)


def _move_into(staging: Path, output: Path, name: str) -> None:
    """Replace one file of the served site at once: a reader never sees half a page."""
    target = output / name
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(staging / name, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        # The output is another file system (a mount point): a copy beside the page takes its place.
        copy = target.with_name(f".{target.name}.live-{os.getpid()}")
        shutil.copyfile(staging / name, copy)
        os.replace(copy, target)


def _read_and_validate(paths: list[Path], digests: dict[Path, str]) -> tuple[dict[Path, ValidSheet], list[Problem]]:
    problems: list[Problem] = []
    sheets: dict[Path, ValidSheet] = {}
    for path in paths:
        # Size 0: read whatever its size (it was just hashed); load_file measures the bytes it reads.
        file_read = read_factsheet(FileToRead(path, 0, digests[path]))
        problems += file_read.problems
        if file_read.sheet is not None:
            sheets[path] = file_read.sheet
    return sheets, problems
