"""The output folder: a build replaces only an earlier build of the site, and `factsheets clean` removes only that."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from helpers import BIN, CONTENT, ROOT, copy_of_build, free_port, run_factsheets

STAMP = ".factsheets-build"


factsheets = run_factsheets


def build(output: Path, *options: str, content: Path = CONTENT, settings: Path = ROOT / "pelicanconf.py", **run):
    return factsheets("build", "-s", settings, "-o", output, *options, content, **run)


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under folder (itself included), with a digest of what each file holds."""
    paths = [folder, *folder.rglob("*")] if folder.is_dir() else [folder]
    return {
        str(path.relative_to(folder.parent)): "folder"
        if path.is_dir() and not path.is_symlink()
        else hashlib.sha256(path.read_bytes()).hexdigest()
        for path in paths
    }


def assert_refused(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture
def project(tmp_path) -> Path:
    """A project of its own: settings, theme, content and an (empty) plugins folder, as a new site would have."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "pelicanconf.py", project)
    shutil.copytree(ROOT / "theme", project / "theme")
    shutil.copytree(CONTENT, project / "content")
    (project / "plugins").mkdir()  # the plugin itself is installed
    (project / "plugins" / "notes.txt").write_text("a plugin's notes")
    return project


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        ("content", "is the content folder"),
        (".", "is the project folder"),
        ("..", "contains the project folder"),
        ("theme", "is the theme"),
        ("plugins", "is a plugins folder"),
    ],
)
def test_an_output_that_is_or_holds_the_project_is_refused_even_with_force(project, output, reason):
    before = snapshot(project.parent)
    for options in ([], ["--force"]):
        result = build(project / output, *options, content=project / "content", settings=project / "pelicanconf.py")
        assert_refused(result, str((project / output).resolve()), reason)
        assert snapshot(project.parent) == before


def test_the_home_and_the_current_folder_are_refused(tmp_path):
    home = tmp_path / "home"
    (home / "photos").mkdir(parents=True)
    (home / "photos" / "cat.jpg").write_bytes(b"\xff\xd8")
    before = snapshot(tmp_path)
    assert_refused(build(home, "--force", env={**os.environ, "HOME": str(home)}), str(home), "your home folder")
    assert_refused(build(tmp_path, "--force", cwd=home / "photos"), str(tmp_path), "contains the current folder")
    assert snapshot(tmp_path) == before


def test_an_existing_file_is_refused(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a site")
    for options in ([], ["--force"]):
        assert_refused(build(notes, *options), str(notes), "not a folder")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
    assert notes.read_text() == "not a site"


def test_a_folder_of_other_files_is_refused_unless_forced(tmp_path):
    output = tmp_path / "output"
    (output / "drafts").mkdir(parents=True)
    (output / "drafts" / "letter.txt").write_text("dear editor")
    (output / "CNAME").write_text("facts.example.org\n")
    before = snapshot(output)
    assert_refused(build(output), str(output), "not a build of this site", "--force")
    assert snapshot(output) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output"], "nothing written beside it"

    result = build(output, "--force")
    assert result.returncode == 0, result.stderr
    assert not (output / "drafts").exists()
    assert (output / "CNAME").read_text() == "facts.example.org\n", "retained names are carried over"
    assert (output / STAMP).is_file() and (output / "index.html").is_file()
    assert build(output).returncode == 0, "a build of the site is built over without --force"


def test_an_empty_folder_a_new_one_and_a_folder_of_retained_names_are_built_into(tmp_path):
    empty, new, retained = tmp_path / "empty", tmp_path / "new" / "site", tmp_path / "retained"
    empty.mkdir()
    (retained / ".git").mkdir(parents=True)
    (retained / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (retained / "CNAME").write_text("facts.example.org\n")
    for output in (empty, new, retained):
        result = build(output)
        assert result.returncode == 0, result.stderr
        assert (output / "index.html").is_file()
    assert (retained / ".git" / "HEAD").read_text() == "ref: refs/heads/gh-pages\n"
    assert (retained / "CNAME").read_text() == "facts.example.org\n"


def test_every_build_is_stamped_and_the_stamp_is_not_published(site_built_by_factsheets):
    output = site_built_by_factsheets
    stamp = (output / STAMP).read_text()
    assert stamp.count("\n") == 1 and "factsheets" in stamp
    for path in output.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".xml", ".json", ".txt"}:
            assert STAMP not in path.read_text(), f"{path} names the stamp"


@pytest.fixture
def site_built_by_factsheets(built_site, tmp_path) -> Path:
    """A copy, that the test may clean, of the run's one `factsheets build` of the real content."""
    return copy_of_build(built_site(tool="factsheets"), tmp_path / "output")


def test_serve_refuses_the_same_folders(tmp_path):
    output = tmp_path / "output"
    output.mkdir()
    (output / "letter.txt").write_text("dear editor")
    command = [BIN / "factsheets", "serve", "-o", output, "--port", free_port(), CONTENT]
    process = subprocess.Popen(
        list(map(str, command)),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail("serve did not refuse the folder: it built and served it")
    assert_refused(subprocess.CompletedProcess(command, process.returncode, stdout, stderr), str(output), "--force")
    assert sorted(path.name for path in output.iterdir()) == ["letter.txt"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output"]


def test_clean_removes_a_build_and_keeps_retained_names(site_built_by_factsheets, tmp_path):
    output = site_built_by_factsheets
    result = factsheets("clean", "-o", output)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith(f"Removed {output}/"), result.stdout
    assert not output.exists()

    assert build(output).returncode == 0
    (output / "CNAME").write_text("facts.example.org\n")
    (output / ".git").mkdir()
    result = factsheets("clean", "-o", output)
    assert result.returncode == 0, result.stderr
    assert "kept CNAME, .git" in result.stdout
    assert sorted(path.name for path in output.iterdir()) == [".git", "CNAME"]

    result = factsheets("clean", "-o", tmp_path / "absent")
    assert (result.returncode, result.stderr) == (0, "")
    assert "nothing to remove" in result.stdout


def test_clean_leaves_what_is_not_a_build(tmp_path, project):
    output = tmp_path / "output"
    output.mkdir()
    (output / "letter.txt").write_text("dear editor")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a site")
    before = snapshot(tmp_path)
    assert_refused(factsheets("clean", "-o", output), str(output), "not a build of this site")
    assert_refused(factsheets("clean", "-o", notes), str(notes), "not a folder")
    assert snapshot(tmp_path) == before
    content = project / "content"
    (content / STAMP).write_text("a stamp copied by mistake\n")
    before = snapshot(tmp_path)
    assert_refused(factsheets("clean", "-s", project / "pelicanconf.py", "-o", content), "is the content folder")
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(not shutil.which("make"), reason="make is not installed")
def test_make_clean_removes_only_a_build(tmp_path):
    output = tmp_path / "output"
    output.mkdir()
    (output / "letter.txt").write_text("dear editor")
    make = ["make", "--no-print-directory", "-s", "clean", f"OUTPUTDIR={output}"]
    result = subprocess.run(make, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "not a build of this site" in result.stderr
    assert (output / "letter.txt").read_text() == "dear editor"

    shutil.rmtree(output)
    assert build(output).returncode == 0
    result = subprocess.run(make, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"Removed {output}/" in result.stdout
    assert not output.exists()


def test_a_retained_name_that_is_a_link_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("a private key")
    output = tmp_path / "output"
    output.mkdir()
    (output / "CNAME").symlink_to(secret)  # committed to a checkout with git add -f, say
    before = snapshot(output)
    result = build(output)
    assert_refused(result, "CNAME is a link", str(secret))
    assert snapshot(output) == before, "nothing built: the link is still a link, and alone"


def test_clean_removes_a_link_in_a_build_without_following_it(site_built_by_factsheets, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "deep").mkdir(parents=True)
    (elsewhere / "deep" / "keep.txt").write_text("not the build's")
    (elsewhere / "deep" / "more.txt").write_text("not the build's either")
    built_files = sum(len(files) for _, _, files in os.walk(site_built_by_factsheets))
    (site_built_by_factsheets / "zz").symlink_to(elsewhere)
    result = factsheets("clean", "-o", site_built_by_factsheets)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"({built_files + 1} files)" in result.stdout, "the link counts as one file, its target is not walked"
    assert not os.path.lexists(site_built_by_factsheets / "zz")
    assert (elsewhere / "deep" / "keep.txt").read_text() == "not the build's"
