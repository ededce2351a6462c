"""Shared bits for the text tool tests: a host with files, a huge generated log."""

from __future__ import annotations

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.content import FileContent, TextSource
from pagerdrill.world.host import Host
from pagerdrill.world.rng import Rng
from toolkit import Result, run_tool

__all__ = ["GIB", "huge_log", "make_host", "sh"]

GIB = 1 << 30


def make_host(files: dict[str, bytes] | None = None) -> Host:
    host = add_linux_host(new_world(seed=0), "web-01")
    for path, data in (files or {}).items():
        host.fs.put(path, data)
    return host


def _line(rng: Rng, t_ms: int) -> str:
    return f"{t_ms} INFO request id={rng.randrange(100000)} status=200"


def huge_log(host: Host, path: str = "/var/log/app/debug.log", size: int = 64 * GIB) -> None:
    """A 64G generated log: sizes and line counts are arithmetic, content is lazy."""
    source = TextSource("debug", 7, _line, t0_ms=0, bytes_per_second=1e6)
    host.fs.put(path, FileContent.generated(source, 0, size))


def sh(host: Host, *argv: str, stdin: bytes = b"", cwd: str = "/root") -> Result:
    return run_tool(host, list(argv), stdin, cwd=cwd)
