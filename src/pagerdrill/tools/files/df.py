"""df: report file system space usage, laid out exactly as GNU df 9.1 aligns it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.files.common import ceil_div, human, quote_maybe, resolve
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Mount
from pagerdrill.world.host import Host

__all__ = ["DfRow", "df", "df_rows", "pseudo_mounts"]


@dataclass(frozen=True)
class DfRow:
    source: str
    target: str
    fstype: str
    size_bytes: int
    used_bytes: int
    avail_bytes: int
    inodes: int
    iused: int
    real: bool = False  # backed by a world Mount (not one of the pseudo filesystems)


# The virtual filesystems a booted Debian 12 host shows, as (source, target, type,
# size as a function of MemTotal in KiB, used KiB, inode share, inodes used).
# Size 0 marks the dummy ones only ``df -a`` lists. Position: before the root mount
# when ``early``. Sizes follow the kernel/initramfs defaults (devtmpfs and /dev/shm
# half of RAM, /run and /run/user 10%, /run/lock 5M).
_Pseudo = tuple[str, str, str, Callable[[int], int], int, int, int, bool]
_PSEUDO: tuple[_Pseudo, ...] = (
    ("sysfs", "/sys", "sysfs", lambda m: 0, 0, 0, 0, True),
    ("proc", "/proc", "proc", lambda m: 0, 0, 0, 0, True),
    ("udev", "/dev", "devtmpfs", lambda m: m // 2, 0, 8, 412, True),
    ("devpts", "/dev/pts", "devpts", lambda m: 0, 0, 0, 0, True),
    ("tmpfs", "/run", "tmpfs", lambda m: m // 10, 1164, 8, 817, True),
    ("tmpfs", "/dev/shm", "tmpfs", lambda m: m // 2, 0, 8, 1, False),
    ("tmpfs", "/run/lock", "tmpfs", lambda m: 5120, 0, 8, 3, False),
    ("cgroup2", "/sys/fs/cgroup", "cgroup2", lambda m: 0, 0, 0, 0, False),
    ("mqueue", "/dev/mqueue", "mqueue", lambda m: 0, 0, 0, 0, False),
    ("hugetlbfs", "/dev/hugepages", "hugetlbfs", lambda m: 0, 0, 0, 0, False),
    ("debugfs", "/sys/kernel/debug", "debugfs", lambda m: 0, 0, 0, 0, False),
    ("tracefs", "/sys/kernel/tracing", "tracefs", lambda m: 0, 0, 0, 0, False),
    ("configfs", "/sys/kernel/config", "configfs", lambda m: 0, 0, 0, 0, False),
    ("tmpfs", "/run/user/0", "tmpfs", lambda m: m // 10, 0, 40, 22, False),
)


def _real(mount: Mount) -> DfRow:
    return DfRow(mount.source, mount.target, mount.fstype, mount.size_bytes,
                 mount.used_bytes, mount.avail_bytes, mount.inodes_total,
                 mount.used_inodes, True)


def pseudo_mounts(host: Host) -> tuple[list[DfRow], list[DfRow]]:
    """The pseudo filesystems mounted before and after the root one."""
    mem_kb = host.spec.mem_total_kb
    early: list[DfRow] = []
    late: list[DfRow] = []
    for source, target, fstype, size_of, used_kb, share, iused, first in _PSEUDO:
        size = size_of(mem_kb) // 4 * 4 * 1024
        inodes = mem_kb // 4 // share if share else 0
        row = DfRow(source, target, fstype, size, used_kb * 1024, size - used_kb * 1024,
                    inodes, iused if inodes else 0)
        (early if first else late).append(row)
    return early, late


def df_rows(host: Host) -> list[DfRow]:
    """Every mount in /proc/self/mountinfo order."""
    early, late = pseudo_mounts(host)
    mounts = [_real(m) for m in host.fs.mounts]
    return [*early, mounts[0], *late[:-1], *mounts[1:], late[-1]]


def _pct(used: int, avail: int) -> str:
    total = used + avail
    if total == 0:
        return "-"
    return f"{ceil_div(used * 100, total)}%"


_FIELDS = {
    "source": "Filesystem", "fstype": "Type", "itotal": "Inodes", "iused": "IUsed",
    "iavail": "IFree", "ipcent": "IUse%", "size": "1K-blocks", "used": "Used",
    "avail": "Avail", "pcent": "Use%", "file": "File", "target": "Mounted on",
}
_MIN_WIDTH = {"source": 14, "fstype": 4, "size": 5, "used": 5, "avail": 5, "pcent": 4,
              "itotal": 5, "iused": 5, "iavail": 5, "ipcent": 5}
_LEFT = {"source", "fstype", "file", "target"}

_SPEC = OptionSpec("df", [
    Opt("a", "all", "all", help="include pseudo, duplicate, inaccessible file systems"),
    Opt("B", "block-size", "block_size", Arg.REQUIRED, "scale sizes by SIZE", "SIZE"),
    Opt("h", "human-readable", "human", const=1024, help="print sizes in powers of 1024"),
    Opt("H", "si", "human", const=1000, help="print sizes in powers of 1000"),
    Opt("i", "inodes", "inodes", help="list inode information instead of block usage"),
    Opt("k", None, "block_size", const="1K", help="like --block-size=1K"),
    Opt("m", None, "block_size", const="1M", help="like --block-size=1M"),
    Opt("l", "local", "local", help="limit listing to local file systems"),
    Opt(None, "no-sync", "nosync", help="do not invoke sync before getting usage info"),
    Opt(None, "output", "output", Arg.OPTIONAL, "use the output format FIELD_LIST",
        "FIELD_LIST", const=""),
    Opt("P", "portability", "posix", help="use the POSIX output format"),
    Opt(None, "sync", "sync", help="invoke sync before getting usage info"),
    Opt(None, "total", "total", help="produce a grand total"),
    Opt("t", "type", "type", Arg.REQUIRED, "limit listing to file systems of type TYPE",
        "TYPE"),
    Opt("T", "print-type", "print_type", help="print file system type"),
    Opt("x", "exclude-type", "exclude", Arg.REQUIRED,
        "limit listing to file systems not of type TYPE", "TYPE"),
    Opt("v", None, "ignored", help="(ignored)"),
], usage="df [OPTION]... [FILE]...",
    description="Show information about the file system on which each FILE resides,\n"
                "or all file systems by default.")


class _Fail(Exception):
    pass


def _columns(inv: Invocation, parsed: ParsedArgs) -> list[str]:
    output = parsed.values.get("output")
    if output is None:
        head = ["source", "fstype"] if parsed.flag("print_type") else ["source"]
        body = (["itotal", "iused", "iavail", "ipcent"] if parsed.flag("inodes")
                else ["size", "used", "avail", "pcent"])
        return [*head, *body, "target"]
    if output is True or output == "":
        return ["source", "fstype", "itotal", "iused", "iavail", "ipcent", "size", "used",
                "avail", "pcent", "file", "target"]
    fields: list[str] = []
    for name in str(output).split(","):
        if name not in _FIELDS:
            inv.error(f"option --output: field '{name}' unknown")
            raise _Fail
        if name in fields:
            inv.error(f"option --output: field '{name}' used more than once")
            raise _Fail
        fields.append(name)
    return fields


def _scale(parsed: ParsedArgs) -> tuple[Callable[[int], str], str]:
    """How to print a byte count, and the size column's header."""
    base = parsed.values.get("human")
    block = parsed.get("block_size")
    for dest, value in reversed(parsed.order):  # the last of -h/-H/-B/-k/-m wins
        if dest in ("human", "block_size"):
            base, block = (value, None) if dest == "human" else (None, str(value))
            break
    if base is not None:
        return (lambda n: human(n, base=int(str(base)))), "Size"
    units = {"": 1024, "1": 1, "K": 1024, "1K": 1024, "M": 1 << 20, "1M": 1 << 20,
             "G": 1 << 30, "1G": 1 << 30}
    block = block or "1K"
    unit = units.get(block.upper() if block.upper() in units else block, 1024)
    suffix = block[-1].upper() if block[-1].isalpha() and block[0].isalpha() else ""
    label = {1: "1B", 1024: "1K", 1 << 20: "1M", 1 << 30: "1G"}[unit]
    return (lambda n: f"{ceil_div(n, unit)}{suffix if n else ''}"), f"{label}-blocks"


