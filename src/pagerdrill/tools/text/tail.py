"""tail: the last lines or bytes of files, found from the end by offset.

``tail -f``/``-F`` cannot follow forever inside one simulated command, so after
printing the tail it follows for :data:`FOLLOW_SECONDS` simulated seconds: each
step advances the world by one second (``world.advance(1)``) and prints what the
files gained, so a growing log visibly grows. Then it returns, as if interrupted.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import STDIN_NAME, Reader, ScanLimitExceeded, line_batches
from pagerdrill.tools.text.head import header, parse_amount
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Inode

__all__ = ["FOLLOW_SECONDS", "tail"]

FOLLOW_SECONDS = 10
_BLOCK = 8192

TAIL_SPEC = OptionSpec(
    "tail",
    [
        Opt("c", "bytes", "bytes", Arg.REQUIRED, "output the last NUM bytes", "[+]NUM"),
        Opt("f", "follow", "follow", Arg.OPTIONAL, "output appended data as the file grows",
            "{name|descriptor}", const="descriptor"),
        Opt("F", None, "follow", help="same as --follow=name --retry", const="name"),
        Opt("n", "lines", "lines", Arg.REQUIRED, "output the last NUM lines", "[+]NUM"),
        Opt(None, "pid", "pid", Arg.REQUIRED, "with -f, terminate after process ID dies"),
        Opt("q", "quiet", "header", help="never output headers giving file names", const=False),
        Opt(None, "silent", "header", const=False),
        Opt(None, "retry", "retry", help="keep trying to open a file if it is inaccessible"),
        Opt("s", "sleep-interval", "sleep", Arg.REQUIRED, "with -f, sleep N seconds", "N"),
        Opt("v", "verbose", "header", help="always output headers giving file names",
            const=True),
    ],
    usage="tail [OPTION]... [FILE]...",
    description="Print the last 10 lines of each FILE to standard output.",
)

_OBSOLETE = re.compile(r"^([-+])(\d*)([bcl]?)(f?)$")


def _obsolete_args(args: list[str]) -> list[str]:
    """``tail -5``, ``tail +2``, ``tail -3c``, ``tail -20f`` into modern options."""
    if args and args[0] not in ("-", "+") and (m := _OBSOLETE.match(args[0])):
        sign, digits, unit, follow = m.groups()
        if not digits:
            return args
        count = digits or "10"
        if unit == "b":
            count += "b"
        flag = "-c" if unit in ("b", "c") else "-n"
        value = ("+" if sign == "+" else "") + count
        return [flag, value, *(["-f"] if follow else []), *args[1:]]
    return args


def _start_of_last_lines(reader: Reader, inode: Inode, path: str, count: int) -> int:
    """Offset where the last ``count`` lines of a file begin (reads backwards)."""
    size = inode.size
    if count == 0 or size == 0:
        return size
    end = size
    if reader.read(inode, path, size - 1, 1) == b"\n":
        end -= 1
    pos = end
    while pos > 0:
        start = max(0, pos - _BLOCK)
        block = reader.read(inode, path, start, pos - start)
        cut = len(block)
        while True:
            cut = block.rfind(b"\n", 0, cut)
            if cut < 0:
                break
            count -= 1
            if count == 0:
                return start + cut + 1
        pos = start
    return 0


def _skip_lines(chunks: Iterator[bytes], skip: int) -> Iterator[bytes]:
    for batch in line_batches(chunks):
        if skip >= len(batch):
            skip -= len(batch)
            continue
        yield b"".join(batch[skip:])
        skip = 0


def _skip_bytes(chunks: Iterator[bytes], skip: int) -> Iterator[bytes]:
    for chunk in chunks:
        if skip >= len(chunk):
            skip -= len(chunk)
            continue
        yield chunk[skip:]
        skip = 0


def _last_lines(chunks: Iterator[bytes], count: int) -> Iterator[bytes]:
    window: deque[bytes] = deque(maxlen=count)
    for batch in line_batches(chunks):
        window.extend(batch)
    if count:
        yield b"".join(window)


def _last_bytes(chunks: Iterator[bytes], count: int) -> Iterator[bytes]:
    held = b""
    for chunk in chunks:
        held = (held + chunk)[-count:] if count else b""
    yield held


@dataclass
class _Followed:
    path: str
    inode: Inode | None
    position: int


class _TailRun:
    def __init__(self, inv: Invocation, count: int, from_start: bool, by_bytes: bool) -> None:
        self.inv = inv
        self.reader = Reader(inv)
        self.count, self.from_start, self.by_bytes = count, from_start, by_bytes

    def one(self, operand: str, inode: Inode | None) -> Iterator[bytes]:
        count = self.count
        if inode is None or not inode.is_file:
            chunks = (self.inv.stdin.chunks() if inode is None
                      else self.reader.chunks(inode, operand))
            if self.from_start:
                skip = max(0, count - 1)
                yield from (_skip_bytes(chunks, skip) if self.by_bytes
                            else _skip_lines(chunks, skip))
            else:
                yield from (_last_bytes(chunks, count) if self.by_bytes
                            else _last_lines(chunks, count))
            return
        size = inode.size
        if self.by_bytes:
            start = min(size, max(0, count - 1)) if self.from_start else max(0, size - count)
            yield from self.reader.chunks(inode, operand, start)
        elif self.from_start:
            yield from _skip_lines(self.reader.chunks(inode, operand), max(0, count - 1))
        else:
            start = _start_of_last_lines(self.reader, inode, operand, count)
            yield from self.reader.chunks(inode, operand, start)


@command("tail")
def tail(inv: Invocation) -> CommandOutput:
    """Usage: tail [OPTION]... [FILE]...

    Print the last 10 lines of each FILE (``==> FILE <==`` headers for several).
    Supports -n [+]NUM, -c [+]NUM, the obsolete -NUM/+NUM forms, -q, -v and
    -f/-F/--follow[=name|descriptor]: following is bounded to 10 simulated
    seconds (the world advances one second per step), then tail returns.
    Reads a regular file backwards from its end, so it is instant on a 64G log.
    Unsupported: -z, --max-unchanged-stats; --pid and -s are accepted and ignored.
    """
    inv.argv = [inv.argv[0], *_obsolete_args(inv.args)]
    return (yield from _tail(inv))


@parsed_with(TAIL_SPEC)
def _tail(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    by_bytes = False
    amount: tuple[int, str] | str = (10, "")
    for dest, value in p.order:
        if dest in ("lines", "bytes"):
            by_bytes = dest == "bytes"
            amount = parse_amount("tail", str(value), dest, allow_plus=True)
    if isinstance(amount, str):
        inv.stderr.write(amount)
        return 1
    operands = p.operands or ["-"]
    show = bool(p.values.get("header", len(operands) > 1))
    run = _TailRun(inv, amount[0], amount[1] == "+", by_bytes)
    status = 0
    followed: list[_Followed] = []
    first_header = True
    for operand in operands:
        name = STDIN_NAME if operand == "-" else operand
        inode: Inode | None = None
        try:
            if operand != "-":
                inode = run.reader.open(operand)
        except FsError as error:
            inv.error(f"cannot open '{operand}' for reading: {error.strerror}")
            status = 1
            if p.values.get("follow") == "name":
                followed.append(_Followed(operand, None, 0))
            continue
        if show:
            yield header(name, first_header)
            first_header = False
        try:
            yield from run.one(operand, inode)
        except FsError as error:
            inv.error(f"error reading '{operand}': {error.strerror}")
            status = 1
            continue
        except ScanLimitExceeded as stop:
            inv.stderr.write(stop.message("tail"))
            return 1
        if inode is not None and inode.is_file:
            followed.append(_Followed(operand, inode, inode.size))
    mode = p.values.get("follow")
    if mode and followed:
        last = operands[-1] if show else None
        yield from _follow(inv, run.reader, followed, str(mode) == "name", show, last)
    return status


def _follow(inv: Invocation, reader: Reader, files: list[_Followed], by_name: bool,
            show: bool, last: str | None) -> Iterator[bytes]:
    """Print what the files gain over FOLLOW_SECONDS simulated seconds."""
    for _ in range(FOLLOW_SECONDS):
        inv.world.advance(1)
        for entry in files:
            if by_name:
                try:
                    current: Inode | None = reader.open(entry.path)
                except FsError as error:
                    current = None
                    if entry.inode is not None:
                        inv.error(f"'{entry.path}' has become inaccessible: {error.strerror}")
                if current is not entry.inode and current is not None:
                    if entry.inode is None:
                        inv.error(f"'{entry.path}' has appeared;  following new file")
                    else:
                        inv.error(f"'{entry.path}' has been replaced;  following new file")
                    entry.position = 0
                entry.inode = current
            if entry.inode is None:
                continue
            size = entry.inode.size
            if size < entry.position:
                inv.error(f"{entry.path}: file truncated")
                entry.position = 0
            if size == entry.position:
                continue
            if show and last != entry.path:
                yield header(entry.path, False)
                last = entry.path
            start, entry.position = entry.position, size
            try:
                yield from reader.chunks(entry.inode, entry.path, start)
            except ScanLimitExceeded as stop:
                inv.stderr.write(stop.message("tail"))
                return
