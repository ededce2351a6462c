"""find: search for files in a directory hierarchy (GNU findutils 4.9).

Directories are read in insertion order (the order names were created), which
stands in for ext4's hash order: tests compare find's output sorted. Generated
(lazy) directories are read in their own stable pseudo-random order, and simple
expressions over them run by formula (see :mod:`findlazy`).
"""

from __future__ import annotations

import datetime as _dt
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate

from pagerdrill.tools.api import ByteInput, CommandOutput, Invocation
from pagerdrill.tools.files.common import (
    allowed,
    ceil_div,
    child_path,
    cred_of,
    fmt_time_full,
    fmt_time_ls,
    mode_string,
)
from pagerdrill.tools.files.findexpr import FindError, Parsed, Visit, parse_expression
from pagerdrill.tools.files.findlazy import LazyPlan, lazy_plan, run_lazy
from pagerdrill.tools.registry import command, lookup
from pagerdrill.tools.text.xargs import COMMAND_BUFFER, arg_size  # find batches as xargs
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Cred, Inode, Kind
from pagerdrill.world.lazydir import LazyEntries

__all__ = ["find"]


@dataclass
class _Runner:
    inv: Invocation
    cred: Cred
    now_ms: int
    out: list[str] = field(default_factory=list)
    status: int = 0
    stopped: bool = False
    batches: dict[int, list[str]] = field(default_factory=dict)
    batch_bytes: dict[int, int] = field(default_factory=dict)
    commands: dict[int, list[str]] = field(default_factory=dict)
    pending: list[bytes] = field(default_factory=list)
    lazy_plan: LazyPlan | None = None

    # -- the Actions protocol ------------------------------------------------

    def emit(self, text: str) -> None:
        self.out.append(text)

    def quit(self) -> None:
        self.stopped = True

    def access(self, inode: Inode, want: int) -> bool:
        return allowed(inode, self.cred, want)

    def lookup(self, path: str) -> Inode | None:
        try:
            return self.inv.host.fs.lookup(path, self.inv.cwd, cred=self.cred)
        except FsError:
            return None

    def uid_of(self, name: str) -> int | None:
        user = self.inv.host.users.get(name)
        return user.uid if user else (int(name) if name.isdigit() else None)

    def gid_of(self, name: str) -> int | None:
        gid = self.inv.host.groups.get(name)
        return gid if gid is not None else (int(name) if name.isdigit() else None)

    def delete(self, visit: Visit) -> bool:
        fs = self.inv.host.fs
        if visit.path == "." or (visit.depth == 0 and visit.path in (".", "./")):
            return True
        try:
            if visit.inode.is_dir:
                fs.rmdir(visit.path, self.inv.cwd, cred=self.cred)
            else:
                fs.unlink(visit.path, self.inv.cwd, cred=self.cred)
        except FsError as error:
            self.inv.error(f"cannot delete '{visit.path}': {error.strerror}")
            self.status = 1
            return False
        return True

    def run(self, argv: list[str]) -> int:
        self.flush_output()
        tool = lookup(argv[0])
        if tool is None:
            self.inv.error(f"'{argv[0]}': No such file or directory")
            return -1
        sub = Invocation(argv, self.inv.world, self.inv.host, self.inv.shell,
                         ByteInput.empty(), self.inv.stderr)
        gen = tool(sub)
        try:
            while True:
                self.pending.append(next(gen))
        except StopIteration as stop:
            return int(stop.value or 0)

    def exec_one(self, argv: list[str]) -> bool:
        return self.run(argv) == 0

    def exec_batch(self, key: int, argv: list[str], path: str) -> None:
        # Like GNU find (and xargs): a run holds as many names as fit in 128 KiB of
        # arguments, each counted with its NUL, the command's own words included.
        size = arg_size(path)
        used = self.batch_bytes.get(key)
        if used is not None and used + size > COMMAND_BUFFER:
            self.flush_batch(key)
            used = None
        if used is None:
            self.commands[key] = argv
            used = sum(arg_size(arg) for arg in argv)
        self.batches.setdefault(key, []).append(path)
        self.batch_bytes[key] = used + size

    def exec_batch_all(self, key: int, argv: list[str], paths: list[str]) -> None:
        """``exec_batch`` for each path in turn, the sizes summed in bulk."""
        ends = list(accumulate(map(arg_size, paths), initial=0))  # ends[k]: bytes of paths[:k]
        i, n = 0, len(paths)
        while i < n:
            used = self.batch_bytes.get(key)
            if used is None:
                self.commands[key] = argv
                used = sum(map(arg_size, argv))
                j = max(i + 1, bisect_right(ends, COMMAND_BUFFER - used + ends[i]) - 1)
            else:
                j = bisect_right(ends, COMMAND_BUFFER - used + ends[i]) - 1
                if j <= i:  # paths[i] does not fit: run what is there first
                    self.flush_batch(key)
                    continue
            self.batches.setdefault(key, []).extend(paths[i:j])
            self.batch_bytes[key] = used + ends[j] - ends[i]
            i = j
            if i < n:  # the next path does not fit
                self.flush_batch(key)

    def flush_batch(self, key: int) -> None:
        names = self.batches.pop(key, [])
        self.batch_bytes.pop(key, None)
        if names and self.run([*self.commands[key], *names]) != 0:
            self.status = 1

    def drain(self) -> Iterator[bytes]:
        if self.pending:
            yield b"".join(self.pending)
            self.pending.clear()

    def fail(self, message: str) -> None:
        self.inv.error(message)
        self.status = 1

    def flush_output(self) -> None:
        if self.out:
            self.pending.append("".join(self.out).encode())
            self.out.clear()

    def ls_line(self, visit: Visit) -> str:
        inode = visit.inode
        host = self.inv.host
        size = (f"{inode.size:>8}" if inode.kind is not Kind.CHAR else f"{'':>8}")
        line = (f"{inode.ino:>9} {ceil_div(inode.usage_bytes, 1024):>6} {mode_string(inode)} "
                f"{inode.nlink:>3} {host.user_name(inode.uid):<8} "
                f"{host.group_name(inode.gid):<8} {size} "
                f"{fmt_time_ls(inode.mtime_ms, self.now_ms)} {visit.path}")
        if inode.kind is Kind.LINK:
            line += f" -> {inode.target}"
        return line + "\n"

    def printf(self, fmt: str, visit: Visit) -> str:
        return _printf(fmt, visit, self)