def _select(inv: Invocation, parsed: ParsedArgs) -> list[tuple[DfRow, str]]:
    rows = df_rows(inv.host)
    chosen: list[tuple[DfRow, str]] = []
    if parsed.operands:
        for path in parsed.operands:
            try:
                inode = resolve(inv, path)
            except FsError as error:
                inv.error(f"{quote_maybe(path)}: {error.strerror}")
                continue
            full = inv.host.fs.path_of(inode)
            best = max((r for r in rows if full == r.target or full.startswith(
                r.target.rstrip("/") + "/")), key=lambda r: len(r.target))
            chosen.append((best, path))
        return chosen
    types = parsed.all("type")
    excluded = parsed.all("exclude")
    for row in rows:
        if not parsed.flag("all") and row.size_bytes == 0:
            continue
        if types and row.fstype not in types:
            continue
        if row.fstype in excluded:
            continue
        chosen.append((row, "-"))
    return chosen


def _cells(row: DfRow, file: str, columns: list[str],
           fmt: Callable[[int], str], human_inodes: bool) -> list[str]:
    ifmt = fmt if human_inodes else str
    values = {
        "source": row.source, "fstype": row.fstype, "target": row.target, "file": file,
        "size": fmt(row.size_bytes), "used": fmt(row.used_bytes), "avail": fmt(row.avail_bytes),
        "pcent": _pct(row.used_bytes, row.avail_bytes),
        "itotal": ifmt(row.inodes), "iused": ifmt(row.iused),
        "iavail": ifmt(row.inodes - row.iused),
        "ipcent": _pct(row.iused, row.inodes - row.iused),
    }
    return [values[c] for c in columns]


