"""What Pelican's own pages (content/pages/*.md: About, Methodology, Corrections policy) may publish, and where.

A page is Markdown a contributor writes, and Pelican lets it do more than show words: a `{static}` or
`{attach}` link (or `|static|`) makes Pelican copy the file it names from anywhere in the content folder,
or outside it through `..`, into the output; `Save_as:`, `Slug:`, `Lang:` and `URL:` choose where the page
is written and linked; `Template:` chooses what renders it. The page's HTML is sanitised when Pelican reads
it (plugin.clean_pelican_html); this module holds the rest to what the site means to publish:

- **Files.** A page may publish raster images (PNG, JPEG, GIF, WebP, AVIF) and PDF files, each checked
  by its first bytes to be what its name says: a browser shows them as images or documents and runs
  nothing of theirs on the site's address (a PDF viewer runs a PDF's scripts, if any, in its own sandbox,
  never in the site's pages). Anything else is refused: an HTML file or a saved original runs its scripts
  on the site's own address, and so does an SVG opened by its address (sanitising SVG is a separate craft
  nh3 does not do; a PNG serves the same purpose). A source's archived text and original (any file a
  source names, and anything in sources/originals/) are never published, whatever their kind: they are
  kept for provenance. A file outside the content folder (a link climbing out with `..`, which Pelican
  would also copy out of the output folder) or hidden (a name starting with a dot) is refused too.
  The same rules hold for what `STATIC_PATHS` would publish.
- **Addresses.** A page is an HTML file inside the output folder: its address ends in .html, is neither
  absolute nor climbs out, and holds no hidden name (`.git/`, `.well-known/`); its URL is a path inside
  the site. A page whose address ends otherwise could stand in for a host's configuration
  (`_redirects`, `_headers`, `.htaccess`), the feed or the open data.
- **One owner.** Every file of the output has one owner: a page or a published file at the address of a
  record's page, a share card, an index, a data file, another page, or inside the search index's or the
  theme's folder or a name the output keeps (OUTPUT_RETENTION), is refused, naming both. Addresses are
  compared without regard to case or to how accents are composed, as a Mac's or Windows' file system does.
- **Formats and templates.** Only Markdown and HTML pages are published (reStructuredText's include
  directive reads any file on the machine into the page), rendered with page.html or a template that
  extends it.

Each refusal is a Problem naming the page and the line of the link or metadata line: the build stops before
anything is written.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pelican.contents import Content, Static
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.readers import BaseReader, Readers

from .archive import ORIGINALS_FOLDER
from .files import DataFile
from .graph import ClaimNode
from .load import display_path, lies_within, load_file
from .models import Change
from .pages import Page
from .problems import Problem
from .share_cards import card_path
from .validate import _validate as validate_record

ONE_OWNER = "every file of the output has one owner"
PAGE_FORMATS = frozenset({".md", ".markdown", ".mkd", ".mdown", ".html", ".htm"})
"""What Pelican's Markdown and HTML readers read: formats that read no other file into a page."""
PAGE_TEMPLATE = "page"
EXTENDS_PAGE = re.compile(r"""\{%-?\s*extends\s+["']page\.html["']""")


def _is_png(head: bytes) -> bool:
    return head.startswith(b"\x89PNG\r\n\x1a\n")


def _is_jpeg(head: bytes) -> bool:
    return head.startswith(b"\xff\xd8\xff")


def _is_gif(head: bytes) -> bool:
    return head[:6] in (b"GIF87a", b"GIF89a")


def _is_webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _is_avif(head: bytes) -> bool:
    """An ISO media file whose first box, `ftyp`, names AVIF among its brands (major or compatible)."""
    if head[4:8] != b"ftyp":
        return False
    size = min(int.from_bytes(head[:4], "big"), len(head))
    brands = [head[8:12], *(head[offset : offset + 4] for offset in range(16, size - 3, 4))]
    return b"avif" in brands or b"avis" in brands


def _is_pdf(head: bytes) -> bool:
    return head.startswith(b"%PDF-")


