"""mount (list only), findmnt and lsblk (util-linux 2.38.1) from the host's mounts.

The pseudo filesystems come from df's table (``tools/files/df.py``), so df, mount
and findmnt always agree; block devices are derived from mount sources such as
``/dev/sda1`` (disk ``sda``, partition 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.files.df import DfRow, df_rows
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.world.host import Host

__all__ = ["BlockDevice", "block_devices", "findmnt", "lsblk", "mount", "mount_table"]

# Options the kernel shows for each pseudo filesystem on Debian 12 ({k}: size in
# KiB, {n}: inodes), by mount point.
_PSEUDO_OPTIONS = {
    "/sys": "rw,nosuid,nodev,noexec,relatime",
    "/proc": "rw,nosuid,nodev,noexec,relatime",
    "/dev": "rw,nosuid,relatime,size={k}k,nr_inodes={n},mode=755,inode64",
    "/dev/pts": "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=000",
    "/run": "rw,nosuid,nodev,noexec,relatime,size={k}k,mode=755,inode64",
    "/dev/shm": "rw,nosuid,nodev,inode64",
    "/run/lock": "rw,nosuid,nodev,noexec,relatime,size={k}k,inode64",
    "/sys/fs/cgroup": "rw,nosuid,nodev,noexec,relatime,nsdelegate,memory_recursiveprot",
    "/dev/mqueue": "rw,nosuid,nodev,noexec,relatime",
    "/dev/hugepages": "rw,relatime,pagesize=2M",
    "/sys/kernel/debug": "rw,nosuid,nodev,noexec,relatime",
    "/sys/kernel/tracing": "rw,nosuid,nodev,noexec,relatime",
    "/sys/kernel/config": "rw,nosuid,nodev,noexec,relatime",
    "/run/user/0": "rw,nosuid,nodev,relatime,size={k}k,nr_inodes={n},mode=700,inode64",
}


def _options(host: Host, row: DfRow) -> str:
    if row.real:
        mount = next(m for m in host.fs.mounts if m.target == row.target)
        return mount.options
    template = _PSEUDO_OPTIONS.get(row.target, "rw,relatime")
    return template.format(k=row.size_bytes // 1024, n=row.inodes)


def mount_table(host: Host) -> list[tuple[str, str, str, str]]:
    """(source, target, fstype, options) in /proc/self/mountinfo order."""
    return [(r.source, r.target, r.fstype, _options(host, r)) for r in df_rows(host)]


MOUNT_SPEC = OptionSpec(
    "mount",
    [Opt("l", "show-labels", "labels", help="show also filesystem labels"),
     Opt("t", "types", "types", Arg.REQUIRED, "limit the set of filesystem types", "<list>"),
     Opt("a", "all", "all", help="mount all filesystems mentioned in fstab"),
     Opt("o", "options", "options", Arg.REQUIRED, "comma-separated list of mount options",
         "<list>")],
    usage="mount [-lhV]",
)


@command("mount")
@parsed_with(MOUNT_SPEC)
def mount(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: mount [-l] [-t TYPE]

    List mounted filesystems (``/dev/sda1 on / type ext4 (rw,relatime,...)``), the
    pseudo filesystems included; -t filters by type (comma list, ``no`` prefix
    negates). Mounting and remounting are not supported.
    """
    if p.operands or p.flag("all") or p.get("options") is not None:
        inv.error("only root can do that" if inv.user != "root" else
                  "pagerdrill: mounting filesystems is not supported")
        return 1 if inv.user != "root" else 32
    types = p.get("types")
    wanted = set((types or "").split(","))
    negate = bool(types) and all(t.startswith("no") for t in wanted)
    lines = []
    for source, target, fstype, options in mount_table(inv.host):
        if types and ((f"no{fstype}" in wanted) if negate else (fstype not in wanted)):
            continue
        lines.append(f"{source} on {target} type {fstype} ({options})\n")
    yield "".join(lines).encode()
    return 0


# -- findmnt ---------------------------------------------------------------------

FINDMNT_SPEC = OptionSpec(
    "findmnt",
    [Opt("l", "list", "list", help="use list format output"),
     Opt("n", "noheadings", "noheadings", help="don't print column headings"),
     Opt("t", "types", "types", Arg.REQUIRED, "limit the set of filesystems by FS types",
         "<list>"),
     Opt("T", "target", "target", Arg.REQUIRED, "the path to the filesystem to use",
         "<path>"),
     Opt("D", "df", "df", help="imitate the output of df(1)")],
    usage="findmnt [options] [<device> | <mountpoint>]",
    help_hint=False,
)


@dataclass
class _Node:
    source: str
    target: str
    fstype: str
    options: str
    children: list[_Node] = field(default_factory=list)


def _tree(host: Host) -> _Node:
    nodes = [_Node(*row) for row in mount_table(host)]
    root = next(n for n in nodes if n.target == "/")
    placed: list[_Node] = [root]
    for node in nodes:
        if node is root:
            continue
        parent = max((n for n in placed if node.target.startswith(n.target.rstrip("/") + "/")),
                     key=lambda n: len(n.target), default=root)
        parent.children.append(node)
        placed.append(node)
    return root


def _walk(node: _Node, prefix: str, last: bool, top: bool) -> list[tuple[str, _Node]]:
    label = node.target if top else prefix + ("└─" if last else "├─") + node.target
    rows = [(label, node)]
    inner = "" if top else prefix + ("  " if last else "│ ")
    for i, child in enumerate(node.children):
        rows += _walk(child, inner, i == len(node.children) - 1, False)
    return rows


