"""Recursive-descent parser for the bash subset players type at a prompt.

Grammar (POSIX shell, simplified)::

    program   := linebreak [list] EOF
    list      := and_or ((';' | '&' | newline) and_or)* [';' | '&']
    and_or    := pipeline (('&&' | '||') linebreak pipeline)*
    pipeline  := ['!'] command (('|' | '|&') linebreak command)*
    command   := simple | compound redirect* | name '(' ')' compound
    compound  := '(' list ')' | '{' list '}' | if | for | while | until
"""

from __future__ import annotations

import dataclasses
from typing import Any

from pagerdrill.shell.ast import (
    AndOr,
    Assignment,
    Background,
    Command,
    For,
    FunctionDef,
    Group,
    If,
    Literal,
    Node,
    Pipeline,
    Redirect,
    Sequence,
    SimpleCommand,
    Span,
    Subshell,
    While,
    Word,
)
from pagerdrill.shell.errors import ParseError, eof_in_construct, near_token, unexpected_eof
from pagerdrill.shell.lexer import Lexer, Token, TokenKind, is_name, word_value

__all__ = ["is_incomplete", "parse"]

RESERVED = frozenset(
    {
        "if",
        "then",
        "elif",
        "else",
        "fi",
        "for",
        "while",
        "until",
        "do",
        "done",
        "{",
        "}",
        "!",
        "in",
        "case",
        "esac",
        "function",
    }
)
# Words that end a list inside a compound command.
CLOSERS = frozenset({"then", "elif", "else", "fi", "do", "done", "}", "esac"})
REDIRECT_OPS = frozenset({"<", ">", ">>", "<>", ">|", "<&", ">&", "&>", "&>>", "<<", "<<-", "<<<"})


