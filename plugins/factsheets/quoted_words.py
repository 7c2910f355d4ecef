"""Words the desk puts in quotation marks are the source's, letter for letter.

A summary, a rationale, an open question or a description may quote a word or a name of the source
('President Zelensky's words, as reported, refer to its "downing"'); a page also shows the name the sources
give an organisation (its `role`) in quotation marks. Quotation marks say: these are the source's words. So
each run inside them must stand, as whole words, in the archived text of a source the record draws on
(`sources_drawn_on`), compared as quotes are (whitespace and typographic marks folded, verify.fold); only the
case of the first letter may differ, as a quotation may open the desk's sentence. The desk's own spelling
("Defence") is free outside quotation marks, never inside them.

Not checked: the quotes themselves (verify.py finds them), a change's `wrong` (which may quote what the site
wrongly said) the desk's staff (their bios draw on no source), and a record that draws on no source.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import get_args

from pydantic import BaseModel

from .graph import ActorNode, Site, SourceNode
from .models import ActorKind, Change, Quote
from .problems import Problem
from .quotation_marks import QuotedRuns
from .verify import _find_whole_words, fold

FieldPath = tuple[str | int, ...]
NAMED_KINDS = set(get_args(ActorKind)) - {"person"}
"""The actors whose role the pages show in quotation marks as the name the sources give (ActorNode.named_in_sources);
not one whose kind failed validation (reported apart)."""

HINT = (
    "quote the source letter for letter (only the first letter's case may change), or say it in the desk's own "
    "words without quotation marks"
)


def check_quoted_words(site: Site, folded_texts: Mapping[int, str]) -> list[Problem]:
    """A warning (the editor looks again; the build goes on) for each run in quotation marks in a record's desk
    text that none of its sources gives. folded_texts: each source's archived text as quotes are compared
    (verify.fold), by id() of its node."""
    problems: list[Problem] = []
    for node in [*site.sources, *site.actors, *site.events, *site.claims]:
        sources = _sources_of(node)
        texts = [folded_texts[id(source)] for source in sources if id(source) in folded_texts]
        if not sources or len(texts) < len(sources):
            continue  # nothing to hold the words against (or a record left out by an error reported apart)
        for field_path, text in _desk_texts(node.record):
            for start, end in QuotedRuns(text).runs:
                words = fold(text[start + 1 : end - 1]).strip()
                if words and not _given(words, texts):
                    problems.append(
                        node.problem(
                            field_path, f'"{words}" is in quotation marks, {_not_given(sources)}', HINT
                        ).as_warning()
                    )
        named = isinstance(node, ActorNode) and node.record.kind in NAMED_KINDS and node.named_in_sources
        if named and not _given(fold(node.named_in_sources), texts):
            name = fold(node.named_in_sources)
            problems.append(
                node.problem(
                    ("role",),
                    f'"{name}" is shown in quotation marks as the name the sources give, but the sources this '
                    "actor is drawn from do not give these words",
                    HINT,
                ).as_warning()
            )
    return problems


def _sources_of(node) -> list[SourceNode]:
    """The sources a record draws on; for an actor, also those of its members (the report that quotes a
    directorate's representative names the directorate), down through theirs."""
    sources, seen, actors = list(node.sources_drawn_on), {id(node)}, list(getattr(node, "members", []))
    while actors:
        member = actors.pop()
        if id(member) not in seen:
            seen.add(id(member))
            sources += [source for source in member.sources_drawn_on if source not in sources]
            actors += member.members
    return sources


def _not_given(sources: list[SourceNode]) -> str:
    if len(sources) == 1:
        return f"but the source '{sources[0].record.id}' does not give these words"
    named = ", ".join(f"'{source.record.id}'" for source in sources)
    return f"but none of its sources ({named}) gives these words"


def _given(words: str, texts: list[str]) -> bool:
    variants = {words, words[:1].swapcase() + words[1:]}
    return any(_find_whole_words(text, variant) >= 0 for text in texts for variant in variants)


def _desk_texts(record: BaseModel, path: FieldPath = ()) -> Iterator[tuple[FieldPath, str]]:
    """Every string the desk wrote in the record, with its field path: not quotes, nor a change's `wrong`."""
    for name in type(record).model_fields:
        if isinstance(record, Change) and name == "wrong":
            continue
        yield from _texts_in(getattr(record, name), (*path, name))


def _texts_in(value: object, path: FieldPath) -> Iterator[tuple[FieldPath, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Quote):
        return
    elif isinstance(value, BaseModel):
        yield from _desk_texts(value, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts_in(item, (*path, index))
