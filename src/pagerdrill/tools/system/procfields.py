"""procps' output fields (``ps -o`` keys) and its column layout algorithm.

Each field has procps' header, width and justification; :func:`layout_row` is
procps' ``show_one_proc`` placement rule, so a value wider than its column pushes
the following columns right and later right-justified columns take the slack
back, exactly as ps does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pagerdrill.tools.system.timefmt import from_ms
from pagerdrill.world.host import Host
from pagerdrill.world.process import Process

__all__ = ["FIELDS", "Field", "ProcView", "comm_of", "cpu_total_ms", "layout_row", "resolve"]

LEFT, RIGHT, USER, UNLIMITED = "left", "right", "user", "unlimited"


@dataclass(frozen=True)
class ProcView:
    """One process and the moment ps looks at it."""

    proc: Process
    host: Host
    now_ms: int
    session_leader: bool = False

    @property
    def elapsed_ms(self) -> int:
        return max(0, self.now_ms - self.proc.start_ms)


def comm_of(proc: Process) -> str:
    """The kernel's command name: the executable's base name, 15 characters at most.

    A login shell's ``-bash`` and a retitled ``sshd: user@pts/0`` still show as
    ``bash`` and ``sshd``.
    """
    first = proc.argv[0] if proc.argv else ""
    first = first.split(":", 1)[0].split(" ", 1)[0].lstrip("-")
    return first.rsplit("/", 1)[-1][:15]


def cpu_total_ms(proc: Process, now_ms: int) -> int:
    """CPU time used so far; a process that predates the world ran at its current rate."""
    elapsed = max(0, now_ms - proc.start_ms)
    return max(proc.cpu_ms, int(elapsed * proc.cpu_percent / 100))


def _pcpu_permille(v: ProcView) -> int:
    seconds = v.elapsed_ms // 1000
    return cpu_total_ms(v.proc, v.now_ms) // seconds if seconds else 0  # ms/s = per mille


def _pcpu(v: ProcView) -> str:
    pcpu = _pcpu_permille(v)
    return str(pcpu // 10) if pcpu > 999 else f"{pcpu // 10}.{pcpu % 10}"


def _pmem(v: ProcView) -> str:
    pmem = min(999, v.proc.rss_kb * 1000 // max(1, v.host.spec.mem_total_kb))
    return f"{pmem // 10:2d}.{pmem % 10}"


def _etime(v: ProcView) -> str:
    t = v.elapsed_ms // 1000
    ss, t = t % 60, t // 60
    mm, t = t % 60, t // 60
    hh, dd = t % 24, t // 24
    text = f"{dd}-" if dd else ""
    text += f"{hh:02d}:" if dd or hh else ""
    return text + f"{mm:02d}:{ss:02d}"


def _time(v: ProcView) -> str:
    t = cpu_total_ms(v.proc, v.now_ms) // 1000
    dd, hh, mm, ss = t // 86400, t // 3600 % 24, t // 60 % 60, t % 60
    return f"{dd}-{hh:02d}:{mm:02d}:{ss:02d}" if dd else f"{hh:02d}:{mm:02d}:{ss:02d}"


def _bsdtime(v: ProcView) -> str:
    t = cpu_total_ms(v.proc, v.now_ms) // 1000
    return f"{t // 60:3d}:{t % 60:02d}"


def _stime(v: ProcView) -> str:
    started, now = from_ms(v.proc.start_ms), from_ms(v.now_ms)
    if started.year != now.year:
        return f"{started:%Y}"
    if started.timetuple().tm_yday != now.timetuple().tm_yday:
        return f"{started:%b%d}"
    return f"{started:%H:%M}"


def _stat(v: ProcView) -> str:
    proc = v.proc
    flags = proc.state
    if proc.nice < 0:
        flags += "<"
    elif proc.nice > 0:
        flags += "N"
    if v.session_leader:
        flags += "s"
    if proc.threads > 1:
        flags += "l"
    if proc.tty != "?" and proc.state == "R":
        flags += "+"
    return flags


def _user(v: ProcView) -> str:
    name = v.proc.user
    return name if len(name) <= 8 else name[:7] + "+"


def _args(v: ProcView) -> str:
    return v.proc.cmdline or f"[{v.proc.comm}]"


Getter = Callable[[ProcView], str]


@dataclass(frozen=True)
class Field:
    header: str
    width: int
    justify: str
    get: Getter
    sort_key: Callable[[ProcView], object]


def _num(get: Callable[[ProcView], int]) -> tuple[Getter, Callable[[ProcView], object]]:
    return (lambda v: str(get(v))), get


_pid = _num(lambda v: v.proc.pid)
_ppid = _num(lambda v: v.proc.ppid)
_uid = _num(lambda v: v.proc.uid)
_rss = _num(lambda v: v.proc.rss_kb)
_vsz = _num(lambda v: v.proc.vsz_kb)
_ni = _num(lambda v: v.proc.nice)
_nlwp = _num(lambda v: v.proc.threads)
_elapsed_s = _num(lambda v: v.elapsed_ms // 1000)
_cpu_key = _pcpu_permille
_start_key: Callable[[ProcView], object] = lambda v: v.proc.start_ms  # noqa: E731


def _pid_width(host: Host) -> int:
    return len(str(host.spec.pid_max))


def _make_fields() -> dict[str, Callable[[Host], Field]]:
    def fixed(header: str, width: int, justify: str, get: Getter,
              key: Callable[[ProcView], object]) -> Callable[[Host], Field]:
        return lambda host: Field(header, width, justify, get, key)

    def pidlike(header: str, pair: tuple[Getter, Callable[[ProcView], object]]
                ) -> Callable[[Host], Field]:
        return lambda host: Field(header, _pid_width(host), RIGHT, pair[0], pair[1])

    text_key: Callable[[ProcView], object] = lambda v: v.proc.cmdline  # noqa: E731
    comm_key: Callable[[ProcView], object] = lambda v: comm_of(v.proc)  # noqa: E731
    user_key: Callable[[ProcView], object] = lambda v: v.proc.user  # noqa: E731
    tty_key: Callable[[ProcView], object] = lambda v: v.proc.tty  # noqa: E731
    stat_key: Callable[[ProcView], object] = lambda v: v.proc.state  # noqa: E731
    mem_key: Callable[[ProcView], object] = lambda v: v.proc.rss_kb  # noqa: E731
    cpu_time: Callable[[ProcView], object] = lambda v: cpu_total_ms(v.proc, v.now_ms)  # noqa: E731
    tty: Getter = lambda v: v.proc.tty  # noqa: E731
    c: Getter = lambda v: str(min(99, _pcpu_permille(v) // 10))  # noqa: E731
    pri: Getter = lambda v: str(19 - v.proc.nice)  # noqa: E731
    fields: dict[str, Callable[[Host], Field]] = {
        "pid": pidlike("PID", _pid), "tgid": pidlike("TGID", _pid),
        "ppid": pidlike("PPID", _ppid), "pgid": pidlike("PGID", _pid),
        "sid": pidlike("SID", _pid), "uid": fixed("UID", 5, RIGHT, *_uid),
        "euid": fixed("EUID", 5, RIGHT, *_uid),
        "user": fixed("USER", 8, USER, _user, user_key),
        "%cpu": fixed("%CPU", 4, RIGHT, _pcpu, _cpu_key),
        "%mem": fixed("%MEM", 4, RIGHT, _pmem, mem_key),
        "rss": fixed("RSS", 5, RIGHT, *_rss), "rsz": fixed("RSZ", 5, RIGHT, *_rss),
        "vsz": fixed("VSZ", 6, RIGHT, *_vsz),
        "etime": fixed("ELAPSED", 11, RIGHT, _etime, _start_key),
        "etimes": fixed("ELAPSED", 7, RIGHT, *_elapsed_s),
        "stat": fixed("STAT", 4, LEFT, _stat, stat_key),
        "s": fixed("S", 1, LEFT, lambda v: v.proc.state, stat_key),
        "comm": fixed("COMMAND", 15, UNLIMITED, lambda v: comm_of(v.proc), comm_key),
        "ucmd": fixed("CMD", 15, UNLIMITED, lambda v: comm_of(v.proc), comm_key),
        "args": fixed("COMMAND", 27, UNLIMITED, _args, text_key),
        "cmd": fixed("CMD", 27, UNLIMITED, _args, text_key),
        "tname": fixed("TTY", 8, LEFT, tty, tty_key),
        "tt": fixed("TT", 8, LEFT, tty, tty_key),
        "time": fixed("TIME", 8, RIGHT, _time, cpu_time),
        "bsdtime": fixed("TIME", 6, RIGHT, _bsdtime, cpu_time),
        "stime": fixed("STIME", 5, RIGHT, _stime, _start_key),
        "start_time": fixed("START", 5, RIGHT, _stime, _start_key),
        "lstart": fixed("STARTED", 24, RIGHT,
                        lambda v: f"{from_ms(v.proc.start_ms):%a %b %e %H:%M:%S %Y}", _start_key),
        "ni": fixed("NI", 3, RIGHT, *_ni), "pri": fixed("PRI", 3, RIGHT, pri, _ni[1]),
        "nlwp": fixed("NLWP", 4, RIGHT, *_nlwp),
        "c": fixed("C", 2, RIGHT, c, _cpu_key),
        "uid_hack": fixed("UID", 8, USER, _user, user_key),
    }
    aliases = {"pcpu": "%cpu", "pmem": "%mem", "command": "args", "ucomm": "comm",
               "rssize": "rss", "vsize": "vsz", "euser": "user",
               "uname": "user", "state": "s", "tty": "tt", "cputime": "time",
               "start": "lstart", "thcount": "nlwp", "nice": "ni", "f": "c",
               "sess": "sid", "pgrp": "pgid", "cp": "c"}
    for alias, target in aliases.items():
        fields[alias] = fields[target]
    return fields


FIELDS = _make_fields()


def resolve(key: str, host: Host, header: str | None = None) -> Field | None:
    """The field for an ``-o`` key (``key=HEADER`` renames it)."""
    make = FIELDS.get(key.lower())
    if make is None:
        return None
    field = make(host)
    if key.lower() == "cmd" and header is None:
        field = Field("CMD", field.width, field.justify, field.get, field.sort_key)
    if header is not None:
        field = Field(header, max(field.width, len(header)) if field.justify != UNLIMITED
                      else field.width, field.justify, field.get, field.sort_key)
    return field


def layout_row(cells: list[tuple[str, Field]]) -> str:
    """Place already-formatted cells as procps' show_one_proc does."""
    out: list[str] = []
    correct = actual = 0
    dospace = 0
    for index, (text, field) in enumerate(cells):
        amount = len(text)
        leftpad = max(0, field.width - amount) if field.justify == RIGHT else 0
        space = correct - actual + leftpad
        if space < 1:
            space = dospace
        space = min(space, 144)
        out.append(" " * space + text)
        if index == len(cells) - 1:
            break
        actual += space + amount
        correct += field.width + 1
        dospace = 1
    return "".join(out)
