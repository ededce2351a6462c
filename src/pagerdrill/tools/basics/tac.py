"""tac: concatenate and print files in reverse, line by line (GNU coreutils 9.1)."""

from __future__ import annotations

import itertools
import re

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import OUT_CHUNK, Reader, ScanLimitExceeded
from pagerdrill.world.errors import FsError

__all__ = ["reverse_records", "tac"]

TAC_SPEC = OptionSpec(
    "tac",
    [Opt("b", "before", "before", help="attach the separator before instead of after"),
     Opt("r", "regex", "regex", help="interpret the separator as a regular expression"),
     Opt("s", "separator", "separator", Arg.REQUIRED, "use STRING as the separator "
         "instead of newline", "STRING")],
    usage="tac [OPTION]... [FILE]...",
    description="Write each FILE to standard output, last line first.",
)


def reverse_records(data: bytes, separator: bytes, before: bool, regex: bool = False
                    ) -> bytes:
    """The records of ``data`` in reverse order, each keeping its separator."""
    if not data:
        return b""
    pattern = re.compile(separator if regex else re.escape(separator))
    records: list[bytes] = []
    start = 0
    if before:
        cuts = [m.start() for m in pattern.finditer(data) if m.end() > m.start()]
        bounds = [0, *[c for c in cuts if c > 0], len(data)]
        records = [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]
        return b"".join(reversed(records))
    for match in pattern.finditer(data):
        if match.end() == match.start():
            continue
        records.append(data[start:match.end()])
        start = match.end()
    tail = data[start:]
    # A last record without its separator is printed first, glued to the next one.
    out = b"".join(reversed(records))
    return tail + out


@command("tac")
@parsed_with(TAC_SPEC)
def tac(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: tac [OPTION]... [FILE]...

    Print each FILE last record first (records end with newline, or -s STRING;
    -b attaches the separator before; -r treats it as a regular expression, in
    Python's syntax rather than GNU's). Files are read whole, within the scan limit.
    """
    separator = (parsed.get("separator", "\n") or "").encode()
    if not separator:
        inv.error("separator cannot be empty")
        return 1
    reader = Reader(inv)
    status = 0
    for operand in parsed.operands or ["-"]:
        try:
            if operand == "-":
                data = inv.stdin.read()
            else:
                inode = reader.open(operand)
                if inode.is_dir:
                    inv.error(f"{operand}: read error: Invalid argument")
                    status = 1
                    continue
                data = b"".join(reader.chunks(inode, operand))
        except FsError as error:
            inv.error(f"failed to open '{operand}' for reading: {error.strerror}")
            status = 1
            continue
        except ScanLimitExceeded as stop:
            inv.stderr.write(stop.message("tac"))
            return 1
        out = reverse_records(data, separator, parsed.flag("before"), parsed.flag("regex"))
        for i in range(0, len(out), OUT_CHUNK):
            yield out[i:i + OUT_CHUNK]
    return status
