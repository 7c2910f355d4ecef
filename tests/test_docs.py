"""The docs stay true to the code: the README's format reference is the one the models produce, its settings
table the one the settings declare."""

from __future__ import annotations

import json

from factsheets.exports import factsheet_schema
from factsheets.reference import format_reference, reference_section, settings_reference, settings_section
from helpers import ROOT


def test_readme_format_reference_matches_the_models():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert reference_section(readme) == format_reference(), "run: .venv/bin/factsheets reference --update README.md"


def test_committed_schema_matches_the_models():
    committed = json.loads((ROOT / "schema" / "factsheet.schema.json").read_text(encoding="utf-8"))
    assert committed == factsheet_schema(), "regenerate schema/factsheet.schema.json (see README)"


def test_content_files_point_editors_to_the_schema():
    for path in sorted((ROOT / "content" / "factsheets").glob("*.yaml")):
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        assert first_line == "# yaml-language-server: $schema=../../schema/factsheet.schema.json", path.name


def test_readme_settings_table_matches_the_declaration():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_section(readme) == settings_reference(), "run: .venv/bin/factsheets reference --update README.md"
