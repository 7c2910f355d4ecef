"""`factsheets archive` and `factsheets accept`: a source's text archived in one command, and kept tamper-evident.

`archive` fetches a web page or PDF from a public address (or reads a saved .html, .pdf or .txt file),
extracts its main text (trafilatura for HTML, which leaves out navigation, advertisements and cookie banners;
pypdf for a PDF's text layer), normalises it (Unicode NFC, one kind of line break) and writes, inside the content folder
only: the text as sources/<id>.txt, the original bytes as sources/originals/<id>.<ext>, and a `sources:`
record added as text to the fact-sheet file (as `factsheets new` adds one), with what the document says
about itself, the retrieval time and the SHA-256 of both files. Whatever the document does not say (the
publisher's actor id, always) is TODO, which the check refuses until an editor fills it in. Everything is
worked out before anything is written: on any failure nothing is.

`accept` records the digests of files changed on purpose (a corrected archive), with a changelog line, or
records the digests of a source that has none yet.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import http.client
import io
import ipaddress
import logging
import os
import re
import socket
import ssl
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml
from pydantic import ValidationError

from . import models
from .load import display_path, find_factsheet_files, load_file, read_file_bytes
from .problems import printable
from .scaffold import INDENT, Added, PlannedRecord, ScaffoldRefused, lies_in, plan_record
from .verify import (
    ARCHIVED_TEXT_CONTROLS,
    MAX_ARCHIVED_TEXT_BYTES,
    ArchivedText,
    fold,
    original_digest,
    read_archived_text,
)

SOURCES_FOLDER = "sources"
ORIGINALS_FOLDER = "sources/originals"
ACCEPTED_CHANGE_KIND = "update"
"""The kind of the changelog line `factsheets accept` writes: the source's archived copy changed on purpose (the
publisher corrected its text, or the copy was taken again): new information, with nothing the desk got wrong."""
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
"""A news page is well under a megabyte and a press release's PDF a few: more is not one article."""
DEFAULT_TIMEOUT = 30.0
MAX_REDIRECTS = 5
MAX_HTML_BYTES = 5 * 1024 * 1024
"""A web page's size at most for its text to be extracted: trafilatura's time grows faster than the page (3 s for
2 MB of paragraphs, minutes for 20 MB), and an article's page, scripts and styles included, is well under this."""
MAX_PDF_CONTENT_BYTES = 8 * 1024 * 1024
"""The page content a PDF's text is read from, at most, counted again for each page that shows it (one stream that
20 pages share is read 20 times): a press release's pages hold a few hundred KB, and pypdf takes about half a
second a megabyte to parse it. Also the most pypdf may decompress from one stream."""
PDF_EXTRACTION_SECONDS = 30.0
"""Reading a PDF's text stops after this long, checked at every operation of its pages."""
MIN_WORDS = 10
"""Fewer words than this extracted from a page is not its main text (a consent wall, a page built by script)."""
MAX_TITLE_CHARS = 300
USER_AGENT = "factsheets-archive/0.1 (+a fact-sheet desk archiving a source it quotes)"
REQUEST_HEADERS = {"User-Agent": USER_AGENT, "Accept": "text/html, application/pdf", "Accept-Encoding": "identity"}
"""The document as it is: a compressed answer would be decompressed past every limit on its size."""
KINDS = {".html": "html", ".htm": "html", ".pdf": "pdf", ".txt": "txt"}
EXTENSIONS = {"html": "html", "pdf": "pdf", "txt": "txt"}


class ArchiveRefused(Exception):
    """The source cannot be archived (or the correction accepted) as asked: the message says why. Nothing was
    written."""


@dataclass(frozen=True)
class Retrieved:
    """A document's bytes as fetched or read, what kind it is, and where it came from."""

    data: bytes
    kind: str
    url: str | None
    name: str


@dataclass(frozen=True)
class Extracted:
    """The main text of a document and what it says about itself (None where it says nothing)."""

    text: str
    title: str | None = None
    date: str | None = None
    language: str | None = None
    url: str | None = None
    publisher_name: str | None = None


@dataclass(frozen=True)
class Archived:
    """What `archive` wrote."""

    source_id: str
    record: Added
    text_path: Path
    original_path: Path
    placeholders: list[str]


# Getting the document.


