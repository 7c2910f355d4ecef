"""What the project installs and what publishes it: pinned by hash, floors past known problems, least privilege."""

from __future__ import annotations

import re
import subprocess
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from helpers import ROOT

LOCKFILE = ROOT / "requirements.lock"
WORKFLOW = ROOT / ".github" / "workflows" / "pages.yml"


def locked() -> dict[str, tuple[Version, list[str]]]:
    """Each package of the lock file: its pinned version and its hashes."""
    packages: dict[str, tuple[Version, list[str]]] = {}
    for entry in re.split(r"\n(?=\S)", LOCKFILE.read_text()):
        first = entry.split("\n", 1)[0]
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", first)
        if match:
            packages[canonicalize_name(match[1])] = (
                Version(match[2]),
                re.findall(r"--hash=sha256:([0-9a-f]{64})", entry),
            )
    return packages


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(line) for line in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def test_every_dependency_is_pinned_with_hashes_within_what_pyproject_allows():
    pins = locked()
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements.lock: run make lock"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), f"{name}=={version} breaks {requirement}"
        assert hashes, f"{name} has no hash in requirements.lock"
    for name, (_, hashes) in pins.items():
        assert hashes, f"{name} has no hash in requirements.lock"


@pytest.mark.parametrize(
    ("package", "known_bad"),
    [
        ("pypdf", "5.0.0"),  # PDF bombs and endless loops, fixed across 6.x
        ("pypdf", "6.16.0"),
        ("trafilatura", "2.2.0"),  # gzip decompressed without a bound before 2.3
        ("jinja2", "3.1.4"),  # sandbox escapes fixed in 3.1.5 and 3.1.6
        ("pillow", "10.1.0"),
    ],
)
def test_dependency_floors_refuse_releases_with_known_problems(package, known_bad):
    (requirement,) = [r for r in declared() if canonicalize_name(r.name) == package]
    assert not requirement.specifier.contains(known_bad), f"{requirement} still allows {package} {known_bad}"


def test_make_installs_only_from_the_lock_file_by_hash():
    """Every pip install the setup runs takes the lock with --require-hashes, or the project alone with --no-deps."""
    planned = subprocess.run(
        ["make", "-n", "-B", ".venv/.installed"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    installs = [line for line in planned.splitlines() if "pip install" in line]
    assert any("--require-hashes -r requirements.lock" in line for line in installs), planned
    for line in installs:
        assert "--require-hashes" in line or ("--no-deps" in line and line.rstrip().endswith("-e .")), line


def test_the_pages_workflow_gives_write_access_to_the_deploy_job_only_and_pins_actions_by_commit():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow["permissions"] == {"contents": "read"}
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions")
        assert permissions is not None, f"job {name} inherits the workflow's permissions: say what it needs"
        writes = {scope for scope, access in permissions.items() if access == "write"}
        assert writes == ({"pages", "id-token"} if name == "deploy" else set()), (name, permissions)
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), f"not pinned by commit: {step}"
                if step["uses"].startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False  # the build runs no git push
