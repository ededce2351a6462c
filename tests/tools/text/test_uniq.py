from __future__ import annotations

from .helpers import make_host, sh


def test_uniq_counts_adjacent_runs() -> None:
    out = sh(make_host(), "uniq", "-c", stdin=b"a\na\nb\na\n").out
    assert out == "      2 a\n      1 b\n      1 a\n"


def test_uniq_repeated_and_unique() -> None:
    data = b"a\na\nb\n"
    assert sh(make_host(), "uniq", "-d", stdin=data).out == "a\n"
    assert sh(make_host(), "uniq", "-u", stdin=data).out == "b\n"


def test_uniq_ignoring_case_and_fields() -> None:
    assert sh(make_host(), "uniq", "-i", stdin=b"A\na\n").out == "A\n"
    assert sh(make_host(), "uniq", "-f1", stdin=b"1 x\n2 x\n").out == "1 x\n"
