"""cp and mv. Copies share generated content lazily (``FileContent.copy``), so
copying a 64G log costs nothing until the disk runs out of room for it."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.files.common import child_path, cred_of, quote
from pagerdrill.tools.files.remove import remove_tree
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import Cred, FileSystem, Inode, Kind

__all__ = ["cp", "mv"]

_UMASK = 0o022


_DEVICE_COPY_LIMIT = 1 << 20  # an endless device (zero, urandom) is cut here


def _device_bytes(fs: FileSystem, node: Inode) -> Iterator[bytes]:
    """What reading a character device yields, bounded (cp from /dev/zero stops here)."""
    taken = 0
    for chunk in fs.read_stream(node):
        yield chunk[: _DEVICE_COPY_LIMIT - taken]
        taken += len(chunk)
        if taken >= _DEVICE_COPY_LIMIT:
            return


def _usage(inv: Invocation, message: str) -> int:
    inv.error(message)
    inv.stderr.write(f"Try '{inv.name} --help' for more information.\n")
    return 1


def _inside(inner: Inode, outer: Inode) -> bool:
    node: Inode | None = inner
    while node is not None:
        if node is outer:
            return True
        node = node.parent
    return False


@dataclass
class _Copier:
    inv: Invocation
    fs: FileSystem
    cred: Cred
    recursive: bool
    preserve: bool
    no_deref: bool
    verbose: bool
    no_clobber: bool
    out: list[str]
    status: int = 0

    def fail(self, message: str) -> None:
        self.inv.error(message)
        self.status = 1

    def copy(self, src: str, node: Inode, dst: str, top: bool = True) -> bool:
        """Copy ``node`` (found at ``src``) to the new name ``dst``."""
        fs, cwd = self.fs, self.inv.cwd
        try:
            existing: Inode | None = fs.lookup(dst, cwd, follow=False, cred=self.cred)
        except FsError:
            existing = None
        if existing is node:
            self.fail(f"{quote(src)} and {quote(dst)} are the same file")
            return False
        if existing is not None and self.no_clobber:
            return True
        if node.is_dir:
            if not self.recursive:
                self.fail(f"-r not specified; omitting directory {quote(src)}")
                return False
            return self._copy_dir(src, node, dst, existing)
        if existing is not None and existing.is_dir:
            self.fail(f"cannot overwrite directory {quote(dst)} with non-directory")
            return False
        try:
            if node.kind is Kind.LINK:
                if existing is not None:
                    fs.unlink(dst, cwd, cred=self.cred)
                target = fs.create(dst, cwd, kind=Kind.LINK, target=node.target,
                                   cred=self.cred)
            else:
                found = existing if existing is not None and existing.is_file else None
                if found is None:
                    mode = node.mode if self.preserve else node.mode & ~_UMASK
                    found = fs.create(dst, cwd, mode=mode & 0o7777, cred=self.cred)
                target = found
                if node.content is not None:
                    fs.set_content(target, node.content.copy(), path=dst)
                elif node.kind is Kind.CHAR:
                    # cp opens the destination with O_TRUNC and copies what the device
                    # reads: `cp /dev/null app.log` empties a log in place.
                    fs.write(target, b"".join(_device_bytes(fs, node)), append=False, path=dst)
        except FsError as error:
            if error.errno == errno.ENOSPC:
                self.fail(f"error writing {quote(dst)}: {error.strerror}")
            else:
                self.fail(f"cannot create regular file {quote(dst)}: {error.strerror}")
            return False
        self._finish(src, node, dst, target)
        return True

    def _copy_dir(self, src: str, node: Inode, dst: str, existing: Inode | None) -> bool:
        fs = self.fs
        if existing is not None and not existing.is_dir:
            self.fail(f"cannot overwrite non-directory {quote(dst)} with directory "
                      f"{quote(src)}")
            return False
        target = existing
        if target is None:
            try:
                parent, _ = fs.lookup_parent(dst, self.inv.cwd, cred=self.cred)
            except FsError as error:
                self.fail(f"cannot create directory {quote(dst)}: {error.strerror}")
                return False
            if _inside(parent, node):
                self.fail(f"cannot copy a directory, {quote(src)}, into itself, {quote(dst)}")
                return False
            try:
                target = fs.create(dst, self.inv.cwd, kind=Kind.DIR, mode=node.mode,
                                   cred=self.cred)
            except FsError as error:
                self.fail(f"cannot create directory {quote(dst)}: {error.strerror}")
                return False
            self._note(src, dst)
        ok = True
        for name, child in list((node.entries or {}).items()):
            if child is target:
                continue
            ok = self.copy(child_path(src, name), child, child_path(dst, name), False) and ok
        if self.preserve:
            self._times(node, target)
        return ok

    def _note(self, src: str, dst: str) -> None:
        if self.verbose:
            self.out.append(f"{quote(src)} -> {quote(dst)}\n")

    def _times(self, node: Inode, target: Inode) -> None:
        target.uid, target.gid = node.uid, node.gid
        self.fs.utime(target, node.mtime_ms, node.atime_ms)

    def _finish(self, src: str, node: Inode, dst: str, target: Inode) -> None:
        if self.preserve and node.kind is not Kind.LINK:
            target.mode = node.mode
            self._times(node, target)
        self._note(src, dst)


def _destination(inv: Invocation, parsed: ParsedArgs) -> tuple[list[str], str, bool] | int:
    """The sources, the destination and whether it is a directory to move into."""
    operands = list(parsed.operands)
    target_dir = parsed.get("target")
    if target_dir is not None:
        if not operands:
            return _usage(inv, "missing file operand")
        try:
            if not inv.host.fs.lookup(target_dir, inv.cwd).is_dir:
                inv.error(f"target directory {quote(target_dir)} is not a directory")
                return 1
        except FsError as error:
            inv.error(f"target directory {quote(target_dir)}: {error.strerror}")
            return 1
        return operands, target_dir, True
    if not operands:
        return _usage(inv, "missing file operand")
    if len(operands) == 1:
        return _usage(inv, f"missing destination file operand after {quote(operands[0])}")
    dest = operands.pop()
    try:
        is_dir = inv.host.fs.lookup(dest, inv.cwd).is_dir and not parsed.flag("no_target_dir")
    except FsError:
        is_dir = False
    if len(operands) > 1 and not is_dir:
        inv.error(f"target {quote(dest)} is not a directory")
        return 1
    return operands, dest, is_dir


_CP = OptionSpec("cp", [
    Opt("a", "archive", "archive", help="same as -dR --preserve=all"),
    Opt("d", None, "no_deref", help="same as --no-dereference --preserve=links"),
    Opt("f", "force", "force", help="remove and retry if an existing file cannot be opened"),
    Opt("i", "interactive", "interactive", help="prompt before overwrite"),
    Opt("n", "no-clobber", "no_clobber", help="do not overwrite an existing file"),
    Opt("P", "no-dereference", "no_deref", help="never follow symbolic links in SOURCE"),
    Opt("p", None, "preserve", help="same as --preserve=mode,ownership,timestamps"),
    Opt(None, "preserve", "preserve", Arg.OPTIONAL, "preserve the specified attributes",
        "ATTR_LIST"),
    Opt("R", "recursive", "recursive", help="copy directories recursively"),
    Opt("r", None, "recursive", help="copy directories recursively"),
    Opt("t", "target-directory", "target", Arg.REQUIRED, "copy all SOURCE into DIRECTORY",
        "DIRECTORY"),
    Opt("T", "no-target-directory", "no_target_dir", help="treat DEST as a normal file"),
    Opt("v", "verbose", "verbose", help="explain what is being done"),
], usage="cp [OPTION]... SOURCE... DIRECTORY",
    description="Copy SOURCE to DEST, or multiple SOURCE(s) to DIRECTORY.")


@command("cp")
@parsed_with(_CP)
def cp(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: cp [OPTION]... SOURCE DEST
      or:  cp [OPTION]... SOURCE... DIRECTORY
    Copy SOURCE to DEST, or multiple SOURCE(s) to DIRECTORY. Content is shared
    lazily. Not supported: -l, -s, -u, -x, --sparse, --reflink, -i prompts.
    """
    where = _destination(inv, parsed)
    if isinstance(where, int):
        return where
    sources, dest, into = where
    archive = parsed.flag("archive")
    out: list[str] = []
    copier = _Copier(inv, inv.host.fs, cred_of(inv), parsed.flag("recursive") or archive,
                     parsed.flag("preserve") or archive,
                     parsed.flag("no_deref") or archive or parsed.flag("recursive"),
                     parsed.flag("verbose"), parsed.flag("no_clobber"), out)
    for src in sources:
        try:
            node = inv.host.fs.lookup(src, inv.cwd, follow=not copier.no_deref,
                                      cred=copier.cred)
        except FsError as error:
            copier.fail(f"cannot stat {quote(src)}: {error.strerror}")
            continue
        target = child_path(dest, posixpath.basename(src.rstrip("/"))) if into else dest
        copier.copy(src, node, target)
    if out:
        yield "".join(out).encode()
    return copier.status