def _render(table: list[list[str]], columns: list[str]) -> bytes:
    widths = [max([_MIN_WIDTH.get(c, 0)] + [len(r[i]) for r in table])
              for i, c in enumerate(columns)]
    lines = []
    for row in table:
        cells = []
        for i, (cell, name) in enumerate(zip(row, columns, strict=True)):
            if i == len(columns) - 1 and name in _LEFT:
                cells.append(cell)
            elif name in _LEFT:
                cells.append(cell.ljust(widths[i]))
            else:
                cells.append(cell.rjust(widths[i]))
        lines.append(" ".join(cells))
    return ("\n".join(lines) + "\n").encode()


@command("df")
@parsed_with(_SPEC)
def df(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: df [OPTION]... [FILE]...
    Show space on each mounted file system (the host's disks and Debian's tmpfs
    mounts). Not supported: --sync effects, remote file systems, -B units other
    than 1, K, M, G.
    """
    try:
        columns = _columns(inv, parsed)
    except _Fail:
        inv.stderr.write("Try 'df --help' for more information.\n")
        return 1
    fmt, size_label = _scale(parsed)
    human_inodes = size_label == "Size"
    headers = dict(_FIELDS, size=size_label)
    if parsed.flag("inodes") and "size" not in columns:
        headers["itotal"] = "Inodes"
    if parsed.flag("posix"):
        headers.update(size="1024-blocks" if size_label == "1K-blocks" else size_label,
                       avail="Available", pcent="Capacity")
    elif size_label != "Size" and parsed.values.get("output") is None:
        headers["avail"] = "Available"
    if size_label != "Size" and parsed.values.get("output") is not None:
        headers["avail"] = "Avail"
    chosen = _select(inv, parsed)
    status = 1 if len(chosen) < len(parsed.operands) else 0
    if not chosen:
        if not parsed.operands:
            inv.error("no file systems processed")
        return 1
    table = [[headers[c] for c in columns]]
    table += [_cells(row, file, columns, fmt, human_inodes) for row, file in chosen]
    if parsed.flag("total"):
        rows = [r for r, _ in chosen]
        total = DfRow("total", "-", "-", sum(r.size_bytes for r in rows),
                      sum(r.used_bytes for r in rows), sum(r.avail_bytes for r in rows),
                      sum(r.inodes for r in rows), sum(r.iused for r in rows))
        table.append(_cells(total, "-", columns, fmt, human_inodes))
    yield _render(table, columns)
    return status
