"""ln, readlink, realpath, basename and dirname: names and what they point at."""

from __future__ import annotations

import posixpath

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.files.common import cred_of, quote, quote_maybe
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import Kind

__all__ = ["basename", "canonicalize", "dirname", "ln", "readlink", "realpath"]

_MAX_LINKS = 40


def _usage(inv: Invocation, message: str) -> int:
    inv.error(message)
    inv.stderr.write(f"Try '{inv.name} --help' for more information.\n")
    return 1


def canonicalize(inv: Invocation, path: str, mode: str) -> str:
    """readlink -f/-e/-m: ``mode`` is "existing" (all parts), "dirs" (all but the
    last) or "missing" (none need exist). Raises FsError."""
    fs, cred = inv.host.fs, cred_of(inv)
    pending = [p for p in (path if path.startswith("/") else inv.cwd + "/" + path).split("/")]
    resolved: list[str] = []
    hops = 0
    while pending:
        part = pending.pop(0)
        if part in ("", "."):
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = "/" + "/".join([*resolved, part])
        try:
            inode = fs.lookup(candidate, follow=False, cred=cred)
        except FsError as error:
            last = not any(p not in ("", ".") for p in pending)
            if mode == "missing" or (mode == "dirs" and last and error.errno == errno.ENOENT):
                resolved.append(part)
                continue
            raise FsError(error.errno, path) from error
        if inode.kind is Kind.LINK:
            hops += 1
            if hops > _MAX_LINKS:
                raise FsError(errno.ELOOP, path)
            target = inode.target
            if target.startswith("/"):
                resolved = []
            pending = target.split("/") + pending
            continue
        more = any(p not in ("", ".") for p in pending)
        if more and not inode.is_dir and mode != "missing":
            raise FsError(errno.ENOTDIR, path)
        resolved.append(part)
    return "/" + "/".join(resolved)


_READLINK = OptionSpec("readlink", [
    Opt("f", "canonicalize", "mode", const="dirs", help="canonicalize by following every link"),
    Opt("e", "canonicalize-existing", "mode", const="existing", help="all components must exist"),
    Opt("m", "canonicalize-missing", "mode", const="missing", help="without existence rules"),
    Opt("n", "no-newline", "no_newline", help="do not output the trailing delimiter"),
    Opt("q", "quiet", "quiet", help="suppress most error messages"),
    Opt("s", "silent", "quiet", help="suppress most error messages"),
    Opt("v", "verbose", "verbose", help="report error messages"),
    Opt("z", "zero", "zero", help="end each output line with NUL, not newline"),
], usage="readlink [OPTION]... FILE...",
    description="Print value of a symbolic link or canonical file name")


