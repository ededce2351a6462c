"""uniq: report or omit repeated adjacent lines, streaming."""

from __future__ import annotations

from collections.abc import Iterator

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import Reader, ScanLimitExceeded, line_batches, open_for_write
from pagerdrill.world.errors import FsError

__all__ = ["uniq"]

UNIQ_SPEC = OptionSpec(
    "uniq",
    [
        Opt("c", "count", "count", help="prefix lines by the number of occurrences"),
        Opt("d", "repeated", "repeated", help="only print duplicate lines, one for each group"),
        Opt("D", None, "all_repeated", help="print all duplicate lines"),
        Opt("f", "skip-fields", "fields", Arg.REQUIRED, "avoid comparing the first N fields",
            "N"),
        Opt("i", "ignore-case", "icase", help="ignore differences in case when comparing"),
        Opt("s", "skip-chars", "chars", Arg.REQUIRED, "avoid comparing the first N characters",
            "N"),
        Opt("u", "unique", "unique", help="only print unique lines"),
        Opt("w", "check-chars", "width", Arg.REQUIRED, "compare no more than N characters in "
            "lines", "N"),
    ],
    usage="uniq [OPTION]... [INPUT [OUTPUT]]",
    description="Filter adjacent matching lines from INPUT (or standard input),\n"
                "writing to OUTPUT (or standard output).",
)

_LIMITS = {"fields": "invalid number of fields to skip",
           "chars": "invalid number of bytes to skip",
           "width": "invalid number of bytes to compare"}


def _key_maker(fields: int, chars: int, width: int | None, icase: bool):  # type: ignore[no-untyped-def]
    def key(body: bytes) -> bytes:
        pos = 0
        for _ in range(fields):
            while pos < len(body) and body[pos] in b" \t":
                pos += 1
            while pos < len(body) and body[pos] not in b" \t":
                pos += 1
        text = body[pos + chars:]
        if width is not None:
            text = text[:width]
        return text.upper() if icase else text

    return key


@command("uniq")
@parsed_with(UNIQ_SPEC)
def uniq(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: uniq [OPTION]... [INPUT [OUTPUT]]

    Collapse adjacent equal lines. Supports -c -d -D -u -i -f N -s N -w N and an
    OUTPUT operand written through the filesystem. Unsupported: -z,
    --all-repeated=METHOD, --group.
    """
    if len(p.operands) > 2:
        inv.error(f"extra operand '{p.operands[2]}'")
        inv.stderr.write("Try 'uniq --help' for more information.\n")
        return 1
    numbers: dict[str, int] = {}
    for dest, message in _LIMITS.items():
        text = p.get(dest)
        if text is None:
            continue
        if not text.isdigit():
            inv.error(f"{text}: {message}")
            return 1
        numbers[dest] = int(text)
    key = _key_maker(numbers.get("fields", 0), numbers.get("chars", 0), numbers.get("width"),
                     p.flag("icase"))
    source = p.operands[0] if p.operands else "-"
    reader = Reader(inv)
    try:
        lines = _groups(reader.stream(source), key, p)
        if len(p.operands) == 2:
            target = p.operands[1]
            try:
                inode = open_for_write(inv, target)
            except FsError as error:
                inv.error(f"{target}: {error.strerror}")
                return 1
            for data in lines:
                inv.host.fs.write(inode, data, path=target)
            return 0
        yield from lines
    except FsError as error:
        if p.operands and error.errno == 21:
            inv.error(f"error reading '{source}'")
        else:
            inv.error(f"{source}: {error.strerror}")
        return 1
    except ScanLimitExceeded as stop:
        inv.stderr.write(stop.message("uniq"))
        return 1
    return 0


def _groups(chunks: Iterator[bytes], key, p: ParsedArgs) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    count_mode, repeated, unique = p.flag("count"), p.flag("repeated"), p.flag("unique")
    all_repeated = p.flag("all_repeated")
    group: list[bytes] = []
    group_key: bytes | None = None

    def flush() -> bytes:
        if not group:
            return b""
        n = len(group)
        if (repeated or all_repeated) and n < 2:
            return b""
        if unique and n > 1:
            return b""
        if all_repeated:
            return b"".join(group)
        return (b"%7d " % n if count_mode else b"") + group[0]

    for batch in line_batches(chunks):
        out = []
        for line in batch:
            if not line.endswith(b"\n"):
                line += b"\n"
            k = key(line[:-1])
            if group and k == group_key:
                if all_repeated:
                    group.append(line)
                else:
                    group.append(b"")
                continue
            out.append(flush())
            group, group_key = [line], k
        yield b"".join(out)
    yield flush()