_DIRECTIVE = re.compile(r"%([-+ #0]*\d*(?:\.\d+)?)([%pfPhsmMugUGdyYiknlbtTaAc@]|[TAC].)|"
                        r"\\(.)|%(.)?")
_ESCAPES = {"n": "\n", "t": "\t", "0": "\0", "\\": "\\", "a": "\a", "r": "\r", "f": "\f",
            "v": "\v"}


def _printf(fmt: str, visit: Visit, runner: _Runner) -> str:
    inode = visit.inode
    host = runner.inv.host

    def field_of(code: str) -> str:
        name = visit.path.rstrip("/").rsplit("/", 1)[-1] if visit.path.rstrip("/") else "/"
        values = {
            "p": visit.path, "f": name, "s": str(inode.size),
            "P": visit.path[len(visit.start):].lstrip("/") if visit.depth else "",
            "h": visit.path.rsplit("/", 1)[0] if "/" in visit.path.rstrip("/") else ".",
            "m": f"{inode.mode & 0o7777:o}", "M": mode_string(inode),
            "u": host.user_name(inode.uid), "g": host.group_name(inode.gid),
            "U": str(inode.uid), "G": str(inode.gid), "d": str(visit.depth),
            "y": {Kind.FILE: "f", Kind.DIR: "d", Kind.LINK: "l", Kind.CHAR: "c"}[inode.kind],
            "i": str(inode.ino), "n": str(inode.nlink), "l": inode.target,
            "k": str(ceil_div(inode.usage_bytes, 1024)), "b": str(inode.usage_bytes // 512),
            "t": _ctime_text(inode.mtime_ms), "a": _ctime_text(inode.atime_ms),
            "c": _ctime_text(inode.ctime_ms), "%": "%",
        }
        if code[0] in "TAC" and len(code) == 2:
            ms = {"T": inode.mtime_ms, "A": inode.atime_ms, "C": inode.ctime_ms}[code[0]]
            if code[1] == "@":
                return f"{ms // 1000}.{ms % 1000:03d}0000000"
            full = fmt_time_full(ms)
            return {"Y": full[:4], "m": full[5:7], "d": full[8:10], "H": full[11:13],
                    "M": full[14:16], "S": full[17:19], "+": full[:10] + "+" + full[11:30],
                    "F": full[:10], "T": full[11:30]}.get(code[1], "")
        if code == "Y":
            return values["y"]
        return values.get(code, "")

    def replace(match: re.Match[str]) -> str:
        if match.group(3) is not None:
            return _ESCAPES.get(match.group(3), "\\" + match.group(3))
        if match.group(2) is None:
            return match.group(0)
        flags, code = match.group(1), match.group(2)
        text = field_of(code)
        if flags:
            left = "-" in flags
            width = int(re.sub(r"[^\d]", "", flags.split(".")[0]) or 0)
            text = text.ljust(width) if left else text.rjust(width)
        return text

    return _DIRECTIVE.sub(replace, fmt)


def _ctime_text(ms: int) -> str:
    moment = _dt.datetime.fromtimestamp(ms // 1000, tz=_dt.UTC)
    return f"{moment:%a %b} {moment.day:>2} {moment:%H:%M:%S}.{ms % 1000:03d}0000000 {moment.year}"


def _split_args(args: list[str]) -> tuple[list[str], list[str]]:
    i = 0
    while i < len(args) and args[i] in ("-H", "-L", "-P"):
        i += 1
    start = i
    while i < len(args) and not (args[i].startswith("-") and len(args[i]) > 1) \
            and args[i] not in ("(", "!", ")"):
        i += 1
    return args[start:i], args[i:]


def _walk(runner: _Runner, parsed: Parsed, visit: Visit) -> Iterator[bytes]:
    inode = visit.inode
    apply = visit.depth >= parsed.mindepth
    if apply and not parsed.depth_first:
        parsed.node(visit, runner)
    descend = (inode.is_dir and visit.depth < parsed.maxdepth and not visit.prune
               and not runner.stopped)
    if descend and parsed.xdev and visit.depth > 0:
        descend = inode.mount is runner.root_mount  # type: ignore[attr-defined]
    if descend:
        if not allowed(inode, runner.cred, 4) or not allowed(inode, runner.cred, 1):
            runner.inv.error(f"'{visit.path}': Permission denied")
            runner.status = 1
        else:
            entries = inode.entries
            plan = runner.lazy_plan
            children: Iterable[tuple[str, Inode]]
            if not isinstance(entries, LazyEntries) or plan is None:
                children = list((entries or {}).items())
            else:
                # Touched children and ordinary entries one by one, the rest by formula.
                children = [*((entries.spec.name(i), c) for i, c in entries.pinned.items()),
                            *entries.extra.items()]
                if visit.depth + 1 >= parsed.mindepth:
                    runner.flush_output()
                    yield from runner.drain()
                    yield from run_lazy(runner.inv.host.fs, inode, visit.path, plan,
                                        runner.now_ms, runner.cred, runner.fail, runner)
            for name, child in children:
                if runner.stopped:
                    break
                yield from _walk(runner, parsed, Visit(child_path(visit.path, name), child,
                                                       visit.depth + 1, visit.start))
                if len(runner.out) >= 4096:
                    runner.flush_output()
                    yield from runner.drain()
    if apply and parsed.depth_first and not runner.stopped:
        parsed.node(visit, runner)


@command("find")
def find(inv: Invocation) -> CommandOutput:
    """Usage: find [-H] [-L] [-P] [path...] [expression]
    Search the simulated tree. Tests: -name -iname -path -ipath -regex -type
    -xtype -size -mtime -mmin -atime -amin -ctime -cmin -newer -empty -user -group
    -uid -gid -perm -links -inum -readable -writable -executable; actions: -print
    -print0 -printf -ls -delete -exec/-execdir (; and +) -prune -quit; options:
    -maxdepth -mindepth -depth -xdev. Directories are read in insertion order.
    Not supported: -L/-H (symlinks are never followed), -ok, -fprint*, -newerXY.
    """
    args = inv.args
    if args[:1] == ["--help"]:
        yield (find.__doc__ or "").encode()
        return 0
    paths, expression = _split_args(args)
    try:
        parsed, refs, owners = parse_expression(expression)
    except FindError as error:
        inv.error(str(error))
        return 1
    runner = _Runner(inv, cred_of(inv), inv.world.clock.now_ms,
                     lazy_plan=lazy_plan(expression))
    for ref in refs:
        if runner.lookup(ref) is None:
            inv.error(f"'{ref}': No such file or directory")
            return 1
    for pred, name, holder in owners:
        value = runner.gid_of(name) if pred == "-group" else runner.uid_of(name)
        if value is None:
            kind = "group" if pred == "-group" else "user"
            inv.error(f"'{name}' is not the name of a known {kind}")
            return 1
        holder.append(value)
    for path in paths or ["."]:
        try:
            inode = inv.host.fs.lookup(path, inv.cwd, follow=False, cred=runner.cred)
        except FsError as error:
            inv.error(f"'{path}': {error.strerror}")
            runner.status = 1
            continue
        runner.root_mount = inode.mount  # type: ignore[attr-defined]
        yield from _walk(runner, parsed, Visit(path, inode, 0, path))
        runner.flush_output()
        yield from runner.drain()
        if runner.stopped:
            break
    for key in list(runner.batches):
        runner.flush_batch(key)
    runner.flush_output()
    if runner.pending:
        yield b"".join(runner.pending)
    return runner.status