@dataclass(frozen=True)
class FileKind:
    name: str
    """What a file of this kind is, in words: 'a PNG image'."""
    is_one: Callable[[bytes], bool]
    """Whether a file's first bytes are this kind's."""


PUBLISHABLE: dict[str, FileKind] = {
    ".png": FileKind("a PNG image", _is_png),
    ".jpg": FileKind("a JPEG image", _is_jpeg),
    ".jpeg": FileKind("a JPEG image", _is_jpeg),
    ".gif": FileKind("a GIF image", _is_gif),
    ".webp": FileKind("a WebP image", _is_webp),
    ".avif": FileKind("an AVIF image", _is_avif),
    ".pdf": FileKind("a PDF file", _is_pdf),
}
"""The files a page may publish, by their names' ending (in any case)."""
HEAD_BYTES = 256
"""What is read of a file to tell its kind: its first bytes (an AVIF's brands lie in its first box)."""
NOT_PUBLISHABLE = "pages may publish only PNG, JPEG, GIF, WebP and AVIF images and PDF files"
HINTS = {".svg": "an SVG can hold scripts that would run on the site's address: convert it to PNG"}


@dataclass(frozen=True)
class Owner:
    """What writes a file or a folder of the output, other than the fact sheets' pages and files: a folder
    owned whole (the search index's, the theme's), a name the output keeps, a Pelican page or a file it
    publishes."""

    label: str
    """In words, for a message: 'the folder of the search index'."""
    path: str
    folder: bool = False
    """Whether it owns the whole folder at path."""
    claimant: str = ""
    """The page or file that claimed it, if one did: its other addresses are no clash with it."""


# Formats


class UnreadPage(BaseReader):
    """What reads a page of any format but Markdown and HTML: nothing. Another reader runs as it reads
    (reStructuredText's `raw` directive fetches any address, its `include` reads any file, /dev/zero too),
    before any check could refuse the page, so the page is made empty, named after its file, and
    address_problems refuses it for its format."""

    enabled = True
    file_extensions: list[str] = []  # registered only by read_markdown_and_html_only, for other formats

    def read(self, source_path: str) -> tuple[str, dict[str, object]]:
        return "", {"title": Path(source_path).name}


def read_markdown_and_html_only(readers: Readers) -> None:
    """Pelican's readers_init signal: every format but Markdown and HTML is read by UnreadPage."""
    for extension in list(readers.reader_classes):
        if f".{extension.lower()}" not in PAGE_FORMATS:
            readers.reader_classes[extension] = UnreadPage


# Addresses


def address_problems(document: Content) -> list[Problem]:
    """What is wrong with where a Pelican page (or article) is written and linked, and with its format: read
    when Pelican makes it, before Pelican's own check of its address (which would only log an error)."""
    problems = []
    source = Path(document.source_path or "")
    if source.suffix.lower() not in PAGE_FORMATS:
        problems.append(
            _problem(
                document,
                "",
                "only Markdown and HTML pages are published: another format may read files from elsewhere "
                "into the page (reStructuredText's include directive)",
            )
        )
    save_as = document.save_as
    if save_as:
        field = _address_field(document)
        refusal = _path_refusal(save_as) or (
            None if save_as.endswith(".html") else " does not end in .html: a page is written as an HTML file"
        )
        if refusal:
            problems.append(_problem(document, field, f"'{save_as}'{refusal}"))
    url = getattr(document, "override_url", None)
    if url:
        parts = urlsplit(url)
        refusal = " is not a path inside the site" if parts.scheme or parts.netloc else _path_refusal(parts.path)
        if refusal:
            problems.append(_problem(document, "url", f"'{url}'{refusal}"))
    return problems


def _path_refusal(path: str) -> str | None:
    """Why a path written in the output is refused, if it is, to follow the path quoted in a message: it must
    be a plain path inside the output folder."""
    if path.startswith("/"):
        return " is absolute: a page is written at a path inside the output folder"
    if "\\" in path or not path.isprintable():
        return " holds a backslash or a control character: write a plain path inside the output folder"
    normal = posixpath.normpath(path)
    if normal == ".." or normal.startswith("../"):
        return " leads outside the output folder"
    if any(name.startswith(".") for name in normal.split("/")):
        return ": a hidden file or folder (a name starting with a dot) is never written"
    return None


