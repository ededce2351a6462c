"""mkdir, touch, truncate and mktemp: making names and setting sizes and times."""

from __future__ import annotations

import datetime as _dt
import posixpath
import re

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.files.common import allowed, cred_of, quote
from pagerdrill.tools.files.modes import ModeError, parse_mode
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import Kind

__all__ = ["mkdir", "mktemp", "parse_date", "parse_size", "touch", "truncate"]

_UMASK = 0o022


def _usage(inv: Invocation, message: str) -> int:
    inv.error(message)
    inv.stderr.write(f"Try '{inv.name} --help' for more information.\n")
    return 1


# -- mkdir ---------------------------------------------------------------------

_MKDIR = OptionSpec("mkdir", [
    Opt("m", "mode", "mode", Arg.REQUIRED, "set file mode (as in chmod)", "MODE"),
    Opt("p", "parents", "parents", help="no error if existing, make parent directories"),
    Opt("v", "verbose", "verbose", help="print a message for each created directory"),
], usage="mkdir [OPTION]... DIRECTORY...",
    description="Create the DIRECTORY(ies), if they do not already exist.")


@command("mkdir")
@parsed_with(_MKDIR)
def mkdir(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: mkdir [OPTION]... DIRECTORY...
    Create the DIRECTORY(ies), if they do not already exist. Not supported: -Z.
    """
    if not parsed.operands:
        return _usage(inv, "missing operand")
    mode = 0o777 & ~_UMASK
    text = parsed.get("mode")
    if text is not None:
        try:
            mode = parse_mode(text, 0o777, is_dir=True, umask=0)
        except ModeError:
            inv.error(f"invalid mode {quote(text)}")
            return 1
    fs, cred = inv.host.fs, cred_of(inv)
    status = 0
    out: list[str] = []
    for path in parsed.operands:
        targets = [path]
        if parsed.flag("parents"):
            parts = [p for p in path.split("/") if p]
            prefix = "/" if path.startswith("/") else ""
            targets = [prefix + "/".join(parts[: i + 1]) for i in range(len(parts))]
        for i, target in enumerate(targets):
            last = i == len(targets) - 1
            if (parsed.flag("parents") and fs.exists(target, inv.cwd)
                    and fs.lookup(target, inv.cwd).is_dir):
                continue
            try:
                inode = fs.create(target, inv.cwd, kind=Kind.DIR, cred=cred,
                                  mode=mode if last else 0o777 & ~_UMASK)
            except FsError as error:
                inv.error(f"cannot create directory {quote(target)}: {error.strerror}")
                status = 1
                break
            inode.mode = mode if last else inode.mode
            if parsed.flag("verbose"):
                out.append(f"mkdir: created directory {quote(target)}\n")
    if out:
        yield "".join(out).encode()
    return status


# -- touch ---------------------------------------------------------------------

_UNITS_S = {"second": 1, "sec": 1, "minute": 60, "min": 60, "hour": 3600, "day": 86400,
            "week": 604800, "fortnight": 1209600, "month": 2592000, "year": 31536000}


def parse_date(text: str, now_ms: int) -> int | None:
    """A subset of GNU date's input formats, in UTC; None when unrecognised."""
    spec = text.strip().lower()
    if spec in ("now", "today", ""):
        return now_ms
    if spec in ("yesterday", "tomorrow"):
        return now_ms + (86400000 if spec == "tomorrow" else -86400000)
    if re.fullmatch(r"@-?\d+(\.\d+)?", spec):
        return int(float(spec[1:]) * 1000)
    rel = re.fullmatch(r"([-+]?\d+)?\s*([a-z]+?)s?(\s+ago)?", spec)
    if rel and rel.group(2) in _UNITS_S:
        amount = int(rel.group(1) or 1) * _UNITS_S[rel.group(2)] * 1000
        return now_ms - amount if rel.group(3) else now_ms + amount
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t](\d{1,2}):(\d{2})(?::(\d{2})"
                       r"(?:\.(\d+))?)?)?(?:\s*(?:z|utc|\+0000|\+00:00))?", spec)
    if iso:
        year, month, day, hour, minute, second, frac = iso.groups()
        try:
            moment = _dt.datetime(int(year), int(month), int(day), int(hour or 0),
                                  int(minute or 0), int(second or 0), tzinfo=_dt.UTC)
        except ValueError:
            return None
        millis = int((frac or "0")[:3].ljust(3, "0"))
        return int(moment.timestamp()) * 1000 + millis
    return None


