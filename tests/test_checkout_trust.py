"""A checkout's generated files are never run: a committed virtualenv or bytecode stops every make target."""

from __future__ import annotations

import subprocess

import pytest

from helpers import ROOT


def git(folder, *arguments) -> None:
    subprocess.run(["git", *arguments], cwd=folder, check=True, capture_output=True)


@pytest.mark.parametrize(
    "planted",
    [
        ".venv/bin/python",
        "plugins/factsheets/__pycache__/load.cpython-311.pyc",
        # Imported ahead of numbers.py: an extension module wins over a source file of the same name.
        "plugins/factsheets/numbers.cpython-311-x86_64-linux-gnu.so",
        "plugins/factsheets/numbers.abi3.so",
        # Run at start-up once plugins/ is on sys.path (the editable install puts it there).
        "plugins/sitecustomize.py",
        "plugins/usercustomize/__init__.py",
        "plugins/evil.pth",
        # Entry points in package metadata load code (pytest11 plugins, console scripts).
        "plugins/evil-1.0.dist-info/entry_points.txt",
        "plugins/evil.egg-info/entry_points.txt",
    ],
)
def test_make_refuses_a_checkout_that_tracks_generated_code(tmp_path, planted):
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone))
    # The Makefile under test is the working one, committed or not.
    (clone / "Makefile").write_bytes((ROOT / "Makefile").read_bytes())
    (clone / planted).parent.mkdir(parents=True, exist_ok=True)
    (clone / planted).write_text("#!/bin/sh\ntouch pwned\n")
    (clone / planted).chmod(0o755)
    git(clone, "add", "--force", planted)
    git(clone, "-c", "user.name=x", "-c", "user.email=x@example.org", "commit", "--quiet", "-m", "plant")
    result = subprocess.run(["make", "check"], cwd=clone, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "the repository tracks generated files that would run as code" in result.stderr
    assert planted in result.stderr
    assert not (clone / "pwned").exists()
