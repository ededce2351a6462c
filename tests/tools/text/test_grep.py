from __future__ import annotations

from .helpers import make_host, sh

LOG = b"INFO ok\nERROR disk full\nWARN retry\nerror: No space left on device\n"


def test_grep_selects_and_exits_by_result() -> None:
    host = make_host({"/var/log/app.log": LOG})
    assert sh(host, "grep", "ERROR", "/var/log/app.log").out == "ERROR disk full\n"
    assert sh(host, "grep", "nothing", "/var/log/app.log").status == 1
    assert sh(host, "grep", "x", "/nope").status == 2


def test_grep_common_flags() -> None:
    host = make_host({"/root/log": LOG})
    assert sh(host, "grep", "-ic", "error", "log").out == "2\n"
    assert sh(host, "grep", "-n", "WARN", "log").out == "3:WARN retry\n"
    assert sh(host, "grep", "-v", "-e", "INFO", "-e", "WARN", "log").out.count("\n") == 2
    assert sh(host, "grep", "-oE", "[0-9A-Z]{4,}", "log").out == "INFO\nERROR\nWARN\n"
    assert sh(host, "grep", "-A1", "INFO", "log").out == "INFO ok\nERROR disk full\n"


def test_grep_bre_translation() -> None:
    host = make_host({"/root/log": LOG})
    assert sh(host, "grep", "^\\(INFO\\|WARN\\) ", "log").out == "INFO ok\nWARN retry\n"
    assert sh(host, "grep", "-c", "[[:upper:]]\\{5\\}", "log").out == "1\n"
    assert sh(host, "grep", "a\\(", "log").err == "grep: Unmatched ( or \\(\n"


def test_grep_recursive_walks_the_tree() -> None:
    host = make_host({"/srv/a/x.log": b"boom\n", "/srv/b/y.txt": b"boom\n"})
    assert sh(host, "grep", "-r", "boom", "/srv").out == "/srv/a/x.log:boom\n/srv/b/y.txt:boom\n"
    assert sh(host, "grep", "-rl", "--include=*.log", "boom", "/srv").out == "/srv/a/x.log\n"


def test_grep_binary_and_directory() -> None:
    host = make_host({"/root/bin": b"a\0b\n"})
    result = sh(host, "grep", "a", "bin")
    assert (result.out, result.err, result.status) == ("", "grep: bin: binary file matches\n", 0)
    assert sh(host, "grep", "x", "/etc").err == "grep: /etc: Is a directory\n"
