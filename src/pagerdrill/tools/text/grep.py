"""grep: print lines that match patterns, GNU grep 3.8 style.

Exit status 0 when a line is selected, 1 when none is, 2 on an error (unless -q
selected a line). Patterns are POSIX BRE/ERE translated by
:mod:`pagerdrill.tools.text.regex`; -P uses Python's own syntax as an
approximation of PCRE. Past the scan limit grep stops with exit status 2.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections import deque
from collections.abc import Generator, Iterator

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import (
    Arg,
    Opt,
    OptionSpec,
    ParsedArgs,
    UsageError,
    parsed_with,
)
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import Reader, ScanLimitExceeded, line_batches
from pagerdrill.tools.text.regex import RegexError, compile_posix
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import Inode, Kind

__all__ = ["grep"]

_O = Opt
_USAGE = ("Usage: grep [OPTION]... PATTERNS [FILE]...\n"
          "Try 'grep --help' for more information.\n")


class _GrepSpec(OptionSpec):
    """grep repeats its usage line before the --help hint."""

    def _fail(self, message: str) -> UsageError:
        return UsageError(f"grep: {message}\n{_USAGE}", 2)


GREP_SPEC = _GrepSpec(
    "grep",
    [
        _O("E", "extended-regexp", "syntax", const="E", help="PATTERNS are extended regexps"),
        _O("F", "fixed-strings", "syntax", const="F", help="PATTERNS are strings"),
        _O("G", "basic-regexp", "syntax", const="G", help="PATTERNS are basic regexps"),
        _O("P", "perl-regexp", "syntax", const="P", help="PATTERNS are Perl regexps"),
        _O("e", "regexp", "regexp", Arg.REQUIRED, "use PATTERNS for matching", "PATTERNS"),
        _O("f", "file", "file", Arg.REQUIRED, "take PATTERNS from FILE", "FILE"),
        _O("i", "ignore-case", "icase", help="ignore case distinctions in patterns and data"),
        _O("y", None, "icase"),
        _O(None, "no-ignore-case", "icase", const=False),
        _O("w", "word-regexp", "word", help="match only whole words"),
        _O("x", "line-regexp", "line", help="match only whole lines"),
        _O("s", "no-messages", "quiet_errors", help="suppress error messages"),
        _O("v", "invert-match", "invert", help="select non-matching lines"),
        _O("m", "max-count", "max", Arg.REQUIRED, "stop after NUM selected lines", "NUM"),
        _O("b", "byte-offset", "offset", help="print the byte offset with output lines"),
        _O("n", "line-number", "number", help="print line number with output lines"),
        _O(None, "line-buffered", "ignored", help="flush output on every line"),
        _O("H", "with-filename", "filename", const=True, help="print file name with matches"),
        _O("h", "no-filename", "filename", const=False, help="suppress the file name prefix"),
        _O(None, "label", "label", Arg.REQUIRED, "use LABEL as the standard input file name"),
        _O("o", "only-matching", "only", help="show only nonempty parts of lines that match"),
        _O("q", "quiet", "quiet", help="suppress all normal output"),
        _O(None, "silent", "quiet"),
        _O("a", "text", "text", help="equivalent to --binary-files=text"),
        _O("I", None, "nobinary", help="equivalent to --binary-files=without-match"),
        _O("r", "recursive", "recursive", const="r", help="search directories recursively"),
        _O("R", "dereference-recursive", "recursive", const="R", help="likewise, following "
           "all symlinks"),
        _O(None, "include", "include", Arg.REQUIRED, "search only files that match GLOB",
           "GLOB"),
        _O(None, "exclude", "exclude", Arg.REQUIRED, "skip files that match GLOB", "GLOB"),
        _O(None, "exclude-dir", "exclude_dir", Arg.REQUIRED, "skip directories that match "
           "GLOB", "GLOB"),
        _O("L", "files-without-match", "list", const="L", help="print only names of FILEs "
           "with no selected lines"),
        _O("l", "files-with-matches", "list", const="l", help="print only names of FILEs "
           "with selected lines"),
        _O("c", "count", "count", help="print only a count of selected lines per FILE"),
        _O("A", "after-context", "after", Arg.REQUIRED, "print NUM lines of trailing context",
           "NUM"),
        _O("B", "before-context", "before", Arg.REQUIRED, "print NUM lines of leading context",
           "NUM"),
        _O("C", "context", "context", Arg.REQUIRED, "print NUM lines of output context", "NUM"),
        _O(None, "color", "color", Arg.OPTIONAL, "use markers to highlight the matching "
           "strings", "WHEN", const="auto"),
        _O(None, "colour", "color", Arg.OPTIONAL, const="auto"),
    ],
    usage="grep [OPTION]... PATTERNS [FILE]...",
    description="Search for PATTERNS in each FILE.",
    usage_status=2,
)
_SGR = {"ms": "01;31", "fn": "35", "ln": "32", "bn": "32", "se": "36"}


def _sgr(kind: str, text: bytes, color: bool) -> bytes:
    if not color or not text:
        return text
    return b"\033[" + _SGR[kind].encode() + b"m\033[K" + text + b"\033[m\033[K"


class _GrepRun:
    """One grep invocation: options, matcher and the state shared across files."""

    def __init__(self, inv: Invocation, p: ParsedArgs, regex: re.Pattern[bytes] | None,
                 context: tuple[int, int], max_count: int | None) -> None:
        self.inv, self.p = inv, p
        self.reader = Reader(inv)
        self.regex = regex
        self.invert = p.flag("invert")
        self.before, self.after = context
        self.max_count = max_count
        self.only = p.flag("only")
        self.quiet = p.flag("quiet")
        self.count = p.flag("count")
        self.list = p.get("list")
        self.number = p.flag("number")
        self.offset = p.flag("offset")
        self.color = p.get("color") in ("always", "yes", "force")
        self.printed_any = False
        self.errors = False
        self.selected_any = False

    def matches(self, body: bytes) -> bool:
        found = self.regex is not None and self.regex.search(body) is not None
        return found != self.invert

    def prefix(self, name: str | None, lineno: int, offset: int, sep: bytes) -> bytes:
        parts = []
        colored_sep = _sgr("se", sep, self.color)
        if name is not None:
            parts.append(_sgr("fn", name.encode(), self.color) + colored_sep)
        if self.number:
            parts.append(_sgr("ln", str(lineno).encode(), self.color) + colored_sep)
        if self.offset:
            parts.append(_sgr("bn", str(offset).encode(), self.color) + colored_sep)
        return b"".join(parts)

    def render(self, body: bytes, name: str | None, lineno: int, offset: int,
               selected: bool) -> bytes:
        # GNU grep shows the matches of every line it prints: under -v those are in the
        # context lines (``-`` after the prefix), not in the selected ones.
        sep = b":" if selected else b"-"
        if self.only:
            if self.regex is None:
                return b""
            out = []
            for match in self.regex.finditer(body):
                if match.end() > match.start():
                    out.append(self.prefix(name, lineno, offset + match.start(), sep)
                               + _sgr("ms", match.group(), self.color) + b"\n")
            return b"".join(out)
        if self.color and self.regex is not None:
            body = self.regex.sub(lambda m: _sgr("ms", m.group(), True), body)
        return self.prefix(name, lineno, offset, sep) + body + b"\n"

    def search(self, chunks: Iterator[bytes], name: str | None,
               binary_name: str) -> Generator[bytes, None, int]:
        """Scan one input; yields output, returns the number of selected lines."""
        selected = 0
        lineno = 0
        offset = 0
        pending_after = 0
        last_out = 0
        held: deque[tuple[int, int, bytes]] = deque(maxlen=self.before or None)
        context = bool(self.before or self.after)
        printing = not (self.quiet or self.count or self.list)
        first = True
        binary = False
        for batch in line_batches(chunks):
            if first:
                first = False
                binary = not self.p.flag("text") and any(b"\0" in line for line in batch)
                if binary and self.p.flag("nobinary"):
                    return 0
            out: list[bytes] = []
            for line in batch:
                lineno += 1
                body = line[:-1] if line.endswith(b"\n") else line
                here = offset
                offset += len(line)
                limit_reached = self.max_count is not None and selected >= self.max_count
                if not limit_reached and self.matches(body):
                    selected += 1
                    if self.quiet or self.list == "l":
                        return selected
                    if not printing:
                        continue
                    if binary:
                        self.inv.stderr.write(f"grep: {binary_name}: binary file matches\n")
                        return selected
                    if context:
                        first_no = held[0][0] if held else lineno
                        if (self.printed_any and last_out and first_no > last_out + 1) or (
                                self.printed_any and not last_out):
                            out.append(_sgr("se", b"--", self.color) + b"\n")
                        for no, off, text in held:
                            out.append(self.render(text, name, no, off, False))
                        held.clear()
                    out.append(self.render(body, name, lineno, here, True))
                    self.printed_any = True
                    last_out = lineno
                    pending_after = self.after
                elif limit_reached and pending_after == 0:
                    if out:
                        yield b"".join(out)
                    return selected
                elif printing and context and pending_after > 0:
                    out.append(self.render(body, name, lineno, here, False))
                    pending_after -= 1
                    last_out = lineno
                elif context and self.before:
                    held.append((lineno, here, body))
            if out:
                yield b"".join(out)
        return selected


def _read_patterns(inv: Invocation, p: ParsedArgs, reader: Reader) -> list[str] | str:
    """All patterns from -e and -f (or the first operand); an error line on failure."""
    patterns: list[str] = []
    given = False
    for dest, value in p.order:
        if dest == "regexp":
            patterns.extend(str(value).split("\n"))
            given = True
        elif dest == "file":
            given = True
            path = str(value)
            try:
                data = b"".join(reader.stream(path))
            except FsError as error:
                return f"grep: {path}: {error.strerror}\n"
            text = data.decode("utf-8", "surrogateescape")
            patterns.extend(text[:-1].split("\n") if text.endswith("\n") else
                            (text.split("\n") if text else []))
    if not given:
        if not p.operands:
            return _USAGE
        patterns = p.operands.pop(0).split("\n")
    return patterns


def _number(text: str | None, error: str) -> int | str | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        return error
    return value if value >= 0 else error


_CONTEXT_NUM = re.compile(r"^-(\d+)$")


@command("grep", "egrep", "fgrep")
def grep(inv: Invocation) -> CommandOutput:
    """Usage: grep [OPTION]... PATTERNS [FILE]...

    Search for PATTERNS (BRE by default, -E ERE, -F fixed strings, -P as Python re)
    in each FILE, or recursively with -r/-R. Supports -i -v -w -x -c -l -L -n -b
    -h -H -o -q -s -m -A -B -C -NUM -e -f -a -I --label --include --exclude
    --exclude-dir --color[=WHEN]. Binary files (a NUL in the first block) report
    ``binary file matches`` on stderr. Unsupported: -z, -Z, -T, -U, --null-data,
    leftmost-longest matching across alternatives.
    """
    args: list[str] = []
    for arg in inv.args:
        match = _CONTEXT_NUM.match(arg)
        args.extend(["-C", match.group(1)] if match else [arg])
    inv.argv = [inv.argv[0], *args]
    return (yield from _grep(inv))


@parsed_with(GREP_SPEC)
def _grep(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    if inv.name == "egrep":
        inv.stderr.write("egrep: warning: egrep is obsolescent\n")
        p.values.setdefault("syntax", "E")
    elif inv.name == "fgrep":
        inv.stderr.write("fgrep: warning: fgrep is obsolescent\n")
        p.values.setdefault("syntax", "F")
    reader = Reader(inv)
    patterns = _read_patterns(inv, p, reader)
    if isinstance(patterns, str):
        inv.stderr.write(patterns)
        return 2
    max_count = _number(p.get("max"), "grep: invalid max count\n")
    context = [_number(p.get(k), f"grep: {p.get(k)}: invalid context length argument\n")
               for k in ("before", "after", "context")]
    for problem in (max_count, *context):
        if isinstance(problem, str):
            inv.stderr.write(problem)
            return 2
    both = context[2] if isinstance(context[2], int) else 0
    before = context[0] if isinstance(context[0], int) else both
    after = context[1] if isinstance(context[1], int) else both
    regex = _compile(p, patterns)
    if isinstance(regex, str):
        inv.stderr.write(regex)
        return 2
    run = _GrepRun(inv, p, regex, (before, after), max_count if isinstance(max_count, int)
                   else None)
    recursive = p.get("recursive")
    operands = p.operands or (["."] if recursive else ["-"])
    implicit = not p.operands
    show_name = p.values.get("filename", len(operands) > 1 or bool(recursive))
    for operand in operands:
        for display, inode in _targets(run, operand, implicit, recursive):
            name = display if operand != "-" else (p.get("label") or "(standard input)")
            try:
                chunks = (inv.stdin.chunks() if inode is None
                          else reader.chunks(inode, display))
                selected = yield from run.search(chunks, name if show_name else None, name)
            except FsError as error:
                run.errors = True
                if not p.flag("quiet_errors"):
                    inv.error(f"{display}: {error.strerror}")
                continue
            except ScanLimitExceeded as stop:
                inv.stderr.write(stop.message("grep"))
                return 2
            if selected:
                run.selected_any = True
                if run.quiet:
                    return 0
            yield from _summary(run, name if show_name else None, name, selected)
    if run.errors and not (run.quiet and run.selected_any):
        return 2
    return 0 if run.selected_any else 1


def _summary(run: _GrepRun, shown: str | None, name: str, selected: int) -> Iterator[bytes]:
    if run.count and not run.quiet and run.list is None:
        label = b"" if shown is None else (_sgr("fn", shown.encode(), run.color)
                                           + _sgr("se", b":", run.color))
        yield label + str(selected).encode() + b"\n"
    if run.list == "l" and selected:
        yield _sgr("fn", name.encode(), run.color) + b"\n"
    if run.list == "L" and not selected:
        run.selected_any = True
        yield _sgr("fn", name.encode(), run.color) + b"\n"


def _compile(p: ParsedArgs, patterns: list[str]) -> re.Pattern[bytes] | str | None:
    if not patterns:
        return None
    syntax = p.get("syntax") or "G"
    icase = bool(p.values.get("icase", False))
    if syntax == "P":
        try:
            text = "|".join(patterns)
            if p.flag("word"):
                text = rf"\b(?:{text})\b"
            if p.flag("line"):
                text = rf"^(?:{text})$"
            return re.compile(text.encode(), re.IGNORECASE if icase else 0)
        except re.error as error:
            return f"grep: {error}\n"
    try:
        return compile_posix(patterns, extended=syntax == "E", ignore_case=icase,
                             fixed=syntax == "F", word=p.flag("word"), line=p.flag("line"))
    except RegexError as error:
        return f"grep: {error}\n"


def _targets(run: _GrepRun, operand: str, implicit: bool,
             recursive: str | None) -> Iterator[tuple[str, Inode | None]]:
    """The files an operand names: itself, or (with -r) the files under it."""
    if operand == "-":
        yield operand, None
        return
    inv, p = run.inv, run.p
    try:
        inode = run.reader.open(operand)
    except FsError as error:
        run.errors = True
        if not p.flag("quiet_errors"):
            inv.error(f"{operand}: {error.strerror}")
        return
    if not inode.is_dir:
        if _excluded(p, posixpath.basename(operand)):
            return
        yield operand, inode
        return
    if not recursive:
        run.errors = True
        if not p.flag("quiet_errors"):
            inv.error(f"{operand}: Is a directory")
        return
    yield from _walk(run, inode, "" if implicit else operand, recursive == "R")


def _excluded(p: ParsedArgs, base: str) -> bool:
    includes = p.all("include")
    if includes and not any(fnmatch.fnmatchcase(base, g) for g in includes):
        return True
    return any(fnmatch.fnmatchcase(base, g) for g in p.all("exclude"))


def _walk(run: _GrepRun, directory: Inode, path: str,
          follow: bool) -> Iterator[tuple[str, Inode | None]]:
    fs = run.inv.host.fs
    try:
        names = sorted(fs.listdir(directory, cred=run.reader.cred, path=path or "."))
    except FsError as error:
        run.errors = True
        if not run.p.flag("quiet_errors"):
            run.inv.error(f"{path or '.'}: {error.strerror}")
        return
    assert directory.entries is not None
    for entry in names:
        child = directory.entries[entry]
        full = entry if not path else (path + entry if path.endswith("/") else
                                       f"{path}/{entry}")
        if child.kind is Kind.LINK:
            if not follow:
                continue
            try:
                child = fs.lookup(full, run.inv.cwd, cred=run.reader.cred)
            except FsError:
                continue
        if child.is_dir:
            if any(fnmatch.fnmatchcase(entry, g) for g in run.p.all("exclude_dir")):
                continue
            yield from _walk(run, child, full, follow)
        elif child.kind is Kind.FILE:
            if _excluded(run.p, entry):
                continue
            try:
                yield full, run.reader.open(full)
            except FsError as error:
                run.errors = True
                if not run.p.flag("quiet_errors") and error.errno != errno.ENOENT:
                    run.inv.error(f"{full}: {error.strerror}")
