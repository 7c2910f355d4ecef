"""The preview builds in a folder of its own: a running `factsheets serve` never touches a published `output/`."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BIN, CONTENT, ROOT, DevServer, start_dev_server, stop, wait_until

SITEURL = "https://example.org/fact-sheets"


def tree(folder: Path) -> dict[str, str]:
    """Every file and folder under folder, with the SHA-256 of each file's bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A checkout of the site as an editor has it: settings, theme, plugins and content in one folder."""
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pelicanconf.py", "publishconf.py"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(ROOT / "theme", project / "theme")
    shutil.copytree(ROOT / "plugins", project / "plugins", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(CONTENT, project / "content")
    return project


@pytest.fixture
def published(project: Path) -> Path:
    """`make publish`: the site built with publishconf.py into the project's output/."""
    result = subprocess.run(
        [str(BIN / "factsheets"), "build", "-s", "publishconf.py"],
        cwd=project,
        env={**os.environ, "SITEURL": SITEURL},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    output = project / "output"
    assert SITEURL in (output / "sitemap.xml").read_text()
    return output


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
