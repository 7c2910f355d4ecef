"""The benchmark's content generator writes valid content that builds: one page per claim."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT, run_check, run_pelican

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


def test_fair_peer_report_gives_medians_and_ratios_against_hugo_and_hugo_with_pagefind(tmp_path, monkeypatch):
    """The report's fair-peer table, on tiny made-up figures (nothing is timed here)."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    from types import SimpleNamespace

    from measure import Run
    from peer import PeerResult
    from report import peer_table

    def run(seconds, cpu, mb, tree=None, system=0.0):
        return Run(seconds, cpu, mb, 0.0, 0, tmp_path / "log", tree_pss_mb=tree, system_seconds=system)

    figures = PeerResult(
        ours_pages=2000,
        hugo_pages=1990,
        ours=[run(2.0, 3.0, 100, 150, 1.0), run(9.0, 9.0, 100, 170, 4.0), run(1.0, 2.0, 100, 160, 0.5)],
        hugo=[run(3.0, 5.0, 400, system=1.0), run(3.0, 5.0, 500, system=2.0), run(4.0, 6.0, 300, system=1.5)],
        pagefind=[run(1.0, 1.0, 900, system=0.5), run(2.0, 2.0, 700, system=1.0), run(1.0, 2.0, 800, system=0.5)],
    )
    rows = peer_table([SimpleNamespace(claims=1000, peer=figures)])
    cells = [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]
    # Medians of rounds: ours 2 s, 3 CPU s (1 of it system), 160 MB (all processes); Hugo + Pagefind 4, 5, 5 s,
    # system 1.5, 3, 2 s, peaks 900, 700, 800 MB.
    assert cells[0] == ["1,000", "ours, search included", "2,000", "2.00", "3.00", "1.00", "1,000", "160", "", ""]
    assert cells[1] == ["1,000", "Hugo peer", "1,990", "3.00", "5.00", "1.50", "663", "400", "1.50x", "1.67x"]
    hugo_pagefind = ["1,000", "Hugo peer + Pagefind", "1,990", "5.00", "7.00", "2.00", "398", "800", "2.50x", "2.33x"]
    assert cells[2] == hugo_pagefind
