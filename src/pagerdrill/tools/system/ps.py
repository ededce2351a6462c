"""ps - report a snapshot of the current processes (procps-ng 4.0.2).

Usage: ps [options]
  ps                 processes of this terminal (the shell and ps itself)
  ps aux / ps ax / ps ux   BSD selections and the user-oriented format
  ps -ef / ps -e / ps -A   every process; -f full format
  ps -p PID[,PID] / -u USER / -U USER / -C NAME / --pid / --ppid
  ps -o FIELD[,FIELD...] (also ``o`` and ``-eo``; ``key=HEADER`` renames)
  ps --sort=[+|-]KEY[,...] / --no-headers / w, ww, -w (width is unlimited anyway)

Output is never cut to the terminal width (as if ``ww`` were given).
Not supported: forest views (f, -H, --forest: accepted, printed flat), -l/-F/-j
long formats, thread listings (-L, -T, H), -t/-g/-s selections.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.procfields import Field, ProcView, layout_row, resolve
from pagerdrill.tools.system.session import login_shell, running_self
from pagerdrill.world.process import Process

__all__ = ["USAGE", "ps"]

USAGE = (
    "\nUsage:\n ps [options]\n\n"
    " Try 'ps --help <simple|list|output|threads|misc|all>'\n"
    "  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\n"
    "For more details see ps(1).\n"
)
_BSD_USER = "user,pid,%cpu,%mem,vsz,rss,tname,stat,start_time,bsdtime,args"
_BSD_DEFAULT = "pid,tname,stat,bsdtime,args"
_UNIX_FULL = "uid_hack,pid,ppid,c,stime,tname,time,cmd"
_UNIX_DEFAULT = "pid,tname,time,ucmd"


class _Fail(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Request:
    all_procs: bool = False  # -e, -A, ax
    bsd_a: bool = False
    bsd_x: bool = False
    bsd_u: bool = False
    bsd: bool = False
    full: bool = False
    headers: bool = True
    pids: list[int] = field(default_factory=list)
    ppids: list[int] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    sort: list[str] = field(default_factory=list)


def _take(args: list[str], i: int, inline: str) -> tuple[str, int]:
    if inline:
        return inline, i
    if i >= len(args):
        raise _Fail("error: list of process IDs must follow -p")
    return args[i], i + 1


def _ids(text: str, what: str) -> list[int]:
    values = [v for v in text.replace(" ", ",").split(",") if v]
    if not values or not all(v.isdigit() for v in values):
        raise _Fail(f"error: {what}")
    return [int(v) for v in values]


def _parse(args: list[str]) -> _Request:
    req = _Request()
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            takes_value = name in ("sort", "pid", "ppid", "user", "format", "cols", "columns",
                                   "width")
            if takes_value and not eq:
                if i >= len(args):
                    raise _Fail("error: unknown gnu long option")
                value, i = args[i], i + 1
            if name == "sort":
                req.sort.extend(value.split(","))
            elif name == "pid":
                req.pids += _ids(value, "process ID list syntax error")
            elif name == "ppid":
                req.ppids += _ids(value, "process ID list syntax error")
            elif name == "user":
                req.users += value.split(",")
            elif name == "format":
                req.formats.append(value)
            elif name in ("no-headers", "no-heading"):
                req.headers = False
            elif name not in ("forest", "cols", "columns", "width", "headers"):
                raise _Fail("error: unknown gnu long option")
        elif arg.startswith("-") and len(arg) > 1:
            i = _parse_unix(req, arg[1:], args, i)
        else:
            i = _parse_bsd(req, arg, args, i)
    return req


def _parse_unix(req: _Request, cluster: str, args: list[str], i: int) -> int:
    pos = 0
    while pos < len(cluster):
        char = cluster[pos]
        pos += 1
        if char in "eA":
            req.all_procs = True
        elif char == "f":
            req.full = True
        elif char in "wH":
            pass
        elif char in "puUCoO":
            value, i = _take(args, i, cluster[pos:])
            if char == "p":
                req.pids += _ids(value, "process ID list syntax error")
            elif char in "uU":
                req.users += value.split(",")
            elif char == "C":
                req.commands += value.split(",")
            else:
                req.formats.append(value)
            return i
        else:
            raise _Fail("error: unsupported SysV option")
    return i


def _parse_bsd(req: _Request, cluster: str, args: list[str], i: int) -> int:
    req.bsd = True
    pos = 0
    while pos < len(cluster):
        char = cluster[pos]
        pos += 1
        if char == "a":
            req.bsd_a = True
        elif char == "x":
            req.bsd_x = True
        elif char == "u":
            req.bsd_u = True
        elif char == "h":
            req.headers = False
        elif char in "wfe":
            pass
        elif char in "op":
            value, i = _take(args, i, cluster[pos:])
            if char == "o":
                req.formats.append(value)
            else:
                req.pids += _ids(value, "process ID list syntax error")
            return i
        else:
            raise _Fail("error: unsupported option (BSD syntax)")
    return i


def _columns(req: _Request, inv: Invocation) -> list[Field]:
    if req.formats:
        spec = ",".join(req.formats)
    elif req.bsd_u:
        spec = _BSD_USER
    elif req.full:
        spec = _UNIX_FULL
    elif req.bsd:
        spec = _BSD_DEFAULT
    else:
        spec = _UNIX_DEFAULT
    fields: list[Field] = []
    for item in spec.replace(" ", ",").split(","):
        if not item:
            continue
        key, eq, header = item.partition("=")
        made = resolve(key, inv.host, header if eq else None)
        if made is None:
            raise _Fail(f'error: unknown user-defined format specifier "{key}"')
        fields.append(made)
    return fields


def _selected(req: _Request, inv: Invocation, procs: list[Process],
              me: Process) -> list[Process]:
    host = inv.host
    uid = host.uid_of(inv.user)
    for user in req.users:
        if not user.isdigit() and user not in host.users:
            raise _Fail("error: user name does not exist")
    explicit = req.pids or req.ppids or req.users or req.commands
    chosen: list[Process] = []
    for proc in procs:
        if explicit:
            users = {host.uid_of(u) if not u.isdigit() else int(u) for u in req.users}
            if (proc.pid in req.pids or proc.ppid in req.ppids or proc.uid in users
                    or proc.comm in req.commands):
                chosen.append(proc)
            continue
        if req.all_procs or (req.bsd_a and req.bsd_x):
            chosen.append(proc)
        elif req.bsd_a:
            if proc.tty != "?":
                chosen.append(proc)
        elif req.bsd_x:
            if proc.uid == uid:
                chosen.append(proc)
        elif proc.uid == uid and proc.tty == me.tty:
            chosen.append(proc)
    return chosen


def _sorted(views: list[ProcView], keys: list[str], inv: Invocation) -> list[ProcView]:
    for key in reversed([k for k in keys if k]):
        descending = key.startswith("-")
        made = resolve(key.lstrip("+-"), inv.host)
        if made is None:
            raise _Fail("error: unknown sort specifier")
        views = sorted(views, key=made.sort_key, reverse=descending)  # type: ignore[arg-type]
    return views


@command("ps")
def ps(inv: Invocation) -> CommandOutput:
    """ps - report a snapshot of the current processes."""
    with running_self(inv) as me:
        try:
            req = _parse(inv.args)
            columns = _columns(req, inv)
            shell = login_shell(inv)
            procs = _selected(req, inv, list(inv.host.procs), me)
            leaders = {shell.pid, 1} | {u.main_pid for u in inv.host.services.units.values()
                                        if u.main_pid}
            now = inv.world.clock.now_ms
            views = [ProcView(p, inv.host, now, p.pid in leaders) for p in procs]
            views = _sorted(views, req.sort, inv)
        except _Fail as fail:
            inv.stderr.write(fail.message + "\n" + USAGE)
            return 1
        lines: list[str] = []
        if req.headers and any(f.header for f in columns):
            lines.append(layout_row([(f.header, f) for f in columns]))
        for view in views:
            lines.append(layout_row([(f.get(view), f) for f in columns]))
    if lines:
        yield ("\n".join(lines) + "\n").encode()
    return 0 if views else 1
