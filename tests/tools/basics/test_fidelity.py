"""Our commands against the real binaries (LC_ALL=C, TZ=UTC), byte for byte."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pagerdrill.world.fs import FileSystem

from .realtool import SIM_DIR, both, fresh_host

FILES = {
    "o1": b"hello world\n\x01\xff\t",
    "a": b"a\nb\nc\nd\n",
    "b": b"a\nB\nc\nd\ne\n",
    "c": b"1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n",
    "c2": b"1\n2\n3\nthree\n4\n5\n6\n7\n8\n9\n10\n11\n13\n14\n15",
    "e": b"",
    "z": b"\0" * 40 + b"xyz",
    "t": b"line one\nline two\n",
    "nt": b"no newline",
    "crlf": b"a\r\nb\r\n",
    "u": "caf\u00e9\n".encode(),
    "s.sh": b"#!/bin/bash\necho hi\n",
    "s2": b"#!/bin/sh\necho hi\n",
    "j.json": b'{"a": 1}\n',
    "long": b"x" * 400 + b"\n",
    "ctl": b"a\x01b\n",
}

CASES = [
    ["seq", "3"], ["seq", "-1", "1"], ["seq", "-.5", ".3", "1"], ["seq", "0.1", "0.1", "0.5"],
    ["seq", "1e2", "1e2"], ["seq", "-w", "0.5", "10"], ["seq", "-f", "%05.2f", "1", "3"],
    ["seq", "-s", ",", "1", "5"], ["seq", "-w", "8", "11"], ["seq", "5", "1"],
    ["seq", "x"], ["seq", "1", "0", "3"], ["seq"], ["seq", "1", "2", "3", "4"],
    ["seq", "-f", "%d", "3"], ["seq", "-f", "x", "3"], ["seq", "-w", "-f", "%g", "3"],
    ["seq", "-z", "3"], ["seq", "-s"], ["seq", "-f", "%g", "0.1", "0.1", "0.3"],
    ["seq", "-f", "a%ea", "1", "2"], ["seq", "10", "-3", "1"],
    ["tac", "a"], ["tac", "-b", "a"], ["tac", "-s", "c", "a"], ["tac", "/nope", "a"],
    ["tac", "."], ["tac", "nt", "a"], ["tac", "e"],
    ["od", "o1"], ["od", "-c", "o1"], ["od", "-x", "o1"], ["od", "-A", "x", "o1"],
    ["od", "-A", "d", "-c", "o1"], ["od", "-A", "n", "-t", "x1", "o1"], ["od", "-t", "d", "o1"],
    ["od", "-t", "d1", "o1"], ["od", "-t", "x2", "o1"], ["od", "-b", "o1"], ["od", "-d", "o1"],
    ["od", "-i", "o1"], ["od", "-l", "o1"], ["od", "-t", "x1", "-t", "c", "o1"],
    ["od", "-t", "o1", "-t", "x2", "o1"], ["od", "-t", "o1", "-t", "x8", "-t", "c", "o1"],
    ["od", "-j", "3", "-N", "5", "-c", "o1"], ["od", "-c", "z"], ["od", "-v", "-c", "z"],
    ["od", "-c", "/nope"], ["od", "-c", "/nope", "o1"], ["od", "-A", "q", "o1"],
    ["od", "-t", "z", "o1"], ["od", "-t", "d3", "o1"], ["od", "e"], ["od", "-t", "u8", "z"],
    ["od", "-t", "dC", "-t", "uS", "-N", "3", "o1"], ["od", "-c", "a", "t"],
    ["md5sum", "a", "e", "/nope", "."], ["sha256sum", "a"], ["sha1sum", "--tag", "a"],
    ["sha512sum", "t"], ["md5sum", "-z", "a"],
    ["diff", "a", "b"], ["diff", "b", "a"], ["diff", "a", "e"], ["diff", "e", "a"],
    ["diff", "-q", "a", "b"], ["diff", "-s", "a", "a"], ["diff", "a", "/nope"], ["diff", "a"],
    ["diff", "-z", "a", "b"], ["diff", "--bogus"], ["diff", "a", "b", "c"], ["diff", "o1", "a"],
    ["diff", "-a", "t", "a"], ["diff", "c", "c2"], ["diff", "nt", "t"],
    ["diff", "-U", "1", "--label", "x", "--label", "y", "a", "b"],
    ["diff", "-u", "--label", "x", "--label", "y", "e", "a"],
    ["diff", "-u", "--label", "x", "--label", "y", "c", "c2"], ["diff", "-U", "x", "a", "b"],
    ["file", "a", "e", "nt", "crlf", "u", "s.sh", "s2", "j.json", "long", "ctl", "/nope", "."],
    ["file", "-b", "a"],
]


@pytest.mark.parametrize("argv", CASES, ids=" ".join)
def test_matches_real_tool(tmp_path: Path, argv: list[str]) -> None:
    if shutil.which(argv[0]) is None:
        pytest.skip(f"{argv[0]} not installed")
    real, ours = both(tmp_path, argv, FILES)
    assert ours == real


def test_diff_unified_headers_carry_mtimes(tmp_path: Path) -> None:
    # The same mtime on both sides, so GNU's "--- a\t<mtime>" headers compare too.
    host = fresh_host()
    stamp_ms = 1_774_321_750_123
    files = {"a": FILES["a"], "b": FILES["b"]}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        os.utime(tmp_path / name, ns=(stamp_ms * 1_000_000, stamp_ms * 1_000_000))
        inode = host.fs.put(f"{SIM_DIR}/{name}", data)
        FileSystem.utime(host.fs, inode, stamp_ms)
    real, ours = both(tmp_path, ["diff", "-u", "a", "b"], {}, host=host)
    assert ours == real


_SETTINGS = settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
_DECIMAL = st.builds(lambda whole, frac, digits: f"{whole}.{frac:0{digits}d}" if digits
                     else str(whole),
                     st.integers(-20, 20), st.integers(0, 99), st.integers(0, 2))


@_SETTINGS
@given(first=_DECIMAL, step=_DECIMAL, last=_DECIMAL, width=st.booleans())
def test_seq_generated(tmp_path: Path, first: str, step: str, last: str, width: bool) -> None:
    argv = ["seq", *(["-w"] if width else []), first, step, last]
    real, ours = both(tmp_path, argv, {})
    assert ours == real


@_SETTINGS
@given(data=st.binary(max_size=80), flags=st.sampled_from(
    [[], ["-c"], ["-x"], ["-A", "x", "-t", "x1"], ["-A", "n", "-t", "d2"], ["-t", "u4"],
     ["-t", "x1", "-t", "c"], ["-v", "-b"]]))
def test_od_generated(tmp_path: Path, data: bytes, flags: list[str]) -> None:
    real, ours = both(tmp_path, ["od", *flags], {}, stdin=data)
    assert ours == real


@_SETTINGS
@given(data=st.lists(st.sampled_from([b"a", b"b", b"\n", b"ab", b"\n\n"]), max_size=12),
       sep=st.sampled_from([[], ["-s", "b"], ["-b"], ["-b", "-s", "a"]]))
def test_tac_generated(tmp_path: Path, data: list[bytes], sep: list[str]) -> None:
    real, ours = both(tmp_path, ["tac", *sep], {}, stdin=b"".join(data))
    assert ours == real
