"""cat, and less/more as a pager that is never attached to a terminal.

``less`` and ``more`` here behave as the real ones do when standard output is not
a terminal: they copy their input like ``cat`` (``more`` prints a ``::::`` header
per file when given several). There is no interactive paging; search with grep.
"""

from __future__ import annotations

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import Reader, ScanLimitExceeded, line_batches
from pagerdrill.world.errors import FsError

__all__ = ["cat", "less", "more", "show_nonprinting"]

CAT_SPEC = OptionSpec(
    "cat",
    [
        Opt("A", "show-all", "A", help="equivalent to -vET"),
        Opt("b", "number-nonblank", "b", help="number nonempty output lines, overrides -n"),
        Opt("e", None, "e", help="equivalent to -vE"),
        Opt("E", "show-ends", "E", help="display $ at end of each line"),
        Opt("n", "number", "n", help="number all output lines"),
        Opt("s", "squeeze-blank", "s", help="suppress repeated empty output lines"),
        Opt("t", None, "t", help="equivalent to -vT"),
        Opt("T", "show-tabs", "T", help="display TAB characters as ^I"),
        Opt("u", None, "u", help="(ignored)"),
        Opt("v", "show-nonprinting", "v", help="use ^ and M- notation, except for LFD and TAB"),
    ],
    usage="cat [OPTION]... [FILE]...",
    description="Concatenate FILE(s) to standard output.",
)


def _nonprinting_table(show_tabs: bool) -> list[bytes]:
    table = []
    for byte in range(256):
        prefix = b""
        low = byte
        if low >= 128:
            prefix, low = b"M-", low - 128
        if low < 32 and not (byte in (9, 10) and not prefix):
            rendered = prefix + b"^" + bytes([low + 64])
        elif low == 127:
            rendered = prefix + b"^?"
        else:
            rendered = prefix + bytes([low])
        table.append(rendered)
    table[9] = b"^I" if show_tabs else b"\t"
    return table


_TABLES = {flag: _nonprinting_table(flag) for flag in (False, True)}


def show_nonprinting(data: bytes, show_tabs: bool = False) -> bytes:
    """cat -v rendering of ``data`` (newlines untouched)."""
    table = _TABLES[show_tabs]
    return b"".join(table[b] for b in data)


class _Cat:
    """Line state that carries across files, as GNU cat's does."""

    def __init__(self, p: ParsedArgs) -> None:
        flag = p.flag
        self.show_nonprinting = flag("v") or flag("A") or flag("e") or flag("t")
        self.show_ends = flag("E") or flag("A") or flag("e")
        self.show_tabs = flag("T") or flag("A") or flag("t")
        self.number_nonblank = flag("b")
        self.number = flag("n") or self.number_nonblank
        self.squeeze = flag("s")
        self.plain = not (self.show_nonprinting or self.show_ends or self.show_tabs
                          or self.number or self.squeeze)
        self.lineno = 0
        self.at_start = True
        self.blank_run = 0

    def render(self, lines: list[bytes]) -> bytes:
        out: list[bytes] = []
        for line in lines:
            ended = line.endswith(b"\n")
            body = line[:-1] if ended else line
            if self.at_start and ended and not body:
                self.blank_run += 1
                if self.squeeze and self.blank_run > 1:
                    continue
            elif self.at_start:
                self.blank_run = 0
            if self.at_start and self.number and not (self.number_nonblank and ended and not body):
                self.lineno += 1
                out.append(b"%6d\t" % self.lineno)
            if self.show_nonprinting:
                body = show_nonprinting(body, self.show_tabs)
            elif self.show_tabs:
                body = body.replace(b"\t", b"^I")
            out.append(body)
            if ended:
                out.append(b"$\n" if self.show_ends else b"\n")
            self.at_start = ended
        return b"".join(out)


@command("cat")
@parsed_with(CAT_SPEC)
def cat(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: cat [OPTION]... [FILE]...

    Concatenate FILE(s) to standard output; ``-`` or no FILE reads standard input.
    Supports -A -b -e -E -n -s -t -T -u -v. Unsupported: --version.
    """
    state = _Cat(p)
    reader = Reader(inv)
    status = 0
    for operand in p.operands or ["-"]:
        try:
            chunks = reader.stream(operand)
            if state.plain:
                yield from chunks
            else:
                for batch in line_batches(chunks):
                    yield state.render(batch)
        except FsError as error:
            inv.error(f"{operand}: {error.strerror}")
            status = 1
        except ScanLimitExceeded as stop:
            inv.stderr.write(stop.message("cat"))
            return 1
    return status


PAGER_SPEC = OptionSpec("less", [], usage="less [FILE]...")


def _pager(inv: Invocation, operands: list[str], headers: bool) -> CommandOutput:
    reader = Reader(inv)
    many = headers and len(operands) > 1
    for index, operand in enumerate(operands or ["-"]):
        try:
            inode = None if operand == "-" else reader.open(operand)
            if inode is not None and inode.is_dir:
                if inv.name == "more":
                    yield f"\n*** {operand}: directory ***\n\n".encode()
                else:
                    inv.stderr.write(f"{operand} is a directory\n")
                continue
            if many:
                yield f"{'' if index == 0 else chr(10)}::::::::::::::\n{operand}\n"\
                      "::::::::::::::\n".encode()
            yield from reader.stream(operand)
        except FsError as error:
            if inv.name == "more":
                inv.error(f"cannot open {operand}: {error.strerror}")
            else:
                inv.stderr.write(f"{operand}: {error.strerror}\n")
        except ScanLimitExceeded as stop:
            inv.stderr.write(stop.message(inv.name))
            return 1
    return 0


@command("less")
def less(inv: Invocation) -> CommandOutput:
    """Usage: less [FILE]...

    Not a terminal here, so less copies its input like cat (as real less does when
    its output is a pipe). Options are accepted and ignored; there is no paging.
    """
    return (yield from _pager(inv, [a for a in inv.args if not a.startswith("-")
                                    or a == "-"], headers=False))


@command("more")
def more(inv: Invocation) -> CommandOutput:
    """Usage: more [FILE]...

    Not a terminal here, so more copies its input, with a ``::::`` header per file
    when there are several (as util-linux more does on a pipe). Options are ignored.
    """
    return (yield from _pager(inv, [a for a in inv.args if not a.startswith("-")
                                    or a == "-"], headers=True))
