"""Stage 1: read the fact-sheet files into plain data, keeping where each value was written.

Only plain YAML is accepted: mappings, lists, strings, numbers, booleans and
nulls. Tags that would build Python objects, anchors and aliases (the "billion
laughs") and files over a size limit are refused with a problem, never run.
Dates stay the strings the editor wrote, so that a wrong date is reported by
validation with its field instead of crashing the parser.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .problems import FieldPath, Problem, clipped, field_name

MAX_FILE_BYTES = 5 * 1024 * 1024
NONCHARACTERS = (
    *map(chr, range(0xFDD0, 0xFDF0)),
    *(chr(plane << 16 | last) for plane in range(17) for last in (0xFFFE, 0xFFFF)),
)
"""Unicode's noncharacters: U+FDD0 to U+FDEF, and the last two of each plane (U+FFFE, U+FFFF, U+1FFFE ...
U+10FFFF). No text means one; XML cannot hold U+FFFE and U+FFFF (the feed would not be well-formed) and
discourages the others, and HTML counts them all as errors."""
WRITTEN_NONCHARACTERS = tuple(character for character in NONCHARACTERS if character not in "\ufffe\uffff")
"""The noncharacters YAML's reader lets a file hold as they are (it refuses U+FFFE and U+FFFF)."""
_CONTROLS = "\\x00-\\x08\\x0b-\\x0c\\x0e-\\x1f\\x7f-\\x9f\\ud800-\\udfff"
CONTROL_CHARACTERS = re.compile(f"[{_CONTROLS}{''.join(NONCHARACTERS)}]")
"""C0 controls but tab, line feed and carriage return; DEL; C1 controls; lone surrogates; noncharacters. They
cannot be written to the pages, the feed or the data files, and the controls can rewrite a terminal."""
NONCHARACTERS_OR_LATE = "\\ufdd0-\\ufdef\\ufffe\\uffff\\U0001fffe-\\U0010ffff"
"""For a character class: the noncharacters, and every character from U+1FFFE on. One range, which the regex
engine checks as fast as a few controls (the 32 single noncharacters past U+FFFF made searching text six times
slower); first_refused tells the few real characters it also finds (CJK extensions, private use) apart."""
_CONTROLS_OR_LATE = re.compile(f"[{_CONTROLS}{NONCHARACTERS_OR_LATE}]")


def first_refused(text: str, searched: re.Pattern[str] = _CONTROLS_OR_LATE) -> re.Match[str] | None:
    """Where searched, a character class built with NONCHARACTERS_OR_LATE, first finds a character of the text
    that is not a real character past U+FFFF (by default, the first that CONTROL_CHARACTERS matches); None if
    it finds none."""
    for found in searched.finditer(text):
        character = found.group()
        if character < "\U00010000" or ord(character) & 0xFFFE == 0xFFFE:
            return found
    return None


FACTSHEET_SUFFIXES = (".yaml", ".yml")
MAX_DEPTH = 32
"""Lists and mappings nested deeper than this are refused (the format needs six levels): the stages
after loading, and pickling, recurse into the data."""
_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep"
_TOO_DEEP_HINT = "the format needs only a few levels: look for unclosed brackets"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_scalars = yaml.constructor.SafeConstructor()
_SCALAR_CONSTRUCTORS = {
    "tag:yaml.org,2002:str": _scalars.construct_yaml_str,
    "tag:yaml.org,2002:int": _scalars.construct_yaml_int,
    "tag:yaml.org,2002:float": _scalars.construct_yaml_float,
    "tag:yaml.org,2002:bool": _scalars.construct_yaml_bool,
    "tag:yaml.org,2002:null": _scalars.construct_yaml_null,
    "tag:yaml.org,2002:timestamp": _scalars.construct_scalar,  # kept as written
}
_STR_TAG = "tag:yaml.org,2002:str"
_TEXT_TAGS = (_STR_TAG, "tag:yaml.org,2002:timestamp")
_REPLACEMENT = "\ufffd"
_MAPPING_TAG = "tag:yaml.org,2002:map"
_SEQUENCE_TAG = "tag:yaml.org,2002:seq"


