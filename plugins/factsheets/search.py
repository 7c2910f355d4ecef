"""Static search: an index of the record pages' words, written from the records in this process.

Each record page (and each of Pelican's pages: About, Methodology, Corrections policy) becomes a search
document: its title, its kind, a claim's status, and the words a reader finds on it (``document_of``).
The index is plain JSON under ``search/``, split so that the browser downloads only what a query needs
(``theme/static/js/search.js`` reads it, and ranks what it finds):

- ``search/index.json``: the build's id (a digest of the other files), how many documents there are, how
  many each file of ``documents/`` holds, and the keys of the word files;
- ``search/words/<key>.json``: for each word that starts with the key, the documents that hold it, as
  ``[gap, weight, gap, weight, ...]``. The first gap is the first document's number, each next one the
  distance from the one before. A weight is the word's share of the title's words in hundredths times
  ``TITLE_WEIGHT``, plus how often it stands in the text (999 at most): a name that is most of a title
  ranks its page first. A key is a word's first two letters; a file of more numbers than the setting
  FACTSHEETS_SEARCH_NUMBERS_PER_FILE is split by one letter more, and so on. A query word is looked up
  in every file whose key it starts with, or that starts with it: a word also finds the longer words
  that begin with it (*prisoner*, *prisoners*);
- ``search/documents/<n>.json``: the documents from ``n`` times FACTSHEETS_SEARCH_DOCUMENTS_PER_FILE on,
  each ``[address, title, kind, status, text]``, the text cut to ``EXCERPT_CHARACTERS`` for the excerpt;
- ``search/filters.json``: for each filter (kind, status) and value, the documents it keeps, as runs
  ``[first, count, first, count, ...]``.

Words are compared folded: lower case, accents dropped (NFKD, combining marks removed), an apostrophe between
letters dropped, split at anything but a letter or a digit; search.js folds a query the same way (its marks
are ``FOLDED_MARKS``). Not folded: letters without a decomposition (ł, ø, ß), and a run of Chinese or Japanese
characters is one word (found by its start only).
Writing the index costs about 2 CPU seconds at 10,000 claims, where Pagefind over the same pages cost
30 to 50; it gives up Pagefind's stemming per language (a query word finds longer words instead).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, chain
from pathlib import Path

from .build import replace_folder, scratch_folder
from .graph import ActorNode, ClaimNode, EventNode, Node, QuoteNode, SourceNode, StaffNode

SEARCH_FOLDER = "search"
INDEX_FORMAT = 1
"""In index.json: search.js refuses an index of another format (a site half updated)."""
TITLE_WEIGHT = 1000
"""A weight is the word's share of the title's words in hundredths (0 to 100) times this, plus its count
in the text (999 at most)."""
EXCERPT_CHARACTERS = 600
KEY_LETTERS = 2
FILTERS = ("kind", "status")
"""The fields a reader filters results by (the search page's choices: views.search_filters)."""

FOLDED_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
"""The combining marks dropped from a word (after NFKD): accents, diaereses, breves. search.js has the same ranges."""
APOSTROPHES = re.compile("['\u2019\u02bc](?<=[^\\W_]['\u2019\u02bc])(?=[^\\W_])")
"""An apostrophe between letters, dropped: м'ясо, мʼясо and мясо are one word, and Russia's is russias. The
apostrophe comes first in the pattern, the letter before it in a look-behind: the search then skips to each
apostrophe instead of trying the look-behind at every character (a sixth of the time)."""
WORD = re.compile(r"[^\W_]+")
TAGS = re.compile(r"<[^>]*>")
PART_BREAK = " · "


@dataclass(frozen=True)
class SearchDocument:
    """One page as search sees it: where it is, its title, its kind and status, and its words."""

    address: str
    title: str
    kind: str
    status: str
    text: str


def folded_words(text: str) -> list[str]:
    """The text's words as the index keeps them: lower case, without accents or apostrophes."""
    lower = text.lower()
    if not lower.isascii():
        lower = FOLDED_MARKS.sub("", unicodedata.normalize("NFKD", lower)).lower()
    return WORD.findall(APOSTROPHES.sub("", lower))


def document_of(node: Node, address: str) -> SearchDocument:
    """A record's page as search sees it: the record's own words, and the names of what it links to.

    The text reads as the result's excerpt: what the record says first (a claim's words in its source,
    an event's summary), each part once, parted by a middle dot."""
    status = node.record.status.capitalize() if isinstance(node, ClaimNode) else ""
    text = PART_BREAK.join(dict.fromkeys(part for part in _WORDS_OF[type(node)](node) if part))
    return SearchDocument(address, node.heading, node.kind.capitalize(), status, text)


def document_of_text_page(address: str, title: str, content: str) -> SearchDocument:
    """One of Pelican's pages (About, Methodology, Corrections policy): its title and the text of its HTML."""
    text = " ".join(html.unescape(TAGS.sub(" ", content)).split())
    return SearchDocument(address, title, "Page", "", text)


def _quoted(quote: QuoteNode | None) -> str:
    """A source's words in quotation marks: an excerpt never passes them off as the desk's."""
    return f"“{quote.text}”" if quote else ""


def _names(nodes: Iterable[Node | None]) -> list[str]:
    return [node.heading for node in nodes if node is not None]


def _claim_words(claim: ClaimNode) -> list[str]:
    record = claim.record
    words = [_quoted(claim.quote), record.rationale, *record.evidence, *record.open_questions]
    words += [*_names([claim.claimant, claim.reported_by]), claim.claimant.role_line or "" if claim.claimant else ""]
    words += [*_names(claim.disputed_by), *_names(claim.questioned_by), claim.date_text, *_names(claim.about)]
    for response in claim.responses:
        words += [*_names([response.actor]), response.record.stance, response.record.summary]
        words.append(_quoted(response.quote))
    words += [other.record.statement for other in [*claim.restated_in, *claim.competing]]
    return [*words, *(change.rationale or "" for change in claim.status_changes), record.status, record.statement]


def _event_words(event: EventNode) -> list[str]:
    record = event.record
    words = [record.summary, event.date_text, record.place or "", *_names(event.sources)]
    for figure in event.figures:
        words += [figure.caption, _quoted(figure.quote)]
    return [*words, record.title]


def _actor_words(actor: ActorNode) -> list[str]:
    record = actor.record
    words = [record.description or "", actor.role_line or "", actor.kind_label, actor.named_in_sources or ""]
    return [*words, *_names([actor.affiliation]), *_names(actor.members), record.name]


def _source_words(source: SourceNode) -> list[str]:
    record = source.record
    words = [*_names([source.publisher, source.distributor]), source.date_text, record.notes or ""]
    return [*words, source.archived.text if source.archived else "", record.title]


def _staff_words(member: StaffNode) -> list[str]:
    record = member.record
    return [record.bio, record.role, record.name]


_WORDS_OF = {
    ClaimNode: _claim_words,
    EventNode: _event_words,
    ActorNode: _actor_words,
    SourceNode: _source_words,
    StaffNode: _staff_words,
}


@dataclass(frozen=True)
class FileSizes:
    """How the index is split into files (the settings FACTSHEETS_SEARCH_DOCUMENTS_PER_FILE and _NUMBERS_PER_FILE)."""

    documents_per_file: int = 200
    numbers_per_file: int = 40_000


def write_search_index(site_folder: Path, documents: Iterable[SearchDocument], sizes: FileSizes = FileSizes()) -> None:
    """Write the index of the documents (in their order: a document's number is its place) into a new folder,
    then swap it into the old index's place (the site's folder is made if no page is written yet)."""
    site_folder.mkdir(parents=True, exist_ok=True)
    with scratch_folder(site_folder, "search") as staging:
        fresh = staging / SEARCH_FOLDER
        for relative, contents in index_files(documents, sizes):
            path = fresh / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(contents, encoding="utf-8")
        replace_folder(fresh, site_folder / SEARCH_FOLDER)


def index_files(documents: Iterable[SearchDocument], sizes: FileSizes = FileSizes()) -> Iterator[tuple[str, str]]:
    """Each file of the index, as its path under search/ and its JSON text, index.json last; the same
    documents give the same bytes. The documents are read once, as they come: each file of results is
    written as soon as it is full, and only the words' postings are kept (a site of 100,000 claims
    holds hundreds of megabytes of text). index.json names the build: a digest of every other file,
    which search.js puts in their addresses so that no cache serves a file of another build."""
    build = hashlib.sha256()

    def noted(path: str, text: str) -> tuple[str, str]:
        build.update(f"{path}\n{len(text)}\n{text}".encode())
        return path, text

    postings: dict[str, array] = {}
    facets: dict[str, list[str]] = {name: [] for name in FILTERS}
    rows: list[list[str]] = []
    per_file, count = sizes.documents_per_file, 0
    for count, document in enumerate(documents, start=1):
        _add_postings(postings, count - 1, document)
        for name, values in facets.items():
            values.append(getattr(document, name))
        rows.append([document.address, document.title, document.kind, document.status, _excerpt(document.text)])
        if len(rows) == per_file:
            yield noted(f"documents/{(count - 1) // per_file}.json", _json(rows))
            rows = []
    if rows:
        yield noted(f"documents/{(count - 1) // per_file}.json", _json(rows))
    keys = _keys(postings, sizes.numbers_per_file)
    for key, words in sorted(keys.items()):
        yield noted(f"words/{word_file_name(key)}.json", _json({word: _encoded(postings[word]) for word in words}))
    yield noted("filters.json", _json({name: _runs_by_value(values) for name, values in facets.items()}))
    manifest = {
        "format": INDEX_FORMAT,
        "build": build.hexdigest()[:16],
        "documents": count,
        "documents_per_file": per_file,
        "keys": sorted(keys),
    }
    yield "index.json", _json(manifest)


def word_file_name(key: str) -> str:
    """A key's file name: its characters' code points in hexadecimal (any script, nothing a path could misread)."""
    return "-".join(f"{ord(character):x}" for character in key)


def _add_postings(postings: dict[str, array], number: int, document: SearchDocument) -> None:
    """Add the document's words to each word's documents and weights, [document, weight, document, weight, ...]
    in compact arrays (a site of 100,000 claims has millions)."""
    weights = Counter(folded_words(document.text))
    for word, count in weights.items():
        if count >= TITLE_WEIGHT:
            weights[word] = TITLE_WEIGHT - 1
    title = folded_words(document.title)
    for word, count in Counter(title).items():
        weights[word] += TITLE_WEIGHT * -(-100 * count // len(title))
    for word, weight in weights.items():
        found = postings.get(word)
        if found is None:
            found = postings[word] = array("I")
        found.append(number)
        found.append(weight)


def _keys(postings: dict[str, array], numbers_per_file: int) -> dict[str, list[str]]:
    """The words of each word file, by key: each word under its first letters, a key split further while
    its file would hold more than numbers_per_file numbers and its words are longer than the key."""
    keys: dict[str, list[str]] = {}
    for word in sorted(postings):
        keys.setdefault(word[:KEY_LETTERS], []).append(word)
    crowded = [key for key in keys if _size(keys[key], postings) > numbers_per_file]
    while crowded:
        key = crowded.pop()
        words = keys.pop(key)
        for word in words:
            keys.setdefault(word[: len(key) + 1], []).append(word)
        crowded += [
            longer
            for longer in {word[: len(key) + 1] for word in words}
            if len(longer) > len(key) and _size(keys[longer], postings) > numbers_per_file
        ]
    return keys


def _size(words: list[str], postings: dict[str, array]) -> int:
    return sum(len(postings[word]) for word in words)


def _encoded(found: array) -> list[int]:
    """The documents as gaps from the one before: [gap, weight, gap, weight, ...]."""
    numbers = found.tolist()
    numbers[2::2] = [later - earlier for earlier, later in zip(numbers[0:-2:2], numbers[2::2], strict=True)]
    return numbers


def _runs_by_value(values: Sequence[str]) -> dict[str, list[int]]:
    """For each value, the documents that have it, as runs: [first, count, first, count, ...]."""
    runs: dict[str, list[int]] = {}
    for number, value in enumerate(values):
        if not value:
            continue
        value_runs = runs.setdefault(value, [])
        if value_runs and value_runs[-2] + value_runs[-1] == number:
            value_runs[-1] += 1
        else:
            value_runs += (number, 1)
    return dict(sorted(runs.items()))


def _excerpt(text: str) -> str:
    text = " ".join(text[: 2 * EXCERPT_CHARACTERS].split())
    if len(text) <= EXCERPT_CHARACTERS:
        return text
    cut = text.rfind(" ", 0, EXCERPT_CHARACTERS)
    return text[: cut if cut > 0 else EXCERPT_CHARACTERS] + " …"


def _json(value: object) -> str:
    return _compact(value) + "\n"


_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""json.dumps with one encoder for every call (it makes one for each call given anything but its defaults)."""


class IndexChanged(Exception):
    """The index cannot be updated in place (another format or split, or files missing): written whole instead."""


def updated_index_files(
    old_file: Callable[[str], str], changed: dict[int, SearchDocument], sizes: FileSizes = FileSizes()
) -> Iterator[tuple[str, str]]:
    """Each file of the index with the documents numbered in changed put in place of the old ones, as
    index_files would write them all (the same bytes), from the old index's files (old_file reads one
    by its path under search/). The number of documents stays the same. Raises IndexChanged when the old
    index is not one this code could update."""
    try:
        manifest = json.loads(old_file("index.json"))
        if manifest["format"] != INDEX_FORMAT or manifest["documents_per_file"] != sizes.documents_per_file:
            raise IndexChanged("another format or split")
        count, per_file = manifest["documents"], manifest["documents_per_file"]
        old_words = {key: old_file(f"words/{word_file_name(key)}.json") for key in manifest["keys"]}
        old_filters = old_file("filters.json")
        old_documents = [old_file(f"documents/{number}.json") for number in range(-(-count // per_file))]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise IndexChanged(str(error)) from None
    if any(number >= count for number in changed):
        raise IndexChanged("a document beyond the old index")
    build = hashlib.sha256()

    def noted(path: str, text: str) -> tuple[str, str]:
        build.update(f"{path}\n{len(text)}\n{text}".encode())
        return path, text

    for file_number, text in enumerate(old_documents):
        numbers = [number for number in changed if number // per_file == file_number]
        if numbers:
            rows = json.loads(text)
            for number in numbers:
                document = changed[number]
                rows[number % per_file] = [document.address, document.title, document.kind, document.status,
                                           _excerpt(document.text)]  # fmt: skip
            text = _json(rows)
        yield noted(f"documents/{file_number}.json", text)
    postings, old_keys = _postings_without(old_words, set(changed))
    fresh: dict[str, array] = {}
    for number in sorted(changed):
        _add_postings(fresh, number, changed[number])
    touched = {word for words in old_keys.values() for word in words if words[word]} | fresh.keys()
    for word, found in fresh.items():
        postings[word] = _merged(_absolute(postings.get(word, array("I"))), found)
    postings = {word: found for word, found in postings.items() if found}
    keys = _keys(postings, sizes.numbers_per_file)  # a list of gaps is as long as its array: the same split
    for key, words in sorted(keys.items()):
        same = key in old_keys and list(old_keys[key]) == words and not touched.intersection(words)
        text = old_words[key] if same else _json({word: _gaps(postings[word]) for word in words})
        yield noted(f"words/{word_file_name(key)}.json", text)
    facets = _facet_values(json.loads(old_filters), count)
    for number, document in changed.items():
        for name, values in facets.items():
            values[number] = getattr(document, name)
    yield noted("filters.json", _json({name: _runs_by_value(values) for name, values in facets.items()}))
    manifest = {**manifest, "build": build.hexdigest()[:16], "keys": sorted(keys)}
    yield "index.json", _json(manifest)


def _postings_without(
    old_words: dict[str, str], numbers: set[int]
) -> tuple[dict[str, array | list[int]], dict[str, dict[str, bool]]]:
    """The old index's postings with the documents numbered taken out; and for each old key, its words, each
    with whether it held one of those documents (its file is written again). A word that held none keeps its
    postings as the file has them, gaps and all (a list: _absolute makes it an array where it is needed); the
    others are arrays of [document, weight, ...]."""
    postings: dict[str, array | list[int]] = {}
    old_keys: dict[str, dict[str, bool]] = {}
    for key, text in old_words.items():
        held = old_keys[key] = {}
        for word, encoded in json.loads(text).items():
            held[word] = not numbers.isdisjoint(accumulate(encoded[0::2]))
            if held[word]:
                documents = accumulate(encoded[0::2])
                found = array("I", [value for pair in zip(documents, encoded[1::2], strict=True)
                                    if pair[0] not in numbers for value in pair])  # fmt: skip
                postings[word] = found
            else:
                postings[word] = encoded
    return postings, old_keys


def _absolute(found: array | list[int]) -> array:
    """Postings as [document, weight, ...]: an array as it is, a list of gaps as the file has them made one."""
    if isinstance(found, array):
        return found
    absolute = array("I", found)
    absolute[0::2] = array("I", accumulate(found[0::2]))
    return absolute


def _gaps(found: array | list[int]) -> list[int]:
    """Postings as the file has them: a list of gaps as it is, an array encoded (_encoded)."""
    return found if isinstance(found, list) else _encoded(found)


def _merged(found: array, more: array) -> array:
    """Two [document, weight, ...] arrays as one, by document number."""
    pairs = sorted(zip(chain(found[0::2], more[0::2]), chain(found[1::2], more[1::2]), strict=True))
    return array("I", [value for pair in pairs for value in pair])


def _facet_values(runs: dict[str, dict[str, list[int]]], count: int) -> dict[str, list[str]]:
    """Each filter's value for every document, from filters.json's runs (the reverse of _runs_by_value)."""
    values = {name: [""] * count for name in FILTERS}
    for name, by_value in runs.items():
        for value, value_runs in by_value.items():
            for first, length in zip(value_runs[0::2], value_runs[1::2], strict=True):
                values[name][first : first + length] = [value] * length
    return values


def update_search_index(
    site_folder: Path, old_index: Path, changed: dict[int, SearchDocument], sizes: FileSizes = FileSizes()
) -> list[str]:
    """Write into site_folder the files of the index in old_index (a folder search/) that change when the
    documents numbered in changed take the old ones' place; returns the path in the site of every file of
    the index, written or not. Raises IndexChanged when old_index cannot be updated."""
    old_texts: dict[str, str] = {}

    def old_file(relative: str) -> str:
        old_texts[relative] = (old_index / relative).read_text(encoding="utf-8")
        return old_texts[relative]

    try:  # all of them before any is written
        files = list(updated_index_files(old_file, changed, sizes))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:  # a file damaged: not our JSON
        raise IndexChanged(f"a damaged file ({error})") from None
    for relative, text in files:
        if old_texts.get(relative) != text:
            path = site_folder / SEARCH_FOLDER / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return [f"{SEARCH_FOLDER}/{relative}" for relative, _ in files]
