from __future__ import annotations

from .helpers import make_host, sh


def test_sort_is_byte_order_in_the_c_locale() -> None:
    assert sh(make_host(), "sort", stdin=b"b\nB\na\nA\n").out == "A\nB\na\nb\n"


def test_sort_human_numeric_as_after_du() -> None:
    du = b"4.0K\t/a\n1.2G\t/logs\n512M\t/cache\n16K\t/etc\n"
    assert sh(make_host(), "sort", "-rh", stdin=du).out.split() [::2] == [
        "1.2G", "512M", "16K", "4.0K"]


def test_sort_keys_and_separator() -> None:
    data = b"root:0\nwww:33\ndaemon:1\n"
    assert sh(make_host(), "sort", "-t:", "-k2,2n", stdin=data).out == (
        "root:0\ndaemon:1\nwww:33\n")


def test_sort_unique_and_output_file() -> None:
    host = make_host()
    assert sh(host, "sort", "-u", "-o", "/tmp/out", stdin=b"b\na\nb\n").out == ""
    assert host.fs.lookup("/tmp/out").content.read() == b"a\nb\n"  # type: ignore[union-attr]


def test_sort_bad_key() -> None:
    result = sh(make_host(), "sort", "-k0")
    assert result.err == "sort: field number is zero: invalid field specification '0'\n"
    assert result.status == 2