class Parser:
    def __init__(self, source: str, pos: int = 0) -> None:
        self.src = source
        self.lexer = Lexer(source, _parse_substitution, pos)
        self._peeked: Token | None = None
        self.last_end = pos

    # -- token plumbing ---------------------------------------------------

    def peek(self) -> Token:
        if self._peeked is None:
            self._peeked = self.lexer.next()
        return self._peeked

    def take(self) -> Token:
        tok = self.peek()
        self._peeked = None
        self.last_end = tok.end
        return tok

    def reserved(self, tok: Token | None = None) -> str | None:
        """The reserved word ``tok`` spells in command position, if any."""
        tok = tok or self.peek()
        if tok.kind is not TokenKind.WORD or tok.word is None:
            return None
        value = word_value(tok.word)
        return value if value in RESERVED else None

    def is_op(self, *ops: str) -> bool:
        tok = self.peek()
        return tok.kind is TokenKind.OP and tok.value in ops

    def fail(self, tok: Token | None = None) -> ParseError:
        tok = tok or self.peek()
        if tok.kind is TokenKind.EOF:
            return unexpected_eof()
        return near_token("newline" if tok.kind is TokenKind.NEWLINE else tok.value)

    def expect_word(self, word: str) -> Token:
        if self.reserved() != word:
            raise self.fail()
        return self.take()

    def linebreak(self) -> None:
        while self.peek().kind is TokenKind.NEWLINE:
            self.take()

    # -- grammar ----------------------------------------------------------

    def program(self) -> Node | None:
        self.linebreak()
        if self.peek().kind is TokenKind.EOF:
            return None
        node = self.list(top=True)
        if self.peek().kind is not TokenKind.EOF:
            raise self.fail()
        return node

    def list(self, top: bool = False) -> Node:
        """A list of and-or commands; stops before a closer, ``)`` or EOF."""
        start = self.peek().start
        items: list[Node] = []
        while True:
            tok = self.peek()
            if tok.kind is TokenKind.EOF or self.is_op(")") or self.reserved() in CLOSERS:
                if not items:
                    raise self.fail()
                break
            item = self.and_or()
            if self.is_op("&"):
                self.take()
                item = Background(item, (_span(item)[0], self.last_end))
            elif self.is_op(";"):
                self.take()
            elif self.peek().kind is TokenKind.NEWLINE:
                self.linebreak()
                items.append(item)
                continue
            else:
                items.append(item)
                break
            items.append(item)
            # After ';' or '&' only a newline, a closer or a new command may follow.
            if self.peek().kind is TokenKind.NEWLINE:
                self.linebreak()
            elif self.is_op(";", "&", ";;", "|", "||", "&&", "|&"):
                raise self.fail()
        if len(items) == 1:
            return items[0]
        return Sequence(tuple(items), (start, self.last_end))

    def and_or(self) -> Node:
        first = self.pipeline()
        parts: list[Node] = [first]
        ops: list[str] = []
        while self.is_op("&&", "||"):
            ops.append(self.take().value)
            self.linebreak()
            parts.append(self.pipeline())
        if not ops:
            return first
        return AndOr(tuple(parts), tuple(ops), (_span(first)[0], self.last_end))

    def pipeline(self) -> Node:
        start = self.peek().start
        negated = False
        while self.reserved() == "!":
            self.take()
            negated = not negated
        if negated and self._at_command_end():
            empty = SimpleCommand((), span=(start, self.last_end))
            return Pipeline((empty,), True, (start, self.last_end))
        commands = [self.command()]
        while self.is_op("|", "|&"):
            if self.take().value == "|&":
                commands[-1] = _add_redirect(commands[-1], _stderr_to_stdout(self.last_end))
            self.linebreak()
            commands.append(self.command())
        if len(commands) == 1 and not negated:
            return commands[0]
        return Pipeline(tuple(commands), negated, (start, self.last_end))

    def _at_command_end(self) -> bool:
        tok = self.peek()
        return tok.kind in (TokenKind.EOF, TokenKind.NEWLINE) or self.is_op(";", "&", ")")

    def command(self) -> Command:
        tok = self.peek()
        word = self.reserved()
        if word is not None:
            compound = self.compound(word)
            if compound is not None:
                return compound
            if word != "function":
                raise self.fail()
            return self.function_keyword()
        if self.is_op("("):
            self.take()
            body = self.list_in(")")
            if not self.is_op(")"):
                raise self.fail()
            self.take()
            return self.with_redirects(Subshell(body, (), (tok.start, self.last_end)))
        return self.simple_command()

    def compound(self, word: str) -> Command | None:
        start = self.peek().start
        if word == "{":
            self.take()
            body = self.list_in("}")
            self.expect_word("}")
            return self.with_redirects(Group(body, (), (start, self.last_end)))
        if word == "if":
            return self.with_redirects(self.if_clause())
        if word in ("while", "until"):
            self.take()
            cond = self.list_in("do")
            body = self.do_group()
            return self.with_redirects(
                While(cond, body, word == "until", (), (start, self.last_end))
            )
        if word == "for":
            return self.with_redirects(self.for_clause())
        return None

    def list_in(self, closer: str) -> Node:
        """A list inside a construct; EOF means the construct is unfinished."""
        self.linebreak()
        if self.peek().kind is TokenKind.EOF:
            raise unexpected_eof()
        return self.list()

    def do_group(self) -> Node:
        self.expect_word("do")
        body = self.list_in("done")
        self.expect_word("done")
        return body

    def if_clause(self) -> If:
        start = self.take().start
        clauses: list[tuple[Node, Node]] = []
        orelse: Node | None = None
        while True:
            cond = self.list_in("then")
            self.expect_word("then")
            clauses.append((cond, self.list_in("fi")))
            word = self.reserved()
            if word == "elif":
                self.take()
                continue
            if word == "else":
                self.take()
                orelse = self.list_in("fi")
            self.expect_word("fi")
            return If(tuple(clauses), orelse, (), (start, self.last_end))

    def for_clause(self) -> For:
        start = self.take().start
        tok = self.take()
        name = word_value(tok.word) if tok.word is not None else None
        if tok.kind is not TokenKind.WORD or name is None or not is_name(name):
            if tok.kind is TokenKind.WORD:
                raise ParseError(f"`{tok.value}': not a valid identifier")
            raise self.fail(tok)
        self.linebreak()
        words: tuple[Word, ...] | None = None
        if self.reserved() == "in":
            self.take()
            collected: list[Word] = []
            while self.peek().kind is TokenKind.WORD:
                word = self.take().word
                assert word is not None
                collected.append(word)
            if not (self.is_op(";") or self.peek().kind is TokenKind.NEWLINE):
                raise self.fail()
            self.take()
            words = tuple(collected)
        elif self.is_op(";"):
            self.take()
        self.linebreak()
        body = self.do_group()
        return For(name, words, body, (), (start, self.last_end))

    def function_keyword(self) -> FunctionDef:
        start = self.take().start
        tok = self.take()
        if tok.kind is not TokenKind.WORD:
            raise self.fail(tok)
        if self.is_op("("):
            self.take()
            if not self.is_op(")"):
                raise self.fail()
            self.take()
        return self.function_body(tok.value, start)

    def function_body(self, name: str, start: int) -> FunctionDef:
        self.linebreak()
        word = self.reserved()
        body: Command | None = None
        if word is not None:
            body = self.compound(word)
        elif self.is_op("("):
            body = self.command()
        if body is None:
            raise self.fail()
        return FunctionDef(name, body, (start, self.last_end))

    def with_redirects(self, node: Command) -> Command:
        redirects: list[Redirect] = []
        while self.peek().kind is TokenKind.IO_NUMBER or self.is_op(*REDIRECT_OPS):
            redirects.append(self.redirect())
        tok = self.peek()
        if tok.kind is TokenKind.WORD or self.is_op("("):
            raise self.fail()
        if not redirects:
            return node
        return _set_redirects(node, tuple(redirects), (_span(node)[0], self.last_end))

    def redirect(self) -> Redirect:
        start = self.peek().start
        fd: int | None = None
        if self.peek().kind is TokenKind.IO_NUMBER:
            fd = int(self.take().value)
        if not self.is_op(*REDIRECT_OPS):
            raise self.fail()
        op = self.take().value
        target_tok = self.take()
        if target_tok.kind is not TokenKind.WORD or target_tok.word is None:
            if target_tok.kind is TokenKind.EOF:
                raise near_token("newline")
            raise self.fail(target_tok)
        target = target_tok.word
        heredoc = None
        if op in ("<<", "<<-"):
            heredoc = self.lexer.read_heredoc(target, op == "<<-")
        return Redirect(op, target, fd, heredoc, (start, self.last_end))

    def simple_command(self) -> Command:
        start = self.peek().start
        assignments: list[Assignment] = []
        words: list[Word] = []
        redirects: list[Redirect] = []
        while True:
            tok = self.peek()
            if tok.kind is TokenKind.IO_NUMBER or self.is_op(*REDIRECT_OPS):
                redirects.append(self.redirect())
                continue
            if tok.kind is not TokenKind.WORD or tok.word is None:
                break
            self.take()
            if not words:
                assignment = _assignment(tok.word)
                if assignment is not None:
                    assignments.append(assignment)
                    continue
            words.append(tok.word)
            if len(words) == 1 and not assignments and not redirects and self.is_op("("):
                self.take()
                if not self.is_op(")"):
                    raise self.fail()
                self.take()
                return self.function_body(tok.value, start)
        if not (assignments or words or redirects):
            raise self.fail()
        return SimpleCommand(
            tuple(words), tuple(assignments), tuple(redirects), (start, self.last_end)
        )


