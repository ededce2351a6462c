"""tr: translate, squeeze and delete bytes (C locale: one byte is one character)."""

from __future__ import annotations

import re

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command

__all__ = ["expand_set", "tr"]

TR_SPEC = OptionSpec(
    "tr",
    [
        Opt("c", "complement", "complement", help="use the complement of SET1"),
        Opt("C", None, "complement"),
        Opt("d", "delete", "delete", help="delete characters in SET1, do not translate"),
        Opt("s", "squeeze-repeats", "squeeze", help="replace each sequence of a repeated "
            "character with a single occurrence"),
        Opt("t", "truncate-set1", "truncate", help="first truncate SET1 to length of SET2"),
    ],
    usage="tr [OPTION]... STRING1 [STRING2]",
    description="Translate, squeeze, and/or delete characters from standard input,\n"
                "writing to standard output.",
)

_HINT = "Try 'tr --help' for more information.\n"
_CLASSES = {
    "alpha": b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "upper": b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", "lower": b"abcdefghijklmnopqrstuvwxyz",
    "digit": b"0123456789", "alnum": b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    b"abcdefghijklmnopqrstuvwxyz", "space": b"\t\n\v\f\r ", "blank": b"\t ",
    "punct": bytes(b for b in range(33, 127) if not chr(b).isalnum()),
    "print": bytes(range(32, 127)), "graph": bytes(range(33, 127)),
    "cntrl": bytes([*range(32), 127]), "xdigit": b"0123456789ABCDEFabcdef",
}
_ESC = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92}
_REPEAT = re.compile(rb"\[(.)\*(\d*)\]", re.DOTALL)


class SetError(ValueError):
    pass


def _unescape(text: bytes) -> list[int | tuple[str, object]]:
    """Bytes of a SET with escapes decoded; classes and [c*n] kept as markers."""
    items: list[int | tuple[str, object]] = []
    i = 0
    while i < len(text):
        if text.startswith(b"[:", i) and (end := text.find(b":]", i + 2)) > 0:
            name = text[i + 2 : end].decode()
            if name not in _CLASSES:
                raise SetError(f"invalid character class '{name}'")
            items.append(("class", name))
            i = end + 2
            continue
        if text.startswith(b"[=", i) and text.startswith(b"=]", i + 3):
            items.append(text[i + 2])
            i += 5
            continue
        match = _REPEAT.match(text, i)
        if match:
            count = int(match.group(2), 8 if match.group(2).startswith(b"0") else 10) \
                if match.group(2) else 0
            items.append(("repeat", (match.group(1)[0], count)))
            i = match.end()
            continue
        byte = text[i]
        if byte == 92 and i + 1 < len(text):
            nxt = chr(text[i + 1])
            octal = re.match(rb"[0-7]{1,3}", text[i + 1 : i + 4])
            if octal:
                items.append(int(octal.group(), 8) & 255)
                i += 1 + len(octal.group())
                continue
            items.append(_ESC.get(nxt, text[i + 1]))
            i += 2
            continue
        items.append(byte)
        i += 1
    return items


def expand_set(text: bytes, *, second: bool = False, fill: int = 0) -> tuple[bytes, list[str]]:
    """The bytes a SET stands for, plus the classes named (to check alignment)."""
    items = _unescape(text)
    out = bytearray()
    classes: list[str] = []
    i = 0
    while i < len(items):
        item = items[i]
        if isinstance(item, tuple):
            kind, value = item
            if kind == "class":
                classes.append(str(value))
                out += _CLASSES[str(value)]
            else:
                assert isinstance(value, tuple)
                byte, count = int(value[0]), int(value[1])
                if not second:
                    raise SetError("the [c*] repeat construct may not appear in string1")
                out += bytes([byte]) * (count or max(0, fill - len(out)))
            i += 1
            continue
        if i + 2 < len(items) and items[i + 1] == 45 and isinstance(items[i + 2], int):
            high = items[i + 2]
            assert isinstance(high, int)
            if high < item:
                raise SetError(f"range-endpoints of '{chr(item)}-{chr(high)}' are in reverse "
                               "collating sequence order")
            out += bytes(range(item, high + 1))
            i += 3
            continue
        out.append(item)
        i += 1
    return bytes(out), classes


def _plan(p: ParsedArgs) -> tuple[bytes, bytes, bytes | None, bytes] | str:
    """(delete set, squeeze set, translate table, ...) or an error text."""
    ops = p.operands
    delete, squeeze = p.flag("delete"), p.flag("squeeze")
    need = 2 if (delete and squeeze) or (not delete and not squeeze) else 1
    if not ops:
        return "tr: missing operand\n" + _HINT
    if len(ops) < need:
        why = ("Two strings must be given when translating.\n" if not delete else
               "Two strings must be given when both deleting and squeezing repeats.\n")
        return f"tr: missing operand after '{ops[-1]}'\n{why}{_HINT}"
    if len(ops) > 2 or (len(ops) == 2 and delete and not squeeze):
        extra = f"tr: extra operand '{ops[2] if len(ops) > 2 else ops[1]}'\n"
        if delete and not squeeze and len(ops) == 2:
            extra += "Only one string may be given when deleting without squeezing repeats.\n"
        return extra + _HINT
    raw1 = ops[0].encode("utf-8", "surrogateescape")
    try:
        set1, classes1 = expand_set(raw1)
        if p.flag("complement"):
            set1 = bytes(b for b in range(256) if b not in set1)
        set2, classes2 = (expand_set(ops[1].encode("utf-8", "surrogateescape"), second=True,
                                     fill=len(set1)) if len(ops) > 1 else (b"", []))
    except SetError as error:
        return f"tr: {error}\n"
    table: bytes | None = None
    if not delete and len(ops) == 2:
        if any(c in ("upper", "lower") for c in classes2) and not (
                classes1 and {c for c in classes2} <= {"upper", "lower"}
                and len(classes1) == len(classes2)):
            return "tr: misaligned [:upper:] and/or [:lower:] construct\n"
        if p.flag("truncate"):
            set1 = set1[: len(set2)]
        if not set2:
            return "tr: when not truncating set1, string2 must be non-empty\n"
        set2 = set2 + set2[-1:] * (len(set1) - len(set2))
        mapping = list(range(256))
        for a, b in zip(set1, set2, strict=False):
            mapping[a] = b
        table = bytes(mapping)
        return b"", set2 if squeeze else b"", table, set1
    if delete:
        return set1, set2 if squeeze else b"", None, set1
    return b"", set1, None, set1


@command("tr")
@parsed_with(TR_SPEC)
def tr(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: tr [OPTION]... STRING1 [STRING2]

    Translate, squeeze (-s) and/or delete (-d) bytes from standard input; -c
    complements STRING1, -t truncates it. Sets support ranges a-z, escapes
    (\\n \\t \\\\ \\NNN), [:classes:], [=c=] and [c*n] in STRING2.
    """
    plan = _plan(p)
    if isinstance(plan, str):
        inv.stderr.write(plan)
        return 1
    delete, squeeze, table, _ = plan
    squeezing = set(squeeze)
    last = -1
    for chunk in inv.stdin.chunks():
        if delete:
            chunk = chunk.translate(None, delete)
        if table is not None:
            chunk = chunk.translate(table)
        if squeezing:
            out = bytearray()
            for byte in chunk:
                if byte == last and byte in squeezing:
                    continue
                out.append(byte)
                last = byte
            chunk = bytes(out)
        if chunk:
            yield chunk
    return 0
