"""stat: display file status, GNU coreutils 9.1's default layout and -c/--printf."""

from __future__ import annotations

import re

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.files import statfs
from pagerdrill.tools.files.common import (
    device_of,
    file_type,
    fmt_time_full,
    mode_string,
    quote,
    quote_maybe,
    rdev_of,
)
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Inode, Kind

__all__ = ["stat"]

_SPEC = OptionSpec("stat", [
    Opt("L", "dereference", "dereference", help="follow links"),
    Opt("f", "file-system", "filesystem", help="display file system status instead"),
    Opt("c", "format", "format", Arg.REQUIRED, "use the specified FORMAT", "FORMAT"),
    Opt(None, "printf", "printf", Arg.REQUIRED, "like --format, but interpret escapes",
        "FORMAT"),
    Opt("t", "terse", "terse", help="print the information in terse form"),
], usage="stat [OPTION]... FILE...", description="Display file or file system status.")

_DIRECTIVE = re.compile(r"%([-#0 +']*)(\d*)(?:\.(\d*))?([HL][dr]|.)?")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "r": "\r",
            "v": "\v", '"': '"', "e": "\x1b"}
_TERSE = "%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %W %o\n"


def _seconds(ms: int, precision: str | None) -> str:
    if precision is None:
        return str(ms // 1000)
    digits = int(precision) if precision else 9
    frac = f"{ms % 1000 * 1_000_000:09d}"[:digits]
    return f"{ms // 1000}.{frac}" if digits else str(ms // 1000)


class _Stat:
    def __init__(self, inv: Invocation, path: str, inode: Inode, always_quote: bool) -> None:
        self.inv, self.path, self.inode, self.always_quote = inv, path, inode, always_quote

    def name_with_target(self) -> str:
        show = quote if self.always_quote else quote_maybe
        text = show(self.path)
        if self.inode.kind is Kind.LINK:
            text += " -> " + show(self.inode.target)
        return text

    def field(self, code: str, precision: str | None) -> tuple[str, bool]:
        """The text for one directive, and whether it is numeric (for 0 padding)."""
        inode, host = self.inode, self.inv.host
        # Device nodes live on udev's devtmpfs, not on the disk.
        major, minor = (0, 5) if inode.kind is Kind.CHAR else device_of(inode.mount)
        rmajor, rminor = rdev_of(inode)
        raw = {Kind.FILE: 0o100000, Kind.DIR: 0o040000, Kind.LINK: 0o120000,
               Kind.CHAR: 0o020000}[inode.kind] | inode.mode
        times = {"x": inode.atime_ms, "y": inode.mtime_ms, "z": inode.ctime_ms,
                 "w": inode.btime_ms}
        if code in times:
            return fmt_time_full(times[code]), False
        if code.lower() in ("X", "Y", "Z", "W") or code in "XYZW":
            return _seconds(times[code.lower()], precision), True
        values: dict[str, tuple[str, bool]] = {
            "a": (f"{inode.mode & 0o7777:o}", True), "A": (mode_string(inode), False),
            "b": (str(inode.blocks), True), "B": ("512", True), "C": ("?", False),
            "d": (str(major << 8 | minor), True), "D": (f"{major << 8 | minor:x}", False),
            "Hd": (str(major), True), "Ld": (str(minor), True),
            "f": (f"{raw:x}", False), "F": (file_type(inode), False),
            "g": (str(inode.gid), True), "G": (host.group_name(inode.gid), False),
            "h": (str(inode.nlink), True), "i": (str(inode.ino), True),
            "m": (inode.mount.target, False), "n": (self.path, False),
            "N": (self.name_with_target(), False), "o": ("4096", True),
            "s": (str(inode.size), True), "r": (str(rmajor << 8 | rminor), True),
            "R": (f"{rmajor << 8 | rminor:x}", False), "Hr": (str(rmajor), True),
            "Lr": (str(rminor), True), "t": (f"{rmajor:x}", False),
            "T": (f"{rminor:x}", False), "u": (str(inode.uid), True),
            "U": (host.user_name(inode.uid), False),
        }
        return values.get(code, ("?", False))

    def render(self, fmt: str) -> str:
        def replace(match: re.Match[str]) -> str:
            flags, width, precision, code = match.groups()
            if code is None:
                return "%"
            if code == "%":
                return "%"
            text, numeric = self.field(code, precision)
            if code == "a" and "#" in flags:
                text = "0" + text
            if width:
                size = int(width)
                if "-" in flags:
                    text = text.ljust(size)
                elif "0" in flags and numeric:
                    text = text.zfill(size)
                else:
                    text = text.rjust(size)
            return text

        return _DIRECTIVE.sub(replace, fmt)

    def default(self) -> str:
        inode = self.inode
        device = inode.kind is Kind.CHAR
        lines = [
            f"  File: {self.name_with_target()}",
            self.render("  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F"),
            self.render("Device: %Hd,%Ld\tInode: %-11i Links: "
                        + ("%-5h Device type: %Hr,%Lr" if device else "%h")),
            self.render("Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)"),
            self.render("Access: %x"), self.render("Modify: %y"), self.render("Change: %z"),
            self.render(" Birth: %w"),
        ]
        return "\n".join(lines) + "\n"


def _unescape(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        body = match.group(1)
        if body[0] in "01234567":
            return chr(int(body, 8))
        return _ESCAPES.get(body, "\\" + body)

    return re.sub(r"\\([0-7]{1,3}|.)", replace, text)


@command("stat")
@parsed_with(_SPEC)
def stat(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: stat [OPTION]... FILE...
    Display file status: the default layout, -c/--format, --printf, -t, -L.
    -f shows the file system status (%n %i %l %t %T %s %S %b %f %a %c %d; no
    reserved blocks: Free equals Available). Not supported: %C (no SELinux), %m
    beyond the mount.
    """
    if not parsed.operands:
        inv.error("missing operand")
        inv.stderr.write("Try 'stat --help' for more information.\n")
        return 1
    fmt = parsed.get("format")
    printf = parsed.get("printf")
    if parsed.flag("filesystem"):
        return (yield from _filesystems(inv, parsed))
    status = 0
    for path in parsed.operands:
        try:
            inode = inv.host.fs.lookup(path, inv.cwd, follow=parsed.flag("dereference"),
                                       cred=inv.host.cred_for(inv.user))
        except FsError as error:
            inv.error(f"cannot statx {quote(path)}: {error.strerror}")
            status = 1
            continue
        info = _Stat(inv, path, inode, always_quote=fmt is not None or printf is not None)
        if printf is not None:
            yield info.render(_unescape(printf)).encode()
        elif fmt is not None:
            yield (info.render(fmt) + "\n").encode()
        elif parsed.flag("terse"):
            yield info.render(_TERSE).encode()
        else:
            yield info.default().encode()
    return status


def _filesystems(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    fmt, printf = parsed.get("format"), parsed.get("printf")
    template = (_unescape(printf) if printf is not None else fmt + "\n" if fmt is not None
                else statfs.TERSE if parsed.flag("terse") else statfs.DEFAULT)
    status = 0
    for path in parsed.operands:
        try:
            inode = inv.host.fs.lookup(path, inv.cwd, cred=inv.host.cred_for(inv.user))
        except FsError as error:
            inv.error(f"cannot read file system information for {quote(path)}: "
                      f"{error.strerror}")
            status = 1
            continue
        yield statfs.render_statfs(template, path, inode.mount).encode()
    return status
