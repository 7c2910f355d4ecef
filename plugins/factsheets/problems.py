"""Problems found in the content, collected from every stage and reported together."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable
from dataclasses import dataclass

FieldPath = tuple[str | int, ...]
"""Where a value sits inside a file: ("claims", 3, "responses", 0, "actor")."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing an editor must fix, located as precisely as the input allows."""

    file: str
    line: int
    column: int
    field: str
    message: str
    hint: str = ""
    warning: bool = False
    """A warning asks an editor to look again (the build goes on); anything else stops the build."""

    @classmethod
    def of_setting(cls, setting: str, message: str, hint: str = "") -> Problem:
        """A problem with a setting, which has no line: 'setting FACTSHEETS_CONTACT: ...' (line 0)."""
        return cls(f"setting {setting}", 0, 0, "", message, hint)

    def __str__(self) -> str:
        where = (f"{self.file}:{self.line}:{self.column}" if self.line else self.file) + (
            ": warning" if self.warning else ""
        )
        what = f"{self.field}: {self.message}" if self.field else self.message
        return printable(f"{where}: {what}" + (f" ({self.hint})" if self.hint else ""))

    def as_warning(self) -> Problem:
        return dataclasses.replace(self, warning=True)


def printable(text: str) -> str:
    """The text with what a terminal would act on rather than show (escape sequences, line breaks,
    bidi overrides, in file names or anywhere in a problem) escaped as repr escapes them: \\x1b."""
    if text.isprintable():
        return text
    return "".join(character if character.isprintable() else repr(character)[1:-1] for character in text)


def clipped(text: str, limit: int) -> str:
    """The text whole if it has at most limit characters, else its first limit - 3 and '...': a value quoted in a
    message, never longer than limit."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ContentError(Exception):
    """Raised when the content has problems; carries all of them."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__(report(self.problems))


class Abort(SystemExit):
    """Stops a build for a reason an editor can act on (the content's problems, a wrong setting), carrying the
    message that says so, as MkDocs' Abort does: the failure is a value, and exit status 1.

    It is a SystemExit because Pelican's own command (`pelican content`) logs any Exception with its traceback:
    there it ends the process with the message printed alone. `factsheets build` (build.py) catches it and prints
    the message. Anything else a build raises is a fault of the plugin, and keeps its traceback.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def field_name(path: FieldPath) -> str:
    """Render a path the way an editor reads it: claims[3].responses[0].actor."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=3, cutoff=0.6)
    if not close:
        return ""
    return "did you mean " + " or ".join(f"'{candidate}'" for candidate in close) + "?"


def report(problems: list[Problem]) -> str:
    """Every problem, one per line, then the count: '2 problems found.', '1 problem and 1 warning found.'"""
    lines = [str(problem) for problem in problems]
    warnings = sum(problem.warning for problem in problems)
    errors = len(problems) - warnings
    counts = [f"{errors} problem{'s' if errors != 1 else ''}"] if errors or not warnings else []
    counts += [f"{warnings} warning{'s' if warnings != 1 else ''}"] if warnings else []
    lines.append(" and ".join(counts) + " found.")
    return "\n".join(lines)
