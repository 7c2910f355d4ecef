"""The benchmark's content generator writes valid content that builds: one page per claim."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, run_check, run_pelican

CLAIMS = 60
GENERATOR = ROOT / "benchmarks" / "generate.py"


def test_generated_content_passes_check_and_builds_a_page_per_claim(tmp_path):
    content, output = tmp_path / "content", tmp_path / "output"
    generate = [sys.executable, str(GENERATOR), "--claims", str(CLAIMS), "--out", str(content)]
    generated = subprocess.run(generate, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert generated.returncode == 0, generated.stderr

    check = run_check(content)
    assert check.returncode == 0, check.stderr
    assert f"{CLAIMS} claims" in check.stdout

    build = run_pelican(content, output)
    assert build.returncode == 0, build.stderr
    claim_pages = [page for page in (output / "claims").glob("*.html") if page.name != "index.html"]
    assert len(claim_pages) == CLAIMS
