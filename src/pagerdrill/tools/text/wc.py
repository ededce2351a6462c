"""wc: newline, word, byte counts with GNU's column widths.

``wc -l`` and ``wc -c`` on a file operand cost nothing, even for a 64G generated
log: the content knows its size and line count. Words and line lengths stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import Reader, ScanLimitExceeded
from pagerdrill.world.errors import FsError

__all__ = ["wc"]

WC_SPEC = OptionSpec(
    "wc",
    [
        Opt("c", "bytes", "c", help="print the byte counts"),
        Opt("m", "chars", "m", help="print the character counts"),
        Opt("l", "lines", "l", help="print the newline counts"),
        Opt("L", "max-line-length", "L", help="print the maximum display width"),
        Opt("w", "words", "w", help="print the word counts"),
    ],
    usage="wc [OPTION]... [FILE]...",
    description="Print newline, word, and byte counts for each FILE, and a total line if\n"
                "more than one FILE is specified.",
)

_SPACE = b" \t\n\v\f\r"
# Bytes that neither start nor end a word in the C locale (not printable, not space).
_INVISIBLE = bytes(b for b in range(256) if not (32 <= b < 127) and b not in _SPACE)


@dataclass
class _Counts:
    lines: int = 0
    words: int = 0
    nbytes: int = 0
    longest: int = 0
    in_word: bool = field(default=False, repr=False)
    column: int = field(default=0, repr=False)

    def feed(self, data: bytes, words: bool, longest: bool) -> None:
        self.nbytes += len(data)
        self.lines += data.count(b"\n")
        if words:
            visible = data.translate(None, _INVISIBLE)
            found = len(visible.split())
            if found and self.in_word and visible[0] not in _SPACE:
                found -= 1
            self.words += found
            if visible:
                self.in_word = visible[-1] not in _SPACE
        if longest:
            self._measure(data)

    def _measure(self, data: bytes) -> None:
        column, best = self.column, self.longest
        for byte in data:
            if byte in (10, 13, 12):
                best = max(best, column)
                column = 0
            elif byte == 9:
                column += 8 - column % 8
            elif 32 <= byte < 127:
                column += 1
        self.column, self.longest = column, max(best, column)


@command("wc")
@parsed_with(WC_SPEC)
def wc(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: wc [OPTION]... [FILE]...

    Print newline, word and byte counts (-l -w -c, -m is bytes in the C locale,
    -L the longest line's display width), a ``total`` line for several files.
    Unsupported: --files0-from, --total.
    """
    chosen = [k for k in "lwmcL" if p.flag(k)] or ["l", "w", "c"]
    operands = p.operands or ["-"]
    reader = Reader(inv)
    results: list[tuple[_Counts | None, str, bool]] = []
    regular_total = 0
    min_width = 1
    for operand in operands:
        try:
            inode = None if operand == "-" else reader.open(operand)
        except FsError as error:
            inv.error(f"{operand}: {error.strerror}")
            results.append((None, operand, True))
            continue
        if inode is not None and inode.is_file:
            regular_total += inode.size
        else:
            min_width = 7
        try:
            results.append((_count(reader, inv, operand, chosen), operand, False))
        except FsError as error:
            inv.error(f"{operand}: {error.strerror}")
            results.append((_Counts(), operand, True))  # GNU still prints its zeros
        except ScanLimitExceeded as stop:
            inv.stderr.write(stop.message("wc"))
            return 1
    width = max(len(str(regular_total)), min_width)
    if len(operands) == 1 and len(chosen) == 1:
        width = 1
    total = _Counts()
    out: list[bytes] = []
    status = 0
    for counts, name, failed in results:
        if failed:
            status = 1
        if counts is None:
            continue
        total.lines += counts.lines
        total.words += counts.words
        total.nbytes += counts.nbytes
        total.longest = max(total.longest, counts.longest)
        out.append(_line(counts, chosen, width, "" if p.operands == [] else name))
    if len(operands) > 1:
        out.append(_line(total, chosen, width, "total"))
    yield b"".join(out)
    return status


def _count(reader: Reader, inv: Invocation, operand: str, chosen: list[str]) -> _Counts:
    words, longest = "w" in chosen, "L" in chosen
    counts = _Counts()
    if operand != "-":
        inode = reader.open(operand)
        if inode.is_file and inode.content is not None and not (words or longest):
            # Sizes and line counts are O(1) on generated content.
            counts.nbytes = inode.content.size
            if "l" in chosen:
                counts.lines = inode.content.count_lines()
            return counts
        chunks: Iterator[bytes] = reader.chunks(inode, operand)
    else:
        chunks = inv.stdin.chunks()
    for chunk in chunks:
        counts.feed(chunk, words, longest)
    return counts


def _line(counts: _Counts, chosen: list[str], width: int, name: str) -> bytes:
    values = {"l": counts.lines, "w": counts.words, "m": counts.nbytes, "c": counts.nbytes,
              "L": counts.longest}
    fields = [f"{values[k]:>{width}}" for k in chosen]
    text = " ".join(fields)
    return (f"{text} {name}" if name else text).encode() + b"\n"
