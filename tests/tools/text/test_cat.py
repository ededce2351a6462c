from __future__ import annotations

from toolkit import run_tool

from .helpers import make_host, sh


def test_cat_concatenates_files_and_stdin() -> None:
    host = make_host({"/root/a": b"one\n", "/root/b": b"two\n"})
    assert sh(host, "cat", "a", "-", "b", stdin=b"mid\n").out == "one\nmid\ntwo\n"


def test_cat_numbers_and_squeezes() -> None:
    host = make_host({"/root/a": b"x\n\n\n\ny\n"})
    assert sh(host, "cat", "-sn", "a").out == "     1\tx\n     2\t\n     3\ty\n"


def test_cat_errors_name_the_file() -> None:
    host = make_host({"/root/a": b"x\n"})
    result = sh(host, "cat", "/nope", "/etc", "a")
    assert result.out == "x\n"
    assert result.err == "cat: /nope: No such file or directory\ncat: /etc: Is a directory\n"
    assert result.status == 1


def test_cat_permission_denied_for_other_users() -> None:
    host = make_host()
    host.fs.put("/tmp/secret", b"s\n", mode=0o600)
    denied = run_tool(host, ["cat", "/tmp/secret"], user="www-data", cwd="/tmp")
    assert denied.err == "cat: /tmp/secret: Permission denied\n"


def test_less_and_more_copy_when_not_a_terminal() -> None:
    host = make_host({"/root/a": b"1\n", "/root/b": b"2\n"})
    assert sh(host, "less", "a").out == "1\n"
    assert sh(host, "more", "a", "b").out == (
        "::::::::::::::\na\n::::::::::::::\n1\n\n::::::::::::::\nb\n::::::::::::::\n2\n")
    assert sh(host, "less", "/nope").err == "/nope: No such file or directory\n"
