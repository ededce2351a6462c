"""xargs: build command lines from standard input and run registered tools.

The sub-command runs in the same world, host and shell as xargs, with an empty
standard input (GNU gives it /dev/null) and xargs' standard error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pagerdrill.tools.api import ByteInput, CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command, lookup

__all__ = ["COMMAND_BUFFER", "arg_size", "xargs"]

COMMAND_BUFFER = 131072  # GNU xargs' default command buffer, well under execve's 2 MiB
_LIMIT = 2095104  # ARG_MAX less GNU's 2048 bytes of headroom, before the environment
_SPECIAL = re.compile("['\"\\\\]")  # what makes the word splitter quote-aware
_WORD = re.compile("[^ \t\n]+")  # blanks and newlines separate words, nothing else

XARGS_SPEC = OptionSpec(
    "xargs",
    [
        Opt("0", "null", "null", help="items are separated by a null, not whitespace"),
        Opt("d", "delimiter", "delim", Arg.REQUIRED, "items are separated by CHARACTER",
            "CHARACTER"),
        Opt("I", None, "replace", Arg.REQUIRED, "replace R in INITIAL-ARGS with names read "
            "from standard input", "R"),
        Opt("n", "max-args", "max_args", Arg.REQUIRED, "use at most MAX-ARGS arguments per "
            "command line", "MAX-ARGS"),
        Opt("r", "no-run-if-empty", "no_empty", help="if there are no arguments, then do not "
            "run COMMAND"),
        Opt("t", "verbose", "trace", help="print commands before executing them"),
        Opt("P", "max-procs", "ignored", Arg.REQUIRED, "run at most MAX-PROCS processes at a "
            "time", "MAX-PROCS"),
        Opt("s", "max-chars", "max_chars", Arg.REQUIRED, "limit length of command line to "
            "MAX-CHARS", "MAX-CHARS"),
    ],
    usage="xargs [OPTION]... COMMAND [INITIAL-ARGS]...",
    description="Run COMMAND with arguments INITIAL-ARGS and more arguments read from input.",
    permute=False,
)


def _items(data: bytes, p: ParsedArgs) -> list[str] | str:
    """The input items, or an error line (unmatched quote)."""
    if p.flag("null"):
        parts = data.split(b"\0")
        if parts and parts[-1] == b"":
            parts.pop()
        return [x.decode("utf-8", "surrogateescape") for x in parts]
    if (delim := p.get("delim")) is not None:
        sep = delim.encode().decode("unicode_escape").encode("latin-1") if delim else b"\n"
        parts = data.split(sep)
        if parts and parts[-1] in (b"", b"\n"):
            parts.pop()
        return [x.decode("utf-8", "surrogateescape") for x in parts]
    if p.get("replace") is not None:
        return [line.strip(b" \t").decode("utf-8", "surrogateescape")
                for line in data.split(b"\n") if line.strip(b" \t")]
    return _split_words(data.decode("utf-8", "surrogateescape"))


def _split_words(text: str) -> list[str] | str:
    if not _SPECIAL.search(text):  # no quotes or backslashes (ls output): one C-level pass
        return _WORD.findall(text)
    items: list[str] = []
    current: list[str] = []
    started = False
    i = 0
    while i < len(text):
        char = text[i]
        if char in "'\"":
            end = text.find(char, i + 1)
            newline = text.find("\n", i + 1)
            if end < 0 or (0 <= newline < end):
                kind = "single" if char == "'" else "double"
                return (f"xargs: unmatched {kind} quote; by default quotes are special to "
                        "xargs unless you use the -0 option\n")
            current.append(text[i + 1 : end])
            started = True
            i = end + 1
            continue
        if char == "\\" and i + 1 < len(text):
            current.append(text[i + 1])
            started = True
            i += 2
            continue
        if char in " \t\n":
            if started:
                items.append("".join(current))
                current, started = [], False
        else:
            current.append(char)
            started = True
        i += 1
    if started:
        items.append("".join(current))
    return items


def _command_lines(p: ParsedArgs, base: list[str], items: list[str],
                   max_chars: int) -> Iterator[list[str] | None]:
    """Each run's argv; None when an item cannot fit even alone (GNU stops there)."""
    replace = p.get("replace")
    if replace is not None:
        for item in items:
            yield [arg.replace(replace, item) for arg in base]
        return
    if not items:
        if not p.flag("no_empty"):
            yield list(base)
        return
    size_max = int(p.get("max_args") or 0) or len(items)
    base_size = sum(arg_size(arg) for arg in base)
    start = 0
    while start < len(items):
        # GNU xargs fills each run to MAX-CHARS: every argument counts with its NUL.
        used, end = base_size, start
        while end < len(items) and end - start < size_max \
                and used + arg_size(items[end]) <= max_chars:
            used += arg_size(items[end])
            end += 1
        if end == start:
            yield None
            return
        yield [*base, *items[start:end]]
        start = end


