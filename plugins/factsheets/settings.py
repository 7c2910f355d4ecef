"""The plugin's settings, declared once: name, type, default and meaning of each.

Every setting the plugin reads from Pelican's settings (``pelicanconf.py``, ``publishconf.py``, ``pelican
-e``) is a field of :class:`PluginSettings`, declared with :func:`_setting`. The plugin, the preview, the
caches and the command line read them through :func:`read_plugin_settings`, which checks each value's type
and refuses a misspelt ``FACTSHEETS_*`` name; the README's settings table is written from the same
declaration (``factsheets reference --update README.md``), and a test keeps it in step.

This module imports nothing heavy: ``factsheets check`` reads it without Pelican.
"""

from __future__ import annotations

import datetime
import difflib
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

from .problems import clipped

PREFIX = "FACTSHEETS_"
"""The plugin's own settings start with this; any other name so spelt is a mistake."""

DEFAULT_CSP = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'self'"
)
"""The site's own files only: content can never bring in a script, a style or a frame."""


def _setting(
    name: str,
    default: object,
    meaning: str,
    *,
    minimum: int | None = None,
    internal: bool = False,
    pelican: bool = False,
) -> Any:
    """A field of PluginSettings: the setting's name, its default and what it does.

    internal: set by the tool itself (the preview), not by editors, and left out of the README.
    pelican: one of Pelican's own settings, which the plugin reads too; its default is Pelican's.
    """
    return field(
        default=default,
        metadata={"name": name, "meaning": meaning, "minimum": minimum, "internal": internal, "pelican": pelican},
    )


