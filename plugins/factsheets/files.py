"""A file the build writes as it is, with no template: the planned-output type shared by exports.py (the sitemap,
feed and open data) and share_cards.py (the cards). It imports nothing of the plugin's, so that neither of them
imports the other, nor pages.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class DataFile:
    """A file written as it is, with no template; its text (or bytes: an image) is made when it is written,
    whole or in parts (a file of the whole site's records is never held whole)."""

    save_as: str
    make_text: Callable[[], str | bytes | Iterator[str]]

    def parts(self) -> Iterator[str] | bytes:
        """The text in the parts it is made in (one part, if made whole), or the bytes."""
        made = self.make_text()
        return iter((made,)) if isinstance(made, str) else made
