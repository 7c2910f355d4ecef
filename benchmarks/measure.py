"""Run one command in a fresh process and measure it: wall-clock and CPU seconds, peak RSS, background load.

Peak RSS is not read with os.wait4 from the harness: on Linux, exec copies the old address
space's high-water RSS into the new program's ru_maxrss, and subprocess starts children with
vfork, so every child would report at least the harness's own size. GNU time (or, without it,
a bare Python launcher) is a small parent whose figure is right.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GNU_TIME = Path("/usr/bin/time")
LAUNCHER = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
with open(sys.argv[1], "w") as figures:
    figures.write(f"{usage.ru_maxrss} {usage.ru_utime} {usage.ru_stime}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""
LONG_RUN_SECONDS = 20.0
"""A run that takes longer is not repeated: short hiccups matter less, and the benchmark stays minutes long."""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
TREE_SAMPLE_SECONDS = 0.2
"""How often the memory of the whole process tree is sampled (a scan of /proc costs a few ms)."""


class BenchmarkError(RuntimeError):
    """A step that must succeed (the check, our build) failed."""


@dataclass
class Run:
    """One measured process: the fastest of `runs` attempts when it was repeated."""

    seconds: float
    cpu_seconds: float
    max_rss_mb: float
    """Peak RSS of the largest single process (the kernel's own figure)."""
    background: float | None
    """CPU-seconds per second that other processes used meanwhile (0 = idle machine; None = unknown)."""
    returncode: int
    log: Path
    runs: int = 1
    tree_pss_mb: float | None = None
    """Peak of the summed PSS of the command and all its child processes, sampled (None: none taken)."""
    system_seconds: float = 0.0
    """The part of cpu_seconds spent in the kernel: on this project's machine it varies from run to run
    (page faults, lock waits) where user time stays put."""

    def pages_per_second(self, pages: int) -> float:
        return pages / self.seconds if self.seconds else float("inf")

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def count_lines(self, pattern: str) -> int:
        return len(re.findall(pattern, self.log.read_text(encoding="utf-8", errors="replace"), flags=re.MULTILINE))


def with_probe(command: list[str], figures_file: Path) -> list[str]:
    """Wrap command so that a small parent writes 'max-RSS-KB user-seconds system-seconds' to figures_file."""
    if GNU_TIME.exists():
        return [str(GNU_TIME), "-f", "%M %U %S", "-o", str(figures_file), *command]
    return [sys.executable, "-c", LAUNCHER, str(figures_file), *command]


def busy_cpu_seconds() -> float | None:
    """CPU-seconds spent by every process on the machine since boot, from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def timed(command: list[str], cwd: Path, log_file: Path, environment: dict[str, str] | None = None) -> Run:
    """Run command once in a fresh process and measure it; its output goes to log_file."""
    figures_file = log_file.with_suffix(".figures")
    busy_before = busy_cpu_seconds()
    with log_file.open("w", encoding="utf-8") as output:
        start = time.perf_counter()
        process = subprocess.Popen(
            with_probe(command, figures_file), cwd=cwd, env=environment, stdout=output, stderr=output
        )
        tree = TreeMemory(process.pid)
        tree.start()
        try:
            returncode = process.wait()
        finally:
            seconds = time.perf_counter() - start
            tree.stop()
            if process.poll() is None:  # interrupted: leave nothing running
                process.kill()
                process.wait()
    busy_after = busy_cpu_seconds()
    max_rss_kb, cpu_seconds, system_seconds = _read_figures(figures_file)
    background = None
    if busy_before is not None and busy_after is not None and seconds > 0:
        background = max(0.0, (busy_after - busy_before - cpu_seconds) / seconds)
    return Run(
        seconds,
        cpu_seconds,
        max_rss_kb / 1024,
        background,
        returncode,
        log_file,
        tree_pss_mb=tree.peak_mb,
        system_seconds=system_seconds,
    )


class TreeMemory(threading.Thread):
    """Samples the memory of all the processes a probe started until stopped, and keeps the peak.

    The kernel's max RSS is per process: a build whose forked workers write pages beside it, or Hugo
    followed by Pagefind, uses more memory than its largest process shows. Adding up RSS would count
    the pages that forked workers share once per worker; PSS (proportional set size) shares them out
    instead, so the sum is the memory the processes hold together.
    """

    def __init__(self, probe_pid: int) -> None:
        super().__init__(daemon=True)
        self.probe_pid = probe_pid
        self.peak_bytes: int | None = None
        self.available = Path("/proc/self/smaps_rollup").exists()
        self._stopped = threading.Event()

    def run(self) -> None:
        if not self.available:
            return
        while True:
            sampled = _descendants_pss_bytes(self.probe_pid)
            self.peak_bytes = max(self.peak_bytes or 0, sampled)
            if self._stopped.wait(TREE_SAMPLE_SECONDS):
                return

    def stop(self) -> None:
        self._stopped.set()
        self.join()

    @property
    def peak_mb(self) -> float | None:
        return self.peak_bytes / 2**20 if self.peak_bytes else None


def _descendants_pss_bytes(probe_pid: int) -> int:
    """The summed PSS of every process below probe_pid (not the probe itself), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:  # the process ended meanwhile
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])  # after the command name, which may hold spaces
            children.setdefault(parent, []).append(int(entry.name))
    total, waiting = 0, list(children.get(probe_pid, []))
    while waiting:
        pid = waiting.pop()
        waiting += children.get(pid, [])
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        match = re.search(r"^Pss:\s+(\d+) kB", rollup, flags=re.MULTILINE)
        total += int(match.group(1)) * 1024 if match else 0
    return total


def _read_figures(figures_file: Path) -> tuple[float, float, float]:
    """Max RSS in KB, CPU seconds (user + system) and system seconds. GNU time writes 'Command exited with
    non-zero status N' first when the command fails: read the last line."""
    lines = figures_file.read_text().strip().splitlines() if figures_file.exists() else []
    try:
        max_rss_kb, user, system = (float(value) for value in lines[-1].split())
    except (IndexError, ValueError):
        return 0.0, 0.0, 0.0
    return max_rss_kb, user + system, system


def best_of(attempts: int, run_once: Callable[[int], Run]) -> Run:
    """The fastest of up to `attempts` runs of run_once(attempt); a failed or long run is not repeated."""
    best = run_once(1)
    attempt = 1
    while attempt < attempts and best.returncode == 0 and best.seconds < LONG_RUN_SECONDS:
        attempt += 1
        run = run_once(attempt)
        if run.returncode != 0:
            return run
        best = min(best, run, key=lambda candidate: candidate.seconds)
    best.runs = attempt
    return best


def must_succeed(run: Run, what: str) -> Run:
    if run.returncode != 0:
        raise BenchmarkError(f"{what} failed with exit code {run.returncode}:\n{run.tail()}")
    return run
