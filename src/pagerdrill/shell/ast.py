"""The typed syntax tree of a command line.

Every node is a frozen dataclass carrying ``span``: the (start, end) offsets of
the source text it was parsed from, so the game can point at exactly what the
player typed (a hint, an error caret, a transcript highlight).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "AndOr",
    "Arith",
    "Assignment",
    "Background",
    "Command",
    "CommandSub",
    "DoubleQuoted",
    "Escaped",
    "For",
    "FunctionDef",
    "Group",
    "HereDoc",
    "If",
    "Literal",
    "Node",
    "Param",
    "Pipeline",
    "Redirect",
    "Sequence",
    "SimpleCommand",
    "SingleQuoted",
    "Span",
    "Subshell",
    "Tilde",
    "While",
    "Word",
    "WordPart",
]

Span = tuple[int, int]
NO_SPAN: Span = (0, 0)


# -- word parts ---------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    """Unquoted text; glob characters in it are live."""

    text: str
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class SingleQuoted:
    text: str
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class Escaped:
    """A backslash-escaped character outside quotes (``\\*`` is a plain star)."""

    text: str
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class DoubleQuoted:
    """``"..."``: parameters and substitutions expand, nothing splits or globs."""

    parts: tuple[WordPart, ...]
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class Tilde:
    """``~`` or ``~user`` at the start of a word."""

    user: str
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class Param:
    """``$NAME``, ``${NAME}``, ``${NAME:-word}``, ``${#NAME}``, ``$?``...

    ``op`` is the operator between name and argument (``:-``, ``-``, ``:=``,
    ``:+``, ``:?``, ``#``, ``##``, ``%``, ``%%``) or ``len`` for ``${#NAME}``.
    """

    name: str
    op: str | None = None
    arg: Word | None = None
    braced: bool = False
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class CommandSub:
    """``$(...)`` or a backquoted command; ``source`` is the text inside."""

    command: Node | None
    source: str
    backquoted: bool = False
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class Arith:
    """``$((expression))``."""

    expression: str
    span: Span = field(default=NO_SPAN)


WordPart = Literal | SingleQuoted | Escaped | DoubleQuoted | Tilde | Param | CommandSub | Arith


@dataclass(frozen=True)
class Word:
    parts: tuple[WordPart, ...]
    text: str = ""  # the source text, quotes included
    span: Span = field(default=NO_SPAN)


# -- commands -----------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    """``NAME=value`` (or ``NAME+=value``) before a command or on its own."""

    name: str
    value: Word
    append: bool = False
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class HereDoc:
    """A here-document body; unquoted delimiters let ``$`` expansions through."""

    delimiter: str
    body: Word
    quoted: bool = False
    strip_tabs: bool = False
    terminated: bool = True


@dataclass(frozen=True)
class Redirect:
    """``[fd]op target``; ``op`` is one of ``> >> < <> >| >& <& &> &>> << <<- <<<``.

    For ``2>&1`` the target word is ``1``; for here-documents ``heredoc`` holds
    the body and ``target`` the delimiter word.
    """

    op: str
    target: Word
    fd: int | None = None
    heredoc: HereDoc | None = None
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class SimpleCommand:
    words: tuple[Word, ...]
    assignments: tuple[Assignment, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class Pipeline:
    commands: tuple[Command, ...]
    negated: bool = False
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class AndOr:
    """``a && b || c``: ``ops[i]`` joins ``parts[i]`` and ``parts[i + 1]``."""

    parts: tuple[Node, ...]
    ops: tuple[str, ...]
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class Background:
    """A command followed by ``&``."""

    command: Node
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class Sequence:
    """Commands separated by ``;``, ``&`` or newlines."""

    items: tuple[Node, ...]
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class Subshell:
    body: Node
    redirects: tuple[Redirect, ...] = ()
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class Group:
    body: Node
    redirects: tuple[Redirect, ...] = ()
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class FunctionDef:
    name: str
    body: Command
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class If:
    """``if c1; then b1; elif c2; then b2; else b3; fi``: ``clauses`` = ((c1, b1), (c2, b2))."""

    clauses: tuple[tuple[Node, Node], ...]
    orelse: Node | None = None
    redirects: tuple[Redirect, ...] = ()
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class For:
    """``for var in words; do body; done``; ``words`` None means ``"$@"``."""

    var: str
    words: tuple[Word, ...] | None
    body: Node
    redirects: tuple[Redirect, ...] = ()
    span: Span = field(default=NO_SPAN)


@dataclass(frozen=True)
class While:
    """``while``/``until`` loops (``until`` flips the condition)."""

    condition: Node
    body: Node
    until: bool = False
    redirects: tuple[Redirect, ...] = ()
    span: Span = field(default=NO_SPAN)


Command = SimpleCommand | Subshell | Group | FunctionDef | If | For | While
Node = Command | Pipeline | AndOr | Background | Sequence
