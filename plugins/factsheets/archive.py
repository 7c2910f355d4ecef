"""`factsheets archive` and `factsheets accept`: a source's text archived in one command, and kept tamper-evident.

`archive` fetches a web page or PDF (or reads a saved .html, .pdf or .txt file), extracts its main text
(trafilatura for HTML, which leaves out navigation, advertisements and cookie banners; pypdf for a PDF's
text layer), normalises it (Unicode NFC, one kind of line break) and writes, inside the content folder
only: the text as sources/<id>.txt, the original bytes as sources/originals/<id>.<ext>, and a `sources:`
record added as text to the fact-sheet file (as `factsheets new` adds one), with what the document says
about itself, the retrieval time and the SHA-256 of both files. Whatever the document does not say (the
publisher's actor id, always) is TODO, which the check refuses until an editor fills it in. Everything is
worked out before anything is written: on any failure nothing is.

`accept` records the digests of files changed on purpose (a corrected archive), with a changelog line, or
records the digests of a source that has none yet.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import os
import re
import socket
import time
import unicodedata
import urllib.error
import urllib.request
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
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
"""A news page is well under a megabyte and a press release's PDF a few: more is not one article."""
DEFAULT_TIMEOUT = 30.0
MAX_REDIRECTS = 5
MIN_WORDS = 10
"""Fewer words than this extracted from a page is not its main text (a consent wall, a page built by script)."""
MAX_TITLE_CHARS = 300
USER_AGENT = "factsheets-archive/0.1 (+a fact-sheet desk archiving a source it quotes)"
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


def retrieve(what: str, timeout: float = DEFAULT_TIMEOUT) -> Retrieved:
    """The document at what: an http(s) URL, or a saved .html, .pdf or .txt file."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", what):
        return fetch(what, timeout)
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


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects followed only to http(s) addresses without credentials, at most MAX_REDIRECTS of them."""

    max_redirections = MAX_REDIRECTS

    def http_error_302(self, req, fp, code, msg, headers):  # noqa: ANN001, ANN201 (urllib's signature)
        location = headers.get("location") or headers.get("uri")
        if location:
            newurl = urljoin(req.full_url, location)
            try:
                models.check_web_url(newurl)
            except ValueError as error:
                raise ArchiveRefused(f"{req.full_url} redirects to {newurl!r}, which is refused: {error}") from None
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def fetch(url: str, timeout: float = DEFAULT_TIMEOUT) -> Retrieved:
    """The document at url (redirects followed), at most MAX_DOWNLOAD_BYTES, within timeout seconds in all."""
    try:
        models.check_web_url(url)
    except ValueError as error:
        raise ArchiveRefused(f"{url!r}: {error}") from None
    opener = urllib.request.build_opener(_CheckedRedirects())
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html, application/pdf"})
    deadline = time.monotonic() + timeout
    host = urlsplit(url).hostname
    try:
        with opener.open(request, timeout=timeout) as response:
            final_url, content_type = response.geturl(), response.headers.get_content_type()
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > MAX_DOWNLOAD_BYTES:
                raise ArchiveRefused(
                    f"{url}: the server sends {int(length):,} bytes, over the limit of "
                    f"{MAX_DOWNLOAD_BYTES:,}: not one article"
                )
            chunks, size = [], 0
            while chunk := response.read(64 * 1024):
                size += len(chunk)
                if size > MAX_DOWNLOAD_BYTES:
                    raise ArchiveRefused(f"{url}: more than {MAX_DOWNLOAD_BYTES:,} bytes: not one article")
                if time.monotonic() > deadline:
                    raise TimeoutError
                chunks.append(chunk)
    except urllib.error.HTTPError as error:
        raise ArchiveRefused(
            f"{url}: the server answered {error.code} {error.reason}: check the address, or save the page "
            "from a browser and archive the saved file"
        ) from None
    except TimeoutError:
        raise ArchiveRefused(f"{url}: no answer from {host} within {timeout:g} seconds: try again later") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError | socket.timeout):
            raise ArchiveRefused(f"{url}: no answer from {host} within {timeout:g} seconds: try again later") from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise ArchiveRefused(f"{url}: {host} cannot be reached: {text}") from None
    except (OSError, ValueError) as error:  # a connection reset, a malformed answer
        raise ArchiveRefused(f"{url}: the download failed: {error}") from None
    data = b"".join(chunks)
    return Retrieved(data, _kind_of(url, content_type, data), final_url, urlsplit(final_url).path.rsplit("/", 1)[-1])


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


def _extract_html(document: Retrieved) -> Extracted:
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
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    name = document.url or document.name
    try:
        reader = pypdf.PdfReader(io.BytesIO(document.data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ArchiveRefused(f"{name}: the PDF is encrypted with a password: save an unprotected copy")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        info = reader.metadata
        title = info.title if info else None
        created = info.creation_date if info else None
    except ArchiveRefused:
        raise
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


# Writing the source.


def archive(
    what: str,
    content_dir: Path,
    folder: str,
    source_id: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    now: datetime.datetime | None = None,
) -> Archived:
    """Archive the document at what (a URL or a saved file) as a new source in content_dir."""
    if not content_dir.is_dir():
        raise ArchiveRefused(f"{display_path(content_dir)}: content folder not found")
    if source_id is not None:
        _check_id(source_id)
    now = (now or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC).replace(microsecond=0)
    document = retrieve(what, timeout)
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
        entry = {"date": date, "change": " ".join(change.split())}
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
        lines = ["changelog:", f"{INDENT}- date: {entry['date']}", f"{INDENT}  change: {change}"]
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
        " " * dash + "-" + " " * (column - dash - 1) + f"date: {entry['date']}\n" + " " * column + f"change: {change}\n"
    )
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