@command("findmnt")
@parsed_with(FINDMNT_SPEC)
def findmnt(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: findmnt [options] [<device> | <mountpoint>]

    The mount tree: TARGET SOURCE FSTYPE OPTIONS (-l flat list, -n no headings,
    -t TYPES, -T PATH for the filesystem holding PATH, or a mountpoint/device
    operand). Not supported: -D, -o, -J, polling.
    """
    root = _tree(inv.host)
    rows = _walk(root, "", True, True)
    if p.flag("list") or p.get("types") or p.get("target") or p.operands:
        rows = [(n.target, n) for _, n in rows]
    if p.get("types"):
        wanted = set((p.get("types") or "").split(","))
        rows = [(label, n) for label, n in rows if n.fstype in wanted]
    target = p.get("target")
    if target is not None:
        holder = inv.host.fs.mount_for_path(inv.host.fs.abspath(target, inv.cwd))
        rows = [(label, n) for label, n in rows if n.target == holder.target][:1]
    if p.operands:
        rows = [(label, n) for label, n in rows
                if p.operands[0] in (n.target, n.source)]
    if not rows:
        return 1
    table = [("TARGET", "SOURCE", "FSTYPE", "OPTIONS")] if not p.flag("noheadings") else []
    table += [(label, n.source, n.fstype, n.options) for label, n in rows]
    widths = [max(len(r[i]) for r in table) for i in range(3)]
    out = [" ".join(r[i].ljust(widths[i]) for i in range(3)) + " " + r[3] for r in table]
    yield ("\n".join(out) + "\n").encode()
    return 0


# -- lsblk -------------------------------------------------------------------------

_DEVICE = re.compile(r"/dev/((?:sd|vd|xvd)[a-z]+|nvme\d+n\d+)(p?)(\d*)")
_MAJOR = {"sd": 8, "vd": 254, "xv": 202, "nv": 259}


@dataclass
class BlockDevice:
    """A disk or partition lsblk lists."""

    name: str
    major: int
    minor: int
    size_bytes: int
    kind: str  # disk or part
    mountpoint: str = ""
    parts: list[BlockDevice] = field(default_factory=list)


def block_devices(host: Host) -> list[BlockDevice]:
    """Disks (with their partitions) behind the host's /dev/* mount sources."""
    disks: dict[str, BlockDevice] = {}
    for m in host.fs.mounts:
        match = _DEVICE.fullmatch(m.source)
        if not match:
            continue
        disk_name, sep, number = match.groups()
        major = _MAJOR[disk_name[:2]]
        disk = disks.get(disk_name)
        if disk is None:
            index = ord(disk_name[-1]) - ord("a") if disk_name[-1].isalpha() else 0
            disk = BlockDevice(disk_name, major, index * 16, 0, "disk")
            disks[disk_name] = disk
        if number:
            disk.parts.append(BlockDevice(f"{disk_name}{sep}{number}", major,
                                          disk.minor + int(number), m.size_bytes, "part",
                                          m.target))
        else:
            disk.size_bytes, disk.mountpoint = m.size_bytes, m.target
    for disk in disks.values():
        if disk.parts:  # partitions start at 1 MiB, as fdisk aligns them
            disk.size_bytes = sum(p.size_bytes for p in disk.parts) + (1 << 20)
    return [disks[name] for name in sorted(disks)]


def _human(size: int) -> str:
    """util-linux size_to_human_string(): one decimal, dropped when it is zero."""
    units = "BKMGTPE"
    exp = 0
    while exp < 6 and size >= 1024 ** (exp + 1):
        exp += 1
    if exp == 0:
        return f"{size}B"
    whole, frac = divmod(size, 1024**exp)
    tenth = (frac * 10 + 1024**exp // 2) // 1024**exp
    if tenth >= 10:
        whole, tenth = whole + 1, 0
    return f"{whole}.{tenth}{units[exp]}" if tenth else f"{whole}{units[exp]}"


LSBLK_SPEC = OptionSpec(
    "lsblk",
    [Opt("b", "bytes", "bytes", help="print SIZE in bytes rather than in human readable "
         "format"),
     Opt("n", "noheadings", "noheadings", help="don't print headings"),
     Opt("l", "list", "list", help="use list format output"),
     Opt("a", "all", "all", help="print all devices")],
    usage="lsblk [options] [<device> ...]",
    help_hint=False,
)


@command("lsblk")
@parsed_with(LSBLK_SPEC)
def lsblk(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: lsblk [-b] [-n] [-l]

    Block devices: NAME MAJ:MIN RM SIZE RO TYPE MOUNTPOINTS, partitions drawn under
    their disk. Only disks behind mounted /dev/* sources exist here. Not supported:
    -f, -o, -J, device operands.
    """
    rows: list[tuple[str, BlockDevice]] = []
    for disk in block_devices(inv.host):
        rows.append((disk.name, disk))
        for i, part in enumerate(disk.parts):
            branch = "" if p.flag("list") else ("└─" if i == len(disk.parts) - 1 else "├─")
            rows.append((branch + part.name, part))
    sizes = [str(d.size_bytes) if p.flag("bytes") else _human(d.size_bytes) for _, d in rows]
    name_w = max([4, *(len(name) for name, _ in rows)])
    size_w = max([5, *(len(s) for s in sizes)])
    lines = [] if p.flag("noheadings") else [
        f"{'NAME':<{name_w}} MAJ:MIN RM {'SIZE':>{size_w}} RO TYPE MOUNTPOINTS"]
    for (name, dev), size in zip(rows, sizes, strict=True):
        majmin = f"{dev.major:>3}:{dev.minor:<3}"
        lines.append(f"{name:<{name_w}} {majmin} {0:>2} {size:>{size_w}} {0:>2} "
                     f"{dev.kind:<4} {dev.mountpoint}")
    yield ("\n".join(lines) + "\n").encode()
    return 0
