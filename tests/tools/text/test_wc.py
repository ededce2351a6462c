from __future__ import annotations

from .helpers import make_host, sh


def test_wc_single_count_is_unpadded() -> None:
    host = make_host({"/root/f": b"a b\nc\n"})
    assert sh(host, "wc", "-l", "f").out == "2 f\n"
    assert sh(host, "wc", "f").out == "2 3 6 f\n"


def test_wc_total_line_and_widths_from_sizes() -> None:
    host = make_host({"/root/a": b"x\n", "/root/b": b"y y\n" * 300})
    assert sh(host, "wc", "-l", "a", "b").out == "   1 a\n 300 b\n 301 total\n"


def test_wc_stdin_uses_width_seven() -> None:
    assert sh(make_host(), "wc", stdin=b"a b\n").out == "      1       2       4\n"


def test_wc_missing_file() -> None:
    result = sh(make_host(), "wc", "/nope")
    assert (result.err, result.status) == ("wc: /nope: No such file or directory\n", 1)
