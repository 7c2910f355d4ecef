"""The docs stay true to the code: the README's format reference is the one the models produce."""

from __future__ import annotations

from conftest import ROOT
from factsheets.reference import format_reference, reference_section


def test_readme_format_reference_matches_the_models():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert reference_section(readme) == format_reference(), "run: .venv/bin/factsheets reference --update README.md"
