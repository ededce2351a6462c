"""Declarative command-line options with GNU getopt_long semantics.

One declaration per tool feeds parsing, ``--help`` and the usage errors, which
read exactly as glibc's getopt prints them (``invalid option -- 'z'``,
``unrecognized option '--foo'``, ``option requires an argument -- 'n'``...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from pagerdrill.tools.api import CommandOutput, Invocation, Tool

__all__ = [
    "Arg",
    "HelpRequested",
    "Opt",
    "OptionSpec",
    "ParsedArgs",
    "UsageError",
    "parsed_with",
]


class Arg(Enum):
    NONE = "none"
    REQUIRED = "required"
    OPTIONAL = "optional"  # only as --long=VALUE, like --color[=WHEN]


@dataclass(frozen=True)
class Opt:
    """One option: ``-s``/``--long``; its parsed value lands under ``dest``."""

    short: str | None
    long: str | None
    dest: str
    arg: Arg = Arg.NONE
    help: str = ""
    metavar: str = ""
    const: object = True  # stored when the option takes no argument


@dataclass
class ParsedArgs:
    values: dict[str, object] = field(default_factory=dict)
    operands: list[str] = field(default_factory=list)
    # Options in command-line order, for tools where order matters (ls -t -S).
    order: list[tuple[str, object]] = field(default_factory=list)

    def flag(self, dest: str) -> bool:
        return bool(self.values.get(dest, False))

    def get(self, dest: str, default: str | None = None) -> str | None:
        value = self.values.get(dest, default)
        return value if value is None or isinstance(value, str) else str(value)

    def all(self, dest: str) -> list[str]:
        """Every value an option was given, in order (for repeatable options)."""
        return [str(v) for d, v in self.order if d == dest and v is not True]


class UsageError(Exception):
    """A command-line error: the text to print on stderr and the exit status."""

    def __init__(self, text: str, status: int) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


class HelpRequested(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass
class OptionSpec:
    prog: str
    options: list[Opt]
    usage: str = ""
    description: str = ""
    usage_status: int = 1
    permute: bool = True  # GNU: options may follow operands
    help_hint: bool = True  # print "Try 'prog --help'..." after errors

    def _fail(self, message: str) -> UsageError:
        text = f"{self.prog}: {message}\n"
        if self.help_hint:
            text += f"Try '{self.prog} --help' for more information.\n"
        return UsageError(text, self.usage_status)

    def help_text(self) -> str:
        lines = [f"Usage: {self.usage or self.prog + ' [OPTION]...'}"]
        if self.description:
            lines.append(self.description)
        lines.append("")
        for opt in self.options:
            names = []
            if opt.short:
                names.append(f"-{opt.short}")
            if opt.long:
                long = f"--{opt.long}"
                if opt.arg is Arg.REQUIRED:
                    long += f"={opt.metavar or 'VALUE'}"
                elif opt.arg is Arg.OPTIONAL:
                    long += f"[={opt.metavar or 'VALUE'}]"
                names.append(long)
            lines.append(f"  {', '.join(names):<28}{opt.help}")
        lines.append(f"  {'--help':<28}display this help and exit")
        return "\n".join(lines) + "\n"

    def _by_short(self, char: str) -> Opt | None:
        return next((o for o in self.options if o.short == char), None)

    def _by_long(self, name: str) -> Opt:
        exact = [o for o in self.options if o.long == name]
        if exact:
            return exact[0]
        if name == "help":
            raise HelpRequested(self.help_text())
        matches = [o for o in self.options if o.long and o.long.startswith(name)]
        if "help".startswith(name) and not matches:
            raise HelpRequested(self.help_text())
        if not matches:
            raise self._fail(f"unrecognized option '--{name}'")
        if len({(o.dest, o.const) for o in matches}) > 1:
            possible = " ".join(f"'--{o.long}'" for o in matches)
            raise self._fail(f"option '--{name}' is ambiguous; possibilities: {possible}")
        return matches[0]

    def _store(self, parsed: ParsedArgs, opt: Opt, value: object) -> None:
        parsed.values[opt.dest] = value
        parsed.order.append((opt.dest, value))

    def parse(self, args: list[str]) -> ParsedArgs:
        """Parse ``args``; raises UsageError or HelpRequested."""
        parsed = ParsedArgs()
        i = 0
        while i < len(args):
            arg = args[i]
            i += 1
            if arg == "--":
                parsed.operands.extend(args[i:])
                break
            if arg.startswith("--"):
                name, eq, value = arg[2:].partition("=")
                try:
                    opt = self._by_long(name)
                except HelpRequested:
                    if eq:
                        raise self._fail("option '--help' doesn't allow an argument") from None
                    raise
                if opt.arg is Arg.NONE:
                    if eq:
                        raise self._fail(f"option '--{opt.long}' doesn't allow an argument")
                    self._store(parsed, opt, opt.const)
                elif opt.arg is Arg.OPTIONAL:
                    self._store(parsed, opt, value if eq else opt.const)
                elif eq:
                    self._store(parsed, opt, value)
                elif i < len(args):
                    self._store(parsed, opt, args[i])
                    i += 1
                else:
                    raise self._fail(f"option '--{opt.long}' requires an argument")
            elif arg.startswith("-") and arg != "-":
                i = self._parse_cluster(parsed, arg, args, i)
            else:
                parsed.operands.append(arg)
                if not self.permute:
                    parsed.operands.extend(args[i:])
                    break
        return parsed

    def _parse_cluster(self, parsed: ParsedArgs, arg: str, args: list[str], i: int) -> int:
        pos = 1
        while pos < len(arg):
            char = arg[pos]
            pos += 1
            opt = self._by_short(char)
            if opt is None:
                raise self._fail(f"invalid option -- '{char}'")
            if opt.arg is not Arg.REQUIRED:
                self._store(parsed, opt, opt.const)
                continue
            if pos < len(arg):
                self._store(parsed, opt, arg[pos:])
            elif i < len(args):
                self._store(parsed, opt, args[i])
                i += 1
            else:
                raise self._fail(f"option requires an argument -- '{char}'")
            break
        return i


ParsedTool = Callable[[Invocation, ParsedArgs], CommandOutput]


def parsed_with(spec: OptionSpec) -> Callable[[ParsedTool], Tool]:
    """Wrap a tool body so it receives its parsed options.

    Usage errors go to stderr with the spec's exit status and ``--help`` prints
    the declaration's help text, so no tool repeats that plumbing.
    """

    def wrap(body: ParsedTool) -> Tool:
        def tool(inv: Invocation) -> CommandOutput:
            try:
                parsed = spec.parse(inv.args)
            except UsageError as error:
                inv.stderr.write(error.text)
                return error.status
            except HelpRequested as help_:
                yield help_.text.encode()
                return 0
            return (yield from body(inv, parsed))

        tool.__doc__ = body.__doc__
        tool.__name__ = body.__name__
        return tool

    return wrap
