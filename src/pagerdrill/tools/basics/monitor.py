"""vmstat and watch (procps-ng 4.0.2): sampling the host as simulated time passes."""

from __future__ import annotations

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import (
    Arg,
    HelpRequested,
    Opt,
    OptionSpec,
    ParsedArgs,
    UsageError,
    parsed_with,
)
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.resources import meminfo
from pagerdrill.tools.system.timefmt import from_ms
from pagerdrill.world.host import Host

__all__ = ["VMSTAT_USAGE", "vmstat", "vmstat_sample", "watch"]

MAX_SAMPLES = 10  # `vmstat 1` runs until ^C on Linux; here it stops after this many

VMSTAT_USAGE = """\

Usage:
 vmstat [options] [delay [count]]

Options:
 -a, --active           active/inactive memory
 -f, --forks            number of forks since boot
 -m, --slabs            slabinfo
 -n, --one-header       do not redisplay header
 -s, --stats            event counter statistics
 -d, --disk             disk statistics
 -D, --disk-sum         summarize disk statistics
 -p, --partition <dev>  partition specific statistics
 -S, --unit <char>      define display unit
 -w, --wide             wide output
 -t, --timestamp        show timestamp
 -y, --no-first         skips first line of output

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see vmstat(8).
"""

VMSTAT_SPEC = OptionSpec(
    "vmstat",
    [Opt("a", "active", "active"), Opt("n", "one-header", "one_header"),
     Opt("S", "unit", "unit", Arg.REQUIRED), Opt("w", "wide", "wide"),
     Opt("t", "timestamp", "timestamp"), Opt("y", "no-first", "no_first"),
     Opt("h", "help", "help"), Opt("V", "version", "version")],
    usage="vmstat [options] [delay [count]]",
    help_hint=False,
)

_HEAD = ("procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----",
         " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st")
_WIDE_HEAD = (
    "--procs-- -----------------------memory---------------------- ---swap-- -----io---- "
    "-system-- ----------cpu----------",
    "   r    b         swpd         free         buff        cache   si   so    bi    bo "
    "  in   cs  us  sy  id  wa  st  gu")
_UNITS = {"k": 1000, "K": 1024, "m": 1_000_000, "M": 1 << 20}


def vmstat_sample(host: Host, unit: int = 1024) -> list[int]:
    """r b swpd free buff cache si so bi bo in cs us sy id wa st, as vmstat prints them."""
    procs = list(host.procs)
    running = 1 + sum(1 for p in procs if p.state == "R")  # vmstat itself is running
    blocked = sum(1 for p in procs if p.state == "D")
    mem = meminfo(host)
    busy = min(100.0, sum(p.cpu_percent for p in procs if p.state != "T")
               / max(1, host.spec.cpus))
    user = round(busy * 0.85)
    system = round(busy) - user
    idle = 100 - user - system
    interrupts = 120 + int(busy * 12)

    def scale(kb: int) -> int:
        return kb * 1024 // unit

    return [running, blocked, 0, scale(mem.free), scale(mem.buffers), scale(mem.cache),
            0, 0, 0, 0, interrupts, interrupts * 2, user, system, idle, 0, 0]


def _row(values: list[int], wide: bool) -> str:
    if wide:
        widths = [4, 4, 12, 12, 12, 12, 4, 4, 5, 5, 4, 4, 3, 3, 3, 3, 3, 3]
        values = [*values, 0]
    else:
        widths = [2, 2, 6, 6, 6, 6, 4, 4, 5, 5, 4, 4, 2, 2, 2, 2, 2]
    return " ".join(f"{v:>{w}}" for v, w in zip(values, widths, strict=True))


def _vmstat_usage(inv: Invocation, message: str) -> int:
    inv.stderr.write(f"vmstat: {message}\n{VMSTAT_USAGE}")
    return 1