def retrieve(what: str, timeout: float = DEFAULT_TIMEOUT, allow_private: bool = False) -> Retrieved:
    """The document at what: an http(s) URL, or a saved .html, .pdf or .txt file."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", what):
        return fetch(what, timeout, allow_private)
    return read_saved(Path(what))


def read_saved(path: Path) -> Retrieved:
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise ArchiveRefused(f"{display_path(path)}: not a saved web page, PDF or text (.html, .htm, .pdf or .txt)")
    try:
        if path.stat().st_size > MAX_DOWNLOAD_BYTES:
            raise ArchiveRefused(f"{display_path(path)}: over {MAX_DOWNLOAD_BYTES:,} bytes: not one article")
        data = read_file_bytes(path)
    except OSError as error:
        raise ArchiveRefused(f"{display_path(path)}: cannot be read: {error.strerror or error}") from None
    if kind == "pdf" and not data.startswith(b"%PDF-"):
        raise ArchiveRefused(f"{display_path(path)}: named .pdf, but is not a PDF")
    return Retrieved(data, kind, None, path.name)


NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")
"""The well-known NAT64 prefix (RFC 6052): an IPv6-only network reaches the IPv4 address in its last 32 bits."""


NOT_PUBLIC_NETWORKS = tuple(
    (ipaddress.ip_network(network), kind)
    for network, kind in (
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared (carrier-grade NAT)"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol"),  # 192.0.0.192: Oracle Cloud's metadata service
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "6to4 relay"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "local NAT64"),
        ("100::/64", "discard"),
        ("2001::/23", "IETF protocol"),  # Teredo (2001::/32) among them
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("5f00::/16", "segment routing"),
        ("fc00::/7", "private (unique local)"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
)
"""IANA's special-purpose ranges that are not globally reachable, listed here rather than taken from the
interpreter's `ipaddress` tables, which differ between Python releases (3.11 counts 192.0.0.192, a cloud
metadata address, as global)."""


def internal_address_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """What makes address one of a machine's or a network's own (loopback, private, link-local where cloud metadata
    services answer, ...), in a word for the message; None for a public address. An IPv6 address that carries an
    IPv4 one (IPv4-mapped, 6to4, NAT64) is judged by the IPv4 address it reaches, which Python's `is_global`
    does not do."""
    carried = _carried_ipv4(address)
    if carried is not None:
        return internal_address_kind(carried)
    for network, kind in NOT_PUBLIC_NETWORKS:
        if address.version == network.version and address in network:
            return kind
    for kind, is_kind in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("site-local", getattr(address, "is_site_local", False)),
    ):
        if is_kind:
            return kind
    return None if address.is_global else "non-public"


def _carried_ipv4(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address reaches (IPv4-mapped, 6to4, NAT64), or None."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return address.ipv4_mapped or address.sixtofour


class _Deadline:
    """The moment a whole fetch must be over (name lookups, connections, TLS handshakes, headers and bodies of every
    redirect): each step that waits is given only the time left."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        """The seconds left, or TimeoutError when there are none."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


class _WaitsOnlyUntilTheDeadline:
    """A socket whose every read and write waits only for the time left before its deadline: a plain socket timeout
    restarts at every byte, so a server trickling one byte a second would never meet it."""

    deadline: _Deadline | None = None

    def recv(self, *arguments: object) -> bytes:
        self._wait_only_until_the_deadline()
        return super().recv(*arguments)

    def recv_into(self, *arguments: object) -> int:
        self._wait_only_until_the_deadline()
        return super().recv_into(*arguments)

    def sendall(self, *arguments: object) -> None:
        self._wait_only_until_the_deadline()
        super().sendall(*arguments)

    def _wait_only_until_the_deadline(self) -> None:
        if self.deadline is not None:
            self.settimeout(self.deadline.left())


class _DeadlineSocket(_WaitsOnlyUntilTheDeadline, socket.socket):
    """A TCP socket of the fetch."""


class _DeadlineTLSSocket(_WaitsOnlyUntilTheDeadline, ssl.SSLSocket):
    """The same over TLS; the handshake is bounded by the timeout set before it (CPython applies it to the whole
    handshake)."""


def tls_context() -> ssl.SSLContext:
    """The system's certificate authorities, host names checked: the tests put their own authority here."""
    return ssl.create_default_context()


