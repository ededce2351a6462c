"""sort: sort lines of text files, in the C locale's byte order.

The simulation runs with ``LC_ALL=C``, so text keys compare byte by byte (``B``
before ``a``) exactly as ``LC_ALL=C sort`` does; there is no locale collation.
Sorting needs the whole input, so it is bounded by the scan limit (exit 2).
"""

from __future__ import annotations

from functools import cmp_to_key

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import (
    OUT_CHUNK,
    Reader,
    ScanLimitExceeded,
    line_batches,
    open_for_write,
)
from pagerdrill.tools.text.sortkeys import (
    Key,
    KeySpecError,
    apply_flags,
    compare_lines,
    parse_key,
)
from pagerdrill.world.errors import FsError, errno

__all__ = ["sort"]

SORT_SPEC = OptionSpec(
    "sort",
    [
        Opt("b", "ignore-leading-blanks", "b", help="ignore leading blanks"),
        Opt("d", "dictionary-order", "d", help="consider only blanks and alphanumeric "
            "characters"),
        Opt("f", "ignore-case", "f", help="fold lower case to upper case characters"),
        Opt("g", "general-numeric-sort", "g", help="compare according to general numerical "
            "value"),
        Opt("i", "ignore-nonprinting", "i", help="consider only printable characters"),
        Opt("M", "month-sort", "M", help="compare (unknown) < 'JAN' < ... < 'DEC'"),
        Opt("h", "human-numeric-sort", "h", help="compare human readable numbers (e.g., 2K "
            "1G)"),
        Opt("n", "numeric-sort", "n", help="compare according to string numerical value"),
        Opt("r", "reverse", "r", help="reverse the result of comparisons"),
        Opt("V", "version-sort", "V", help="natural sort of (version) numbers within text"),
        Opt("c", "check", "check", help="check for sorted input; do not sort"),
        Opt("k", "key", "key", Arg.REQUIRED, "sort via a key; KEYDEF gives location and type",
            "KEYDEF"),
        Opt("m", "merge", "merge", help="merge already sorted files; do not sort"),
        Opt("o", "output", "output", Arg.REQUIRED, "write result to FILE instead of standard "
            "output", "FILE"),
        Opt("s", "stable", "stable", help="stabilize sort by disabling last-resort comparison"),
        Opt("S", "buffer-size", "ignored", Arg.REQUIRED, "use SIZE for main memory buffer",
            "SIZE"),
        Opt("t", "field-separator", "tab", Arg.REQUIRED, "use SEP instead of non-blank to "
            "blank transition", "SEP"),
        Opt("T", "temporary-directory", "ignored", Arg.REQUIRED, "use DIR for temporaries",
            "DIR"),
        Opt(None, "parallel", "ignored", Arg.REQUIRED, "change the number of sorts run "
            "concurrently to N", "N"),
        Opt("u", "unique", "unique", help="output only the first of an equal run"),
    ],
    usage="sort [OPTION]... [FILE]...",
    description="Write sorted concatenation of all FILE(s) to standard output.",
    usage_status=2,
)

def _setup(p: ParsedArgs) -> tuple[list[Key], Key, bytes | None] | str:
    """Keys, the global key and the tab, or an error line."""
    global_flags = "".join(f for f in "bdfgiMhnrV" if p.flag(f))
    if p.flag("d") and p.flag("i"):  # both set one field in GNU; the later one wins
        last = [d for d, _ in p.order if d in ("d", "i")][-1]
        global_flags = global_flags.replace("d" if last == "i" else "i", "")
    gkey = apply_flags(Key(), global_flags)
    if p.flag("b"):
        gkey = apply_flags(gkey, "b", end=True)
    tab: bytes | None = None
    if (t := p.get("tab")) is not None:
        raw = t.encode("utf-8", "surrogateescape")
        if not raw:
            return "sort: empty tab\n"
        if len(raw) > 1 and raw != b"\\0":
            return f"sort: multi-character tab '{t}'\n"
        tab = b"\0" if raw == b"\\0" else raw
    keys = []
    for spec in p.all("key"):
        try:
            key = parse_key(spec)
        except KeySpecError as error:
            return f"sort: {error}\n"
        if not key.has_ordering:
            key = Key(key.sword, key.schar, key.eword, key.echar, gkey.skip_start_blanks,
                      gkey.skip_end_blanks, gkey.numeric, gkey.human, gkey.general,
                      gkey.month, gkey.version, gkey.fold, gkey.dictionary,
                      gkey.ignore_nonprinting, gkey.reverse)
        keys.append(key)
    for key in keys or [gkey]:
        kinds = [key.general, key.human, key.month, key.numeric,
                 key.version or key.dictionary or key.ignore_nonprinting]
        if sum(kinds) > 1:
            opts = "".join(flag for flag, on in zip("dfghiMnV", (
                key.dictionary, key.fold, key.general, key.human, key.ignore_nonprinting,
                key.month, key.numeric, key.version), strict=True) if on)
            return f"sort: options '-{opts}' are incompatible\n"
    return keys, gkey, tab


