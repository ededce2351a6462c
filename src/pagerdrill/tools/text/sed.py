"""sed: the stream editor (GNU sed 4.9 behaviour for the commands SREs use).

Scripts are parsed by :mod:`sedscript`; this module runs them over the input
lines, lazily, writing ``-i`` results back through the simulated filesystem.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Generator, Iterator

from pagerdrill.tools.api import ByteInput, CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import (
    OUT_CHUNK,
    Reader,
    ScanLimitExceeded,
    line_batches,
    open_for_write,
)
from pagerdrill.tools.text.sedscript import Address, Command, SedError, Subst, parse_script
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Inode

__all__ = ["sed"]

SED_SPEC = OptionSpec(
    "sed",
    [
        Opt("n", "quiet", "quiet", help="suppress automatic printing of pattern space"),
        Opt(None, "silent", "quiet"),
        Opt("e", "expression", "expression", Arg.REQUIRED, "add the script to the commands "
            "to be executed", "script"),
        Opt("f", "file", "file", Arg.REQUIRED, "add the contents of script-file to the "
            "commands to be executed", "script-file"),
        Opt("E", "regexp-extended", "extended", help="use extended regular expressions in the "
            "script"),
        Opt("r", None, "extended"),
        Opt(None, "in-place", "in_place", Arg.OPTIONAL, "edit files in place (makes backup "
            "if SUFFIX supplied)", "SUFFIX", const=""),
        Opt("s", "separate", "separate", help="consider files as separate rather than as a "
            "single continuous long stream."),
        Opt("u", "unbuffered", "ignored", help="flush output buffers more often"),
        Opt(None, "posix", "ignored", help="disable all GNU extensions."),
    ],
    usage="sed [OPTION]... {script-only-if-no-other-script} [input-file]...",
    usage_status=1,
)
SED_USAGE = """\
Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...

  -n, --quiet, --silent
                 suppress automatic printing of pattern space
      --debug
                 annotate program execution
  -e script, --expression=script
                 add the script to the commands to be executed
  -f script-file, --file=script-file
                 add the contents of script-file to the commands to be executed
  --follow-symlinks
                 follow symlinks when processing in place
  -i[SUFFIX], --in-place[=SUFFIX]
                 edit files in place (makes backup if SUFFIX supplied)
  -l N, --line-length=N
                 specify the desired line-wrap length for the `l' command
  --posix
                 disable all GNU extensions.
  -E, -r, --regexp-extended
                 use extended regular expressions in the script
                 (for portability use POSIX -E).
  -s, --separate
                 consider files as separate rather than as a single,
                 continuous long stream.
      --sandbox
                 operate in sandbox mode (disable e/r/w commands).
  -u, --unbuffered
                 load minimal amounts of data from the input files and flush
                 the output buffers more often
  -z, --null-data
                 separate lines by NUL characters
      --help     display this help and exit
      --version  output version information and exit

If no -e, --expression, -f, or --file option is given, then the first
non-option argument is taken as the sed script to interpret.  All
remaining arguments are names of input files; if no input files are
specified, then the standard input is read.

GNU sed home page: <https://www.gnu.org/software/sed/>.
General help using GNU software: <https://www.gnu.org/gethelp/>.
"""
_IN_PLACE = re.compile(r"^-([nEsru]*)i(.*)$")


class _Lines:
    """Input lines across operands with one line of lookahead (for ``$``)."""

    def __init__(self, run: _SedRun, operands: list[str]) -> None:
        self.run = run
        self.operands = list(operands)
        self.batch: list[bytes] = []
        self.index = 0
        self.batches: Iterator[list[bytes]] | None = None
        self.drained = False

    def _fill(self) -> bool:
        while self.index >= len(self.batch):
            if self.batches is not None:
                nxt = next(self.batches, None)
                if nxt is not None:
                    self.batch, self.index = nxt, 0
                    return True
                self.batches = None
            if not self.operands:
                return False
            operand = self.operands.pop(0)
            self.batches = line_batches(self.run.open(operand))
        return True

    def next(self) -> bytes | None:
        if not self._fill():
            return None
        line = self.batch[self.index]
        self.index += 1
        return line

    def at_end(self) -> bool:
        return not self._fill()

    def batch_done(self) -> bool:
        return self.index >= len(self.batch)


class _SedRun:
    def __init__(self, inv: Invocation, commands: list[Command], quiet: bool) -> None:
        self.inv = inv
        self.commands = commands
        self.quiet = quiet
        self.reader = Reader(inv)
        self.status = 0
        self.lineno = 0
        self.hold = b""
        self.last_regex: re.Pattern[bytes] | None = None
        self.quit_code: int | None = None
        self.out: list[bytes] = []
        self.missing_newline = False
        self.files: dict[str, Inode] = {}

    def open(self, operand: str) -> Iterator[bytes]:
        if operand == "-":
            yield from self.inv.stdin.chunks()
            return
        try:
            inode = self.reader.open(operand)
        except FsError as error:
            self.inv.error(f"can't read {operand}: {error.strerror}")
            self.status = 2
            return
        if inode.is_dir:
            self.inv.error(f"read error on {operand}: Is a directory")
            self.status = 4
            return
        yield from self.reader.chunks(inode, operand)

    # -- output ----------------------------------------------------------

    def emit(self, text: bytes, newline: bool = True) -> None:
        if self.missing_newline:
            self.out.append(b"\n")
        self.out.append(text + b"\n" if newline else text)
        self.missing_newline = not newline

    def take_output(self) -> bytes:
        data = b"".join(self.out)
        self.out = []
        return data

    # -- addresses -------------------------------------------------------

    def _matches(self, addr: Address, space: bytes, lines: _Lines) -> bool:
        if addr.kind == "line":
            return self.lineno == addr.line
        if addr.kind == "last":
            return lines.at_end()
        if addr.kind == "step":
            if addr.step <= 0:
                return self.lineno == addr.line
            return self.lineno >= addr.line and (self.lineno - addr.line) % addr.step == 0
        if addr.kind == "regex":
            regex = addr.regex or self.last_regex
            if regex is None:
                raise SedError("no previous regular expression")
            self.last_regex = regex
            return regex.search(space) is not None
        return False

    def selected(self, cmd: Command, space: bytes, lines: _Lines) -> bool:
        if cmd.addr1 is None:
            return True
        if cmd.addr2 is None:
            return self._matches(cmd.addr1, space, lines)
        end = cmd.addr2
        if cmd.range_active:
            if end.kind == "line":
                done = self.lineno >= end.line
            elif end.kind == "plus":
                done = self.lineno >= cmd.range_end
            elif end.kind == "step_end":
                done = end.line <= 0 or self.lineno % end.line == 0
            else:
                done = self._matches(end, space, lines)
            if done:
                cmd.range_active = False
            return True
        start = (cmd.addr1.kind == "zero" and self.lineno == 1 and end.kind == "regex") or \
            self._matches(cmd.addr1, space, lines)
        if not start:
            return False
        if cmd.addr1.kind == "zero" and self._matches(end, space, lines):
            return True
        if end.kind == "line":
            cmd.range_active = end.line > self.lineno
        elif end.kind == "plus":
            cmd.range_end = self.lineno + end.line
            cmd.range_active = end.line > 0
        elif end.kind == "step_end":
            cmd.range_active = end.line > 0 and self.lineno % end.line != 0
        elif end.kind == "last":
            cmd.range_active = not lines.at_end()
        else:
            cmd.range_active = True
        return True

    # -- the cycle ---------------------------------------------------------

    def substitute(self, subst: Subst, space: bytes) -> tuple[bytes, bool]:
        regex = subst.regex or self.last_regex
        if regex is None:
            raise SedError("no previous regular expression")
        self.last_regex = regex
        out: list[bytes] = []
        pos = 0
        count = 0
        last_end = -1
        done = False
        while pos <= len(space) and not done:
            match = regex.search(space, pos)
            if match is None:
                break
            start, end = match.span()
            if start == end and start == last_end:
                if start >= len(space):
                    break
                out.append(space[pos : start + 1])
                pos = start + 1
                continue
            count += 1
            out.append(space[pos:start])
            if count >= subst.occurrence:
                out.append(_expand(subst, match))
                done = not subst.global_
            else:
                out.append(match.group())
            last_end = end
            if start == end:
                if end < len(space):
                    out.append(space[end : end + 1])
                pos = end + 1
            else:
                pos = end
        if count < subst.occurrence:
            return space, False
        out.append(space[pos:])
        return b"".join(out), True

    def cycle(self, space: bytes, newline: bool, lines: _Lines) -> None:
        """Run the script over one pattern space; sets quit_code to stop."""
        appended: list[bytes] = []
        tflag = False
        autoprint = not self.quiet
        pc = 0
        commands = self.commands
        while pc < len(commands):
            cmd = commands[pc]
            if cmd.name == "}" or cmd.name == ":" or cmd.name == "#":
                pc += 1
                continue
            hit = self.selected(cmd, space, lines) != cmd.negate
            if not hit:
                pc = cmd.jump if cmd.name == "{" else pc + 1
                continue
            pc += 1
            name = cmd.name
            if name == "{":
                continue
            if name == "s":
                assert cmd.subst is not None
                space, changed = self.substitute(cmd.subst, space)
                if changed:
                    tflag = True
                    for _ in range(cmd.subst.print_):
                        self.emit(space, newline)
                    if cmd.subst.write:
                        self.write_file(cmd.subst.write, space + b"\n")
            elif name == "p":
                self.emit(space, newline)
            elif name == "P":
                self.emit(space.split(b"\n", 1)[0])
            elif name == "d":
                autoprint = False
                break
            elif name == "D":
                if b"\n" not in space:
                    autoprint = False
                    break
                space = space.split(b"\n", 1)[1]
                pc = 0
                continue
            elif name == "=":
                self.emit(str(self.lineno).encode())
            elif name == "a":
                appended.append(cmd.text)
            elif name == "i":
                self.emit(cmd.text, False)
                self.missing_newline = False
            elif name == "c":
                if cmd.addr2 is None or cmd.negate or not cmd.range_active:
                    self.emit(cmd.text, False)
                    self.missing_newline = False
                autoprint = False
                break
            elif name == "y":
                space = space.translate(cmd.table)
            elif name in "qQ":
                self.quit_code = cmd.code
                if name == "Q":
                    autoprint = False
                break
            elif name in "nN":
                if lines.at_end():  # GNU: no next line ends the script, autoprint included
                    break
                if name == "n":
                    if not self.quiet:
                        self.emit(space, newline)
                    self._flush_appended(appended)
                    line = lines.next()
                    assert line is not None
                    self.lineno += 1
                    newline = line.endswith(b"\n")
                    space = line[:-1] if newline else line
                else:
                    self._flush_appended(appended)
                    line = lines.next()
                    assert line is not None
                    self.lineno += 1
                    newline = line.endswith(b"\n")
                    space += b"\n" + (line[:-1] if newline else line)
            elif name == "h":
                self.hold = space
            elif name == "H":
                self.hold += b"\n" + space
            elif name == "g":
                space = self.hold
            elif name == "G":
                space += b"\n" + self.hold
            elif name == "x":
                space, self.hold = self.hold, space
            elif name == "z":
                space = b""
            elif name == "l":
                self.emit(_escape_l(space))
            elif name == "b":
                pc = cmd.jump
            elif name == "t":
                if tflag:
                    tflag = False
                    pc = cmd.jump
            elif name == "T":
                if not tflag:
                    pc = cmd.jump
                else:
                    tflag = False
            elif name in "rR":
                appended.append(self.read_file(cmd.text.decode("latin-1")))
            elif name in "wW":
                self.write_file(cmd.text.decode("latin-1"), space + b"\n")
        if autoprint:
            self.emit(space, newline)
        self._flush_appended(appended)

    def _flush_appended(self, appended: list[bytes]) -> None:
        for text in appended:
            if text:
                self.emit(text, False)
                self.missing_newline = not text.endswith(b"\n")
        appended.clear()

    def read_file(self, path: str) -> bytes:
        try:
            return b"".join(self.reader.stream(path)) if path else b""
        except FsError:
            return b""  # GNU silently ignores an unreadable r file

    def write_file(self, path: str, data: bytes) -> None:
        if path in ("/dev/stdout",):
            self.emit(data[:-1])
            return
        try:
            if path not in self.files:
                self.files[path] = open_for_write(self.inv, path)
            self.inv.host.fs.write(self.files[path], data, path=path)
        except FsError as error:
            raise SedError(f"couldn't open file {path}: {error.strerror}") from error

    def run(self, operands: list[str]) -> Generator[bytes, None, None]:
        lines = _Lines(self, operands)
        while self.quit_code is None:
            line = lines.next()
            if line is None:
                break
            self.lineno += 1
            newline = line.endswith(b"\n")
            self.cycle(line[:-1] if newline else line, newline, lines)
            if self.out and (lines.batch_done() or sum(map(len, self.out)) > OUT_CHUNK):
                yield self.take_output()
        if self.out:
            yield self.take_output()


def _expand(subst: Subst, match: re.Match[bytes]) -> bytes:
    out = bytearray()
    mode = ""  # "U" or "L" until \E
    once = ""  # "u" or "l" for the next character
    for kind, value in subst.replacement:
        if kind == "case":
            if value in ("U", "L"):
                mode, once = str(value), ""
            elif value == "E":
                mode = once = ""
            else:
                once = str(value)
            continue
        if kind == "group":
            text = match.group(int(str(value))) or b""
        else:
            assert isinstance(value, bytes)
            text = value
        if mode == "U":
            text = text.upper()
        elif mode == "L":
            text = text.lower()
        if once and text:
            text = (text[:1].upper() if once == "u" else text[:1].lower()) + text[1:]
            once = ""
        out += text
    return bytes(out)


def _escape_l(space: bytes) -> bytes:
    names = {7: b"\\a", 8: b"\\b", 9: b"\\t", 10: b"\\n", 11: b"\\v", 12: b"\\f", 13: b"\\r",
             92: b"\\\\"}
    pieces = [names.get(b) or (bytes([b]) if 32 <= b < 127 else b"\\%03o" % b) for b in space]
    out, width = bytearray(), 0
    for piece in pieces:
        if width + len(piece) > 69:
            out += b"\\\n"
            width = 0
        out += piece
        width += len(piece)
    return bytes(out) + b"$"


def _split_in_place(args: list[str]) -> list[str]:
    """``-i.bak`` / ``-ni`` carry an optional attached suffix, which getopt can't declare."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            out.extend(args[i:])
            break
        match = _IN_PLACE.match(arg)
        if match and not arg.startswith("--"):
            if match.group(1):
                out.append("-" + match.group(1))
            out.append("--in-place=" + match.group(2) if match.group(2) else "--in-place")
        else:
            out.append(arg)
    return out


@command("sed")
def sed(inv: Invocation) -> CommandOutput:
    """Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...

    Supports -n, -e (repeatable), -f, -E/-r, -i[SUFFIX], -s; addresses N, $, /re/
    (with I), \\cREc, first~step, ranges, N,+M, 0,/re/, and !; commands s (flags
    g p N I M w), d D p P q Q a i c (GNU one-liners and a\\), y, =, n N, h H g G x,
    b t T :label, { }, r, w, l, z. Unsupported: e, F, v, W/R are approximations,
    -z, --debug, --follow-symlinks, leftmost-longest regex semantics.
    """
    inv.argv = [inv.argv[0], *_split_in_place(inv.args)]
    return (yield from _sed(inv))


@parsed_with(SED_SPEC)
def _sed(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    reader = Reader(inv)
    pieces: list[tuple[str, str]] = []
    expr_no = 0
    for dest, value in p.order:
        if dest == "expression":
            expr_no += 1
            pieces.append((f"-e expression #{expr_no}", str(value)))
        elif dest == "file":
            try:
                text = b"".join(reader.stream(str(value))).decode("utf-8", "surrogateescape")
            except FsError as error:
                inv.error(f"couldn't open file {value}: {error.strerror}")
                return 1
            pieces.append((f"file {value} line 1", text.removesuffix("\n")))
    operands = list(p.operands)
    if not pieces:
        if not operands:
            inv.stderr.write(SED_USAGE)
            return 1
        pieces.append(("-e expression #1", operands.pop(0)))
    try:
        commands = parse_script(pieces, p.flag("extended"))
    except SedError as error:
        inv.error(str(error))
        return 4 if str(error).startswith("can't find label") else 1
    in_place = p.get("in_place")
    try:
        if in_place is not None:
            if not operands:
                inv.error("no input files")
                return 1  # GNU 4.9 exits 1 here... and 4 on some builds
            status = 0
            for operand in operands:
                status = max(status, _edit_in_place(inv, commands, p, operand, in_place))
            return status
        if p.flag("separate"):
            run = _SedRun(inv, commands, p.flag("quiet"))
            for operand in operands or ["-"]:
                run.lineno = 0  # -s: line numbers and $ are per file
                for cmd in commands:
                    cmd.range_active = False
                yield from run.run([operand])
                if run.quit_code is not None:
                    break
            return run.quit_code or run.status
        run = _SedRun(inv, commands, p.flag("quiet"))
        yield from run.run(operands or ["-"])
        return run.quit_code if run.quit_code else run.status
    except SedError as error:
        inv.error(f"-e expression #1, char 0: {error}")
        return 1
    except ScanLimitExceeded as stop:
        inv.stderr.write(stop.message("sed"))
        return 1


def _edit_in_place(inv: Invocation, commands: list[Command], p: ParsedArgs, operand: str,
                   suffix: str) -> int:
    reader = Reader(inv)
    try:
        inode = reader.open(operand)
    except FsError as error:
        inv.error(f"can't read {operand}: {error.strerror}")
        return 2
    if not inode.is_file:
        inv.error(f"couldn't edit {operand}: not a regular file")
        return 4
    original = b"".join(reader.chunks(inode, operand))
    for cmd in commands:
        cmd.range_active = False
    run = _SedRun(inv, commands, p.flag("quiet"))
    saved = inv.stdin
    inv.stdin = ByteInput([original])
    try:
        result = b"".join(run.run(["-"]))
    finally:
        inv.stdin = saved
    status = _replace_file(inv, operand, inode, result, suffix)
    if status:
        return status
    return run.quit_code or run.status


_TEMP_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _replace_file(inv: Invocation, operand: str, inode: Inode, result: bytes,
                  suffix: str) -> int:
    """Write the result as GNU sed does: a temporary file beside the original, renamed
    over it. So on a full disk the edit fails (the old file still holds its blocks)
    and the original is left untouched."""
    fs = inv.host.fs
    cred = inv.host.cred_for(inv.user)
    path = fs.abspath(operand, inv.cwd)
    directory = posixpath.dirname(path)
    temp = posixpath.join(directory, "sed" + "".join(fs.rng.choice(_TEMP_CHARS)
                                                      for _ in range(6)))
    try:
        handle = fs.create(temp, cred=cred, mode=inode.mode, uid=inode.uid, gid=inode.gid)
    except FsError as error:
        inv.error(f"couldn't open temporary file {temp}: {error.strerror}")
        return 4
    try:
        fs.write(handle, result, append=False, path=temp)
    except FsError as error:
        fs.unlink(temp)
        # GNU sed 4.9 names no file here: checked on a full ext4 loop mount.
        inv.error(f"couldn't flush <unknown>: {error.strerror}")
        return 4
    try:
        if suffix:
            base = posixpath.basename(path)
            backup = suffix.replace("*", base) if "*" in suffix else path + suffix
            if "/" not in backup:
                backup = posixpath.join(directory, backup)
            fs.rename(path, backup, cred=cred)
        fs.rename(temp, path, cred=cred)
    except FsError as error:
        fs.unlink(temp)
        inv.error(f"cannot rename {temp}: {error.strerror}")
        return 4
    return 0
