from __future__ import annotations

from .helpers import make_host, sh


def test_tr_translates_classes_and_ranges() -> None:
    assert sh(make_host(), "tr", "[:lower:]", "[:upper:]", stdin=b"abc\n").out == "ABC\n"
    assert sh(make_host(), "tr", "a-y", "b-z", stdin=b"hal\n").out == "ibm\n"


def test_tr_delete_squeeze_complement() -> None:
    assert sh(make_host(), "tr", "-d", "0-9", stdin=b"a1b2\n").out == "ab\n"
    assert sh(make_host(), "tr", "-s", " ", stdin=b"a   b\n").out == "a b\n"
    assert sh(make_host(), "tr", "-cd", "a-z\\n", stdin=b"Hi there!\n").out == "ithere\n"


def test_tr_operand_errors() -> None:
    result = sh(make_host(), "tr", "a")
    assert result.err == ("tr: missing operand after 'a'\nTwo strings must be given when "
                          "translating.\nTry 'tr --help' for more information.\n")
