"""find's expression language: a parser producing a tree of predicates.

Each node evaluates against a :class:`Visit` (path, inode, depth) and returns a
bool; actions append output or run commands through the :class:`Actions` the
traversal supplies. Parse errors are raised with findutils 4.9's exact wording.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pagerdrill.tools.files.common import ceil_div, file_type
from pagerdrill.tools.files.modes import ModeError, parse_mode
from pagerdrill.world.fs import Inode, Kind

__all__ = ["Actions", "AgeBounds", "FindError", "Node", "Parsed", "Visit", "age_bounds",
           "numeric", "parse_expression"]


class FindError(Exception):
    """A command-line error: find prints ``find: <message>`` and exits 1."""


@dataclass
class Visit:
    path: str
    inode: Inode
    depth: int
    start: str
    prune: bool = False


class Actions(Protocol):
    now_ms: int

    def emit(self, text: str) -> None: ...
    def delete(self, visit: Visit) -> bool: ...
    def exec_one(self, argv: list[str]) -> bool: ...
    def exec_batch(self, key: int, argv: list[str], path: str) -> None: ...
    def uid_of(self, name: str) -> int | None: ...
    def gid_of(self, name: str) -> int | None: ...
    def lookup(self, path: str) -> Inode | None: ...
    def ls_line(self, visit: Visit) -> str: ...
    def printf(self, fmt: str, visit: Visit) -> str: ...
    def quit(self) -> None: ...


Node = Callable[[Visit, Actions], bool]


@dataclass
class Parsed:
    node: Node
    has_action: bool = False
    depth_first: bool = False
    maxdepth: int = 1 << 30
    mindepth: int = 0
    xdev: bool = False
    batches: dict[int, list[str]] = field(default_factory=dict)


_ACTIONS = {"-print", "-print0", "-delete", "-exec", "-execdir", "-ok", "-ls", "-printf",
            "-fprint", "-quit", "-okdir", "-fls", "-fprintf", "-fprint0"}
_TIME_UNITS = {"-mtime": ("mtime_ms", 86400000), "-atime": ("atime_ms", 86400000),
               "-ctime": ("ctime_ms", 86400000), "-mmin": ("mtime_ms", 60000),
               "-amin": ("atime_ms", 60000), "-cmin": ("ctime_ms", 60000)}
_SIZE_UNITS = {"b": 512, "c": 1, "w": 2, "k": 1024, "M": 1 << 20, "G": 1 << 30}
_TYPES = {"f": Kind.FILE, "d": Kind.DIR, "l": Kind.LINK, "c": Kind.CHAR}


def numeric(arg: str, pred: str) -> tuple[str, int]:
    """``+N``, ``-N`` or ``N``: the comparison and the number."""
    sign = arg[0] if arg[:1] in ("+", "-") else ""
    digits = arg[len(sign):]
    if not digits.isdigit():
        raise FindError(f"invalid argument `{arg}' to `{pred}'")
    return sign, int(digits)


def _compare(sign: str, value: int, wanted: int) -> bool:
    if sign == "+":
        return value > wanted
    if sign == "-":
        return value < wanted
    return value == wanted


@dataclass(frozen=True)
class AgeBounds:
    """The ages (ms) a time test accepts: ``low < age <= high`` or ``low <= age < high``."""

    low: int
    high: int | None
    upper_closed: bool  # True: (low, high]; False: [low, high)

    def holds(self, age: int) -> bool:
        if self.upper_closed:
            return age > self.low and (self.high is None or age <= self.high)
        return age >= self.low and (self.high is None or age < self.high)


def age_bounds(sign: str, wanted: int, unit: int) -> AgeBounds:
    """GNU find's windows: -mtime counts whole days (+1 means 2 days or more), while
    -mmin compares exact ages (+20 means over 20 minutes, 20 means 19-20 minutes)."""
    if unit == 60000:
        edge = wanted * unit
        return {"+": AgeBounds(edge, None, True), "-": AgeBounds(-(1 << 62), edge, False)}.get(
            sign, AgeBounds(edge - unit, edge, True))
    return {"+": AgeBounds((wanted + 1) * unit, None, False),
            "-": AgeBounds(-(1 << 62), wanted * unit, False)}.get(
        sign, AgeBounds(wanted * unit, (wanted + 1) * unit, False))


def _basename(path: str) -> str:
    stripped = path.rstrip("/")
    return posixpath.basename(stripped) if stripped else "/"


class _Parser:
    def __init__(self, args: list[str]) -> None:
        self.args = args
        self.pos = 0
        self.result = Parsed(lambda v, a: True)
        self.exec_count = 0
        self.pending_refs: list[str] = []  # -newer files, checked before the walk
        self.owner_checks: list[tuple[str, str, list[int | None]]] = []

    def peek(self) -> str | None:
        return self.args[self.pos] if self.pos < len(self.args) else None

    def take(self) -> str:
        arg = self.args[self.pos]
        self.pos += 1
        return arg

    def argument(self, pred: str) -> str:
        if self.peek() is None:
            raise FindError(f"missing argument to `{pred}'")
        return self.take()

    def parse(self) -> Parsed:
        if self.peek() is None:
            return self.result
        node = self.parse_or()
        if self.peek() == ")":
            raise FindError("you have too many ')'")
        if self.peek() is not None:
            raise FindError(f"paths must precede expression: `{self.peek()}'")
        self.result.node = node
        return self.result

    def parse_or(self) -> Node:
        left = self.parse_and()
        while self.peek() in ("-o", "-or", ","):
            op = self.take()
            if self.peek() in (None, ")"):
                raise FindError(f"invalid expression; you have used a binary operator '{op}'"
                                " with nothing after it.")
            right = self.parse_and()
            if op == ",":
                left = (lambda a, b: lambda v, x: (a(v, x), b(v, x))[1])(left, right)
            else:
                left = (lambda a, b: lambda v, x: a(v, x) or b(v, x))(left, right)
        return left

    def parse_and(self) -> Node:
        left = self.parse_not()
        while self.peek() not in (None, ")", "-o", "-or", ","):
            if self.peek() in ("-a", "-and"):
                op = self.take()
                if self.peek() in (None, ")"):
                    raise FindError(f"invalid expression; you have used a binary operator "
                                    f"'{op}' with nothing after it.")
            right = self.parse_not()
            left = (lambda a, b: lambda v, x: a(v, x) and b(v, x))(left, right)
        return left

    def parse_not(self) -> Node:
        token = self.peek()
        if token in ("!", "-not"):
            self.take()
            if self.peek() in (None, ")"):
                raise FindError(f"expected an expression after '{token}'")
            inner = self.parse_not()
            return lambda v, x: not inner(v, x)
        if token in ("-a", "-and", "-o", "-or", ","):
            raise FindError(f"invalid expression; you have used a binary operator '{token}' "
                            "with nothing before it.")
        if token == "(":
            self.take()
            if self.peek() == ")":
                raise FindError("invalid expression; empty parentheses are not allowed.")
            inner = self.parse_or()
            if self.peek() != ")":
                raise FindError("invalid expression; I was expecting to find a ')' somewhere "
                                "but did not see one.")
            self.take()
            return inner
        return self.primary()

    def primary(self) -> Node:
        pred = self.take()
        if pred in _ACTIONS:
            self.result.has_action = True
        handler = getattr(self, "p_" + pred[1:].replace("-", "_"), None) if pred.startswith(
            "-") else None
        if handler is None:
            if pred.startswith("-") and len(pred) > 1:
                raise FindError(f"unknown predicate `{pred}'")
            raise FindError(f"paths must precede expression: `{pred}'")
        node: Node = handler(pred)
        return node

    # -- global options ------------------------------------------------------

    def _depth_option(self, pred: str) -> int:
        arg = self.argument(pred)
        if not arg.isdigit():
            raise FindError(f"Expected a positive decimal integer argument to {pred}, "
                            f"but got '{arg}'")
        return int(arg)

    def p_maxdepth(self, pred: str) -> Node:
        self.result.maxdepth = self._depth_option(pred)
        return lambda v, x: True

    def p_mindepth(self, pred: str) -> Node:
        self.result.mindepth = self._depth_option(pred)
        return lambda v, x: True

    def p_depth(self, pred: str) -> Node:
        self.result.depth_first = True
        return lambda v, x: True

    def p_xdev(self, pred: str) -> Node:
        self.result.xdev = True
        return lambda v, x: True

    p_mount = p_xdev

    def p_noleaf(self, pred: str) -> Node:
        return lambda v, x: True

    p_ignore_readdir_race = p_noleaf
    p_daystart = p_noleaf  # accepted; days still count back from now

    # -- tests ---------------------------------------------------------------

    def p_true(self, pred: str) -> Node:
        return lambda v, x: True

    def p_false(self, pred: str) -> Node:
        return lambda v, x: False

    def p_name(self, pred: str) -> Node:
        pattern = self.argument(pred)
        if pred == "-iname":
            return lambda v, x: fnmatch.fnmatchcase(_basename(v.path).lower(), pattern.lower())
        return lambda v, x: fnmatch.fnmatchcase(_basename(v.path), pattern)

    p_iname = p_name

    def p_path(self, pred: str) -> Node:
        pattern = self.argument(pred)
        if pred.startswith("-i"):
            return lambda v, x: fnmatch.fnmatchcase(v.path.lower(), pattern.lower())
        return lambda v, x: fnmatch.fnmatchcase(v.path, pattern)

    p_wholename = p_ipath = p_iwholename = p_path

    def p_regex(self, pred: str) -> Node:
        pattern = self.argument(pred)
        try:
            regex = re.compile(pattern, re.DOTALL | (re.I if pred == "-iregex" else 0))
        except re.error as error:
            raise FindError(f"Invalid regular expression: {error}") from error
        return lambda v, x: regex.fullmatch(v.path) is not None

    p_iregex = p_regex

    def p_type(self, pred: str) -> Node:
        arg = self.argument(pred)
        kinds: set[Kind | None] = set()
        for letter in arg.split(","):
            if letter in ("b", "p", "s", "D"):
                kinds.add(None)
                continue
            if letter not in _TYPES:
                raise FindError(f"Unknown argument to {pred}: {letter}")
            kinds.add(_TYPES[letter])
        if pred == "-xtype":
            return lambda v, x: _xkind(v, x) in kinds
        return lambda v, x: v.inode.kind in kinds

    p_xtype = p_type

    def p_size(self, pred: str) -> Node:
        arg = self.argument(pred)
        unit_char = arg[-1] if arg and not arg[-1].isdigit() else "b"
        number = arg[:-1] if arg and not arg[-1].isdigit() else arg
        if unit_char not in _SIZE_UNITS:
            raise FindError(f"invalid -size type `{unit_char}'")
        sign, wanted = numeric(number, pred) if number.lstrip("+-") else ("", -1)
        if wanted < 0:
            raise FindError(f"invalid argument `{arg}' to `{pred}'")
        unit = _SIZE_UNITS[unit_char]
        return lambda v, x: _compare(sign, ceil_div(v.inode.size, unit), wanted)

    def p_mtime(self, pred: str) -> Node:
        attr, unit = _TIME_UNITS[pred]
        sign, wanted = numeric(self.argument(pred), pred)

        bounds = age_bounds(sign, wanted, unit)

        def test(v: Visit, x: Actions) -> bool:
            return bounds.holds(x.now_ms - int(getattr(v.inode, attr)))

        return test

    p_atime = p_ctime = p_mmin = p_amin = p_cmin = p_mtime

    def p_newer(self, pred: str) -> Node:
        ref_path = self.argument(pred)
        self.pending_refs.append(ref_path)
        holder: dict[str, int] = {}

        def test(v: Visit, x: Actions) -> bool:
            if "t" not in holder:
                ref = x.lookup(ref_path)
                holder["t"] = ref.mtime_ms if ref else 0
            return v.inode.mtime_ms > holder["t"]

        return test

    pending_refs: list[str] = []

    def p_empty(self, pred: str) -> Node:
        def test(v: Visit, x: Actions) -> bool:
            if v.inode.is_dir:
                return not v.inode.entries and not v.inode.opaque_inodes
            return v.inode.is_file and v.inode.size == 0

        return test

    def p_user(self, pred: str) -> Node:
        name = self.argument(pred)
        holder: list[int | None] = []
        self.owner_checks.append((pred, name, holder))
        if pred == "-group":
            return lambda v, x: v.inode.gid == holder[0]
        return lambda v, x: v.inode.uid == holder[0]

    p_group = p_user
    owner_checks: list[tuple[str, str, list[int | None]]] = []

    def p_uid(self, pred: str) -> Node:
        sign, wanted = numeric(self.argument(pred), pred)
        attr = "uid" if pred == "-uid" else "gid"
        return lambda v, x: _compare(sign, int(getattr(v.inode, attr)), wanted)

    p_gid = p_uid

    def p_links(self, pred: str) -> Node:
        sign, wanted = numeric(self.argument(pred), pred)
        return lambda v, x: _compare(sign, v.inode.nlink, wanted)

    def p_inum(self, pred: str) -> Node:
        sign, wanted = numeric(self.argument(pred), pred)
        return lambda v, x: _compare(sign, v.inode.ino, wanted)

    def p_perm(self, pred: str) -> Node:
        arg = self.argument(pred)
        kind = arg[0] if arg[:1] in ("-", "/") else ""
        try:
            mode = parse_mode(arg[len(kind):], 0, is_dir=False, umask=0)
        except ModeError as error:
            raise FindError(f"invalid mode {_q(arg)}") from error
        if kind == "-":
            return lambda v, x: v.inode.mode & mode == mode
        if kind == "/":
            return lambda v, x: mode == 0 or bool(v.inode.mode & mode)
        return lambda v, x: v.inode.mode & 0o7777 == mode

    def p_readable(self, pred: str) -> Node:
        want = {"-readable": 4, "-writable": 2, "-executable": 1}[pred]
        return lambda v, x: x.access(v.inode, want)  # type: ignore[attr-defined]

    p_writable = p_executable = p_readable

    def p_nouser(self, pred: str) -> Node:
        return lambda v, x: False

    p_nogroup = p_nouser

    # -- actions -------------------------------------------------------------

    def p_print(self, pred: str) -> Node:
        end = "\0" if pred == "-print0" else "\n"

        def act(v: Visit, x: Actions) -> bool:
            x.emit(v.path + end)
            return True

        return act

    p_print0 = p_print

    def p_prune(self, pred: str) -> Node:
        def act(v: Visit, x: Actions) -> bool:
            v.prune = True
            return True

        return act

    def p_quit(self, pred: str) -> Node:
        def act(v: Visit, x: Actions) -> bool:
            x.quit()
            return True

        return act

    def p_delete(self, pred: str) -> Node:
        self.result.depth_first = True
        return lambda v, x: x.delete(v)

    def p_ls(self, pred: str) -> Node:
        def act(v: Visit, x: Actions) -> bool:
            x.emit(x.ls_line(v))
            return True

        return act

    def p_printf(self, pred: str) -> Node:
        fmt = self.argument(pred)

        def act(v: Visit, x: Actions) -> bool:
            x.emit(x.printf(fmt, v))
            return True

        return act

    def p_exec(self, pred: str) -> Node:
        command: list[str] = []
        while True:
            arg = self.peek()
            if arg is None:
                raise FindError(f"missing argument to `{pred}'")
            self.take()
            if arg == ";":
                break
            if arg == "+" and command and command[-1] == "{}":
                command.pop()
                return self._batch(pred, command)
            command.append(arg)
        if not command:
            raise FindError(f"missing argument to `{pred}'")

        def act(v: Visit, x: Actions) -> bool:
            path = v.path if pred == "-exec" else "./" + _basename(v.path)
            return x.exec_one([a.replace("{}", path) for a in command])

        return act

    p_execdir = p_exec

    def _batch(self, pred: str, command: list[str]) -> Node:
        if not command:
            raise FindError(f"missing argument to `{pred}'")
        key = self.exec_count
        self.exec_count += 1
        self.result.batches[key] = command

        def act(v: Visit, x: Actions) -> bool:
            x.exec_batch(key, command, v.path)
            return True

        return act


def _xkind(v: Visit, x: Actions) -> Kind | None:
    if v.inode.kind is not Kind.LINK:
        return v.inode.kind
    target = x.lookup(v.path)
    return target.kind if target is not None else Kind.LINK


def _q(text: str) -> str:
    return f"'{text}'"


def parse_expression(args: list[str]) -> tuple[Parsed, list[str], list[tuple[str, str,
                                                                           list[int | None]]]]:
    """Parse find's expression; returns it, the -newer references and owner checks."""
    parser = _Parser(args)
    parsed = parser.parse()
    if not parsed.has_action:
        inner = parsed.node

        def default(v: Visit, x: Actions) -> bool:
            if inner(v, x):
                x.emit(v.path + "\n")
            return True

        parsed.node = default
    return parsed, parser.pending_refs, parser.owner_checks


def describe(inode: Inode) -> str:
    return file_type(inode)
