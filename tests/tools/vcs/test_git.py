"""git against the real git 2.39: the same history, byte-for-byte the same output."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gitfixture import build_model, build_real, have_git
from pagerdrill.tools.git import NOT_A_REPO
from pagerdrill.world.host import Host
from toolkit import run_tool

pytestmark = pytest.mark.skipif(not have_git(), reason="the real git is not installed")


def real_git(path: Path, *args: str) -> tuple[str, int]:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
           "TZ": "UTC", "GIT_PAGER": "cat", "LC_ALL": "C"}
    done = subprocess.run(["git", *args], cwd=path, env=env, capture_output=True, text=True)
    return done.stdout, done.returncode


@pytest.fixture
def both(host: Host, tmp_path: Path) -> tuple[Host, Path]:
    build_real(tmp_path)
    build_model().checkout(host)
    return host, tmp_path


CASES = [
    ["log"],
    ["log", "--oneline"],
    ["log", "-n", "2"],
    ["log", "-1", "--stat"],
    ["log", "--stat"],
    ["log", "-p"],
    ["log", "-p", "--", "config/app.yaml"],
    ["log", "--oneline", "config/app.yaml"],
    ["log", "--oneline", "HEAD~1"],
    ["show"],
    ["show", "HEAD~1"],
    ["show", "--stat", "HEAD~1"],
    ["show", "HEAD~2:config/app.yaml"],
    ["diff", "HEAD~2..HEAD"],
    ["diff", "HEAD~3", "HEAD", "--", "config"],
    ["diff", "--stat", "HEAD~3..HEAD"],
    ["blame", "config/app.yaml"],
    ["status"],
    ["diff"],
]


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a))
def test_same_output_as_git(both: tuple[Host, Path], args: list[str]) -> None:
    host, path = both
    expected, status = real_git(path, *args)
    got = run_tool(host, ["git", *args], cwd="/srv/myapp")
    assert (got.out, got.status) == (expected, status)


def test_status_and_diff_after_editing(both: tuple[Host, Path]) -> None:
    host, path = both
    new = (path / "config/app.yaml").read_text().replace("log_level: debug", "log_level: info")
    (path / "config/app.yaml").write_text(new)
    host.fs.put("/srv/myapp/config/app.yaml", new.encode())
    (path / "notes").mkdir()
    (path / "notes/todo.txt").write_text("x\n")
    host.fs.put("/srv/myapp/notes/todo.txt", b"x\n")
    (path / "scratch").write_text("y\n")
    host.fs.put("/srv/myapp/scratch", b"y\n")
    host.fs.unlink("/srv/myapp/requirements.txt")  # a deleted tracked file
    (path / "requirements.txt").unlink()
    for args in (["status"], ["diff"], ["diff", "--stat"], ["diff", "HEAD~1"], ["status", "-s"],
                 ["status", "--short"], ["status", "-sb"], ["status", "--porcelain"],
                 ["status", "-s", "-b"], ["status", "--short", "--branch"]):
        expected, status = real_git(path, *args)
        got = run_tool(host, ["git", *args], cwd="/srv/myapp")
        assert (got.out, got.status) == (expected, status), args
    sub, _ = real_git(path / "config", "status")
    assert run_tool(host, ["git", "status"], cwd="/srv/myapp/config").out == sub


def test_git_dash_c_and_not_a_repository(both: tuple[Host, Path]) -> None:
    host, _ = both
    assert run_tool(host, ["git", "-C", "/srv/myapp", "log", "--oneline", "-1"]).out.endswith(
        "Fix rounding in checkout total (CHK-412)\n")
    outside = run_tool(host, ["git", "log"], cwd="/root")
    assert (outside.err, outside.status) == (NOT_A_REPO, 128)


def test_errors_read_like_git(both: tuple[Host, Path]) -> None:
    host, path = both
    for args in (["show", "nope"], ["log", "--bogus"], ["blame", "nofile"]):
        done = subprocess.run(["git", *args], cwd=path, capture_output=True, text=True)
        got = run_tool(host, ["git", *args], cwd="/srv/myapp")
        assert (got.err, got.status) == (done.stderr, done.returncode), args
    bad = run_tool(host, ["git", "frobnicate"], cwd="/srv/myapp")
    assert bad.err == "git: 'frobnicate' is not a git command. See 'git --help'.\n"


def test_quiet_clustered_commit_and_short_status_of_staged_files(
        both: tuple[Host, Path]) -> None:
    host, path = both
    for where in ("model", "real"):
        if where == "real":
            (path / "config/app.yaml").write_text("log_level: warn\n")
            (path / "added.txt").write_text("new\n")
            real_git(path, "add", "added.txt")
        else:
            host.fs.put("/srv/myapp/config/app.yaml", b"log_level: warn\n")
            host.fs.put("/srv/myapp/added.txt", b"new\n")
            run_tool(host, ["git", "add", "added.txt"], cwd="/srv/myapp")
    expected, _ = real_git(path, "status", "--short")
    assert run_tool(host, ["git", "status", "--short"], cwd="/srv/myapp").out == expected
    got = run_tool(host, ["git", "commit", "-qam", "Quiet fix"], cwd="/srv/myapp")
    assert (got.out, got.err, got.status) == ("", "", 0)
    log = run_tool(host, ["git", "log", "--oneline", "-1"], cwd="/srv/myapp")
    assert log.out.split(" ", 1)[1] == "Quiet fix\n"
    assert run_tool(host, ["git", "status", "-s"], cwd="/srv/myapp").out == ""
    bad = run_tool(host, ["git", "status", "-z9"], cwd="/srv/myapp")
    real_bad = subprocess.run(["git", "status", "-x"], cwd=path, capture_output=True, text=True)
    assert bad.status == real_bad.returncode == 129
    assert bad.err.splitlines()[0] == "error: unknown switch `9'"


def test_add_and_commit_record_a_fix(both: tuple[Host, Path]) -> None:
    host, _ = both
    host.fs.put("/srv/myapp/config/app.yaml", b"log_level: info\n")
    result = run_tool(host, ["git", "commit", "-am", "Revert debug logging"], cwd="/srv/myapp")
    assert result.status == 0 and result.out.startswith("[main ")
    assert " 1 file changed" in result.out
    status = run_tool(host, ["git", "status"], cwd="/srv/myapp")
    assert status.out.endswith("nothing to commit, working tree clean\n")
    log = run_tool(host, ["git", "log", "--oneline", "-1"], cwd="/srv/myapp")
    assert log.out.split(" ", 1)[1] == "Revert debug logging\n"
