"""`factsheets archive`, `accept` and `quote`, against saved pages served from 127.0.0.1 (no internet)."""

from __future__ import annotations

import hashlib
import http.server
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from factsheets.cli import main
from factsheets.pipeline import read_site
from factsheets.problems import ContentError
from factsheets.scaffold import plan_record
from helpers import FIXTURES, read_page, run_pelican

PAGES = FIXTURES / "archive"
NEWS_SENTENCES = [
    "The Harbour Bridge in Millbrook will reopen to traffic on Monday after eight weeks of repairs, "
    "the town council said on Friday.",
    "“The bridge is safe again – and it will stay that way,” said council engineer Priya Natarajan, "
    "who led the inspection of the steel supports.",
    "The repairs cost 1.2 million pounds, according to the council, which said the work finished two weeks "
    "ahead of schedule.",
]
NEWS_BOILERPLATE = ["Weather forecast", "ADVERTISEMENT", "Premium Widget", "SPONSORED", "Copyright", "Related stories"]
PDF_LINES = [
    "Press release of the Millbrook Fire Service.",
    "Crews brought the warehouse fire on Dock Street under control at 3 a.m. on Sunday.",
    "Nobody was injured, and the cause of the fire is under investigation.",
]


def pdf_document(lines: list[str], title: str | None = None) -> bytes:
    """A one-page PDF whose text layer holds lines (no lines: a page with no text, as a scan has)."""
    stream = "BT /F1 11 Tf 72 720 Td 16 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET" if lines else ""
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if title:
        objects.append(f"<< /Title ({title}) /CreationDate (D:20240305120000Z) >>")
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    info = f" /Info {len(objects)} 0 R" if title else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/news/harbour-bridge": (200, "text/html; charset=utf-8", (PAGES / "news.html").read_bytes()),
    "/water-statement": (200, "text/html; charset=utf-8", (PAGES / "cookies.html").read_bytes()),
    "/fire.pdf": (200, "application/pdf", pdf_document(PDF_LINES, "Warehouse fire on Dock Street")),
    "/scan.pdf": (200, "application/pdf", pdf_document([])),
    "/logo.png": (200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
    "/app": (200, "text/html", b"<html><body><div id='root'></div><script src='app.js'></script></body></html>"),
}
REDIRECTS = {"/old-address": "/news/harbour-bridge", "/to-a-file": "file:///etc/passwd"}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        if self.path == "/slow":
            time.sleep(2)
        if self.path in REDIRECTS:
            self.send_response(302)
            self.send_header("Location", REDIRECTS[self.path])
            self.end_headers()
            return
        status, content_type, body = ROUTES.get(self.path, (404, "text/html", b"<h1>Not found</h1>"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments: object) -> None:
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: the slow answer's client has gone when it is written (a broken pipe), and the server's
        threads would print that traceback into whichever test's output is being captured then."""


@pytest.fixture(scope="module")
def web() -> Iterator[str]:
    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def archive(capsys, *arguments: object) -> tuple[int, str, str]:
    """`factsheets archive ARGUMENTS --allow-private`: the test server is on 127.0.0.1, an internal address that
    archive refuses by default (tests/test_archive_safety.py tests the refusals)."""
    status = main(["archive", *map(str, arguments), "--allow-private"])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def new_record(content: Path, source_id: str) -> dict:
    data = yaml.safe_load((content / "factsheets" / "sources.yaml").read_text())
    return next(record for record in data["sources"] if record["id"] == source_id)


def fill_in_publisher(content: Path, source_id: str) -> None:
    sources = content / "factsheets" / "sources.yaml"
    text = sources.read_text()
    start = text.index(f"- id: {source_id}")
    sources.write_text(text[:start] + text[start:].replace("publisher: TODO", "publisher: ukrinform", 1))


def add_figure_quoting(content: Path, source_id: str, quote: str) -> None:
    """An event whose figure quotes the source, added as `factsheets new` adds records."""
    lines = [
        "- id: harbour-bridge-reopening",
        "  title: The harbour bridge reopens",
        "  date: 2023-06-05",
        "  summary: The town council said the bridge would reopen after repairs.",
        f"  sources: [{source_id}]",
        "  figures:",
        "    - id: harbour-bridge-repair-cost",
        "      label: Cost of the repairs",
        "      value: 1.2",
        "      unit: million pounds",
        "      according_to: ukrinform",
        "      quote:",
        f"        text: {quote}",
        f"        source: {source_id}",
    ]
    plan_record("events", "harbour-bridge-reopening", lines, content, "factsheets").write()


def test_a_news_page_is_archived_without_its_navigation_and_ads_and_its_quotes_verify(
    web, content_copy, capsys, tmp_path
):
    status, out, err = archive(capsys, f"{web}/news/harbour-bridge", content_copy, "--id", "courier-bridge")
    assert (status, err) == (0, "")
    text = (content_copy / "sources" / "courier-bridge.txt").read_text()
    for sentence in NEWS_SENTENCES:
        assert sentence in text
    for boilerplate in NEWS_BOILERPLATE:
        assert boilerplate not in text
    original = content_copy / "sources" / "originals" / "courier-bridge.html"
    assert original.read_bytes() == (PAGES / "news.html").read_bytes()
    record = new_record(content_copy, "courier-bridge")
    assert record["title"] == "Harbour bridge to reopen after repairs"
    assert (record["date"], record["language"], record["publisher"]) == ("2023-06-02", "en-GB", "TODO")
    assert record["url"] == "https://courier.example/news/harbour-bridge-reopens"  # the page's canonical address
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["retrieved"])
    assert record["archived_text_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert record["original_sha256"] == hashlib.sha256(original.read_bytes()).hexdigest()
    assert "added the source 'courier-bridge': replace its TODOs (publisher)" in out

    with pytest.raises(ContentError) as raised:  # the publisher is the editor's to fill in
        read_site(content_copy)
    assert [problem.field for problem in raised.value.problems] == ["sources[1].publisher"]

    fill_in_publisher(content_copy, "courier-bridge")
    add_figure_quoting(content_copy, "courier-bridge", '"The repairs cost 1.2 million pounds"')
    site = read_site(content_copy)
    source = next(source for source in site.sources if source.record.id == "courier-bridge")
    assert len(source.quotes) == 1

    output = tmp_path / "output"
    result = run_pelican(content_copy, output)
    assert result.returncode == 0, result.stderr
    page = read_page(output, "sources/courier-bridge.html")
    facts = {
        dt.get_text(strip=True): dd
        for dt, dd in zip(page.select("dl.facts dt"), page.select("dl.facts dd"), strict=True)
    }
    assert facts["Original"].a["href"] == "https://courier.example/news/harbour-bridge-reopens"
    web_archive = facts["Web archive"].a["href"]
    assert web_archive == (
        f"https://web.archive.org/web/{re.sub(r'[-T:Z]', '', record['retrieved'])}/"
        "https://courier.example/news/harbour-bridge-reopens"
    )
    archived = " ".join(facts["Archived"].get_text().split())
    assert re.fullmatch(r"\d+ \w+ \d{4} at \d\d:\d\d UTC, from https://courier\.example/\S+", archived)
    assert record["archived_text_sha256"] in facts["SHA-256 of the archived text"].get_text()
    assert record["original_sha256"] in facts["SHA-256 of the original"].get_text()


def test_a_cookie_banner_is_left_out(web, content_copy, capsys):
    status, _, err = archive(capsys, f"{web}/water-statement", content_copy)
    assert (status, err) == (0, "")
    text = (content_copy / "sources" / "127-0-0-1-2024-03-05.txt").read_text()
    assert "supply to the northern district had been restored after a burst main." in text
    assert "run their taps for two minutes before calling the helpline." in text
    for boilerplate in ["cookies", "Accept all", "Press office", "Reservoir Road"]:
        assert boilerplate not in text


def test_a_redirect_is_followed(web, content_copy, capsys):
    status, _, err = archive(capsys, f"{web}/old-address", content_copy, "--id", "moved")
    assert (status, err) == (0, "")
    assert NEWS_SENTENCES[0] in (content_copy / "sources" / "moved.txt").read_text()


def test_a_pdf_is_archived_from_its_text_layer(web, content_copy, capsys):
    status, out, err = archive(capsys, f"{web}/fire.pdf", content_copy, "--id", "fire-service")
    assert (status, err) == (0, ""), out
    text = (content_copy / "sources" / "fire-service.txt").read_text()
    for line in PDF_LINES:
        assert line in text
    assert (content_copy / "sources" / "originals" / "fire-service.pdf").read_bytes() == ROUTES["/fire.pdf"][2]
    record = new_record(content_copy, "fire-service")
    assert (record["title"], record["date"], record["language"]) == (
        "Warehouse fire on Dock Street",
        "2024-03-05",
        "TODO",
    )


def test_a_saved_page_is_archived_as_a_url_is(content_copy, capsys):
    status, _, err = archive(capsys, PAGES / "news.html", content_copy)
    assert (status, err) == (0, "")
    assert NEWS_SENTENCES[1] in (content_copy / "sources" / "news.txt").read_text()
    assert new_record(content_copy, "news")["original"] == "sources/originals/news.html"


@pytest.mark.parametrize(
    ("path", "arguments", "message"),
    [
        ("/missing", [], "the server answered 404 Not Found"),
        ("/slow", ["--timeout", "0.5"], "no answer from 127.0.0.1 within 0.5 seconds"),
        ("/logo.png", [], "neither a web page nor a PDF (the server says it is image/png)"),
        ("/app", [], "no main text found"),
        ("/scan.pdf", [], "the PDF has no text layer (a scanned document?)"),
        ("/to-a-file", [], "redirects to 'file:///etc/passwd', which is refused"),
        ("/news/harbour-bridge", ["--id", "ukrinform-2024-01-31"], "already exists: choose another id with --id"),
        ("/news/harbour-bridge", ["--id", "ukrinform"], "id 'ukrinform' is already used by the actor"),
        ("/news/harbour-bridge", ["--id", "../evil"], "--id '../evil': not a safe id"),
    ],
)
def test_a_failure_is_one_line_and_writes_nothing(web, content_copy, capsys, path, arguments, message):
    before = snapshot(content_copy)
    status, out, err = archive(capsys, f"{web}{path}", content_copy, *arguments)
    assert status == 1
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert snapshot(content_copy) == before


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://user:secret@127.0.0.1:9/page", "may not carry a user name or password"),
        ("ftp://127.0.0.1/file.html", "only http:// and https:// URLs are allowed"),
        ("http://127.0.0.1:9/\x1b[2Jpage", "may not contain spaces, control characters"),
        ("http://127.0.0.1:9/page", "127.0.0.1 cannot be reached"),
    ],
)
def test_an_address_refused_or_unreachable_writes_nothing(content_copy, capsys, address, message):
    before = snapshot(content_copy)
    status, _, err = archive(capsys, address, content_copy)
    assert (status, message in err, "\x1b" in err) == (1, True, False)
    assert snapshot(content_copy) == before


