"""awk: a real (subset) interpreter of POSIX awk, with gawk's messages.

Supported: BEGIN/END, expression and regex patterns, ranges, ``$0 $1 NF NR FNR FS
OFS ORS RS(\\n, "" or one char) FILENAME SUBSEP RSTART RLENGTH CONVFMT OFMT``,
``-F``, ``-v var=val``, ``var=val`` operands, -f progfile, print/printf with
``>``/``>>`` redirection (files go through the simulated fs, /dev/stdout and
/dev/stderr work), arithmetic, string concatenation, comparisons (string or
numeric as POSIX decides), ``~ !~``, ``in``, associative arrays with
``for (k in a)`` and ``delete``, if/else, while, do, for, break, continue, next,
exit, user functions, getline (plain, var, ``< file``), and the built-ins
length substr index split sprintf tolower toupper sub gsub match int sqrt exp
log sin cos atan2 rand srand close fflush. Numbers print as integers when
integral, otherwise with OFMT/CONVFMT (``%.6g``).

Loops are bounded: more than ``LOOP_BUDGET`` (2,000,000) iterations in one rule
run stops with ``awk: cmd. line:1: fatal: loop ran more than ...`` (exit 2).
Unsupported: ``cmd | getline``, output pipes (``print | "cmd"``), system(),
regex RS, gawk extensions (gensub, strftime, arrays of arrays, @include).
``for (k in a)`` visits keys in insertion order (real awks use hash order).
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.awklex import AwkSyntaxError
from pagerdrill.tools.text.awkparse import Node, Program, parse_program
from pagerdrill.tools.text.awkrun import AwkError, AwkExit, Interpreter, StrNum, _Next
from pagerdrill.tools.text.common import (
    OUT_CHUNK,
    Reader,
    ScanLimitExceeded,
    line_batches,
    open_for_write,
)
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Inode

__all__ = ["awk"]

AWK_SPEC = OptionSpec(
    "awk",
    [
        Opt("F", "field-separator", "fs", Arg.REQUIRED, "", "fs"),
        Opt("v", "assign", "assign", Arg.REQUIRED, "", "var=val"),
        Opt("f", "file", "progfile", Arg.REQUIRED, "", "progfile"),
        Opt(None, "posix", "ignored"),
    ],
    usage="awk [POSIX or GNU style options] -f progfile [--] file ...\n"
          "Usage: awk [POSIX or GNU style options] [--] 'program' file ...",
    permute=False,
    usage_status=2,
    help_hint=False,
)
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "/": "/", "r": "\r", "a": "\a",
            "b": "\b", "f": "\f", "v": "\v"}


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(_ESCAPES.get(text[i + 1], "\\" + text[i + 1]))
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _latin(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


class _AwkRun:
    def __init__(self, inv: Invocation, program: Program) -> None:
        self.inv = inv
        self.reader = Reader(inv)
        self.out: list[str] = []
        self.out_size = 0
        self.files: dict[str, Inode] = {}
        self.interp = Interpreter(program, self.write, self.read_file)

    def write(self, op: str | None, target: str, text: str) -> None:
        if op is None or target in ("/dev/stdout", "-"):
            self.out.append(text)
            self.out_size += len(text)
            return
        if target == "/dev/stderr":
            self.inv.stderr.write(text.encode("latin-1", "replace"))
            return
        if op == "|":
            raise AwkError("output pipes are not available in the simulation")
        inode = self.files.get(target)
        try:
            if inode is None:
                path = target.encode("latin-1").decode("utf-8", "surrogateescape")
                inode = open_for_write(self.inv, path, append=op == ">>")
                self.files[target] = inode
            self.inv.host.fs.write(inode, text.encode("latin-1", "replace"), path=target)
        except FsError as error:
            raise AwkError(f"can't redirect to `{target}' ({error.strerror})") from error

    def read_file(self, path: str) -> Iterator[bytes]:
        try:
            return self.reader.stream(path)
        except FsError as error:
            raise OSError(error.strerror) from error

    def take(self) -> bytes:
        data = "".join(self.out).encode("latin-1", "replace")
        self.out, self.out_size = [], 0
        return data


def _records(chunks: Iterator[bytes], rs: str) -> Iterator[list[str]]:
    if rs == "\n":
        for batch in line_batches(chunks):
            yield [line.decode("latin-1").removesuffix("\n") for line in batch]
        return
    data = b"".join(chunks).decode("latin-1")
    if rs == "":
        parts = [p for p in data.strip("\n").split("\n\n") if p != ""]
        yield [p.strip("\n") for p in parts if p.strip("\n")]
        return
    parts = data.split(rs[0])
    if parts and parts[-1] in ("", "\n") and len(parts) > 1:
        parts.pop()
    yield parts


@command("awk", "gawk", "mawk", "nawk")
@parsed_with(AWK_SPEC)
def awk(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: awk [-F fs] [-v var=val] [-f progfile | 'program'] [file ...]

    A POSIX awk interpreter; see the module documentation for the subset.
    """
    operands = list(p.operands)
    progfile = p.get("progfile")
    reader = Reader(inv)
    if progfile is not None:
        try:
            source = b"".join(reader.stream(progfile)).decode("latin-1")
        except FsError as error:
            inv.stderr.write(f"awk: fatal: can't open source file `{progfile}' for reading: "
                             f"{error.strerror}\n")
            return 2
    elif operands:
        source = _latin(operands.pop(0))
    else:
        inv.stderr.write("Usage: awk [POSIX or GNU style options] -f progfile [--] file ...\n"
                         "Usage: awk [POSIX or GNU style options] [--] 'program' file ...\n")
        return 2
    try:
        program = parse_program(source)
    except AwkSyntaxError as error:
        lines = source.split("\n")
        text = lines[error.line - 1] if error.line - 1 < len(lines) else ""
        where = "cmd. line" if progfile is None else progfile
        inv.stderr.write(f"awk: {where}:{error.line}: {text}\n"
                         f"awk: {where}:{error.line}: {' ' * error.column}^ {error}\n")
        return 1
    run = _AwkRun(inv, program)
    interp = run.interp
    interp.globals["ENVIRON"] = {k: StrNum(v) for k, v in inv.env.items()}
    interp.globals["ARGV"] = {str(i): a for i, a in enumerate(["awk", *operands])}
    interp.globals["ARGC"] = float(len(operands) + 1)
    if (fs := p.get("fs")) is not None:
        interp.globals["FS"] = "\t" if fs == "t" else _unescape(_latin(fs))
    for assignment in p.all("assign"):
        name, _, value = assignment.partition("=")
        interp.globals[name] = StrNum(_unescape(_latin(value)))
    status = 0
    try:
        status = yield from _main(run, program, operands)
    except AwkError as error:
        yield run.take()
        inv.stderr.write(f"awk: cmd. line:1: fatal: {error}\n")
        return 2
    except ScanLimitExceeded as stop:
        yield run.take()
        inv.stderr.write(stop.message("awk"))
        return 2
    yield run.take()
    return status


