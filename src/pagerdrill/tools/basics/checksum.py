"""md5sum, sha1sum, sha256sum (and sha224/384/512): print or check digests."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import Reader, ScanLimitExceeded
from pagerdrill.world.errors import FsError

__all__ = ["md5sum", "sha1sum", "sha224sum", "sha256sum", "sha384sum", "sha512sum"]


def _spec(prog: str) -> OptionSpec:
    return OptionSpec(prog, [
        Opt("b", "binary", "binary", help="read in binary mode"),
        Opt("c", "check", "check", help="read checksums from the FILEs and check them"),
        Opt("t", "text", "text", help="read in text mode (default)"),
        Opt(None, "quiet", "quiet", help="don't print OK for each successfully verified file"),
        Opt(None, "status", "status", help="don't output anything, status code shows success"),
        Opt(None, "tag", "tag", help="create a BSD-style checksum"),
        Opt("z", "zero", "zero", help="end each output line with NUL, not newline"),
    ], usage=f"{prog} [OPTION]... [FILE]...",
        description=f"Print or check {prog[:-3].upper()} checksums.")


def _digest(algo: str, chunks: Iterator[bytes]) -> str:
    hasher = hashlib.new(algo)
    for chunk in chunks:
        hasher.update(chunk)
    return hasher.hexdigest()


def _check(inv: Invocation, p: ParsedArgs, algo: str, reader: Reader) -> CommandOutput:
    status = 0
    width = hashlib.new(algo).digest_size * 2
    for listing in p.operands or ["-"]:
        try:
            text = b"".join(reader.stream(listing)).decode(errors="replace")
        except FsError as error:
            inv.error(f"{listing}: {error.strerror}")
            status = 1
            continue
        good = failed = 0
        for line in text.splitlines():
            digest, sep, name = line.partition(" ")
            if len(digest) != width or not sep or name[:1] not in (" ", "*"):
                continue
            good += 1
            name = name[1:]
            try:
                actual = _digest(algo, reader.stream(name))
            except FsError as error:
                inv.error(f"{name}: {error.strerror}")
                if not p.flag("status"):
                    yield f"{name}: FAILED open or read\n".encode()
                failed += 1
                continue
            ok = actual == digest.lower()
            failed += not ok
            if not p.flag("status") and not (ok and p.flag("quiet")):
                yield f"{name}: {'OK' if ok else 'FAILED'}\n".encode()
        if not good:
            inv.error(f"{listing}: no properly formatted checksum lines found")
            status = 1
        elif failed:
            plural = "s" if failed > 1 else ""
            inv.error(f"WARNING: {failed} computed checksum{plural} did NOT match")
            status = 1
    return status


def _sum(algo: str, inv: Invocation, p: ParsedArgs) -> CommandOutput:
    reader = Reader(inv)
    if p.flag("check"):
        return (yield from _check(inv, p, algo, reader))
    status = 0
    end = "\0" if p.flag("zero") else "\n"
    mark = "*" if p.flag("binary") else " "
    for operand in p.operands or ["-"]:
        try:
            if operand != "-" and reader.open(operand).is_dir:
                inv.error(f"{operand}: Is a directory")
                status = 1
                continue
            digest = _digest(algo, reader.stream(operand))
        except FsError as error:
            inv.error(f"{operand}: {error.strerror}")
            status = 1
            continue
        except ScanLimitExceeded as stop:
            inv.stderr.write(stop.message(inv.name))
            return 1
        if p.flag("tag"):
            yield f"{algo.upper()} ({operand}) = {digest}{end}".encode()
        else:
            yield f"{digest} {mark}{operand}{end}".encode()
    return status


@command("md5sum")
@parsed_with(_spec("md5sum"))
def md5sum(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: md5sum [OPTION]... [FILE]...

    Print (or with -c check) MD5 checksums of files or stdin; --tag, -z, -b, --quiet,
    --status. Files past the pagerdrill scan limit (64 MiB) stop with a message rather
    than hashing gigabytes of generated log. Names needing escapes are printed raw.
    """
    return (yield from _sum("md5", inv, p))


@command("sha1sum")
@parsed_with(_spec("sha1sum"))
def sha1sum(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: sha1sum [OPTION]... [FILE]... (as md5sum, with SHA-1)."""
    return (yield from _sum("sha1", inv, p))


@command("sha224sum")
@parsed_with(_spec("sha224sum"))
def sha224sum(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: sha224sum [OPTION]... [FILE]... (as md5sum, with SHA-224)."""
    return (yield from _sum("sha224", inv, p))


@command("sha256sum")
@parsed_with(_spec("sha256sum"))
def sha256sum(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: sha256sum [OPTION]... [FILE]... (as md5sum, with SHA-256)."""
    return (yield from _sum("sha256", inv, p))


@command("sha384sum")
@parsed_with(_spec("sha384sum"))
def sha384sum(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: sha384sum [OPTION]... [FILE]... (as md5sum, with SHA-384)."""
    return (yield from _sum("sha384", inv, p))


@command("sha512sum")
@parsed_with(_spec("sha512sum"))
def sha512sum(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: sha512sum [OPTION]... [FILE]... (as md5sum, with SHA-512)."""
    return (yield from _sum("sha512", inv, p))