@command("readlink")
@parsed_with(_READLINK)
def readlink(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: readlink [OPTION]... FILE...
    Print value of a symbolic link or canonical file name.
    """
    if not parsed.operands:
        return _usage(inv, "missing operand")
    end = "\0" if parsed.flag("zero") else "\n"
    if parsed.flag("no_newline") and len(parsed.operands) == 1:
        end = ""
    mode = parsed.get("mode")
    status = 0
    for path in parsed.operands:
        try:
            if mode:
                text = canonicalize(inv, path, mode)
            else:
                inode = inv.host.fs.lookup(path, inv.cwd, follow=False, cred=cred_of(inv))
                if inode.kind is not Kind.LINK:
                    raise FsError(errno.EINVAL, path)
                text = inode.target
        except FsError as error:
            if parsed.flag("verbose"):
                inv.error(f"{quote_maybe(path)}: {error.strerror}")
            status = 1
            continue
        yield (text + end).encode()
    return status


_REALPATH = OptionSpec("realpath", [
    Opt("e", "canonicalize-existing", "mode", const="existing", help="all components must exist"),
    Opt("m", "canonicalize-missing", "mode", const="missing", help="no path components need exist"),
    Opt("L", "logical", "logical", help="resolve '..' components before symlinks"),
    Opt("P", "physical", "physical", help="resolve symlinks as encountered (default)"),
    Opt("q", "quiet", "quiet", help="suppress most error messages"),
    Opt("s", "strip", "strip", help="don't expand symlinks"),
    Opt(None, "no-symlinks", "strip", help="don't expand symlinks"),
    Opt("z", "zero", "zero", help="end each output line with NUL, not newline"),
    Opt(None, "relative-to", "relative_to", Arg.REQUIRED, "print relative to DIR", "DIR"),
], usage="realpath [OPTION]... FILE...",
    description="Print the resolved absolute file name;\n"
                "all but the last component must exist")


@command("realpath")
@parsed_with(_REALPATH)
def realpath(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: realpath [OPTION]... FILE...
    Print the resolved absolute file name; all but the last component must exist.
    """
    if not parsed.operands:
        return _usage(inv, "missing operand")
    end = "\0" if parsed.flag("zero") else "\n"
    status = 0
    for path in parsed.operands:
        try:
            if parsed.flag("strip"):
                text = posixpath.normpath(posixpath.join(inv.cwd, path))
            else:
                text = canonicalize(inv, path, parsed.get("mode") or "dirs")
        except FsError as error:
            if not parsed.flag("quiet"):
                inv.error(f"{quote_maybe(path)}: {error.strerror}")
            status = 1
            continue
        base = parsed.get("relative_to")
        if base is not None:
            text = posixpath.relpath(text, canonicalize(inv, base, "missing"))
        yield (text + end).encode()
    return status


_LN = OptionSpec("ln", [
    Opt("f", "force", "force", help="remove existing destination files"),
    Opt("i", "interactive", "interactive", help="prompt whether to remove destinations"),
    Opt("n", "no-dereference", "no_deref", help="treat LINK_NAME as a normal file"),
    Opt("r", "relative", "relative", help="create symbolic links relative to link location"),
    Opt("s", "symbolic", "symbolic", help="make symbolic links instead of hard links"),
    Opt("T", "no-target-directory", "no_target_dir", help="treat LINK_NAME as a normal file"),
    Opt("t", "target-directory", "target", Arg.REQUIRED, "the DIRECTORY to create links in",
        "DIRECTORY"),
    Opt("v", "verbose", "verbose", help="print name of each linked file"),
], usage="ln [OPTION]... [-T] TARGET LINK_NAME",
    description="Create hard links by default, symbolic links with --symbolic.")


@command("ln")
@parsed_with(_LN)
def ln(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: ln [OPTION]... [-T] TARGET LINK_NAME
      or:  ln [OPTION]... TARGET... DIRECTORY
    Create hard links by default, symbolic links with --symbolic.
    Not supported: -r, -i prompts, --backup.
    """
    operands = list(parsed.operands)
    fs, cred = inv.host.fs, cred_of(inv)
    if not operands:
        return _usage(inv, "missing file operand")
    directory = parsed.get("target")
    if directory is None and len(operands) >= 2:
        try:
            is_dir = fs.lookup(operands[-1], inv.cwd,
                               follow=not parsed.flag("no_deref")).is_dir
        except FsError:
            is_dir = False
        if is_dir and not parsed.flag("no_target_dir"):
            directory = operands.pop()
        elif len(operands) > 2:
            inv.error(f"target {quote(operands[-1])} is not a directory")
            return 1
    if directory is None and len(operands) == 1:
        directory = "."
    pairs: list[tuple[str, str]]
    if directory is not None:
        pairs = [(t, posixpath.join(directory, posixpath.basename(t.rstrip("/"))) if
                  directory != "." else posixpath.basename(t.rstrip("/"))) for t in operands]
    else:
        pairs = [(operands[0], operands[1])]
    symbolic = parsed.flag("symbolic")
    kind = "symbolic link" if symbolic else "hard link"
    status = 0
    out: list[str] = []
    for target, name in pairs:
        if not symbolic:
            try:
                source = fs.lookup(target, inv.cwd, follow=False, cred=cred)
            except FsError as error:
                inv.error(f"failed to access {quote(target)}: {error.strerror}")
                status = 1
                continue
            if source.is_dir:
                inv.error(f"{quote_maybe(target)}: hard link not allowed for directory")
                status = 1
                continue
        if parsed.flag("force") and fs.exists(name, inv.cwd):
            try:
                existing = fs.lookup(name, inv.cwd, follow=False)
                if not existing.is_dir:
                    fs.unlink(name, inv.cwd, cred=cred)
            except FsError:
                pass
        try:
            if symbolic:
                fs.create(name, inv.cwd, kind=Kind.LINK, target=target, cred=cred)
            else:
                fs.link(target, name, inv.cwd, cred=cred)
        except FsError as error:
            arrow = f" => {quote(target)}" if not symbolic and error.errno != errno.EEXIST else ""
            inv.error(f"failed to create {kind} {quote(name)}{arrow}: {error.strerror}")
            status = 1
            continue
        if parsed.flag("verbose"):
            out.append(f"{quote(name)} {'->' if symbolic else '=>'} {quote(target)}\n")
    if out:
        yield "".join(out).encode()
    return status


_BASENAME = OptionSpec("basename", [
    Opt("a", "multiple", "multiple", help="support multiple arguments"),
    Opt("s", "suffix", "suffix", Arg.REQUIRED, "remove a trailing SUFFIX; implies -a",
        "SUFFIX"),
    Opt("z", "zero", "zero", help="end each output line with NUL, not newline"),
], usage="basename NAME [SUFFIX]",
    description="Print NAME with any leading directory components removed.")


def _base(name: str, suffix: str) -> str:
    stripped = name.rstrip("/")
    if not stripped:
        return "/" if name else ""
    base = stripped.rsplit("/", 1)[-1]
    if suffix and base != suffix and base.endswith(suffix):
        base = base[: -len(suffix)]
    return base


@command("basename")
@parsed_with(_BASENAME)
def basename(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: basename NAME [SUFFIX]
      or:  basename OPTION... NAME...
    Print NAME with any leading directory components removed.
    """
    operands = parsed.operands
    if not operands:
        return _usage(inv, "missing operand")
    end = "\0" if parsed.flag("zero") else "\n"
    suffix = parsed.get("suffix") or ""
    if parsed.flag("multiple") or parsed.get("suffix") is not None:
        names = operands
    else:
        if len(operands) > 2:
            return _usage(inv, f"extra operand {quote(operands[2])}")
        names = operands[:1]
        suffix = operands[1] if len(operands) == 2 else ""
    yield "".join(_base(n, suffix) + end for n in names).encode()
    return 0


_DIRNAME = OptionSpec("dirname", [
    Opt("z", "zero", "zero", help="end each output line with NUL, not newline"),
], usage="dirname [OPTION] NAME...",
    description="Output each NAME with its last non-slash component and trailing slashes\n"
                "removed; if NAME contains no /'s, output '.' (meaning the current directory).")


def _dir(name: str) -> str:
    stripped = name.rstrip("/")
    if not stripped:
        return "/" if name else "."
    if "/" not in stripped:
        return "."
    head = stripped.rsplit("/", 1)[0].rstrip("/")
    return head or "/"


@command("dirname")
@parsed_with(_DIRNAME)
def dirname(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: dirname [OPTION] NAME...
    Output each NAME with its last non-slash component and trailing slashes removed.
    """
    if not parsed.operands:
        return _usage(inv, "missing operand")
    end = "\0" if parsed.flag("zero") else "\n"
    yield "".join(_dir(n) + end for n in parsed.operands).encode()
    return 0
