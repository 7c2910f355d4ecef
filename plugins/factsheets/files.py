"""A file the build writes as it is, with no template: the planned-output type shared by exports.py (the sitemap,
feed and open data) and share_cards.py (the cards). It imports nothing of the plugin's, so that neither of them
imports the other, nor pages.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DataFile:
    """A file written as it is, with no template; its text (or bytes: an image) is made when it is written."""

    save_as: str
    make_text: Callable[[], str | bytes]

    @property
    def text(self) -> str | bytes:
        return self.make_text()
