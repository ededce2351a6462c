"""What the file tools share: GNU quoting, human sizes, modes, times, paths."""

from __future__ import annotations

import datetime as _dt
import posixpath
import re

from pagerdrill.tools.api import Invocation
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Cred, FileSystem, Inode, Kind, Mount

__all__ = [
    "DEVICE_NUMBERS",
    "allowed",
    "ceil_div",
    "child_path",
    "cred_of",
    "device_of",
    "file_type",
    "fmt_time_full",
    "fmt_time_ls",
    "human",
    "is_recent",
    "is_terminal",
    "mode_string",
    "quote",
    "quote_maybe",
    "rdev_of",
    "report",
    "resolve",
]

# Character devices the base system creates, with Linux's major/minor numbers.
DEVICE_NUMBERS = {
    "null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8),
    "urandom": (1, 9), "tty": (5, 0),
}

_SAFE = re.compile(r"^[A-Za-z0-9_%+,\-./:=@^]+$")
_DOUBLE_SPECIAL = set('$`"\\')


def _single(text: str) -> str:
    out = []
    for char in text:
        if char == "'":
            out.append("'\\''")
        elif ord(char) < 32 or ord(char) == 127:
            out.append(f"'$'\\{_ctrl(char)}''")
        else:
            out.append(char)
    return "'" + "".join(out) + "'"


def _ctrl(char: str) -> str:
    named = {"\n": "n", "\t": "t", "\r": "r", "\a": "a", "\b": "b", "\f": "f", "\v": "v"}
    return named.get(char, f"{ord(char):03o}")


def quote(text: str) -> str:
    """coreutils' quoteaf: shell-escape-always quoting, as in every error message."""
    if not text:
        return "''"
    if _SAFE.match(text) and not text.startswith("~"):
        return f"'{text}'"
    if "'" in text and not (_DOUBLE_SPECIAL & set(text)) and all(ord(c) >= 32 for c in text):
        return f'"{text}"'
    result = _single(text)
    # GNU drops the empty '' pairs the escapes leave at the edges.
    while result.startswith("''") and len(result) > 2:
        result = result[2:]
    while result.endswith("''") and len(result) > 2:
        result = result[:-2]
    return result


def quote_maybe(text: str) -> str:
    """quotef / shell-escape: quote only when the shell would need it."""
    if _SAFE.match(text or "-") and not text.startswith("~"):
        return text
    return quote(text)


def cred_of(inv: Invocation) -> Cred:
    return inv.host.cred_for(inv.user)


def resolve(inv: Invocation, path: str, *, follow: bool = True) -> Inode:
    return inv.host.fs.lookup(path, inv.cwd, follow=follow, cred=cred_of(inv))


def report(inv: Invocation, what: str, path: str, error: FsError) -> None:
    """``tool: what 'path': strerror`` (``what`` may be empty)."""
    prefix = f"{what} " if what else ""
    inv.error(f"{prefix}{quote(path)}: {error.strerror}")


def child_path(parent: str, name: str) -> str:
    """Join as find and du do: no slash doubled after a trailing one."""
    return parent + name if parent.endswith("/") else f"{parent}/{name}"


# -- modes ---------------------------------------------------------------------

def mode_string(inode: Inode) -> str:
    mode = inode.mode
    chars = [inode.kind.value]
    for shift, special, letter in ((6, 0o4000, "s"), (3, 0o2000, "s"), (0, 0o1000, "t")):
        bits = (mode >> shift) & 7
        chars.append("r" if bits & 4 else "-")
        chars.append("w" if bits & 2 else "-")
        if mode & special:
            chars.append(letter if bits & 1 else letter.upper())
        else:
            chars.append("x" if bits & 1 else "-")
    return "".join(chars)


def file_type(inode: Inode) -> str:
    if inode.kind is Kind.DIR:
        return "directory"
    if inode.kind is Kind.LINK:
        return "symbolic link"
    if inode.kind is Kind.CHAR:
        return "character special file"
    return "regular file" if inode.size else "regular empty file"


