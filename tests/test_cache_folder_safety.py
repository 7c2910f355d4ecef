"""A cache folder that another user could write, or that holds links, FIFOs and devices where entries and folders
belong, is never turned against its user: no file outside the cache is removed or created, no run hangs or
ends in a traceback, and a folder others may write is not used at all (with one note). The key that signs the
entries is never one a checkout brought, wherever the content lies in the repository."""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import resource
import shutil
import subprocess
from pathlib import Path

import pytest
from test_cache_trust import RunsCode, cache_entries

from helpers import BIN, CONTENT, ROOT, run_factsheets, run_pelican

MEMORY_LIMIT_BYTES = 2 << 30
"""The address space a run may use: a run that reads a link to /dev/zero whole fails here, not the machine."""
RUN_SECONDS = 60


def check_bounded(content: Path, cache_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`factsheets check CONTENT --cache-dir CACHE_DIR` in bounded memory; pytest.fail if it has not ended in
    RUN_SECONDS (a FIFO waited on never ends)."""

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))

    command = [str(BIN / "factsheets"), "check", str(content), "--cache-dir", str(cache_dir)]
    try:
        return subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_SECONDS, preexec_fn=limit_memory
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"factsheets check did not end in {RUN_SECONDS} s")


def only_folder(parent: Path) -> Path:
    """The one folder this code made under parent (a code version's, a site's)."""
    [folder] = [path for path in parent.iterdir() if path.is_dir()]
    return folder


def without_snapshot(cache_dir: Path) -> None:
    """Remove the site's snapshot, so that the next run reads every file's entry (an unchanged site is taken back
    from the snapshot alone)."""
    for snapshot in (cache_dir / "sheets").rglob("*.snapshot"):
        snapshot.unlink()


def victim_folder(tmp_path: Path, name: str) -> Path:
    """A folder of the user's, outside the cache, holding a file named as a cache entry is."""
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / name).write_bytes(b"the user's own file")
    return victim


def test_a_cards_folder_linked_to_another_folder_never_loses_its_pngs(tmp_path):
    cache_dir = tmp_path / "cache"
    settings = {"FACTSHEETS_CACHE_PATH": str(cache_dir)}
    assert run_pelican(CONTENT, tmp_path / "first", overrides=settings).returncode == 0
    site_cards = only_folder(only_folder(cache_dir / "cards"))
    shutil.rmtree(site_cards)
    victim = victim_folder(tmp_path, "holiday.png")
    site_cards.symlink_to(victim)  # as another user who may write the cache folder would plant it
    result = run_pelican(CONTENT, tmp_path / "second", overrides=settings)
    assert result.returncode == 0, result.stderr
    assert (victim / "holiday.png").read_bytes() == b"the user's own file"
    assert sorted(path.name for path in victim.iterdir()) == ["holiday.png"], "nothing written through the link"
    assert f"note: cache off: {site_cards} is a link, not a folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_entries_folder_linked_to_another_folder_never_loses_its_entries(content_copy, tmp_path):
    cache_dir = tmp_path / "cache"
    assert check_bounded(content_copy, cache_dir).returncode == 0
    site_entries = only_folder(only_folder(cache_dir / "sheets"))
    shutil.rmtree(site_entries)
    victim = victim_folder(tmp_path, "diary.entry")
    site_entries.symlink_to(victim)
    result = check_bounded(content_copy, cache_dir)
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in victim.iterdir()) == ["diary.entry"]
    assert (victim / "diary.entry").read_bytes() == b"the user's own file"
    assert result.stderr.count("note: cache off:") == 1, result.stderr
    assert f"{site_entries} is a link, not a folder" in result.stderr


def test_fifo_entries_are_never_waited_on(content_copy, tmp_path):
    cache_dir = tmp_path / "cache"
    assert check_bounded(content_copy, cache_dir).returncode == 0
    entries = cache_entries(cache_dir)
    assert any(entry.suffix == ".snapshot" for entry in entries) and any(entry.suffix == ".entry" for entry in entries)
    for entry in entries:  # the site's snapshot, every file's records, where quotes were found
        entry.unlink()
        os.mkfifo(entry)
    result = check_bounded(content_copy, cache_dir)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("note: ignored a damaged or foreign") == 1, result.stderr
    assert "no problems" in result.stdout
    again = check_bounded(content_copy, cache_dir)  # the FIFOs were replaced by good entries
    assert again.returncode == 0 and "note:" not in again.stderr, again.stderr


