"""od: dump bytes in octal, hex, decimal or as characters (GNU coreutils 9.1)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import Reader, ScanLimitExceeded
from pagerdrill.world.errors import FsError

__all__ = ["OdFormat", "od", "parse_type"]

_BLOCK = 16

OD_SPEC = OptionSpec(
    "od",
    [Opt("A", "address-radix", "radix", Arg.REQUIRED, "output format for file offsets",
         "RADIX"),
     Opt("j", "skip-bytes", "skip", Arg.REQUIRED, "skip BYTES input bytes first", "BYTES"),
     Opt("N", "read-bytes", "limit", Arg.REQUIRED, "limit dump to BYTES input bytes",
         "BYTES"),
     Opt("t", "format", "type", Arg.REQUIRED, "select output format or formats", "TYPE"),
     Opt("v", "output-duplicates", "verbose", help="do not use * to mark line suppression"),
     Opt("b", None, "type", const="o1", help="same as -t o1"),
     Opt("c", None, "type", const="c", help="same as -t c"),
     Opt("d", None, "type", const="u2", help="same as -t u2"),
     Opt("i", None, "type", const="dI", help="same as -t dI"),
     Opt("l", None, "type", const="dL", help="same as -t dL"),
     Opt("o", None, "type", const="o2", help="same as -t o2"),
     Opt("s", None, "type", const="d2", help="same as -t d2"),
     Opt("x", None, "type", const="x2", help="same as -t x2")],
    usage="od [OPTION]... [FILE]...",
    description="Write an unambiguous representation, octal bytes by default, of FILE to "
                "standard output.",
)

_SIZE_LETTERS = {"C": 1, "S": 2, "I": 4, "L": 8}
_C_ESCAPES = {0: "\\0", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f",
              13: "\\r"}


@dataclass(frozen=True)
class OdFormat:
    """One -t type: kind is c, d, o, u or x; size in bytes; digits per field."""

    kind: str
    size: int

    @property
    def width(self) -> int:
        if self.kind == "c":
            return 3
        bits = self.size * 8
        if self.kind == "o":
            return math.ceil(bits / 3)
        if self.kind == "x":
            return self.size * 2
        if self.kind == "u":
            return len(str(2**bits - 1))
        return len(str(-(2 ** (bits - 1))))

    def field(self, chunk: bytes) -> str:
        if self.kind == "c":
            byte = chunk[0]
            if byte in _C_ESCAPES:
                return _C_ESCAPES[byte]
            return chr(byte) if 32 <= byte < 127 else f"{byte:03o}"
        value = int.from_bytes(chunk, "little", signed=self.kind == "d")
        if self.kind == "o":
            return f"{value:0{self.width}o}"
        if self.kind == "x":
            return f"{value:0{self.width}x}"
        return str(value)


def parse_type(text: str) -> list[OdFormat] | str:
    """The formats one -t argument names, or od's complaint about it."""
    out: list[OdFormat] = []
    i = 0
    while i < len(text):
        kind = text[i]
        i += 1
        if kind == "c":
            out.append(OdFormat("c", 1))
            continue
        if kind not in "doux":
            return f"invalid character '{kind}' in type string '{text}'"
        match = re.match(r"\d+|[CSIL]", text[i:])
        size = 4
        if match:
            token = match.group(0)
            i += len(token)
            size = _SIZE_LETTERS[token] if token in _SIZE_LETTERS else int(token)
            if size not in (1, 2, 4, 8):
                return f"invalid type string '{text}';\nthis system doesn't provide a " \
                       f"{size}-byte integral type"
        out.append(OdFormat(kind, size))
    return out


def _line(fmt: OdFormat, block: bytes, pad: int, shown: int) -> str:
    """PRINT_FIELDS: padding spread across a block's fields so columns line up."""
    fields = _BLOCK // fmt.size
    pieces = []
    pad_remaining = pad
    for i in range(fields, 0, -1):
        next_pad = pad * (i - 1) // fields
        index = fields - i
        width = pad_remaining - next_pad + fmt.width
        if index < shown:
            chunk = block[index * fmt.size:(index + 1) * fmt.size]
            pieces.append(fmt.field(chunk).rjust(width))
        pad_remaining = next_pad
    return "".join(pieces)


_ADDRESS = {"o": "{:07o}", "d": "{:07d}", "x": "{:06x}", "n": ""}


