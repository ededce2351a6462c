"""base64: encode or decode (GNU coreutils 9.1), e.g. a Secret's value from kubectl."""

from __future__ import annotations

import base64 as _codec
import binascii

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import Reader, ScanLimitExceeded
from pagerdrill.world.errors import FsError

__all__ = ["BASE64_SPEC", "base64", "decode_prefix"]

BASE64_SPEC = OptionSpec(
    "base64",
    [Opt("d", "decode", "decode", help="decode data"),
     Opt("i", "ignore-garbage", "ignore_garbage",
         help="when decoding, ignore non-alphabet characters"),
     Opt("w", "wrap", "wrap", Arg.REQUIRED, "wrap encoded lines after COLS character "
         "(default 76)", "COLS")],
    usage="base64 [OPTION]... [FILE]",
    description="Base64 encode or decode FILE, or standard input, to standard output.",
)
_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def decode_prefix(data: bytes) -> tuple[bytes, bool]:
    """Decode four characters at a time as GNU base64 does: at the first bad group it
    still writes the bytes that group's leading alphabet characters hold, then fails."""
    out = bytearray()
    for i in range(0, len(data), 4):
        group = data[i:i + 4]
        try:
            if len(group) == 4:
                out += _codec.b64decode(group, validate=True)
                continue
        except binascii.Error:
            pass
        valid = 0
        while valid < len(group) and group[valid] in _ALPHABET:
            valid += 1
        if valid >= 2:
            out += _codec.b64decode(group[:valid] + b"=" * (4 - valid))[:valid * 6 // 8]
        return bytes(out), False
    return bytes(out), True


def _encode(data: bytes, wrap: int) -> bytes:
    text = _codec.b64encode(data)
    if not text:
        return b""
    if wrap == 0:
        return text  # GNU writes no newline when it does not wrap
    return b"".join(text[i:i + wrap] + b"\n" for i in range(0, len(text), wrap))


@command("base64")
@parsed_with(BASE64_SPEC)
def base64(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: base64 [OPTION]... [FILE]

    Encode FILE or stdin (lines wrapped at 76 columns, -w COLS, 0 for none) or decode it
    with -d (newlines ignored; -i ignores any non-alphabet byte). Input is read whole,
    within the pagerdrill scan limit.
    """
    wrap_text = parsed.get("wrap", "76") or ""
    if not wrap_text.isdigit():
        inv.error(f"invalid wrap size: '{wrap_text}'")
        return 1
    if len(parsed.operands) > 1:
        inv.stderr.write(f"base64: extra operand '{parsed.operands[1]}'\n"
                         "Try 'base64 --help' for more information.\n")
        return 1
    operand = parsed.operands[0] if parsed.operands else "-"
    reader = Reader(inv)
    try:
        if operand != "-" and reader.open(operand).is_dir:
            inv.error("read error: Is a directory")
            return 1
        data = b"".join(reader.stream(operand))
    except FsError as error:
        inv.error(f"{operand}: {error.strerror}")
        return 1
    except ScanLimitExceeded as stop:
        inv.stderr.write(stop.message(inv.name))
        return 1
    if not parsed.flag("decode"):
        yield _encode(data, int(wrap_text))
        return 0
    if parsed.flag("ignore_garbage"):
        data = bytes(b for b in data if b in _ALPHABET or b == ord("="))
    else:
        data = data.replace(b"\n", b"")
    decoded, ok = decode_prefix(data)
    if decoded:
        yield decoded
    if not ok:
        inv.error("invalid input")
        return 1
    return 0