def _parse_stamp(text: str, now_ms: int) -> int | None:
    """touch -t [[CC]YY]MMDDhhmm[.ss]."""
    match = re.fullmatch(r"(\d{8}|\d{10}|\d{12})(?:\.(\d{2}))?", text)
    if not match:
        return None
    digits, seconds = match.group(1), int(match.group(2) or 0)
    year = _dt.datetime.fromtimestamp(now_ms // 1000, tz=_dt.UTC).year
    if len(digits) == 12:
        year, digits = int(digits[:4]), digits[4:]
    elif len(digits) == 10:
        yy = int(digits[:2])
        year, digits = (1900 + yy if yy >= 69 else 2000 + yy), digits[2:]
    try:
        moment = _dt.datetime(year, int(digits[:2]), int(digits[2:4]), int(digits[4:6]),
                              int(digits[6:8]), seconds, tzinfo=_dt.UTC)
    except ValueError:
        return None
    return int(moment.timestamp()) * 1000


_TOUCH = OptionSpec("touch", [
    Opt("a", None, "atime", help="change only the access time"),
    Opt("c", "no-create", "no_create", help="do not create any files"),
    Opt("d", "date", "date", Arg.REQUIRED, "parse STRING and use it instead of current time",
        "STRING"),
    Opt("f", None, "ignored", help="(ignored)"),
    Opt("h", "no-dereference", "no_deref", help="affect each symbolic link itself"),
    Opt("m", None, "mtime", help="change only the modification time"),
    Opt("r", "reference", "reference", Arg.REQUIRED, "use this file's times", "FILE"),
    Opt("t", None, "stamp", Arg.REQUIRED, "use [[CC]YY]MMDDhhmm[.ss]", "STAMP"),
    Opt(None, "time", "time", Arg.REQUIRED, "change the specified time", "WORD"),
], usage="touch [OPTION]... FILE...",
    description="Update the access and modification times of each FILE to the current time.")


@command("touch")
@parsed_with(_TOUCH)
def touch(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: touch [OPTION]... FILE...
    Update the access and modification times of each FILE to the current time,
    creating it empty unless -c. -d understands ISO dates, @EPOCH, now,
    yesterday, tomorrow and "N units [ago]" (UTC).
    """
    if not parsed.operands:
        return _usage(inv, "missing file operand")
    fs, cred = inv.host.fs, cred_of(inv)
    now = inv.world.clock.now_ms
    mtime = atime = now
    if (date := parsed.get("date")) is not None:
        value = parse_date(date, now)
        if value is None:
            inv.error(f"invalid date format {quote(date)}")
            return 1
        mtime = atime = value
    if (stamp := parsed.get("stamp")) is not None:
        value = _parse_stamp(stamp, now)
        if value is None:
            inv.error(f"invalid date format {quote(stamp)}")
            return 1
        mtime = atime = value
    if (ref := parsed.get("reference")) is not None:
        try:
            ref_inode = fs.lookup(ref, inv.cwd, cred=cred)
        except FsError as error:
            inv.error(f"failed to get attributes of {quote(ref)}: {error.strerror}")
            return 1
        mtime, atime = ref_inode.mtime_ms, ref_inode.atime_ms
    word = parsed.get("time")
    only_a = parsed.flag("atime") or word in ("atime", "access", "use")
    only_m = parsed.flag("mtime") or word in ("mtime", "modify")
    status = 0
    for path in parsed.operands:
        try:
            inode = fs.lookup(path, inv.cwd, follow=not parsed.flag("no_deref"), cred=cred)
        except FsError as error:
            if error.errno != errno.ENOENT or parsed.flag("no_create"):
                if error.errno != errno.ENOENT:
                    inv.error(f"cannot touch {quote(path)}: {error.strerror}")
                    status = 1
                continue
            try:
                inode = fs.create(path, inv.cwd, cred=cred)
            except FsError as create_error:
                inv.error(f"cannot touch {quote(path)}: {create_error.strerror}")
                status = 1
                continue
        if not cred.is_root and inode.uid != cred.uid and not allowed(inode, cred, 2):
            inv.error(f"cannot touch {quote(path)}: Permission denied")
            status = 1
            continue
        new_m = inode.mtime_ms if only_a and not only_m else mtime
        new_a = inode.atime_ms if only_m and not only_a else atime
        fs.utime(inode, new_m, new_a)
    return status
    yield b""


# -- truncate ------------------------------------------------------------------

_SUFFIXES = {"": 1, "K": 1024, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50,
             "E": 1 << 60, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
             "KIB": 1024, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40}


def parse_size(text: str) -> tuple[str, int] | None:
    """truncate's SIZE: an optional +-<>/% prefix and a number with a unit suffix."""
    match = re.fullmatch(r"([-+<>/%]?)\s*(\d+)([A-Za-z]*)", text)
    if match is None:
        return None
    prefix, digits, suffix = match.groups()
    unit = _SUFFIXES.get(suffix.upper() if suffix.upper() not in ("K",) else "K")
    if suffix in ("k",):
        unit = 1024
    if unit is None:
        return None
    return prefix, int(digits) * unit


_TRUNCATE = OptionSpec("truncate", [
    Opt("c", "no-create", "no_create", help="do not create any files"),
    Opt("o", "io-blocks", "io_blocks", help="treat SIZE as number of IO blocks"),
    Opt("r", "reference", "reference", Arg.REQUIRED, "base size on RFILE", "RFILE"),
    Opt("s", "size", "size", Arg.REQUIRED, "set or adjust the file size by SIZE bytes", "SIZE"),
], usage="truncate OPTION... FILE...",
    description="Shrink or extend the size of each FILE to the specified size")


@command("truncate")
@parsed_with(_TRUNCATE)
def truncate(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: truncate OPTION... FILE...
    Shrink or extend the size of each FILE to the specified size. Shrinking frees
    the blocks at once, even while a process holds the file open.
    """
    size_text, ref = parsed.get("size"), parsed.get("reference")
    if size_text is None and ref is None:
        return _usage(inv, "you must specify either '--size' or '--reference'")
    if not parsed.operands:
        return _usage(inv, "missing file operand")
    fs, cred = inv.host.fs, cred_of(inv)
    prefix, amount = "", 0
    if size_text is not None:
        size = parse_size(size_text)
        if size is None:
            inv.error(f"Invalid number: {quote(size_text)}")
            return 1
        prefix, amount = size
        if prefix in ("/", "%") and amount == 0:
            inv.error("division by zero")
            return 1
        if parsed.flag("io_blocks"):
            amount *= 4096
    if ref is not None:
        try:
            ref_size = fs.lookup(ref, inv.cwd, cred=cred).size
        except FsError as error:
            inv.error(f"cannot stat {quote(ref)}: {error.strerror}")
            return 1
        if size_text is None:
            amount = ref_size
    status = 0
    for path in parsed.operands:
        try:
            inode = fs.lookup(path, inv.cwd, cred=cred)
        except FsError as error:
            if error.errno == errno.ENOENT and parsed.flag("no_create"):
                continue
            if error.errno != errno.ENOENT:
                inv.error(f"cannot open {quote(path)} for writing: {error.strerror}")
                status = 1
                continue
            try:
                inode = fs.create(path, inv.cwd, cred=cred)
            except FsError as create_error:
                inv.error(f"cannot open {quote(path)} for writing: {create_error.strerror}")
                status = 1
                continue
        if inode.is_dir:
            inv.error(f"cannot open {quote(path)} for writing: Is a directory")
            status = 1
            continue
        if not allowed(inode, cred, 2):
            inv.error(f"cannot open {quote(path)} for writing: Permission denied")
            status = 1
            continue
        base = ref_size if ref is not None and size_text is not None else inode.size
        target = {
            "": amount, "+": base + amount, "-": max(0, base - amount),
            "<": min(base, amount), ">": max(base, amount),
            "/": base // amount * amount if amount else base,
            "%": -(-base // amount) * amount if amount else base,
        }[prefix]
        if inode.kind is Kind.CHAR:
            continue
        fs.truncate(inode, target, path=path)
    return status
    yield b""


# -- mktemp --------------------------------------------------------------------

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

_MKTEMP = OptionSpec("mktemp", [
    Opt("d", "directory", "directory", help="create a directory, not a file"),
    Opt("u", "dry-run", "dry_run", help="do not create anything; merely print a name"),
    Opt("q", "quiet", "quiet", help="suppress diagnostics about file/dir-creation failure"),
    Opt(None, "suffix", "suffix", Arg.REQUIRED, "append SUFF to TEMPLATE", "SUFF"),
    Opt("p", "tmpdir", "tmpdir", Arg.OPTIONAL, "interpret TEMPLATE relative to DIR", "DIR",
        const=""),
    Opt("t", None, "t", help="interpret TEMPLATE as a single file name component"),
], usage="mktemp [OPTION]... [TEMPLATE]",
    description="Create a temporary file or directory, safely, and print its name.")


@command("mktemp")
@parsed_with(_MKTEMP)
def mktemp(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: mktemp [OPTION]... [TEMPLATE]
    Create a temporary file or directory and print its name. Names are drawn
    from the host filesystem's seeded generator, so a replay makes the same ones.
    """
    if len(parsed.operands) > 1:
        return _usage(inv, "too many templates")
    template = parsed.operands[0] if parsed.operands else "tmp.XXXXXXXXXX"
    suffix = parsed.get("suffix") or ""
    stem = template
    if not suffix:
        match = re.fullmatch(r"(.*X)([^X]*)", template)
        if match and "/" not in match.group(2) and parsed.operands:
            stem, suffix = match.groups()
    if len(stem) - len(stem.rstrip("X")) < 3:
        inv.error(f"too few X's in template {quote(template)}")
        return 1
    tmpdir = parsed.values.get("tmpdir")
    base_dir = inv.env.get("TMPDIR") or "/tmp"
    if parsed.flag("t") or not parsed.operands or tmpdir is not None:
        if isinstance(tmpdir, str) and tmpdir:
            base_dir = tmpdir
        stem = posixpath.join(base_dir, stem)
    fs, cred = inv.host.fs, cred_of(inv)
    count = len(stem) - len(stem.rstrip("X"))
    for _ in range(100):
        name = stem[:-count] + "".join(fs.rng.choice(_LETTERS) for _ in range(count)) + suffix
        if fs.exists(name, inv.cwd):
            continue
        if not parsed.flag("dry_run"):
            try:
                if parsed.flag("directory"):
                    fs.create(name, inv.cwd, kind=Kind.DIR, mode=0o700, cred=cred)
                else:
                    fs.create(name, inv.cwd, mode=0o600, cred=cred)
            except FsError as error:
                if not parsed.flag("quiet"):
                    what = "directory" if parsed.flag("directory") else "file"
                    inv.error(f"failed to create {what} via template {quote(template if parsed.operands else stem + suffix)}: {error.strerror}")  # noqa: E501
                return 1
        yield (name + "\n").encode()
        return 0
    return 1
