"""Word expansion in bash's order: tilde, parameters, command substitution and
arithmetic, then word splitting on IFS, pathname expansion and quote removal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pagerdrill.shell.arith import evaluate
from pagerdrill.shell.ast import (
    Arith,
    CommandSub,
    DoubleQuoted,
    Escaped,
    Literal,
    Node,
    Param,
    SingleQuoted,
    Tilde,
    Word,
    WordPart,
)
from pagerdrill.shell.errors import AbortLine, BadSubstitution, ShellError
from pagerdrill.shell.pattern import PatternChar, glob_paths, has_glob, pattern_regex
from pagerdrill.shell.state import ShellState

__all__ = ["Expander", "Piece"]

DEFAULT_IFS = " \t\n"


@dataclass(frozen=True)
class Piece:
    """A run of expanded text: ``quoted`` text never splits or globs."""

    text: str
    quoted: bool
    split: bool = False  # the result of an unquoted expansion (IFS applies)
    field_break: bool = False  # "$@" separates fields here


_BREAK = Piece("", True, field_break=True)


def _is_quoted_at(part: DoubleQuoted) -> bool:
    return len(part.parts) == 1 and isinstance(part.parts[0], Param) and part.parts[0].name == "@"


class Expander:
    def __init__(self, state: ShellState, run_subst: Callable[[Node | None], str]) -> None:
        self.state = state
        self.run_subst = run_subst

    # -- public entry points -----------------------------------------------

    def words(self, words: Sequence[Word]) -> list[str]:
        out: list[str] = []
        for word in words:
            out.extend(self.fields(word))
        return out

    def fields(self, word: Word) -> list[str]:
        """Expand to zero or more fields (splitting and globbing)."""
        fields = self._split(self._parts(word.parts, False))
        out: list[str] = []
        for chars in fields:
            if has_glob(chars):
                host = self.state.host
                matches = glob_paths(chars, host.fs, self.state.cwd, host.cred_for(self.state.user))
                if matches:
                    out.extend(matches)
                    continue
            out.append("".join(c for c, _ in chars))
        return out

    def single(self, word: Word) -> str:
        """Expand without splitting or globbing (assignments, here-docs, ``case``)."""
        return "".join(p.text for p in self._parts(word.parts, False))

    def redirect_target(self, word: Word) -> str:
        fields = self.fields(word)
        if len(fields) != 1:
            raise ShellError(f"{word.text}: ambiguous redirect")
        return fields[0]

    def pattern(self, word: Word) -> list[PatternChar]:
        chars: list[PatternChar] = []
        for piece in self._parts(word.parts, False):
            chars.extend((c, piece.quoted) for c in piece.text)
        return chars

    # -- parts --------------------------------------------------------------

    def _parts(self, parts: Sequence[WordPart], quoted: bool) -> list[Piece]:
        out: list[Piece] = []
        for part in parts:
            if isinstance(part, Literal):
                out.append(Piece(part.text, quoted))
            elif isinstance(part, SingleQuoted | Escaped):
                out.append(Piece(part.text, True))
            elif isinstance(part, DoubleQuoted):
                inner = self._parts(part.parts, True)
                if not inner and _is_quoted_at(part):
                    continue  # "$@" with no positional parameters: no field at all
                out.extend(inner if inner else [Piece("", True)])
            elif isinstance(part, Tilde):
                out.append(Piece(self._tilde(part.user), True))
            elif isinstance(part, Param):
                out.extend(self._param(part, quoted))
            elif isinstance(part, CommandSub):
                out.append(Piece(self.run_subst(part.command), quoted, split=not quoted))
            elif isinstance(part, Arith):
                out.append(Piece(str(self.arith(part.expression)), quoted, split=not quoted))
        return out

    def arith(self, expression: str) -> int:
        # $x and $(cmd) inside the expression expand first, as bash does.
        from pagerdrill.shell.lexer import parse_heredoc_body
        from pagerdrill.shell.parser import _parse_substitution

        parts = parse_heredoc_body(expression, _parse_substitution)
        text = "".join(p.text for p in self._parts(parts, True))
        return evaluate(text, lambda name: self.state.vars.get(name, ""))

    def _tilde(self, user: str) -> str:
        if not user:
            return self.state.home
        account = self.state.host.users.get(user)
        return account.home if account is not None else "~" + user

    def _special(self, name: str) -> str | None:
        state = self.state
        if name == "?":
            return str(state.last_status)
        if name == "$":
            return str(state.pid)
        if name == "#":
            return str(len(state.positional))
        if name == "!":
            return "" if state.last_bg_pid is None else str(state.last_bg_pid)
        if name == "-":
            return "himBHs"
        if name == "0":
            return "-bash"
        if name.isdigit():
            index = int(name)
            return state.positional[index - 1] if index <= len(state.positional) else None
        if name in ("@", "*"):
            return " ".join(state.positional) if state.positional else None
        return state.vars.get(name)

    def _param(self, part: Param, quoted: bool) -> list[Piece]:
        if part.op == "bad":
            raise BadSubstitution(part.name)
        if part.name == "@" and quoted and part.op is None:
            # "$@": one field per positional parameter.
            pieces: list[Piece] = []
            for i, arg in enumerate(self.state.positional):
                if i:
                    pieces.append(_BREAK)
                pieces.append(Piece(arg, True))
            return pieces
        value = self._special(part.name)
        op = part.op
        if op is None:
            return [Piece(value or "", quoted, split=not quoted)]
        if op == "len":
            return [Piece(str(len(value or "")), quoted, split=not quoted)]
        null = value is None or (op.startswith(":") and value == "")
        if op in (":-", "-"):
            if null:
                return self._arg_pieces(part, quoted)
        elif op in (":=", "="):
            if null:
                text = "".join(p.text for p in self._arg_pieces(part, True))
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part.name):
                    raise ShellError(f"${part.name}: cannot assign in this way")
                self.state.set_var(part.name, text)
                value = text
        elif op in (":+", "+"):
            return [] if null else self._arg_pieces(part, quoted)
        elif op in (":?", "?"):
            if null:
                message = "".join(p.text for p in self._arg_pieces(part, True))
                raise AbortLine(f"{part.name}: {message or 'parameter null or not set'}")
        elif op in ("#", "##", "%", "%%"):
            value = self._trim(value or "", op, part.arg)
        return [Piece(value or "", quoted, split=not quoted)]

    def _arg_pieces(self, part: Param, quoted: bool) -> list[Piece]:
        if part.arg is None:
            return []
        return [
            Piece(
                p.text, p.quoted or quoted, split=p.split and not quoted, field_break=p.field_break
            )
            for p in self._parts(part.arg.parts, quoted)
        ]

    def _trim(self, value: str, op: str, arg: Word | None) -> str:
        chars = self.pattern(arg) if arg is not None else []
        regex = re.compile(pattern_regex(chars), re.DOTALL)
        lengths = range(len(value) + 1)
        if op in ("##", "%%"):
            lengths = range(len(value), -1, -1)
        for n in lengths:
            if op.startswith("#") and regex.fullmatch(value[:n]):
                return value[n:]
            if op.startswith("%") and regex.fullmatch(value[len(value) - n :]):
                return value[: len(value) - n]
        return value

    # -- splitting ------------------------------------------------------------

    def _split(self, pieces: list[Piece]) -> list[list[PatternChar]]:
        ifs = self.state.vars.get("IFS", DEFAULT_IFS)
        ifs_white = "".join(c for c in ifs if c in " \t\n")
        fields: list[list[PatternChar]] = []
        current: list[PatternChar] = []
        exists = False
        for piece in pieces:
            if piece.field_break:
                fields.append(current)
                current, exists = [], False
                continue
            if not piece.split or not ifs:
                current.extend((c, piece.quoted) for c in piece.text)
                exists = exists or piece.quoted or bool(piece.text)
                continue
            for c in piece.text:
                if c in ifs_white:
                    if exists:
                        fields.append(current)
                        current, exists = [], False
                elif c in ifs:
                    fields.append(current)
                    current, exists = [], False
                else:
                    current.append((c, False))
                    exists = True
        if exists:
            fields.append(current)
        return fields
