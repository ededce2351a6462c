"""rm and rmdir: remove names through the world's filesystem.

Removing a file a process still holds open frees nothing until the process lets
go, because :meth:`FileSystem.unlink` keeps the inode charged; that is the lesson
``lsof +L1`` teaches.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.files.common import allowed, child_path, cred_of, file_type, quote
from pagerdrill.tools.options import Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import Cred, Inode, Kind
from pagerdrill.world.lazydir import LazyEntries

__all__ = ["remove_tree", "rm", "rmdir"]

_RM = OptionSpec("rm", [
    Opt("f", "force", "force", help="ignore nonexistent files and arguments, never prompt"),
    Opt("i", None, "interactive", const="always", help="prompt before every removal"),
    Opt("I", None, "interactive", const="once", help="prompt once before removing many"),
    Opt(None, "one-file-system", "one_fs", help="skip directories on other file systems"),
    Opt(None, "no-preserve-root", "preserve_root", const=False, help="do not treat '/' specially"),
    Opt(None, "preserve-root", "preserve_root", const=True, help="do not remove '/' (default)"),
    Opt("r", "recursive", "recursive", help="remove directories and their contents recursively"),
    Opt("R", None, "recursive", help="same as -r"),
    Opt("d", "dir", "dir", help="remove empty directories"),
    Opt("v", "verbose", "verbose", help="explain what is being done"),
], usage="rm [OPTION]... [FILE]...", description="Remove (unlink) the FILE(s).")


@dataclass
class _Remover:
    inv: Invocation
    cred: Cred
    parsed: ParsedArgs
    out: list[str]
    status: int = 0

    @property
    def interactive(self) -> bool:
        return self.parsed.get("interactive") == "always" and not self.parsed.flag("force")

    def ask(self, question: str) -> bool:
        """Prompt on stderr and read the answer from stdin (EOF means no)."""
        self.inv.stderr.write(f"rm: {question}? ")
        answer = self.inv.stdin.readline()
        return answer[:1] in (b"y", b"Y")

    def fail(self, path: str, error: FsError) -> None:
        self.inv.error(f"cannot remove {quote(path)}: {error.strerror}")
        self.status = 1

    def remove_generated(self, path: str, inode: Inode) -> bool:
        """The generated children of a huge directory go in one range operation."""
        entries = inode.entries
        assert isinstance(entries, LazyEntries)
        try:
            self.inv.host.fs.delete_lazy(inode, 0, entries.spec.count, cred=self.cred,
                                         path=path)
        except FsError as error:
            first = next(iter(entries), "")
            self.fail(child_path(path, first), error)
            return False
        return True

    def remove(self, path: str, inode: Inode) -> bool:
        fs = self.inv.host.fs
        if inode.is_dir:
            recursive = self.parsed.flag("recursive")
            if not recursive and not self.parsed.flag("dir"):
                self.fail(path, FsError(errno.EISDIR, path))
                return False
            if recursive and (inode.entries or inode.opaque_inodes):
                if self.interactive and not self.ask(f"descend into directory {quote(path)}"):
                    return False
                if not allowed(inode, self.cred, 5):
                    self.fail(path, FsError(errno.EACCES, path))
                    return False
                ok = True
                if inode.is_lazy and not (self.interactive or self.parsed.flag("verbose")):
                    ok = self.remove_generated(path, inode)
                for name, child in list(fs.children(inode)):
                    ok = self.remove(child_path(path, name), child) and ok
                if not ok:
                    return False
            if recursive and inode.opaque_inodes:
                fs.remove_opaque(inode)  # the files the model does not enumerate go too
            if self.interactive and not self.ask(f"remove directory {quote(path)}"):
                return False
            try:
                fs.rmdir(path, self.inv.cwd, cred=self.cred)
            except FsError as error:
                self.fail(path, error)
                return False
            if self.parsed.flag("verbose"):
                self.out.append(f"removed directory {quote(path)}\n")
            return True
        if self.interactive:
            kind = file_type(inode) if inode.kind is not Kind.CHAR else "character special file"
            if not self.ask(f"remove {kind} {quote(path)}"):
                return False
        try:
            fs.unlink(path, self.inv.cwd, cred=self.cred)
        except FsError as error:
            self.fail(path, error)
            return False
        if self.parsed.flag("verbose"):
            self.out.append(f"removed {quote(path)}\n")
        return True


@command("rm")
@parsed_with(_RM)
def rm(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: rm [OPTION]... [FILE]...
    Remove (unlink) the FILE(s). -i reads its answers from standard input (no
    answer, as from an empty stdin, means no). Not supported: -I's prompt.
    """
    if not parsed.operands:
        if parsed.flag("force"):
            return 0
        inv.error("missing operand")
        inv.stderr.write("Try 'rm --help' for more information.\n")
        return 1
    out: list[str] = []
    remover = _Remover(inv, cred_of(inv), parsed, out)
    preserve = parsed.values.get("preserve_root", True) is not False
    for path in parsed.operands:
        base = posixpath.basename(path.rstrip("/"))
        try:
            inode = inv.host.fs.lookup(path, inv.cwd, follow=False, cred=remover.cred)
        except FsError as error:
            if not (parsed.flag("force") and error.errno == errno.ENOENT):
                remover.fail(path, error)
            continue
        if parsed.flag("recursive") and base in (".", ".."):
            inv.error(f"refusing to remove '.' or '..' directory: skipping {quote(path)}")
            remover.status = 1
            continue
        if parsed.flag("recursive") and preserve and inode is inv.host.fs.root:
            same = "" if path == "/" else " (same as '/')"
            inv.error(f"it is dangerous to operate recursively on {quote(path)}{same}")
            inv.error("use --no-preserve-root to override this failsafe")
            remover.status = 1
            continue
        remover.remove(path, inode)
        if out:
            yield "".join(out).encode()
            out.clear()
    return remover.status