def _main(run: _AwkRun, program: Program, operands: list[str]) -> CommandOutput:
    interp = run.interp
    code: int | None = None
    try:
        for block in program.begin:
            interp.run_block(block)
    except AwkExit as stop:
        code = stop.code
    except _Next as error:
        raise AwkError("`next' used in BEGIN action") from error
    if code is None and (program.rules or program.end):
        code = yield from _records_loop(run, program, operands)
    try:  # END runs even after exit (gawk, POSIX); an exit inside END ends it
        for block in program.end:
            interp.run_block(block)
    except AwkExit as stop:
        return stop.code
    return code or 0


def _records_loop(run: _AwkRun, program: Program, operands: list[str]
                  ) -> Generator[bytes, None, int | None]:
    interp = run.interp
    inv = run.inv
    files = [op for op in operands if not _is_assignment(op)]
    sources = operands if files else [*operands, "-"]
    pending: list[str] = []
    sources_iter = iter(sources)

    def next_source() -> Iterator[list[str]] | None:
        for operand in sources_iter:
            if _is_assignment(operand):
                name, _, value = operand.partition("=")
                interp.globals[name] = StrNum(_unescape(_latin(value)))
                continue
            interp.globals["FILENAME"] = "" if operand == "-" else operand
            interp.globals["FNR"] = 0.0
            if operand == "-":
                chunks: Iterator[bytes] = inv.stdin.chunks()
            else:
                try:
                    inode = run.reader.open(operand)
                except FsError as error:
                    raise AwkError(f"cannot open file `{operand}' for reading: "
                                   f"{error.strerror}") from error
                if inode.is_dir:
                    inv.stderr.write(f"awk: warning: command line argument `{operand}' is a "
                                     "directory: skipped\n")
                    continue
                chunks = run.reader.chunks(inode, operand)
            return _records(chunks, interp.to_str(interp.gv("RS")))
        return None

    current = next_source()

    def next_record() -> str | None:
        nonlocal current
        while True:
            if pending:
                return pending.pop(0)
            if current is None:
                return None
            batch = next(current, None)
            if batch is None:
                current = next_source()
                continue
            pending.extend(batch)

    interp.next_record = next_record
    try:
        while True:
            record = next_record()
            if record is None:
                break
            interp.globals["NR"] = float(interp.globals["NR"]) + 1  # type: ignore[arg-type]
            interp.globals["FNR"] = float(interp.globals["FNR"]) + 1  # type: ignore[arg-type]
            interp.set_record(record)
            try:
                for index, (pattern, pattern2, action) in enumerate(program.rules):
                    if _selected(interp, index, pattern, pattern2):
                        interp.steps = 0
                        if action is None:
                            interp.write(None, "", interp.record
                                         + interp.to_str(interp.gv("ORS")))
                        else:
                            interp.execute(action)
            except _Next:
                pass
            if run.out_size >= OUT_CHUNK or (not pending):
                data = run.take()
                if data:
                    yield data
    except AwkExit as stop:
        return stop.code
    return None


def _is_assignment(operand: str) -> bool:
    name, eq, _ = operand.partition("=")
    return bool(eq) and name.isidentifier()


def _selected(interp: Interpreter, index: int, pattern: Node | None,
              pattern2: Node | None) -> bool:
    if pattern is None:
        return True
    if pattern2 is None:
        return interp.truth(interp.eval(pattern))
    if interp.range_active.get(index):
        if interp.truth(interp.eval(pattern2)):
            interp.range_active[index] = False
        return True
    if interp.truth(interp.eval(pattern)):
        interp.range_active[index] = not interp.truth(interp.eval(pattern2))
        return True
    return False
