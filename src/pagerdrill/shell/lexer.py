"""Turns command-line text into tokens whose words are already split into parts.

The lexer is pulled one token at a time by the parser, because bash's grammar
is context sensitive: a here-document body is read only once the parser has
seen ``<<DELIM``, and ``$(...)`` recurses into the parser itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from pagerdrill.shell.ast import (
    Arith,
    CommandSub,
    DoubleQuoted,
    Escaped,
    HereDoc,
    Literal,
    Node,
    Param,
    SingleQuoted,
    Tilde,
    Word,
    WordPart,
)
from pagerdrill.shell.errors import eof_in_construct

__all__ = ["Lexer", "SubParser", "Token", "TokenKind", "parse_heredoc_body", "word_value"]

OPERATORS = (
    "&>>", "<<<", "<<-", "&&", "||", ";;", "<<", ">>", "<&", ">&", "<>", ">|", "&>", "|&",
    "|", "&", ";", "(", ")", "<", ">",
)  # fmt: skip
METACHARS = frozenset(" \t\n|&;()<>")
SPECIAL_PARAMS = frozenset("?$#@*!-0123456789")
PARAM_OPS = (":-", ":=", ":+", ":?", "##", "%%", "-", "=", "+", "?", "#", "%")

# Parses a command list starting at an offset of the same source, up to a closing
# ``)``; returns the tree and the offset just past the ``)``.
SubParser = Callable[[str, int], tuple[Node | None, int]]


class TokenKind(Enum):
    WORD = "word"
    OP = "op"
    IO_NUMBER = "io_number"
    NEWLINE = "newline"
    EOF = "eof"


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    value: str
    start: int
    end: int
    word: Word | None = None


def is_name(text: str) -> bool:
    return (
        bool(text)
        and (text[0].isalpha() or text[0] == "_")
        and all(c.isalnum() or c == "_" for c in text)
        and text.isascii()
    )


def word_value(word: Word) -> str | None:
    """The text of a word made only of literal parts, else None."""
    out = []
    for part in word.parts:
        if not isinstance(part, Literal):
            return None
        out.append(part.text)
    return "".join(out)


class _Scanner:
    """Character-level reading of word parts in one quoting mode."""

    def __init__(self, source: str, sub_parser: SubParser) -> None:
        self.src = source
        self.sub_parser = sub_parser
        self.trailing_backslash = False  # a line ending in ``\`` continues

    def peek(self, pos: int, text: str) -> bool:
        return self.src.startswith(text, pos)

    def parts(self, pos: int, mode: str) -> tuple[list[WordPart], int]:
        """Read parts from ``pos`` until the mode's terminator.

        Modes: ``word`` (stops at blanks and metacharacters), ``brace`` (inside
        ``${...}``, stops at ``}``), ``dquote`` (stops at ``"``), ``heredoc``
        (runs to the end of the text; only ``$``, backquote and ``\\`` are live).
        """
        src = self.src
        parts: list[WordPart] = []
        lit: list[str] = []
        lit_start = pos

        def flush(end: int) -> None:
            if lit:
                parts.append(Literal("".join(lit), (lit_start, end)))
                lit.clear()

        while pos < len(src):
            c = src[pos]
            if mode == "word" and c in METACHARS:
                break
            if mode == "brace" and c == "}":
                break
            if mode == "dquote" and c == '"':
                break
            if c == "\\":
                nxt = src[pos + 1] if pos + 1 < len(src) else ""
                if nxt == "\n":
                    pos += 2
                    continue
                if (mode in ("dquote", "heredoc") and nxt not in '$`"\\') or (
                    mode == "heredoc" and nxt == '"'
                ):
                    if not lit:
                        lit_start = pos
                    lit.append(c)
                    pos += 1
                    continue
                if not nxt:
                    self.trailing_backslash = mode == "word"
                    if not lit:
                        lit_start = pos
                    lit.append(c)
                    pos += 1
                    continue
                flush(pos)
                if mode in ("dquote", "heredoc"):
                    parts.append(Literal(nxt, (pos, pos + 2)))
                else:
                    parts.append(Escaped(nxt, (pos, pos + 2)))
                pos += 2
                lit_start = pos
                continue
            part: WordPart | None = None
            end = pos
            if c == "'" and mode in ("word", "brace"):
                close = src.find("'", pos + 1)
                if close < 0:
                    raise eof_in_construct("'")
                part, end = SingleQuoted(src[pos + 1 : close], (pos, close + 1)), close + 1
            elif c == '"' and mode in ("word", "brace"):
                inner, close = self.parts(pos + 1, "dquote")
                if close >= len(src):
                    raise eof_in_construct('"')
                part, end = DoubleQuoted(tuple(inner), (pos, close + 1)), close + 1
            elif c == "$":
                part, end = self.dollar(pos, mode)
            elif c == "`":
                part, end = self.backquote(pos)
            elif c == "~" and mode == "word" and pos == lit_start and not parts and not lit:
                part, end = self.tilde(pos)
            if part is None:
                if not lit:
                    lit_start = pos
                lit.append(c)
                pos += 1
                continue
            flush(pos)
            parts.append(part)
            pos = end
            lit_start = pos
        flush(pos)
        return parts, pos

    def tilde(self, pos: int) -> tuple[WordPart | None, int]:
        end = pos + 1
        while end < len(self.src) and self.src[end] not in METACHARS and self.src[end] != "/":
            if not (self.src[end].isalnum() or self.src[end] in "._-+"):
                return None, pos
            end += 1
        return Tilde(self.src[pos + 1 : end], (pos, end)), end

    def dollar(self, pos: int, mode: str) -> tuple[WordPart | None, int]:
        src = self.src
        nxt = src[pos + 1] if pos + 1 < len(src) else ""
        if self.peek(pos, "$(("):
            close = self._arith_end(pos + 3)
            if close is not None:
                return Arith(src[pos + 3 : close], (pos, close + 2)), close + 2
        if nxt == "(":
            node, end = self.sub_parser(src, pos + 2)
            return CommandSub(node, src[pos + 2 : end - 1], False, (pos, end)), end
        if nxt == "{":
            return self.braced(pos)
        if nxt == "'" and mode in ("word", "brace"):
            return self.ansi_c(pos)
        if nxt == '"' and mode in ("word", "brace"):
            inner, close = self.parts(pos + 2, "dquote")
            if close >= len(src):
                raise eof_in_construct('"')
            return DoubleQuoted(tuple(inner), (pos, close + 1)), close + 1
        if nxt and nxt in SPECIAL_PARAMS:
            return Param(nxt, span=(pos, pos + 2)), pos + 2
        if nxt and (nxt.isalpha() or nxt == "_") and nxt.isascii():
            end = pos + 1
            while end < len(src) and (src[end].isalnum() or src[end] == "_") and src[end].isascii():
                end += 1
            return Param(src[pos + 1 : end], span=(pos, end)), end
        return None, pos

    def _arith_end(self, pos: int) -> int | None:
        """Offset of the ``))`` closing ``$((``; None if it is really ``$( (...) )``."""
        depth = 0
        src = self.src
        while pos < len(src):
            c = src[pos]
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    return pos if self.peek(pos, "))") else None
                depth -= 1
            pos += 1
        raise eof_in_construct(")")

    def braced(self, pos: int) -> tuple[WordPart, int]:
        src = self.src
        start = pos + 2
        if start >= len(src):
            raise eof_in_construct("}")
        if src[start] == "#" and start + 1 < len(src) and src[start + 1] != "}":
            end = self._name_end(start + 1)
            if end < len(src) and src[end] == "}" and end > start + 1:
                return Param(src[start + 1 : end], "len", None, True, (pos, end + 1)), end + 1
        end = self._name_end(start)
        name = src[start:end]
        if end >= len(src):
            raise eof_in_construct("}")
        if src[end] == "}" and name:
            return Param(name, None, None, True, (pos, end + 1)), end + 1
        op = next((o for o in PARAM_OPS if self.peek(end, o)), None)
        if name and op is not None:
            arg_parts, close = self.parts(end + len(op), "brace")
            if close >= len(src):
                raise eof_in_construct("}")
            arg = Word(tuple(arg_parts), src[end + len(op) : close], (end + len(op), close))
            return Param(name, op, arg, True, (pos, close + 1)), close + 1
        close = src.find("}", start)
        if close < 0:
            raise eof_in_construct("}")
        # Reported when expanded, as bash does: ``bash: ${x!}: bad substitution``.
        return Param(src[pos : close + 1], "bad", None, True, (pos, close + 1)), close + 1

    def _name_end(self, pos: int) -> int:
        src = self.src
        if pos < len(src) and src[pos] in SPECIAL_PARAMS and not src[pos].isdigit():
            return pos + 1
        end = pos
        while end < len(src) and (src[end].isalnum() or src[end] == "_") and src[end].isascii():
            end += 1
        return end

    def ansi_c(self, pos: int) -> tuple[WordPart, int]:
        src = self.src
        i = pos + 2
        out: list[str] = []
        simple = {
            "n": "\n",
            "t": "\t",
            "r": "\r",
            "a": "\a",
            "b": "\b",
            "e": "\x1b",
            "E": "\x1b",
            "f": "\f",
            "v": "\v",
            "\\": "\\",
            "'": "'",
            '"': '"',
            "?": "?",
        }
        while i < len(src) and src[i] != "'":
            c = src[i]
            if c == "\\" and i + 1 < len(src):
                n = src[i + 1]
                if n in simple:
                    out.append(simple[n])
                    i += 2
                    continue
                if n == "x":
                    digits = ""
                    j = i + 2
                    while j < len(src) and len(digits) < 2 and src[j] in "0123456789abcdefABCDEF":
                        digits += src[j]
                        j += 1
                    if digits:
                        out.append(chr(int(digits, 16)))
                        i = j
                        continue
                if n in "01234567":
                    digits = ""
                    j = i + 1
                    while j < len(src) and len(digits) < 3 and src[j] in "01234567":
                        digits += src[j]
                        j += 1
                    out.append(chr(int(digits, 8) & 0xFF))
                    i = j
                    continue
            out.append(c)
            i += 1
        if i >= len(src):
            raise eof_in_construct("'")
        return SingleQuoted("".join(out), (pos, i + 1)), i + 1

    def backquote(self, pos: int) -> tuple[WordPart, int]:
        src = self.src
        i = pos + 1
        inner: list[str] = []
        while i < len(src) and src[i] != "`":
            if src[i] == "\\" and i + 1 < len(src) and src[i + 1] in "$`\\":
                inner.append(src[i + 1])
                i += 2
                continue
            inner.append(src[i])
            i += 1
        if i >= len(src):
            raise eof_in_construct("`")
        text = "".join(inner)
        node, _ = self.sub_parser(text + ")", 0)
        return CommandSub(node, text, True, (pos, i + 1)), i + 1


def parse_heredoc_body(text: str, sub_parser: SubParser) -> tuple[WordPart, ...]:
    """The parts of an unquoted here-document body (``$x`` and ``$(...)`` expand)."""
    parts, _ = _Scanner(text, sub_parser).parts(0, "heredoc")
    return tuple(parts)


class Lexer:
    def __init__(self, source: str, sub_parser: SubParser, pos: int = 0) -> None:
        self.src = source
        self.pos = pos
        self.scanner = _Scanner(source, sub_parser)
        self.sub_parser = sub_parser
        # newline offset -> where reading resumes after the here-document bodies
        self._heredoc_resume: dict[int, int] = {}
        self.unterminated_heredoc = False

    def _skip_blanks(self) -> None:
        src = self.src
        while self.pos < len(src):
            c = src[self.pos]
            if c in " \t":
                self.pos += 1
            elif src.startswith("\\\n", self.pos):
                self.pos += 2
            elif c == "#":
                end = src.find("\n", self.pos)
                self.pos = len(src) if end < 0 else end
            else:
                return

    def next(self) -> Token:
        self._skip_blanks()
        src = self.src
        start = self.pos
        if start >= len(src):
            return Token(TokenKind.EOF, "", start, start)
        c = src[start]
        if c == "\n":
            self.pos = self._heredoc_resume.pop(start, start + 1)
            return Token(TokenKind.NEWLINE, "\n", start, start + 1)
        for op in OPERATORS:
            if src.startswith(op, start):
                self.pos = start + len(op)
                return Token(TokenKind.OP, op, start, self.pos)
        parts, end = self.scanner.parts(start, "word")
        self.pos = end
        text = src[start:end]
        if text.isdigit() and end < len(src) and src[end] in "<>":
            return Token(TokenKind.IO_NUMBER, text, start, end)
        return Token(TokenKind.WORD, text, start, end, Word(tuple(parts), text, (start, end)))

    def _next_newline(self) -> int:
        """The offset of the newline ending the current line (quotes respected)."""
        src = self.src
        i = self.pos
        quote = ""
        while i < len(src):
            c = src[i]
            if c == "\\" and quote != "'":
                i += 2
                continue
            if quote:
                if c == quote:
                    quote = ""
            elif c in "'\"":
                quote = c
            elif c == "\n":
                return i
            i += 1
        return len(src)

    def read_heredoc(self, delimiter: Word, strip_tabs: bool) -> HereDoc:
        """Read the body of ``<<DELIM`` that starts after the current line."""
        quoted = any(not isinstance(p, Literal) for p in delimiter.parts)
        delim = "".join(_unquoted_text(p) for p in delimiter.parts)
        newline = self._next_newline()
        start = self._heredoc_resume.get(newline, newline + 1)
        lines: list[str] = []
        pos = start
        terminated = False
        while pos < len(self.src):
            end = self.src.find("\n", pos)
            line_end = len(self.src) if end < 0 else end
            line = self.src[pos:line_end]
            pos = line_end + 1
            if strip_tabs:
                line = line.lstrip("\t")
            if line == delim:
                terminated = True
                break
            lines.append(line + "\n")
        pos = min(pos, len(self.src))
        if newline < len(self.src):
            self._heredoc_resume[newline] = pos
        if not terminated:
            self.unterminated_heredoc = True
        text = "".join(lines)
        if quoted:
            body = Word((SingleQuoted(text),), text)
        else:
            body = Word(parse_heredoc_body(text, self.sub_parser), text)
        return HereDoc(delim, body, quoted, strip_tabs, terminated)


def _unquoted_text(part: WordPart) -> str:
    if isinstance(part, Literal | SingleQuoted | Escaped):
        return part.text
    if isinstance(part, DoubleQuoted):
        return "".join(_unquoted_text(p) for p in part.parts)
    if isinstance(part, Tilde):
        return "~" + part.user
    if isinstance(part, Param):
        return "$" + part.name
    return ""
