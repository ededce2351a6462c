"""Built-in programs a scenario can run without writing hooks, and the settings wrapper.

``log_writer`` appends a named text source to a log file at the source's rate,
holding the file open the way a real daemon does: after ``rm`` it keeps writing
into the deleted inode (``lsof +L1``), and SIGHUP makes it reopen the path
(what logrotate's ``postrotate`` sends). Scenario hooks may subclass it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pagerdrill.world.content import TextSource
from pagerdrill.world.host import Host
from pagerdrill.world.process import Process, Program, Signal, SignalAction
from pagerdrill.world.programs.logstream import LogStream
from pagerdrill.world.services import JournalEntry
from pagerdrill.world.world import World

__all__ = [
    "BUILTIN_PROGRAMS",
    "ConfiguredProgram",
    "LogWriter",
    "ProcessSettings",
    "register_source",
    "text_source",
    "unwrap_program",
]

_SOURCES: weakref.WeakKeyDictionary[World, dict[str, TextSource]] = weakref.WeakKeyDictionary()


def register_source(world: World, name: str, source: TextSource) -> None:
    _SOURCES.setdefault(world, {})[name] = source


def text_source(world: World, name: str) -> TextSource:
    """A text source declared under ``world.sources`` (for hooks and built-ins)."""
    try:
        return _SOURCES[world][name]
    except KeyError:
        raise KeyError(f"no text source named {name!r} in this world") from None


class LogWriter:
    """Appends ``source`` to ``path`` as simulated time passes; SIGHUP reopens the path."""

    def __init__(self, path: str, source: str, error_every_s: int = 60) -> None:
        self.path = path
        self.source_name = source
        self.error_every_ms = error_every_s * 1000
        self.stream: LogStream | None = None
        self._last_error_ms: int | None = None

    def source(self, host: Host) -> TextSource:
        return text_source(host.world, self.source_name)

    def start(self, host: Host, proc: Process) -> None:
        source = self.source(host)
        self.stream = LogStream(host, proc, self.path)
        self.stream.follow(source, source.offset_at(host.clock.now_ms))

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        if self.stream is None:
            return
        due, written = self.stream.pump(host.clock.now_ms)
        if written < due:
            self.on_disk_full(host, proc)

    def on_disk_full(self, host: Host, proc: Process) -> None:
        now = host.clock.now_ms
        if self._last_error_ms is not None and now - self._last_error_ms < self.error_every_ms:
            return
        self._last_error_ms = now
        host.journal.add(JournalEntry(now, proc.comm, f"write {self.path}: "
                                      "No space left on device", proc.unit, proc.pid, 3))

    def reopen(self, host: Host, proc: Process) -> None:
        """What logrotate's postrotate asks for: close the old file, open the path anew."""
        if self.stream is None:
            return
        cursor = self.stream.cursor
        self.stream.close()
        self.stream = LogStream(host, proc, self.path)
        self.stream.follow(self.source(host), cursor)

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        if sig is Signal.SIGHUP:
            self.reopen(host, proc)
            return SignalAction.HANDLED
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        self.stream = None


BUILTIN_PROGRAMS: dict[str, Callable[..., Program]] = {"log_writer": LogWriter}


@dataclass(frozen=True)
class ProcessSettings:
    """What the scenario says about a process beyond its program."""

    rss_kb: int | None = None
    vsz_kb: int | None = None
    cpu_percent: float = 0.0
    threads: int = 1
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = "/"
    open_files: tuple[tuple[str, str], ...] = ()

    def apply(self, host: Host, proc: Process) -> None:
        if self.rss_kb is not None:
            proc.rss_kb = self.rss_kb
        if self.vsz_kb is not None:
            proc.vsz_kb = self.vsz_kb
        proc.cpu_percent, proc.threads = self.cpu_percent, self.threads
        proc.env, proc.cwd = dict(self.env), self.cwd
        for path, mode in self.open_files:
            host.procs.open(proc, path, mode)


class ConfiguredProgram:
    """Applies :class:`ProcessSettings` on every start (also after a restart), then delegates."""

    def __init__(self, settings: ProcessSettings, inner: Program | None) -> None:
        self.settings = settings
        self.inner = inner

    def start(self, host: Host, proc: Process) -> None:
        self.settings.apply(host, proc)
        if self.inner is not None:
            self.inner.start(host, proc)

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        if self.inner is not None:
            self.inner.tick(host, proc, dt_ms)

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        if self.inner is not None:
            return self.inner.on_signal(host, proc, sig)
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        if self.inner is not None:
            self.inner.stop(host, proc)


def unwrap_program(proc: Process) -> Any:
    """The scenario's own program object behind a process (or None for an idle one)."""
    program = proc.program
    return program.inner if isinstance(program, ConfiguredProgram) else program
