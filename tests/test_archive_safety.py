"""`factsheets archive` against hostile addresses, servers and PDFs: internal addresses refused after the name is
looked up and at every redirect, the connection made to the address checked, --timeout bounding the whole fetch,
proxies from the environment not used, and a PDF's text read within bounds whatever its page count. Every refusal
is one line and writes nothing. The servers run in threads on 127.0.0.1 and 127.0.0.2 (no internet)."""

from __future__ import annotations

import gzip
import http.server
import ipaddress
import socket
import ssl
import subprocess
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pypdf
import pytest
from test_archive import NEWS_SENTENCES, PAGES, snapshot

from factsheets import archive as archive_module
from factsheets.cli import main
from factsheets.verify import MAX_ARCHIVED_TEXT_BYTES

NEWS = (PAGES / "news.html").read_bytes()
REBOUND = NEWS.replace(b"Harbour Bridge", b"Rebound Bridge")
TRICKLE_SECONDS = 0.3
"""The trickling server's pause between bytes: well under --timeout, so a timeout that restarts at every byte never
fires, and 60 bytes of it (18 s) well over three times --timeout."""


class Handler(http.server.BaseHTTPRequestHandler):
    """The news page, redirects (Location from the server's `redirects`), and answers trickled a byte at a time;
    every request's Host header and path is noted in the server's `seen`."""

    server: Server

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.server.seen.append((self.headers.get("Host"), self.path))
        if self.path in self.server.redirects:
            self.send_response(302)
            self.send_header("Location", self.server.redirects[self.path])
            self.end_headers()
        elif self.path == "/trickle-headers":
            self.trickle(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok")
        elif self.path == "/trickle-body":
            body = NEWS[:60]
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            self.trickle(body)
        else:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(self.server.page)))
            self.end_headers()
            self.wfile.write(self.server.page)

    def trickle(self, data: bytes) -> None:
        for index in range(len(data)):
            self.wfile.write(data[index : index + 1])
            self.wfile.flush()
            time.sleep(TRICKLE_SECONDS)

    def log_message(self, *arguments: object) -> None:
        pass


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True

    def __init__(self, address: str, page: bytes = NEWS) -> None:
        super().__init__((address, 0), Handler)
        self.page, self.redirects, self.seen = page, {}, []

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: a trickled answer's client has gone when it is written (a broken pipe)."""

    @property
    def port(self) -> int:
        return self.server_address[1]