def test_entries_linked_to_dev_zero_are_not_read(content_copy, tmp_path):
    cache_dir = tmp_path / "cache"
    assert check_bounded(content_copy, cache_dir).returncode == 0
    for entry in cache_entries(cache_dir):
        entry.unlink()
        entry.symlink_to("/dev/zero")
    result = check_bounded(content_copy, cache_dir)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert result.stderr.count("note: ignored a damaged or foreign") == 1, result.stderr
    assert not any(entry.is_symlink() for entry in cache_entries(cache_dir)), "the links were replaced, not followed"


def test_oversized_entries_are_not_read(content_copy, tmp_path):
    cache_dir = tmp_path / "cache"
    assert check_bounded(content_copy, cache_dir).returncode == 0
    [entry, *_] = sorted((cache_dir / "sheets").rglob("*.entry"))
    with entry.open("r+b") as stream:  # a sparse file far larger than any fact sheet's records
        stream.truncate(3 << 30)
    without_snapshot(cache_dir)
    result = check_bounded(content_copy, cache_dir)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_a_dangling_cachedir_tag_link_creates_no_file(content_copy, tmp_path):
    cache_dir, target = tmp_path / "cache", tmp_path / "chosen-by-the-attacker"
    assert check_bounded(content_copy, cache_dir).returncode == 0
    (cache_dir / "CACHEDIR.TAG").unlink()
    (cache_dir / "CACHEDIR.TAG").symlink_to(target)
    result = check_bounded(content_copy, cache_dir)
    assert result.returncode == 0, result.stderr
    assert not target.exists(), "a file was written through the link"


def _cache_tree(cache_dir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(cache_dir)): path.read_bytes() for path in sorted(cache_dir.rglob("*")) if path.is_file()
    }


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757], ids=oct)
def test_a_cache_folder_others_may_write_is_not_used(content_copy, tmp_path, mode):
    cache_dir, marker = tmp_path / "cache", tmp_path / "pwned"
    assert check_bounded(content_copy, cache_dir).returncode == 0
    for entry in (cache_dir / "sheets").rglob("*.entry"):  # planted, and signed with the user's own key: never read
        _sign_with(os.environ["XDG_CACHE_HOME"], entry, pickle.dumps(RunsCode(marker)))
    without_snapshot(cache_dir)
    (cache_dir / "sheets" / "planted.entry").write_bytes(b"a stranger's")
    (cache_dir / "CACHEDIR.TAG").unlink()
    cache_dir.chmod(mode)
    before = _cache_tree(cache_dir)
    result = check_bounded(content_copy, cache_dir)
    assert result.returncode == 0, result.stderr
    assert not marker.exists(), "an entry was read"
    assert result.stderr.splitlines() == [
        f"note: cache off: {cache_dir} may be written by other users (mode {mode:o}); "
        f"make it private (chmod go-w) or choose another folder"
    ]
    assert _cache_tree(cache_dir) == before, "nothing written or removed there"

    built = run_pelican(CONTENT, tmp_path / "output", overrides={"FACTSHEETS_CACHE_PATH": str(cache_dir)})
    assert built.returncode == 0, built.stderr
    assert built.stderr.count("note: cache off:") == 1, built.stderr
    assert _cache_tree(cache_dir) == before, "no template, card or build record kept there"


def test_a_folder_inside_the_cache_that_others_may_write_turns_it_off(content_copy, tmp_path):
    cache_dir = tmp_path / "cache"
    assert check_bounded(content_copy, cache_dir).returncode == 0
    version = only_folder(cache_dir / "sheets")
    version.chmod(0o777)
    result = check_bounded(content_copy, cache_dir)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"note: cache off: {version} may be written by other users (mode 777); "
        f"make it private (chmod go-w) or choose another folder"
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another user")
def test_a_cache_folder_of_another_users_is_not_used(content_copy, tmp_path):
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir(mode=0o755)
    os.chown(cache_dir, 4242, 4242)
    result = check_bounded(content_copy, cache_dir)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"note: cache off: {cache_dir} belongs to another user (uid 4242); choose a folder of your own"
    ]
    assert list(cache_dir.iterdir()) == []


