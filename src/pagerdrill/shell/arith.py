"""``$(( ))`` integer arithmetic with bash's operators and 64-bit wraparound."""

from __future__ import annotations

import re
from collections.abc import Callable

from pagerdrill.shell.errors import AbortLine

__all__ = ["evaluate"]

_TOKEN = re.compile(
    r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)|([A-Za-z_][A-Za-z0-9_]*)"
    r"|(\*\*|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%()<>!~&|^?:]))"
)
_BINARY: dict[str, tuple[int, Callable[[int, int], int]]] = {
    "||": (1, lambda a, b: int(bool(a) or bool(b))),
    "&&": (2, lambda a, b: int(bool(a) and bool(b))),
    "|": (3, lambda a, b: a | b),
    "^": (4, lambda a, b: a ^ b),
    "&": (5, lambda a, b: a & b),
    "==": (6, lambda a, b: int(a == b)),
    "!=": (6, lambda a, b: int(a != b)),
    "<": (7, lambda a, b: int(a < b)),
    ">": (7, lambda a, b: int(a > b)),
    "<=": (7, lambda a, b: int(a <= b)),
    ">=": (7, lambda a, b: int(a >= b)),
    "<<": (8, lambda a, b: a << b),
    ">>": (8, lambda a, b: a >> b),
    "+": (9, lambda a, b: a + b),
    "-": (9, lambda a, b: a - b),
    "*": (10, lambda a, b: a * b),
    "/": (10, lambda a, b: _cdiv(a, b)),
    "%": (10, lambda a, b: a - b * _cdiv(a, b)),
    "**": (11, lambda a, b: a**b),
}


def _cdiv(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _wrap(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


class _Parser:
    def __init__(self, text: str, lookup: Callable[[str], str]) -> None:
        self.text = text
        self.lookup = lookup
        self.tokens: list[str] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if m is None:
                raise ValueError(text[pos:].strip())
            self.tokens.append(m.group(1) or m.group(2) or m.group(3))
            pos = m.end()
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise ValueError("")
        self.i += 1
        return tok

    def expr(self) -> int:
        cond = self.binary(1)
        if self.peek() == "?":
            self.take()
            yes = self.expr()
            if self.take() != ":":
                raise ValueError(":")
            no = self.expr()
            return yes if cond else no
        return cond

    def binary(self, min_prec: int) -> int:
        left = self.unary()
        while True:
            op = self.peek()
            if op not in _BINARY or _BINARY[op][0] < min_prec:
                return left
            prec, fn = _BINARY[op]
            self.take()
            right = self.binary(prec if op == "**" else prec + 1)
            left = _wrap(fn(left, right))

    def unary(self) -> int:
        tok = self.take()
        if tok == "-":
            return _wrap(-self.unary())
        if tok == "+":
            return self.unary()
        if tok == "!":
            return int(not self.unary())
        if tok == "~":
            return ~self.unary()
        if tok == "(":
            value = self.expr()
            if self.take() != ")":
                raise ValueError(")")
            return value
        if tok[0].isdigit():
            return _wrap(
                int(tok, 16)
                if tok[:2].lower() == "0x"
                else int(tok, 8 if tok[0] == "0" and len(tok) > 1 else 10)
            )
        if tok[0].isalpha() or tok[0] == "_":
            raw = self.lookup(tok).strip()
            return evaluate(raw, self.lookup) if raw else 0
        raise ValueError(tok)


def evaluate(text: str, lookup: Callable[[str], str]) -> int:
    """Evaluate an arithmetic expression; raises AbortLine with bash's wording."""
    expr = text.strip()
    if not expr:
        return 0
    try:
        parser = _Parser(text, lookup)
        value = parser.expr()
        if parser.peek() is not None:
            rest = " ".join(parser.tokens[parser.i :])
            raise AbortLine(f'{expr}: syntax error in expression (error token is "{rest}")')
        return value
    except ZeroDivisionError:
        token = expr.split("/")[-1].strip()
        raise AbortLine(f'{expr}: division by 0 (error token is "{token}")') from None
    except ValueError as error:
        token = str(error)
        if token:
            message = f'syntax error: invalid arithmetic operator (error token is "{token}")'
        else:
            message = f'syntax error: operand expected (error token is "{expr}")'
        raise AbortLine(f"{expr}: {message}") from None
