"""du: estimate file space usage, walking the simulated tree as fts would."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.files.common import (
    allowed,
    ceil_div,
    child_path,
    cred_of,
    human,
    quote,
    resolve,
)
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import BLOCK, Cred, Inode, Kind
from pagerdrill.world.lazydir import LazyEntries

__all__ = ["du", "usage_of"]

_SPEC = OptionSpec("du", [
    Opt("0", "null", "null", help="end each output line with NUL, not newline"),
    Opt("a", "all", "all", help="write counts for all files, not just directories"),
    Opt(None, "apparent-size", "apparent", help="print apparent sizes rather than device usage"),
    Opt("B", "block-size", "block_size", Arg.REQUIRED, "scale sizes by SIZE", "SIZE"),
    Opt("b", "bytes", "block_size", const="bytes",
        help="equivalent to '--apparent-size --block-size=1'"),
    Opt("c", "total", "total", help="produce a grand total"),
    Opt("d", "max-depth", "max_depth", Arg.REQUIRED, "print totals only N levels deep", "N"),
    Opt("h", "human-readable", "block_size", const="human",
        help="print sizes in human readable format (e.g., 1K 234M 2G)"),
    Opt(None, "inodes", "inodes", help="list inode usage information instead of block usage"),
    Opt("k", None, "block_size", const="1K", help="like --block-size=1K"),
    Opt("l", "count-links", "count_links", help="count sizes many times if hard linked"),
    Opt("m", None, "block_size", const="1M", help="like --block-size=1M"),
    Opt("P", "no-dereference", "nodereference", help="don't follow any symbolic links"),
    Opt("S", "separate-dirs", "separate", help="do not include size of subdirectories"),
    Opt(None, "si", "block_size", const="si", help="like -h, but use powers of 1000"),
    Opt("s", "summarize", "summarize", help="display only a total for each argument"),
    Opt(None, "exclude", "exclude", Arg.REQUIRED, "exclude files that match PATTERN",
        "PATTERN"),
    Opt("x", "one-file-system", "xdev", help="skip directories on different file systems"),
], usage="du [OPTION]... [FILE]...",
    description="Summarize device usage of the set of FILEs, recursively for directories.")


def usage_of(inode: Inode, apparent: bool) -> int:
    """What du adds up for one inode: blocks in use (or st_size), opaque bulk included."""
    if apparent:
        return inode.size + inode.opaque_bytes
    return inode.usage_bytes + inode.opaque_bytes


@dataclass
class _Walk:
    inv: Invocation
    cred: Cred
    apparent: bool
    inodes: bool
    show_all: bool
    max_depth: int
    separate: bool
    xdev: bool
    count_links: bool
    excludes: list[str]
    fmt: Callable[[int], str]
    end: str
    seen: set[int] = field(default_factory=set)
    status: int = 0
    lines: list[str] = field(default_factory=list)

    def amount(self, inode: Inode) -> int:
        if self.inodes:
            return 1 + inode.opaque_inodes
        return usage_of(inode, self.apparent)

    def emit(self, size: int, path: str) -> None:
        self.lines.append(f"{self.fmt(size)}\t{path}{self.end}")

    def visit(self, inode: Inode, path: str, depth: int, root_dev: object) -> int | None:
        """Total below ``inode``; None when it was skipped as already seen."""
        if not self.count_links and inode.nlink > 1 and not inode.is_dir:
            if id(inode) in self.seen:
                return None
            self.seen.add(id(inode))
        if inode.is_dir:
            if id(inode) in self.seen:
                return None
            self.seen.add(id(inode))
        own = self.amount(inode)
        full = shown = own
        if inode.is_dir and not (self.xdev and inode.mount is not root_dev and depth > 0):
            below, files = self._children(inode, path, depth, root_dev)
            full += below
            shown += files if self.separate else below
        if (inode.is_dir or self.show_all or depth == 0) and depth <= self.max_depth:
            self.emit(shown, path)
        return full

    def _children(self, inode: Inode, path: str, depth: int, root_dev: object
                  ) -> tuple[int, int]:
        """Everything below ``inode``, and just its non-directory children (-S)."""
        if not allowed(inode, self.cred, 4):
            self.inv.error(f"cannot read directory {quote(path)}: Permission denied")
            self.status = 1
            return 0, 0
        total = files = 0
        searchable = allowed(inode, self.cred, 1)
        entries = inode.entries
        children: list[tuple[str, Inode]]
        if not isinstance(entries, LazyEntries) or not searchable or (
                self.show_all or self.excludes or self.apparent):
            children = list(entries.items() if entries else ())
        else:
            # Untouched generated children are one-block files: count them by formula.
            count = entries.alive_count - len(entries.pinned)
            total = files = count if self.inodes else count * BLOCK
            children = [*((entries.spec.name(i), c) for i, c in entries.pinned.items()),
                        *entries.extra.items()]
        for name, child in children:
            if any(fnmatch.fnmatchcase(name, p) for p in self.excludes):
                continue
            child_name = child_path(path, name)
            if not searchable:
                self.inv.error(f"cannot access {quote(child_name)}: Permission denied")
                self.status = 1
                continue
            if self.xdev and child.mount is not root_dev:
                continue
            size = self.visit(child, child_name, depth + 1, root_dev)
            if size is None:
                continue
            total += size
            if not child.is_dir:
                files += size
        return total, files


def _formatter(parsed: ParsedArgs) -> tuple[Callable[[int], str], bool]:
    block = parsed.get("block_size") or "1K"
    apparent = parsed.flag("apparent") or any(
        d == "block_size" and v == "bytes" for d, v in parsed.order)
    if parsed.flag("inodes"):
        if block in ("human", "si"):
            base = 1024 if block == "human" else 1000
            return (lambda n: human(n, base=base)), apparent
        return str, apparent
    if block == "human":
        return (lambda n: human(n)), apparent
    if block == "si":
        return (lambda n: human(n, base=1000)), apparent
    units = {"bytes": 1, "1": 1, "K": 1024, "1K": 1024, "M": 1 << 20, "1M": 1 << 20,
             "G": 1 << 30, "1G": 1 << 30}
    unit = units.get(block, units.get(block.upper(), 1024))
    suffix = block.upper() if block.upper() in ("K", "M", "G") else ""
    return (lambda n: f"{ceil_div(n, unit)}{suffix}"), apparent


@command("du")
@parsed_with(_SPEC)
def du(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: du [OPTION]... [FILE]...
    Summarize device usage of the set of FILEs, recursively for directories.
    Not supported: -L/-D/-H (links are never followed), --time, --threshold,
    --files0-from, -X. Entries are visited in directory insertion order.
    """
    depth_text = parsed.get("max_depth")
    max_depth = 1 << 30
    if depth_text is not None:
        if not depth_text.isdigit():
            inv.error(f"invalid maximum depth {quote(depth_text)}")
            inv.stderr.write("Try 'du --help' for more information.\n")
            return 1
        max_depth = int(depth_text)
    # GNU du checks -a with -s before any --max-depth conflict.
    if parsed.flag("summarize") and parsed.flag("all"):
        inv.error("cannot both summarize and show all entries")
        inv.stderr.write("Try 'du --help' for more information.\n")
        return 1
    if parsed.flag("summarize"):
        if depth_text is not None and max_depth != 0:
            inv.error(f"warning: summarizing conflicts with --max-depth={max_depth}")
            inv.stderr.write("Try 'du --help' for more information.\n")
            return 1
        if depth_text is not None:
            inv.error("warning: summarizing is the same as using --max-depth=0")
        max_depth = 0
    fmt, apparent = _formatter(parsed)
    if parsed.flag("inodes") and apparent:
        inv.error("warning: options --apparent-size and -b are ineffective with --inodes")
    walk = _Walk(inv, cred_of(inv), apparent, parsed.flag("inodes"), parsed.flag("all"),
                 max_depth, parsed.flag("separate"), parsed.flag("xdev"),
                 parsed.flag("count_links"), parsed.all("exclude"), fmt,
                 "\0" if parsed.flag("null") else "\n")
    grand = 0
    for path in parsed.operands or ["."]:
        try:
            inode = resolve(inv, path, follow=False)
        except FsError as error:
            inv.error(f"cannot access {quote(path)}: {error.strerror}")
            walk.status = 1
            continue
        if inode.kind is Kind.LINK and path.endswith("/"):
            inode = resolve(inv, path)
        size = walk.visit(inode, path, 0, inode.mount)
        grand += size or 0
        if walk.lines:
            yield "".join(walk.lines).encode()
            walk.lines.clear()
    if parsed.flag("total"):
        walk.emit(grand, "total")
        yield "".join(walk.lines).encode()
    return walk.status
