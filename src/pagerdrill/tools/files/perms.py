"""chmod, chown and chgrp: permission bits and ownership."""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from dataclasses import replace

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.files.common import child_path, cred_of, mode_string, quote
from pagerdrill.tools.files.modes import ModeError, parse_mode
from pagerdrill.tools.options import (
    Arg,
    HelpRequested,
    Opt,
    OptionSpec,
    ParsedArgs,
    UsageError,
)
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Inode, Kind

__all__ = ["chgrp", "chmod", "chown"]

_MODE_OPTION = re.compile(r"^-[rwxXst]+([,+=-].*)?$|^-(?!-)[ugoa]*[-+=].*$")  # --x is a long option


def _usage(inv: Invocation, message: str) -> int:
    inv.error(message)
    inv.stderr.write(f"Try '{inv.name} --help' for more information.\n")
    return 1


def _walk(inv: Invocation, path: str, recursive: bool,
          visit: Callable[[str, Inode], None]) -> int:
    """Apply ``visit`` to ``path`` (following a command-line link) and, with -R,
    to everything below it (links inside are not followed)."""
    try:
        inode = inv.host.fs.lookup(path, inv.cwd, cred=cred_of(inv))
    except FsError as error:
        inv.error(f"cannot access {quote(path)}: {error.strerror}")
        return 1
    visit(path, inode)
    if recursive and inode.is_dir:
        stack = [(path, inode)]
        while stack:
            dir_path, node = stack.pop()
            for name, child in list((node.entries or {}).items()):
                sub = child_path(dir_path, name)
                if child.kind is not Kind.LINK:
                    visit(sub, child)
                if child.is_dir:
                    stack.append((sub, child))
    return 0


def _parse(inv: Invocation, spec: OptionSpec,
           args: list[str]) -> Generator[bytes, None, ParsedArgs | int]:
    """The parsed options, or the exit status once --help or a usage error is answered."""
    try:
        return spec.parse(args)
    except HelpRequested as help_:
        yield help_.text.encode()
        return 0
    except UsageError as error:
        inv.stderr.write(error.text)
        return error.status


_CHMOD = OptionSpec("chmod", [
    Opt("c", "changes", "changes", help="like verbose but report only when a change is made"),
    Opt("f", "silent", "quiet", help="suppress most error messages"),
    Opt(None, "quiet", "quiet", help="suppress most error messages"),
    Opt("v", "verbose", "verbose", help="output a diagnostic for every file processed"),
    Opt("R", "recursive", "recursive", help="change files and directories recursively"),
    Opt(None, "reference", "reference", Arg.REQUIRED, "use RFILE's mode", "RFILE"),
], usage="chmod [OPTION]... MODE[,MODE]... FILE...",
    description="Change the mode of each FILE to MODE.")


def _describe(mode: int) -> str:
    return f"{mode & 0o7777:04o} ({_rwx(mode)})"


def _rwx(mode: int) -> str:
    fake = Inode(0, Kind.FILE, None, mode, 0, 0, 0, 0, 0)  # type: ignore[arg-type]
    return mode_string(fake)[1:]


@command("chmod")
def chmod(inv: Invocation) -> CommandOutput:
    """Usage: chmod [OPTION]... MODE[,MODE]... FILE...
      or:  chmod [OPTION]... OCTAL-MODE FILE...
    Change the mode of each FILE to MODE. Symbolic modes like u+x,go-w, and -x.
    """
    args = list(inv.args)
    mode_arg = next((a for a in args if _MODE_OPTION.match(a)), None)
    if mode_arg is not None:
        args.remove(mode_arg)
    parsed = yield from _parse(inv, _CHMOD, args)
    if isinstance(parsed, int):
        return parsed
    operands = parsed.operands
    reference = parsed.get("reference")
    if mode_arg is None and reference is None:
        if not operands:
            return _usage(inv, "missing operand")
        mode_arg = operands.pop(0)
    if not operands:
        return _usage(inv, f"missing operand after {quote(mode_arg or '')}")
    ref_mode = 0
    if reference is not None:
        try:
            ref_mode = inv.host.fs.lookup(reference, inv.cwd).mode
        except FsError as error:
            inv.error(f"failed to get attributes of {quote(reference)}: {error.strerror}")
            return 1
    try:
        if mode_arg is not None:
            parse_mode(mode_arg, 0o644, is_dir=False)
    except ModeError:
        return _usage(inv, f"invalid mode: {quote(mode_arg or '')}")
    cred = cred_of(inv)
    out: list[str] = []
    status = 0

    def visit(path: str, inode: Inode) -> None:
        nonlocal status
        old = inode.mode & 0o7777
        new = ref_mode & 0o7777 if mode_arg is None else parse_mode(
            mode_arg, old, is_dir=inode.is_dir)
        try:
            inv.host.fs.chmod(inode, new, cred=cred, path=path)
        except FsError as error:
            if not parsed.flag("quiet"):
                inv.error(f"changing permissions of {quote(path)}: {error.strerror}")
            status = 1
            return
        if parsed.flag("verbose") or (parsed.flag("changes") and old != new):
            if old == new:
                out.append(f"mode of {quote(path)} retained as {_describe(new)}\n")
            else:
                out.append(f"mode of {quote(path)} changed from {_describe(old)} to "
                           f"{_describe(new)}\n")

    for path in operands:
        status |= _walk(inv, path, parsed.flag("recursive"), visit)
    if out:
        yield "".join(out).encode()
    return status


