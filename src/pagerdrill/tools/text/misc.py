"""Small line tools: rev, nl (basic) and column (-t, -s, -o)."""

from __future__ import annotations

from collections.abc import Iterator

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import Reader, ScanLimitExceeded, line_batches
from pagerdrill.world.errors import FsError

__all__ = ["column", "nl", "rev"]


def _each_operand(inv: Invocation, operands: list[str], on_error: str
                  ) -> Iterator[tuple[str, Iterator[list[bytes]] | None]]:
    reader = Reader(inv)
    for operand in operands or ["-"]:
        try:
            if operand != "-":
                inode = reader.open(operand)
                if inode.is_dir:
                    inv.stderr.write(on_error.format(name=operand, why="Is a directory"))
                    yield operand, None
                    continue
            yield operand, line_batches(reader.stream(operand))
        except FsError as error:
            inv.stderr.write(on_error.format(name=operand, why=error.strerror))
            yield operand, None


REV_SPEC = OptionSpec("rev", [], usage="rev [options] [file ...]")


@command("rev")
@parsed_with(REV_SPEC)
def rev(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: rev [file ...]

    Reverse the bytes of every line. Unsupported: -0.
    """
    status = 0
    try:
        for _, batches in _each_operand(inv, p.operands, "rev: cannot open {name}: {why}\n"):
            if batches is None:
                status = 1
                continue
            for batch in batches:
                yield b"".join(line[:-1][::-1] + b"\n" if line.endswith(b"\n") else line[::-1]
                               for line in batch)
    except ScanLimitExceeded as stop:
        inv.stderr.write(stop.message("rev"))
        return 1
    return status


NL_SPEC = OptionSpec(
    "nl",
    [
        Opt("b", "body-numbering", "style", Arg.REQUIRED, "use STYLE for numbering body lines",
            "STYLE"),
        Opt("i", "line-increment", "incr", Arg.REQUIRED, "line number increment at each line",
            "NUMBER"),
        Opt("n", "number-format", "format", Arg.REQUIRED, "insert line numbers according to "
            "FORMAT", "FORMAT"),
        Opt("s", "number-separator", "sep", Arg.REQUIRED, "add STRING after (possible) line "
            "number", "STRING"),
        Opt("v", "starting-line-number", "start", Arg.REQUIRED, "first line number for each "
            "section", "NUMBER"),
        Opt("w", "number-width", "width", Arg.REQUIRED, "use NUMBER columns for line numbers",
            "NUMBER"),
    ],
    usage="nl [OPTION]... [FILE]...",
    description="Write each FILE to standard output, with line numbers added.",
)


@command("nl")
@parsed_with(NL_SPEC)
def nl(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: nl [OPTION]... [FILE]...

    Number lines: -b a|t|n, -v START, -i INCR, -w WIDTH, -s SEP, -n ln|rn|rz.
    Unsupported: logical pages (-d, -h, -f, -p, -l) and -b pREGEX.
    """
    style = p.get("style") or "t"
    if style not in ("a", "t", "n"):
        inv.stderr.write(f"nl: invalid body numbering style: '{style}'\n")
        return 1
    try:
        number = int(p.get("start") or "1")
        incr = int(p.get("incr") or "1")
        width = int(p.get("width") or "6")
    except ValueError:
        inv.stderr.write("nl: invalid line number\n")
        return 1
    fmt = p.get("format") or "rn"
    sep = (p.get("sep") if p.get("sep") is not None else "\t") or ""
    status = 0
    try:
        for _, batches in _each_operand(inv, p.operands, "nl: {name}: {why}\n"):
            if batches is None:
                status = 1
                continue
            for batch in batches:
                out = []
                for line in batch:
                    body = line[:-1] if line.endswith(b"\n") else line
                    numbered = style == "a" or (style == "t" and body.strip(b" \t") != b"")
                    if numbered:
                        text = {"ln": f"{number:<{width}}", "rz": f"{number:0{width}}"}.get(
                            fmt, f"{number:>{width}}")
                        out.append((text + sep).encode() + line)
                        number += incr
                    else:
                        out.append(b" " * (width + len(sep.encode())) + line)
                yield b"".join(out)
    except ScanLimitExceeded as stop:
        inv.stderr.write(stop.message("nl"))
        return 1
    return status


COLUMN_SPEC = OptionSpec(
    "column",
    [
        Opt("t", "table", "table", help="create a table"),
        Opt("s", "separator", "sep", Arg.REQUIRED, "possible table delimiters", "string"),
        Opt("o", "output-separator", "osep", Arg.REQUIRED, "columns separator for table "
            "output", "string"),
        Opt("x", "fillrows", "ignored", help="fill rows before columns"),
    ],
    usage="column [options] [<file>...]",
    help_hint=True,
)


@command("column")
@parsed_with(COLUMN_SPEC)
def column(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: column [options] [<file>...]

    ``column -t`` aligns whitespace- (or -s) separated cells into a table, with
    two spaces (or -o) between columns, as util-linux does. Without -t the input
    is copied unchanged (there is no terminal width to fill). Unsupported: -J, -N,
    -R, -c, -x layouts.
    """
    rows: list[list[bytes]] = []
    status = 0
    seps = (p.get("sep") or " \t").encode()
    try:
        for _, batches in _each_operand(inv, p.operands, "column: {name}: {why}\n"):
            if batches is None:
                status = 1
                continue
            for batch in batches:
                for line in batch:
                    body = line.rstrip(b"\n")
                    if not p.flag("table"):
                        yield line if line.endswith(b"\n") else line + b"\n"
                        continue
                    cells = (_split_cells(body, seps) if p.get("sep") is None
                             else _split_exact(body, seps))
                    if cells:
                        rows.append(cells)
    except ScanLimitExceeded as stop:
        inv.stderr.write(stop.message("column"))
        return 1
    if rows:
        ncols = max(len(r) for r in rows)
        widths = [max((len(r[j]) for r in rows if j < len(r)), default=0) for j in range(ncols)]
        osep = (p.get("osep") if p.get("osep") is not None else "  ").encode()  # type: ignore[union-attr]
        out = []
        for row in rows:
            parts = []
            for j in range(ncols - 1):
                cell = row[j] if j < len(row) else b""
                parts.append(cell.ljust(widths[j]) + osep)
            if len(row) == ncols:
                parts.append(row[-1])
            out.append(b"".join(parts) + b"\n")
        yield b"".join(out)
    return status


def _split_cells(body: bytes, seps: bytes) -> list[bytes]:
    cells: list[bytes] = []
    current = bytearray()
    for byte in body:
        if byte in seps:
            if current:
                cells.append(bytes(current))
                current = bytearray()
        else:
            current.append(byte)
    if current:
        cells.append(bytes(current))
    return cells


def _split_exact(body: bytes, seps: bytes) -> list[bytes]:
    """With -s every separator counts: empty cells are kept, as util-linux does."""
    if not body:
        return []
    cells: list[bytes] = [b""]
    for byte in body:
        if byte in seps:
            cells.append(b"")
        else:
            cells[-1] += bytes([byte])
    return cells
