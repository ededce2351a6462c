"""Memory, load and CPU counts: free, uptime, nproc (procps-ng 4.0.2, coreutils 9.1)."""

from __future__ import annotations

from dataclasses import dataclass

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.timefmt import from_ms, uptime_phrase, uptime_pretty
from pagerdrill.world.host import Host

__all__ = ["MemInfo", "free", "meminfo", "nproc", "uptime"]


@dataclass(frozen=True)
class MemInfo:
    """/proc/meminfo's figures in KiB, as free and top derive them."""

    total: int
    free: int
    shared: int
    buffers: int
    cache: int
    available: int
    swap_total: int = 0
    swap_free: int = 0

    @property
    def used(self) -> int:
        return self.total - self.available  # procps 4: used = total - available

    @property
    def buff_cache(self) -> int:
        return self.buffers + self.cache


def meminfo(host: Host) -> MemInfo:
    total = host.spec.mem_total_kb
    apps = min(total, host.mem_used_kb())
    # The kernel drops page cache before it runs out of memory.
    room = total - apps
    buffers = min(host.buffers_kb, room)
    cache = min(host.cache_kb, room - buffers)
    free_kb = room - buffers - cache
    shared = min(total // 200, cache)
    available = min(total, free_kb + (buffers + cache - shared) * 9 // 10)
    return MemInfo(total, free_kb, shared, buffers, cache, available)


# -- free -------------------------------------------------------------------------

FREE_SPEC = OptionSpec(
    "free",
    [Opt("b", "bytes", "unit", const="b"), Opt("k", "kibi", "unit", const="k"),
     Opt("m", "mebi", "unit", const="m"), Opt("g", "gibi", "unit", const="g"),
     Opt(None, "tebi", "unit", const="t"), Opt(None, "pebi", "unit", const="p"),
     Opt(None, "kilo", "unit", const="K"), Opt(None, "mega", "unit", const="M"),
     Opt(None, "giga", "unit", const="G"), Opt("h", "human", "human"),
     Opt(None, "si", "si"), Opt("w", "wide", "wide"), Opt("t", "total", "total"),
     Opt("l", "lohi", "lohi"), Opt("v", "committed", "committed"),
     Opt("s", "seconds", "seconds", Arg.REQUIRED), Opt("c", "count", "count", Arg.REQUIRED)],
    usage="free [options]",
    help_hint=False,
)
_EXPONENT = {"b": 1, "k": 2, "m": 3, "g": 4, "t": 5, "p": 6, "K": 2, "M": 3, "G": 4}


def _scale(kb: int, human: bool, si: bool, exponent: int) -> str:
    """procps' scale_size()."""
    base = 1000.0 if si else 1024.0
    nbytes = kb * 1024
    if not human:
        if exponent == 0:
            return str(int(nbytes / base))
        if exponent == 1:
            return str(nbytes)
        return str(int(nbytes / base ** (exponent - 1)))
    if len(f"{nbytes}B") <= 4:
        return f"{nbytes}B"
    for i, unit in enumerate("KMGTP", start=1):
        value = nbytes / base**i
        limit, suffix = (4, unit) if si else (5, unit + "i")
        for text in (f"{value:.1f}{suffix}", f"{int(value)}{suffix}"):
            if len(text) <= limit:
                return text
    return f"{nbytes}B"


@command("free")
@parsed_with(FREE_SPEC)
def free(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """free - display amount of free and used memory in the system.

    Supports -b -k -m -g --kilo/--mega/--giga, -h, --si, -w, -t.
    Not supported: -s/-c repetition (one report is printed), -l, -v.
    """
    mem = meminfo(inv.host)
    unit = parsed.get("unit") or ""
    si = parsed.flag("si") or unit in ("K", "M", "G")
    exponent = _EXPONENT.get(unit, 0)

    def cell(kb: int) -> str:
        return f"{_scale(kb, parsed.flag('human'), si, exponent):>12}"

    if parsed.flag("wide"):
        head = ("               total        used        free      shared     buffers       "
                "cache   available")
        mem_cells = [mem.total, mem.used, mem.free, mem.shared, mem.buffers, mem.cache,
                     mem.available]
    else:
        head = ("               total        used        free      shared  buff/cache   "
                "available")
        mem_cells = [mem.total, mem.used, mem.free, mem.shared, mem.buff_cache, mem.available]
    swap_used = mem.swap_total - mem.swap_free
    lines = [head, "Mem:    " + "".join(cell(v) for v in mem_cells),
             "Swap:   " + "".join(cell(v) for v in (mem.swap_total, swap_used, mem.swap_free))]
    if parsed.flag("total"):
        lines.append("Total:  " + "".join(cell(v) for v in (
            mem.total + mem.swap_total, mem.used + swap_used, mem.free + mem.swap_free)))
    yield ("\n".join(lines) + "\n").encode()
    return 0


# -- uptime, nproc -----------------------------------------------------------------

UPTIME_SPEC = OptionSpec(
    "uptime",
    [Opt("p", "pretty", "pretty"), Opt("s", "since", "since")],
    usage=" uptime [options]",
    help_hint=False,
)


@command("uptime")
@parsed_with(UPTIME_SPEC)
def uptime(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """uptime - tell how long the system has been running (-p pretty, -s since)."""
    host = inv.host
    # The time of day is the host's own clock; the uptime itself is monotonic, so the boot
    # instant moves with the clock's offset (as `uptime -s` computes it: now - uptime).
    now = host.now_ms()
    boot_ms = host.boot_ms + now - inv.world.clock.now_ms
    if parsed.flag("since"):
        text = f"{from_ms(boot_ms):%Y-%m-%d %H:%M:%S}"
    elif parsed.flag("pretty"):
        text = uptime_pretty(now, boot_ms)
    else:
        text = uptime_phrase(now, boot_ms, 1, host.load)
    yield (text + "\n").encode()
    return 0


NPROC_SPEC = OptionSpec(
    "nproc",
    [Opt(None, "all", "all"), Opt(None, "ignore", "ignore", Arg.REQUIRED, metavar="N")],
    usage="nproc [OPTION]...",
)


@command("nproc")
@parsed_with(NPROC_SPEC)
def nproc(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """nproc - print the number of processing units available (--all, --ignore=N)."""
    if parsed.operands:
        inv.stderr.write(f"nproc: extra operand \u2018{parsed.operands[0]}\u2019\n"
                         "Try 'nproc --help' for more information.\n")
        return 1
    count = inv.host.spec.cpus
    ignore = parsed.get("ignore")
    if ignore is not None:
        if not ignore.isdigit():
            inv.stderr.write(f"nproc: invalid number: \u2018{ignore}\u2019\n")
            return 1
        count = max(1, count - int(ignore))
    yield f"{count}\n".encode()
    return 0
