"""rm and rmdir: remove names through the world's filesystem.

Removing a file a process still holds open frees nothing until the process lets
go, because :meth:`FileSystem.unlink` keeps the inode charged; that is the lesson
``lsof +L1`` teaches.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.files.common import allowed, child_path, cred_of, file_type, quote
from pagerdrill.tools.options import Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import Cred, FileSystem, Inode, Kind
from pagerdrill.world.lazydir import LazyEntries

__all__ = ["remove_tree", "rm", "rmdir"]

_NAME_MAX = 255  # longer names are ENAMETOOLONG: left to the full walk

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
    # Each directory the operands name, walked once per invocation (``xargs rm`` of a
    # million session files): its inode and whether cred may search it, or None when
    # the operands in it take the full walk. Anything removed that a walk can pass
    # through (a directory, a symlink) empties it; so does any yield, since the
    # pipeline's other commands run then.
    parents: dict[str, tuple[Inode, bool] | None] = field(default_factory=dict)
    # The flags the per-file path tests, read once.
    force: bool = field(init=False)
    verbose: bool = field(init=False)
    interactive: bool = field(init=False)  # -i: ask before each removal

    def __post_init__(self) -> None:
        self.force = self.parsed.flag("force")
        self.verbose = self.parsed.flag("verbose")
        self.interactive = self.parsed.get("interactive") == "always" and not self.force

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

    def parent(self, head: str) -> tuple[Inode, bool] | None:
        """The directory ``head`` (an operand's dirname, its slash kept) resolves to."""
        if head in self.parents:
            return self.parents[head]
        found: tuple[Inode, bool] | None = None
        # ".." is left to the full walk: unlink goes by the lexical parent, lookup not.
        if ".." not in head.split("/"):
            try:
                inode = self.inv.host.fs.lookup(head or ".", self.inv.cwd, cred=self.cred)
            except FsError:
                inode = None  # the full walk reports it, operand by operand
            if inode is not None and inode.entries is not None:
                found = inode, FileSystem.access(inode, 1, self.cred)
        self.parents[head] = found
        return found

    def remove_fast(self, path: str) -> bool:
        """Remove the operand ``path`` from its cached parent; False when it needs the
        full walk instead (then nothing has happened)."""
        cut = path.rfind("/") + 1
        name = path[cut:]
        if name in ("", ".", "..") or len(name) > _NAME_MAX:
            return False
        resolved = self.parents.get(path[:cut]) or self.parent(path[:cut])
        if resolved is None or not resolved[1] or self.interactive:
            return False
        parent, _ = resolved
        entries = parent.entries
        assert entries is not None
        fs = self.inv.host.fs
        if isinstance(entries, LazyEntries) and name not in entries.extra:
            # A generated name is a regular file, so rm has nothing to ask or refuse:
            # unlink it (an untouched one never becomes an inode); a name that is not
            # there fails with ENOENT here as the walk would.
            try:
                fs.unlink_at(parent, name, path, cred=self.cred)
            except FsError as error:
                if not (error.errno == errno.ENOENT and self.force):
                    self.fail(path, error)
                return True
            if self.verbose:
                self.out.append(f"removed {quote(path)}\n")
            return True
        inode = entries.get(name)
        if inode is None:
            if not self.force:
                self.fail(path, FsError(errno.ENOENT, path))
            return True
        self.remove(path, inode, parent)
        if inode.kind is not Kind.FILE:
            self.parents.clear()
        return True

    def remove(self, path: str, inode: Inode, parent: Inode | None = None) -> bool:
        """Remove ``path`` (``inode``); ``parent``, when given, is the directory that
        ``path`` resolves in, already walked."""
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
            if parent is None:
                fs.unlink(path, self.inv.cwd, cred=self.cred)
            else:
                fs.unlink_at(parent, path[path.rfind("/") + 1:], path, cred=self.cred)
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
        if remover.remove_fast(path):
            if out:
                remover.parents.clear()
                yield "".join(out).encode()
                out.clear()
            continue
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
        if inode.kind is not Kind.FILE:
            remover.parents.clear()
        if out:
            remover.parents.clear()
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
