"""The search index (search/): what it finds each page by, how it is split into files, and that it is stable.

`found` below reads the index as theme/static/js/search.js does (tests/browser checks the script itself).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from helpers import SMALL_SEARCH_FILES, read_page, run_pelican

RECORD_FOLDERS = ("events", "actors", "claims", "sources", "staff")


def _record_pages(site: Path) -> list[str]:
    pages = (page for folder in RECORD_FOLDERS for page in (site / folder).glob("*.html"))
    return sorted(str(page.relative_to(site)) for page in pages if page.name != "index.html")


def _documents(site: Path) -> list[list[str]]:
    index = json.loads((site / "search" / "index.json").read_text(encoding="utf-8"))
    files = sorted((site / "search" / "documents").glob("*.json"), key=lambda path: int(path.stem))
    rows = [row for path in files for row in json.loads(path.read_text(encoding="utf-8"))]
    assert len(rows) == index["documents"]
    return rows


def _word_file(site: Path, key: str) -> dict[str, list[int]]:
    name = "-".join(f"{ord(character):x}" for character in key)
    return json.loads((site / "search" / "words" / f"{name}.json").read_text(encoding="utf-8"))


def _postings(site: Path) -> dict[str, dict[int, int]]:
    """Every word's documents and weights, decoded from all the word files."""
    keys = json.loads((site / "search" / "index.json").read_text(encoding="utf-8"))["keys"]
    postings: dict[str, dict[int, int]] = {}
    for key in keys:
        for word, numbers in _word_file(site, key).items():
            assert word.startswith(key), (word, key)
            assert word not in postings, f"{word} in two files"
            document, postings[word] = 0, {}
            for gap, weight in zip(numbers[::2], numbers[1::2], strict=True):
                document += gap
                postings[word][document] = weight
    return postings


def found(site: Path, query: str) -> list[str]:
    """The addresses a query finds, best first, as search.js finds and ranks them: every query word, or a
    longer word it starts, the rarer words counting more, up to a limit for words said often."""
    from factsheets.search import folded_words

    index = json.loads((site / "search" / "index.json").read_text(encoding="utf-8"))
    rows = _documents(site)
    kept: dict[int, float] | None = None
    words = list(dict.fromkeys(folded_words(query)))
    if any(len(word) > 1 for word in words):
        words = [word for word in words if len(word) > 1]  # a lone letter counts only alone
    for word in words:
        prefix = word[:-1] if len(word) > 3 and word.endswith("s") else word
        scores: dict[int, float] = {}
        for key in (key for key in index["keys"] if key.startswith(prefix) or prefix.startswith(key)):
            for other, numbers in _word_file(site, key).items():
                if other == word if len(word) == 1 else other.startswith(prefix):
                    holders = len(numbers) / 2
                    rarity = math.log(1 + (index["documents"] - holders + 0.5) / (holders + 0.5))
                    bonus = 2 if other in (word, prefix) else 1
                    document = 0
                    for gap, weight in zip(numbers[::2], numbers[1::2], strict=True):
                        document += gap
                        title_share, in_text = divmod(weight, 1000)
                        score = bonus * rarity * (in_text * 2.2 / (in_text + 1.2) + 6 * math.sqrt(title_share / 100))
                        scores[document] = scores.get(document, 0) + score
        kept = scores if kept is None else {n: s + scores[n] for n, s in kept.items() if n in scores}
    ranked = sorted((kept or {}).items(), key=lambda item: (-item[1], item[0]))
    return [rows[number][0] for number, _ in ranked]


