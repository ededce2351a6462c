"""file: determine file type from a few magic numbers (file 5.44's wording)."""

from __future__ import annotations

import json
import posixpath

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.files.common import rdev_of
from pagerdrill.tools.options import Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command, names
from pagerdrill.tools.system.timefmt import from_ms
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import Inode, Kind
from pagerdrill.world.programs.logrotate import GzipContent, gzip_original

__all__ = ["describe", "file"]

FILE_SPEC = OptionSpec(
    "file",
    [Opt("b", "brief", "brief", help="do not prepend filenames to output lines"),
     Opt("L", "dereference", "follow", help="follow symlinks"),
     Opt("h", "no-dereference", "follow", const=False, help="don't follow symlinks"),
     Opt("i", "mime", "mime", help="output MIME type strings")],
    usage="file [OPTION...] [FILE...]",
    description="Determine type of FILEs.",
)

_SAMPLE = 65536
_ELF = ("ELF 64-bit LSB pie executable, x86-64, version 1 (SYSV), dynamically linked, "
        "interpreter /lib64/ld-linux-x86-64.so.2, for GNU/Linux 3.2.0, stripped")
_BIN_DIRS = ("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin")
_SHELLS = {"sh": "POSIX shell script", "dash": "POSIX shell script",
           "bash": "Bourne-Again shell script", "python3": "Python script",
           "python": "Python script", "perl": "Perl script text"}


def _text_kind(data: bytes, whole: bool) -> str:
    """ASCII/UTF-8 text with file's remarks on line terminators and lengths."""
    try:
        data.decode("ascii")
        base = "ASCII text"
    except UnicodeDecodeError:
        try:
            data.decode("utf-8")
            base = "Unicode text, UTF-8 text"
        except UnicodeDecodeError:
            return "data"
    if any(b < 32 and b not in b"\t\n\r\f\x1b\x08\x07\x0b" for b in data) or b"\x7f" in data:
        return "data"
    lines = data.split(b"\n")
    longest = max(len(line) for line in lines)
    remarks = []
    if longest > 300:
        remarks.append(f"with very long lines ({longest})")
    if b"\r\n" in data:
        remarks.append("with CRLF line terminators")
    elif b"\n" not in data and whole:
        remarks.append("with no line terminators")
    return ", ".join([base, *remarks])


def _script(data: bytes, executable: bool) -> str | None:
    if not data.startswith(b"#!"):
        return None
    words = data[2:].split(b"\n", 1)[0].decode(errors="replace").split()
    if not words:
        return None
    interpreter = posixpath.basename(words[0])
    if interpreter == "env" and len(words) > 1:
        interpreter = words[1]
    kind = _SHELLS.get(interpreter.rstrip("0123456789.") if interpreter.startswith(
        "python") else interpreter)
    if kind is None:
        kind = f"a {words[0]} script"
    text = _text_kind(data, True).split(", with no line terminators")[0]
    return f"{kind}, {text} executable" if executable else f"{kind}, {text}"


def _gzip(inode: Inode, name: str) -> str:
    original = gzip_original(inode.content)
    if original is None:  # an archive whose text the world never modelled
        return "gzip compressed data, from Unix"
    base = posixpath.basename(name)
    stem = base[:-3] if base.endswith(".gz") else base
    stamp = f"{from_ms(inode.mtime_ms):%a %b %e %H:%M:%S %Y}".replace("  ", " ")
    return (f'gzip compressed data, was "{stem}", last modified: {stamp}, from Unix, '
            f"original size modulo 2^32 {original.size % 2**32}")


def describe(inode: Inode, name: str) -> str:
    """file's description of one (already resolved) inode."""
    if inode.kind is Kind.DIR:
        return "sticky, directory" if inode.mode & 0o1000 else "directory"
    if inode.kind is Kind.CHAR:
        major, minor = rdev_of(inode)
        return f"character special ({major}/{minor})"
    if inode.content is None or inode.size == 0:
        return "empty"
    if isinstance(inode.content, GzipContent):
        return _gzip(inode, name)
    data = inode.content.read(0, _SAMPLE)
    if data.startswith(b"\x7fELF"):
        return _ELF
    if data.startswith(b"\x1f\x8b"):
        return "gzip compressed data, from Unix"
    if inode.size < 3 and b"\0" in data:
        return "very short file (no magic)"
    script = _script(data, True)  # "executable" is about the #! magic, not the mode
    if script is not None:
        return script
    if data.lstrip()[:1] in (b"{", b"[") and inode.size <= _SAMPLE:
        try:
            json.loads(data)
            return "JSON text data"
        except ValueError:
            pass
    return _text_kind(data, inode.size <= _SAMPLE)


@command("file")
@parsed_with(FILE_SPEC)
def file(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: file [-bhL] FILE...

    Name each file's type: ASCII/UTF-8 text (with CRLF, very long lines, no line
    terminators), empty, directory, symbolic link to X, character special, scripts
    by their #! line, JSON, gzip compressed data, ELF for the system's commands
    (/usr/bin/NAME for any command this simulator knows). Not supported: -i, -z,
    -f, most magic.
    """
    if not p.operands:
        inv.stderr.write("Usage: file [-bcdEhikLlNnprsSvzZ0] [--apple] [--extension] "
                         "[--mime-encoding]\n            [--mime-type] [-e <testname>] "
                         "[-F <separator>]  [-f <namefile>]\n            [-m <magicfiles>] "
                         "[-P <parameter=value>] [--exclude-quiet]\n"
                         "            <file> ...\n       file -C [-m <magicfiles>]\n"
                         "       file [--help]\n")
        return 1
    fs = inv.host.fs
    cred = inv.host.cred_for(inv.user)
    width = max(len(name) for name in p.operands) + 1
    lines = []
    for name in p.operands:
        try:
            inode = fs.lookup(name, inv.cwd, follow=bool(p.flag("follow")), cred=cred)
            if inode.kind is Kind.LINK:
                try:
                    fs.lookup(name, inv.cwd, cred=cred)
                    text = f"symbolic link to {inode.target}"
                except FsError:
                    text = f"broken symbolic link to {inode.target}"
            else:
                text = describe(inode, name)
        except FsError as error:
            path = fs.abspath(name, inv.cwd)
            in_bin = posixpath.dirname(path) in _BIN_DIRS
            if error.errno == errno.ENOENT and in_bin and posixpath.basename(path) in names():
                text = _ELF  # the simulator's own commands stand for real binaries
            else:
                text = f"cannot open `{name}' ({error.strerror})"
        lines.append(text if p.flag("brief") else f"{name + ':':<{width}} {text}")
    yield ("\n".join(lines) + "\n").encode()
    return 0
