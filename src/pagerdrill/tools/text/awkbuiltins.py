"""awk's built-in functions: length, substr, index, split, sub/gsub, match..."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pagerdrill.tools.text.awkparse import Node

if TYPE_CHECKING:
    from pagerdrill.tools.text.awkrun import Interpreter, Value

__all__ = ["call_builtin"]


def _substr(text: str, start: float, length: float | None) -> str:
    # What gawk and mawk do (checked against both): positions truncate, a start
    # before 1 is taken as 1 with the length unchanged.
    if math.isnan(start) or (length is not None and math.isnan(length)):
        return ""
    first = max(1, int(start)) if math.isfinite(start) else (1 if start < 0 else len(text) + 1)
    if length is None or (math.isinf(length) and length > 0):
        return text[first - 1 :]
    count = int(length) if math.isfinite(length) else 0
    if count <= 0:
        return ""
    return text[first - 1 : first - 1 + count]


def _replace(interp: Interpreter, args: list[Node], global_: bool) -> Value:
    from pagerdrill.tools.text.awkrun import AwkError, StrNum

    if len(args) < 2:
        raise AwkError("sub/gsub: not enough arguments")
    regex = interp.regex_of(args[0])
    repl = interp.to_str(interp.eval(args[1]))
    target = args[2] if len(args) > 2 else ("field", ("num", 0.0))
    text = interp.to_str(interp.eval(target))
    raw = interp.bytes(text)
    count = 0
    out: list[bytes] = []
    pos = 0
    last_end = -1
    while pos <= len(raw):
        match = regex.search(raw, pos)
        if match is None:
            break
        start, end = match.span()
        if start == end and start == last_end:
            if start >= len(raw):
                break
            out.append(raw[pos : start + 1])
            pos = start + 1
            continue
        out.append(raw[pos:start])
        out.append(_expand(repl, match.group()))
        count += 1
        last_end = end
        if start == end:
            out.append(raw[end : end + 1])
            pos = end + 1
        else:
            pos = end
        if not global_:
            break
    if count:
        out.append(raw[pos:])
        interp.store(target, StrNum(b"".join(out).decode("latin-1")))
    return float(count)


def _expand(repl: str, matched: bytes) -> bytes:
    out = bytearray()
    i = 0
    data = repl.encode("latin-1", "replace")
    while i < len(data):
        char = data[i : i + 1]
        if char == b"\\" and data[i + 1 : i + 2] in (b"&", b"\\"):
            out += data[i + 1 : i + 2]
            i += 2
            continue
        out += matched if char == b"&" else char
        i += 1
    return bytes(out)


def call_builtin(interp: Interpreter, name: str, args: list[Node]) -> Value:
    from pagerdrill.tools.text.awkrun import AwkError, StrNum, to_num

    def val(index: int) -> Value:
        return interp.eval(args[index])

    def text(index: int) -> str:
        return interp.to_str(val(index))

    if name == "length":
        if not args:
            return float(len(interp.record))
        node = args[0]
        if node[0] == "var":
            scope = interp.scope(str(node[1])).get(str(node[1]))
            if isinstance(scope, dict):
                return float(len(scope))
        return float(len(text(0)))
    if name == "substr":
        length = to_num(val(2)) if len(args) > 2 else None
        return _substr(text(0), to_num(val(1)), length)
    if name == "index":
        return float(text(0).find(text(1)) + 1)
    if name == "split":
        if len(args) < 2 or args[1][0] != "var":
            raise AwkError("split: second argument is not an array")
        source = text(0)
        separator: Value = interp.gv("FS") if len(args) < 3 else (
            str(args[2][1]) if args[2][0] == "regex" else val(2))
        pieces = interp.split(source, separator) if not (len(args) > 2 and args[2][0] == "regex"
                                                         and len(str(args[2][1])) == 1) else \
            source.split(str(args[2][1])) if source else []
        array = interp.array(str(args[1][1]))
        array.clear()
        for index, piece in enumerate(pieces, 1):
            array[str(index)] = StrNum(piece)
        return float(len(pieces))
    if name == "sprintf":
        if not args:
            raise AwkError("sprintf: no format")
        values = [val(i) for i in range(len(args))]
        return interp.sprintf(interp.to_str(values[0]), values[1:])
    if name == "tolower":
        return text(0).lower()
    if name == "toupper":
        return text(0).upper()
    if name in ("sub", "gsub"):
        return _replace(interp, args, name == "gsub")
    if name == "match":
        found = interp.regex_of(args[1]).search(interp.bytes(text(0)))
        start = float(found.start() + 1) if found else 0.0
        interp.globals["RSTART"] = start
        interp.globals["RLENGTH"] = float(found.end() - found.start()) if found else -1.0
        return start
    if name == "int":
        number = to_num(val(0))
        return float(math.trunc(number)) if math.isfinite(number) else number
    if name in ("sqrt", "exp", "log", "sin", "cos"):
        number = to_num(val(0))
        try:
            return float(getattr(math, name)(number))
        except ValueError:
            return math.nan
        except OverflowError:
            return math.inf
    if name == "atan2":
        return math.atan2(to_num(val(0)), to_num(val(1)))
    if name == "rand":
        # A fixed linear congruential sequence: deterministic, like awk without srand().
        interp.rand_state = (interp.rand_state * 1103515245 + 12345) % (1 << 31)
        return interp.rand_state / float(1 << 31)
    if name == "srand":
        previous = float(interp.rand_state)
        interp.rand_state = int(to_num(val(0))) if args else 0
        return previous
    if name in ("close", "fflush"):
        return 0.0
    if name == "system":
        raise AwkError("system() is not available in the simulation")
    raise AwkError(f"function `{name}' not defined")

