"""The plugin's settings are declared once (settings.py): every read goes through the declaration, which
checks each value's type, and a wrong or misspelt setting stops the build with one line naming it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pelican.settings import DEFAULT_CONFIG

from factsheets.settings import DEFAULTS, PluginSettings, SettingsError, declared_settings, read_plugin_settings
from helpers import BIN, CONTENT, ROOT, run_pelican

PLUGIN = ROOT / "plugins" / "factsheets"


def test_every_setting_the_plugin_names_is_declared():
    declared = {setting.name for setting in declared_settings()}
    for module in sorted(PLUGIN.glob("*.py")):
        named = set(re.findall(r"\bFACTSHEETS_[A-Z_]+\b", module.read_text(encoding="utf-8")))
        assert named <= declared, f"{module.name} names undeclared settings: {sorted(named - declared)}"


def test_no_setting_is_read_around_the_declaration():
    """A default written inline beside a read (settings.get("FACTSHEETS_SEARCH", True)) is a second declaration."""
    names = "|".join(setting.name for setting in declared_settings())
    inline_read = re.compile(rf"settings(\.get\(|\[)\s*[\"']({names})[\"']")
    for module in sorted(PLUGIN.glob("*.py")):
        found = inline_read.search(module.read_text(encoding="utf-8"))
        assert found is None, f"{module.name} reads {found.group(2)} itself: read it through read_plugin_settings"


def test_pelican_settings_have_pelicans_defaults():
    for setting in declared_settings():
        if setting.pelican:
            assert setting.default == DEFAULT_CONFIG.get(setting.name), setting.name


def test_settings_are_read_typed_with_defaults_for_the_missing():
    read = read_plugin_settings(
        {"FACTSHEETS_CACHE_PATH": "/tmp/cache", "FACTSHEETS_WORKERS": 3, "AUTHOR": "Desk", "OTHER": object()}
    )
    assert read == PluginSettings(cache_path=Path("/tmp/cache"), workers=3, author="Desk")
    assert read.search is DEFAULTS.search is True
    assert read.desk == "Desk"
    assert read_plugin_settings({"SITENAME": "Site"}).desk == "Site"
    assert read_plugin_settings({"FACTSHEETS_PUBLISHER": "Pub", "AUTHOR": "Desk"}).desk == "Pub"


@pytest.mark.parametrize(
    ("settings", "line"),
    [
        ({"FACTSHEETS_WORKERS": "2"}, "setting FACTSHEETS_WORKERS: expected a whole number of at least 1, or None, "),
        ({"FACTSHEETS_WORKERS": 0}, "setting FACTSHEETS_WORKERS: expected a whole number of at least 1, or None, "),
        ({"FACTSHEETS_SEARCH_DOCUMENTS_PER_FILE": True}, "setting FACTSHEETS_SEARCH_DOCUMENTS_PER_FILE: expected a"),
        ({"FACTSHEETS_SEARCH": "no"}, "setting FACTSHEETS_SEARCH: expected True or False, found 'no' (text)"),
        ({"FACTSHEETS_CACHE_PATH": 7}, "setting FACTSHEETS_CACHE_PATH: expected a path, or None, found 7"),
        ({"SITENAME": None}, "setting SITENAME: expected text, found None"),
        ({"FACTSHEETS_WORKER": 2}, "setting FACTSHEETS_WORKER: not a setting of the plugin (did you mean "),
    ],
)
def test_a_wrong_setting_is_named(settings, line):
    with pytest.raises(SettingsError) as raised:
        read_plugin_settings(settings)
    assert len(raised.value.lines) == 1
    assert raised.value.lines[0].startswith(line), raised.value.lines[0]


def test_a_wrong_setting_stops_the_build_before_writing(tmp_path):
    output = tmp_path / "output"
    result = run_pelican(CONTENT, output, overrides={"FACTSHEETS_WORKERS": "two", "FACTSHEETS_SERACH": False})
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "setting FACTSHEETS_WORKERS: expected a whole number of at least 1, or None, found 'two' (text)" in (
        result.stderr
    )
    assert "setting FACTSHEETS_SERACH: not a setting of the plugin (did you mean 'FACTSHEETS_SEARCH'?)" in result.stderr
    assert not list(output.rglob("*.html"))


def test_clean_with_a_wrong_setting_says_which(tmp_path):
    settings = tmp_path / "conf.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
        f"PATH = {str(CONTENT)!r}\nTHEME = {str(ROOT / 'theme')!r}\nFACTSHEETS_CACHE = 'no'\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [str(BIN / "factsheets"), "clean", "-s", str(settings), "-o", str(tmp_path / "output")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("setting FACTSHEETS_CACHE: expected True or False, found 'no' (text)\n")
    assert "Traceback" not in result.stderr
