"""A fault of the plugin (not of the content) keeps its traceback: a bug must be findable. The build still exits
non-zero and leaves the output as it was; problems of the content are reported without a traceback
(test_build_failures.py, test_bad_input.py)."""

from __future__ import annotations

import subprocess
import sys
import traceback

import pytest

from helpers import CONTENT, ROOT, run_factsheets

FAULTY_BUILD = """
import sys
import factsheets.plugin

def write_site(*arguments, **keywords):
    raise RuntimeError("a fault of the plugin")

factsheets.plugin.write_site = write_site
from factsheets.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _files(folder) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_an_unexpected_error_shows_its_traceback_and_leaves_the_output_as_it_was(tmp_path):
    output = tmp_path / "output"
    built = run_factsheets("build", "-o", output, CONTENT)
    assert built.returncode == 0, built.stderr
    before = _files(output)
    result = subprocess.run(
        [sys.executable, "-c", FAULTY_BUILD, "build", "-o", str(output), str(CONTENT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    assert "Traceback (most recent call last):" in result.stderr
    assert 'plugin.py", line' in result.stderr and ", in write_site\n" in result.stderr  # where it was raised
    assert result.stderr.strip().splitlines()[-1] == "RuntimeError: a fault of the plugin"
    assert _files(output) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output"]  # no staging folder left


def test_build_site_raises_a_fault_of_the_plugin_with_its_traceback(tmp_path, monkeypatch):
    import factsheets.plugin
    from factsheets.build import build_site

    def plan_site(self, site):
        raise KeyError("a fault of the plugin")

    monkeypatch.setattr(factsheets.plugin.ShareCards, "plan_site", plan_site)
    output = tmp_path / "output"
    with pytest.raises(KeyError) as raised:
        build_site(ROOT / "pelicanconf.py", CONTENT, output, quiet=True)
    assert "in plan_site" in "".join(traceback.format_exception(raised.value))
    assert not output.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_problem_of_the_content_is_a_value_not_a_traceback(content_copy, tmp_path, capsys):
    from factsheets.build import build_site

    claims = content_copy / "factsheets" / "claims.yaml"
    claims.write_text(claims.read_text().replace("status: unverified", "status: contested", 1))
    result = build_site(ROOT / "pelicanconf.py", content_copy, tmp_path / "output", quiet=True)
    assert not result.ok
    errors = capsys.readouterr().err
    assert "'contested' is not allowed" in errors and errors.endswith("1 problem found.\n")
    assert "Traceback" not in errors
    assert not (tmp_path / "output").exists()