def fetch(url: str, timeout: float = DEFAULT_TIMEOUT, allow_private: bool = False) -> Retrieved:
    """The document at url (redirects followed), at most MAX_DOWNLOAD_BYTES, within timeout seconds in all: name
    lookups, connections, TLS handshakes, headers and bodies of every redirect together.

    Each host is looked up once and every address it has checked: a machine's or a network's own addresses
    (loopback, private, link-local where cloud metadata services answer, ...) are refused unless allow_private,
    at the first address and at every redirect, and the connection goes to the very address checked (the Host
    header and TLS keep the name), so a DNS server cannot answer a public address to the check and an internal
    one to the connection. Proxies from the environment are not used: a proxy would connect to an address that
    was never checked."""
    _check_url(url, repr(url))
    deadline = _Deadline(timeout)
    current, host, answered, size = url, urlsplit(url).hostname or "", False, 0
    try:
        for _ in range(MAX_REDIRECTS + 1):
            host = urlsplit(current).hostname or ""
            where = url if current == url else f"{url} redirects to {current}"
            connection = _connection(current, where, deadline, allow_private)
            try:
                target = urlsplit(current)._replace(scheme="", netloc="", fragment="").geturl() or "/"
                connection.request("GET", target, headers=REQUEST_HEADERS)
                response = connection.getresponse()
                answered = True
                location = response.getheader("Location")
                if response.status in (301, 302, 303, 307, 308) and location:
                    following = urljoin(current, location.strip())
                    _check_url(following, f"{current} redirects to {following!r}, which is refused")
                    current, answered = following, False
                    continue
                if not 200 <= response.status < 300:
                    raise ArchiveRefused(
                        f"{url}: the server answered {response.status} {response.reason}: check the address, or save "
                        "the page from a browser and archive the saved file"
                    )
                encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
                if encoding != "identity":
                    raise ArchiveRefused(
                        f"{url}: the server sends its answer {encoding}-encoded, though asked for it as it is: save "
                        "the page from a browser and archive the saved file"
                    )
                content_type = response.headers.get_content_type()
                length = response.getheader("Content-Length", "")
                if length.isdigit() and int(length) > MAX_DOWNLOAD_BYTES:
                    raise ArchiveRefused(
                        f"{url}: the server sends {int(length):,} bytes, over the limit of "
                        f"{MAX_DOWNLOAD_BYTES:,}: not one article"
                    )
                chunks = []
                while chunk := response.read1(64 * 1024):  # what has come (read waits for all 64 KB)
                    size += len(chunk)
                    if size > MAX_DOWNLOAD_BYTES:
                        raise ArchiveRefused(f"{url}: more than {MAX_DOWNLOAD_BYTES:,} bytes: not one article")
                    chunks.append(chunk)
                break
            finally:
                connection.close()
        else:
            raise ArchiveRefused(f"{url}: more than {MAX_REDIRECTS} redirects: archive the address they end at")
    except TimeoutError:
        if answered:
            raise ArchiveRefused(
                f"{url}: {host} sent only {size:,} bytes within {timeout:g} seconds: try again later"
            ) from None
        raise ArchiveRefused(f"{url}: no answer from {host} within {timeout:g} seconds: try again later") from None
    except (OSError, http.client.HTTPException, ValueError) as error:  # a connection reset, a malformed answer
        text = getattr(error, "strerror", None) or str(error) or type(error).__name__
        raise ArchiveRefused(f"{url}: the download from {host} failed: {text}") from None
    data = b"".join(chunks)
    return Retrieved(data, _kind_of(url, content_type, data), current, urlsplit(current).path.rsplit("/", 1)[-1])


def _check_url(url: str, refusal: str) -> None:
    try:
        models.check_web_url(url)
    except ValueError as error:
        raise ArchiveRefused(f"{refusal}: {error}") from None


def _connection(url: str, where: str, deadline: _Deadline, allow_private: bool) -> http.client.HTTPConnection:
    """An HTTP(S) connection to url's host, made to an address of it that was checked (ArchiveRefused naming the
    address otherwise, or when the host cannot be reached)."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError) as error:
        raise ArchiveRefused(f"{where}: not a usable address: {error}") from None
    if not host:
        raise ArchiveRefused(f"{where}: names no host")
    try:
        addresses = _looked_up(host, port, deadline)
    except socket.gaierror as error:
        raise ArchiveRefused(f"{where}: {host} cannot be reached: {error.strerror or error}") from None
    for *_, sockaddr in addresses:
        address = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        kind = internal_address_kind(address)
        if kind is not None and not allow_private:
            named = f"{host} is" if _same_address(host, address) else f"{host} resolves to {address},"
            article = "an" if kind[0].lower() in "aeiou" else "a"
            carried = _carried_ipv4(address)
            reaching = f" (it reaches {carried})" if carried else ""
            raise ArchiveRefused(
                f"{where}: {named} {article} {kind} address{reaching}, not a public one: refused "
                "(--allow-private archives from your own machine or network)"
            )
    try:
        sock = _connected(addresses, deadline)
    except TimeoutError:
        raise
    except OSError as error:
        raise ArchiveRefused(f"{where}: {host} cannot be reached: {error.strerror or error}") from None
    if parts.scheme == "https":
        context = tls_context()
        context.sslsocket_class = _DeadlineTLSSocket
        try:
            sock = context.wrap_socket(sock, server_hostname=host)  # the name for SNI and the certificate check
        except BaseException as error:
            sock.close()
            if isinstance(error, ssl.SSLCertVerificationError):
                raise ArchiveRefused(
                    f"{where}: {host} cannot be reached: certificate verify failed: {error.verify_message}"
                ) from None
            if isinstance(error, ssl.SSLError):
                raise ArchiveRefused(
                    f"{where}: {host} cannot be reached: TLS failed: {error.reason or error}"
                ) from None
            raise
        sock.deadline = deadline
        connection = http.client.HTTPSConnection(host, port, context=context)
    else:
        connection = http.client.HTTPConnection(host, port)
    connection.sock = sock  # connected already: http.client only writes the request and reads the answer
    return connection


def _same_address(host: str, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether host is address written in the usual way (not as 2130706433 or 127.1)."""
    try:
        return ipaddress.ip_address(host) == address
    except ValueError:
        return False


def _looked_up(host: str, port: int, deadline: _Deadline) -> list[tuple]:
    """getaddrinfo's answer for host, waited for only until the deadline (the lookup itself has no timeout; a
    lookup given up goes on in its thread until the resolver gives up, and stops nothing)."""
    answer: list = []

    def look_up() -> None:
        try:
            answer.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as error:
            answer.append(error)

    thread = threading.Thread(target=look_up, name=f"archive: looking up {host}", daemon=True)
    thread.start()
    thread.join(deadline.left())
    if not answer:
        raise TimeoutError
    if isinstance(answer[0], OSError):
        raise answer[0]
    return answer[0]