def serving(address: str, page: bytes = NEWS) -> Iterator[Server]:
    server = Server(address, page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def news() -> Iterator[Server]:
    """The news site, on 127.0.0.1."""
    yield from serving("127.0.0.1")


@pytest.fixture(scope="module")
def rebound() -> Iterator[Server]:
    """Another site on 127.0.0.2, where a rebinding DNS server or a redirect would send the download."""
    yield from serving("127.0.0.2", REBOUND)


@pytest.fixture
def loopback_is_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """127.0.0.1 taken for a public address, as a news site's would be, so that the refusals of the other internal
    addresses can be seen at a redirect or a second lookup (everything else is checked as it is)."""
    check = archive_module.internal_address_kind
    monkeypatch.setattr(
        archive_module,
        "internal_address_kind",
        lambda address: None if address == ipaddress.ip_address("127.0.0.1") else check(address),
    )


def resolver(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    """socket.getaddrinfo answering for the names in answers (each lookup of a name takes the next of its addresses,
    the last one repeated), other names as before; returns the names looked up, in order."""
    real = socket.getaddrinfo
    looked_up: list[str] = []

    def getaddrinfo(host, port, *arguments, **keywords):  # noqa: ANN001, ANN202 (socket's signature)
        if host not in answers:
            return real(host, port, *arguments, **keywords)
        turn = sum(name == host for name in looked_up)
        looked_up.append(host)
        address = answers[host][min(turn, len(answers[host]) - 1)]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up


def archive(capsys: pytest.CaptureFixture, *arguments: object) -> tuple[int, str, str]:
    status = main(["archive", *map(str, arguments)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_refused(content: Path, before: dict[str, bytes], status: int, err: str, *messages: str) -> None:
    assert status == 1, err
    for message in messages:
        assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert snapshot(content) == before


# Internal addresses.


@pytest.mark.parametrize(
    ("host", "refused"),
    [
        ("127.0.0.1", "127.0.0.1 is a loopback address"),
        ("localhost", "localhost resolves to 127.0.0.1, a loopback address"),
        ("2130706433", "2130706433 resolves to 127.0.0.1, a loopback address"),
        ("0x7f.1", "0x7f.1 resolves to 127.0.0.1, a loopback address"),
        ("127.1", "127.1 resolves to 127.0.0.1, a loopback address"),
        ("0", "0 resolves to 0.0.0.0, an unspecified address"),
        ("[::1]", "::1 is a loopback address"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1 is a loopback address (it reaches 127.0.0.1)"),
        ("[::ffff:7f00:1]", "::ffff:7f00:1 is a loopback address (it reaches 127.0.0.1)"),
        ("[2002:7f00:1::]", "2002:7f00:1:: is a loopback address (it reaches 127.0.0.1)"),
        ("[64:ff9b::7f00:1]", "64:ff9b::7f00:1 is a loopback address (it reaches 127.0.0.1)"),
        ("[::7f00:1]", "::7f00:1 is a reserved address"),
        ("169.254.169.254", "169.254.169.254 is a link-local address"),
        ("[fd00:ec2::254]", "fd00:ec2::254 is a private (unique local) address"),
        ("[fe80::1]", "fe80::1 is a link-local address"),
        ("[fec0::1]", "fec0::1 is a site-local address"),
        ("10.1.2.3", "10.1.2.3 is a private address"),
        ("192.168.0.1", "192.168.0.1 is a private address"),
        ("100.64.0.1", "100.64.0.1 is a shared (carrier-grade NAT) address"),
        ("224.0.1.1", "224.0.1.1 is a multicast address"),
        ("[ff0e::1]", "ff0e::1 is a multicast address"),
        ("240.0.0.1", "240.0.0.1 is a reserved address"),
        ("[::]", ":: is an unspecified address"),
    ],
)
def test_an_internal_address_is_refused_and_nothing_is_written(news, content_copy, capsys, host, refused):
    before = snapshot(content_copy)
    status, _, err = archive(capsys, f"http://{host}:{news.port}/news/harbour-bridge", content_copy, "--timeout", "2")
    assert_refused(content_copy, before, status, err, refused, "not a public one: refused", "--allow-private")


def test_a_name_resolving_to_an_internal_address_is_refused(news, content_copy, capsys, monkeypatch):
    resolver(monkeypatch, {"courier.example": ["10.0.0.7"]})
    before = snapshot(content_copy)
    status, _, err = archive(capsys, "http://courier.example/news", content_copy, "--timeout", "2")
    assert_refused(content_copy, before, status, err, "courier.example resolves to 10.0.0.7, a private address")


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("2002:808:808::1", None),  # 6to4 of a public address
        ("64:ff9b::808:808", None),  # NAT64 of a public address, as DNS64 gives on an IPv6-only network
        ("::ffff:8.8.8.8", None),
        ("0.1.2.3", "unspecified"),
        ("127.255.255.254", "loopback"),
        ("198.18.0.1", "benchmarking"),
        ("192.0.0.170", "IETF protocol"),
        ("192.0.0.192", "IETF protocol"),  # Oracle Cloud's metadata service: "global" to Python 3.11
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("255.255.255.255", "reserved"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "IETF protocol"),  # Teredo
        ("2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("64:ff9b:1::a00:1", "local NAT64"),
        ("fd00:ec2::254", "private (unique local)"),
    ],
)
def test_the_address_check_reads_addresses_hidden_in_other_addresses(address, kind):
    assert archive_module.internal_address_kind(ipaddress.ip_address(address)) == kind


def test_a_redirect_to_an_internal_address_is_refused_at_that_hop(
    news, rebound, content_copy, capsys, loopback_is_public
):
    news.redirects.update(
        {
            "/to-metadata": "http://169.254.169.254/latest/meta-data/",
            "/to-another-loopback": f"http://127.0.0.2:{rebound.port}/news/harbour-bridge",
            "/to-localhost": f"http://localhost:{rebound.port}/news/harbour-bridge",
        }
    )
    before = snapshot(content_copy)
    for path, refused in [
        ("/to-metadata", "169.254.169.254 is a link-local address"),
        ("/to-another-loopback", "127.0.0.2 is a loopback address"),
    ]:
        status, _, err = archive(capsys, f"http://127.0.0.1:{news.port}{path}", content_copy, "--timeout", "2")
        assert_refused(content_copy, before, status, err, f"{path} redirects to http://", refused, "--allow-private")
    assert rebound.seen == []

    status, _, err = archive(
        capsys, f"http://127.0.0.1:{news.port}/to-another-loopback", content_copy, "--allow-private", "--id", "moved"
    )
    assert (status, err) == (0, "")  # the switch allows internal addresses at every hop
    assert "Rebound Bridge" in (content_copy / "sources" / "moved.txt").read_text()


def test_the_connection_goes_to_the_address_checked_with_the_name_as_host(
    news, rebound, content_copy, capsys, monkeypatch, loopback_is_public
):
    """A rebinding DNS server answers a public address to the check and an internal one to the connection: the
    name is looked up once, and the download comes from the address checked, asked for by its name."""
    looked_up = resolver(monkeypatch, {"courier.example": ["127.0.0.1", "127.0.0.2"]})
    news.seen.clear()
    rebound.seen.clear()
    status, _, err = archive(capsys, f"http://courier.example:{news.port}/news/harbour-bridge", content_copy)
    assert (status, err) == (0, "")
    assert looked_up == ["courier.example"]
    assert news.seen == [(f"courier.example:{news.port}", "/news/harbour-bridge")]
    assert rebound.seen == []
    assert NEWS_SENTENCES[0] in (content_copy / "sources" / "courier-example-2023-06-02.txt").read_text()


@pytest.fixture(scope="module")
def tls_certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed certificate (and its key, in the same file) for courier.example only."""
    folder = tmp_path_factory.mktemp("tls")
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=courier.example",
         "-addext", "subjectAltName=DNS:courier.example", "-keyout", folder / "key.pem", "-out", folder / "cert.pem"],
        capture_output=True,
    )  # fmt: skip
    if made.returncode != 0:
        pytest.skip(f"openssl cannot make a certificate here: {made.stderr.decode().strip()}")
    (folder / "both.pem").write_bytes((folder / "cert.pem").read_bytes() + (folder / "key.pem").read_bytes())
    return folder / "both.pem"


def test_https_to_the_address_checked_sends_the_name_for_sni_and_checks_the_certificate_against_it(
    content_copy, capsys, monkeypatch, tls_certificate, loopback_is_public
):
    names_asked: list[str | None] = []
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tls_certificate)
    server_context.sni_callback = lambda connection, name, context: names_asked.append(name)
    client_context = ssl.create_default_context(cafile=tls_certificate)
    monkeypatch.setattr(archive_module, "tls_context", lambda: client_context)
    for server in serving("127.0.0.1"):
        server.socket = server_context.wrap_socket(server.socket, server_side=True)
        resolver(monkeypatch, {"courier.example": ["127.0.0.1"], "other.example": ["127.0.0.1"]})
        status, _, err = archive(capsys, f"https://courier.example:{server.port}/news", content_copy, "--id", "tls")
        assert (status, err) == (0, "")
        assert names_asked == ["courier.example"]
        assert server.seen == [(f"courier.example:{server.port}", "/news")]

        before = snapshot(content_copy)
        status, _, err = archive(capsys, f"https://other.example:{server.port}/news", content_copy, "--id", "other")
        assert_refused(
            content_copy, before, status, err, "other.example cannot be reached", "certificate verify failed"
        )


def test_proxies_from_the_environment_are_not_used(news, content_copy, capsys, monkeypatch):
    """A proxy would connect to an address that was never checked."""
    for proxy in serving("127.0.0.2", b"<p>the proxy's page</p>"):
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "all_proxy"):
            monkeypatch.setenv(name, f"http://127.0.0.2:{proxy.port}/")
        for name in ("no_proxy", "NO_PROXY"):
            monkeypatch.delenv(name, raising=False)
        status, _, err = archive(
            capsys, f"http://127.0.0.1:{news.port}/news/harbour-bridge", content_copy, "--allow-private"
        )
        assert (status, err) == (0, "")
        assert proxy.seen == []


# The deadline.


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/trickle-headers", "no answer from 127.0.0.1 within 1.5 seconds"),
        ("/trickle-body", "127.0.0.1 sent only "),
    ],
)
def test_a_server_trickling_a_byte_at_a_time_is_given_up_at_the_timeout(news, content_copy, capsys, path, message):
    before = snapshot(content_copy)
    started = time.monotonic()
    status, _, err = archive(
        capsys, f"http://127.0.0.1:{news.port}{path}", content_copy, "--allow-private", "--timeout", "1.5"
    )
    elapsed = time.monotonic() - started
    assert_refused(content_copy, before, status, err, message, "within 1.5 seconds")
    assert elapsed < 1.5 * 3


def test_a_name_lookup_that_hangs_is_given_up_at_the_timeout(content_copy, capsys, monkeypatch):
    real = socket.getaddrinfo

    def hanging(host, *arguments, **keywords):  # noqa: ANN001, ANN202 (socket's signature)
        if host == "slow-dns.example":
            time.sleep(8)
            host = "127.0.0.1"
        return real(host, *arguments, **keywords)

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    before = snapshot(content_copy)
    started = time.monotonic()
    status, _, err = archive(capsys, "http://slow-dns.example:9/page", content_copy, "--timeout", "1")
    assert_refused(content_copy, before, status, err, "no answer from slow-dns.example within 1 seconds")
    assert time.monotonic() - started < 3


# PDFs.


PAGE_RESOURCES = b"/Resources << /Font << /F1 3 0 R >> >> >>"


def shared_stream_pdf(pages: int, stream: bytes) -> bytes:
    """A PDF of pages pages that all show one content stream, compressed (a few KB for megabytes of stream)."""
    compressed = zlib.compress(stream, 9)
    kids = " ".join(f"{5 + index} 0 R" for index in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(compressed)} /Filter /FlateDecode >>\nstream\n".encode() + compressed + b"\nendstream",
        *[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R " + PAGE_RESOURCES] * pages,
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


TEXT_LINE = b"BT /F1 11 Tf 72 720 Td (" + b"The harbour bridge will reopen on Monday. " * 100 + b") Tj ET\n"
DRAWING_LINE = b"% " + b"a drawing's path, here a comment that the parser reads past " * 20 + b"\n"
TWO_MB = 2_000_000


def counting_pages(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """pypdf's extract_text, counted: the list grows by one for each page whose text is read."""
    read: list[int] = []
    extract_text: Callable = pypdf.PageObject.extract_text

    def counted(page, *arguments, **keywords):  # noqa: ANN001, ANN202
        read.append(1)
        return extract_text(page, *arguments, **keywords)

    monkeypatch.setattr(pypdf.PageObject, "extract_text", counted)
    return read


@pytest.mark.parametrize(
    ("stream", "message", "pages_read"),
    [
        (
            TEXT_LINE * (TWO_MB // len(TEXT_LINE)),
            f"its text is over {MAX_ARCHIVED_TEXT_BYTES:,} bytes by page 2 of 20",
            2,
        ),
        (
            DRAWING_LINE * (TWO_MB // len(DRAWING_LINE)),
            "its pages' content is over 8,388,608 bytes by page 5 of 20",
            4,
        ),
    ],
)
def test_a_pdf_whose_pages_share_one_huge_content_stream_is_refused_early(
    content_copy, capsys, monkeypatch, tmp_path, stream, message, pages_read
):
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(shared_stream_pdf(20, stream))
    assert bomb.stat().st_size < 60_000
    read = counting_pages(monkeypatch)
    before = snapshot(content_copy)
    status, _, err = archive(capsys, bomb, content_copy)
    assert_refused(content_copy, before, status, err, f"bomb.pdf: {message}")
    assert len(read) <= pages_read


def test_reading_a_pdfs_text_stops_at_its_deadline(content_copy, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(archive_module, "PDF_EXTRACTION_SECONDS", 0.01)
    bomb = tmp_path / "slow.pdf"
    bomb.write_bytes(shared_stream_pdf(20, TEXT_LINE * (TWO_MB // len(TEXT_LINE))))
    read = counting_pages(monkeypatch)
    before = snapshot(content_copy)
    status, _, err = archive(capsys, bomb, content_copy)
    assert_refused(
        content_copy, before, status, err, "slow.pdf: reading its text took over 0.01 seconds by page 1 of 20"
    )
    assert len(read) <= 1


def test_a_web_page_too_big_to_be_one_article_is_refused_before_it_is_parsed(content_copy, capsys, tmp_path):
    """trafilatura takes time that grows faster than the page: 3 s for 2 MB of paragraphs, minutes for 20 MB."""
    page = tmp_path / "huge.html"
    paragraph = b"<p>The harbour bridge will reopen on Monday after eight weeks of repairs.</p>\n"
    page.write_bytes(b"<html><body><article>" + paragraph * (5_600_000 // len(paragraph)) + b"</article></body></html>")
    before = snapshot(content_copy)
    status, _, err = archive(capsys, page, content_copy)
    assert_refused(content_copy, before, status, err, "huge.html: a web page of 5,5", "over the 5,242,880 bytes")


def test_a_saved_web_page_that_is_compressed_is_refused_before_it_is_decompressed(content_copy, capsys, tmp_path):
    """A gzip of 19 MB of paragraphs weighs 2.4 MB, under the page's limit: trafilatura would decompress it (up to
    its own 20 MB) and then take minutes over it."""
    page = tmp_path / "packed.html"
    paragraph = b"<p>The harbour bridge will reopen on Monday after eight weeks of repairs.</p>\n"
    page.write_bytes(gzip.compress(b"<html><body>" + paragraph * (19_000_000 // len(paragraph)) + b"</body></html>"))
    assert page.stat().st_size < archive_module.MAX_HTML_BYTES
    before = snapshot(content_copy)
    status, _, err = archive(capsys, page, content_copy)
    assert_refused(content_copy, before, status, err, "packed.html: gzip-compressed data, not a web page's HTML")


def test_an_answer_the_server_compresses_is_refused(content_copy, capsys):
    """Asked for the document as it is (Accept-Encoding: identity), a server that sends it gzipped anyway is
    refused: its size on the wire says nothing of its size once decompressed."""
    body = gzip.compress(NEWS)

    class Gzipping(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *arguments: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gzipping)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        before = snapshot(content_copy)
        url = f"http://127.0.0.1:{server.server_address[1]}/news"
        status, _, err = archive(capsys, url, content_copy, "--allow-private")
    finally:
        server.shutdown()
        server.server_close()
    assert_refused(content_copy, before, status, err, f"{url}: the server sends its answer gzip-encoded")
