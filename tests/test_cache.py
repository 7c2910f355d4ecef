"""The caches of validated files and compiled templates: used when unchanged, never when changed, never stale."""

from __future__ import annotations

import re
import shutil

from factsheets.cli import main as factsheets
from helpers import CONTENT, ROOT, accept_edited_archive, read_page, run_pelican


def _entries(cache_dir):
    return sorted(path.name for path in (cache_dir / "sheets").rglob("*.entry"))


def test_unchanged_files_come_from_the_cache_and_edited_ones_are_read_again(content_copy, tmp_path, capsys):
    cache_dir = tmp_path / "cache"
    arguments = ["check", str(content_copy), "--cache-dir", str(cache_dir)]
    assert factsheets(arguments) == 0
    first = _entries(cache_dir)
    assert len(first) == len(list((content_copy / "factsheets").glob("*.yaml")))
    assert factsheets(arguments) == 0
    assert _entries(cache_dir) == first

    claims = content_copy / "factsheets" / "claims.yaml"
    claims.write_text(claims.read_text().replace("status: unverified", "status: nonsense", 1))
    assert factsheets(arguments) == 1
    assert "'nonsense' is not allowed" in capsys.readouterr().err
    assert len(_entries(cache_dir)) == len(first) - 1, "a file with problems is not cached"


def test_problems_found_later_still_point_into_cached_files(content_copy, tmp_path, capsys):
    cache_dir = tmp_path / "cache"
    arguments = ["check", str(content_copy), "--cache-dir", str(cache_dir)]
    assert factsheets(arguments) == 0
    (content_copy / "factsheets" / "extra.yaml").write_text(
        "actors:\n  - id: andrii-yusov\n    name: Again\n    kind: person\n"
    )
    assert factsheets(arguments) == 1
    errors = capsys.readouterr().err
    assert re.search(
        r"extra\.yaml:2:9: actors\[0\]\.id: duplicate id 'andrii-yusov' \(already used by the actor at "
        r".*actors\.yaml:3\)",
        errors,
    ), errors


def test_no_cache_writes_nothing(content_copy, tmp_path):
    cache_dir = tmp_path / "cache"
    assert factsheets(["check", str(content_copy), "--cache-dir", str(cache_dir), "--no-cache"]) == 0
    assert not cache_dir.exists()


def test_entries_of_other_code_versions_are_removed(content_copy, tmp_path):
    cache_dir = tmp_path / "cache"
    old_version = cache_dir / "sheets" / "0123456789abcdef" / "fedcba9876543210"
    old_version.mkdir(parents=True)
    (old_version / "entry.entry").write_bytes(b"old")
    assert factsheets(["check", str(content_copy), "--cache-dir", str(cache_dir)]) == 0
    assert not old_version.exists()
    assert _entries(cache_dir)


def test_a_file_saved_again_while_it_is_read_is_cached_under_the_bytes_parsed(content_copy, tmp_path):
    from factsheets.cache import SheetCache
    from factsheets.load import load_factsheets
    from factsheets.pipeline import read_factsheet, read_site

    folder, cache_dir = content_copy / "factsheets", tmp_path / "cache"
    claims = folder / "claims.yaml"
    first = claims.read_text()
    cache = SheetCache.open(cache_dir, folder)
    listed = next(file for file in load_factsheets(folder, digests=True).files if file.path == claims)
    claims.write_text(first.replace("status: uncontested", "status: unverified", 1))  # saved again meanwhile
    read_factsheet(listed, cache=cache)
    claims.write_text(first)  # and the edit undone

    cached_statuses = sorted(claim.record.status for claim in read_site(content_copy, cache_dir=cache_dir).claims)
    assert cached_statuses == sorted(claim.record.status for claim in read_site(content_copy).claims)


def test_quotes_are_checked_the_same_whether_files_are_read_or_come_from_the_cache(content_copy, tmp_path):
    from factsheets.pipeline import read_site
    from factsheets.problems import ContentError

    def marked_passages():
        site = read_site(content_copy, cache_dir=tmp_path / "cache", workers=2)
        return {source.record.id: source.archived.spans for source in site.sources}

    def quote_problems(cache_dir):
        try:
            read_site(content_copy, cache_dir=cache_dir, workers=2)
        except ContentError as error:
            return [str(problem) for problem in error.problems]
        raise AssertionError("the changed archived text went unnoticed")

    read, cached = marked_passages(), marked_passages()  # texts read by the workers, then by the check
    assert read == cached and all(read.values())

    archived = content_copy / "sources" / "ukrinform-2024-01-31.txt"
    archived.write_text(archived.read_text(encoding="utf-8").replace("65", "sixty-five"), encoding="utf-8")
    accept_edited_archive(content_copy)
    read, cached = quote_problems(None), quote_problems(tmp_path / "cache")
    assert read == cached and read and all("quote not found in source" in problem for problem in read)


def test_where_quotes_were_found_is_kept_and_found_again_after_the_text_or_a_quote_changes(
    content_copy, tmp_path, monkeypatch
):
    from factsheets import verify
    from factsheets.pipeline import read_site
    from factsheets.problems import ContentError

    cache_dir = tmp_path / "cache"

    def found(cache):
        site = read_site(content_copy, cache_dir=cache_dir if cache else None)
        quotes = {(quote.source.record.id, quote.text): quote.in_quotation_marks for quote in site.quotes}
        return {source.record.id: source.archived.spans for source in site.sources}, quotes

    first = found(cache=False)
    assert found(cache=True) == first and any(first[1].values()) and not all(first[1].values())
    assert list((cache_dir / "sheets").rglob("found-quotes-*.json"))

    def no_search(*arguments):
        raise AssertionError("the quotes were searched for again")

    with monkeypatch.context() as patched:  # the places come from the cache: no text is searched
        patched.setattr(verify, "QuotedRuns", no_search)
        patched.setattr(verify, "_find_whole_words", no_search)
        assert found(cache=True) == first

    archived = content_copy / "sources" / "ukrinform-2024-01-31.txt"
    text = archived.read_text(encoding="utf-8")
    archived.write_text('A note added "above" the article.\n\n' + text, encoding="utf-8")
    accept_edited_archive(content_copy)
    moved = found(cache=False)
    assert found(cache=True) == moved and moved[0] != first[0], "every quote moved down the text"

    claims = content_copy / "factsheets" / "claims.yaml"
    claims.write_text(claims.read_text().replace("Today there was a continuation", "Today there was no continuation"))
    try:
        read_site(content_copy, cache_dir=cache_dir)
    except ContentError as error:
        assert any("quote not found in source" in str(problem) for problem in error.problems)
    else:
        raise AssertionError("an edited quote was taken from the cache as found")


def test_compiled_templates_are_cached_and_an_edited_template_is_compiled_again(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    settings = {"THEME": str(theme), "FACTSHEETS_CACHE_PATH": str(tmp_path / "cache")}
    assert run_pelican(CONTENT, tmp_path / "first", overrides=settings).returncode == 0
    assert list((tmp_path / "cache" / "templates").glob("*/*.cache"))

    base = theme / "templates" / "base.html"
    edited = base.read_text().replace("Each claim, response and figure", "Each single claim, response and figure")
    base.write_text(edited)
    result = run_pelican(CONTENT, tmp_path / "second", overrides=settings)
    assert result.returncode == 0, result.stderr
    footer = read_page(tmp_path / "second", "index.html").select_one("footer").get_text()
    assert "Each single claim, response and figure" in footer
