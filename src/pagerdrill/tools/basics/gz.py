"""gzip, gunzip, zcat and zgrep (gzip 1.12) over the world's modelled .gz files.

Rotated logs in this world are not real gzip streams: they are stand-in bytes of
the compressed size (``world/programs/logrotate.py:gzip_content``). When the
model remembers the text a .gz compresses (every rotation logrotate performs
here does), zcat streams that text; when it does not, these tools say what the
real gzip says of a file that is not gzip data: ``gzip: x.gz: not in gzip format``.
Genuine gzip bytes (magic 1f 8b) are decompressed for real.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from pagerdrill.tools.api import ByteInput, CommandOutput, Invocation
from pagerdrill.tools.options import Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command, lookup
from pagerdrill.tools.text.common import Reader, ScanLimitExceeded
from pagerdrill.world.content import FileContent
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import Inode
from pagerdrill.world.programs.logrotate import (
    COMPRESSION_RATIO,
    GzipContent,
    gzip_content,
    gzip_original,
)
from pagerdrill.world.rng import derive_seed

__all__ = ["NotGzip", "gunzip", "gzip", "zcat", "zgrep"]

GZIP_SPEC = OptionSpec(
    "gzip",
    [Opt("c", "stdout", "stdout", help="write on standard output, keep original files"),
     Opt("d", "decompress", "decompress", help="decompress"),
     Opt("f", "force", "force", help="force overwrite of output file"),
     Opt("k", "keep", "keep", help="keep (don't delete) input files"),
     Opt("l", "list", "list", help="list compressed file contents"),
     Opt("q", "quiet", "quiet", help="suppress all warnings"),
     Opt("t", "test", "test", help="test compressed file integrity"),
     Opt("v", "verbose", "verbose", help="verbose mode")]
    + [Opt(str(n), None, "level", const=n) for n in range(1, 10)],
    usage="gzip [OPTION]... [FILE]...",
    description="Compress or uncompress FILEs (by default, compress FILES in-place).",
)
_MAGIC = b"\x1f\x8b"


class NotGzip(Exception):
    """The input is not gzip data (gzip's "not in gzip format")."""


def _text_of(content: FileContent | None, head: bytes) -> Iterator[bytes] | None:
    original = gzip_original(content)
    if original is not None:
        return original.iter_chunks()
    if head.startswith(_MAGIC):
        return None
    raise NotGzip


def _inflate(chunks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        for chunk in chunks:
            data = chunk
            while data:
                yield inflater.decompress(data)
                data = inflater.unused_data
                if data:
                    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
        yield inflater.flush()
    except zlib.error as bad:
        raise NotGzip from bad


class _Gz:
    def __init__(self, inv: Invocation, p: ParsedArgs) -> None:
        self.inv, self.p = inv, p
        self.reader = Reader(inv)
        self.status = 0

    def warn(self, message: str, status: int = 1) -> None:
        if not self.p.flag("quiet"):
            self.inv.stderr.write(f"gzip: {message}\n")
        self.status = max(self.status, status)

    def open(self, name: str) -> tuple[str, Inode] | None:
        """The operand, or NAME.gz when NAME is missing (gzip -d tries the suffix)."""
        candidates = [name] if name.endswith(".gz") else [name, name + ".gz"]
        for candidate in candidates:
            try:
                inode = self.reader.open(candidate)
            except FsError as error:
                if error.errno != errno.ENOENT or candidate is candidates[-1]:
                    self.warn(f"{candidate}: {error.strerror}")
                    return None
                continue
            if inode.is_dir:
                self.warn(f"{candidate} is a directory -- ignored", 2)
                return None
            return candidate, inode
        return None

    def decompressed(self, name: str) -> Iterator[bytes]:
        """One operand's text; warns and yields nothing if it is not gzip data."""
        if name == "-":
            data = self.inv.stdin.read()
            try:
                if not data.startswith(_MAGIC):
                    raise NotGzip
                yield from _inflate(iter([data]))
            except NotGzip:
                self.not_gzip("stdin")
            return
        found = self.open(name)
        if found is None:
            return
        path, inode = found
        head = inode.content.read(0, 2) if inode.content is not None else b""
        try:
            text = _text_of(inode.content, head)
            if text is None:
                yield from _inflate(self.reader.chunks(inode, path))
            else:
                for chunk in text:
                    self.reader.count(len(chunk), path)
                    yield chunk
        except NotGzip:
            self.not_gzip(path)

    def not_gzip(self, path: str) -> None:
        # gzip starts this message with a newline, whatever came before.
        if not self.p.flag("quiet"):
            self.inv.stderr.write(f"\ngzip: {path}: not in gzip format\n")
        self.status = 1


def _run_decompress(run: _Gz, operands: list[str]) -> CommandOutput:
    try:
        for name in operands:
            yield from run.decompressed(name)
    except ScanLimitExceeded as stop:
        run.inv.stderr.write(stop.message("gzip"))
        return 1
    return run.status


def _list(run: _Gz, operands: list[str]) -> CommandOutput:
    rows = ["         compressed        uncompressed  ratio uncompressed_name"]
    total_in = total_out = 0
    listed = 0
    for name in operands:
        found = run.open(name)
        if found is None:
            continue
        path, inode = found
        original = gzip_original(inode.content)
        if original is None:
            run.not_gzip(path)
            continue
        base = path.rsplit("/", 1)[-1]
        stem = base[:-3] if base.endswith(".gz") else base
        comp, orig = inode.size, original.size
        header = 18 + len(stem) + 1
        ratio = 0.0 if orig == 0 else 100.0 * (orig - (comp - header)) / orig
        shown = path[:-3] if path.endswith(".gz") else path
        rows.append(f"{comp:>19} {orig:>19} {ratio:5.1f}% {shown}")
        total_in, total_out, listed = total_in + comp, total_out + orig, listed + 1
    if listed > 1:
        ratio = 0.0 if total_out == 0 else (
            100.0 * (total_out - (total_in - 0)) / total_out)
        rows.append(f"{total_in:>19} {total_out:>19} {ratio:5.1f}% (totals)")
    if listed:
        yield ("\n".join(rows) + "\n").encode()
    return run.status


def _compress(run: _Gz, operands: list[str]) -> CommandOutput:
    """gzip FILE: FILE.gz (a modelled archive remembering FILE) replaces FILE."""
    inv = run.inv
    fs = inv.host.fs
    cred = inv.host.cred_for(inv.user)
    for name in operands:
        try:
            inode = run.reader.open(name)
        except FsError as error:
            run.warn(f"{name}: {error.strerror}")
            continue
        if inode.is_dir:
            run.warn(f"{name} is a directory -- ignored", 2)
            continue
        if name.endswith(".gz"):
            run.warn(f"{name} already has .gz suffix -- unchanged", 2)
            continue
        target = name + ".gz"
        if fs.exists(target, inv.cwd) and not run.p.flag("force"):
            run.warn(f"{target} already exists; not overwritten", 2)
            continue
        original = inode.content.copy() if inode.content is not None else FileContent()
        now = inv.world.clock.now_ms
        seed = derive_seed(inv.world.seed, fs.abspath(target, inv.cwd), now)
        packed = gzip_content(seed, target, max(20, int(inode.size * COMPRESSION_RATIO)),
                              now, original=original)
        try:
            created = fs.create(target, inv.cwd, cred=cred, mode=inode.mode)
            fs.set_content(created, packed, path=target)
            fs.utime(created, inode.mtime_ms)
        except FsError as error:
            if fs.exists(target, inv.cwd):
                fs.unlink(target, inv.cwd, cred=cred)
            run.warn(f"{target}: {error.strerror}")
            continue
        if not run.p.flag("keep"):
            fs.unlink(name, inv.cwd, cred=cred)
    return run.status
    yield b""  # a generator, though compressing writes nothing to stdout


def _uncompress_in_place(run: _Gz, operands: list[str]) -> CommandOutput:
    inv = run.inv
    fs = inv.host.fs
    cred = inv.host.cred_for(inv.user)
    for name in operands:
        found = run.open(name)
        if found is None:
            continue
        path, inode = found
        original = gzip_original(inode.content)
        if original is None or not path.endswith(".gz"):
            run.not_gzip(path)
            continue
        target = path[:-3]
        try:
            created = fs.create(target, inv.cwd, cred=cred, mode=inode.mode)
            fs.set_content(created, original.copy(), path=target)
            fs.utime(created, inode.mtime_ms)
        except FsError as error:
            run.warn(f"{target}: {error.strerror}")
            continue
        if not run.p.flag("keep"):
            fs.unlink(path, inv.cwd, cred=cred)
    return run.status
    yield b""


def _gzip(inv: Invocation, p: ParsedArgs, decompress: bool) -> CommandOutput:
    run = _Gz(inv, p)
    operands = p.operands or ["-"]
    if p.flag("list"):
        return (yield from _list(run, operands))
    if p.flag("test"):
        for name in operands:
            for _ in run.decompressed(name):
                pass
        return run.status
    if decompress or p.flag("decompress"):
        if p.flag("stdout") or operands == ["-"]:
            return (yield from _run_decompress(run, operands))
        return (yield from _uncompress_in_place(run, operands))
    if operands == ["-"] or p.flag("stdout"):
        inv.stderr.write("gzip: compressed data not written to a terminal or a pipe "
                         "(pagerdrill models .gz files, not their bytes)\n")
        return 1
    return (yield from _compress(run, operands))


@command("gzip")
@parsed_with(GZIP_SPEC)
def gzip(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: gzip [OPTION]... [FILE]...

    gzip FILE replaces FILE with FILE.gz, about a tenth of its size; -k keeps FILE.
    -d (or gunzip) restores it, -c writes to stdout, -l lists sizes and ratio, -t
    tests. Archives whose text the world never modelled are "not in gzip format".
    Not supported: compressing to stdout, -r, -S, -N/-n.
    """
    return (yield from _gzip(inv, p, False))


@command("gunzip")
@parsed_with(GZIP_SPEC)
def gunzip(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: gunzip [OPTION]... [FILE]... (gzip -d)."""
    return (yield from _gzip(inv, p, True))


@command("zcat")
@parsed_with(GZIP_SPEC)
def zcat(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: zcat [OPTION]... [FILE]... (gzip -dc): the text inside .gz files."""
    run = _Gz(inv, p)
    return (yield from _run_decompress(run, p.operands or ["-"]))


@command("zgrep")
def zgrep(inv: Invocation) -> CommandOutput:
    """Usage: zgrep [GREP-OPTION]... PATTERN [FILE]...

    grep inside .gz files (and plain ones): each FILE is decompressed and given to
    grep, which names it as zgrep does when there is more than one. Options are
    grep's; -e/-f with separate arguments are supported as grep parses them.
    """
    grep = lookup("grep")
    assert grep is not None
    args = inv.args
    # The first operand that is neither an option nor an option's argument is the pattern.
    takes_arg = set("efmABCdD")
    i = 0
    pattern_seen = False
    while i < len(args):
        arg = args[i]
        if arg == "--":
            i += 1
            break
        if arg.startswith("-") and arg != "-":
            if arg[1:] and arg[-1] in takes_arg and not arg.startswith("--"):
                pattern_seen = pattern_seen or arg[-1] in "ef"
                i += 1
            elif arg in ("--regexp", "--file"):
                pattern_seen = True
                i += 1
            i += 1
            continue
        break
    options = args[:i]
    rest = args[i:]
    if not pattern_seen:
        if not rest:
            inv.stderr.write("Usage: grep [OPTION]... PATTERNS [FILE]...\n"
                             "Try 'grep --help' for more information.\n")
            return 2
        options, rest = [*options, rest[0]], rest[1:]
    files = rest or ["-"]
    many = len(files) > 1
    status = 1
    for name in files:
        run = _Gz(inv, ParsedArgs())
        text = b"".join(_decompress_or_plain(run, name))
        if run.status:
            status = 2
            continue
        label = ["--label", name, "-H"] if many else []
        sub = Invocation(["grep", *label, *options, "-"], inv.world, inv.host, inv.shell,
                         ByteInput([text]), inv.stderr)
        result = yield from grep(sub)
        if result == 0 and status != 2:
            status = 0
        elif result == 2:
            status = 2
    return status


def _decompress_or_plain(run: _Gz, name: str) -> Iterator[bytes]:
    """zgrep reads plain files as they are (gzip -cdfq passes them through)."""
    if name == "-":
        yield from run.inv.stdin.chunks()
        return
    found = run.open(name)
    if found is None:
        return
    path, inode = found
    head = inode.content.read(0, 2) if inode.content is not None else b""
    if isinstance(inode.content, GzipContent) or head.startswith(_MAGIC):
        yield from run.decompressed(path)
    else:
        yield from run.reader.chunks(inode, path)
