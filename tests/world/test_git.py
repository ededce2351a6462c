"""The git model: real object ids, history queries, diffs, blame and status."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitfixture import build_model, build_real, have_git
from pagerdrill.world.builder import add_linux_host, new_world, parse_instant
from pagerdrill.world.git import (
    Repository,
    RevisionError,
    Signature,
    blob_id,
    diff_trees,
    find_repository,
    parse_since,
)

needs_git = pytest.mark.skipif(not have_git(), reason="the real git is not installed")


@needs_git
def test_commit_ids_are_the_ones_git_computes(tmp_path: Path) -> None:
    build_real(tmp_path)
    real = subprocess.run(["git", "log", "--format=%H"], cwd=tmp_path, check=True,
                          capture_output=True, text=True).stdout.split()
    assert [c.sha for c in build_model().history()] == real


def test_blob_id_matches_git_hash_object() -> None:
    assert blob_id(b"") == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_resolve_head_ancestors_and_prefixes() -> None:
    repo = build_model()
    history = repo.history()
    assert repo.resolve("HEAD") is history[0]
    assert repo.resolve("HEAD~2") is history[2]
    assert repo.resolve("HEAD^") is history[1]
    assert repo.resolve("main~1^") is history[2]
    assert repo.resolve(history[3].sha[:8]) is history[3]
    for bad in ("HEAD~9", "nope", "abc"):
        with pytest.raises(RevisionError):
            repo.resolve(bad)


def test_log_by_path_and_since() -> None:
    repo = build_model()
    subjects = [c.subject for c in repo.log(paths=["config/app.yaml"])]
    assert subjects == ["Temporarily enable debug logging to chase checkout bug",
                        "Raise pool size for peak traffic", "Initial commit"]
    since = parse_instant("2026-03-01T00:00:00Z")
    assert len(repo.log(since_ms=since)) == 2


def test_diff_of_the_debug_commit() -> None:
    repo = build_model()
    commit = repo.log(paths=["config/app.yaml"])[0]
    [diff] = diff_trees(repo.parent_files(commit), commit.files)
    assert (diff.path, diff.status, diff.insertions, diff.deletions) == (
        "config/app.yaml", "M", 1, 1)
    assert diff.lines[0] == "@@ -2,7 +2,7 @@ server:\n"
    assert "-  log_level: info\n" in diff.lines and "+  log_level: debug\n" in diff.lines


def test_diff_marks_a_missing_final_newline() -> None:
    [diff] = diff_trees({"a": b"x\ny"}, {"a": b"x\nz\n"})
    assert "".join(diff.lines) == "@@ -1,2 +1,2 @@\n x\n-y\n\\ No newline at end of file\n+z\n"


def test_blame_attributes_each_line() -> None:
    repo = build_model()
    lines = repo.blame("config/app.yaml")
    authors = {line.text.strip(): line.commit.author.name for line in lines}
    assert authors["log_level: debug"] == "Dana Kim"
    assert authors["pool_size: 40"] == "Tom Becker"
    assert authors["server:"] == "Priya Natarajan"


def test_status_and_checkout_through_the_filesystem() -> None:
    world = new_world()
    host = add_linux_host(world, "web-01")
    repo = build_model()
    repo.checkout(host)
    assert find_repository(host, "/srv/myapp/config") is repo
    assert find_repository(host, "/tmp") is None
    assert repo.status(host.fs).clean
    host.fs.put("/srv/myapp/config/app.yaml", b"log_level: info\n")
    host.fs.put("/srv/myapp/notes/todo.txt", b"x\n")
    status = repo.status(host.fs)
    assert status.modified == ["config/app.yaml"] and status.untracked == ["notes/"]
    host.fs.unlink("/srv/myapp/.git/HEAD")
    host.fs.unlink("/srv/myapp/.git/config")
    host.fs.unlink("/srv/myapp/.git/refs/heads/main")


def test_a_deleted_git_directory_is_no_repository() -> None:
    world = new_world()
    host = add_linux_host(world, "web-01")
    repo = Repository("/srv/x", upstream=None)
    repo.commit("one", Signature("A", "a@x", 0), {"f": b"1\n"})
    repo.checkout(host)
    for path in ("/srv/x/.git/HEAD", "/srv/x/.git/config", "/srv/x/.git/refs/heads/main"):
        host.fs.unlink(path)
    for path in ("/srv/x/.git/refs/heads", "/srv/x/.git/refs"):
        host.fs.rmdir(path)
    host.fs.set_opaque("/srv/x/.git/objects", 0, 0)
    host.fs.rmdir("/srv/x/.git/objects")
    host.fs.rmdir("/srv/x/.git")
    assert find_repository(host, "/srv/x") is None


def test_parse_since() -> None:
    now = parse_instant("2026-03-24T03:07:00Z")
    assert parse_since("3 weeks ago", now) == now - 21 * 86_400_000
    assert parse_since("2.days", now) == now - 2 * 86_400_000
    assert parse_since("yesterday", now) == now - 86_400_000
    assert parse_since("2026-03-01", now) == parse_instant("2026-03-01T00:00:00Z")
    assert parse_since("whenever", now) is None
