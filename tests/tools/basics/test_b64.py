"""base64 against GNU base64: encoding, wrapping, decoding up to the first bad group."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pagerdrill.tools.basics.b64 import decode_prefix

from .realtool import both

pytestmark = pytest.mark.skipif(shutil.which("base64") is None, reason="no real base64")

CASES = [
    (["base64"], b""), (["base64"], b"abc"), (["base64", "-w", "2"], b"abc"),
    (["base64", "-w", "0"], b"x" * 100), (["base64"], b"y" * 100),
    (["base64", "-d"], b"aGk="), (["base64", "-d"], b"aGk=aGk="),
    (["base64", "-d"], b"YWJj\nZA==\n"), (["base64", "--decode"], b"aGVsbG8gd29ybGQ=\n"),
    (["base64", "-d"], b"aGk"), (["base64", "-d"], b"a"), (["base64", "-d"], b"YW Jj"),
    (["base64", "-d"], b"aGk=x"), (["base64", "-d"], b"aG=k"), (["base64", "-d"], b"a==="),
    (["base64", "-d", "-i"], b"YW Jj!!ZA=="),
    (["base64", "-w", "x"], b""), (["base64", "-z"], b""), (["base64", "a", "b"], b""),
    (["base64", "nope"], b""), (["base64", "-d", "f"], b""),
]


@pytest.mark.parametrize(("argv", "stdin"), CASES)
def test_same_as_gnu_base64(tmp_path: Path, argv: list[str], stdin: bytes) -> None:
    real, ours = both(tmp_path, argv, {"f": b"aGVsbG8K\n"}, stdin)
    assert ours == real


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=40), st.sampled_from(["-d", "-di", "-w7", "-w0"]))
def test_generated_inputs(tmp_path: Path, data: bytes, flag: str) -> None:
    real, ours = both(tmp_path, ["base64", flag], {}, data)
    assert ours == real


def test_decode_prefix_keeps_what_came_before_the_bad_group() -> None:
    assert decode_prefix(b"YWJjZGVm!!") == (b"abcdef", False)
    assert decode_prefix(b"YWJj") == (b"abc", True)
