"""md5sum and friends: stdin, files, -c, and the scan limit on huge files."""

from __future__ import annotations

from pagerdrill.world.content import FileContent, TextSource
from pagerdrill.world.rng import Rng

from .helpers import Session


def _line(rng: Rng, t_ms: int) -> str:
    return f"{t_ms} INFO id={rng.randrange(1000)}"


def test_stdin_and_check() -> None:
    s = Session()
    assert s("printf abc | md5sum") == "900150983cd24fb0d6963f7d28e17f72  -\n"
    s("printf abc > /tmp/f; sha256sum /tmp/f > /tmp/sums")
    assert s("sha256sum -c /tmp/sums") == "/tmp/f: OK\n"
    s("echo x >> /tmp/f")
    out = s("sha256sum -c /tmp/sums")
    assert "/tmp/f: FAILED" in out and "WARNING: 1 computed checksum did NOT match" in out
    assert s.status == 1


def test_huge_file_obeys_scan_limit() -> None:
    s = Session()
    source = TextSource("big", 1, _line, t0_ms=0, bytes_per_second=1e6)
    s.host.fs.put("/var/log/big.log", FileContent.generated(source, 0, 8 << 30))
    out = s("md5sum /var/log/big.log")
    assert out == ("md5sum: /var/log/big.log: stopped after reading 64 MiB "
                   "(pagerdrill scan limit)\n")
    assert s.status == 1
