"""head: the first lines or bytes of files, reading no more than it needs."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import STDIN_NAME, Reader, ScanLimitExceeded, line_batches
from pagerdrill.tools.text.numbers import BadCount, parse_count
from pagerdrill.world.errors import FsError

__all__ = ["head", "header", "parse_amount"]

HEAD_SPEC = OptionSpec(
    "head",
    [
        Opt("c", "bytes", "bytes", Arg.REQUIRED, "print the first NUM bytes of each file",
            "[-]NUM"),
        Opt("n", "lines", "lines", Arg.REQUIRED, "print the first NUM lines instead of the "
            "first 10", "[-]NUM"),
        Opt("q", "quiet", "header", help="never print headers giving file names", const=False),
        Opt(None, "silent", "header", const=False),
        Opt("v", "verbose", "header", help="always print headers giving file names", const=True),
    ],
    usage="head [OPTION]... [FILE]...",
    description="Print the first 10 lines of each FILE to standard output.",
)

_OBSOLETE = re.compile(r"^-(\d+)([bkm]?)([cl]?)$")


def header(name: str, first: bool) -> bytes:
    return f"{'' if first else chr(10)}==> {name} <==\n".encode()


def parse_amount(prog: str, text: str, what: str, allow_plus: bool = False
                 ) -> tuple[int, str] | str:
    """``(count, sign)`` from ``-n``/``-c`` text, or the error line to print."""
    sign = ""
    body = text
    if body[:1] == "-" or (allow_plus and body[:1] == "+"):
        sign, body = body[0], body[1:]
    try:
        return parse_count(body), sign
    except BadCount as bad:
        if bad.overflow:
            return (f"{prog}: invalid number of {what}: '{text}': "
                    "Value too large for defined data type\n")
        return f"{prog}: invalid number of {what}: '{text}'\n"


def _obsolete_args(args: list[str]) -> list[str]:
    """Rewrite ``head -5`` / ``head -5c`` into ``-n 5`` / ``-c 5``."""
    if args and (m := _OBSOLETE.match(args[0])):
        mult = {"": "", "b": "b", "k": "K", "m": "M"}[m.group(2)]
        flag = "-c" if m.group(3) == "c" or mult else "-n"
        return [flag, m.group(1) + mult, *args[1:]]
    return args


def _head_lines(chunks: Iterator[bytes], count: int) -> Iterator[bytes]:
    if count <= 0:
        return
    for batch in line_batches(chunks):
        if len(batch) >= count:
            yield b"".join(batch[:count])
            return
        count -= len(batch)
        yield b"".join(batch)


def _head_bytes(chunks: Iterator[bytes], count: int) -> Iterator[bytes]:
    for chunk in chunks:
        if count <= 0:
            return
        yield chunk[:count]
        count -= len(chunk)


def _all_but_last_lines(chunks: Iterator[bytes], count: int) -> Iterator[bytes]:
    window: deque[bytes] = deque()
    for batch in line_batches(chunks):
        out = []
        for line in batch:
            window.append(line)
            if len(window) > count:
                out.append(window.popleft())
        if out:
            yield b"".join(out)


def _all_but_last_bytes(chunks: Iterator[bytes], count: int) -> Iterator[bytes]:
    held = b""
    for chunk in chunks:
        held += chunk
        if len(held) > count:
            cut = len(held) - count
            yield held[:cut]
            held = held[cut:]


class _HeadRun:
    def __init__(self, inv: Invocation, lines: int, sign: str, by_bytes: bool) -> None:
        self.inv = inv
        self.reader = Reader(inv)
        self.count, self.sign, self.by_bytes = lines, sign, by_bytes

    def one(self, operand: str) -> Iterator[bytes]:
        if operand == "-":
            chunks: Iterator[bytes] = self.inv.stdin.chunks()
        else:
            inode = self.reader.open(operand)
            size = inode.size
            if self.sign == "-" and self.by_bytes and inode.is_file:
                # A regular file's size is known: stream just the prefix.
                chunks = _head_bytes(self.reader.chunks(inode, operand),
                                     max(0, size - self.count))
                yield from chunks
                return
            chunks = self.reader.chunks(inode, operand)
        if self.sign == "-":
            if self.by_bytes:
                yield from _all_but_last_bytes(chunks, self.count)
            else:
                yield from _all_but_last_lines(chunks, self.count)
        elif self.by_bytes:
            yield from _head_bytes(chunks, self.count)
        else:
            yield from _head_lines(chunks, self.count)


@command("head")
def head(inv: Invocation) -> CommandOutput:
    """Usage: head [OPTION]... [FILE]...

    Print the first 10 lines of each FILE; with more than one FILE, precede each
    with a ``==> FILE <==`` header. Supports -n [-]NUM, -c [-]NUM (with K/M/G
    suffixes), the obsolete -NUM form, -q and -v. Reads only what it prints, so it
    is instant on a 64G log. Unsupported: -z.
    """
    inv.argv = [inv.argv[0], *_obsolete_args(inv.args)]
    return (yield from _head(inv))


@parsed_with(HEAD_SPEC)
def _head(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    by_bytes = False
    amount: tuple[int, str] | str = (10, "")
    for dest, value in p.order:
        if dest in ("lines", "bytes"):
            by_bytes = dest == "bytes"
            amount = parse_amount("head", str(value), dest)
    if isinstance(amount, str):
        inv.stderr.write(amount)
        return 1
    operands = p.operands or ["-"]
    show = p.values.get("header", len(operands) > 1)
    run = _HeadRun(inv, amount[0], amount[1], by_bytes)
    status = 0
    first_header = True
    for operand in operands:
        name = STDIN_NAME if operand == "-" else operand
        try:
            if operand != "-":
                run.reader.open(operand)
        except FsError as error:
            inv.error(f"cannot open '{operand}' for reading: {error.strerror}")
            status = 1
            continue
        if show:
            yield header(name, first_header)
            first_header = False
        try:
            yield from run.one(operand)
        except FsError as error:
            inv.error(f"error reading '{operand}': {error.strerror}")
            status = 1
        except ScanLimitExceeded as stop:
            inv.stderr.write(stop.message("head"))
            return 1
    return status

