"""Tokens and word parts, one line each."""

from __future__ import annotations

import pytest

from pagerdrill.shell.ast import (
    Arith,
    CommandSub,
    DoubleQuoted,
    Escaped,
    Literal,
    Param,
    SingleQuoted,
    Tilde,
)
from pagerdrill.shell.errors import ParseError
from pagerdrill.shell.lexer import Lexer, TokenKind
from pagerdrill.shell.parser import _parse_substitution


def tokens(source: str) -> list[tuple[str, str]]:
    lexer = Lexer(source, _parse_substitution)
    out = []
    while True:
        tok = lexer.next()
        if tok.kind is TokenKind.EOF:
            return out
        out.append((tok.kind.value, tok.value))


def parts(source: str) -> tuple[object, ...]:
    tok = Lexer(source, _parse_substitution).next()
    assert tok.word is not None
    return tuple(type(p).__name__ for p in tok.word.parts)


def test_operators_longest_match() -> None:
    assert tokens("a&&b||c;d|e&f") == [
        ("word", "a"), ("op", "&&"), ("word", "b"), ("op", "||"), ("word", "c"), ("op", ";"),
        ("word", "d"), ("op", "|"), ("word", "e"), ("op", "&"), ("word", "f"),
    ]  # fmt: skip


def test_redirection_operators_and_io_numbers() -> None:
    assert tokens("x 2>>f &>g <<<h 2>&1") == [
        ("word", "x"), ("io_number", "2"), ("op", ">>"), ("word", "f"), ("op", "&>"),
        ("word", "g"), ("op", "<<<"), ("word", "h"), ("io_number", "2"), ("op", ">&"),
        ("word", "1"),
    ]  # fmt: skip


def test_digits_not_before_redirect_are_words() -> None:
    assert tokens("echo 2 > f") == [("word", "echo"), ("word", "2"), ("op", ">"), ("word", "f")]


def test_comment_runs_to_end_of_line() -> None:
    assert tokens("ls # a comment\npwd") == [
        ("word", "ls"), ("newline", "\n"), ("word", "pwd"),
    ]  # fmt: skip


def test_hash_inside_word_is_not_a_comment() -> None:
    assert tokens("echo a#b") == [("word", "echo"), ("word", "a#b")]


def test_line_continuation_is_removed() -> None:
    assert tokens("echo a\\\nb") == [("word", "echo"), ("word", "a\\\nb")]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("abc", ("Literal",)),
        ("'a b'", ("SingleQuoted",)),
        ('"a $b"', ("DoubleQuoted",)),
        ("a\\ b", ("Literal", "Escaped", "Literal")),
        ("$HOME/x", ("Param", "Literal")),
        ("${HOME:-/}", ("Param",)),
        ("$(ls)", ("CommandSub",)),
        ("`ls`", ("CommandSub",)),
        ("$((1+2))", ("Arith",)),
        ("~/x", ("Tilde", "Literal")),
        ("$'a\\tb'", ("SingleQuoted",)),
        ("a~", ("Literal",)),
    ],
)
def test_word_parts(source: str, expected: tuple[str, ...]) -> None:
    assert parts(source) == expected


def test_part_values() -> None:
    tok = Lexer("a'b'\"c$d\"\\e${f:-g}$(h)$((1))~", _parse_substitution).next()
    assert tok.word is not None
    p = tok.word.parts
    assert p[0] == Literal("a", (0, 1))
    assert p[1] == SingleQuoted("b", (1, 4))
    assert isinstance(p[2], DoubleQuoted) and p[2].parts[1] == Param("d", span=(6, 8))
    assert p[3] == Escaped("e", (9, 11))
    assert isinstance(p[4], Param) and p[4].op == ":-"
    assert isinstance(p[5], CommandSub) and p[5].source == "h"
    assert isinstance(p[6], Arith) and p[6].expression == "1"
    assert p[7] == Literal("~", (28, 29))


def test_tilde_user() -> None:
    tok = Lexer("~alice/x", _parse_substitution).next()
    assert tok.word is not None and tok.word.parts[0] == Tilde("alice", (0, 6))


def test_ansi_c_quoting_decodes_escapes() -> None:
    tok = Lexer("$'a\\tb\\x41\\n'", _parse_substitution).next()
    assert tok.word is not None and tok.word.parts[0] == SingleQuoted("a\tbA\n", (0, 13))


def test_special_parameters() -> None:
    for name in "?$#@*!0123":
        tok = Lexer("$" + name, _parse_substitution).next()
        assert tok.word is not None and tok.word.parts == (Param(name, span=(0, 2)),)


def test_bad_substitution_is_deferred_to_expansion() -> None:
    tok = Lexer("${x!}", _parse_substitution).next()
    assert tok.word is not None and tok.word.parts[0] == Param("${x!}", "bad", None, True, (0, 5))


@pytest.mark.parametrize(
    ("source", "closer"),
    [("'abc", "'"), ('"abc', '"'), ("`ls", "`"), ("$(ls", ")"), ("${x", "}"), ("$((1+", ")")],
)
def test_unterminated_constructs(source: str, closer: str) -> None:
    with pytest.raises(ParseError) as info:
        tokens(source)
    assert info.value.incomplete
    assert info.value.lines[0] == f"unexpected EOF while looking for matching `{closer}'"
