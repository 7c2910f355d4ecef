"""The preview's builds: in a folder of its own (a running `factsheets serve` never touches a published
`output/`), each saying how many pages it wrote and how long it took, a failed one telling the open pages
what the terminal shows."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from factsheets.incremental import Outcome, UpdateReport
from factsheets.serve import LastBuild, PreviewBuilds, RecordingStderr, shown_problems
from helpers import BIN, CONTENT, DESK_DETAILS, ROOT, DevServer, start_dev_server, stop, wait_until

SITEURL = "https://example.org/fact-sheets"


def tree(folder: Path) -> dict[str, str]:
    """Every file and folder under folder, with the SHA-256 of each file's bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def published_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout of the site as an editor has it (settings, theme, plugins and content in one folder), after
    `make publish`: the site built with publishconf.py into the project's output/. Made once: tests copy it."""
    project = tmp_path_factory.mktemp("published") / "project"
    project.mkdir()
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy2(ROOT / name, project / name)
    with (project / "pelicanconf.py").open("a") as settings:  # the desk's details, which `make publish` asks for
        settings.writelines(f"{name} = {value!r}\n" for name, value in DESK_DETAILS.items())
    shutil.copytree(ROOT / "theme", project / "theme")
    shutil.copytree(ROOT / "plugins", project / "plugins", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(CONTENT, project / "content")
    result = subprocess.run(
        [str(BIN / "factsheets"), "build", "-s", "publishconf.py"],
        cwd=project,
        env={**os.environ, "SITEURL": SITEURL},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert SITEURL in (project / "output" / "sitemap.xml").read_text()
    return project


@pytest.fixture
def project(published_project: Path, tmp_path: Path) -> Path:
    """A copy of the published checkout that the test may edit and preview."""
    project = tmp_path / "project"
    shutil.copytree(published_project, project, symlinks=True)
    return project


@pytest.fixture
def published(project: Path) -> Path:
    """The project's output/, as `make publish` left it."""
    return project / "output"


@pytest.fixture
def preview(project: Path, published: Path, tmp_path: Path) -> Iterator[DevServer]:
    """`make serve` in the project, after `make publish`: `factsheets serve` with its defaults."""
    server = start_dev_server([], project, tmp_path)
    try:
        yield server
    finally:
        stop(server.process)


def test_a_running_preview_leaves_the_published_output_byte_identical(project: Path, published: Path, tmp_path: Path):
    before = tree(published)
    preview = start_dev_server([], project, tmp_path)  # `make serve`, after `make publish`
    try:
        edit_while_serving(project, preview)
    finally:
        stop(preview.process)
    assert tree(published) == before, "the preview wrote into the published output/"
    preview_folder = project / ".preview"
    assert (preview_folder / ".factsheets-build").is_file(), "the preview folder is not stamped as a build"
    assert SITEURL not in (preview_folder / "sitemap.xml").read_text()
    served = [path for path in preview_folder.rglob("*") if path.is_file() and b"livereload" in path.read_bytes()]
    assert not served, f"the preview's scripts were written into its files: {served[:3]}"


def edit_while_serving(project: Path, preview: DevServer) -> None:
    """Retitle an event, and wait until the preview has rebuilt its folder and said so."""
    events_file = project / "content" / "factsheets" / "events.yaml"
    text = events_file.read_text()
    title = re.search(r"^    title: (.+)$", text, re.MULTILINE)[1]
    events_file.write_text(text.replace(f"title: {title}\n", f"title: {title} (edited)\n", 1))

    wait_until(lambda: f"{title} (edited)" in preview.fetch("events/index.html"), "the edit served", preview)
    wait_until(lambda: re.search(r"^rebuilt .+ s$", preview.output(), re.MULTILINE), "report of the rebuild", preview)


def test_builds_and_rebuilds_say_how_many_pages_and_how_long(project: Path, preview: DevServer):
    pages = sum(1 for _ in (project / ".preview").rglob("*.html"))
    assert re.search(rf"^built {pages} pages in \d+\.\d\d s$", preview.output(), re.MULTILINE), preview.output()

    overview = project / "content" / "factsheets" / "overview.yaml"
    overview.write_text(overview.read_text().replace("title: ", "title: Edited, ", 1))  # a whole build

    def whole_rebuild_reported() -> bool:
        return bool(re.search(rf"^rebuilt {pages} pages in \d+\.\d\d s$", preview.output(), re.MULTILINE))

    wait_until(whole_rebuild_reported, "report of the whole rebuild", preview)

    claims = project / "content" / "factsheets" / "claims.yaml"
    statement = "    statement: >-\n      "
    claims.write_text(claims.read_text().replace(statement, f"{statement}Edited, ", 1))  # free text: a few pages

    def update_reported() -> bool:
        counts = re.findall(r"^rebuilt (\d+) pages? in \d+\.\d\d s$", preview.output(), re.MULTILINE)
        return len(counts) == 2 and 0 < int(counts[1]) < pages

    wait_until(update_reported, "report of the update", preview)


def test_the_pages_show_a_failed_builds_problem_lines_as_printed():
    printed = "content/factsheets/claims.yaml:7:12: claimant: unknown actor 'russian-mod'\n1 problem found.\n"
    assert shown_problems(printed) == printed.strip()
    template = "build failed: TemplateNotFound: claim.html"
    assert shown_problems(f"{template}\n") == template
    progress = "\rWriting pages: 10 of 36\rWriting pages: 36 of 36\nbuild failed: OSError: disk full\n"
    assert shown_problems(progress) == "Writing pages: 36 of 36\nbuild failed: OSError: disk full"


def test_an_unexpected_error_shows_its_one_line_summary():
    printed = "Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nKeyError: 'claim'\n"
    assert shown_problems(printed) == "KeyError: 'claim'"


class FaultyLiveSite:
    """A LiveSite whose update fails as a fault of the plugin would, not the content."""

    output_dir = Path("/nonexistent")
    forgotten = False

    def update(self, after_first_pages) -> UpdateReport:
        raise KeyError("claim")

    def forget(self) -> None:
        self.forgotten = True


class ProblemLiveSite(FaultyLiveSite):
    def update(self, after_first_pages) -> UpdateReport:
        print("content/factsheets/claims.yaml:7:12: claimant: unknown actor 'russian-mod'", file=sys.stderr)
        return UpdateReport(Outcome.PROBLEMS)


@pytest.mark.parametrize(
    ("live", "shown", "whole_build_next"),
    [
        (FaultyLiveSite(), "KeyError: 'claim'", True),
        (ProblemLiveSite(), "content/factsheets/claims.yaml:7:12: claimant: unknown actor 'russian-mod'", False),
    ],
    ids=["fault", "problem"],
)
def test_a_failed_rebuild_keeps_what_it_printed_on_stderr_for_the_pages(
    live, shown: str, whole_build_next: bool, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
):
    stderr = RecordingStderr(sys.stderr)
    monkeypatch.setattr(sys, "stderr", stderr)
    builds = PreviewBuilds(live, [], LastBuild(), stderr)
    rebuild = builds.build_in_process(loop=None, everything=False)
    assert (rebuild.wrote, rebuild.problems) == (False, shown)
    assert live.forgotten == whole_build_next
    terminal = capsys.readouterr().err
    assert shown in terminal and "rebuild failed after" in terminal