def test_every_record_page_and_text_page_is_a_document_and_no_list_is(site):
    rows = _documents(site)
    addresses = [row[0] for row in rows]
    credentials = sorted(f"pages/{path.name}" for path in (site / "pages").glob("*.html"))
    assert len(credentials) == 3, "About, Methodology, Corrections policy"
    assert sorted(addresses) == sorted(_record_pages(site) + credentials)
    assert addresses[-3:] == credentials, "the record pages first"
    for listing in ("index.html", "claims/index.html", "timeline.html", "diagram.html", "search.html", "404.html"):
        assert listing not in addresses, f"{listing} lists records: not a result"

    by_address = {row[0]: row for row in rows}
    claim = by_address["claims/ukrainian-pows-on-board-il76.html"]
    heading = read_page(site, claim[0]).select_one("main h1").get_text()
    assert claim[1:4] == [heading, "Claim", "Unverified"], "title, kind and status shown on the result"
    quote = read_page(site, claim[0]).select_one("blockquote").get_text(" ", strip=True)
    assert claim[4].startswith("“" + quote[:40]), "the excerpt opens with the source's words, quoted"
    assert by_address["actors/russian-defence-ministry.html"][1:4] == ["Ministry of Defence of Russia", "Actor", ""]
    assert by_address["pages/corrections.html"][1:4] == ["Corrections policy", "Page", ""]


def test_search_finds_a_record_by_its_own_words_and_not_by_other_records_words(site):
    s300 = found(site, "S-300")
    assert "claims/il76-carried-s300-missiles.html" in s300
    assert "sources/ukrinform-2024-01-31.html" in s300, "a source by its archived text"
    assert not [address for address in s300 if address.startswith("actors/")], "an actor lists claims: not its words"
    for name, page in [
        ("Andrii Yusov", "andrii-yusov"),
        ("Ukrinform", "ukrinform"),
        ("Volodymyr Zelensky", "volodymyr-zelensky"),
    ]:
        assert found(site, name)[0] == f"actors/{page}.html", f"a name first finds its own page: {found(site, name)}"
    assert "pages/corrections.html" in found(site, "withdrawn")
    assert set(found(site, "prisoners")) == set(found(site, "prisoner")), "a plural finds what its singular finds"
    assert found(site, "Belgorod Il-76") and set(found(site, "Belgorod Il-76")) <= set(found(site, "Belgorod"))
    assert found(site, "zzzz-no-such-word") == []


def test_filters_keep_the_documents_of_each_kind_and_status(site):
    rows = _documents(site)
    filters = json.loads((site / "search" / "filters.json").read_text(encoding="utf-8"))
    assert set(filters) == {"kind", "status"}

    def numbers(runs: list[int]) -> set[int]:
        return {n for first, count in zip(runs[::2], runs[1::2], strict=True) for n in range(first, first + count)}

    for field, name in ((2, "kind"), (3, "status")):
        for value, runs in filters[name].items():
            assert numbers(runs) == {n for n, row in enumerate(rows) if row[field] == value}, (name, value)
    assert set(filters["kind"]) == {"Event", "Actor", "Claim", "Source", "Staff member", "Page"}


def test_the_search_page_has_a_form_filters_and_a_way_without_javascript(site):
    search = read_page(site, "search.html")
    assert search.select_one("form[role=search] input[name=q]")["type"] == "search"
    choices = {
        select["name"]: [option.get_text() for option in select.select("option")]
        for select in search.select("form select")
    }
    assert choices == {
        "kind": ["Any", "Event", "Actor", "Claim", "Source", "Staff member"],
        "status": ["Any", "Unverified", "Uncontested"],
    }
    fallback = search.noscript
    assert {a["href"] for a in fallback.select("a")} >= {"./claims/index.html", "./timeline.html"}
    assert search.select_one("script[defer]")["src"] == "./theme/js/search.js"