@dataclass(frozen=True)
class PluginSettings:
    """The settings the plugin reads, typed, with their defaults."""

    path: str = _setting(
        "FACTSHEETS_PATH", "factsheets", "The folder of the fact-sheet files, inside the content folder (`PATH`)."
    )
    cache: bool = _setting(
        "FACTSHEETS_CACHE",
        True,
        "Keep validated fact-sheet files, where quotes were found, compiled templates and share cards between "
        'builds, signed with a key of the user\'s (see "What the build trusts"); `factsheets check --no-cache` '
        "does without for one run.",
    )
    cache_path: Path | None = _setting(
        "FACTSHEETS_CACHE_PATH",
        None,
        "The folder of those caches (`factsheets check --cache-dir` for check); None: the user's cache folder, "
        "`$XDG_CACHE_HOME/factsheets` or `~/.cache/factsheets`.",
    )
    csp: str = _setting(
        "FACTSHEETS_CSP",
        DEFAULT_CSP,
        "The Content-Security-Policy every page carries; the default allows only the site's own files.",
    )
    publisher: str | None = _setting(
        "FACTSHEETS_PUBLISHER",
        None,
        "The desk's name: the author of the claim reviews (schema.org) and of the changes feed; None: `AUTHOR`, "
        "else `SITENAME`.",
    )
    contact: str | None = _setting(
        "FACTSHEETS_CONTACT",
        None,
        "How readers reach the desk, shown in every page's footer and on the About page: an email address "
        "(linked with mailto:) or a web address; None: no contact is shown.",
    )
    owner: str | None = _setting(
        "FACTSHEETS_OWNER",
        None,
        "Who owns the desk (an organisation, its legal form, who controls it), in a sentence or two, shown on the "
        'About page under "Ownership and funding"; None: not stated (a publish build refuses).',
    )
    funding: str | None = _setting(
        "FACTSHEETS_FUNDING",
        None,
        "How the desk is funded (its sources of money, any that give more than a small share), in a sentence or two, "
        'shown on the About page under "Ownership and funding"; None: not stated (a publish build refuses).',
    )
    publishing: bool = _setting(
        "FACTSHEETS_PUBLISHING",
        False,
        "A build for the public (`publishconf.py` sets it): the publishing gate's findings, a placeholder or missing "
        "publisher, contact, owner or funding (example.org and other reserved addresses, TODO, the names the "
        "project ships) and a claim without a checker and a different editor, stop the build; False: they are "
        "warnings, so that a desk can work before it is ready.",
    )
    search: bool = _setting("FACTSHEETS_SEARCH", True, "Build the search index (search/) that the search page reads.")
    search_documents_per_file: int = _setting(
        "FACTSHEETS_SEARCH_DOCUMENTS_PER_FILE",
        200,
        "Search results per file of `search/documents/`: a search downloads the files of the results it shows.",
        minimum=1,
    )
    search_numbers_per_file: int = _setting(
        "FACTSHEETS_SEARCH_NUMBERS_PER_FILE",
        40000,
        "Numbers in a file of `search/words/` at most (about 5 bytes each): a larger one is split by one more "
        "letter of its words, unless they are all one word.",
        minimum=2,
    )
    diagram_claims: int = _setting(
        "FACTSHEETS_DIAGRAM_CLAIMS",
        200,
        "The claims the diagram draws at most: of more, those the most actors take a stance on (the disputed first "
        "among equals), with a note; every claim's stances stay in the claims table and on its page.",
        minimum=1,
    )
    today: datetime.date | None = _setting(
        "FACTSHEETS_TODAY",
        None,
        "The build's today, for the review dates: a claim whose `review_by` is before it shows that its check may "
        "be out of date; None: the day the build runs (UTC). Set it to see the site as it will be on a later day.",
    )
    workers: int | None = _setting(
        "FACTSHEETS_WORKERS",
        None,
        "Processes that read and validate the fact-sheet files and write the pages; None: one per core.",
        minimum=1,
    )
    record_reads: bool = _setting(
        "FACTSHEETS_RECORD_READS",
        False,
        "Record what each page reads, so that the preview re-renders only the pages an edit touches.",
        internal=True,
    )
    build_output: Path | None = _setting(
        "FACTSHEETS_BUILD_OUTPUT",
        None,
        "The output folder a build is for (it writes into a staging folder first): the build keeps a record of what "
        "it wrote there, so that the next one can update it (see build_record.py).",
        internal=True,
    )
    settings_file: Path | None = _setting(
        "FACTSHEETS_SETTINGS_FILE",
        None,
        "The settings file the build reads (Pelican does not tell): its folder is the project's, where the cache's "
        "signing key may never lie.",
        internal=True,
    )
    update: bool = _setting(
        "FACTSHEETS_UPDATE",
        True,
        "Update the output of the last build, writing again only what an edit changed, where the edit allows; "
        "False: build the whole site (`factsheets build --whole`).",
        internal=True,
    )
    search_later: bool = _setting(
        "FACTSHEETS_SEARCH_LATER",
        False,
        "Leave the search index for the preview to build after the browsers have reloaded.",
        internal=True,
    )
    site_name: str = _setting(
        "SITENAME",
        "A Pelican Blog",
        "The site's name: in every page's title and header, the feed's title, and the home page's heading "
        "when there is no overview.",
        pelican=True,
    )
    author: str | None = _setting(
        "AUTHOR", None, "The desk's name when `FACTSHEETS_PUBLISHER` is not set.", pelican=True
    )
    site_url: str = _setting(
        "SITEURL",
        "",
        "The address the site is published at: makes canonical links, the sitemap, robots.txt, the feed and "
        "the 404 page absolute (`publishconf.py` requires it).",
        pelican=True,
    )
    feed_max_items: int | None = _setting(
        "FEED_MAX_ITEMS", 100, "The newest changes the Atom feed carries; None: every change.", minimum=0, pelican=True
    )

    @property
    def desk(self) -> str:
        """Who publishes the fact sheets: FACTSHEETS_PUBLISHER, else AUTHOR, else the site's name."""
        return self.publisher or self.author or self.site_name

    @property
    def contact_href(self) -> str | None:
        """The contact as a link: mailto: for an email address, the address itself for a web page."""
        if not self.contact:
            return None
        if self.contact.startswith(("http://", "https://", "mailto:")):
            return self.contact
        return f"mailto:{self.contact}" if "@" in self.contact else None


