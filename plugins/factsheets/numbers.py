"""How the site writes numbers and counts: "1,234"; "1 claim", "2 claims". The theme's `number` and `plural`
filters (registered with `date_text`, see plugin.py) and the Python that writes sentences share them."""

from __future__ import annotations


def number_text(value: int) -> str:
    """A whole number with a thousands separator: 1,234."""
    return f"{value:,}"


def plural(count: int, noun: str, plural_noun: str = "") -> str:
    """A count and its noun, singular for one: '1 claim', '2 claims', '3 quoted passages'. Nouns whose plural
    is not the noun and 's' give it: plural(2, "body", "bodies")."""
    return f"{number_text(count)} {noun if count == 1 else plural_noun or noun + 's'}"
