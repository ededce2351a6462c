"""diff: compare files line by line (GNU diffutils 3.8 output formats)."""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Iterator

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, HelpRequested, Opt, OptionSpec, UsageError
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.timefmt import from_ms
from pagerdrill.tools.text.common import Reader, ScanLimitExceeded
from pagerdrill.world.errors import FsError

__all__ = ["diff", "normal_diff", "unified_diff"]

DIFF_SPEC = OptionSpec(
    "diff",
    [Opt("q", "brief", "brief", help="report only when files differ"),
     Opt("s", "report-identical-files", "same", help="report when two files are the same"),
     Opt("u", None, "unified", const="3", help="output 3 lines of unified context"),
     Opt("U", "unified", "unified", Arg.REQUIRED, "output NUM lines of unified context",
         "NUM"),
     Opt("a", "text", "text", help="treat all files as text"),
     Opt(None, "label", "label", Arg.REQUIRED, "use LABEL instead of file name", "LABEL")],
    usage="diff [OPTION]... FILES",
    description="Compare FILES line by line.",
    usage_status=2,
)

_NO_NEWLINE = b"\\ No newline at end of file\n"


def _range_normal(start: int, end: int) -> str:
    return f"{start + 1}" if end - start == 1 else f"{start + 1},{end}"


def _range_unified(start: int, length: int) -> str:
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


def _line(prefix: bytes, line: bytes) -> bytes:
    return prefix + line + (b"" if line.endswith(b"\n") else b"\n" + _NO_NEWLINE)


def _matcher(a: list[bytes], b: list[bytes]) -> difflib.SequenceMatcher[bytes]:
    return difflib.SequenceMatcher(None, a, b, autojunk=False)


def normal_diff(a: list[bytes], b: list[bytes]) -> Iterator[bytes]:
    """The default ("normal") format: ``2c2`` / ``< old`` / ``---`` / ``> new``."""
    for tag, i1, i2, j1, j2 in _matcher(a, b).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace":
            yield f"{_range_normal(i1, i2)}c{_range_normal(j1, j2)}\n".encode()
        elif tag == "delete":
            yield f"{_range_normal(i1, i2)}d{j1}\n".encode()
        else:
            yield f"{i1}a{_range_normal(j1, j2)}\n".encode()
        for line in a[i1:i2]:
            yield _line(b"< ", line)
        if tag == "replace":
            yield b"---\n"
        for line in b[j1:j2]:
            yield _line(b"> ", line)


def unified_diff(a: list[bytes], b: list[bytes], head_a: str, head_b: str,
                 context: int) -> Iterator[bytes]:
    """``-u``: the two header lines, then ``@@ -l,n +l,n @@`` hunks."""
    yield f"--- {head_a}\n+++ {head_b}\n".encode()
    for group in _matcher(a, b).get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        yield (f"@@ -{_range_unified(i1, i2 - i1)} "
               f"+{_range_unified(j1, j2 - j1)} @@\n").encode()
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                for line in a[a1:a2]:
                    yield _line(b" ", line)
                continue
            for line in a[a1:a2]:
                yield _line(b"-", line)
            for line in b[b1:b2]:
                yield _line(b"+", line)


def _stamp(ms: int) -> str:
    when = from_ms(ms)
    return f"{when:%Y-%m-%d %H:%M:%S}.{ms % 1000 * 1_000_000:09d} +0000"


class _Side:
    def __init__(self, name: str, data: bytes, mtime_ms: int) -> None:
        self.name = name
        self.data = data
        self.mtime_ms = mtime_ms


def _load(inv: Invocation, reader: Reader, name: str, other: str) -> _Side:
    if name == "-":
        return _Side(name, inv.stdin.read(), inv.world.clock.now_ms)
    inode = reader.open(name)
    if inode.is_dir and other != "-":
        # diff FILE DIR compares FILE with DIR/FILE's base name.
        name = posixpath.join(name, posixpath.basename(other))
        inode = reader.open(name)
    data = b"".join(reader.chunks(inode, name))
    return _Side(name, data, inode.mtime_ms)


def _usage(inv: Invocation, text: str) -> int:
    inv.stderr.write(text.replace("\nTry '", "\ndiff: Try '"))
    return 2


@command("diff")
def diff(inv: Invocation) -> CommandOutput:
    """Usage: diff [OPTION]... FILE1 FILE2

    Compare two files (``-`` is stdin; FILE DIR compares with DIR/FILE): the normal
    format, -u / -U NUM unified format with GNU's ``--- name<TAB>mtime`` headers,
    -q, -s, -a, --label; exit 0 same, 1 different, 2 trouble. Hunks come from
    Python's difflib, which may align some changes differently from GNU's
    algorithm. Not supported: directory comparison, -r, -c, -y, -i, -w, -b, -B.
    """
    try:
        p = DIFF_SPEC.parse(inv.args)
    except UsageError as error:
        return _usage(inv, error.text)
    except HelpRequested as help_:
        yield help_.text.encode()
        return 0
    ops = p.operands
    if len(ops) < 2:
        message = f"missing operand after '{ops[0]}'" if ops else "missing operand"
        return _usage(inv, f"diff: {message}\nTry 'diff --help' for more information.\n")
    if len(ops) > 2:
        return _usage(inv, f"diff: extra operand '{ops[2]}'\n"
                           "Try 'diff --help' for more information.\n")
    context_text = p.get("unified")
    if context_text is not None and not context_text.isdigit():
        return _usage(inv, f"diff: invalid context length '{context_text}'\n"
                           "Try 'diff --help' for more information.\n")
    reader = Reader(inv)
    sides: list[_Side] = []
    for name, other in ((ops[0], ops[1]), (ops[1], ops[0])):
        try:
            sides.append(_load(inv, reader, name, other))
        except FsError as error:
            inv.error(f"{error.path or name}: {error.strerror}")
            return 2
        except ScanLimitExceeded as stop:
            inv.stderr.write(stop.message("diff"))
            return 2
    left, right = sides
    if left.data == right.data:
        if p.flag("same"):
            yield f"Files {left.name} and {right.name} are identical\n".encode()
        return 0
    binary = b"\0" in left.data[:32768] or b"\0" in right.data[:32768]
    if p.flag("brief") or (binary and not p.flag("text")):
        kind = "Binary files" if binary and not p.flag("brief") else "Files"
        yield f"{kind} {left.name} and {right.name} differ\n".encode()
        return 1
    a = left.data.splitlines(keepends=True)
    b = right.data.splitlines(keepends=True)
    if context_text is None:
        yield b"".join(normal_diff(a, b))
        return 1
    labels = p.all("label")
    head_a = labels[0] if labels else f"{left.name}\t{_stamp(left.mtime_ms)}"
    head_b = labels[1] if len(labels) > 1 else f"{right.name}\t{_stamp(right.mtime_ms)}"
    yield b"".join(unified_diff(a, b, head_a, head_b, int(context_text)))
    return 1
