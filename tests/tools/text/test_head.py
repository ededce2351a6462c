from __future__ import annotations

from .helpers import make_host, sh

TEN = b"".join(b"%d\n" % i for i in range(1, 13))


def test_head_defaults_to_ten_lines() -> None:
    host = make_host({"/root/f": TEN})
    assert sh(host, "head", "f").out.splitlines() == [str(i) for i in range(1, 11)]


def test_head_counts_and_obsolete_form() -> None:
    host = make_host({"/root/f": TEN})
    assert sh(host, "head", "-n", "2", "f").out == "1\n2\n"
    assert sh(host, "head", "-3", "f").out == "1\n2\n3\n"
    assert sh(host, "head", "-c", "3", "f").out == "1\n2"
    assert sh(host, "head", "-n", "-10", "f").out == "1\n2\n"


def test_head_headers_for_several_files() -> None:
    host = make_host({"/root/a": b"x\n", "/root/b": b"y\n"})
    assert sh(host, "head", "-n1", "a", "b").out == "==> a <==\nx\n\n==> b <==\ny\n"


def test_head_stops_pulling_an_endless_pipe() -> None:
    host = make_host()
    assert sh(host, "head", "-n", "2", stdin=b"y\n" * 100000).out == "y\ny\n"


def test_head_invalid_count() -> None:
    result = sh(make_host(), "head", "-n", "x")
    assert (result.err, result.status) == ("head: invalid number of lines: 'x'\n", 1)
