"""Parsing sed scripts into commands, with GNU sed 4.9's error wording.

Errors read ``sed: -e expression #1, char N: <why>``, where N counts the
characters consumed when the problem was found, as GNU counts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pagerdrill.tools.text.regex import RegexError, compile_posix

__all__ = ["Address", "Command", "SedError", "Subst", "parse_script"]


class SedError(ValueError):
    """A script error; ``str()`` is the full message after ``sed: ``."""


@dataclass
class Address:
    kind: str  # "line", "last", "regex", "step", "plus", "zero"
    line: int = 0
    step: int = 0
    regex: re.Pattern[bytes] | None = None  # None with kind "regex": the last regex used


@dataclass
class Subst:
    regex: re.Pattern[bytes] | None
    replacement: list[tuple[str, object]]  # ("lit", bytes) | ("group", n) | ("case", c)
    global_: bool = False
    occurrence: int = 1
    print_: int = 0
    write: str | None = None


@dataclass
class Command:
    name: str
    addr1: Address | None = None
    addr2: Address | None = None
    negate: bool = False
    text: bytes = b""  # a/i/c text, label names, y tables, file names
    code: int = 0  # q/Q exit status
    subst: Subst | None = None
    table: bytes = b""
    jump: int = -1  # for '{' (index of matching '}'), b/t/T (target)
    range_active: bool = field(default=False, repr=False)
    range_end: int = field(default=0, repr=False)


class _Parser:
    def __init__(self, script: str, extended: bool, label: str) -> None:
        self.text = script.encode("utf-8", "surrogateescape").decode("latin-1")
        self.extended = extended
        self.label = label
        self.pos = 0

    def fail(self, why: str, at: int | None = None) -> SedError:
        return SedError(f"{self.label}, char {self.pos if at is None else at}: {why}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        self.pos += 1
        return char

    def skip_space(self) -> None:
        while self.peek() in (" ", "\t") and self.peek():
            self.pos += 1

    def number(self) -> int:
        start = self.pos
        while self.peek().isdigit():
            self.pos += 1
        return int(self.text[start : self.pos])

    def delimited(self, delim: str, what: str) -> str:
        """Text up to an unescaped ``delim``; ``\\delim`` becomes ``delim``."""
        out: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise self.fail(what)
            char = self.take()
            if char == "\\":
                nxt = self.take()
                if nxt == "":
                    raise self.fail(what)
                if nxt == delim and delim != "\n":
                    out.append(delim)
                elif nxt == "n":
                    out.append("\n" if delim != "\n" else "\\n")
                else:
                    out.append("\\" + nxt)
            elif char == "\n" and what.startswith("unterminated `s'"):
                raise self.fail(what)
            elif char == delim:
                return "".join(out)
            elif char == "[":
                out.append(char + self._bracket(delim, what))
            else:
                out.append(char)

    def _bracket(self, delim: str, what: str) -> str:
        """A bracket expression's body: delimiters inside it are literal."""
        start = self.pos
        if self.peek() == "^":
            self.pos += 1
        if self.peek() == "]":
            self.pos += 1
        while self.pos < len(self.text):
            char = self.take()
            if char == "[" and self.peek() in ":.=":
                close = self.text.find(self.peek() + "]", self.pos + 1)
                if close > 0:
                    self.pos = close + 2
                    continue
            if char == "]":
                return self.text[start : self.pos]
            if char == "\n":
                break
        raise self.fail(what)

    def compile(self, pattern: str, flags: str) -> re.Pattern[bytes] | None:
        if pattern == "":
            return None
        try:
            regex = compile_posix([pattern.encode("latin-1").decode("utf-8",
                                                                    "surrogateescape")],
                                  extended=self.extended, ignore_case="I" in flags)
        except RegexError as error:
            raise self.fail(str(error)) from error
        if "M" in flags:
            regex = re.compile(regex.pattern.replace(b"(?!\\n)\\Z", b"$"),
                               regex.flags | re.MULTILINE)
        return regex

    def address(self) -> Address | None:
        char = self.peek()
        if char.isdigit():
            line = self.number()
            if self.peek() == "~":
                self.pos += 1
                step = self.number() if self.peek().isdigit() else 0
                return Address("step", line, step)
            return Address("zero" if line == 0 else "line", line)
        if char == "$":
            self.pos += 1
            return Address("last")
        if char in ("/", "\\"):
            self.pos += 1
            delim = "/"
            if char == "\\":
                delim = self.take()
            pattern = self.delimited(delim, "unterminated address regex")
            flags = ""
            while self.peek() in ("I", "M"):
                flags += self.take()
            return Address("regex", regex=self.compile(pattern, flags))
        return None

    def parse(self) -> list[Command]:
        commands: list[Command] = []
        blocks: list[int] = []
        while True:
            while self.peek() in (" ", "\t", "\n", ";"):
                if not self.peek():
                    break
                self.pos += 1
            if self.pos >= len(self.text):
                break
            cmd = Command("")
            cmd.addr1 = self.address()
            if cmd.addr1 is not None and self.peek() == ",":
                self.pos += 1
                self.skip_space()
                if self.peek() == "+" or self.peek() == "~":
                    kind = "plus" if self.take() == "+" else "step_end"
                    if not self.peek().isdigit():
                        raise self.fail("unexpected `,'")
                    cmd.addr2 = Address(kind, self.number())
                else:
                    cmd.addr2 = self.address()
                    if cmd.addr2 is None:
                        self.pos += 1 if self.pos < len(self.text) else 0
                        raise self.fail("unexpected `,'")
            elif cmd.addr1 is None and self.peek() == ",":
                self.pos += 1
                raise self.fail("unknown command: `,'")
            self.skip_space()
            while self.peek() == "!":
                cmd.negate = True
                self.pos += 1
                self.skip_space()
            name = self.take()
            if name == "":
                raise self.fail("missing command")
            cmd.name = name
            self.command_body(cmd, commands, blocks)
            commands.append(cmd)
        if blocks:
            raise self.fail("unmatched `{'", at=0)
        for index, cmd in enumerate(commands):
            if cmd.name in "btT" and cmd.jump == -2:
                target = next((i for i, c in enumerate(commands)
                               if c.name == ":" and c.text == cmd.text), None)
                if target is None:
                    raise SedError(f"can't find label for jump to `{cmd.text.decode()}'")
                cmd.jump = target
            elif cmd.name in "btT" and cmd.jump == -1:
                cmd.jump = len(commands)
            del index
        return commands

    def end_of_command(self) -> None:
        self.skip_space()
        char = self.peek()
        if char in ("", "\n", ";", "}", "#"):
            if char in ("\n", ";"):
                self.pos += 1
            return
        self.pos += 1
        raise self.fail("extra characters after command")

    def command_body(self, cmd: Command, commands: list[Command], blocks: list[int]) -> None:
        name = cmd.name
        if name in "qQ" and cmd.addr2 is not None:
            raise self.fail("command only uses one address")
        if name == "{":
            blocks.append(len(commands))
            return
        if name == "}":
            if not blocks or cmd.addr1 is not None:
                raise self.fail("unexpected `}'")
            opener = blocks.pop()
            commands[opener].jump = len(commands) + 1
            self.end_of_command()
            return
        if name in "=dDgGhHlnNpPxz":
            self.end_of_command()
            return
        if name in "qQ":
            self.skip_space()
            if self.peek().isdigit():
                cmd.code = self.number()
            self.end_of_command()
            return
        if name in "aic":
            self.text_argument(cmd)
            return
        if name in "btT:":
            self.skip_space()
            start = self.pos
            while self.peek() not in ("", "\n", ";") and not (name != ":" and self.peek() in
                                                              (" ", "\t")):
                self.pos += 1
            label = self.text[start : self.pos].rstrip()
            if name == ":" and not label:
                raise self.fail('":" lacks a label')
            cmd.text = label.encode("latin-1")
            cmd.jump = -2 if (label and name != ":") else -1
            if self.peek() == ";":
                self.pos += 1
            return
        if name in "rRwW":
            self.skip_space()
            start = self.pos
            while self.peek() not in ("", "\n"):
                self.pos += 1
            cmd.text = self.text[start : self.pos].encode("latin-1")
            return
        if name == "s":
            self.substitute(cmd)
            return
        if name == "y":
            self.transliterate(cmd)
            return
        if name == "#":
            while self.peek() not in ("", "\n"):
                self.pos += 1
            return
        raise self.fail(f"unknown command: `{name}'")

    def text_argument(self, cmd: Command) -> None:
        """GNU a/i/c: ``a text`` one-liner or ``a\\`` followed by lines."""
        self.skip_space()
        if self.peek() == "\\":
            self.pos += 1
            if self.peek() == "\n":
                self.pos += 1
        lines: list[str] = []
        current: list[str] = []
        while self.pos < len(self.text):
            char = self.take()
            if char == "\\":
                nxt = self.take()
                if nxt == "\n":
                    current.append("\n")
                else:
                    current.append(nxt)
                continue
            if char == "\n":
                break
            current.append(char)
        lines.append("".join(current))
        cmd.text = ("".join(lines) + "\n").encode("latin-1")

    def substitute(self, cmd: Command) -> None:
        delim = self.take()
        if delim in ("", "\n", "\\"):
            raise self.fail("unterminated `s' command")
        what = "unterminated `s' command"
        pattern = self.delimited(delim, what)
        raw = self.replacement_text(delim, what)
        subst = Subst(None, [])
        flags = ""
        while True:
            char = self.peek()
            if char in ("", "\n", ";", "}", "#", " ", "\t"):
                break
            if char == "g":
                subst.global_ = True
            elif char == "p":
                subst.print_ += 1
            elif char in "iI":
                flags += "I"
            elif char in "mM":
                flags += "M"
            elif char.isdigit():
                subst.occurrence = self.number()
                if subst.occurrence == 0:
                    raise self.fail("number option to `s' command may not be zero")
                continue
            elif char == "w":
                self.pos += 1
                self.skip_space()
                start = self.pos
                while self.peek() not in ("", "\n"):
                    self.pos += 1
                subst.write = self.text[start : self.pos]
                break
            else:
                self.pos += 1
                raise self.fail("unknown option to `s'")
            self.pos += 1
        subst.regex = self.compile(pattern, flags)
        groups = subst.regex.groups if subst.regex is not None else 9
        subst.replacement = self.parse_replacement(raw, groups)
        cmd.subst = subst
        self.end_of_command()

    def replacement_text(self, delim: str, what: str) -> str:
        out: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise self.fail(what)
            char = self.take()
            if char == "\\":
                nxt = self.take()
                if nxt == "":
                    raise self.fail(what)
                out.append(delim if nxt == delim else "\\" + nxt)
            elif char == delim:
                return "".join(out)
            elif char == "\n":
                raise self.fail(what)
            else:
                out.append(char)

    def parse_replacement(self, raw: str, groups: int) -> list[tuple[str, object]]:
        parts: list[tuple[str, object]] = []
        i = 0
        while i < len(raw):
            char = raw[i]
            if char == "&":
                parts.append(("group", 0))
            elif char == "\\" and i + 1 < len(raw):
                i += 1
                nxt = raw[i]
                if nxt.isdigit():
                    if int(nxt) > groups:
                        raise self.fail(f"invalid reference \\{nxt} on `s' command's RHS")
                    parts.append(("group", int(nxt)))
                elif nxt in "LUluE":
                    parts.append(("case", nxt))
                elif nxt == "n":
                    parts.append(("lit", b"\n"))
                elif nxt == "t":
                    parts.append(("lit", b"\t"))
                else:
                    parts.append(("lit", nxt.encode("latin-1")))
            else:
                parts.append(("lit", char.encode("latin-1")))
            i += 1
        return parts

    def transliterate(self, cmd: Command) -> None:
        delim = self.take()
        what = "unterminated `y' command"
        source = self.delimited(delim, what).replace("\\\\", "\\")
        target = self.delimited(delim, what).replace("\\\\", "\\")
        if len(source) != len(target):
            raise self.fail("strings for `y' command are different lengths")
        table = list(range(256))
        for a, b in zip(source, target, strict=True):
            table[ord(a)] = ord(b)
        cmd.table = bytes(table)
        self.end_of_command()


def parse_script(pieces: list[tuple[str, str]], extended: bool) -> list[Command]:
    """Parse ``-e``/``-f`` pieces (label, text) joined as GNU joins them."""
    if len(pieces) == 1:
        return _Parser(pieces[0][1], extended, pieces[0][0]).parse()
    joined = "\n".join(text for _, text in pieces)
    return _Parser(joined, extended, pieces[0][0]).parse()