def test_small_files_hold_the_same_index_split_further(site, built_site):
    small = built_site(**SMALL_SEARCH_FILES)  # 7 documents a file, word files of 24 numbers at most
    assert _documents(small) == _documents(site)
    assert len(list((small / "search" / "documents").glob("*.json"))) == -(-len(_documents(site)) // 7)
    assert _postings(small) == _postings(site)
    keys = json.loads((small / "search" / "index.json").read_text(encoding="utf-8"))["keys"]
    assert any(len(key) > 2 for key in keys), "crowded keys split by one more letter"
    for key in keys:
        words = _word_file(small, key)
        assert sum(len(numbers) for numbers in words.values()) <= 24 or list(words) == [key], key
    for query in ("S-300", "Il-76", "prisoner", "withdrawn"):
        assert found(small, query) == found(site, query), query


def test_words_are_folded_the_same_way_in_any_script():
    from factsheets.search import folded_words

    assert folded_words("Zelenskyy's KYIV, Київ: Ésta — naïve_word 2024-01-24") == [
        "zelenskyys", "kyiv", "киів", "esta", "naive", "word", "2024", "01", "24"
    ]  # fmt: skip
    assert folded_words("м'ясо мʼясо м’ясо ℍ ᴬᴮ") == ["мясо", "мясо", "мясо", "h", "ab"], "apostrophes, capitals"


def test_the_index_names_its_build_after_its_files():
    from factsheets.search import FileSizes, SearchDocument, index_files

    def build_of(texts: list[str]) -> str:
        documents = [SearchDocument(f"{n}.html", f"Page {n}", "Page", "", text) for n, text in enumerate(texts)]
        files = dict(index_files(documents, FileSizes()))
        return json.loads(files["index.json"])["build"]

    assert build_of(["one two", "three"]) == build_of(["one two", "three"])
    assert build_of(["one two", "three"]) != build_of(["one two", "four"]), "another build: another id"


def test_the_same_documents_give_the_same_bytes():
    from factsheets.search import FileSizes, SearchDocument, index_files

    documents = [
        SearchDocument(f"claims/{n}.html", f"Claim {n}", "Claim", ["Unverified", "False"][n % 2], "words " * n)
        for n in range(50)
    ]
    sizes = FileSizes(documents_per_file=7, numbers_per_file=10)
    first, second = list(index_files(documents, sizes)), list(index_files(list(documents), sizes))
    assert first == second
    assert len({path for path, _ in first}) == len(first)


def test_a_site_without_records_yet_builds_with_an_empty_search_index(tmp_path):
    content = tmp_path / "content"
    (content / "factsheets").mkdir(parents=True)
    (content / "factsheets" / "claims.yaml").write_text("claims: []\n")
    output = tmp_path / "output"
    result = run_pelican(content, output)
    assert result.returncode == 0, result.stderr
    index = json.loads((output / "search" / "index.json").read_text(encoding="utf-8"))
    assert (index["documents"], index["keys"]) == (0, [])
    assert read_page(output, "search.html").select_one("#search-status")


def test_an_updated_index_is_the_index_of_the_edited_documents_byte_for_byte():
    """Documents edited in place (new words, words gone, a word only they held, another status, a title)
    give, through updated_index_files, every file that index_files writes for the edited documents: the
    same names and bytes, splits included; an index of another split is refused, not updated."""
    import random

    import pytest

    from factsheets.search import FileSizes, IndexChanged, SearchDocument, index_files, updated_index_files

    vocabulary = [f"{first}{second}{n}" for first in "abcé" for second in "xyz" for n in range(4)] + ["ł", "数据"]
    chance = random.Random(18)

    def document(number: int, words: list[str], status: str) -> SearchDocument:
        return SearchDocument(f"claims/{number}.html", f"Claim {number} {words[0]}", "Claim", status, " ".join(words))

    documents = [
        document(n, chance.choices(vocabulary, k=chance.randint(1, 12)), chance.choice(["Disputed", "Confirmed"]))
        for n in range(60)
    ]
    for sizes in (FileSizes(), FileSizes(documents_per_file=7, numbers_per_file=12)):
        for edit in range(12):
            old = dict(index_files(documents, sizes))
            edited = list(documents)
            changed = {}
            for number in chance.sample(range(len(documents)), k=chance.randint(1, 4)):
                words = chance.choices(vocabulary, k=chance.randint(1, 12))
                if edit == 0:
                    words = ["onlyhere"]  # a word no other document holds: a new key, gone again next edit
                changed[number] = edited[number] = document(number, words, chance.choice(["Disputed", "Refuted"]))
            updated = list(updated_index_files(old.__getitem__, changed, sizes))
            assert updated == list(index_files(edited, sizes)), f"edit {edit} of {sizes}"
            documents = edited
    with pytest.raises(IndexChanged):
        list(updated_index_files(old.__getitem__, {}, FileSizes(documents_per_file=8)))
