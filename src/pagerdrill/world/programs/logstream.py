"""A process's log file: lines written now, and traffic generated lazily at a rate.

Programs write their logs through a :class:`LogStream`. Discrete events (a
startup banner, an error) are appended as bytes; steady chatter (DEBUG output,
access-log lines) is a :class:`TextSource` flowing at a byte rate, appended in
windows so a 64G log costs a few segments. Every write honours the disk: what
does not fit is lost, as a process writing to a full disk loses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pagerdrill.world.content import LineFactory, PadFactory, TextSource
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Inode
from pagerdrill.world.rng import derive_seed

if TYPE_CHECKING:
    from pagerdrill.world.host import Host
    from pagerdrill.world.process import OpenFile, Process

__all__ = ["LogStream"]


class LogStream:
    """One log file held open (O_APPEND) by one process."""

    def __init__(self, host: Host, proc: Process, path: str, *, mode: int = 0o640,
                 group: str = "adm") -> None:
        self.host = host
        self.proc = proc
        self.path = path
        fs = host.fs
        if not fs.exists(path):
            fs.mkdir(path.rsplit("/", 1)[0] or "/", parents=True)
        existed = fs.exists(path)
        self.handle: OpenFile = host.procs.open(proc, path, "w")
        if not existed:
            self.handle.inode.mode = mode
            self.handle.inode.gid = host.groups.get(group, 0)
        self._source: TextSource | None = None
        self._source_key: object = None
        self._cursor = 0
        self.dropped_bytes = 0
        self.last_write_ok = True

    @property
    def inode(self) -> Inode:
        return self.handle.inode

    @property
    def is_open(self) -> bool:
        return self.handle.fd in self.proc.fds

    # -- discrete lines ------------------------------------------------------

    def write(self, text: str) -> bool:
        """Append ``text``; False (and the tail lost) when the disk is full."""
        if not self.is_open or not text:
            return True
        self._finish_line()
        data = text.encode()
        if self.inode.mount.avail_bytes < len(data):  # a short line is lost whole, not cut
            self.dropped_bytes += len(data)
            self.last_write_ok = False
            return False
        try:
            self.host.fs.write(self.inode, data, path=self.path)
        except FsError:
            self.dropped_bytes += len(data)
            self.last_write_ok = False
            return False
        self.last_write_ok = True
        return True

    def _finish_line(self) -> None:
        """Write the rest of a generated line the chatter stopped inside: the writer's line
        reached the file whole, so a discrete line never lands inside it. (Chatter flows
        by the byte; aligning only here keeps ticks from rendering every chunk.)"""
        source = self._source
        if source is None:
            return
        end = source.line_end(self._cursor)
        if end > self._cursor:
            written = self.host.fs.append_generated(self.inode, source, self._cursor,
                                                    end - self._cursor)
            self.dropped_bytes += end - self._cursor - written
            self._cursor = end

    # -- steady chatter ------------------------------------------------------

    def set_flow(self, key: object, make_line: LineFactory, bytes_per_second: float,
                 now_ms: int, *, pad_line: PadFactory, chunk_size: int = 16384) -> None:
        """Switch the generated chatter to a new mode (level, health) from ``now_ms``."""
        if key == self._source_key and self._source is not None:
            return
        self._source_key = key
        if bytes_per_second <= 0:
            self._source = None
            return
        seed = derive_seed(self.host.world.seed, self.host.name, self.path, now_ms)
        self._source = TextSource(f"{self.path}@{now_ms}", seed, make_line, t0_ms=now_ms,
                                  bytes_per_second=bytes_per_second, chunk_size=chunk_size,
                                  pad_line=pad_line)
        self._cursor = 0

    def follow(self, source: TextSource, cursor: int) -> None:
        """Write an existing, shared text source from ``cursor`` on (scenario-declared logs)."""
        self._source, self._source_key, self._cursor = source, source, cursor

    @property
    def cursor(self) -> int:
        """How far into the current text source the log has been written."""
        return self._cursor

    def pump(self, now_ms: int) -> tuple[int, int]:
        """Append the chatter due by ``now_ms``; returns (bytes due, bytes written)."""
        source = self._source
        if source is None or not self.is_open:
            return 0, 0
        due = source.offset_at(now_ms) - self._cursor
        if due <= 0:
            return 0, 0
        written = self.host.fs.append_generated(self.inode, source, self._cursor, due)
        self._cursor += due  # what did not fit is lost, not queued
        self.dropped_bytes += due - written
        self.last_write_ok = written == due
        return due, written

    def write_generated(self, make_line: LineFactory, pad_line: PadFactory, length: int,
                        since_ms: int) -> int:
        """Append a burst of ``length`` generated bytes stamped from ``since_ms`` to now."""
        if not self.is_open or length <= 0:
            return 0
        now = self.host.clock.now_ms
        span_s = max(1.0, (now - since_ms) / 1000)
        seed = derive_seed(self.host.world.seed, self.host.name, self.path, "burst", now)
        source = TextSource(f"{self.path}#burst@{now}", seed, make_line, t0_ms=since_ms,
                            bytes_per_second=length / span_s, pad_line=pad_line)
        length = source.line_start(length)
        written = self.host.fs.append_generated(self.inode, source, 0, length)
        self.last_write_ok = written == length
        return written

    def room(self) -> int:
        """Free bytes on the log's filesystem."""
        return self.inode.mount.avail_bytes

    def close(self) -> None:
        if self.is_open:
            self.host.procs.close(self.proc, self.handle.fd)