def _dump(data: Iterator[bytes], formats: list[OdFormat], radix: str, verbose: bool,
          skip: int) -> Iterator[bytes]:
    width_per_block = max((f.width + 1) * (_BLOCK // f.size) for f in formats)
    pads = [width_per_block - f.width * (_BLOCK // f.size) for f in formats]
    lcm = max(f.size for f in formats)
    address = _ADDRESS[radix]
    blank = " " * len(address.format(0)) if address else ""
    offset = skip
    previous: bytes | None = None
    starred = False
    buffer = b""
    out: list[str] = []

    def emit(block: bytes) -> None:
        nonlocal previous, starred
        if not verbose and len(block) == _BLOCK and block == previous:
            if not starred:
                out.append("*\n")
                starred = True
            return
        starred = False
        previous = block
        rounded = -(-len(block) // lcm) * lcm
        padded = block + bytes(rounded - len(block))
        for n, (fmt, pad) in enumerate(zip(formats, pads, strict=True)):
            prefix = address.format(offset) if n == 0 and address else blank
            shown = _BLOCK // fmt.size - (_BLOCK - len(block)) // fmt.size
            out.append(prefix + _line(fmt, padded.ljust(_BLOCK, b"\0"), pad, shown) + "\n")

    for chunk in data:
        buffer += chunk
        while len(buffer) >= _BLOCK:
            emit(buffer[:_BLOCK])
            buffer = buffer[_BLOCK:]
            offset += _BLOCK
        if len(out) > 256:
            yield "".join(out).encode()
            out.clear()
    if buffer:
        emit(buffer)
        offset += len(buffer)
    if address:
        out.append(address.format(offset) + "\n")
    yield "".join(out).encode()


def _limited(chunks: Iterator[bytes], skip: int, limit: int | None) -> Iterator[bytes]:
    for chunk in chunks:
        if skip:
            dropped = min(skip, len(chunk))
            chunk, skip = chunk[dropped:], skip - dropped
        if limit is not None:
            if limit <= 0:
                return
            chunk, limit = chunk[:limit], limit - min(limit, len(chunk))
        if chunk:
            yield chunk


def _number(text: str) -> int | None:
    match = re.fullmatch(r"(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)([bkKmMG]?)", text)
    if not match:
        return None
    value = int(match.group(1), 0) if not match.group(1).startswith("0") or \
        match.group(1)[:2].lower() == "0x" else int(match.group(1), 8)
    scale = {"": 1, "b": 512, "k": 1024, "K": 1024, "m": 1 << 20, "M": 1 << 20, "G": 1 << 30}
    return value * scale[match.group(2)]


def _opens(reader: Reader, operand: str) -> bool:
    if operand == "-":
        return True
    try:
        reader.open(operand)
    except FsError:
        return False
    return True


@command("od")
@parsed_with(OD_SPEC)
def od(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: od [OPTION]... [FILE]...

    Dump files (or stdin) 16 bytes a line: -A d/o/x/n address radix, -t c, d, o, u,
    x with sizes 1/2/4/8 or C/S/I/L, the short forms -b -c -d -i -l -o -s -x, -j
    skip, -N limit, -v; identical lines collapse to ``*``. Not supported: -t a, -t f,
    -w, --traditional, --endian.
    """
    radix = parsed.get("radix", "o") or "o"
    if radix not in _ADDRESS:
        inv.error(f"invalid output address radix '{radix}'; it must be one character "
                  "from [doxn]")
        return 1
    formats: list[OdFormat] = []
    for type_text in parsed.all("type"):
        found = parse_type(type_text)
        if isinstance(found, str):
            inv.error(found)
            return 1
        formats.extend(found)
    formats = formats or [OdFormat("o", 2)]
    numbers: dict[str, int | None] = {}
    for dest in ("skip", "limit"):
        text = parsed.get(dest)
        numbers[dest] = None if text is None else _number(text)
        if text is not None and numbers[dest] is None:
            inv.error(f"invalid {'-j' if dest == 'skip' else '-N'} argument '{text}'")
            return 1
    reader = Reader(inv)
    status = 0

    def chunks() -> Iterator[bytes]:
        nonlocal status
        for operand in operands:
            try:
                yield from reader.stream(operand)
            except FsError as error:
                inv.error(f"{operand}: {error.strerror}")
                status = 1

    operands = parsed.operands or ["-"]
    if all(not _opens(reader, operand) for operand in operands):
        for operand in operands:
            try:
                reader.open(operand)
            except FsError as error:
                inv.error(f"{operand}: {error.strerror}")
        return 1  # nothing could be opened: od prints no address at all
    skip = numbers["skip"] or 0
    try:
        yield from _dump(_limited(chunks(), skip, numbers["limit"]), formats, radix,
                         parsed.flag("verbose"), skip)
    except ScanLimitExceeded as stop:
        inv.stderr.write(stop.message("od"))
        return 1
    return status
