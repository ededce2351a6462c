from __future__ import annotations

from .helpers import make_host, sh

PASSWD = b"root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n"


def test_cut_fields() -> None:
    assert sh(make_host(), "cut", "-d:", "-f1,7", stdin=PASSWD).out == (
        "root:/bin/bash\nwww-data:/usr/sbin/nologin\n")


def test_cut_characters_and_complement() -> None:
    assert sh(make_host(), "cut", "-c1-3", stdin=b"abcdef\n").out == "abc\n"
    assert sh(make_host(), "cut", "-c1-3", "--complement", stdin=b"abcdef\n").out == "def\n"


def test_cut_needs_a_list() -> None:
    result = sh(make_host(), "cut")
    assert result.err == ("cut: you must specify a list of bytes, characters, or fields\n"
                          "Try 'cut --help' for more information.\n")