def test_clean_removes_nothing_through_a_cache_folder_others_may_write(tmp_path):
    user_cache = tmp_path / "xdg"
    environment = {**os.environ, "XDG_CACHE_HOME": str(user_cache)}
    assert run_factsheets("check", CONTENT, env=environment).returncode == 0
    cache_root = user_cache / "factsheets"
    cache_root.chmod(0o777)
    before = _cache_tree(cache_root)
    cleaned = run_factsheets("clean", "-s", ROOT / "pelicanconf.py", "-o", tmp_path / "output", env=environment)
    assert cleaned.returncode == 0, cleaned.stderr
    assert _cache_tree(cache_root) == before
    assert f"note: caches left as they are: {cache_root} may be written by other users" in cleaned.stderr


def test_a_key_folder_others_may_write_is_not_used(content_copy, tmp_path, tmp_path_factory):
    user_cache = tmp_path_factory.mktemp("xdg")  # outside the project (content_copy's folder)
    environment = {**os.environ, "XDG_CACHE_HOME": str(user_cache)}
    assert check_bounded(content_copy, tmp_path / "cache", env=environment).returncode == 0
    key_folder = user_cache / "factsheets"
    key_folder.chmod(0o777)  # another user could have put their own key, or a link, in place of the user's
    result = check_bounded(content_copy, tmp_path / "cache", env=environment)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        f"note: cache off: {key_folder} may be written by other users (mode 777); "
        f"make it private (chmod go-w) or choose another folder"
    ]