def _address_field(document: Content) -> str:
    """The metadata line that chose a page's address: Save_as if it has one, else the Slug or Lang that
    holds a path, else the Slug, else the Title its slug was made from."""
    metadata = {key.lower(): value for key, value in document.metadata.items()}
    if "save_as" in metadata:
        return "save_as"
    written = [key for key in ("slug", "lang") if key in metadata]
    for key in written:
        if re.search(r"[/\\]|^\.", str(metadata[key])):
            return key
    return written[0] if written else "title"


DOCUMENT_LISTS = (
    "articles",
    "drafts",
    "drafts_translations",
    "hidden_articles",
    "pages",
    "hidden_pages",
    "draft_pages",
    "draft_translations",
    "hidden_translations",
    "translations",
)
"""Where Pelican's article and page generators keep what they write: published, hidden and draft, and
translations of each."""


def pelican_documents(generators: Iterable) -> list[Content]:
    """Every page (and article) Pelican's generators will write, whatever its status."""
    found: dict[int, Content] = {}
    for generator in generators:
        if isinstance(generator, ArticlesGenerator | PagesGenerator):
            for name in DOCUMENT_LISTS:
                found.update((id(document), document) for document in getattr(generator, name, []))
    return list(found.values())


# Formats and templates


def page_templates(env) -> list[str]:
    """The theme's templates for Pelican's pages: page.html and those that extend it (about, methodology)."""
    names = {PAGE_TEMPLATE}
    for name in env.list_templates(extensions=["html"]):
        if name.startswith("!"):  # Pelican's own themes, under !simple/ and !theme/
            continue
        source, _, _ = env.loader.get_source(env, name)
        if EXTENDS_PAGE.search(source):
            names.add(name.removesuffix(".html"))
    return sorted(names)


def template_problems(documents: Iterable[Content], templates: list[str]) -> list[Problem]:
    """A page rendered with a template not made for pages (a record's, Pelican's own) shows what it was not
    written to show: refused."""
    return [
        _problem(
            document,
            "template",
            f"'{document.template}' is not a template for pages ({', '.join(templates)})",
        )
        for document in documents
        if document.template not in templates
    ]


# Files


@dataclass(frozen=True)
class Link:
    """A `{static}` or `{attach}` link in a page: what it names, and where it is written."""

    document: Content
    kind: str
    """static or attach."""
    text: str
    """As written: {static}images/map.png."""
    target: str
    """The file it names, relative to the content folder as Pelican finds it: pages/images/map.png."""


def links_in(document: Content) -> Iterator[Link]:
    """The page's `{static}` and `{attach}` links, in its HTML and its summary, found as Pelican finds them
    (Content.get_static_links), which names the files Pelican's static generator copies."""
    pattern = document._get_intrasite_link_regex()  # noqa: SLF001 (Pelican's own pattern: the same links it copies)
    for html in (document._content or "", getattr(document, "_summary", None) or ""):  # noqa: SLF001 (see plugin.py)
        for match in pattern.finditer(html):
            kind = match.group("what")
            if kind not in ("static", "attach"):
                continue
            path = urlsplit(match.group("value")).path
            if path.startswith("/"):
                target = path[1:]
            else:
                target = document.get_relative_source_path(os.path.join(document.relative_dir, path))
            yield Link(document, kind, match.group("path"), posixpath.normpath(target.replace("%20", " ")))