def rdev_of(inode: Inode) -> tuple[int, int]:
    return DEVICE_NUMBERS.get(inode.device, (1, 3)) if inode.kind is Kind.CHAR else (0, 0)


def device_of(mount: Mount) -> tuple[int, int]:
    """st_dev of a mount: sdXN is major 8, vdXN 254, anything virtual 0."""
    match = re.fullmatch(r"/dev/([sv])d([a-z])(\d*)", mount.source)
    if match:
        major = 8 if match.group(1) == "s" else 254
        return major, (ord(match.group(2)) - 97) * 16 + int(match.group(3) or 0)
    return 0, 20 + len(mount.target)


# -- sizes ---------------------------------------------------------------------

def human(amount: int, *, base: int = 1024, ceiling: bool = True) -> str:
    """gnulib human_readable with autoscale and SI letters (K for 1024, k for 1000)."""
    letters = "KMGTPEZYRQ" if base == 1024 else "kMGTPEZYRQ"
    if amount < base:
        return str(amount)
    tenths = rounding = exponent = 0
    while amount >= base and exponent < len(letters):
        r10 = (amount % base) * 10 + tenths
        r2 = (r10 % base) * 2 + (rounding >> 1)
        amount //= base
        tenths = r10 // base
        rounding = (1 if r2 + rounding else 0) if r2 < base else 2 + (
            1 if base < r2 + rounding else 0)
        exponent += 1
    text = ""
    if amount < 10:
        if _round_up(tenths, rounding, ceiling):
            tenths += 1
            rounding = 0
            if tenths == 10:
                amount += 1
                tenths = 0
        if amount < 10:
            text = f".{tenths}"
            tenths = rounding = 0
    if (tenths + rounding > 0) if ceiling else (tenths + (rounding + (amount & 1) > 0) > 5):
        amount += 1
        if amount == base and exponent < len(letters):
            exponent += 1
            amount, text = 1, ".0"
    return f"{amount}{text}{letters[exponent - 1]}"


def _round_up(tenths: int, rounding: int, ceiling: bool) -> bool:
    return rounding > 0 if ceiling else rounding + (tenths & 1) > 2


def ceil_div(amount: int, unit: int) -> int:
    return -(-amount // unit)


# -- times ---------------------------------------------------------------------

_HALF_YEAR_MS = 31556952 // 2 * 1000


def _utc(ms: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ms // 1000, tz=_dt.UTC)


def is_recent(ms: int, now_ms: int) -> bool:
    """Within the last six months (half a Gregorian year) and not in the future."""
    return now_ms - _HALF_YEAR_MS < ms <= now_ms


def fmt_time_ls(ms: int, now_ms: int) -> str:
    """ls -l's default date: ``Mar 17 03:07`` when recent, else ``Jan  5  2025``."""
    moment = _utc(ms)
    recent = is_recent(ms, now_ms)
    day = f"{moment:%b} {moment.day:>2}"
    return f"{day} {moment:%H:%M}" if recent else f"{day}  {moment.year}"


def fmt_time_full(ms: int) -> str:
    """``2026-03-17 03:07:00.000000000 +0000`` (stat, ls --full-time)."""
    moment = _utc(ms)
    return f"{moment:%Y-%m-%d %H:%M:%S}.{ms % 1000 * 1_000_000:09d} +0000"


def normpath(path: str) -> str:
    return posixpath.normpath(path)


def allowed(inode: Inode, cred: Cred, want: int) -> bool:
    """The kernel's permission check (mask of 4 r, 2 w, 1 x), without raising."""
    return FileSystem.access(inode, want, cred)


def is_terminal(inv: Invocation) -> bool:
    """Whether standard output is the player's terminal (ls columns, quoting, colour).

    The shell says so through an optional ``stdout_is_terminal`` attribute of its
    context; a pipe or a redirect (and any context without it) is not a terminal.
    """
    return bool(getattr(inv.shell, "stdout_is_terminal", False))
