"""The awk interpreter: values, fields, built-ins and a step budget.

Values are ``float`` (numbers), ``str`` (strings), :class:`StrNum` (input that
looks numeric: fields, ``-v`` values, split() pieces) or ``None`` (uninitialised).
Loops are bounded: :data:`LOOP_BUDGET` iterations per rule run, so
``BEGIN { while (1); }`` stops with a clear error instead of hanging.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator

from pagerdrill.tools.text.awkparse import Node, Program
from pagerdrill.tools.text.regex import RegexError, compile_posix

__all__ = ["LOOP_BUDGET", "AwkError", "AwkExit", "Interpreter", "StrNum"]

LOOP_BUDGET = 2_000_000
_MAX_DEPTH = 200
_NUM_PREFIX = re.compile(r"[ \t\n\f\r\v]*[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|"
                         r"\.\d+(?:[eE][-+]?\d+)?)")
_LOOKS_NUMERIC = re.compile(r"[ \t\n\f\r\v]*[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+"
                            r"(?:[eE][-+]?\d+)?)[ \t\n\f\r\v]*")
_FORMAT = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])")

Value = float | str | None
Array = dict[str, Value]


class StrNum(str):
    """A string from input that compares as a number when it looks like one."""


class AwkError(Exception):
    """A fatal runtime error (``awk: cmd. line:1: fatal: ...``)."""


class AwkExit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Next(Exception):
    pass


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Return(Exception):
    def __init__(self, value: Value) -> None:
        super().__init__()
        self.value = value


def to_num(value: Value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, float):
        return value
    match = _NUM_PREFIX.match(value)
    return float(match.group()) if match else 0.0


def _fmt_number(value: float, fmt: str) -> str:
    if value == int(value) if math.isfinite(value) else False:
        return str(int(value))
    if math.isnan(value):
        return "-nan" if math.copysign(1, value) < 0 else "nan"
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    try:
        return fmt % value
    except (TypeError, ValueError):
        return f"{value:.6g}"


class Interpreter:
    """Runs one parsed program; output goes through the ``write`` callback."""

    def __init__(self, program: Program, write: Callable[[str | None, str, str], None],
                 read_file: Callable[[str], Iterator[bytes]]) -> None:
        self.prog = program
        self.write = write  # (redirect op or None, target, text)
        self.read_file = read_file
        self.globals: dict[str, Value | Array] = {
            "FS": " ", "OFS": " ", "ORS": "\n", "RS": "\n", "NR": 0.0, "NF": 0.0,
            "FNR": 0.0, "SUBSEP": "\x1c", "CONVFMT": "%.6g", "OFMT": "%.6g", "RSTART": 0.0,
            "RLENGTH": -1.0, "FILENAME": "",
        }
        self.frames: list[dict[str, Value | Array]] = []
        self.record = ""
        self.fields: list[str] | None = [""]
        self.nf = 0
        self.steps = 0
        self.regex_cache: dict[str, re.Pattern[bytes]] = {}
        self.next_record: Callable[[], str | None] = lambda: None
        self.getline_files: dict[str, Iterator[str]] = {}
        self.rand_state = 0
        self.range_active: dict[int, bool] = {}

    # -- variables -------------------------------------------------------

    def gv(self, name: str) -> Value:
        """A global scalar (special variables like OFS, NR)."""
        value = self.globals.get(name)
        return None if isinstance(value, dict) else value

    def scope(self, name: str) -> dict[str, Value | Array]:
        if self.frames and name in self.frames[-1]:
            return self.frames[-1]
        return self.globals

    def get_var(self, name: str) -> Value:
        if name == "NF":
            self.split_fields()
            return float(self.nf)
        value = self.scope(name).get(name)
        if isinstance(value, dict):
            raise AwkError(f"attempt to use array `{name}' in a scalar context")
        return value

    def set_var(self, name: str, value: Value) -> None:
        scope = self.scope(name)
        if isinstance(scope.get(name), dict):
            raise AwkError(f"attempt to use array `{name}' in a scalar context")
        scope[name] = value
        if name == "NF":
            self.split_fields()
            self.set_nf(int(to_num(value)))

    def array(self, name: str) -> Array:
        scope = self.scope(name)
        value = scope.get(name)
        if value is None:
            value = {}
            scope[name] = value
        if not isinstance(value, dict):
            raise AwkError(f"attempt to use scalar `{name}' as array")
        return value

    # -- strings and numbers ---------------------------------------------

    def to_str(self, value: Value) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return _fmt_number(value, str(self.gv("CONVFMT")))
        return value

    def to_out(self, value: Value) -> str:
        if isinstance(value, float):
            return _fmt_number(value, str(self.globals["OFMT"]))
        return self.to_str(value)

    def subscript(self, items: list[Node]) -> str:
        return str(self.globals["SUBSEP"]).join(self.to_str(self.eval(e)) for e in items)

    def regex(self, source: str) -> re.Pattern[bytes]:
        compiled = self.regex_cache.get(source)
        if compiled is None:
            try:
                compiled = compile_posix([source], extended=True)
            except RegexError as error:
                raise AwkError(f"invalid regexp /{source}/: {error}") from error
            self.regex_cache[source] = compiled
        return compiled

    def regex_of(self, node: Node) -> re.Pattern[bytes]:
        if node[0] == "regex":
            return self.regex(str(node[1]))
        return self.regex(self.to_str(self.eval(node)))

    # -- records and fields ------------------------------------------------

    def set_record(self, text: str) -> None:
        self.record = text
        self.fields = None

    def split_fields(self) -> None:
        if self.fields is not None:
            return
        self.fields = [self.record, *self.split(self.record, self.globals["FS"])]
        self.nf = len(self.fields) - 1

    def split(self, text: str, fs_value: Value | Array) -> list[str]:
        fs = self.to_str(fs_value) if not isinstance(fs_value, dict) else " "
        if fs == " ":
            return text.split()
        if not text:
            return []
        if len(fs) == 1 and fs != "\\":
            return text.split(fs)
        pattern = self.regex(fs)
        raw = text.encode("latin-1", "replace")
        return [p.decode("latin-1") for p in pattern.split(raw)]

    def get_field(self, index: int) -> str:
        if index < 0:
            raise AwkError(f"attempt to access field {index}")
        if index == 0:
            return self.record
        self.split_fields()
        assert self.fields is not None
        return self.fields[index] if index <= self.nf else ""

    def set_field(self, index: int, value: str) -> None:
        if index < 0:
            raise AwkError(f"attempt to access field {index}")
        if index == 0:
            self.set_record(value)
            return
        self.split_fields()
        assert self.fields is not None
        while len(self.fields) <= index:
            self.fields.append("")
        self.fields[index] = value
        self.nf = max(self.nf, index)
        self.rebuild()

    def set_nf(self, count: int) -> None:
        assert self.fields is not None
        while len(self.fields) <= count:
            self.fields.append("")
        del self.fields[count + 1 :]
        self.nf = count
        self.rebuild()

    def rebuild(self) -> None:
        assert self.fields is not None
        self.record = self.to_str(self.gv("OFS")).join(self.fields[1 : self.nf + 1])
        self.fields[0] = self.record

    # -- statements --------------------------------------------------------

    def tick(self) -> None:
        self.steps += 1
        if self.steps > LOOP_BUDGET:
            raise AwkError(f"loop ran more than {LOOP_BUDGET} iterations "
                           "(pagerdrill step budget; infinite loop?)")

    def run_block(self, node: Node) -> None:
        self.steps = 0
        self.execute(node)

    def execute(self, node: Node) -> None:
        kind = node[0]
        if kind == "block":
            for stmt in node[1]:  # type: ignore[attr-defined]
                self.execute(stmt)
        elif kind == "expr":
            self.eval(node[1])  # type: ignore[arg-type]
        elif kind in ("print", "printf"):
            self.print_(node)
        elif kind == "if":
            if self.truth(self.eval(node[1])):  # type: ignore[arg-type]
                self.execute(node[2])  # type: ignore[arg-type]
            elif node[3] is not None:
                self.execute(node[3])  # type: ignore[arg-type]
        elif kind == "while":
            while self.truth(self.eval(node[1])):  # type: ignore[arg-type]
                self.tick()
                if self.loop_body(node[2]):  # type: ignore[arg-type]
                    break
        elif kind == "do":
            while True:
                self.tick()
                if self.loop_body(node[1]):  # type: ignore[arg-type]
                    break
                if not self.truth(self.eval(node[2])):  # type: ignore[arg-type]
                    break
        elif kind == "for":
            _, init, cond, step, body = node
            if init is not None:
                self.eval(init)  # type: ignore[arg-type]
            while cond is None or self.truth(self.eval(cond)):  # type: ignore[arg-type]
                self.tick()
                if self.loop_body(body):  # type: ignore[arg-type]
                    break
                if step is not None:
                    self.eval(step)  # type: ignore[arg-type]
        elif kind == "forin":
            _, var, name, body = node
            for key in list(self.array(str(name))):
                self.tick()
                self.set_var(str(var), StrNum(key))
                if self.loop_body(body):  # type: ignore[arg-type]
                    break
        elif kind == "break":
            raise _Break
        elif kind == "continue":
            raise _Continue
        elif kind == "next" or kind == "nextfile":
            raise _Next
        elif kind == "exit":
            code = 0 if node[1] is None else int(to_num(self.eval(node[1])))  # type: ignore[arg-type]
            raise AwkExit(code & 255)
        elif kind == "return":
            raise _Return(None if node[1] is None else self.eval(node[1]))  # type: ignore[arg-type]
        elif kind == "delete":
            array = self.array(str(node[1]))
            if node[2] is None:
                array.clear()
            else:
                array.pop(self.subscript(node[2]), None)  # type: ignore[arg-type]

    def loop_body(self, body: Node) -> bool:
        """Run a loop body; True when it broke out."""
        try:
            self.execute(body)
        except _Break:
            return True
        except _Continue:
            pass
        return False

    def print_(self, node: Node) -> None:
        items: list[Node] = node[1]  # type: ignore[assignment]
        redirect: tuple[str, Node] | None = node[2]  # type: ignore[assignment]
        if node[0] == "print":
            if not items:
                text = self.record
            else:
                text = self.to_str(self.gv("OFS")).join(self.to_out(self.eval(e)) for e in items)
            text += self.to_str(self.gv("ORS"))
        else:
            if not items:
                raise AwkError("printf: no format")
            values = [self.eval(e) for e in items]
            text = self.sprintf(self.to_str(values[0]), values[1:])
        if redirect is None:
            self.write(None, "", text)
        else:
            op, target = redirect
            self.write(op, self.to_str(self.eval(target)), text)

    # -- expressions -------------------------------------------------------

    @staticmethod
    def truth(value: Value) -> bool:
        if value is None:
            return False
        if isinstance(value, float):
            return value != 0
        if isinstance(value, StrNum) and _LOOKS_NUMERIC.fullmatch(value):
            return to_num(value) != 0
        return value != ""

    def eval(self, node: Node) -> Value:
        kind = node[0]
        if kind == "num":
            return node[1]  # type: ignore[return-value]
        if kind == "str":
            return node[1]  # type: ignore[return-value]
        if kind == "group":
            return self.eval(node[1])  # type: ignore[arg-type]
        if kind == "var":
            return self.get_var(str(node[1]))
        if kind == "field":
            return StrNum(self.get_field(int(to_num(self.eval(node[1])))))  # type: ignore[arg-type]
        if kind == "index":
            array = self.array(str(node[1]))
            key = self.subscript(node[2])  # type: ignore[arg-type]
            if key not in array:
                array[key] = None
            return array[key]
        if kind == "regex":
            return 1.0 if self.regex(str(node[1])).search(self.bytes(self.record)) else 0.0
        if kind == "assign":
            return self.assign(node)
        if kind == "cond":
            branch = node[2] if self.truth(self.eval(node[1])) else node[3]  # type: ignore[arg-type]
            return self.eval(branch)  # type: ignore[arg-type]
        if kind == "or":
            return 1.0 if (self.truth(self.eval(node[1])) or  # type: ignore[arg-type]
                           self.truth(self.eval(node[2]))) else 0.0  # type: ignore[arg-type]
        if kind == "and":
            return 1.0 if (self.truth(self.eval(node[1])) and  # type: ignore[arg-type]
                           self.truth(self.eval(node[2]))) else 0.0  # type: ignore[arg-type]
        if kind == "in":
            key = self.subscript(node[1])  # type: ignore[arg-type]
            return 1.0 if key in self.array(str(node[2])) else 0.0
        if kind == "match":
            text = self.to_str(self.eval(node[2]))  # type: ignore[arg-type]
            found = self.regex_of(node[3]).search(self.bytes(text)) is not None  # type: ignore[arg-type]
            return 1.0 if found != node[1] else 0.0
        if kind == "cmp":
            return 1.0 if self.compare(str(node[1]), self.eval(node[2]),  # type: ignore[arg-type]
                                       self.eval(node[3])) else 0.0  # type: ignore[arg-type]
        if kind == "concat":
            return self.to_str(self.eval(node[1])) + self.to_str(self.eval(node[2]))  # type: ignore[arg-type]
        if kind == "binop":
            return self.arith(str(node[1]), to_num(self.eval(node[2])),  # type: ignore[arg-type]
                              to_num(self.eval(node[3])))  # type: ignore[arg-type]
        if kind == "unary":
            value = to_num(self.eval(node[2]))  # type: ignore[arg-type]
            return -value if node[1] == "-" else value
        if kind == "not":
            return 0.0 if self.truth(self.eval(node[1])) else 1.0  # type: ignore[arg-type]
        if kind in ("preinc", "postinc"):
            target = node[2]
            old = to_num(self.eval(target))  # type: ignore[arg-type]
            new = old + (1 if node[1] == "++" else -1)
            self.store(target, new)  # type: ignore[arg-type]
            return new if kind == "preinc" else old
        if kind == "builtin":
            from pagerdrill.tools.text.awkbuiltins import call_builtin

            return call_builtin(self, str(node[1]), node[2])  # type: ignore[arg-type]
        if kind == "call":
            return self.call(str(node[1]), node[2])  # type: ignore[arg-type]
        if kind == "getline":
            return self.getline(node)
        raise AwkError(f"unknown node {kind}")

    @staticmethod
    def bytes(text: str) -> bytes:
        return text.encode("latin-1", "replace")

    def assign(self, node: Node) -> Value:
        _, op, target, expr = node
        value = self.eval(expr)  # type: ignore[arg-type]
        if op != "=":
            value = self.arith(str(op)[:-1].replace("**", "^"),
                               to_num(self.eval(target)), to_num(value))  # type: ignore[arg-type]
        elif isinstance(value, StrNum):
            value = StrNum(value)
        self.store(target, value)  # type: ignore[arg-type]
        return value

    def store(self, target: Node, value: Value) -> None:
        kind = target[0]
        if kind == "var":
            self.set_var(str(target[1]), value)
        elif kind == "field":
            index = int(to_num(self.eval(target[1])))  # type: ignore[arg-type]
            self.set_field(index, self.to_str(value))
        else:
            self.array(str(target[1]))[self.subscript(target[2])] = value  # type: ignore[arg-type]

    def arith(self, op: str, a: float, b: float) -> float:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            if b == 0:
                raise AwkError("division by zero attempted")
            return a / b
        if op == "%":
            if b == 0:
                raise AwkError("division by zero attempted in `%'")
            return math.fmod(a, b)
        try:
            return float(a ** b)
        except (OverflowError, ZeroDivisionError):
            return math.inf

    def compare(self, op: str, a: Value, b: Value) -> bool:
        def numeric(v: Value) -> bool:
            return v is None or isinstance(v, float) or (
                isinstance(v, StrNum) and _LOOKS_NUMERIC.fullmatch(v) is not None)

        left: float | str
        right: float | str
        if numeric(a) and numeric(b):
            left, right = to_num(a), to_num(b)
        else:
            left, right = self.to_str(a), self.to_str(b)
        return {"<": left < right, "<=": left <= right, ">": left > right,  # type: ignore[operator]
                ">=": left >= right, "==": left == right, "!=": left != right}[op]  # type: ignore[operator]

    def call(self, name: str, args: list[Node]) -> Value:
        function = self.prog.functions.get(name)
        if function is None:
            raise AwkError(f"function `{name}' not defined")
        params, body = function
        if len(self.frames) >= _MAX_DEPTH:
            raise AwkError(f"function `{name}' called too deeply (pagerdrill limit)")
        frame: dict[str, Value | Array] = {}
        for index, param in enumerate(params):
            if index < len(args):
                arg = args[index]
                if arg[0] == "var" and isinstance(self.scope(str(arg[1])).get(str(arg[1])),
                                                  dict):
                    frame[param] = self.array(str(arg[1]))
                else:
                    frame[param] = self.eval(arg)
            else:
                frame[param] = None
        self.frames.append(frame)
        try:
            self.execute(body)
        except _Return as ret:
            return ret.value
        finally:
            self.frames.pop()
        return None

    def getline(self, node: Node) -> Value:
        _, target, source = node
        if source is None:
            text = self.next_record()
            if text is None:
                return 0.0
            self.globals["NR"] = to_num(self.gv("NR")) + 1
            self.globals["FNR"] = to_num(self.gv("FNR")) + 1
        else:
            path = self.to_str(self.eval(source))  # type: ignore[arg-type]
            lines = self.getline_files.get(path)
            if lines is None:
                try:
                    lines = _file_lines(self.read_file(path))
                except OSError:
                    return -1.0
                self.getline_files[path] = lines
            text = next(lines, None)
            if text is None:
                return 0.0
        if target is None:
            self.set_record(text)
        else:
            self.store(target, StrNum(text))  # type: ignore[arg-type]
        return 1.0

    def sprintf(self, fmt: str, values: list[Value]) -> str:
        out: list[str] = []
        pos = 0
        args = iter(values)

        def nxt() -> Value:
            return next(args, None)

        for match in _FORMAT.finditer(fmt):
            out.append(fmt[pos : match.start()])
            pos = match.end()
            flags, width, precision, conv = match.groups()
            if conv == "%":
                out.append("%")
                continue
            if width == "*":
                width = str(int(to_num(nxt())))
            if precision == "*":
                precision = str(int(to_num(nxt())))
            spec = "%" + flags + (width or "") + (("." + precision) if precision is not None
                                                   else "")
            value = nxt()
            if conv in "di":
                number = to_num(value)
                out.append((spec + "d") % (int(number) if math.isfinite(number) else 0))
            elif conv in "oxXu":
                number = int(to_num(value))
                out.append((spec + ("d" if conv == "u" else conv)) % number)
            elif conv == "c":
                char = (chr(int(to_num(value)) % 256) if isinstance(value, float)
                        else self.to_str(value)[:1])
                out.append((spec + "s") % char)
            elif conv == "s":
                out.append((spec + "s") % self.to_str(value))
            elif conv in "eEfFgG":
                out.append((spec + conv) % to_num(value))
            else:
                out.append(match.group())
        out.append(fmt[pos:])
        return "".join(out)


def _file_lines(chunks: Iterator[bytes]) -> Iterator[str]:
    rest = b""
    for chunk in chunks:
        rest += chunk
        *lines, rest = rest.split(b"\n")
        for line in lines:
            yield line.decode("latin-1")
    if rest:
        yield rest.decode("latin-1")
