"""Pelican's own pages (content/pages/*.md) publish only what the site means to publish, where nothing else is.

A page's `{static}` and `{attach}` links make Pelican copy the file they name into the output, and its
`Save_as:`, `Slug:` and `URL:` lines choose where it is written: each broken page fails the build with one line
naming the page (and the line of the link or metadata), exit 1, and the last good output left as it was.
"""

from __future__ import annotations

import http.server
import io
import os
import threading
from pathlib import Path

import pytest
from PIL import Image
from test_safe_output import build, tree_digest

from helpers import ROOT, copy_of_build, read_page, run_pelican, without_desk_warnings

CLAIM = "ukrainian-pows-on-board-il76"
ONE_PIXEL_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def image_bytes(kind: str) -> bytes:
    stream = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(stream, kind)
    return stream.getvalue()


def add_page(content: Path, body: str, head: str = "Title: Linked files\nSlug: linked\n") -> Path:
    """A Markdown page under content/pages: its metadata lines, a blank line, then the body (line 4 on)."""
    page = content / "pages" / "linked.md"
    page.write_text(f"{head}\n{body}\n", encoding="utf-8")
    return page


def shown(path: Path) -> str:
    """A path as problems show it: relative to the working folder (the project's root in the tests)."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def last_good_build(built_site, tmp_path: Path) -> Path:
    return copy_of_build(built_site(tool="factsheets"), tmp_path / "output")


def assert_refused(content: Path, output: Path, *expected: str) -> list[str]:
    """The build fails with each expected line on stderr, and the last good output stays as it was."""
    before = tree_digest(output)
    result = build(content, output)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "RuntimeError" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    for line in expected:
        assert line in lines, result.stderr
    assert tree_digest(output) == before
    return lines


def position(page: Path, link: str) -> str:
    """Where the link is written in the page, as file:line:column."""
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if link in line:
            return f"{shown(page)}:{number}:{line.index(link) + 1}"
    raise AssertionError(f"no {link} in {page}")


def claim_position(content: Path, claim_id: str = CLAIM) -> str:
    """Where the claim's id is written, as file:line:column."""
    claims = content / "factsheets" / "claims.yaml"
    for number, line in enumerate(claims.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() == f"- id: {claim_id}":
            return f"{shown(claims)}:{number}:{line.index(claim_id) + 1}"
    raise AssertionError(f"no claim {claim_id}")


# 1. What a page may publish

NEVER_PUBLISHED = "a source's archived text or original, kept for provenance and never published"
NOT_PUBLISHABLE = "pages may publish only PNG, JPEG, GIF, WebP and AVIF images and PDF files"

LINKED_FILES = {
    "a saved original with its scripts": (
        {"sources/originals/saved.html": b"<html><script>alert(document.cookie)</script></html>"},
        "See [the original]({static}../sources/originals/saved.html).",
        "{static}../sources/originals/saved.html",
        f"'sources/originals/saved.html' is {NEVER_PUBLISHED}",
    ),
    "an original PDF, from the content folder's root": (
        {"sources/originals/report.pdf": ONE_PIXEL_PDF},
        "See [the report]({static}/sources/originals/report.pdf).",
        "{static}/sources/originals/report.pdf",
        f"'sources/originals/report.pdf' is {NEVER_PUBLISHED}",
    ),
    "an archived text, attached": (
        {},
        "See [the text]({attach}../sources/ukrinform-2024-01-31.txt).",
        "{attach}../sources/ukrinform-2024-01-31.txt",
        f"'sources/ukrinform-2024-01-31.txt' is {NEVER_PUBLISHED}",
    ),
    "an SVG in raw HTML": (
        {"pages/diagram.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'},
        'A diagram: <img src="{static}diagram.svg" alt="diagram">',
        "{static}diagram.svg",
        f"'pages/diagram.svg': {NOT_PUBLISHABLE} (an SVG can hold scripts that would run on the site's "
        "address: convert it to PNG)",
    ),
    "an HTML file named like a PNG, in Pelican's old link syntax": (
        {"pages/photo.png": b"<html><script>alert(1)</script></html>"},
        "A photo: ![a photo](|static|photo.png)",
        "|static|photo.png",
        "'pages/photo.png' is not a PNG image, whatever its name says: its first bytes are another kind of file's",
    ),
    "a fact sheet": (
        {},
        "The data: [claims]({static}../factsheets/claims.yaml)",
        "{static}../factsheets/claims.yaml",
        f"'factsheets/claims.yaml': {NOT_PUBLISHABLE}",
    ),
}


@pytest.mark.parametrize("case", LINKED_FILES, ids=list(LINKED_FILES))
def test_a_page_linking_a_file_the_site_does_not_publish_fails_the_build(case, content_copy, tmp_path, built_site):
    files, body, link, message = LINKED_FILES[case]
    for name, data in files.items():
        (content_copy / name).parent.mkdir(parents=True, exist_ok=True)
        (content_copy / name).write_bytes(data)
    page = add_page(content_copy, f"Some words first.\n\n{body}")
    output = last_good_build(built_site, tmp_path)
    assert_refused(content_copy, output, f"{position(page, link)}: {link}: {message}", "1 problem found.")


def test_a_hidden_pages_links_are_held_to_the_same_rules(content_copy, tmp_path, built_site):
    (content_copy / "sources" / "originals").mkdir()
    (content_copy / "sources" / "originals" / "saved.html").write_text("<script>alert(1)</script>")
    link = "{static}../sources/originals/saved.html"
    page = add_page(content_copy, f"[the original]({link})", head="Title: Unlisted\nStatus: hidden\n")
    output = last_good_build(built_site, tmp_path)
    assert_refused(
        content_copy, output, f"{position(page, link)}: {link}: 'sources/originals/saved.html' is {NEVER_PUBLISHED}"
    )


def test_a_link_climbing_out_of_the_content_folder_copies_nothing_anywhere(content_copy, tmp_path, built_site):
    (tmp_path / "secret.png").write_bytes(image_bytes("PNG"))  # beside the content folder
    page = add_page(content_copy, "![secret]({static}../../secret.png)")
    output = tmp_path / "deep" / "output"  # Pelican would copy it to ../secret.png from its staging folder
    output.parent.mkdir()
    copy_of_build(built_site(tool="factsheets"), output)
    assert_refused(
        content_copy,
        output,
        f"{position(page, '{static}')}: {{static}}../../secret.png: '../secret.png' leads outside the content folder",
    )
    assert not (tmp_path / "deep" / "secret.png").exists()


def test_raster_images_and_pdfs_linked_from_a_page_are_published(content_copy, tmp_path):
    files = {
        "pages/images/map.png": image_bytes("PNG"),
        "pages/images/photo.jpg": image_bytes("JPEG"),
        "pages/images/chart.gif": image_bytes("GIF"),
        "pages/images/scan.webp": image_bytes("WEBP"),
        "pages/images/frame.avif": image_bytes("AVIF"),
        "reports/annual.pdf": ONE_PIXEL_PDF,
    }
    for name, data in files.items():
        (content_copy / name).parent.mkdir(parents=True, exist_ok=True)
        (content_copy / name).write_bytes(data)
    add_page(
        content_copy,
        "![map]({static}images/map.png) ![photo]({attach}images/photo.jpg) ![chart]({static}/pages/images/chart.gif)\n"
        "![scan]({static}images/scan.webp) ![frame]({static}images/frame.avif) "
        "[report]({static}../reports/annual.pdf)",
    )
    output = tmp_path / "output"
    result = build(content_copy, output)
    assert result.returncode == 0, result.stderr
    for name, data in files.items():
        assert (output / name).read_bytes() == data, name
    page = read_page(output, "pages/linked.html")
    linked = [tag.get("src") or tag.get("href") for tag in page.select("main img, main a[href$='.pdf']")]
    assert sorted(os.path.normpath(os.path.join("pages", address)) for address in linked) == sorted(files)


def test_files_static_paths_would_publish_are_checked_like_links(content_copy, tmp_path):
    (content_copy / "pages" / "diagram.svg").write_bytes(b"<svg><script>alert(1)</script></svg>")
    output = tmp_path / "output"
    result = run_pelican(content_copy, output, overrides={"STATIC_PATHS": ["pages"]})
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert (
        f"{shown(content_copy / 'pages' / 'diagram.svg')}:1:1: STATIC_PATHS: 'pages/diagram.svg': {NOT_PUBLISHABLE} "
        "(an SVG can hold scripts that would run on the site's address: convert it to PNG)"
    ) in result.stderr.splitlines()
    assert not output.exists() or not any(output.iterdir())


# 2. Where a page is written: inside the output, at an address nothing else has


ADDRESSES = {
    "a Save_as climbing out": (
        "Save_as: ../escaped.html",
        "Save_as: '../escaped.html' leads outside the output folder",
    ),
    "an absolute Save_as": (
        "Save_as: /tmp/escaped.html",
        "Save_as: '/tmp/escaped.html' is absolute: a page is written at a path inside the output folder",
    ),
    "a Slug climbing out": ("Slug: ../../escaped", "Slug: 'pages/../../escaped.html' leads outside the output folder"),
    "a Save_as naming the feed": (
        "Save_as: feeds/changes.atom.xml",
        "Save_as: 'feeds/changes.atom.xml' does not end in .html: a page is written as an HTML file",
    ),
    "a Save_as naming a host's redirects file": (
        "Save_as: _redirects",
        "Save_as: '_redirects' does not end in .html: a page is written as an HTML file",
    ),
    "a Save_as in a hidden folder": (
        "Save_as: .well-known/page.html",
        "Save_as: '.well-known/page.html': a hidden file or folder (a name starting with a dot) is never written",
    ),
    "a URL to another site": (
        "URL: https://example.org/page.html",
        "URL: 'https://example.org/page.html' is not a path inside the site",
    ),
    "a URL climbing out": ("URL: ../../page.html", "URL: '../../page.html' leads outside the output folder"),
}


@pytest.mark.parametrize("case", ADDRESSES, ids=list(ADDRESSES))
def test_a_page_address_outside_the_output_or_not_a_page_fails_the_build(case, content_copy, tmp_path, built_site):
    line, message = ADDRESSES[case]
    page = add_page(content_copy, "Words.", head=f"Title: Elsewhere\n{line}\n")
    output = last_good_build(built_site, tmp_path)
    assert_refused(content_copy, output, f"{shown(page)}:2:1: {message}")
    assert not (tmp_path / "escaped.html").exists() and not Path("/tmp/escaped.html").exists()


def test_pelican_itself_reports_an_address_outside_the_output_in_one_line(content_copy, tmp_path):
    page = add_page(content_copy, "Words.", head="Title: Elsewhere\nSave_as: ../escaped.html\n")
    result = run_pelican(content_copy, tmp_path / "output")
    assert result.returncode == 1, result.stderr
    assert without_desk_warnings(result.stderr) == [
        f"{shown(page)}:2:1: Save_as: '../escaped.html' leads outside the output folder",
        "1 problem found.",
    ]
    assert not (tmp_path / "escaped.html").exists()


CLASHES = {
    "a claim's page": (
        f"Save_as: claims/{CLAIM}.html",
        f"Save_as: 'claims/{CLAIM}.html' is already the page of the claim '{CLAIM}' ({{claim}})",
    ),
    "a claim's page, in other letters": (
        f"Save_as: Claims/{CLAIM.upper()}.html",
        f"Save_as: 'Claims/{CLAIM.upper()}.html' is already the page of the claim '{CLAIM}' ({{claim}})",
    ),
    "the home page": ("Save_as: index.html", "Save_as: 'index.html' is already a page of the fact sheets"),
    "the search index's folder": (
        "Save_as: search/words.html",
        "Save_as: 'search/words.html' lies in search/, the folder of the search index",
    ),
    "the theme's folder": (
        "Save_as: theme/css/page.html",
        "Save_as: 'theme/css/page.html' lies in theme/, the folder of the theme's files",
    ),
    "a name the output keeps": (
        "Save_as: CNAME/page.html",
        "Save_as: 'CNAME/page.html' lies in CNAME/, a name kept from the last output (OUTPUT_RETENTION)",
    ),
    "a page as a folder": (
        "Save_as: index.html/page.html",
        "Save_as: 'index.html/page.html' needs index.html to be a folder, but it is a page of the fact sheets",
    ),
    "another page's slug": (
        "Slug: corrections",
        "Slug: 'pages/corrections.html' is already the address of {corrections}",
    ),
}


@pytest.mark.parametrize("case", CLASHES, ids=list(CLASHES))
def test_a_page_written_where_another_file_is_fails_the_build(case, content_copy, tmp_path, built_site):
    line, message = CLASHES[case]
    page = add_page(content_copy, "Words.", head=f"Title: Taken\n{line}\n")
    output = last_good_build(built_site, tmp_path)
    message = message.format(
        claim=claim_position(content_copy), corrections=shown(content_copy / "pages" / "corrections.md")
    )
    assert_refused(content_copy, output, f"{shown(page)}:2:1: {message} (every file of the output has one owner)")


def test_a_linked_image_named_like_a_share_card_fails_the_build(content_copy, tmp_path, built_site):
    (content_copy / "claims").mkdir()
    (content_copy / "claims" / f"{CLAIM}.png").write_bytes(image_bytes("PNG"))
    (content_copy / "pages" / f"{CLAIM}.png").write_bytes(image_bytes("PNG"))
    page = add_page(
        content_copy,
        f"![card]({{static}}../claims/{CLAIM}.png)\n\n![attached]({{attach}}{CLAIM}.png)",
        head="Title: Cards\nSave_as: claims/notes.html\n",
    )
    output = last_good_build(built_site, tmp_path)
    owner = f"already the share card of the claim '{CLAIM}' ({claim_position(content_copy)})"
    assert_refused(
        content_copy,
        output,
        f"{position(page, '{static}')}: {{static}}../claims/{CLAIM}.png: 'claims/{CLAIM}.png' is {owner} "
        "(every file of the output has one owner)",
        f"{position(page, '{attach}')}: {{attach}}{CLAIM}.png: 'claims/{CLAIM}.png' is {owner} "
        "(every file of the output has one owner)",
        "2 problems found.",
    )


def test_pages_whose_addresses_differ_only_in_how_an_accent_is_composed_clash(content_copy, tmp_path, built_site):
    """A Mac's file system takes "café" with a composed é and with e and a combining accent for one name."""
    composed, decomposed = "pages/caf\u00e9.html", "pages/cafe\u0301.html"
    first = content_copy / "pages" / "a-first.md"
    first.write_text(f"Title: First\nSave_as: {composed}\n\nWords.\n", encoding="utf-8")
    second = add_page(content_copy, "Words.", head=f"Title: Second\nSave_as: {decomposed}\n")
    output = last_good_build(built_site, tmp_path)
    assert_refused(
        content_copy,
        output,
        f"{shown(second)}:2:1: Save_as: '{decomposed}' is already the address of {shown(first)} "
        "(every file of the output has one owner)",
    )


def test_a_link_to_a_file_that_leads_to_an_original_publishes_nothing(content_copy, tmp_path, built_site):
    """What a link in the content folder leads to is what would be published: an original behind another name
    (a file linked to it, or a folder linked to the originals' folder) is refused like the original."""
    originals = content_copy / "sources" / "originals"
    originals.mkdir()
    (originals / "statement.pdf").write_bytes(ONE_PIXEL_PDF)
    (content_copy / "pages" / "statement.pdf").symlink_to("../sources/originals/statement.pdf")
    (content_copy / "pages" / "kept").symlink_to("../sources/originals")
    page = add_page(content_copy, "[one]({static}statement.pdf)\n\n[two]({static}kept/statement.pdf)")
    output = last_good_build(built_site, tmp_path)
    assert_refused(
        content_copy,
        output,
        f"{position(page, '{static}statement.pdf')}: {{static}}statement.pdf: 'pages/statement.pdf' is "
        f"{NEVER_PUBLISHED}",
        f"{position(page, '{static}kept')}: {{static}}kept/statement.pdf: 'pages/kept/statement.pdf' is "
        f"{NEVER_PUBLISHED}",
        "2 problems found.",
    )


def test_an_html_page_is_held_to_the_same_addresses(content_copy, tmp_path, built_site):
    page = content_copy / "pages" / "raw.html"
    page.write_text(
        "<html><head><title>Raw</title>\n"
        f'<meta name="save_as" content="claims/{CLAIM}.html">\n'
        "</head><body><p>Words.</p></body></html>\n"
    )
    output = last_good_build(built_site, tmp_path)
    assert_refused(
        content_copy,
        output,
        f"{shown(page)}:2:1: Save_as: 'claims/{CLAIM}.html' is already the page of the claim '{CLAIM}' "
        f"({claim_position(content_copy)}) (every file of the output has one owner)",
    )


# 3. What renders a page


@pytest.mark.parametrize("template", ["claim", "!simple/index"])
def test_a_page_choosing_a_template_not_made_for_pages_fails_the_build(template, content_copy, tmp_path, built_site):
    page = add_page(content_copy, "Words.", head=f"Title: Odd\nTemplate: {template}\n")
    output = last_good_build(built_site, tmp_path)
    assert_refused(
        content_copy,
        output,
        f"{shown(page)}:2:1: Template: '{template}' is not a template for pages "
        "(about, corrections, methodology, page)",
    )


def test_a_page_in_another_format_is_refused_without_being_read(content_copy, tmp_path, built_site):
    """A reStructuredText page is never parsed: its `raw` directive would fetch any address and its `include`
    read any file (an address on the machine, /dev/zero) before any check could refuse the page."""
    requested: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            requested.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<p>fetched by the build</p>")

        def log_message(self, *arguments: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    secret = tmp_path / "secret.txt"
    secret.write_text("a line from outside the content folder")
    page = content_copy / "pages" / "included.rst"
    page.write_text(
        f"Included\n########\n\n:slug: included\n\n.. include:: {secret}\n\n"
        f".. raw:: html\n   :url: http://127.0.0.1:{server.server_port}/from-the-build\n",
        encoding="utf-8",
    )
    output = last_good_build(built_site, tmp_path)
    try:
        assert_refused(
            content_copy,
            output,
            f"{shown(page)}:1:1: only Markdown and HTML pages are published: another format may read files from "
            "elsewhere into the page (reStructuredText's include directive)",
        )
    finally:
        server.shutdown()
    assert requested == []