def test_a_build_records_folder_linked_to_another_folder_gets_nothing_written_through_it(content_copy, tmp_path):
    cache_dir, output = tmp_path / "cache", tmp_path / "output"
    settings = tmp_path / "settings.py"
    settings.write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
        f"THEME = {str(ROOT / 'theme')!r}\nPLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
        f"FACTSHEETS_CACHE_PATH = {str(cache_dir)!r}\n"
    )
    built = run_factsheets("build", "-s", settings, "-o", output, content_copy, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    records = only_folder(cache_dir / "builds")
    shutil.rmtree(records)
    victim = victim_folder(tmp_path, "notes.txt")
    records.symlink_to(victim)
    again = run_factsheets("build", "-s", settings, "-o", output, content_copy, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert sorted(path.name for path in victim.iterdir()) == ["notes.txt"], "no record written through the link"
    assert f"note: cache off: {records} is a link, not a folder" in again.stderr


def _sign_with(user_cache: str | Path, entry: Path, payload: bytes) -> None:
    """Write entry as this user's builds would sign it (with the key in user_cache), holding payload."""
    key = (Path(user_cache) / "factsheets" / "key").read_bytes()
    scope = f"{entry.parent.parent.name}/{entry.parent.name}/{entry.name}\n".encode()
    entry.write_bytes(hmac.new(key, scope + payload, hashlib.sha256).digest() + payload)


def test_a_key_committed_to_the_repository_is_never_used_wherever_the_content_lies(tmp_path, tmp_path_factory):
    # The content is in sub/content of a repository whose top holds a key and entries signed with it, and the CI
    # runner's XDG_CACHE_HOME is the checkout's top: the content's parent (sub/) does not hold the key.
    repository, marker = tmp_path / "repo", tmp_path / "pwned"
    content = repository / "sub" / "content"
    shutil.copytree(CONTENT, content)
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    attacker_cache = tmp_path_factory.mktemp("attacker")
    made = run_factsheets("check", content, env={**os.environ, "XDG_CACHE_HOME": str(attacker_cache)})
    assert made.returncode == 0, made.stderr
    shutil.copytree(attacker_cache / "factsheets", repository / "factsheets")
    for entry in (repository / "factsheets" / "sheets").rglob("*.entry"):
        _sign_with(repository, entry, pickle.dumps(RunsCode(marker)))
    without_snapshot(repository / "factsheets")
    (repository / "factsheets" / "key").chmod(0o600)
    victim = {**os.environ, "XDG_CACHE_HOME": str(repository)}
    result = run_factsheets("check", "sub/content", cwd=repository, env=victim)
    assert result.returncode == 0, result.stderr
    assert not marker.exists(), "a key from the checkout signed code that ran"
    assert result.stderr.count("note: cache off: the key would lie inside the project") == 1, result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_an_older_snapshot_that_is_not_a_file_is_left_alone(content_copy, tmp_path):
    """Replacing the site's snapshot removes older snapshots only where they are regular files: a folder or a
    link of that name is neither entered nor followed, and ends no run in a traceback."""
    cache_dir = tmp_path / "cache"
    assert check_bounded(content_copy, cache_dir).returncode == 0
    site_folder = only_folder(only_folder(cache_dir / "sheets"))
    victim = victim_folder(tmp_path, "notes.txt")
    (site_folder / "site-0123456789abcdef.snapshot").mkdir()
    (site_folder / "site-0123456789abcdef.snapshot" / "kept").write_text("kept")
    (site_folder / "site-fedcba9876543210.snapshot").symlink_to(victim / "notes.txt")
    without_snapshot_of_this_code = [path for path in site_folder.glob("site-*.snapshot") if path.is_file()]
    for snapshot in without_snapshot_of_this_code:
        snapshot.unlink()  # the next check reads the site whole and keeps a new snapshot
    (content_copy / "factsheets" / "claims.yaml").write_text(
        (content_copy / "factsheets" / "claims.yaml").read_text() + "\n"
    )
    result = check_bounded(content_copy, cache_dir)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (site_folder / "site-0123456789abcdef.snapshot" / "kept").read_text() == "kept"
    assert (victim / "notes.txt").read_bytes() == b"the user's own file"
    assert [path for path in site_folder.glob("site-*.snapshot") if path.is_file() and not path.is_symlink()]


def test_a_cache_folder_reached_through_a_folder_everyone_may_write_is_not_used(content_copy, tmp_path):
    """In a folder everyone may write (without /tmp's sticky bit) another user can put a link where the cache
    folder is named, leading into a folder of the user's own: its files would be pruned and it tagged as a cache."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    documents = victim_folder(tmp_path, "letter.txt")
    (shared / "cache").symlink_to(documents)
    result = check_bounded(content_copy, shared / "cache")
    assert result.returncode == 0, result.stderr
    assert f"note: cache off: {shared / 'cache'} lies in {shared}, which everyone may write" in result.stderr
    assert sorted(path.name for path in documents.iterdir()) == ["letter.txt"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can make a link of another user's")
def test_a_cache_folder_reached_through_another_users_link_is_not_used(content_copy, tmp_path):
    documents = victim_folder(tmp_path, "letter.txt")
    link = tmp_path / "cache"
    link.symlink_to(documents)
    os.lchown(link, 4242, 4242)
    result = check_bounded(content_copy, link)
    assert result.returncode == 0, result.stderr
    assert f"note: cache off: {link} leads through {link}, a link of another user's (uid 4242)" in result.stderr
    assert sorted(path.name for path in documents.iterdir()) == ["letter.txt"]


def test_a_folder_of_the_users_own_is_not_made_a_cache(content_copy, tmp_path):
    """A cache folder is tagged (CACHEDIR.TAG), which backups skip: a folder that holds other files is not one."""
    documents = victim_folder(tmp_path, "letter.txt")
    documents.chmod(0o700)
    result = check_bounded(content_copy, documents)
    assert result.returncode == 0, result.stderr
    assert f"note: cache off: {documents} holds files that are not a cache's (letter.txt)" in result.stderr
    assert sorted(path.name for path in documents.iterdir()) == ["letter.txt"]


def test_a_key_beside_the_settings_file_is_never_used(tmp_path, tmp_path_factory):
    """The settings file's folder is the project's even where nothing else says so (no repository; the theme and
    the plugins elsewhere; the content in a folder of a folder): a key kept there is not used."""
    project = tmp_path / "project"
    shutil.copytree(CONTENT, project / "sub" / "content")
    (project / "site.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom pelicanconf import *\n"
        f"PATH = 'sub/content'\nTHEME = {str(ROOT / 'theme')!r}\nPLUGIN_PATHS = [{str(ROOT / 'plugins')!r}]\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(project / ".cache")}
    env.pop("FACTSHEETS_CACHE_PATH", None)
    result = run_factsheets("build", "-s", project / "site.py", "-o", tmp_path / "output", cwd=project, env=env)
    assert result.returncode == 0, result.stderr
    assert "note: cache off: the key would lie inside the project" in result.stderr
    assert not (project / ".cache" / "factsheets" / "key").exists()
