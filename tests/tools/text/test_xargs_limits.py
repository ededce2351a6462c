"""xargs splits its input into command lines the size GNU xargs does (128 KiB each)."""

from __future__ import annotations

import subprocess

import pytest

from .helpers import make_host, sh


def gnu(args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    # The environment the stub shell gives tools: it counts against -s.
    return subprocess.run(["xargs", *args], input=stdin, capture_output=True,
                          env={"HOME": "/root", "PATH": "/usr/bin"},
                          check=False)


@pytest.mark.parametrize("args", [["echo"], ["-s", "1000", "echo"], ["-n", "7000", "echo"],
                                  ["-0", "echo"], ["-s", "4096", "-n", "50", "echo"]])
def test_batches_match_gnu_xargs(args: list[str]) -> None:
    items = b"\n".join(b"/var/lib/php/sessions/sess_%032x" % (i * 7919) for i in range(9000))
    stdin = items.replace(b"\n", b"\0") if "-0" in args else items
    ours = sh(make_host(), "xargs", *args, stdin=stdin)
    theirs = gnu(args, stdin)
    assert [len(line) for line in ours.out.splitlines()] == \
        [len(line) for line in theirs.stdout.decode().splitlines()]
    assert ours.out == theirs.stdout.decode()


@pytest.mark.parametrize("args", [["-s", "5", "echo"], ["-s", "3000000", "echo"],
                                  ["-n", "0", "echo"], ["-n", "x", "echo"],
                                  ["-s", "x", "echo"]])
def test_size_errors_match_gnu_xargs(args: list[str]) -> None:
    ours = sh(make_host(), "xargs", *args, stdin=b"1 2 3\n")
    theirs = gnu(args, b"1 2 3\n")
    assert (ours.err, ours.status) == (theirs.stderr.decode(), theirs.returncode)