@dataclass
class LoadedFile:
    """One fact-sheet file as plain data, and its text, to find where a value was written when needed.

    Positions are looked up only for problems, by composing the text again: a clean build never pays
    for recording the line and column of every value.
    """

    path: str
    data: object
    text: str = field(default="", repr=False)
    _root: yaml.Node | None = field(default=None, repr=False)
    source: Path | None = None
    digest: str = ""
    """SHA-256 of the file's bytes: its key in the cache."""
    refused: set[FieldPath] = field(default_factory=set, repr=False)
    """Where values were refused while loading (a problem says why): validation leaves them alone."""

    def position(self, path: FieldPath, at_key: bool = False) -> tuple[int, int]:
        """Line and column (1-based) of the value at path (or of its key), or of its nearest parent."""
        node = self._node_at(path, at_key)
        return _line_and_column(node) if node is not None else (1, 1)

    def written(self, path: FieldPath) -> str | None:
        """The value at path as written, when it is a plain word that YAML may have read as something else
        than text (no, which YAML reads as false; 1.0, a number); None when it is not a plain word."""
        node = self._node_at(path, exact=True)
        return node.value if isinstance(node, yaml.ScalarNode) and not node.style and node.value else None

    def _node_at(self, path: FieldPath, at_key: bool = False, exact: bool = False) -> yaml.Node | None:
        """The node of the value at path (or of its key), or of its nearest parent unless exact."""
        if self._root is None:
            try:
                if not self.text and self.source is not None:  # not kept after reading: read it again
                    self.text = read_file_bytes(self.source).decode("utf-8-sig")
                self._root = _compose(self.text)
            except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
                return None  # the file changed since it was read and no longer parses: its start
        node = self._root
        for depth, part in enumerate(path):
            child = None
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == part:
                        if at_key and depth == len(path) - 1:
                            return key_node
                        child = value_node
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                child = node.value[part]
            if child is None:
                return None if exact else node
            node = child
        return node

    def forget_nodes(self) -> None:
        """Drop the composed nodes: they are composed again only if a later stage needs a position."""
        self._root = None

    def forget_contents(self) -> None:
        """Drop the data, the text and the nodes: a later problem reads the file again for its position."""
        self.data, self.text, self._root = None, "", None

    def problem(self, path: FieldPath, message: str, hint: str = "", at_key: bool = False) -> Problem:
        line, column = self.position(path, at_key)
        return Problem(self.path, line, column, field_name(path), message, hint)


