"""top - display Linux processes (procps-ng 4.0.2), batch-mode layout.

Usage: top [-b] [-n ITERATIONS] [-d SECONDS] [-o FIELD] [-p PID,...] [-u USER] [-c] [-w [COLS]]

The simulator has no full-screen mode yet: interactive ``top`` prints one batch
iteration and exits. Each further iteration (-n N) advances the world by the
delay (-d, default 3 seconds). Lines are cut to 80 columns unless -w widens them.
Not supported: -H threads, -i idle toggle, -E/-e scaling, -S, -s, -1.
"""

from __future__ import annotations

from collections.abc import Callable

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.procfields import comm_of, cpu_total_ms
from pagerdrill.tools.system.resources import meminfo
from pagerdrill.tools.system.session import running_self
from pagerdrill.tools.system.timefmt import uptime_phrase
from pagerdrill.world.process import Process

__all__ = ["top"]

_USAGE = ("Usage:\n  top -hv | -bcEeHiOSs1 -d secs -n max -u|U user -p pid(s) -o field -w [cols]\n")
_SORT_FIELDS: dict[str, Callable[[Process, int, int], float]] = {
    "%CPU": lambda p, now, total: p.cpu_percent,
    "%MEM": lambda p, now, total: p.rss_kb,
    "RES": lambda p, now, total: p.rss_kb,
    "VIRT": lambda p, now, total: p.vsz_kb,
    "PID": lambda p, now, total: -p.pid,
    "TIME+": lambda p, now, total: cpu_total_ms(p, now),
    "TIME": lambda p, now, total: cpu_total_ms(p, now),
}


def _scale_mem(kb: int, width: int) -> str:
    """top's scale_mem(): KiB, then m, g, t with one decimal, whatever fits."""
    text = f"{kb}"
    if len(text) <= width:
        return text
    value = float(kb)
    for suffix in "mgtpe":
        value /= 1024.0
        text = f"{value:.1f}{suffix}"
        if len(text) <= width:
            return text
    return text


def _cpu_time(ms: int) -> str:
    hundredths = ms // 10
    minutes, rest = divmod(hundredths, 6000)
    text = f"{minutes}:{rest // 100:02d}.{rest % 100:02d}"
    if len(text) > 9:
        hours, minutes = divmod(minutes, 60)
        text = f"{hours},{minutes:02d}:{rest // 100:02d}"
    return text


class _Fail(Exception):
    pass


def _parse(inv: Invocation) -> dict[str, str]:
    opts: dict[str, str] = {}
    args = inv.args
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if not arg.startswith("-") or len(arg) < 2:
            inv.stderr.write(f"top: unknown option '{arg}'\n{_USAGE}")
            raise _Fail
        pos = 1
        while pos < len(arg):
            char = arg[pos]
            pos += 1
            if char in "ndopuUw":
                value = arg[pos:]
                if not value and char != "w":
                    if i >= len(args):
                        inv.stderr.write(f"top: -{char} requires argument\n{_USAGE}")
                        raise _Fail
                    value, i = args[i], i + 1
                elif not value and i < len(args) and args[i].isdigit():
                    value, i = args[i], i + 1
                opts[char] = value or "512"
                break
            if char not in "bcEeHiOSs1":
                inv.stderr.write(f"top: unknown option '{char}'\n{_USAGE}")
                raise _Fail
            opts[char] = "1"
    return opts