@command("sort")
@parsed_with(SORT_SPEC)
def sort(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: sort [OPTION]... [FILE]...

    Sort lines in C-locale byte order. Supports -b -d -f -g -h -i -M -n -r -V,
    -k POS1[,POS2][OPTS] (repeatable), -t SEP, -u, -s, -c, -o FILE, -m (sorts);
    -S, -T and --parallel are accepted and ignored. Unsupported: -R, -z,
    --files0-from, --debug.
    """
    setup = _setup(p)
    if isinstance(setup, str):
        inv.stderr.write(setup)
        return 2
    keys, gkey, tab = setup
    plain = not keys and gkey in (Key(), Key(reverse=True))  # bytes order, fast path
    keys = keys or [gkey]
    reader = Reader(inv)
    lines: list[bytes] = []
    for operand in p.operands or ["-"]:
        try:
            for batch in line_batches(reader.stream(operand)):
                lines.extend(line if line.endswith(b"\n") else line + b"\n" for line in batch)
        except FsError as error:
            if error.errno == errno.EISDIR:
                inv.error(f"read failed: {operand}: {error.strerror}")
            else:
                inv.error(f"cannot read: {operand}: {error.strerror}")
            return 2
        except ScanLimitExceeded as stop:
            inv.stderr.write(stop.message("sort"))
            return 2
    bodies = [line[:-1] for line in lines]
    unique, stable = p.flag("unique"), p.flag("stable")

    def cmp(a: bytes, b: bytes) -> int:
        return compare_lines(a, b, keys, tab, not (unique or stable), gkey.reverse)

    if p.flag("check"):
        name = (p.operands or ["-"])[0]
        for index in range(1, len(bodies)):
            diff = cmp(bodies[index - 1], bodies[index])
            if diff > 0 or (unique and diff == 0):
                inv.error(f"{name}:{index + 1}: disorder: "
                          f"{bodies[index].decode('utf-8', 'surrogateescape')}")
                return 1
        return 0
    ordered = (sorted(bodies, reverse=gkey.reverse) if plain
               else sorted(bodies, key=cmp_to_key(cmp)))
    if unique:
        kept: list[bytes] = []
        for body in ordered:
            if not kept or cmp(kept[-1], body) != 0:
                kept.append(body)
        ordered = kept
    if (target := p.get("output")) is not None:
        return _write_output(inv, target, b"".join(b + b"\n" for b in ordered))
    out: list[bytes] = []
    size = 0
    for body in ordered:
        out.append(body + b"\n")
        size += len(body) + 1
        if size >= OUT_CHUNK:
            yield b"".join(out)
            out, size = [], 0
    if out:
        yield b"".join(out)
    return 0


def _write_output(inv: Invocation, target: str, data: bytes) -> int:
    try:
        inode = open_for_write(inv, target)
    except FsError as error:
        inv.error(f"open failed: {target}: {error.strerror}")
        return 2
    try:
        inv.host.fs.write(inode, data, append=False, path=target)
    except FsError as error:
        inv.error(f"write failed: {target}: {error.strerror}")
        return 2
    return 0