def _line_and_column(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def hashed_file(path: Path) -> str:
    """The SHA-256 of the file's bytes, read now. Never taken from an earlier hashing while the file's size,
    modification time and inode stay the same: an edit in place can keep all three (os.utime sets the time back,
    a coarse clock leaves it), and what a build trusts or publishes would then be the old bytes' digest. Hashing
    is cheap beside reading (all the content of 10,000 claims, 34 MB in 3,400 files: about 60 ms). OSError if
    the file cannot be read."""
    return content_digest(read_file_bytes(path))


def content_digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def display_path(path: Path) -> str:
    """The path as an editor would type it: relative to the working folder when inside it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def find_factsheet_files(folder: Path, within: Path | None = None) -> list[Path]:
    """The fact-sheet files under folder, and anything else named like one but a folder (a FIFO, say: it
    is reported when read). Links to folders are not followed; a link whose target lies outside `within`
    (the content folder; folder itself by default) is left out, and reported by links_leaving. A link to
    nothing is left out too: editors' lock files (.#claims.yaml) are such."""
    root = os.path.realpath(within or folder)
    found = []
    for directory, _, names in os.walk(folder):  # a link to a folder is listed among the folders, not entered
        for name in names:
            path = os.path.join(directory, name)
            if os.path.splitext(name)[1] not in FACTSHEET_SUFFIXES or not os.path.exists(path):
                continue
            if not os.path.islink(path) or lies_within(os.path.realpath(path), root):
                found.append(Path(path))
    return sorted(found)


def lies_within(path: str | Path, folder: str | Path) -> bool:
    """Whether path (absolute, resolved) is folder (absolute, resolved) or lies inside it."""
    return os.path.commonpath([path, folder]) == os.fspath(folder)


def links_leaving(folder: Path, folder_name: str = "content folder") -> list[Problem]:
    """A problem for each symbolic link under folder (to a file or to a folder) whose target, resolved, lies
    outside folder: what it links to would be read, or published, from elsewhere (/etc/passwd, say). Links
    that stay inside are fine. Nothing is followed or read."""
    root = os.path.realpath(folder)
    problems = []
    for directory, folders, files in os.walk(folder, followlinks=False):
        for name in sorted([*folders, *files]):
            path = os.path.join(directory, name)
            target = os.path.realpath(path) if os.path.islink(path) else root
            if not lies_within(target, root):
                problems.append(
                    Problem(
                        display_path(Path(path)),
                        1,
                        1,
                        "",
                        f"links outside the {folder_name}: {target}",
                        f"copy what it links to into the {folder_name}",
                    )
                )
    return problems


def read_file_bytes(path: Path) -> bytes:
    """The bytes of a regular file. OSError when it cannot be read, or is not a regular file: a FIFO or a
    device is opened without waiting for a writer, and not read."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"
            raise OSError(errno.EINVAL, f"not a regular file but {kind}", str(path))
        with open(descriptor, "rb", closefd=False) as stream:
            return stream.read()
    finally:
        os.close(descriptor)


def unreadable(shown: str, error: OSError) -> Problem:
    """The problem of a file that cannot be read: permission refused, not a regular file, gone."""
    return Problem(shown, 1, 1, "", f"file cannot be read: {error.strerror or error}")


_ID_LINE = re.compile(r"^[ \t-]*id:[ \t]*['\"]?([a-z0-9-]+)['\"]?[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class FileToRead:
    """A fact-sheet file found: to be read and validated, unless the cache holds it."""

    path: Path
    size: int
    digest: str = ""
    """SHA-256 of its bytes when there is a cache to look it up in and store the result in."""


@dataclass
class LoadResult:
    files: list[FileToRead] = field(default_factory=list)
    """Every fact-sheet file found that could be read, in the order they are read."""
    problems: list[Problem] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    """Every fact-sheet file found, in the order they are read."""


def load_factsheets(folder: Path, digests: bool = False, content_dir: Path | None = None) -> LoadResult:
    """Find every fact-sheet file under folder, with the digest of its bytes if digests (for the cache).
    Links under content_dir (folder by default) whose target lies outside it are problems, and not read."""
    result = LoadResult()
    if not folder.is_dir():
        result.problems.append(Problem(display_path(folder), 1, 1, "", "fact-sheet folder not found"))
        return result
    result.problems += links_leaving(content_dir or folder)
    result.paths = find_factsheet_files(folder, within=content_dir)
    for path in result.paths:
        try:
            size = path.stat().st_size
            digest = content_digest(read_file_bytes(path)) if digests and size <= MAX_FILE_BYTES else ""
        except OSError as error:
            result.problems.append(unreadable(display_path(path), error))
            continue
        result.files.append(FileToRead(path, size, digest))
    return result


def ids_in_unreadable_file(raw: bytes | None) -> set[str]:
    """Ids that seem to be defined in a file that could not be read (its bytes; None when too large to
    read): references to them are not echoed."""
    return set(_ID_LINE.findall(raw.decode("utf-8", errors="replace"))) if raw else set()


def load_file(path: Path, problems: list[Problem], raw: bytes | None = None) -> LoadedFile | None:
    shown = display_path(path)
    raw = _file_bytes(path, shown, problems, raw)
    text = _file_text(raw, shown, problems) if raw is not None else None
    root = _composed(text, shown, problems) if text is not None else None
    if root is None:
        return None
    file = LoadedFile(shown, None, text, root)
    file.data = _Builder(file, problems).build(root, ())
    file.forget_nodes()
    if not isinstance(file.data, dict):
        problems.append(
            file.problem((), f"the file must be a mapping of lists such as 'claims:', not a {_kind_of(root)}")
        )
        return None
    return file


def _file_bytes(path: Path, shown: str, problems: list[Problem], raw: bytes | None) -> bytes | None:
    """The file's bytes (raw, when already read), or None with a problem: unreadable, or over the size limit."""
    try:
        size = len(raw) if raw is not None else path.stat().st_size
        if raw is None and size <= MAX_FILE_BYTES:
            raw = read_file_bytes(path)
    except OSError as error:
        problems.append(unreadable(shown, error))
        return None
    if size > MAX_FILE_BYTES:
        problems.append(
            Problem(
                shown,
                1,
                1,
                "",
                f"file is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit",
                "split it into several fact-sheet files",
            )
        )
        return None
    return raw


def _file_text(raw: bytes, shown: str, problems: list[Problem]) -> str | None:
    """The file's UTF-8 text (a byte-order mark dropped), or None with a problem: not UTF-8, or empty."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        problems.append(Problem(shown, line, column, "", "file is not UTF-8 text", "save it as UTF-8"))
        return None
    if not text.strip():
        problems.append(Problem(shown, 1, 1, "", "file is empty", "write a mapping such as 'claims: [...]'"))
        return None
    return text


def _composed(text: str, shown: str, problems: list[Problem]) -> yaml.Node | None:
    """The YAML nodes of the text, or None with a problem: a syntax error, nesting too deep, a character YAML
    refuses, or nothing but comments."""
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if "maximum nesting depth" in str(error.problem):  # libyaml's own limit (1,000 levels)
            problems.append(Problem(shown, line, column, "", _TOO_DEEP, _TOO_DEEP_HINT))
            return None
        message = " ".join(part for part in (error.context, error.problem) if part)
        problems.append(Problem(shown, line, column, "", f"YAML syntax error: {message}"))
        return None
    except RecursionError:  # PyYAML's Python composer, without libyaml
        problems.append(Problem(shown, 1, 1, "", _TOO_DEEP, _TOO_DEEP_HINT))
        return None
    except yaml.reader.ReaderError as error:  # a character YAML refuses in a file: NUL, ESC, DEL...
        problems.append(_refused_character(shown, text, error))
        return None
    except yaml.YAMLError as error:
        problems.append(Problem(shown, 1, 1, "", f"YAML error: {error}"))
        return None
    if root is None:  # nothing but comments, or an empty document ('---')
        problems.append(Problem(shown, 1, 1, "", "file holds only comments", "write a mapping such as 'claims: [...]'"))
        return None
    return root


def _refused_character(shown: str, text: str, error: yaml.reader.ReaderError) -> Problem:
    """The problem of a character the YAML reader refuses, where it first stands (the reader's offset
    counts characters or bytes depending on the parser)."""
    character = chr(error.character) if isinstance(error.character, int) else str(error.character)[:1] or "\0"
    index = text.find(character)
    line, column = (1, 1) if index < 0 else (text.count("\n", 0, index) + 1, index - text.rfind("\n", 0, index))
    return Problem(
        shown,
        line,
        column,
        "",
        f"{'control ' if unicodedata.category(character) == 'Cc' else ''}character U+{ord(character):04X} "
        "is not allowed in a YAML file",
        "delete it",
    )


def _compose(text: str) -> yaml.Node | None:
    """The YAML text as nodes; too deep a nesting is refused before composing it where the parser has no
    limit of its own (the composer recurses, in C with libyaml)."""
    if not _parser_limits_nesting():
        depth = 0
        for event in yaml.parse(text, Loader=_Loader):  # one event at a time: no recursion
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise yaml.MarkedYAMLError(problem="exceeded maximum nesting depth", problem_mark=event.start_mark)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    return yaml.compose(text, Loader=_Loader)


@functools.cache
def _parser_limits_nesting() -> bool:
    """Whether the YAML parser refuses deep nesting itself (the libyaml of PyYAML's wheels: 1,000 levels)."""
    deep = "[" * 1001 + "]" * 1001
    try:
        yaml.compose(deep, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        return "maximum nesting depth" in str(error.problem)
    except RecursionError:
        return False
    return False


def _kind_of(node: yaml.Node) -> str:
    return {yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}.get(type(node), "single value")


class _Builder:
    """Turns composed nodes into plain data, refusing what is not plain YAML."""

    def __init__(self, file: LoadedFile, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems
        self.seen: set[int] = set()
        # The YAML reader refuses control characters written as they are: they can only come from the
        # escapes of double-quoted text ("\x01", "\u0085"), so a file without a backslash has none, unless it
        # holds a noncharacter that the reader lets through (U+FDD0, U+1FFFE).
        self.may_hold_controls = "\\" in file.text or any(character in file.text for character in WRITTEN_NONCHARACTERS)

    def build(self, node: yaml.Node, path: FieldPath) -> object:
        file, problems = self.file, self.problems
        if id(node) in self.seen:
            problems.append(
                _problem_at(
                    node,
                    file,
                    path,
                    "anchors and aliases (&name, *name) are not allowed",
                    "write the value out in full",
                )
            )
            return None
        self.seen.add(id(node))
        tag = node.tag
        if tag == _STR_TAG:
            return self.text(node, path) if self.may_hold_controls else node.value
        if (tag == _MAPPING_TAG or tag == _SEQUENCE_TAG) and len(path) >= MAX_DEPTH:
            problems.append(_problem_at(node, file, path, _TOO_DEEP, _TOO_DEEP_HINT))
            file.refused.add(path)
            return None
        if tag == _MAPPING_TAG:
            return self.mapping(node, path)
        if tag == _SEQUENCE_TAG:
            return [self.build(item, path + (index,)) for index, item in enumerate(node.value)]
        return self.scalar(node, path)

    def mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, object]:
        """A mapping of plain names, each once; a key refused (not a name, a merge key, a duplicate) is left out."""
        file, problems = self.file, self.problems
        mapping: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key_node.tag != _STR_TAG or not isinstance(key, str):
                problems.append(_problem_at(key_node, file, path, "keys must be plain names"))
            elif self.may_hold_controls and not self.plain_text(key_node, path):
                continue
            elif key == "<<":
                problems.append(_problem_at(key_node, file, path, "merge keys (<<) are not allowed"))
            elif key in mapping:
                problems.append(_problem_at(key_node, file, path + (key,), f"duplicate key '{key}'"))
            else:
                mapping[key] = self.build(value_node, path + (key,))
        return mapping

    def scalar(self, node: yaml.Node, path: FieldPath) -> object:
        """A value of a tag YAML's safe loader reads (a number, true/false, a date as text); any other tag, or
        a value that cannot be read as its tag, is reported (None)."""
        file, problems, tag = self.file, self.problems, node.tag
        construct = _SCALAR_CONSTRUCTORS.get(tag) if isinstance(node, yaml.ScalarNode) else None
        if construct is None:
            problems.append(
                _problem_at(
                    node,
                    file,
                    path,
                    f"YAML tag '{tag}' is not allowed",
                    "only plain text, numbers, true/false and lists/mappings",
                )
            )
            return None
        if tag in _TEXT_TAGS:
            return self.text(node, path)
        try:
            return construct(node)
        except (ValueError, KeyError, OverflowError) as error:  # !!int "abc", or an int of 5,000 digits
            problems.append(_problem_at(node, file, path, _unreadable_scalar(node, error)))
            file.refused.add(path)
            return None

    def text(self, node: yaml.ScalarNode, path: FieldPath) -> str:
        """A text value as written; one with control characters is reported, and left to validation with
        them replaced (which does not report that value again)."""
        if self.plain_text(node, path):
            return node.value
        self.file.refused.add(path)
        return CONTROL_CHARACTERS.sub(_REPLACEMENT, node.value)

    def plain_text(self, node: yaml.ScalarNode, path: FieldPath) -> bool:
        """Whether a text (a value or a key) is free of control characters and noncharacters; if not, a problem
        says where."""
        found = first_refused(node.value)
        if found is None:
            return True
        character = found.group()
        hint = "delete it: of the control characters, only tab and line breaks are allowed"
        if "\ud800" <= character <= "\udfff":
            kind = "surrogate"
        elif unicodedata.category(character) == "Cc":
            kind = "control character"
        else:
            kind, hint = "noncharacter", "delete it: it stands for no character, and the feed cannot hold it"
        self.problems.append(_problem_at(node, self.file, path, f"{kind} U+{ord(character):04X} is not allowed", hint))
        return False


def _unreadable_scalar(node: yaml.ScalarNode, error: Exception) -> str:
    digits = sum(character.isdigit() for character in node.value)
    if node.tag.endswith(":int") and digits > 100 and "limit" in str(error):
        return f"a number of {digits:,} digits is too long"
    what = {"int": "a whole number", "float": "a number", "bool": "true or false"}.get(node.tag.rpartition(":")[2])
    return f"{clipped(node.value, 40)!r} cannot be read as {what or node.tag}"


def _problem_at(node: yaml.Node, file: LoadedFile, path: FieldPath, message: str, hint: str = "") -> Problem:
    line, column = _line_and_column(node)
    return Problem(file.path, line, column, field_name(path), message, hint)