@command("vmstat")
def vmstat(inv: Invocation) -> CommandOutput:
    """Usage: vmstat [options] [delay [count]]

    Report processes, memory and CPU: one line of figures, or with DELAY a line
    every DELAY seconds of simulated time (the world moves on between samples),
    COUNT times. Without a COUNT it stops after 10 samples instead of running until
    interrupted. Supports -w, -S k/K/m/M, -n, -y. io, swap and memory other than
    free/buff/cache come from a simple model (swap is always 0; bi/bo are 0).
    Not supported: -a, -d, -D, -p, -s, -m, -f, -t.
    """
    try:
        p = VMSTAT_SPEC.parse(inv.args)
    except UsageError as error:
        inv.stderr.write(error.text + VMSTAT_USAGE)
        return 1
    except HelpRequested:
        p = ParsedArgs(values={"help": True})
    if p.flag("help"):
        yield VMSTAT_USAGE.encode()
        return 0
    if p.flag("version"):
        yield b"vmstat from procps-ng 4.0.2\n"
        return 0
    for flag in ("active", "timestamp"):
        if p.flag(flag):
            inv.error(f"-{flag[0]} is not supported by pagerdrill's vmstat")
            return 1
    unit_text = p.get("unit", "K") or "K"
    if unit_text not in _UNITS:
        return _vmstat_usage(inv, "-S requires k, K, m or M (default is KiB)")
    numbers: list[int] = []
    for text in p.operands[:2]:
        if not text.lstrip("-").isdigit():
            inv.error(f"failed to parse argument: '{text}'")
            return 1
        numbers.append(int(text))
    if numbers and numbers[0] <= 0:
        inv.error("delay must be positive integer")
        return 1
    delay = numbers[0] if numbers else 0
    count = numbers[1] if len(numbers) > 1 else (MAX_SAMPLES if delay else 1)
    count = max(1, min(count, 1000))
    return (yield from _samples(inv, p, delay, count, _UNITS[unit_text]))


def _samples(inv: Invocation, p: ParsedArgs, delay: int, count: int,
             unit: int) -> CommandOutput:
    wide = p.flag("wide")
    head = _WIDE_HEAD if wide else _HEAD
    yield ("\n".join(head) + "\n").encode()
    for n in range(count):
        if n:
            inv.world.advance(delay)
        if n == 0 and p.flag("no_first"):
            continue
        yield (_row(vmstat_sample(inv.host, unit), wide) + "\n").encode()
    return 0


# -- watch ----------------------------------------------------------------------

WATCH_SPEC = OptionSpec(
    "watch",
    [Opt("n", "interval", "interval", Arg.REQUIRED, "seconds to wait between updates",
         "<secs>"),
     Opt("t", "no-title", "no_title", help="turn off header"),
     Opt("d", "differences", "differences", help="highlight changes between updates"),
     Opt("x", "exec", "exec", help="pass command to exec instead of \"sh -c\""),
     Opt("c", "color", "color", help="interpret ANSI color and style sequences"),
     Opt("b", "beep", "beep", help="beep if command has a non-zero exit"),
     Opt("e", "errexit", "errexit", help="exit if command has a non-zero exit"),
     Opt("w", "no-linewrap", "no_wrap", help="turn off line wrapping")],
    usage=" watch [options] command",
    permute=False,
    help_hint=False,
)


@command("watch")
@parsed_with(WATCH_SPEC)
def watch(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: watch [options] command

    Run COMMAND through the shell and show its output under watch's header line
    (``Every 2.0s: CMD   HOST: DATE``, right-aligned to $COLUMNS or 80). The
    simulator shows a single refresh per command: watch's full-screen redraw loop
    needs a terminal this front end does not give commands. Not supported:
    -d highlighting, -g, -p, -q.
    """
    if not p.operands:
        inv.stderr.write("\nUsage:\n watch [options] command\n")
        return 1
    interval_text = p.get("interval", "2") or "2"
    try:
        interval = max(0.1, float(interval_text.replace(",", ".")))
    except ValueError:
        inv.error(f"failed to parse argument: '{interval_text}'")
        return 1
    command_text = " ".join(p.operands)
    if not p.flag("no_title"):
        width = int(inv.env.get("COLUMNS", "80")) if inv.env.get("COLUMNS", "").isdigit() \
            else 80
        left = f"Every {interval:.1f}s: {command_text}"
        right = f"{inv.host.name}: {from_ms(inv.world.clock.now_ms):%a %b %e %H:%M:%S %Y}"
        gap = width - len(left) - len(right)
        if gap < 1:
            left = left[:max(0, width - len(right) - 1)]
            gap = 1
        yield f"{left}{' ' * gap}{right}\n\n".encode()
    status = yield from inv.shell.run_nested(inv.host, inv.user, command_text)
    if p.flag("errexit") and status:
        return 8
    return 0