def checked_files(
    statics: Iterable[Static], links: list[Link], content_dir: Path, kept_files: set[str]
) -> tuple[list[Problem], list[Static]]:
    """A problem for each file Pelican would publish that a page may not (see the module's docstring), at
    each link that names it, or at the file itself when STATIC_PATHS publishes it; and the files that may be
    published. kept_files: the files sources name (archived texts and originals), relative to the content
    folder."""
    problems, published = [], []
    for static in statics:
        target = static.get_relative_source_path()
        refusal = _file_refusal(target, content_dir, kept_files)
        if refusal is None:
            published.append(static)
            continue
        message, hint = refusal
        naming = [link for link in links if link.target == posixpath.normpath(target)]
        for link in naming:
            problems.append(_problem(link.document, link.text, message, hint, find=link.text))
        if not naming:
            path = Path(static.source_path)
            problems.append(Problem(display_path(path), 1, 1, "STATIC_PATHS", message, hint))
    return problems, published


def _file_refusal(target: str, content_dir: Path, kept_files: set[str]) -> tuple[str, str] | None:
    """Why the file at target (relative to the content folder) may not be published, and a hint; None if it may."""
    normal = posixpath.normpath(target)
    root = os.path.realpath(content_dir)
    path = os.path.join(root, normal)
    if normal == ".." or normal.startswith("../") or os.path.isabs(normal):
        return f"'{normal}' leads outside the content folder", ""
    if not lies_within(os.path.realpath(path), root):
        return f"'{normal}' links outside the content folder", ""
    real = os.path.relpath(os.path.realpath(path), root).replace(os.sep, "/")  # what a link leads to
    if any(name in kept_files or name.startswith(ORIGINALS_FOLDER + "/") for name in (normal, real)):
        return f"'{normal}' is a source's archived text or original, kept for provenance and never published", ""
    if any(name.startswith(".") for name in (*normal.split("/"), *real.split("/"))):
        return f"'{normal}': a hidden file or folder (a name starting with a dot) is never published", ""
    suffix = os.path.splitext(normal)[1].lower()
    kind = PUBLISHABLE.get(suffix)
    if kind is None:
        return f"'{normal}': {NOT_PUBLISHABLE}", HINTS.get(suffix, "")
    try:
        head = _head(path)
    except OSError:
        return f"'{normal}' is not a file that can be read in the content folder", ""
    if not kind.is_one(head):
        return f"'{normal}' is not {kind.name}, whatever its name says: its first bytes are another kind of file's", ""
    return None


def _head(path: str) -> bytes:
    """The first bytes of a regular file; OSError for anything else (a FIFO is not waited for)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(f"{path}: not a regular file")
        return os.read(descriptor, HEAD_BYTES)
    finally:
        os.close(descriptor)


# One owner for each file of the output


def address_key(path: str) -> str:
    """What two addresses that one file system may take for one file share: the same letters whatever their
    case (a Mac's and Windows' file systems ignore it) and however their accents are composed (a Mac's keeps
    "café" written with a combining accent and with a composed é as one name)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", path).casefold())


SiteFile = Page | DataFile | ClaimNode | Owner
"""What owns a file of the output: a page of the fact sheets, a data file, a claim (its share card), or
another owner in words."""


def site_owners(pages: Iterable[Page], data_files: Iterable[DataFile]) -> dict[str, SiteFile]:
    """What the fact sheets write, by address (casefolded): the pages and the data files (and beside each claim's
    page its share card: see _share_card_at). Plain lookups, 20,000 of them at 10,000 claims: what each is,
    in words, is made only for a message."""
    owners: dict[str, SiteFile] = {address_key(data_file.save_as): data_file for data_file in data_files}
    owners.update((address_key(page.save_as), page) for page in pages)
    return owners


def _share_card_at(key: str, owners: dict[str, SiteFile]) -> ClaimNode | None:
    """The claim whose share card is at key (casefolded), if any: a card lies beside its claim's page (looked
    for there, then checked with card_path), so that planning the cards' addresses costs nothing."""
    page = owners.get(key.removesuffix(".png") + ".html") if key.endswith(".png") else None
    node = page.node if isinstance(page, Page) else None
    return node if isinstance(node, ClaimNode) and address_key(card_path(node)) == key else None


def _path_of(owner: SiteFile) -> str:
    if isinstance(owner, ClaimNode):
        return card_path(owner)
    return owner.path if isinstance(owner, Owner) else owner.save_as