_RMDIR = OptionSpec("rmdir", [
    Opt(None, "ignore-fail-on-non-empty", "ignore_nonempty",
        help="ignore each failure to remove a non-empty directory"),
    Opt("p", "parents", "parents", help="remove DIRECTORY and its ancestors"),
    Opt("v", "verbose", "verbose", help="output a diagnostic for every directory processed"),
], usage="rmdir [OPTION]... DIRECTORY...",
    description="Remove the DIRECTORY(ies), if they are empty.")


@command("rmdir")
@parsed_with(_RMDIR)
def rmdir(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: rmdir [OPTION]... DIRECTORY...
    Remove the DIRECTORY(ies), if they are empty.
    """
    if not parsed.operands:
        inv.error("missing operand")
        inv.stderr.write("Try 'rmdir --help' for more information.\n")
        return 1
    cred = cred_of(inv)
    status = 0
    out: list[str] = []
    for operand in parsed.operands:
        paths = [operand]
        if parsed.flag("parents"):
            head = operand.rstrip("/")
            while "/" in head.strip("/"):
                head = posixpath.dirname(head).rstrip("/")
                if head:
                    paths.append(head)
        for path in paths:
            if parsed.flag("verbose"):
                out.append(f"rmdir: removing directory, {quote(path)}\n")
            try:
                inv.host.fs.rmdir(path, inv.cwd, cred=cred)
            except FsError as error:
                if not (error.errno == errno.ENOTEMPTY and parsed.flag("ignore_nonempty")):
                    inv.error(f"failed to remove {quote(path)}: {error.strerror}")
                    status = 1
                break
    if out:
        yield "".join(out).encode()
    return status


def remove_tree(inv: Invocation, path: str, inode: Inode) -> bool:
    """``rm -rf`` one name without output (mv across mounts)."""
    parsed = ParsedArgs(values={"recursive": True, "force": True})
    return _Remover(inv, cred_of(inv), parsed, []).remove(path, inode)
