"""Trees built with small helper constructors; syntax errors checked against real bash."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from typing import Any

import pytest

from pagerdrill.shell.ast import (
    AndOr,
    Assignment,
    Background,
    CommandSub,
    For,
    FunctionDef,
    Group,
    If,
    Literal,
    Node,
    Param,
    Pipeline,
    Redirect,
    Sequence,
    SimpleCommand,
    Subshell,
    While,
    Word,
)
from pagerdrill.shell.errors import ParseError
from pagerdrill.shell.parser import is_incomplete, parse

BASH = shutil.which("bash")


def strip(value: Any) -> Any:
    """Drop spans and source text so trees compare by structure alone."""
    if isinstance(value, tuple):
        return tuple(strip(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if f.name == "span":
                changes[f.name] = (0, 0)
            elif f.name == "text" and isinstance(value, Word):
                changes[f.name] = ""
            else:
                changes[f.name] = strip(getattr(value, f.name))
        return dataclasses.replace(value, **changes)
    return value


def w(*parts: Any) -> Word:
    return Word(tuple(Literal(p) if isinstance(p, str) else p for p in parts))


def cmd(
    *words: str | Word, redirects: tuple[Redirect, ...] = (), assigns: tuple[Assignment, ...] = ()
) -> SimpleCommand:
    return SimpleCommand(
        tuple(x if isinstance(x, Word) else w(x) for x in words), assigns, redirects
    )


def pipe(*commands: Any, negated: bool = False) -> Pipeline:
    return Pipeline(tuple(commands), negated)


def tree(source: str) -> Node | None:
    return strip(parse(source))  # type: ignore[no-any-return]


def test_simple_command() -> None:
    assert tree("ls -l /tmp") == cmd("ls", "-l", "/tmp")


def test_blank_and_comment_lines_parse_to_nothing() -> None:
    assert parse("") is None
    assert parse("   # just a comment") is None


def test_pipeline_and_negation() -> None:
    assert tree("a | b | c") == pipe(cmd("a"), cmd("b"), cmd("c"))
    assert tree("! a | b") == pipe(cmd("a"), cmd("b"), negated=True)


def test_and_or_is_left_associative_list() -> None:
    assert tree("a && b || c") == AndOr((cmd("a"), cmd("b"), cmd("c")), ("&&", "||"))


def test_sequence_and_background() -> None:
    assert tree("a; b & c") == Sequence((cmd("a"), Background(cmd("b")), cmd("c")))
    assert tree("a\nb\n") == Sequence((cmd("a"), cmd("b")))


def test_redirects() -> None:
    assert tree("ls >out 2>&1 <in") == cmd("ls", redirects=(
        Redirect(">", w("out")), Redirect(">&", w("1"), 2), Redirect("<", w("in")),
    ))  # fmt: skip
    assert tree("x &>> log") == cmd("x", redirects=(Redirect("&>>", w("log")),))


def test_pipe_ampersand_adds_stderr_redirect() -> None:
    assert tree("a |& b") == pipe(cmd("a", redirects=(Redirect(">&", w("1"), 2),)), cmd("b"))


def test_assignments() -> None:
    assert tree("A=1 B= cmd") == cmd("cmd", assigns=(
        Assignment("A", w("1")), Assignment("B", Word(())),
    ))  # fmt: skip
    assert tree("X+=y") == SimpleCommand((), (Assignment("X", w("y"), append=True),))
    assert tree("echo A=1") == cmd("echo", "A=1")


def test_subshell_and_group() -> None:
    assert tree("(cd /; ls)") == Subshell(Sequence((cmd("cd", "/"), cmd("ls"))))
    assert tree("{ a; b; } > f") == Group(Sequence((cmd("a"), cmd("b"))), (Redirect(">", w("f")),))


def test_function_definitions() -> None:
    assert tree("f() { echo hi; }") == FunctionDef("f", Group(cmd("echo", "hi")))
    assert tree("function g { x; }") == FunctionDef("g", Group(cmd("x")))


def test_fork_bomb_parses() -> None:
    body = Group(Background(pipe(cmd(":"), cmd(":"))))
    assert tree(":(){ :|:& };:") == Sequence((FunctionDef(":", body), cmd(":")))


def test_if_elif_else() -> None:
    assert tree("if a; then b; elif c; then d; else e; fi") == If(
        ((cmd("a"), cmd("b")), (cmd("c"), cmd("d"))), cmd("e")
    )


def test_for_loop_over_glob() -> None:
    assert tree("for f in /var/log/*.gz; do ls -l $f; done") == For(
        "f", (w("/var/log/*.gz"),), cmd("ls", "-l", w(Param("f")))
    )


def test_while_and_until() -> None:
    assert tree("while true; do df -h; sleep 5; done") == While(
        cmd("true"), Sequence((cmd("df", "-h"), cmd("sleep", "5")))
    )
    assert tree("until a\ndo b\ndone") == While(cmd("a"), cmd("b"), until=True)


def test_reserved_words_only_in_command_position() -> None:
    assert tree("echo if then fi }") == cmd("echo", "if", "then", "fi", "}")


def test_command_substitution_holds_a_tree() -> None:
    result = tree("echo $(ls | wc -l)")
    assert result == cmd("echo", w(CommandSub(pipe(cmd("ls"), cmd("wc", "-l")), "ls | wc -l")))


def test_heredoc_body_is_read_after_the_line() -> None:
    node = parse("cat <<EOF | grep a\nhello $USER\nEOF\necho done")
    assert isinstance(node, Sequence)
    first = node.items[0]
    assert isinstance(first, Pipeline)
    head = first.commands[0]
    assert isinstance(head, SimpleCommand)
    heredoc = head.redirects[0].heredoc
    assert heredoc is not None and heredoc.body.text == "hello $USER\n" and not heredoc.quoted
    assert strip(node.items[1]) == cmd("echo", "done")


def test_quoted_heredoc_and_tab_stripping() -> None:
    node = parse("cat <<-'END'\n\t$x\n\tEND\n")
    assert isinstance(node, SimpleCommand)
    heredoc = node.redirects[0].heredoc
    assert heredoc is not None and heredoc.quoted and heredoc.body.text == "$x\n"


def test_spans_point_into_the_source() -> None:
    source = "ls -l | grep x && echo done"
    node = parse(source)
    assert isinstance(node, AndOr)
    assert node.span == (0, len(source))
    left = node.parts[0]
    assert isinstance(left, Pipeline)
    assert source[left.span[0] : left.span[1]] == "ls -l | grep x"
    grep = left.commands[1]
    assert isinstance(grep, SimpleCommand)
    assert source[grep.words[1].span[0] : grep.words[1].span[1]] == "x"


@pytest.mark.parametrize(
    "line",
    [
        "echo 'abc",
        'echo "abc',
        "ls |",
        "ls &&",
        "if true; then",
        "for x in a; do",
        "while true; do",
        "{ ls",
        "( ls",
        "echo $(ls",
        "f() {",
        "cat <<EOF",
        "echo a \\",
    ],
)
def test_incomplete_lines(line: str) -> None:
    assert is_incomplete(line)


@pytest.mark.parametrize("line", ["ls", "echo 'a'", "cat <<EOF\nx\nEOF", "ls ;;", "echo )"])
def test_complete_or_plain_wrong_lines(line: str) -> None:
    assert not is_incomplete(line)


BROKEN = [
    "echo ;;", "| ls", "&& ls", "echo 'abc", 'echo "abc', "echo `ls", "echo $(ls",
    "if true; then", "if true; then echo; fi fi", "ls >", "ls > ;", "; ls",
    "for x in; do; done", "ls ||| x", "echo )", "( ls", "{ ls", "{ ls; }}", "ls &; ls",
    "echo ${", "echo ${x", "while true; do", "fi", "done", "then", "ls < <", "ls 2>",
    "echo a & & b", "cat <<", "foo() {", "foo()", "ls > > f", "a|b|", "elif", "do", "ls () ;",
    ")", "()", "ls | |", "ls ;; ls", "echo ${x:-", "ls &&& b", "echo hi |", "ls && ;",
    "for 1 in a; do :; done", "if; then :; fi", "{ }", "while; do :; done", "x=1 |",
]  # fmt: skip


def bash_syntax_error(line: str) -> str:
    assert BASH is not None
    proc = subprocess.run(
        [BASH, "-c", line],
        capture_output=True,
        text=True,
        timeout=10,
        env={"PATH": "/usr/bin:/bin", "LANG": "C"},
    )
    first = proc.stderr.splitlines()[0]
    return "bash: " + first.split(": line ", 1)[1].split(": ", 1)[1]


@pytest.mark.skipif(BASH is None, reason="needs /bin/bash")
@pytest.mark.parametrize("line", BROKEN)
def test_syntax_errors_match_real_bash(line: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(line)
    assert "bash: " + info.value.lines[0] == bash_syntax_error(line)
