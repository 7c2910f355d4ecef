"""The caches can spare work but never run code or change the site: entries written by anyone but this
user's builds (committed to a repository, damaged on disk, edited) are ignored and rebuilt."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
from pathlib import Path

from test_safe_output import tree_digest

from helpers import CONTENT, ROOT, run_factsheets, run_pelican


class RunsCode:
    """A pickle that runs a command when loaded, as a hostile contributor would commit one."""

    def __init__(self, marker) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def cache_entries(cache_dir):
    """Every entry either cache holds, whatever its naming: what an attacker would overwrite."""
    ignored = {"key", "CACHEDIR.TAG"}
    return [path for path in cache_dir.rglob("*") if path.is_file() and path.name not in ignored]


def check(content, cache_dir) -> subprocess.CompletedProcess:
    return run_factsheets("check", content, "--cache-dir", cache_dir)


def test_a_planted_cache_entry_never_runs_code(content_copy, tmp_path):
    cache_dir, marker = tmp_path / "cache", tmp_path / "pwned"
    assert check(content_copy, cache_dir).returncode == 0
    entries = cache_entries(cache_dir)
    assert entries
    for entry in entries:
        entry.write_bytes(pickle.dumps(RunsCode(marker)))
    result = check(content_copy, cache_dir)
    assert result.returncode == 0, result.stderr
    assert not marker.exists(), "a cache entry ran code"
    assert result.stderr.count("note: ignored a damaged or foreign") <= 1
    assert "Traceback" not in result.stderr
    # The rebuilt entries are good again: the next run takes them without a note.
    again = check(content_copy, cache_dir)
    assert again.returncode == 0 and "note:" not in again.stderr


def test_planted_template_and_sheet_entries_neither_run_code_nor_change_the_site(tmp_path):
    cache_dir, marker = tmp_path / "cache", tmp_path / "pwned"
    settings = {"FACTSHEETS_CACHE_PATH": str(cache_dir)}
    assert run_pelican(CONTENT, tmp_path / "clean", overrides=settings).returncode == 0
    entries = cache_entries(cache_dir)
    assert any(path.suffix == ".cache" for path in entries), "compiled templates are cached"
    for entry in entries:
        entry.write_bytes(pickle.dumps(RunsCode(marker)))
    result = run_pelican(CONTENT, tmp_path / "again", overrides=settings)
    assert result.returncode == 0, result.stderr
    assert not marker.exists(), "a cache entry ran code"
    assert tree_digest(tmp_path / "again") == tree_digest(tmp_path / "clean")


def test_same_length_edits_and_flipped_bytes_in_the_caches_do_not_reach_the_site(tmp_path):
    cache_dir = tmp_path / "cache"
    settings = {"FACTSHEETS_CACHE_PATH": str(cache_dir)}
    assert run_pelican(CONTENT, tmp_path / "clean", overrides=settings).returncode == 0
    clean = tree_digest(tmp_path / "clean")
    edits = {b"Ukrainian": b"Ukrainean", b"Every statement": b"Every$tatement"}  # a record's text; a template's
    edited = 0
    for entry in cache_entries(cache_dir):
        blob = entry.read_bytes()
        for old, new in edits.items():
            edited += old in blob
            blob = blob.replace(old, new)
        entry.write_bytes(blob)
    assert edited >= 2, "both caches hold the words edited"
    result = run_pelican(CONTENT, tmp_path / "edited", overrides=settings)
    assert result.returncode == 0, result.stderr
    assert tree_digest(tmp_path / "edited") == clean

    for entry in cache_entries(cache_dir):  # damaged on disk: bytes flipped in the middle
        blob = bytearray(entry.read_bytes())
        for index in range(len(blob) // 3, len(blob) // 3 + 16):
            blob[index] ^= 0xFF
        entry.write_bytes(bytes(blob))
    result = run_pelican(CONTENT, tmp_path / "flipped", overrides=settings)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(tmp_path / "flipped") == clean


def test_the_template_cache_is_kept_apart_for_other_jinja_settings(tmp_path):
    cache_dir = tmp_path / "cache"
    trimmed = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True}
    untrimmed = {"autoescape": True, "trim_blocks": False, "lstrip_blocks": False}
    cached = {"FACTSHEETS_CACHE_PATH": str(cache_dir)}
    assert (
        run_pelican(CONTENT, tmp_path / "trimmed", overrides={**cached, "JINJA_ENVIRONMENT": trimmed}).returncode == 0
    )
    result = run_pelican(CONTENT, tmp_path / "untrimmed", overrides={**cached, "JINJA_ENVIRONMENT": untrimmed})
    assert result.returncode == 0, result.stderr
    uncached = {"FACTSHEETS_CACHE": False, "JINJA_ENVIRONMENT": untrimmed}
    assert run_pelican(CONTENT, tmp_path / "fresh", overrides=uncached).returncode == 0
    assert tree_digest(tmp_path / "untrimmed") != tree_digest(tmp_path / "trimmed")
    assert tree_digest(tmp_path / "untrimmed") == tree_digest(tmp_path / "fresh")


def test_the_cache_lives_outside_the_project_by_default(content_copy, tmp_path):
    project = content_copy.parent
    result = run_factsheets("check", "content", cwd=project)
    assert result.returncode == 0, result.stderr
    output = tmp_path / "output"
    assert run_pelican(content_copy, output).returncode == 0
    assert sorted(path.name for path in project.iterdir()) == ["content", "output"], "no cache in the project"
    user_cache = os.environ["XDG_CACHE_HOME"]
    assert any(path.suffix == ".entry" for path in cache_entries(Path(user_cache)))


def test_a_cache_folder_shared_with_other_files_keeps_them(content_copy, tmp_path):
    cache_dir = tmp_path / "shared"
    keep = [cache_dir / "notes.txt", cache_dir / "sheets" / "mine" / "draft.txt", cache_dir / "sheets" / "README"]
    for path in keep:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("not the tool's")
    assert check(content_copy, cache_dir).returncode == 0
    assert all(path.read_text() == "not the tool's" for path in keep)


def test_clean_clears_the_caches_and_nothing_else(content_copy, tmp_path, tmp_path_factory):
    user_cache = tmp_path_factory.mktemp("xdg")  # outside the project (content_copy's folder)
    environment = {**os.environ, "XDG_CACHE_HOME": str(user_cache)}
    cache_root = user_cache / "factsheets"
    checked = run_factsheets("check", content_copy, env=environment)
    assert checked.returncode == 0
    assert any(path.suffix == ".entry" for path in cache_entries(cache_root))
    (cache_root / "notes.txt").write_text("not the tool's")
    cleaned = run_factsheets(
        "clean", "-s", ROOT / "pelicanconf.py", "-o", tmp_path / "output", cwd=ROOT, env=environment
    )
    assert cleaned.returncode == 0, cleaned.stderr
    assert f"Removed the caches in {cache_root}" in cleaned.stdout.splitlines()
    assert not [path for path in cache_entries(cache_root) if path.suffix in (".entry", ".cache")]
    assert (cache_root / "notes.txt").read_text() == "not the tool's"


def _resign_with_planted_code(cache_root: Path, marker: Path) -> None:
    """What a hostile contributor does with a key they hold: sign entries that run code."""
    import hashlib
    import hmac

    key = (cache_root / "key").read_bytes()
    for entry in (cache_root / "sheets").rglob("*.entry"):
        payload = pickle.dumps(RunsCode(marker))
        scope = f"{entry.parent.parent.name}/{entry.parent.name}/{entry.name}\n".encode()
        entry.write_bytes(hmac.new(key, scope + payload, hashlib.sha256).digest() + payload)


def test_a_key_brought_by_the_checkout_is_never_used(content_copy, tmp_path_factory):
    # A CI runner whose cache folder lies inside the checkout: the key and the entries came with it.
    project, marker = content_copy.parent, content_copy.parent / "pwned"
    elsewhere = tmp_path_factory.mktemp("attacker")
    attacker = {**os.environ, "XDG_CACHE_HOME": str(elsewhere)}
    made = run_factsheets("check", content_copy, env=attacker)
    assert made.returncode == 0
    shutil.copytree(elsewhere, project / ".cache")
    planted = project / ".cache" / "factsheets"
    _resign_with_planted_code(planted, marker)
    (planted / "key").chmod(0o644)  # as git checks it out
    victim = {**os.environ, "XDG_CACHE_HOME": str(project / ".cache")}
    result = run_factsheets("check", "content", cwd=project, env=victim)
    assert result.returncode == 0, result.stderr
    assert not marker.exists(), "a key from the checkout signed code that ran"
    assert "note: cache off: the key would lie inside the project" in result.stderr


def test_a_key_that_others_may_read_or_that_is_a_link_is_not_used(content_copy, tmp_path_factory):
    user_cache = tmp_path_factory.mktemp("xdg")
    environment = {**os.environ, "XDG_CACHE_HOME": str(user_cache)}
    assert run_factsheets("check", content_copy, env=environment).returncode == 0
    key = user_cache / "factsheets" / "key"
    marker = tmp_path_factory.mktemp("marker") / "pwned"
    _resign_with_planted_code(key.parent, marker)
    key.chmod(0o644)
    result = run_factsheets("check", content_copy, env=environment)
    assert result.returncode == 0 and not marker.exists()
    assert "is not a key this user made" in result.stderr

    known = tmp_path_factory.mktemp("known") / "thirty-two-bytes"
    known.write_bytes(b"k" * 32)
    known.chmod(0o600)
    key.unlink()
    key.symlink_to(known)  # a link to a file whose bytes an attacker knows
    _resign_with_planted_code(key.parent, marker)
    result = run_factsheets("check", content_copy, env=environment)
    assert result.returncode == 0 and not marker.exists()
    assert "is not a key this user made" in result.stderr


def test_clean_leaves_a_cache_path_that_is_not_the_tools_cache(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    settings = tmp_path / "settings.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
        f"PATH = {str(CONTENT)!r}\nFACTSHEETS_CACHE_PATH = {str(theme)!r}\n"
    )
    before = sorted(path.relative_to(theme) for path in theme.rglob("*"))
    result = run_factsheets("clean", "-s", settings, "-o", tmp_path / "output", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(path.relative_to(theme) for path in theme.rglob("*")) == before, "the theme's templates/ stays"


def test_a_cache_folder_that_cannot_be_written_turns_the_cache_off(content_copy):
    result = check(content_copy, Path("/proc/no-such-folder"))
    assert result.returncode == 0
    assert result.stderr.startswith("note: cache off: /proc/no-such-folder cannot be written")
    assert "Traceback" not in result.stderr
