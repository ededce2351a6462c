"""cut: remove sections from each line (bytes, characters or fields), streaming."""

from __future__ import annotations

import re
from collections.abc import Callable

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import Reader, ScanLimitExceeded, line_batches
from pagerdrill.world.errors import FsError

__all__ = ["cut", "parse_list"]

CUT_SPEC = OptionSpec(
    "cut",
    [
        Opt("b", "bytes", "bytes", Arg.REQUIRED, "select only these bytes", "LIST"),
        Opt("c", "characters", "chars", Arg.REQUIRED, "select only these characters", "LIST"),
        Opt("d", "delimiter", "delim", Arg.REQUIRED, "use DELIM instead of TAB for field "
            "delimiter", "DELIM"),
        Opt("f", "fields", "fields", Arg.REQUIRED, "select only these fields", "LIST"),
        Opt("n", None, "ignored", help="(ignored)"),
        Opt(None, "complement", "complement", help="complement the set of selected bytes, "
            "characters or fields"),
        Opt("s", "only-delimited", "only_delimited", help="do not print lines not containing "
            "delimiters"),
        Opt(None, "output-delimiter", "out_delim", Arg.REQUIRED, "use STRING as the output "
            "delimiter", "STRING"),
    ],
    usage="cut OPTION... [FILE]...",
    description="Print selected parts of lines from each FILE to standard output.",
)

_RANGE = re.compile(r"^(\d*)(-?)(\d*)$")
_HINT = "Try 'cut --help' for more information.\n"


class ListError(ValueError):
    pass


def parse_list(text: str, fields: bool) -> list[tuple[int, int | None]]:
    """``1,3-5,7-`` into sorted, merged 1-based ranges (None: to the end)."""
    zero = ("fields are numbered from 1" if fields
            else "byte/character positions are numbered from 1")
    ranges: list[tuple[int, int | None]] = []
    for part in text.split(","):
        match = _RANGE.match(part)
        if not match or part == "":
            what = "field value" if fields else "byte/character position"
            raise ListError(f"invalid {what} '{part}'")
        low, dash, high = match.groups()
        if dash and not low and not high:
            raise ListError("invalid range with no endpoint: -")
        start = int(low) if low else 1
        end: int | None = (int(high) if high else None) if dash else start
        if (low and int(low) == 0) or (high and int(high) == 0):
            raise ListError(zero)
        if end is not None and end < start:
            raise ListError("invalid decreasing range")
        ranges.append((start, end))
    ranges.sort(key=lambda r: r[0])
    merged: list[tuple[int, int | None]] = []
    for start, end in ranges:
        if merged:
            prev_start, prev_end = merged[-1]
            if prev_end is None or start <= prev_end + 1:
                new_end = None if prev_end is None or end is None else max(prev_end, end)
                merged[-1] = (prev_start, new_end)
                continue
        merged.append((start, end))
    return merged


def _complement(ranges: list[tuple[int, int | None]]) -> list[tuple[int, int | None]]:
    out: list[tuple[int, int | None]] = []
    nxt = 1
    for start, end in ranges:
        if start > nxt:
            out.append((nxt, start - 1))
        if end is None:
            return out
        nxt = end + 1
    out.append((nxt, None))
    return out


def _selector(p: ParsedArgs) -> Callable[[bytes], bytes | None] | str:
    """A function from line body to output body (None: suppress), or an error text."""
    lists = [k for k in ("bytes", "chars", "fields") if p.get(k) is not None]
    if len(lists) > 1:
        return "cut: only one list may be specified\n" + _HINT
    if not lists:
        return "cut: you must specify a list of bytes, characters, or fields\n" + _HINT
    kind = lists[0]
    fields = kind == "fields"
    try:
        ranges = parse_list(p.get(kind) or "", fields)
    except ListError as error:
        return f"cut: {error}\n" + _HINT
    if p.flag("complement"):
        ranges = _complement(ranges)
    delim_text = p.get("delim")
    if not fields and delim_text is not None:
        return ("cut: an input delimiter may be specified only when operating on fields\n"
                + _HINT)
    if not fields and p.flag("only_delimited"):
        return ("cut: suppressing non-delimited lines makes sense\n\tonly when operating on "
                "fields\n" + _HINT)
    delim = (delim_text if delim_text is not None else "\t").encode("utf-8", "surrogateescape")
    if len(delim) > 1:
        return "cut: the delimiter must be a single character\n" + _HINT
    delim = delim or b"\n"  # -d '' means NUL in GNU; a newline never occurs in a body
    out_text = p.get("out_delim")
    out_delim = (out_text.encode("utf-8", "surrogateescape") if out_text is not None
                 else delim)
    if fields:
        only = p.flag("only_delimited")

        def pick_fields(body: bytes) -> bytes | None:
            if delim not in body:
                return None if only else body
            parts = body.split(delim)
            chosen = [part for i, part in enumerate(parts, 1)
                      if any(s <= i and (e is None or i <= e) for s, e in ranges)]
            return out_delim.join(chosen)

        return pick_fields

    def pick_bytes(body: bytes) -> bytes:
        pieces = [body[s - 1 : e] for s, e in ranges if s <= len(body)]
        return (out_delim if out_text is not None else b"").join(pieces)

    return pick_bytes


@command("cut")
@parsed_with(CUT_SPEC)
def cut(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: cut OPTION... [FILE]...

    Print selected parts of lines: -b/-c LIST (bytes; characters are bytes in the
    C locale), -f LIST with -d DELIM and -s, --complement, --output-delimiter.
    Unsupported: -z.
    """
    select = _selector(p)
    if isinstance(select, str):
        inv.stderr.write(select)
        return 1
    reader = Reader(inv)
    status = 0
    for operand in p.operands or ["-"]:
        try:
            for batch in line_batches(reader.stream(operand)):
                out = []
                for line in batch:
                    body = line[:-1] if line.endswith(b"\n") else line
                    picked = select(body)
                    if picked is not None:
                        out.append(picked + b"\n")
                yield b"".join(out)
        except FsError as error:
            inv.error(f"{operand}: {error.strerror}")
            status = 1
        except ScanLimitExceeded as stop:
            inv.stderr.write(stop.message("cut"))
            return 1
    return status