def _assignment(word: Word) -> Assignment | None:
    if not word.parts or not isinstance(word.parts[0], Literal):
        return None
    first = word.parts[0].text
    name, eq, rest = first.partition("=")
    if not eq:
        return None
    append = name.endswith("+")
    if append:
        name = name[:-1]
    if not is_name(name):
        return None
    start = word.span[0] + len(name) + (2 if append else 1)
    head = (Literal(rest, (start, word.parts[0].span[1])),) if rest else ()
    value = Word(
        head + word.parts[1:], word.text[len(name) + (2 if append else 1) :], (start, word.span[1])
    )
    return Assignment(name, value, append, word.span)


def _stderr_to_stdout(pos: int) -> Redirect:
    return Redirect(">&", Word((Literal("1"),), "1"), 2, None, (pos, pos))


def _set_redirects(node: Command, redirects: tuple[Redirect, ...], span: Span) -> Command:
    if isinstance(node, FunctionDef):
        return node
    changes: dict[str, Any] = {"redirects": redirects, "span": span}
    return dataclasses.replace(node, **changes)


def _add_redirect(node: Command, redirect: Redirect) -> Command:
    if isinstance(node, FunctionDef):
        return node
    return _set_redirects(node, (*node.redirects, redirect), node.span)


def _span(node: Node) -> tuple[int, int]:
    return node.span


def _parse_substitution(source: str, pos: int) -> tuple[Node | None, int]:
    """Parse ``$(...)`` contents from ``pos``; returns the tree and the end past ``)``."""
    parser = Parser(source, pos)
    parser.linebreak()
    node: Node | None = None
    if not parser.is_op(")"):
        if parser.peek().kind is TokenKind.EOF:
            raise eof_in_construct(")")
        try:
            node = parser.list()
        except ParseError as error:
            if error.incomplete and error.lines == unexpected_eof().lines:
                raise eof_in_construct(")") from None
            raise
    tok = parser.peek()
    if tok.kind is TokenKind.EOF:
        raise eof_in_construct(")")
    if not parser.is_op(")"):
        raise parser.fail()
    return node, tok.end


def parse(source: str) -> Node | None:
    """Parse a command line; None for a blank line or a comment. Raises ParseError."""
    return Parser(source).program()


def is_incomplete(source: str) -> bool:
    """True when the line needs more input (open quote, trailing ``|``, ``if`` without ``fi``)."""
    parser = Parser(source)
    try:
        parser.program()
    except ParseError as error:
        return error.incomplete
    return parser.lexer.unterminated_heredoc or parser.lexer.scanner.trailing_backslash
