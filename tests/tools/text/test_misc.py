from __future__ import annotations

from .helpers import make_host, sh


def test_rev() -> None:
    assert sh(make_host(), "rev", stdin=b"abc\nde\n").out == "cba\ned\n"


def test_nl_numbers_nonblank_lines() -> None:
    assert sh(make_host(), "nl", stdin=b"a\n\nb\n").out == "     1\ta\n       \n     2\tb\n"


def test_column_table() -> None:
    out = sh(make_host(), "column", "-t", stdin=b"NAME SIZE\napp 4G\nnginx 12M\n").out
    assert out == "NAME   SIZE\napp    4G\nnginx  12M\n"