def test_a_sources_folder_linking_outside_the_content_is_not_written_through(content_copy, capsys, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (content_copy / "sources" / "originals").symlink_to(outside)
    before = snapshot(content_copy)
    status, _, err = archive(capsys, PAGES / "news.html", content_copy)
    assert status == 1 and "links outside the content folder" in err
    assert snapshot(content_copy) == before and not any(outside.iterdir())


def test_an_edited_archive_fails_the_build_until_the_correction_is_accepted(content_copy, capsys):
    assert archive(capsys, PAGES / "news.html", content_copy, "--id", "courier")[0] == 0
    fill_in_publisher(content_copy, "courier")
    read_site(content_copy)
    text = content_copy / "sources" / "courier.txt"
    text.write_text(text.read_text().replace("1.2 million", "1.3 million"))

    with pytest.raises(ContentError) as raised:
        read_site(content_copy)
    [problem] = raised.value.problems
    assert problem.field == "sources[1].archived_text_sha256"
    assert "'sources/courier.txt' has changed since it was archived" in problem.message
    assert "factsheets accept courier --change" in problem.hint

    before = snapshot(content_copy)
    assert main(["accept", "courier", str(content_copy)]) == 1  # a correction says what it corrects
    assert "--change 'what was corrected'" in capsys.readouterr().err
    assert snapshot(content_copy) == before

    assert main(["accept", "courier", str(content_copy), "--change", "Corrected the cost: 1.3 million."]) == 0
    assert "recorded archived_text_sha256, and a line in its changelog" in capsys.readouterr().out
    record = new_record(content_copy, "courier")
    assert record["archived_text_sha256"] == hashlib.sha256(text.read_bytes()).hexdigest()
    assert record["changelog"][-1]["change"] == "Corrected the cost: 1.3 million."
    read_site(content_copy)
    assert main(["accept", "courier", str(content_copy)]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_an_edited_original_fails_the_build_too(content_copy, capsys):
    assert archive(capsys, PAGES / "news.html", content_copy, "--id", "courier")[0] == 0
    fill_in_publisher(content_copy, "courier")
    (content_copy / "sources" / "originals" / "courier.html").write_text("<p>rewritten</p>")
    with pytest.raises(ContentError) as raised:
        read_site(content_copy)
    assert [problem.field for problem in raised.value.problems] == ["sources[1].original_sha256"]


def test_accept_records_the_digests_of_a_source_that_has_none(content_copy, capsys):
    sources = content_copy / "factsheets" / "sources.yaml"
    assert main(["accept", "ukrinform-2024-01-31", str(content_copy)]) == 0
    record = new_record(content_copy, "ukrinform-2024-01-31")
    digest = hashlib.sha256((content_copy / "sources" / "ukrinform-2024-01-31.txt").read_bytes()).hexdigest()
    assert record["archived_text_sha256"] == digest
    assert len(record["changelog"]) == 1  # nothing was corrected: no changelog line
    assert f"    archived_text: sources/ukrinform-2024-01-31.txt\n    archived_text_sha256: {digest}\n" in (
        sources.read_text()
    )
    read_site(content_copy)


@pytest.mark.parametrize(
    ("typed", "exact"),
    [
        (
            '"The bridge is safe again - and it will stay that way," said council engineer Priya Natarajan',
            "“The bridge is safe again – and it will stay that way,” said council engineer Priya Natarajan",
        ),
        (
            "the repairs  cost 1.2 million pounds, according to the town council",
            "The repairs cost 1.2 million pounds, according to the council",
        ),
    ],
)
def test_the_quote_finder_gives_the_exact_passage_for_loosely_retyped_words(content_copy, capsys, typed, exact):
    assert archive(capsys, PAGES / "news.html", content_copy, "--id", "courier")[0] == 0
    assert main(["quote", "courier", typed, str(content_copy)]) == 0
    where, paste = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r".*sources/courier\.txt:\d+: \d+% alike; paste:", where)
    assert yaml.safe_load(paste) == {"text": exact}
    line = int(where.split(":")[1])
    assert exact.split()[0] in (content_copy / "sources" / "courier.txt").read_text().splitlines()[line - 1]


def test_the_quote_finder_says_when_nothing_is_alike(content_copy, capsys):
    assert main(["quote", "ukrinform-2024-01-31", "zebras crossed the frozen lake at dawn", str(content_copy)]) == 1
    assert "nothing in sources/ukrinform-2024-01-31.txt is even half like those words" in capsys.readouterr().err