def _described(owner: SiteFile) -> str:
    """The owner in words, with the place of its record: 'the page of the claim 'x' (claims.yaml:12:5)'."""
    if isinstance(owner, Owner):
        return owner.label
    if isinstance(owner, DataFile):
        return "a file of the fact sheets"
    node = owner if isinstance(owner, ClaimNode) else owner.node
    if node is None:
        return "a page of the fact sheets"
    what = (
        f"the share card of the claim '{node.record.id}'"
        if owner is node
        else f"the page of the {node.kind} '{node.record.id}'"
    )
    line, column = node.sheet.file.position((*node.path, "id"))
    return f"{what} ({node.sheet.file.path}:{line}:{column})"


def clash_problems(
    site: dict[str, SiteFile],
    reserved: Iterable[Owner],
    documents: list[Content],
    links: list[Link],
    statics: Iterable[Static],
) -> list[Problem]:
    """A problem for each Pelican page, and each file a page publishes, whose address is already another's:
    the fact sheets' (site, by casefolded address; reserved: folders owned whole) or an earlier page's (in the
    order of their files). Each is reported at the page, naming the owner."""
    owners = dict(site)
    owners.update((address_key(owner.path), owner) for owner in reserved)
    folders: dict[str, str] = {}
    """Each folder of a file a page claimed (casefolded), with the key of that file. The fact sheets' folders
    need not be listed: none ends as a page's address (.html) or a published file's (.png, .pdf...) must."""

    def claim(path: str, owner: Owner) -> None:
        key = address_key(posixpath.normpath(path))
        owners.setdefault(key, owner)
        folder = key.rpartition("/")[0]
        while folder and folder not in folders:
            folders[folder] = key
            folder = folder.rpartition("/")[0]

    def clash(path: str, claimant: str) -> str | None:
        """Why path cannot be claimant's: what already owns it, or a folder it needs."""
        key = address_key(posixpath.normpath(path))
        parts = key.split("/")
        for end in range(1, len(parts) + 1):
            prefix = "/".join(parts[:end])
            held = owners.get(prefix) or _share_card_at(prefix, owners)
            if held is None or (isinstance(held, Owner) and held.claimant == claimant):
                continue
            if isinstance(held, Owner) and held.folder:
                return f"lies in {held.path}/, {_described(held)}"
            if end == len(parts):
                return f"is already {_described(held)}"
            return f"needs {_path_of(held)} to be a folder, but it is {_described(held)}"
        if key in folders:
            return f"is a folder of {_path_of(owners[folders[key]])}"
        return None

    problems = []
    for document in sorted(documents, key=lambda document: document.source_path or ""):
        if not document.save_as:
            continue
        shown = display_path(Path(document.source_path))
        taken = clash(document.save_as, shown)
        if taken:
            field = _address_field(document)
            problems.append(_problem(document, field, f"'{document.save_as}' {taken}", ONE_OWNER))
        else:
            claim(document.save_as, Owner(f"the address of {shown}", path=document.save_as, claimant=shown))
    for static in statics:
        target = posixpath.normpath(static.get_relative_source_path())
        naming = [link for link in links if link.target == target]
        shown = display_path(Path(static.source_path))
        addresses = [(static.save_as, link) for link in naming] or [(static.save_as, None)]
        addresses += [(_attached_at(static, link.document), link) for link in naming if link.kind == "attach"]
        for address, link in addresses:
            taken = clash(address, shown)
            if taken and link is not None:
                message = f"'{address}' {taken}"
                problems.append(_problem(link.document, link.text, message, ONE_OWNER, find=link.text))
            elif taken:
                path = Path(static.source_path)
                problems.append(Problem(display_path(path), 1, 1, "STATIC_PATHS", f"'{address}' {taken}", ONE_OWNER))
            else:
                claim(address, Owner(f"the file {shown}", path=address, claimant=shown))
    return sorted(set(problems))