def arg_size(arg: str) -> int:
    """Bytes an argument takes in a command line: its UTF-8 bytes and the NUL."""
    return len(arg.encode("utf-8", "surrogateescape")) + 1


def _invalid(inv: Invocation, value: str, option: str) -> None:
    inv.error(f"invalid number \"{value}\" for {option} option")
    inv.stderr.write("Try 'xargs --help' for more information.\n")


@command("xargs")
@parsed_with(XARGS_SPEC)
def xargs(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: xargs [OPTION]... COMMAND [INITIAL-ARGS]...

    Run COMMAND (default echo) with items read from standard input: blanks and
    newlines separate items, quotes and backslashes group them; -0 and -d change
    the separator, -n limits items per run, -s (default 131072, as GNU) limits
    the bytes of each run's arguments, NULs included, -I R runs once per line replacing R,
    -r skips the run on empty input, -t traces. Exit status 123 if a run failed,
    127 if the command does not exist. -P is accepted (runs stay sequential).
    Unsupported: -L, -a, -p, -E, --show-limits.
    """
    max_args = p.get("max_args")
    if max_args is not None and (not max_args.isdigit() or int(max_args) < 1):
        if max_args.lstrip("-").isdigit():
            inv.error(f"value {max_args} for -n option should be >= 1")
            inv.stderr.write("Try 'xargs --help' for more information.\n")
        else:
            _invalid(inv, max_args, "-n")
        return 1
    chars = p.get("max_chars")
    if chars is not None and not chars.isdigit():
        _invalid(inv, chars, "-s")
        return 1
    max_chars = int(chars) if chars is not None else COMMAND_BUFFER
    limit = _LIMIT - sum(len(f"{k}={v}".encode()) + 1 for k, v in inv.env.items())
    if max_chars > limit:  # a warning: GNU goes on with the largest size it can
        inv.error(f"value {max_chars} for -s option should be <= {limit}")
        max_chars = limit
    items = _items(inv.stdin.read(), p)
    if isinstance(items, str):
        inv.stderr.write(items)
        return 1
    base = p.operands or ["echo"]
    status = 0
    for argv in _command_lines(p, base, items, max_chars):
        if argv is None:
            inv.error("argument line too long")
            return 1
        if p.flag("trace"):
            inv.stderr.write(" ".join(argv) + "\n")
        tool = lookup(argv[0].rsplit("/", 1)[-1])
        if tool is None and argv[0] in ("echo", "/bin/echo"):
            yield (" ".join(argv[1:]) + "\n").encode("utf-8", "surrogateescape")
            continue  # echo is a shell builtin; /bin/echo behaves the same for plain words
        if tool is None:
            inv.error(f"{argv[0]}: No such file or directory")
            return 127
        sub = Invocation(argv, inv.world, inv.host, inv.shell, ByteInput.empty(), inv.stderr)
        code = yield from tool(sub)
        if code == 255:
            inv.error(f"{argv[0]}: exited with status 255; aborting")
            return 124
        if code:
            status = 123
    return status