def _connected(addresses: list[tuple], deadline: _Deadline) -> _DeadlineSocket:
    """A socket connected to the first of the checked addresses that answers, within the deadline."""
    failure = OSError("no address")
    for family, kind, protocol, _, sockaddr in addresses:
        sock = _DeadlineSocket(family, kind, protocol)
        try:
            sock.settimeout(deadline.left())
            sock.connect(sockaddr)
        except TimeoutError:
            sock.close()
            raise
        except OSError as error:
            sock.close()
            failure = error
            continue
        sock.deadline = deadline
        return sock
    raise failure


def _kind_of(url: str, content_type: str, data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if content_type in ("text/html", "application/xhtml+xml"):
        return "html"
    if content_type == "text/plain":
        return "txt"
    raise ArchiveRefused(
        f"{url}: neither a web page nor a PDF (the server says it is {content_type}): "
        "archive the page or PDF that publishes the text"
    )


# Extracting the text.


def extract(document: Retrieved) -> Extracted:
    """The main text of the document, normalised, and what it says about itself."""
    if document.kind == "html":
        extracted = _extract_html(document)
    elif document.kind == "pdf":
        extracted = _extract_pdf(document)
    else:
        try:
            extracted = Extracted(document.data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise ArchiveRefused(f"{document.name}: not UTF-8 text: save it as UTF-8, then archive it") from None
    text = normalise(extracted.text)
    if len(text.split()) < MIN_WORDS:
        raise ArchiveRefused(
            f"{document.url or document.name}: no main text found (the page may show its text only with "
            "JavaScript, or behind a consent or pay wall): copy the article's text into a .txt file and archive that"
        )
    if len(text.encode()) > MAX_ARCHIVED_TEXT_BYTES:
        raise ArchiveRefused(
            f"{document.url or document.name}: its text is over {MAX_ARCHIVED_TEXT_BYTES:,} bytes, the limit of an "
            "archived text: archive the article's own words, not a whole book"
        )
    return Extracted(text, extracted.title, extracted.date, extracted.language, extracted.url, extracted.publisher_name)


def normalise(text: str) -> str:
    """Unicode NFC, \\n line breaks, no control characters, no trailing spaces, at most one blank line."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = ARCHIVED_TEXT_CONTROLS.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text + "\n" if text.strip() else ""


COMPRESSED_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
}
"""The first bytes of compressed data, which trafilatura would decompress before MAX_HTML_BYTES could bound it."""


def _compression_of(data: bytes) -> str | None:
    """The name of the compression the data is in (zlib's header too: CMF 0x78, checksum a multiple of 31),
    None for plain bytes."""
    for magic, name in COMPRESSED_MAGIC.items():
        if data.startswith(magic):
            return name
    if len(data) >= 2 and data[0] == 0x78 and (data[0] * 256 + data[1]) % 31 == 0:
        return "zlib"
    return None


def _extract_html(document: Retrieved) -> Extracted:
    compression = _compression_of(document.data)
    if compression:
        raise ArchiveRefused(
            f"{document.url or document.name}: {compression}-compressed data, not a web page's HTML: save the page "
            "from a browser (or decompress it) and archive the saved file"
        )
    if len(document.data) > MAX_HTML_BYTES:
        raise ArchiveRefused(
            f"{document.url or document.name}: a web page of {len(document.data):,} bytes, over the {MAX_HTML_BYTES:,} "
            "bytes of one article's page: copy the article's text into a .txt file and archive that"
        )
    import trafilatura  # here: the other commands need not import it (0.5 s)

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # its warnings are not the editor's business
    try:
        text = trafilatura.extract(
            document.data, url=document.url, include_comments=False, include_tables=True, favor_precision=True
        )
        metadata = trafilatura.extract_metadata(document.data, default_url=document.url)
    except Exception as error:  # a malformed page may fail anywhere inside the parser
        raise ArchiveRefused(f"{document.url or document.name}: cannot be read as a web page: {error}") from None
    paragraphs = (text or "").split("\n")
    language = _language(document.data)
    return Extracted(
        "\n\n".join(paragraph.strip() for paragraph in paragraphs if paragraph.strip()),
        title=metadata.title if metadata else None,
        date=metadata.date if metadata else None,
        language=language or (metadata.language if metadata else None),
        url=metadata.url if metadata else None,
        publisher_name=(metadata.sitename or metadata.hostname) if metadata else None,
    )


def _language(html: bytes) -> str | None:
    match = re.search(rb"<html[^>]*\slang\s*=\s*[\"']?([A-Za-z0-9-]{2,20})", html[:20_000], flags=re.IGNORECASE)
    return match.group(1).decode("ascii") if match else None


def _extract_pdf(document: Retrieved) -> Extracted:
    """The text layer of every page, read within bounds whatever the page count: at most MAX_PDF_CONTENT_BYTES of
    page content, MAX_ARCHIVED_TEXT_BYTES of text and PDF_EXTRACTION_SECONDS (a 10 KB PDF whose 20 pages share one
    2 MB content stream would otherwise take minutes before its text is found too long)."""
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    name = document.url or document.name
    configure = getattr(pypdf, "apply_configuration", None)  # pypdf's limits, per call, since 6.x
    limits = {
        name: MAX_PDF_CONTENT_BYTES
        for name in (f"{kind}_maximum_output_length" for kind in ("zlib", "lzw", "run_length", "brotli"))
        if configure and hasattr(pypdf.Configuration, name)
    }
    try:
        with configure(**limits) if configure else contextlib.nullcontext():
            reader = pypdf.PdfReader(io.BytesIO(document.data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise ArchiveRefused(f"{name}: the PDF is encrypted with a password: save an unprotected copy")
            pages = _pdf_page_texts(reader, name)
            info = reader.metadata
            title = info.title if info else None
            created = info.creation_date if info else None
    except ArchiveRefused:
        raise
    except pypdf.errors.LimitReachedError as error:  # a stream decompressed past MAX_PDF_CONTENT_BYTES, and others
        raise ArchiveRefused(
            f"{name}: over a limit of the PDF reader ({error}): copy the article's own words into a .txt file and "
            "archive that"
        ) from None
    except Exception as error:  # pypdf raises many kinds of error on a damaged file
        raise ArchiveRefused(f"{name}: not a readable PDF: {error}") from None
    if not any(pages):
        raise ArchiveRefused(
            f"{name}: the PDF has no text layer (a scanned document?): run it through OCR, check the text "
            "against the scan, and archive the text as a .txt file"
        )
    return Extracted(
        "\n\n".join(page for page in pages if page),
        title=str(title) if title else None,
        date=created.date().isoformat() if isinstance(created, datetime.datetime) else None,
    )


class _PDFReadingStopped(Exception):
    """Raised from pypdf's callbacks to stop reading a page's text midway: why, in words for the message."""


def _pdf_page_texts(reader, name: str) -> list[str]:  # noqa: ANN001 (pypdf is imported only when needed)
    """Each page's text, stopped (ArchiveRefused naming the page) once the pages' content, their text or the time
    taken is over its limit; the time and the text are also checked at every operation inside a page."""
    deadline = time.monotonic() + PDF_EXTRACTION_SECONDS
    texts: list[str] = []
    content_size = text_size = texts_size = 0

    def before_operation(*_: object) -> None:
        if time.monotonic() > deadline:
            raise _PDFReadingStopped(f"reading its text took over {PDF_EXTRACTION_SECONDS:g} seconds")

    def on_text(text: str, *_: object) -> None:
        nonlocal text_size
        text_size += len(text)  # characters: never more than the bytes they take
        if text_size > MAX_ARCHIVED_TEXT_BYTES:
            raise _PDFReadingStopped(f"its text is over {MAX_ARCHIVED_TEXT_BYTES:,} bytes")

    count = len(reader.pages)
    for number, page in enumerate(reader.pages, 1):
        try:
            before_operation()
            content = page.get_contents()
            content_size += len(content.get_data()) if content is not None else 0
            if content_size > MAX_PDF_CONTENT_BYTES:
                raise _PDFReadingStopped(f"its pages' content is over {MAX_PDF_CONTENT_BYTES:,} bytes")
            text = (page.extract_text(visitor_operand_before=before_operation, visitor_text=on_text) or "").strip()
            text_size = texts_size + len(text)  # what the page gives, whatever pypdf passed to on_text
            on_text("")
        except _PDFReadingStopped as stopped:
            raise ArchiveRefused(
                f"{name}: {stopped} by page {number} of {count}: copy the article's own words into a .txt file "
                "and archive that"
            ) from None
        texts.append(text)
        texts_size += len(text)
    return texts


# Writing the source.


def archive(
    what: str,
    content_dir: Path,
    folder: str,
    source_id: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    now: datetime.datetime | None = None,
    allow_private: bool = False,
) -> Archived:
    """Archive the document at what (a URL or a saved file) as a new source in content_dir; a URL whose host is at
    an internal address (loopback, private, link-local, ...) only with allow_private."""
    if not content_dir.is_dir():
        raise ArchiveRefused(f"{display_path(content_dir)}: content folder not found")
    if source_id is not None:
        _check_id(source_id)
    now = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC).replace(microsecond=0)
    document = retrieve(what, timeout, allow_private)
    extracted = extract(document)
    source_id = source_id or _derived_id(document, extracted, now)
    text_path, original_path = _new_archive_paths(content_dir, source_id, document.kind)
    text_bytes = extracted.text.encode("utf-8")
    lines, placeholders = _record_lines(source_id, document, extracted, now, text_bytes)
    try:
        planned = plan_record("sources", source_id, lines, content_dir, folder)
    except ScaffoldRefused as refusal:
        raise ArchiveRefused(str(refusal)) from None
    added = _write_source(planned, ((text_path, text_bytes), (original_path, document.data)))
    return Archived(source_id, added, text_path, original_path, placeholders)


def _new_archive_paths(content_dir: Path, source_id: str, kind: str) -> tuple[Path, Path]:
    """Where the archived text and the original go: new files inside the content folder, or ArchiveRefused."""
    text_path = content_dir / SOURCES_FOLDER / f"{source_id}.txt"
    original_path = content_dir / ORIGINALS_FOLDER / f"{source_id}.{EXTENSIONS[kind]}"
    for path in (text_path, original_path):
        if not lies_in(path, content_dir):
            raise ArchiveRefused(f"{display_path(path)}: its folder links outside the content folder: not written")
        if os.path.lexists(path):
            raise ArchiveRefused(f"{display_path(path)} already exists: choose another id with --id")
    return text_path, original_path


def _record_lines(
    source_id: str, document: Retrieved, extracted: Extracted, now: datetime.datetime, text_bytes: bytes
) -> tuple[list[str], list[str]]:
    """The new source's YAML lines, with comments saying what to check, and the names of its placeholders."""
    fields, placeholders = _record_fields(source_id, document, extracted, now, text_bytes)
    lines = [
        f"# Archived by `factsheets archive` from {_comment(document.url or document.name)}: check the title, date",
        f"# and language against the document, and replace every {models.PLACEHOLDER}"
        + (f" ({', '.join(placeholders)})." if placeholders else "."),
    ]
    if extracted.publisher_name:
        lines.append(f"# The document names its publisher {_comment(extracted.publisher_name)}.")
    lines += [("- " if index == 0 else INDENT) + f"{name}: {value}" for index, (name, value) in enumerate(fields)]
    return lines, placeholders


def _write_source(planned: PlannedRecord, files: tuple[tuple[Path, bytes], ...]) -> Added:
    """Write the archive's files (never through a link or over a file), then the record; on failure none is kept."""
    written: list[Path] = []
    try:
        for path, data in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "xb") as file:  # never through a link or over a file that appeared meanwhile
                written.append(path)
                file.write(data)
        added = planned.write()
    except OSError as error:
        for path in written:
            path.unlink(missing_ok=True)
        raise ArchiveRefused(f"cannot write the source: {error.strerror or error}; nothing was kept") from None
    return added


def _check_id(source_id: str) -> None:
    try:
        models.check_slug(source_id)
    except ValueError as error:
        raise ArchiveRefused(f"--id {source_id!r}: {error}") from None


def _derived_id(document: Retrieved, extracted: Extracted, now: datetime.datetime) -> str:
    """<site>-<date> for a web page (example-com-2024-01-31), the file's name for a saved file."""
    if document.url:
        host = (urlsplit(document.url).hostname or "").removeprefix("www.")
        stem = f"{host}-{_partial_date(extracted.date) or now.date().isoformat()}"
    else:
        stem = Path(document.name).stem
    candidate = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:80].rstrip("-")
    try:
        models.check_slug(candidate)
    except ValueError:
        raise ArchiveRefused(f"no id can be made from {document.url or document.name!r}: give one with --id") from None
    return candidate


def _partial_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return models.check_partial_date(value[:10])
    except ValueError:
        return None


def _record_fields(
    source_id: str, document: Retrieved, extracted: Extracted, now: datetime.datetime, text_bytes: bytes
) -> tuple[list[tuple[str, str]], list[str]]:
    """The new record's fields, each value as YAML text, and the fields left TODO."""
    placeholders = ["publisher"]
    title = _clean(extracted.title)
    date = _partial_date(extracted.date)
    language = (
        extracted.language if extracted.language and models.LANGUAGE_PATTERN.fullmatch(extracted.language) else None
    )
    url = next((candidate for candidate in (extracted.url, document.url) if _web_url(candidate)), None)
    values: dict[str, str | None] = {
        "id": source_id,
        "title": title,
        "publisher": None,
        "date": date,
        "language": language,
        "url": url,
        "retrieved": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "archived_text": f"{SOURCES_FOLDER}/{source_id}.txt",
        "archived_text_sha256": hashlib.sha256(text_bytes).hexdigest(),
        "original": f"{ORIGINALS_FOLDER}/{source_id}.{EXTENSIONS[document.kind]}",
        "original_sha256": hashlib.sha256(document.data).hexdigest(),
    }
    placeholders += [name for name in ("title", "date", "language") if values[name] is None]
    check = {name: value for name, value in values.items() if value is not None}
    check.update(
        {name: {"publisher": "an-actor", "date": "2000", "language": "en", "title": "t"}[name] for name in placeholders}
    )
    try:
        models.Source.model_validate(check)
    except ValidationError as error:  # what the document says about itself is not a valid record
        raise ArchiveRefused(f"the record for {source_id!r} would not be valid: {error.errors()[0]['msg']}") from None
    fields = [
        (name, _yaml_text(value) if value is not None else models.PLACEHOLDER)
        for name, value in values.items()
        if value is not None or name in placeholders
    ]
    return fields, placeholders


def _web_url(value: str | None) -> bool:
    try:
        return value is not None and bool(models.check_web_url(value))
    except ValueError:
        return False


def _clean(value: str | None) -> str | None:
    """A document's own words for a field of one line: whitespace folded, nothing a terminal or page hides."""
    if not value:
        return None
    text = " ".join("".join(ch for ch in value if ch.isprintable() or ch.isspace()).split())
    if len(text) > MAX_TITLE_CHARS:
        text = text[: MAX_TITLE_CHARS - 3].rstrip() + "..."
    return text or None


def _yaml_text(value: str) -> str:
    """value as a YAML scalar: plain when it reads back as itself (ids, dates, paths), else double-quoted with
    escapes (a title from the document may hold anything)."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9/._-]*", value) and yaml.safe_load(value) == value:
        return value
    return yaml.safe_dump(value, default_style='"', allow_unicode=True, width=1_000_000).rstrip("\n")


def _comment(value: str) -> str:
    """value inside a YAML comment: on one line, quoted, and shown as printable."""
    return repr(printable(" ".join(value.split()))[:200])


# Accepting a correction.


@dataclass(frozen=True)
class Accepted:
    """What `accept` recorded in the source's record."""

    path: Path
    line: int
    fields: list[str]
    changelog: bool


def accept(
    source_id: str, change: str | None, content_dir: Path, folder: str, today: datetime.date | None = None
) -> Accepted | None:
    """Record the current SHA-256 of the source's archived text and original where it differs from the one
    recorded (a changelog line with change is then required and added) or none is recorded yet. None when
    every digest recorded is already right."""
    found = _find_source(source_id, content_dir / folder, content_dir)
    path, text, record_node, record = found
    edits, new_record, changed_fields = _digest_edits(found, source_id, content_dir.resolve())
    if not edits:
        return None
    if changed_fields:
        if not change or not change.strip():
            raise ArchiveRefused(
                f"source '{source_id}': {', '.join(changed_fields)} changed: say what was corrected with "
                "--change 'what was corrected' (it goes into the source's changelog)"
            )
        date = (today or datetime.datetime.now(datetime.UTC).date()).isoformat()
        entry = {"date": date, "kind": ACCEPTED_CHANGE_KIND, "change": " ".join(change.split())}
        edits.append(_changelog_edit(text, record_node, entry, path, source_id))
        new_record["changelog"] = [*(record.get("changelog") or []), entry]
    new_text = text
    for start, end, replacement in sorted(edits, reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    _check_record_became(path, new_text, source_id, new_record)
    _replace_file_text(path, new_text)
    keys = [
        key
        for key in ("archived_text_sha256", "original_sha256")
        if key in new_record and record.get(key) != new_record[key]
    ]
    return Accepted(path, record_node.start_mark.line + 1, keys, bool(changed_fields))


def _digest_edits(
    found: tuple[Path, str, yaml.MappingNode, dict], source_id: str, root: Path
) -> tuple[list[tuple[int, int, str]], dict, list[str]]:
    """The edits of the source's file text (start, end, new text) that record the current SHA-256 of its archived
    text and original where it is missing or differs; the record as they make it; the fields whose digest changed."""

    path, text, record_node, record = found
    edits: list[tuple[int, int, str]] = []
    new_record = dict(record)
    changed_fields: list[str] = []
    for field_name in ("archived_text", "original"):
        relative = record.get(field_name)
        if not isinstance(relative, str):
            continue
        digest = (
            read_archived_text(relative, root) if field_name == "archived_text" else original_digest(relative, root)
        )
        if not isinstance(digest, str):
            digest = getattr(digest, "sha256", digest)
        if not isinstance(digest, str):
            raise ArchiveRefused(f"{display_path(path)}: source '{source_id}': {digest[0]}")
        key = f"{field_name}_sha256"
        nodes = _value_nodes(record_node)
        if record.get(key) == digest:
            continue
        if key in nodes:
            value_node = nodes[key]
            if not isinstance(value_node, yaml.ScalarNode):
                raise ArchiveRefused(f"{display_path(path)}: source '{source_id}': {key} is not one value")
            edits.append((value_node.start_mark.index, value_node.end_mark.index, digest))
            changed_fields.append(key)
        else:
            key_node = _key_node(record_node, field_name)
            offset = _offset_after(text, nodes[field_name])
            edits.append((offset, offset, " " * key_node.start_mark.column + f"{key}: {digest}\n"))
        new_record[key] = digest
    return edits, new_record, changed_fields


def _replace_file_text(path: Path, new_text: str) -> None:
    """Write the file's new text beside it, then put it in its place in one step."""
    temporary = path.with_name(f".{path.name}.accept-{os.getpid()}")
    try:
        with open(temporary, "x", encoding="utf-8", newline="") as file:
            file.write(new_text)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ArchiveRefused(f"{display_path(path)}: cannot be written: {error.strerror or error}") from None


def _find_source(source_id: str, factsheet_folder: Path, content_dir: Path):  # noqa: ANN202
    """The fact-sheet file that defines the source: its path, text, the record's node and data."""
    if not lies_in(factsheet_folder, content_dir):  # accept writes there: never outside the content (folder_inside)
        raise ArchiveRefused(
            f"{display_path(factsheet_folder)}: not a folder inside the content folder {display_path(content_dir)}: "
            "the fact-sheet folder must lie inside it"
        )
    for path in find_factsheet_files(factsheet_folder, within=content_dir) if factsheet_folder.is_dir() else []:
        problems: list = []
        loaded = load_file(path, problems)
        if loaded is None or not isinstance(loaded.data.get("sources"), list):
            continue
        for index, record in enumerate(loaded.data["sources"]):
            if isinstance(record, dict) and record.get("id") == source_id:
                text = path.read_bytes().decode("utf-8-sig")
                if text != path.read_bytes().decode("utf-8"):
                    raise ArchiveRefused(f"{display_path(path)}: starts with a byte-order mark: remove it first")
                root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
                sequence = _value_nodes(root)["sources"]
                record_node = sequence.value[index]
                if not isinstance(record_node, yaml.MappingNode) or record_node.flow_style:
                    raise ArchiveRefused(f"{display_path(path)}: source '{source_id}' is not written one field a line")
                return path, text, record_node, record
    raise ArchiveRefused(f"no source '{source_id}' in {display_path(factsheet_folder)}/")


def _value_nodes(mapping: yaml.MappingNode) -> dict[str, yaml.Node]:
    return {key.value: value for key, value in mapping.value if isinstance(key, yaml.ScalarNode)}


def _key_node(mapping: yaml.MappingNode, name: str) -> yaml.Node:
    return next(key for key, _ in mapping.value if isinstance(key, yaml.ScalarNode) and key.value == name)


def _offset_after(text: str, node: yaml.Node) -> int:
    """The offset of the start of the line after node's last line (its deepest last value's)."""
    while isinstance(node, yaml.MappingNode | yaml.SequenceNode) and node.value:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    end = node.end_mark
    if end.column == 0:  # a block scalar ends at the start of the next line
        return end.index
    newline = text.find("\n", end.index)
    return len(text) if newline < 0 else newline + 1


def _changelog_edit(
    text: str, record_node: yaml.MappingNode, entry: dict[str, str], path: Path, source_id: str
) -> tuple[int, int, str]:
    change = _yaml_text(entry["change"])
    nodes = _value_nodes(record_node)
    changelog = nodes.get("changelog")
    if changelog is None:
        column = record_node.start_mark.column
        offset = _offset_after(text, record_node)
        prefix = "" if offset == 0 or text[offset - 1] == "\n" else "\n"
        lines = [
            "changelog:",
            f"{INDENT}- date: {entry['date']}",
            f"{INDENT}  kind: {entry['kind']}",
            f"{INDENT}  change: {change}",
        ]
        return offset, offset, prefix + "".join(" " * column + line + "\n" for line in lines)
    if not isinstance(changelog, yaml.SequenceNode) or changelog.flow_style or not changelog.value:
        raise ArchiveRefused(
            f"{display_path(path)}:{changelog.start_mark.line + 1}: source '{source_id}': its changelog is not a "
            "list of '- ' items, one a line: rewrite it so, then run this again"
        )
    first = changelog.value[0].start_mark
    line_start = text.rfind("\n", 0, first.index) + 1
    dash = text.rfind("-", line_start, first.index) - line_start
    column = first.column
    offset = _offset_after(text, changelog)
    prefix = "" if text[offset - 1] == "\n" else "\n"
    item = (
        " " * dash + "-" + " " * (column - dash - 1) + f"date: {entry['date']}\n"
        + " " * column + f"kind: {entry['kind']}\n"
        + " " * column + f"change: {change}\n"
    )  # fmt: skip
    return offset, offset, prefix + item


def _check_record_became(path: Path, new_text: str, source_id: str, new_record: dict) -> None:
    """Refuse, writing nothing, unless the new text reads as the old data with only this record changed so."""
    problems: list = []
    loaded = load_file(path, problems, new_text.encode("utf-8"))
    records = loaded.data.get("sources") if loaded else None
    if problems or not isinstance(records, list) or new_record not in records:
        raise ArchiveRefused(
            f"{display_path(path)}: source '{source_id}' could not be updated without changing what the file holds "
            "(an unusual layout): record the digests by hand"
        )


# Finding a quote's exact words.


@dataclass(frozen=True)
class FoundQuote:
    """The passage of a source's archived text most like the words an editor typed."""

    path: Path
    line: int
    text: str
    likeness: float

    @property
    def yaml_line(self) -> str:
        """The quote's `text:` line, ready to paste into a fact sheet."""
        return "text: " + yaml.safe_dump(self.text, default_style='"', allow_unicode=True, width=1_000_000).rstrip()


def find_quote(source_id: str, words: str, content_dir: Path, folder: str) -> FoundQuote:
    """The exact passage of the source's archived text that words, retyped loosely, stand for."""
    from .passages import closest_passage

    _, _, _, record = _find_source(source_id, content_dir / folder, content_dir)
    relative = record.get("archived_text")
    if not isinstance(relative, str):
        raise ArchiveRefused(f"source '{source_id}' names no archived_text")
    archived = read_archived_text(relative, content_dir.resolve())
    if not isinstance(archived, ArchivedText):
        raise ArchiveRefused(f"source '{source_id}': {archived[0]}")
    passage = closest_passage(fold(words), archived.folded.words)
    if passage is None:
        raise ArchiveRefused(
            f"source '{source_id}': nothing in {relative} is even half like those words: check the source"
        )
    start = archived.folded.original_index(passage.start)
    end = archived.folded.original_index(passage.end - 1) + 1
    line = archived.text.count("\n", 0, start) + 1
    return FoundQuote(content_dir / relative, line, " ".join(archived.text[start:end].split()), passage.likeness)