@dataclass(frozen=True)
class Setting:
    """One setting as declared: what the settings table and the type check read."""

    name: str
    attribute: str
    type: object
    default: object
    meaning: str
    minimum: int | None = None
    internal: bool = False
    pelican: bool = False

    def check(self, value: object) -> object:
        """The value, typed (a path from text); ValueError saying what was expected when it is not of the type."""
        allowed = _members(self.type)
        if value is None and type(None) in allowed:
            return None
        for kind in allowed:
            if kind is bool and isinstance(value, bool):
                return value
            if kind is int and isinstance(value, int) and not isinstance(value, bool):
                if self.minimum is not None and value < self.minimum:
                    break
                return value
            if kind is str and isinstance(value, str):
                return value
            if kind is Path and isinstance(value, str | os.PathLike):
                return Path(value)
            if kind is datetime.date and isinstance(value, datetime.date | str):
                return _date(value)
        raise ValueError(f"expected {self.type_text()}, found {_describe(value)}")

    def type_text(self) -> str:
        """The type in words: 'a whole number of at least 1, or None'."""
        words = []
        for kind in _members(self.type):
            if kind is int and self.minimum is not None:
                words.append(f"a whole number of at least {self.minimum}")
            elif kind is not type(None):
                words.append(_TYPE_WORDS[kind])
        return " or ".join(words) + (", or None" if type(None) in _members(self.type) else "")


_TYPE_WORDS = {
    bool: "True or False",
    int: "a whole number",
    str: "text",
    Path: "a path",
    datetime.date: "a date (YYYY-MM-DD)",
}


def _date(value: datetime.date | str) -> datetime.date:
    """A date from a date, or from its ISO text (`pelican -e FACTSHEETS_TODAY='"2027-01-31"'`)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if len(value) == 10:  # fromisoformat takes 20270131 and week dates too: only YYYY-MM-DD is asked for
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected a date (YYYY-MM-DD), found {_describe(value)}")


def _members(hint: object) -> tuple[object, ...]:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return typing.get_args(hint)
    return (hint,)


def _describe(value: object) -> str:
    return f"{clipped(repr(value), 60)} ({_TYPE_WORDS.get(type(value), type(value).__name__)})"


@cache
def declared_settings() -> tuple[Setting, ...]:
    """Every setting, in the order declared."""
    hints = typing.get_type_hints(PluginSettings)
    return tuple(
        Setting(
            name=declared.metadata["name"],
            attribute=declared.name,
            type=hints[declared.name],
            default=declared.default,
            meaning=declared.metadata["meaning"],
            minimum=declared.metadata["minimum"],
            internal=declared.metadata["internal"],
            pelican=declared.metadata["pelican"],
        )
        for declared in fields(PluginSettings)
    )


DEFAULTS = PluginSettings()


class SettingsError(ValueError):
    """Settings of the wrong type, or misspelt: one line each, naming the setting."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        count = f"{len(lines)} setting{'s' if len(lines) != 1 else ''} to fix in the settings file (pelicanconf.py)."
        super().__init__("\n".join([*lines, count]))


def read_plugin_settings(settings: Mapping[str, object]) -> PluginSettings:
    """The plugin's settings from Pelican's (or any mapping of names to values), the missing ones at their
    defaults. SettingsError, with a line for each, when a value is not of its setting's type or a name that
    starts with FACTSHEETS_ is not a setting."""
    declared = {setting.name: setting for setting in declared_settings()}
    values: dict[str, object] = {}
    lines = []
    for name, setting in declared.items():
        if name in settings:
            try:
                values[setting.attribute] = setting.check(settings[name])
            except ValueError as error:
                lines.append(f"setting {name}: {error}")
    own = [known.removeprefix(PREFIX) for known in declared if known.startswith(PREFIX)]
    for name in sorted(name for name in settings if name.startswith(PREFIX) and name not in declared):
        close = difflib.get_close_matches(name.removeprefix(PREFIX), own, n=2, cutoff=0.6)
        hint = " or ".join(f"'{PREFIX}{known}'" for known in close)
        hint = f"did you mean {hint}?" if close else "known: " + ", ".join(PREFIX + known for known in own)
        lines.append(f"setting {name}: not a setting of the plugin ({hint})")
    if lines:
        raise SettingsError(lines)
    return PluginSettings(**values)