_CHOWN = OptionSpec("chown", [
    Opt("c", "changes", "changes", help="like verbose but report only when a change is made"),
    Opt("f", "silent", "quiet", help="suppress most error messages"),
    Opt("v", "verbose", "verbose", help="output a diagnostic for every file processed"),
    Opt("h", "no-dereference", "no_deref", help="affect symbolic links instead of referents"),
    Opt("R", "recursive", "recursive", help="operate on files and directories recursively"),
    Opt(None, "reference", "reference", Arg.REQUIRED, "use RFILE's owner and group", "RFILE"),
], usage="chown [OPTION]... [OWNER][:[GROUP]] FILE...",
    description="Change the owner and/or group of each FILE to OWNER and/or GROUP.")
_CHGRP = replace(_CHOWN, prog="chgrp", usage="chgrp [OPTION]... GROUP FILE...",
                 description="Change the group of each FILE to GROUP.")


def _owner_spec(inv: Invocation, spec: str, group_only: bool
                ) -> tuple[int | None, int | None] | str:
    """uid and gid from ``user[:group]`` (or just a group for chgrp); str on error."""
    host = inv.host
    if group_only:
        user_text, group_text, sep = "", spec, True
    else:
        user_text, sep_text, group_text = spec.replace(".", ":", 1).partition(":") if (
            ":" not in spec and "." in spec and spec.split(".")[0] in host.users) else \
            spec.partition(":")
        sep = bool(sep_text)
    uid = gid = None
    if user_text:
        if user_text in host.users:
            uid = host.users[user_text].uid
        elif user_text.isdigit():
            uid = int(user_text)
        else:
            return f"invalid user: {quote(spec)}"
        if sep and not group_text:
            gid = host.users[user_text].gid if user_text in host.users else uid
    if group_text:
        if group_text in host.groups:
            gid = host.groups[group_text]
        elif group_text.isdigit():
            gid = int(group_text)
        else:
            return f"invalid group: {quote(spec)}"
    return uid, gid


def _change_owner(inv: Invocation, group_only: bool) -> CommandOutput:
    parsed = yield from _parse(inv, _CHGRP if group_only else _CHOWN, list(inv.args))
    if isinstance(parsed, int):
        return parsed
    operands = parsed.operands
    reference = parsed.get("reference")
    uid: int | None
    gid: int | None
    if reference is not None:
        try:
            ref = inv.host.fs.lookup(reference, inv.cwd)
        except FsError as error:
            inv.error(f"failed to get attributes of {quote(reference)}: {error.strerror}")
            return 1
        uid, gid, spec = (None if group_only else ref.uid), ref.gid, ""
    else:
        if not operands:
            return _usage(inv, "missing operand")
        spec = operands.pop(0)
        if not operands:
            return _usage(inv, f"missing operand after {quote(spec)}")
        result = _owner_spec(inv, spec, group_only)
        if isinstance(result, str):
            inv.error(result)
            return 1
        uid, gid = result
    host, cred = inv.host, cred_of(inv)
    out: list[str] = []
    status = 0

    def names(inode_uid: int, inode_gid: int) -> str:
        if group_only:
            return host.group_name(inode_gid)
        if gid is None:
            return host.user_name(inode_uid)
        if uid is None:
            return f":{host.group_name(inode_gid)}"
        return f"{host.user_name(inode_uid)}:{host.group_name(inode_gid)}"

    def visit(path: str, inode: Inode) -> None:
        nonlocal status
        old_uid, old_gid = inode.uid, inode.gid
        new_uid = old_uid if uid is None else uid
        new_gid = old_gid if gid is None else gid
        try:
            host.fs.chown(inode, new_uid, new_gid, cred=cred, path=path)
        except FsError as error:
            if not parsed.flag("quiet"):
                what = "group" if group_only else "ownership"
                inv.error(f"changing {what} of {quote(path)}: {error.strerror}")
            status = 1
            return
        changed = (old_uid, old_gid) != (new_uid, new_gid)
        if parsed.flag("verbose") or (parsed.flag("changes") and changed):
            what = "group" if group_only else "ownership"
            if changed:
                old_text = (f"{host.user_name(old_uid)}:{host.group_name(old_gid)}"
                            if not group_only and gid is not None else
                            names(old_uid, old_gid))
                out.append(f"changed {what} of {quote(path)} from {old_text} to "
                           f"{names(new_uid, new_gid)}\n")
            else:
                out.append(f"{what} of {quote(path)} retained as {names(new_uid, new_gid)}\n")

    for path in operands:
        status |= _walk(inv, path, parsed.flag("recursive"), visit)
    if out:
        yield "".join(out).encode()
    return status


@command("chown")
def chown(inv: Invocation) -> CommandOutput:
    """Usage: chown [OPTION]... [OWNER][:[GROUP]] FILE...
    Change the owner and/or group of each FILE (root only, as on Linux).
    """
    return (yield from _change_owner(inv, False))


@command("chgrp")
def chgrp(inv: Invocation) -> CommandOutput:
    """Usage: chgrp [OPTION]... GROUP FILE...
    Change the group of each FILE to GROUP.
    """
    return (yield from _change_owner(inv, True))