_MV = OptionSpec("mv", [
    Opt("f", "force", "force", help="do not prompt before overwriting"),
    Opt("i", "interactive", "interactive", help="prompt before overwrite"),
    Opt("n", "no-clobber", "no_clobber", help="do not overwrite an existing file"),
    Opt("t", "target-directory", "target", Arg.REQUIRED, "move all SOURCE into DIRECTORY",
        "DIRECTORY"),
    Opt("T", "no-target-directory", "no_target_dir", help="treat DEST as a normal file"),
    Opt("u", "update", "update", help="move only when the SOURCE file is newer"),
    Opt("v", "verbose", "verbose", help="explain what is being done"),
], usage="mv [OPTION]... SOURCE... DIRECTORY",
    description="Rename SOURCE to DEST, or move SOURCE(s) to DIRECTORY.")


@command("mv")
@parsed_with(_MV)
def mv(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: mv [OPTION]... SOURCE DEST
      or:  mv [OPTION]... SOURCE... DIRECTORY
    Rename SOURCE to DEST, or move SOURCE(s) to DIRECTORY. Across mounts it
    copies then removes, as rename(2)'s EXDEV makes the real mv do.
    """
    where = _destination(inv, parsed)
    if isinstance(where, int):
        return where
    sources, dest, into = where
    fs, cred = inv.host.fs, cred_of(inv)
    out: list[str] = []
    status = 0
    for src in sources:
        try:
            node = fs.lookup(src, inv.cwd, follow=False, cred=cred)
        except FsError as error:
            inv.error(f"cannot stat {quote(src)}: {error.strerror}")
            status = 1
            continue
        target = child_path(dest, posixpath.basename(src.rstrip("/"))) if into else dest
        try:
            existing: Inode | None = fs.lookup(target, inv.cwd, follow=False, cred=cred)
        except FsError:
            existing = None
        if existing is node:
            inv.error(f"{quote(src)} and {quote(target)} are the same file")
            status = 1
            continue
        if existing is not None and parsed.flag("no_clobber"):
            continue
        if existing is not None and parsed.flag("update") and existing.mtime_ms >= node.mtime_ms:
            continue
        try:
            fs.rename(src, target, inv.cwd, cred=cred)
        except FsError as error:
            if error.errno == errno.EXDEV:
                status |= _move_across(inv, src, node, target, out, parsed.flag("verbose"))
                continue
            status = 1
            if error.errno == errno.EINVAL:
                inv.error(f"cannot move {quote(src)} to a subdirectory of itself, "
                          f"{quote(target)}")
            elif error.errno == errno.EISDIR:
                inv.error(f"cannot overwrite directory {quote(target)} with non-directory")
            elif error.errno == errno.ENOTDIR and existing is not None:
                inv.error(f"cannot overwrite non-directory {quote(target)} with directory "
                          f"{quote(src)}")
            else:
                inv.error(f"cannot move {quote(src)} to {quote(target)}: {error.strerror}")
            continue
        if parsed.flag("verbose"):
            out.append(f"renamed {quote(src)} -> {quote(target)}\n")
    if out:
        yield "".join(out).encode()
    return status


def _move_across(inv: Invocation, src: str, node: Inode, target: str, out: list[str],
                 verbose: bool) -> int:
    """mv between mounts: copy everything (preserving attributes), then unlink."""
    copier = _Copier(inv, inv.host.fs, cred_of(inv), True, True, True, False, False, out)
    if not copier.copy(src, node, target):
        return 1
    if verbose:
        out.append(f"copied {quote(src)} -> {quote(target)}\n")
    if not remove_tree(inv, src, node):
        return 1
    if verbose:
        out.append(f"removed {quote(src)}\n")
    return 0