def _attached_at(static: Static, document: Content) -> str:
    """Where an `{attach}` link from document puts the file: beside the page, as Static.attach_to does."""
    tail = os.path.relpath(static.source_path, os.path.dirname(document.source_path))
    if tail.startswith(os.pardir + os.sep):
        tail = os.path.basename(tail)
    return os.path.join(os.path.dirname(document.save_as), tail)


# The page's changelog


MARKDOWN_FORMATS = frozenset({".md", ".markdown", ".mkd", ".mdown"})
CHANGELOG_METADATA = re.compile(r"changelog\s*:(?P<rest>.*)$", re.IGNORECASE)


def page_changelog(path: Path) -> tuple[list[Change], list[Problem]]:
    """The changes a Markdown page lists in its `Changelog:` metadata, and what is wrong with them. The changes
    are written as a fact sheet's changelog is, in YAML, on the lines below `Changelog:`, each indented by four
    spaces or more (Markdown's metadata goes on while lines are indented):

        Changelog:
            - date: 2026-12-02
              kind: correction
              change: Says that most quotes are the agency's reporting.
              wrong: Said that every quote was the speakers' own words.

    Each is validated with models.Change, and a problem names the page's own line and column. A page without
    the metadata (or an HTML page) has no changes."""
    if path.suffix.lower() not in MARKDOWN_FORMATS:
        return [], []
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return [], []  # Pelican reports a page it cannot read
    problems: list[Problem] = []
    block = _changelog_block(lines, display_path(path), problems)
    if block is None:
        return [], problems
    loaded = load_file(path, problems, raw=block.encode("utf-8"))
    entries = loaded.data.get("changelog") if loaded is not None else []
    if not isinstance(entries, list):
        problems.append(loaded.problem(("changelog",), "expected a list of changes, each starting with '- date:'"))
        return [], problems
    changes = []
    for index, entry in enumerate(entries):
        change, valid = validate_record(Change, entry, ("changelog", index), loaded, problems)
        if valid:
            changes.append(change)
    return changes, problems


def _changelog_block(lines: list[str], shown: str, problems: list[Problem]) -> str | None:
    """The `Changelog:` metadata line and the indented lines below it, as YAML in which each line and column is
    the page's own (the lines above are left blank); None when the metadata (which ends at the first blank
    line) has no changelog."""
    for number, line in enumerate(lines):
        if not line.strip():
            return None
        found = CHANGELOG_METADATA.match(line)
        if found is None:
            continue
        if found["rest"].strip():
            hint = "write each change on the lines below, indented by four spaces, as a fact sheet's changelog"
            problems.append(Problem(shown, number + 1, 1, "changelog", "expected a list of changes", hint))
            return None
        end = number + 1
        while end < len(lines) and lines[end].startswith("    ") and lines[end].strip():
            end += 1
        return "\n" * number + "changelog:\n" + "\n".join(lines[number + 1 : end]) + "\n"
    return None


# Where in the page


METADATA_NAMES = {
    "save_as": "Save_as",
    "url": "URL",
    "slug": "Slug",
    "lang": "Lang",
    "title": "Title",
    "template": "Template",
}


def _problem(document: Content, field: str, message: str, hint: str = "", find: str = "") -> Problem:
    """A problem at the page's line that holds `find` (a link as written), or its metadata line `field`."""
    path = Path(document.source_path or "")
    name = METADATA_NAMES.get(field, field)
    line, column = _position(path, find, field) if find or field in METADATA_NAMES else (1, 1)
    return Problem(display_path(path), line, column, name, message, hint)


def _position(path: Path, find: str, field: str) -> tuple[int, int]:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 1, 1
    if find:
        for number, text in enumerate(lines, 1):
            if find in text:
                return number, text.index(find) + 1
        return 1, 1
    metadata_line = re.compile(rf"\s*{re.escape(field)}\s*:", re.IGNORECASE)
    html_meta = re.compile(rf"""<meta\s+name=["']{re.escape(field)}["']""", re.IGNORECASE)
    for number, text in enumerate(lines, 1):
        if metadata_line.match(text) or html_meta.search(text):
            return number, 1
    return 1, 1
