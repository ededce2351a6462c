"""Processes: pids, owners, memory, open files and signal delivery."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from pagerdrill.world.errors import ProcessError, errno
from pagerdrill.world.fs import Inode

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["OpenFile", "Process", "ProcessTable", "Program", "Signal", "SignalAction"]


class Signal(enum.IntEnum):
    SIGHUP = 1
    SIGINT = 2
    SIGQUIT = 3
    SIGABRT = 6
    SIGKILL = 9
    SIGUSR1 = 10
    SIGSEGV = 11
    SIGUSR2 = 12
    SIGPIPE = 13
    SIGALRM = 14
    SIGTERM = 15
    SIGCHLD = 17
    SIGCONT = 18
    SIGSTOP = 19
    SIGTSTP = 20

    @classmethod
    def parse(cls, text: str) -> Signal | None:
        """Accept ``9``, ``KILL``, ``SIGKILL`` (any case), as kill(1) does."""
        if text.isdigit():
            try:
                return cls(int(text))
            except ValueError:
                return None
        name = text.upper()
        name = name if name.startswith("SIG") else "SIG" + name
        return cls.__members__.get(name)


class SignalAction(enum.Enum):
    DEFAULT = "default"  # the kernel's default action for the signal
    HANDLED = "handled"  # the program caught it and keeps running
    IGNORED = "ignored"


class Program(Protocol):
    """What a process runs: the behaviour behind a pid. Scenario code implements it."""

    def start(self, host: Host, proc: Process) -> None: ...

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None: ...

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction: ...

    def stop(self, host: Host, proc: Process) -> None: ...


@dataclass(eq=False)
class OpenFile:
    fd: int
    inode: Inode
    path: str
    mode: str  # "r", "w" or "u" as lsof prints it


# Signals whose default action terminates the process.
_FATAL = {s for s in Signal if s not in (Signal.SIGCHLD, Signal.SIGCONT, Signal.SIGSTOP,
                                          Signal.SIGTSTP)}


@dataclass(eq=False)
class Process:
    pid: int
    ppid: int
    uid: int
    user: str
    argv: list[str]
    start_ms: int
    rss_kb: int = 1024
    vsz_kb: int = 8192
    cpu_percent: float = 0.0
    cpu_ms: int = 0
    state: str = "S"
    tty: str = "?"
    nice: int = 0
    threads: int = 1
    unit: str = ""
    program: Program | None = None
    fds: dict[int, OpenFile] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = "/"
    exit_status: int | None = None
    oom_killed: bool = False  # killed by the kernel's OOM killer (systemd: result 'oom-kill')

    @property
    def comm(self) -> str:
        """The kernel's 15-character command name."""
        return self.argv[0].rsplit("/", 1)[-1][:15] if self.argv else ""

    @property
    def cmdline(self) -> str:
        return " ".join(self.argv)

    def open_files(self) -> Iterator[OpenFile]:
        yield from self.fds.values()


class ProcessTable:
    """A host's processes. Pids are allocated in order, as on a quiet machine."""

    def __init__(self, host: Host, first_pid: int = 1) -> None:
        self.host = host
        self._procs: dict[int, Process] = {}
        self._next_pid = first_pid

    def __iter__(self) -> Iterator[Process]:
        return iter(sorted(self._procs.values(), key=lambda p: p.pid))

    def __len__(self) -> int:
        return len(self._procs)

    def get(self, pid: int) -> Process | None:
        return self._procs.get(pid)

    def skip_pids(self, count: int) -> None:
        """Pretend ``count`` short-lived processes came and went."""
        self._next_pid += count

    def spawn(
        self,
        argv: list[str],
        *,
        user: str = "root",
        ppid: int = 1,
        program: Program | None = None,
        unit: str = "",
        rss_kb: int = 1024,
        vsz_kb: int = 8192,
        pid: int | None = None,
        start_ms: int | None = None,
    ) -> Process:
        if pid is None:
            pid = self._next_pid
        self._next_pid = max(self._next_pid, pid) + 1
        proc = Process(
            pid=pid,
            ppid=ppid,
            uid=self.host.uid_of(user),
            user=user,
            argv=list(argv),
            start_ms=self.host.clock.now_ms if start_ms is None else start_ms,
            rss_kb=rss_kb,
            vsz_kb=vsz_kb,
            unit=unit,
            program=program,
        )
        self._procs[pid] = proc
        if program is not None:
            program.start(self.host, proc)
        return proc

    def open(self, proc: Process, path: str, mode: str = "w", *, create: bool = True) -> OpenFile:
        """Open a file in ``proc`` (creating it if asked), holding its inode."""
        fs = self.host.fs
        try:
            inode = fs.lookup(path, proc.cwd)
        except Exception:
            if not create:
                raise
            inode = fs.create(path, proc.cwd, uid=proc.uid, gid=self.host.gid_of(proc.user))
        fd = 3
        while fd in proc.fds:
            fd += 1
        handle = OpenFile(fd, inode, fs.abspath(path, proc.cwd), mode)
        proc.fds[fd] = handle
        fs.hold(inode)
        return handle

    def close(self, proc: Process, fd: int) -> None:
        handle = proc.fds.pop(fd, None)
        if handle is not None:
            self.host.fs.release(handle.inode)

    def kill(self, pid: int, sig: Signal, *, uid: int = 0) -> None:
        """Deliver ``sig`` as kill(2) would: ESRCH for no such pid, EPERM if not allowed."""
        proc = self._procs.get(pid)
        if proc is None:
            raise ProcessError(errno.ESRCH, pid)
        if uid != 0 and uid != proc.uid:
            raise ProcessError(errno.EPERM, pid)
        action = SignalAction.DEFAULT
        if proc.program is not None and sig not in (Signal.SIGKILL, Signal.SIGSTOP):
            action = proc.program.on_signal(self.host, proc, sig)
        if action is not SignalAction.DEFAULT:
            return
        if sig is Signal.SIGSTOP or sig is Signal.SIGTSTP:
            proc.state = "T"
        elif sig is Signal.SIGCONT:
            proc.state = "S"
        elif sig in _FATAL:
            self.exit(pid, 128 + int(sig))

    def exit(self, pid: int, status: int) -> None:
        """End a process: its program stops and every descriptor is closed."""
        proc = self._procs.pop(pid, None)
        if proc is None:
            return
        proc.exit_status = status
        if proc.program is not None:
            proc.program.stop(self.host, proc)
        for fd in list(proc.fds):
            self.close(proc, fd)
        self.host.on_process_exit(proc)

    def tick(self, dt_ms: int) -> None:
        for proc in list(self):
            if proc.program is not None and proc.pid in self._procs and proc.state != "T":
                proc.program.tick(self.host, proc, dt_ms)
                proc.cpu_ms += int(proc.cpu_percent * dt_ms / 100)
