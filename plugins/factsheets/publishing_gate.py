"""The publishing gate: what a site must carry before it goes out, checked on the settings.

A published fact-check names who publishes it and how readers reach them, and states who owns the desk and how it
is funded (the IFCN code of principles asks its signatories for both, on the site). The project ships no real
desk's details: its ``pelicanconf.py`` has a placeholder publisher and contact and no owner or funding. Each
finding here is one line naming the setting; a publish build (``FACTSHEETS_PUBLISHING``, set in ``publishconf.py``)
stops on them, any other build warns (``desk_problems``). The bylines are the other half of the gate: the rules
stage checks them (``rules.check_bylines``), errors in a publish build.
"""

from __future__ import annotations

import re

from .problems import Problem, report
from .settings import PluginSettings

DEFAULT_NAMES = frozenset({"a pelican blog", "fact-sheet desk"})
"""Names that say nobody filled the setting in: Pelican's default SITENAME, and the publisher this project's
pelicanconf.py ships (compared without regard to case)."""

PLACEHOLDER_WORDS = re.compile(
    r"\b(?:TODO|TO DO|TBD|TBC|FIXME|XXX|N/A)(?!\w)|\blorem ipsum\b|\byour (?:desk|name|organi[sz]ation)\b"
    r"|\[[^\]]*\]|<[^>]*>|\.\.\.|\u2026",
    re.IGNORECASE,
)
"""Words left where a value is still to be written."""

HOST = re.compile(r"(?:@|://)\[?([A-Za-z0-9.-]+)")
"""The host of an email address or a web address in a text."""

WORD = re.compile(r"[^\W\d_]{2,}")
"""A word: two letters or more (a name or a statement holds some; dots, dashes and spaces alone do not)."""
STATEMENT_WORDS = 3
"""The fewest words an owner or funding statement can say it in ("Owned by its staff")."""
PUBLIC_HOST = re.compile(r"(?=.*[A-Za-z])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}")
"""A host name on the public web: dotted labels ending in a top-level domain of letters (not an IP address, not
a bare name such as a@b, not %-encoded)."""

RESERVED_DOMAINS = ("example.org", "example.com", "example.net", "example", "test", "invalid", "localhost", "local")
"""Domains that reach no one (RFC 2606, RFC 6761): an address at one of them, or under one, is a placeholder."""


def desk_problems(settings: PluginSettings) -> list[Problem]:
    """What keeps the site from being published, one finding per setting, in the order of the About page: errors
    in a publish build (settings.publishing), warnings in any other."""
    problems = [
        *_name_problems("SITENAME", settings.site_name, "the site's name, in every page's title"),
        *_publisher_problems(settings),
        *_contact_problems(settings),
        *_statement_problems("FACTSHEETS_OWNER", settings.owner, "who owns the desk"),
        *_statement_problems("FACTSHEETS_FUNDING", settings.funding, "how the desk is funded"),
    ]
    return problems if settings.publishing else [problem.as_warning() for problem in problems]


def _publisher_problems(settings: PluginSettings) -> list[Problem]:
    if settings.publisher is None and settings.author is None:
        return [
            Problem.of_setting(
                "FACTSHEETS_PUBLISHER",
                "not set: the site would name no publisher but its own name",
                "set it to the desk's name, as readers and the claim reviews' structured data should see it",
            )
        ]
    name = "FACTSHEETS_PUBLISHER" if settings.publisher is not None else "AUTHOR"
    return _name_problems(name, settings.desk, "the desk's name, as readers should see it")


def _name_problems(setting: str, value: str, what: str) -> list[Problem]:
    if not WORD.search(value):
        return [Problem.of_setting(setting, f"no name: '{value}'", f"set it to {what}")]
    placeholder = _placeholder(value)
    if placeholder is None and value.strip().casefold() in DEFAULT_NAMES:
        placeholder = "the name the project ships"
    if placeholder is None:
        return []
    return [Problem.of_setting(setting, f"a placeholder, {placeholder}: '{value}'", f"set it to {what}")]


def _contact_problems(settings: PluginSettings) -> list[Problem]:
    contact = settings.contact
    hint = "set it to an email address or a web page at which the desk answers readers"
    if contact is None or not contact.strip():
        return [Problem.of_setting("FACTSHEETS_CONTACT", "not set: readers would have no way to reach the desk", hint)]
    placeholder = _placeholder(contact)
    if placeholder is not None:
        return [Problem.of_setting("FACTSHEETS_CONTACT", f"a placeholder, {placeholder}: '{contact}'", hint)]
    if settings.contact_href is None:
        neither = f"neither an email address nor a web address: '{contact}'"
        return [Problem.of_setting("FACTSHEETS_CONTACT", neither, hint)]
    hosts = HOST.findall(contact)
    if not hosts or not all(PUBLIC_HOST.fullmatch(host.rstrip(".")) for host in hosts):
        return [Problem.of_setting("FACTSHEETS_CONTACT", f"not an address on the public web: '{contact}'", hint)]
    return []


def _statement_problems(setting: str, value: str | None, what: str) -> list[Problem]:
    hint = f"a sentence or two on {what}, for the About page"
    if value is None or not value.strip():
        return [Problem.of_setting(setting, f"not set: the About page would not say {what}", hint)]
    placeholder = _placeholder(value)
    if placeholder is None and len(WORD.findall(value)) < STATEMENT_WORDS:
        placeholder = f"fewer than {STATEMENT_WORDS} words"
    return [Problem.of_setting(setting, f"a placeholder, {placeholder}: '{value}'", hint)] if placeholder else []


def _placeholder(value: str) -> str | None:
    """What marks the value as a placeholder ('TODO', 'an address at example.org'), or None."""
    words = PLACEHOLDER_WORDS.search(value)
    if words:
        return f"'{words.group(0)}'"
    for host in HOST.findall(value):
        reserved = _reserved_domain(host)
        if reserved:
            return f"an address at {reserved}, which reaches no one"
    return None


def _reserved_domain(host: str) -> str | None:
    host = host.rstrip(".").casefold()
    for domain in RESERVED_DOMAINS:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


def gate_report(findings: list[Problem], problems: list[Problem]) -> str:
    """The gate's findings on the settings, then the content's problems (sorted, as ContentError has them), one per
    line, then the count of both: what a build prints when it stops, or warns."""
    return report([*findings, *sorted(problems)])
