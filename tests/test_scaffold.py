"""`factsheets new`: a record to start from, which fails the check at each placeholder until it is filled,
added to its file as text (what was there keeps its bytes), and never under an id already used."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_safe_output import tree_digest

from helpers import BIN, ROOT, run_check, run_factsheets

# What an editor would write in place of each TODO of the new records, by field (list items by their list).
FILLED = {
    "title": "A title",
    "publisher": "ukrinform",
    "date": "2024-01-31",
    "language": "en",
    "archived_text": "sources/ukrinform-2024-01-31.txt",
    "name": "A name",
    "kind": "person",
    "summary": "What happened, in neutral words.",
    "statement": "What is claimed, attributed.",
    "claimant": "andrii-yusov",
    "status": "unverified",
    "rationale": "Why the claim has this status.",
    "text": "Yusov added that Ukraine received no evidence that 65 Ukrainian soldiers had been killed",
    "source": "ukrinform-2024-01-31",
    "sources": "ukrinform-2024-01-31",
    "about": "il76-crash-belgorod",
}
KINDS = {"source": "sources", "actor": "actors", "event": "events", "claim": "claims"}


def new(*arguments: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "factsheets"), "new", *map(str, arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def placeholder_lines(text: str) -> dict[int, str]:
    """The lines holding a TODO not commented out, by number, with the field (or list) each fills."""
    found, key = {}, ""
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        field = re.match(r"\s*(?:- )?(\w+):", line)
        key = field.group(1) if field else key
        if line.rstrip().endswith("TODO"):
            found[number] = key
    return found


def problem_lines(stderr: str, path: Path) -> set[int]:
    """The lines of path with a problem (warnings, such as a claim not yet signed by the desk, left out)."""
    return {
        int(line.split(":")[1])
        for line in stderr.splitlines()
        if line.startswith(f"{path}:") and ": warning: " not in line
    }


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_record_fails_at_its_placeholders_until_they_are_filled(content_copy, kind):
    path = content_copy / "factsheets" / f"{KINDS[kind]}.yaml"
    before = path.read_bytes()
    added = new(kind, f"new-{kind}", content_copy)
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith(f"{path}:"), added.stdout
    text = path.read_text(encoding="utf-8")
    assert text.encode("utf-8").startswith(before)
    id_line = int(added.stdout.split(":")[1])
    assert text.splitlines()[id_line - 1] == f"  - id: new-{kind}"

    placeholders = placeholder_lines(text)
    assert placeholders and min(placeholders) > id_line
    checked = run_check(content_copy)
    assert checked.returncode == 1
    assert problem_lines(checked.stderr, path) == set(placeholders), checked.stderr
    assert "placeholder TODO left in: replace it with the field's value" in checked.stderr

    lines = text.splitlines(keepends=True)
    for number, field in placeholders.items():
        lines[number - 1] = lines[number - 1].replace("TODO", FILLED[field])
    path.write_text("".join(lines), encoding="utf-8")
    checked = run_check(content_copy)
    assert checked.returncode == 0, checked.stderr


def test_a_new_record_explains_every_field_from_the_models():
    from factsheets.models import Claim
    from factsheets.scaffold import record_lines

    lines = record_lines("claim", "a-claim")
    for name, info in Claim.model_fields.items():
        written = [index for index, line in enumerate(lines) if re.match(rf"(- |  )(# )?{name}:", line)]
        assert written, name
        assert lines[written[0] - 1].lstrip().startswith(f"# {info.description}"), name
        assert lines[written[0]].lstrip().startswith("#") != info.is_required(), name


@pytest.mark.parametrize(
    ("kind", "record_id", "message"),
    [
        ("actor", "andrii-yusov", "id 'andrii-yusov' is already used by the actor at "),
        ("claim", "andrii-yusov", "id 'andrii-yusov' is already used by the actor at "),
        ("event", "il76-on-board-russian-defence-ministry", "id 'il76-on-board-russian-defence-ministry' is already"),
        ("event", "Il76_Crash", "'Il76_Crash': not a safe id: use 1 to 80 lowercase letters"),
        ("event", "index", "'index': 'index' is reserved"),
    ],
)
def test_a_used_or_unsafe_id_is_refused_and_nothing_written(content_copy, kind, record_id, message):
    before = tree_digest(content_copy)
    refused = new(kind, record_id, content_copy)
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"factsheets new: {message}"), refused.stderr
    assert tree_digest(content_copy) == before


def test_the_place_of_a_used_id_is_named(content_copy):
    refused = new("claim", "andrii-yusov", content_copy)
    assert f"the actor at {content_copy}/factsheets/actors.yaml:3: ids are unique" in refused.stderr


def test_a_file_the_build_would_not_read_is_refused(content_copy, tmp_path):
    before = tree_digest(content_copy)
    for file in (tmp_path / "claims.yaml", content_copy / "factsheets" / "claims.txt", content_copy / "claims.yaml"):
        refused = new("claim", "a-new-claim", content_copy, "--file", file)
        assert refused.returncode == 1
        assert "not a fact-sheet file the build reads" in refused.stderr
        assert not file.exists()
    assert tree_digest(content_copy) == before


def test_a_new_file_starts_with_the_schema_line_of_the_others(content_copy):
    file = content_copy / "factsheets" / "2024" / "claims.yaml"
    added = new("claim", "a-new-claim", content_copy, "--file", file)
    assert added.returncode == 0, added.stderr
    lines = file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../../../schema/factsheet.schema.json"
    assert lines[1] == "claims:"
    assert added.stdout.startswith(f"{file}:6: added the claim 'a-new-claim'")


def test_a_record_goes_into_its_own_list_of_a_file_holding_several(content_copy):
    file = content_copy / "factsheets" / "mixed.yaml"
    head = (
        "# yaml-language-server: $schema=../../schema/factsheet.schema.json\n"
        "actors:\n"
        "- id: mixed-actor  # the first one\n"
        "  name: Mixed\n"
        "  kind: person\n"
        "  description: >-\n"
        "    Folded text.\n"
        "  # same_as: a commented field stays with its record\n"
    )
    tail = "\n# Claims follow.\nclaims: []\n"
    file.write_text(head + tail, encoding="utf-8")
    added = new("actor", "second-actor", content_copy, "--file", file)
    assert added.returncode == 0, added.stderr
    text = file.read_text(encoding="utf-8")
    assert text.startswith(head + "\n# A new actor: ")
    assert text.endswith(tail)
    assert text.splitlines()[int(added.stdout.split(":")[1]) - 1] == "- id: second-actor"

    refused = new("claim", "a-new-claim", content_copy, "--file", file)
    assert refused.returncode == 1
    assert "'claims' is not a list of '- ' items, one a line" in refused.stderr
    assert file.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("form", ["absolute", "parent", "link"])
def test_a_folder_outside_the_content_folder_is_refused_and_nothing_written(content_copy, tmp_path, form):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    folder = {"absolute": outside, "parent": Path("..") / "elsewhere", "link": Path("linked")}[form]
    if form == "link":  # a folder inside the content folder, as it looks, that leads outside it
        (content_copy / "linked").symlink_to(outside)
    before = tree_digest(content_copy)
    refused = new("claim", "a-new-claim", content_copy, "--folder", folder)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"factsheets new: {folder}: not a folder inside the content folder {content_copy}: "
        "the fact-sheet folder must lie inside it"
    ]
    assert list(outside.iterdir()) == []
    assert tree_digest(content_copy) == before


def test_accept_never_writes_into_a_folder_outside_the_content_folder(content_copy, tmp_path):
    outside = tmp_path / "elsewhere"
    shutil.copytree(content_copy / "factsheets", outside)
    archived = content_copy / "sources" / "ukrinform-2024-01-31.txt"
    archived.write_text(archived.read_text(encoding="utf-8") + "A correction.\n", encoding="utf-8")
    before = tree_digest(outside)
    refused = run_factsheets(
        "accept", "ukrinform-2024-01-31", content_copy, "--folder", outside, "--change", "Corrected."
    )
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"factsheets accept: {outside}: not a folder inside the content folder {content_copy}: "
        "the fact-sheet folder must lie inside it"
    ]
    assert tree_digest(outside) == before