def _screen(inv: Invocation, opts: dict[str, str]) -> str:
    host = inv.host
    now = inv.world.clock.now_ms
    procs = list(host.procs)
    mem = meminfo(host)
    counts = {"R": 0, "S": 0, "T": 0, "Z": 0}
    for proc in procs:
        key = proc.state if proc.state in counts else "S"
        counts[key] += 1
    busy = min(100.0, sum(p.cpu_percent for p in procs) / max(1, host.spec.cpus))
    system = min(100.0 - busy, round(busy / 8, 1))
    idle = max(0.0, 100.0 - busy - system)
    mib = 1024.0
    lines = [
        "top -" + uptime_phrase(now, host.boot_ms, 1, host.load),
        f"Tasks: {len(procs):3d} total, {counts['R']:3d} running, {counts['S']:3d} sleeping, "
        f"{counts['T']:3d} stopped, {counts['Z']:3d} zombie",
        f"%Cpu(s):{busy:5.1f} us,{system:5.1f} sy,{0.0:5.1f} ni,{idle:5.1f} id,{0.0:5.1f} wa,"
        f"{0.0:5.1f} hi,{0.0:5.1f} si,{0.0:5.1f} st ",
        f"MiB Mem : {mem.total / mib:8.1f} total, {mem.free / mib:8.1f} free, "
        f"{mem.used / mib:8.1f} used, {mem.buff_cache / mib:8.1f} buff/cache     ",
        f"MiB Swap: {0.0:8.1f} total, {0.0:8.1f} free, {0.0:8.1f} used. "
        f"{mem.available / mib:8.1f} avail Mem ",
        "",
    ]
    pid_width = len(str(host.spec.pid_max))
    width = int(opts.get("w", "80"))
    header = (f"{'PID':>{pid_width}} USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM"
              "     TIME+ COMMAND")
    lines.append(header)
    room = max(1, width - 1 - (len(header) - len("COMMAND")))
    for proc in _chosen(inv, opts, procs, now):
        command_text = proc.cmdline if "c" in opts else comm_of(proc)
        if len(command_text) > room:
            command_text = command_text[: room - 1] + "+"
        user = proc.user if len(proc.user) <= 8 else proc.user[:7] + "+"
        pmem = proc.rss_kb * 100.0 / max(1, mem.total)
        lines.append(
            f"{proc.pid:>{pid_width}} {user:<8} {20 + proc.nice:>3} {proc.nice:>3} "
            f"{_scale_mem(proc.vsz_kb, 7):>7} {_scale_mem(proc.rss_kb, 6):>6} "
            f"{_scale_mem(proc.rss_kb // 5, 6):>6} {proc.state} {proc.cpu_percent:5.1f} "
            f"{pmem:5.1f} {_cpu_time(cpu_total_ms(proc, now)):>9} {command_text}")
    return "\n".join(lines) + "\n"


def _chosen(inv: Invocation, opts: dict[str, str], procs: list[Process],
            now: int) -> list[Process]:
    if "p" in opts:
        wanted = {int(p) for p in opts["p"].split(",") if p.isdigit()}
        procs = [p for p in procs if p.pid in wanted]
    for key in ("u", "U"):
        if key in opts:
            name = opts[key]
            uid = int(name) if name.isdigit() else inv.host.uid_of(name)
            procs = [p for p in procs if p.uid == uid]
    field = opts.get("o", "%CPU").lstrip("+-").upper()
    sort = _SORT_FIELDS.get(field, _SORT_FIELDS["%CPU"])
    total = inv.host.spec.mem_total_kb
    ordered = sorted(procs, key=lambda p: (-sort(p, now, total), p.pid))
    if opts.get("o", "").startswith("+"):
        ordered.reverse()
    return ordered


@command("top")
def top(inv: Invocation) -> CommandOutput:
    """top - display Linux processes (batch mode; see the module docstring)."""
    try:
        opts = _parse(inv)
    except _Fail:
        return 1
    field = opts.get("o", "%CPU").lstrip("+-").upper()
    if field not in _SORT_FIELDS and field not in ("USER", "COMMAND"):
        inv.stderr.write(f"top: unrecognized field name '{opts['o']}'\n")
        return 1
    for key in ("u", "U"):
        if key in opts and not opts[key].isdigit() and opts[key] not in inv.host.users:
            inv.stderr.write(f"top: Invalid user\n{_USAGE}")
            return 1
    count_text = opts.get("n", "1")
    delay_text = opts.get("d", "3")
    try:
        iterations = max(1, int(count_text))
        delay = float(delay_text)
    except ValueError:
        inv.stderr.write(f"top: bad iterations argument '{count_text}'\n")
        return 1
    with running_self(inv) as me:
        me.cpu_percent = 0.0
        for index in range(min(iterations, 20)):
            if index:
                inv.world.advance(max(0.1, delay))
                yield b"\n"
            yield _screen(inv, opts).encode()
    return 0
