"""The text builtins: ``echo``, ``printf`` and ``test``/``[``, with bash's exact quirks."""

from __future__ import annotations

import re

from pagerdrill.shell.builtins import BuiltinCall, builtin
from pagerdrill.tools.api import CommandOutput
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import FileSystem

__all__ = ["echo", "printf", "test"]

_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _escapes(text: str, *, echo: bool) -> tuple[str, bool]:
    """Interpret backslash escapes; returns (text, stop) where stop means ``\\c`` was seen."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\" or i + 1 >= len(text):
            out.append(c)
            i += 1
            continue
        n = text[i + 1]
        if n in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[n])
            i += 2
        elif n == "c":
            return "".join(out), True
        elif (n == "0" and echo) or (n in "01234567" and not echo):
            j = i + 2 if echo else i + 1
            digits = ""
            while j < len(text) and len(digits) < 3 and text[j] in "01234567":
                digits += text[j]
                j += 1
            out.append(chr(int(digits or "0", 8) & 0xFF))
            i = j
        elif n in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[n]
            j = i + 2
            digits = ""
            while j < len(text) and len(digits) < width and text[j] in "0123456789abcdefABCDEF":
                digits += text[j]
                j += 1
            if not digits:
                out.append(text[i : i + 2])
                i += 2
                continue
            value = int(digits, 16)
            out.append(
                chr(value)
                if n != "x"
                else bytes([value]).decode("latin-1")
                if value < 0x80
                else bytes([value]).decode("utf-8", "surrogateescape")
            )
            i = j
        else:
            out.append(text[i : i + 2])
            i += 2
    return "".join(out), False


@builtin("echo")
def echo(call: BuiltinCall) -> CommandOutput:
    """echo: echo [-neE] [arg ...]
    Write arguments to the standard output."""
    args = call.args
    newline, escapes = True, False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        for flag in args[0][1:]:
            if flag == "n":
                newline = False
            else:
                escapes = flag == "e"
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text, stop = _escapes(text, echo=True)
        if stop:
            newline = False
    yield _encode(text + ("\n" if newline else ""))
    return 0


_SPEC = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([diouxXfFeEgGcsbq%])")


def _number(call: BuiltinCall, arg: str, floating: bool) -> int | float:
    text = arg.strip()
    if not text:
        return 0
    if text[0] in "'\"" and len(text) > 1:
        return ord(text[1])
    try:
        if floating:
            return float(text)
        return int(text, 0) if not re.fullmatch(r"[-+]?0\d+", text) else int(text, 8)
    except ValueError:
        call.error(f"{arg}: invalid number")
        call.failed = True
        match = re.match(r"[-+]?\d+", text)
        return int(match.group()) if match else 0


def _shell_quote(text: str) -> str:
    if text == "":
        return "''"
    return re.sub(r"([^\w@%+=:,./-])", r"\\\1", text)


@builtin("printf")
def printf(call: BuiltinCall) -> CommandOutput:
    """printf: printf [-v var] format [arguments]
    Formats and prints ARGUMENTS under control of the FORMAT."""
    args = call.args
    target = None
    if len(args) >= 2 and args[0] == "-v":
        target, args = args[1], args[2:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        call.stderr.write("printf: usage: printf [-v var] format [arguments]\n")
        return 2
    fmt, values = args[0], args[1:]
    out: list[str] = []
    while True:
        consumed, stop = _format_once(call, fmt, values, out)
        values = values[consumed:]
        if stop or not values or consumed == 0:
            break
    text = "".join(out)
    if target is not None:
        call.state.set_var(target, text)
    else:
        yield _encode(text)
    return 1 if call.failed else 0


def _format_once(
    call: BuiltinCall, fmt: str, values: list[str], out: list[str]
) -> tuple[int, bool]:
    used = 0

    def take() -> str | None:
        nonlocal used
        if used < len(values):
            used += 1
            return values[used - 1]
        return None

    pos = 0
    while pos < len(fmt):
        c = fmt[pos]
        if c == "\\":
            text, stop = _escapes(fmt[pos : pos + 5], echo=False)
            raw_len = _escape_length(fmt, pos)
            text, stop = _escapes(fmt[pos : pos + raw_len], echo=False)
            out.append(text)
            if stop:
                return used, True
            pos += raw_len
            continue
        if c != "%":
            out.append(c)
            pos += 1
            continue
        match = _SPEC.match(fmt, pos)
        if match is None:
            out.append(c)
            pos += 1
            continue
        pos = match.end()
        flags, width, precision, conv = match.groups()
        if conv == "%":
            out.append("%")
            continue
        if width == "*":
            width = str(int(_number(call, take() or "0", False)))
        if precision == "*":
            precision = str(int(_number(call, take() or "0", False)))
        arg = take()
        spec = "%" + flags + (width or "") + ("." + precision if precision is not None else "")
        if conv in "sbq":
            value = arg or ""
            if conv == "b":
                value, stop = _escapes(value, echo=True)
            elif conv == "q":
                value = _shell_quote(value)
            out.append((spec + "s") % value)
        elif conv == "c":
            out.append((spec + "s") % (arg or "")[:1])
        elif conv in "diouxX":
            number = int(_number(call, arg or "0", False))
            out.append((spec + ("d" if conv in "iu" else conv)) % number)
        else:
            out.append((spec + conv) % float(_number(call, arg or "0", True)))
    return used, False


def _escape_length(fmt: str, pos: int) -> int:
    if pos + 1 >= len(fmt):
        return 1
    n = fmt[pos + 1]
    if n in "01234567":
        j = pos + 1
        while j < len(fmt) and j < pos + 4 and fmt[j] in "01234567":
            j += 1
        return j - pos
    if n in "xuU":
        width = {"x": 2, "u": 4, "U": 8}[n]
        j = pos + 2
        while j < len(fmt) and j < pos + 2 + width and fmt[j] in "0123456789abcdefABCDEF":
            j += 1
        return j - pos
    return 2


# -- test / [ ---------------------------------------------------------------------------

_UNARY = frozenset(
    [
        "-e",
        "-f",
        "-d",
        "-r",
        "-w",
        "-x",
        "-s",
        "-L",
        "-h",
        "-b",
        "-c",
        "-p",
        "-S",
        "-n",
        "-z",
        "-t",
        "-g",
        "-u",
        "-k",
        "-O",
        "-G",
        "-N",
        "-a",
    ]
)
_BINARY = frozenset(
    ["=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef"]
)


class _TestError(Exception):
    pass


def _unary(call: BuiltinCall, op: str, operand: str) -> bool:
    if op == "-n":
        return operand != ""
    if op == "-z":
        return operand == ""
    if op == "-t":
        return False
    state = call.state
    host = state.host
    cred = host.cred_for(state.user)
    try:
        inode = host.fs.lookup(operand, state.cwd, follow=op not in ("-L", "-h"), cred=cred)
    except FsError:
        return False
    kind = inode.kind.value
    checks = {
        "-e": True,
        "-a": True,
        "-f": kind == "-",
        "-d": kind == "d",
        "-L": kind == "l",
        "-h": kind == "l",
        "-c": kind == "c",
        "-b": False,
        "-p": False,
        "-S": False,
        "-s": inode.size > 0,
        "-r": FileSystem.access(inode, 4, cred),
        "-w": FileSystem.access(inode, 2, cred),
        "-x": FileSystem.access(inode, 1, cred),
        "-g": bool(inode.mode & 0o2000),
        "-u": bool(inode.mode & 0o4000),
        "-k": bool(inode.mode & 0o1000),
        "-O": inode.uid == cred.uid,
        "-G": inode.gid == cred.gids[0],
        "-N": False,
    }
    return checks.get(op, False)


def _integer(call: BuiltinCall, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        call.error(f"{text}: integer expression expected")
        raise _TestError from None


def _binary(call: BuiltinCall, left: str, op: str, right: str) -> bool:
    if op in ("=", "=="):
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left.encode() < right.encode()
    if op == ">":
        return left.encode() > right.encode()
    if op in ("-nt", "-ot", "-ef"):
        state = call.state
        try:
            first = state.host.fs.lookup(left, state.cwd)
            second = state.host.fs.lookup(right, state.cwd)
        except FsError:
            return False
        if op == "-ef":
            return first is second
        if op == "-nt":
            return first.mtime_ms > second.mtime_ms
        return first.mtime_ms < second.mtime_ms
    a, b = _integer(call, left), _integer(call, right)
    return {"-eq": a == b, "-ne": a != b, "-lt": a < b, "-le": a <= b, "-gt": a > b, "-ge": a >= b}[
        op
    ]


def _evaluate(call: BuiltinCall, args: list[str]) -> bool:
    """POSIX test: decided by argument count first, then a small grammar."""
    n = len(args)
    if n == 0:
        return False
    if n == 1:
        return args[0] != ""
    if n == 2:
        if args[0] == "!":
            return args[1] == ""
        if args[0] in _UNARY:
            return _unary(call, args[0], args[1])
        call.error(f"{args[0]}: unary operator expected")
        raise _TestError
    if n == 3:
        if args[1] in _BINARY:
            return _binary(call, args[0], args[1], args[2])
        if args[1] == "-a":
            return args[0] != "" and args[2] != ""
        if args[1] == "-o":
            return args[0] != "" or args[2] != ""
        if args[0] == "!":
            return not _evaluate(call, args[1:])
        if args[0] == "(" and args[2] == ")":
            return args[1] != ""
        call.error(f"{args[1]}: binary operator expected")
        raise _TestError
    if n == 4 and args[0] == "!":
        return not _evaluate(call, args[1:])
    if n == 4 and args[0] == "(" and args[3] == ")":
        return _evaluate(call, args[1:3])
    for joiner in ("-o", "-a"):
        if joiner in args[1:-1]:
            i = len(args) - 1 - args[::-1].index(joiner)
            left, right = _evaluate(call, args[:i]), _evaluate(call, args[i + 1 :])
            return (left or right) if joiner == "-o" else (left and right)
    call.error("too many arguments")
    raise _TestError


@builtin("test", "[")
def test(call: BuiltinCall) -> CommandOutput:
    """test: test [expr]
    Evaluate conditional expression (also spelled [ expr ])."""
    args = call.args
    if call.name == "[":
        if not args or args[-1] != "]":
            call.error("missing `]'")
            return 2
        args = args[:-1]
    try:
        result = _evaluate(call, args)
    except _TestError:
        return 2
    return 0 if result else 1
    yield b""
