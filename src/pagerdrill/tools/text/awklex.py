"""Tokens of the awk language (POSIX awk, as one-liners use it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["AwkSyntaxError", "Token", "tokenize"]

KEYWORDS = {"BEGIN", "END", "function", "func", "if", "else", "while", "for", "do", "break",
            "continue", "next", "nextfile", "exit", "return", "delete", "in", "getline",
            "print", "printf"}
BUILTINS = {"length", "substr", "index", "split", "sprintf", "tolower", "toupper", "gsub",
            "sub", "match", "int", "sqrt", "exp", "log", "sin", "cos", "atan2", "rand",
            "srand", "system", "close", "fflush"}
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_OPS = ["+=", "-=", "*=", "/=", "%=", "^=", "**=", "==", "<=", ">=", "!=", "++", "--", "&&",
        "||", ">>", "!~", "**", "{", "}", "(", ")", "[", "]", ";", ",", "+", "-", "*", "/",
        "%", "^", "!", ">", "<", "|", "?", ":", "~", "$", "="]
_STRING_ESC = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "/": "/", "a": "\a",
               "b": "\b", "f": "\f", "v": "\v"}
# After these a '/' divides; elsewhere it starts a regex.
_OPERAND_END = {"NAME", "NUMBER", "STRING", "FUNC_NAME", "BUILTIN", ")", "]", "$", "++", "--",
                "ERE"}


class AwkSyntaxError(ValueError):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line, self.column = line, column


@dataclass
class Token:
    kind: str  # NAME, NUMBER, STRING, ERE, FUNC_NAME, BUILTIN, NEWLINE, EOF, keyword, operator
    value: str
    line: int
    column: int


def _string(src: str, i: int, line: int) -> tuple[str, int]:
    out: list[str] = []
    while True:
        if i >= len(src) or src[i] == "\n":
            raise AwkSyntaxError("unterminated string", line, i)
        char = src[i]
        if char == '"':
            return "".join(out), i + 1
        if char == "\\" and i + 1 < len(src):
            nxt = src[i + 1]
            octal = re.match(r"[0-7]{1,3}", src[i + 1 : i + 4])
            if octal:
                out.append(chr(int(octal.group(), 8)))
                i += 1 + len(octal.group())
                continue
            if nxt == "\n":
                i += 2
                continue
            out.append(_STRING_ESC.get(nxt, nxt))
            i += 2
            continue
        out.append(char)
        i += 1


def _regex(src: str, i: int, line: int) -> tuple[str, int]:
    out: list[str] = []
    in_bracket = False
    while True:
        if i >= len(src) or src[i] == "\n":
            raise AwkSyntaxError("unterminated regexp", line, i)
        char = src[i]
        if char == "\\" and i + 1 < len(src):
            nxt = src[i + 1]
            if nxt == "/":
                out.append("/")
            elif nxt in "ntrfvab":
                out.append(_STRING_ESC[nxt] if nxt not in "b" else "\\b")
            else:
                out.append(char + nxt)
            i += 2
            continue
        if char == "[" and not in_bracket:
            in_bracket = True
            out.append(char)
            i += 1
            if i < len(src) and src[i] == "^":
                out.append("^")
                i += 1
            if i < len(src) and src[i] == "]":
                out.append("]")
                i += 1
            continue
        if char == "]" and in_bracket:
            in_bracket = False
        elif char == "/" and not in_bracket:
            return "".join(out), i + 1
        out.append(char)
        i += 1


def tokenize(src: str) -> list[Token]:
    tokens: list[Token] = []
    i, line, line_start = 0, 1, 0
    while i < len(src):
        char = src[i]
        col = i - line_start
        if char in " \t\r":
            i += 1
            continue
        if char == "\\" and src[i + 1 : i + 2] == "\n":
            i += 2
            line += 1
            line_start = i
            continue
        if char == "#":
            while i < len(src) and src[i] != "\n":
                i += 1
            continue
        if char == "\n":
            tokens.append(Token("NEWLINE", "\n", line, col))
            i += 1
            line += 1
            line_start = i
            continue
        if char == '"':
            text, i = _string(src, i + 1, line)
            tokens.append(Token("STRING", text, line, col))
            continue
        if char == "/" and (not tokens or tokens[-1].kind not in _OPERAND_END):
            text, i = _regex(src, i + 1, line)
            tokens.append(Token("ERE", text, line, col))
            continue
        match = _NUMBER.match(src, i)
        if match and (char.isdigit() or char == "."):
            tokens.append(Token("NUMBER", match.group(), line, col))
            i = match.end()
            continue
        match = _NAME.match(src, i)
        if match:
            word = match.group()
            i = match.end()
            if word in KEYWORDS:
                tokens.append(Token("func" if word == "func" else word, word, line, col))
                if word == "func":
                    tokens[-1].kind = "function"
            elif word in BUILTINS:
                tokens.append(Token("BUILTIN", word, line, col))
            elif i < len(src) and src[i] == "(":
                tokens.append(Token("FUNC_NAME", word, line, col))
            else:
                tokens.append(Token("NAME", word, line, col))
            continue
        for op in _OPS:
            if src.startswith(op, i):
                tokens.append(Token(op, op, line, col))
                i += len(op)
                break
        else:
            raise AwkSyntaxError(f"invalid char '{char}' in expression", line, col)
    tokens.append(Token("EOF", "", line, len(src) - line_start))
    return tokens
