"""A virtual filesystem with real semantics: inodes, links, mounts, space.

Sizes are decoupled from stored bytes (see :mod:`content`), so an 80G disk costs
kilobytes. Space is accounted per mount in whole 4 KiB blocks; a write that does
not fit fails with ENOSPC after filling what it can, as write(2) does. An
unlinked file that a process still holds open keeps its blocks until the last
holder lets go, which is what ``lsof +L1`` exists to find.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum

from pagerdrill.world.clock import SimClock
from pagerdrill.world.content import FileContent, TextSource
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.lazydir import LazyEntries, LazySpec
from pagerdrill.world.rng import Rng

__all__ = ["BLOCK", "ROOT", "Cred", "FileSystem", "Inode", "Kind", "Mount"]

BLOCK = 4096
_MAX_SYMLINKS = 40
_NAME_MAX = 255


class Kind(Enum):
    FILE = "-"
    DIR = "d"
    LINK = "l"
    CHAR = "c"


@dataclass(frozen=True)
class Cred:
    """Who is asking: root bypasses permission checks, as on Linux."""

    uid: int = 0
    gids: tuple[int, ...] = (0,)

    @property
    def is_root(self) -> bool:
        return self.uid == 0


ROOT = Cred()


@dataclass(eq=False)
class Mount:
    source: str
    target: str
    fstype: str
    size_bytes: int
    inodes_total: int
    options: str = "rw,relatime"
    used_bytes: int = 0
    used_inodes: int = 0

    @property
    def avail_bytes(self) -> int:
        return max(0, self.size_bytes - self.used_bytes)

    @property
    def avail_inodes(self) -> int:
        return max(0, self.inodes_total - self.used_inodes)

    @property
    def percent_used(self) -> float:
        return 100.0 * self.used_bytes / self.size_bytes if self.size_bytes else 0.0


@dataclass(eq=False)
class Inode:
    ino: int
    kind: Kind
    mount: Mount
    mode: int
    uid: int
    gid: int
    mtime_ms: int
    atime_ms: int
    ctime_ms: int
    name: str = ""
    parent: Inode | None = None
    nlink: int = 1
    content: FileContent | None = None
    entries: dict[str, Inode] | None = None
    target: str = ""
    device: str = ""  # for character devices: null, zero, urandom...
    open_count: int = 0
    # Bytes and inodes under a directory that the model does not enumerate
    # (the bulk of /usr), so df and du still add up.
    opaque_bytes: int = 0
    opaque_inodes: int = 0
    charged_bytes: int = field(default=0, repr=False)
    counted: bool = field(default=False, repr=False)  # holds one of the mount's inodes
    btime_ms: int = 0  # birth (creation) time, as statx reports it
    # /proc/PID/fd/N: a "magic" link that opens the very inode the process holds,
    # even when its path is gone.
    magic_target: Inode | None = field(default=None, repr=False)
    lazy_slot: int = field(default=-1, repr=False)  # index among a LazyEntries' children
    dir_bytes: int = 0  # a directory's own size once it grew past one block

    @property
    def is_lazy(self) -> bool:
        """A directory whose children are generated (see :mod:`lazydir`)."""
        return isinstance(self.entries, LazyEntries)

    @property
    def is_dir(self) -> bool:
        return self.kind is Kind.DIR

    @property
    def is_file(self) -> bool:
        return self.kind is Kind.FILE

    @property
    def size(self) -> int:
        if self.content is not None:
            return self.content.size
        if self.kind is Kind.DIR:
            return max(BLOCK, self.dir_bytes)
        if self.kind is Kind.LINK:
            return len(self.target.encode())
        return 0

    @property
    def usage_bytes(self) -> int:
        """Bytes of disk this inode occupies, in whole blocks (what du counts)."""
        if self.content is not None:
            return -(-self.content.allocated // BLOCK) * BLOCK
        if self.kind is Kind.DIR:
            return -(-max(BLOCK, self.dir_bytes) // BLOCK) * BLOCK
        return 0

    @property
    def blocks(self) -> int:
        """st_blocks: 512-byte units."""
        return self.usage_bytes // 512

    @property
    def deleted(self) -> bool:
        return self.nlink == 0


class FileSystem:
    """One host's directory tree across its mounts."""

    def __init__(self, clock: SimClock, rng: Rng, root_mount: Mount) -> None:
        self.clock = clock
        self.rng = rng
        self.mounts: list[Mount] = [root_mount]
        self._next_ino = 2
        self.root = self._new_inode(Kind.DIR, root_mount, 0o755, 0, 0)
        self.root.entries = {}
        self._charge(self.root)

    # -- construction --------------------------------------------------------

    def _new_inode(self, kind: Kind, mount: Mount, mode: int, uid: int, gid: int) -> Inode:
        now = self.clock.now_ms
        inode = Inode(self._next_ino, kind, mount, mode, uid, gid, now, now, now, btime_ms=now)
        self._next_ino += 1
        return inode

    def add_mount(self, mount: Mount) -> None:
        """Mount a new filesystem on an existing, empty directory."""
        point = self.lookup(mount.target)
        if not point.is_dir:
            raise FsError(errno.ENOTDIR, mount.target)
        self.mounts.append(mount)
        self.mounts.sort(key=lambda m: len(m.target))
        # The directory underneath stays charged to the parent filesystem; the new
        # filesystem's own root directory costs it one block and one inode.
        point.mount = mount
        mount.used_bytes += BLOCK
        mount.used_inodes += 1

    def mount_for_path(self, path: str) -> Mount:
        path = posixpath.normpath(path)
        best = self.mounts[0]
        for mount in self.mounts:
            target = mount.target.rstrip("/") or "/"
            inside = path == target or path.startswith(target.rstrip("/") + "/")
            if inside and len(target) >= len(best.target):
                best = mount
        return best

    # -- space accounting ----------------------------------------------------

    def _charge(self, inode: Inode) -> None:
        """Bring the mount's counters in line with the inode's current usage."""
        usage = inode.usage_bytes + inode.opaque_bytes
        if not inode.counted:
            inode.mount.used_inodes += 1 + inode.opaque_inodes
            inode.counted = True
        inode.mount.used_bytes += usage - inode.charged_bytes
        inode.charged_bytes = usage

    def _discharge(self, inode: Inode) -> None:
        """Free an inode that has no names and no holders."""
        inode.mount.used_bytes -= inode.charged_bytes
        inode.mount.used_inodes -= 1 + inode.opaque_inodes
        inode.charged_bytes = 0
        inode.counted = False

    def _room(self, inode: Inode) -> int:
        """Bytes that can still be added to ``inode`` before the mount is full."""
        mount = inode.mount
        free_blocks_bytes = mount.size_bytes - mount.used_bytes
        # The tail of the file's last block is already paid for.
        slack = inode.usage_bytes - (inode.content.allocated if inode.content else 0)
        return max(0, free_blocks_bytes + slack)

    def set_opaque(self, path: str, nbytes: int, ninodes: int = 0) -> None:
        """Declare unmodelled contents under a directory (for du/df totals)."""
        self._set_opaque(self.lookup(path), nbytes, ninodes)

    def remove_opaque(self, inode: Inode) -> None:
        """Delete a directory's unenumerated contents (``rm -r`` reaching them)."""
        self._set_opaque(inode, 0, 0)

    def _set_opaque(self, inode: Inode, nbytes: int, ninodes: int) -> None:
        inode.mount.used_inodes += ninodes - inode.opaque_inodes
        inode.opaque_bytes, inode.opaque_inodes = nbytes, ninodes
        self._charge(inode)

    # -- path resolution -----------------------------------------------------

    @staticmethod
    def abspath(path: str, cwd: str = "/") -> str:
        joined = path if path.startswith("/") else posixpath.join(cwd, path)
        normal = posixpath.normpath(joined)
        return "/" if normal.startswith("//") and normal.strip("/") == "" else normal

    @staticmethod
    def access(inode: Inode, want: int, cred: Cred) -> bool:
        """The kernel's permission check; ``want`` is a mask of 4 (r), 2 (w), 1 (x)."""
        if cred.is_root:
            return not want & 1 or inode.is_dir or bool(inode.mode & 0o111)
        if inode.uid == cred.uid:
            bits = (inode.mode >> 6) & 7
        elif inode.gid in cred.gids:
            bits = (inode.mode >> 3) & 7
        else:
            bits = inode.mode & 7
        return bits & want == want

    def _check(self, inode: Inode, want: int, cred: Cred, path: str) -> None:
        if not self.access(inode, want, cred):
            raise FsError(errno.EACCES, path)

    def lookup(
        self, path: str, cwd: str = "/", *, follow: bool = True, cred: Cred = ROOT
    ) -> Inode:
        """Resolve ``path`` to its inode; raises FsError like the kernel would."""
        return self._walk(path, cwd, follow, cred, 0)

    def _walk(self, path: str, cwd: str, follow: bool, cred: Cred, depth: int) -> Inode:
        if not path:
            raise FsError(errno.ENOENT, path)
        start = path if path.startswith("/") else posixpath.join(cwd, path)
        parts = [p for p in start.split("/") if p and p != "."]
        node = self.root
        for i, part in enumerate(parts):
            entries = node.entries
            if entries is None:
                raise FsError(errno.ENOTDIR, path)
            self._check(node, 1, cred, path)
            if part == "..":
                # Directories have exactly one parent, so the pointer is the truth.
                node = node.parent or self.root
                continue
            if len(part) > _NAME_MAX:
                raise FsError(errno.ENAMETOOLONG, path)
            found = entries.get(part)
            if found is None:
                raise FsError(errno.ENOENT, path)
            child = found
            # A trailing slash follows a final symlink, as path resolution does (ls link/).
            last = i == len(parts) - 1
            if child.kind is Kind.LINK and (follow or not last or path.endswith("/")):
                if child.magic_target is not None:
                    node = child.magic_target
                    continue
                if depth >= _MAX_SYMLINKS:
                    raise FsError(errno.ELOOP, path)
                child = self._walk(child.target, self.path_of(node), True, cred, depth + 1)
            node = child
        if path.endswith("/") and not node.is_dir:
            raise FsError(errno.ENOTDIR, path)
        return node

    def read_bytes(self, path: str, limit: int | None = None) -> bytes | None:
        """The bytes (the first ``limit``) of the regular file at ``path`` (symlinks
        followed), or None when there is none. It leaves no trace (no atime): daemons'
        config reads and objective checks must not change what the player sees."""
        try:
            content = self.lookup(path).content
        except FsError:
            return None
        if content is None:
            return None
        return content.read(0, content.size if limit is None else min(limit, content.size))

    def read_text(self, path: str) -> str | None:
        """:meth:`read_bytes` decoded (undecodable bytes replaced)."""
        data = self.read_bytes(path)
        return None if data is None else data.decode(errors="replace")

    def lookup_parent(self, path: str, cwd: str = "/", *, cred: Cred = ROOT) -> tuple[Inode, str]:
        """The directory that would hold ``path``, and the final name."""
        full = self.abspath(path, cwd)
        head, name = posixpath.split(full)
        parent = self.lookup(head or "/", cred=cred)
        if not parent.is_dir:
            raise FsError(errno.ENOTDIR, path)
        return parent, name

    def exists(self, path: str, cwd: str = "/") -> bool:
        try:
            self.lookup(path, cwd)
        except FsError:
            return False
        return True

    def path_of(self, inode: Inode) -> str:
        """The path of an inode's primary name (its last one, once deleted)."""
        names: list[str] = []
        node: Inode | None = inode
        while node is not None and node is not self.root:
            names.append(node.name)
            node = node.parent
        return "/" + "/".join(reversed(names))

    def listdir(self, directory: Inode, *, cred: Cred = ROOT, path: str = "") -> list[str]:
        if not directory.is_dir or directory.entries is None:
            raise FsError(errno.ENOTDIR, path)
        self._check(directory, 4, cred, path)
        return list(directory.entries)

    def children(self, directory: Inode) -> Iterator[tuple[str, Inode]]:
        if directory.entries is not None:
            yield from directory.entries.items()

    # -- creating and removing -----------------------------------------------

    def _attach(self, parent: Inode, name: str, inode: Inode, cred: Cred, path: str) -> None:
        if parent.entries is None:
            raise FsError(errno.ENOTDIR, path)
        self._check(parent, 3, cred, path)
        if name in parent.entries:
            raise FsError(errno.EEXIST, path)
        if parent.mount.avail_inodes <= 0 and not inode.counted:
            raise FsError(errno.ENOSPC, path)
        if inode.kind is Kind.DIR and parent.mount.avail_bytes < BLOCK:
            raise FsError(errno.ENOSPC, path)
        parent.entries[name] = inode
        inode.name, inode.parent = name, parent
        parent.mtime_ms = parent.ctime_ms = self.clock.now_ms
        self._charge(inode)

    def create(
        self,
        path: str,
        cwd: str = "/",
        *,
        kind: Kind = Kind.FILE,
        mode: int | None = None,
        uid: int | None = None,
        gid: int | None = None,
        cred: Cred = ROOT,
        target: str = "",
        device: str = "",
    ) -> Inode:
        parent, name = self.lookup_parent(path, cwd, cred=cred)
        if not name or name in (".", ".."):
            raise FsError(errno.EEXIST, path)
        default_mode = {Kind.DIR: 0o755, Kind.LINK: 0o777}.get(kind, 0o644)
        inode = self._new_inode(
            kind,
            self.mount_for_path(self.abspath(path, cwd)),
            default_mode if mode is None else mode,
            cred.uid if uid is None else uid,
            cred.gids[0] if gid is None else gid,
        )
        if kind is Kind.FILE:
            inode.content = FileContent()
        elif kind is Kind.DIR:
            inode.entries = {}
            inode.nlink = 2
        inode.target, inode.device = target, device
        self._attach(parent, name, inode, cred, path)
        if kind is Kind.DIR:
            parent.nlink += 1
        return inode

    def mkdir(
        self,
        path: str,
        cwd: str = "/",
        *,
        parents: bool = False,
        mode: int = 0o755,
        cred: Cred = ROOT,
        uid: int | None = None,
        gid: int | None = None,
    ) -> Inode:
        if not parents:
            return self.create(path, cwd, kind=Kind.DIR, mode=mode, cred=cred, uid=uid, gid=gid)
        full = self.abspath(path, cwd)
        node = self.root
        so_far = ""
        for part in [p for p in full.split("/") if p]:
            so_far += "/" + part
            try:
                node = self.lookup(so_far, cred=cred)
            except FsError as error:
                if error.errno != errno.ENOENT:
                    raise
                node = self.create(so_far, kind=Kind.DIR, mode=mode, cred=cred, uid=uid, gid=gid)
            if not node.is_dir:
                raise FsError(errno.ENOTDIR, path)
        return node

    def unlink(self, path: str, cwd: str = "/", *, cred: Cred = ROOT) -> Inode:
        parent, name = self.lookup_parent(path, cwd, cred=cred)
        if name in ("", ".", "..") or path.endswith("/") or parent.entries is None:
            inode = self.lookup(path, cwd, follow=False, cred=cred)
            if inode.is_dir:
                raise FsError(errno.EISDIR, path)
            self._detach(parent, name, inode, cred, path)
            return inode
        # The parent is resolved already: one walk, not two (xargs rm of millions).
        inode = self._entry(parent, name, cred, path)
        self._unlink_entry(parent, name, inode, cred, path)
        return inode

    def unlink_at(self, parent: Inode, name: str, path: str, *, cred: Cred = ROOT
                  ) -> Inode | None:
        """``unlink(path)`` once the walk has reached ``parent``, the directory ``path``
        names ``name`` in (so ``name`` is a plain component: not "", "." or ".."). The
        same checks and errors as :meth:`unlink`. An untouched generated child of a
        huge directory goes without ever becoming an :class:`Inode`; then the result
        is None, else the unlinked inode."""
        if parent.entries is None:
            raise FsError(errno.ENOTDIR, path)
        entries = parent.entries
        if isinstance(entries, LazyEntries) and name not in entries.extra:
            self._check(parent, 1, cred, path)
            index = entries.generated(name)
            if index is not None and index not in entries.pinned:
                self._detach_generated(parent, entries, index, cred, path)
                return None
        inode = self._entry(parent, name, cred, path)
        self._unlink_entry(parent, name, inode, cred, path)
        return inode

    def _entry(self, parent: Inode, name: str, cred: Cred, path: str) -> Inode:
        """The entry ``name`` of the directory ``parent``: the last step of a walk."""
        assert parent.entries is not None
        self._check(parent, 1, cred, path)
        found = parent.entries.get(name)
        if found is None:
            raise FsError(errno.ENAMETOOLONG if len(name) > _NAME_MAX else errno.ENOENT, path)
        return found

    def _unlink_entry(self, parent: Inode, name: str, inode: Inode, cred: Cred,
                      path: str) -> None:
        if inode.is_dir:
            raise FsError(errno.EISDIR, path)
        self._detach(parent, name, inode, cred, path)

    def rmdir(self, path: str, cwd: str = "/", *, cred: Cred = ROOT) -> None:
        parent, name = self.lookup_parent(path, cwd, cred=cred)
        inode = self.lookup(path, cwd, follow=False, cred=cred)
        if not inode.is_dir:
            raise FsError(errno.ENOTDIR, path)
        if inode is self.root or any(m.target == self.abspath(path, cwd) for m in self.mounts):
            raise FsError(errno.EBUSY, path)
        if inode.entries or inode.opaque_inodes:
            raise FsError(errno.ENOTEMPTY, path)
        self._detach(parent, name, inode, cred, path)
        parent.nlink -= 1

    def _detach(self, parent: Inode, name: str, inode: Inode, cred: Cred, path: str) -> None:
        assert parent.entries is not None
        self._check_detach(parent, inode.uid, cred, path)
        del parent.entries[name]
        parent.mtime_ms = parent.ctime_ms = self.clock.now_ms
        inode.nlink -= 2 if inode.is_dir else 1
        inode.ctime_ms = self.clock.now_ms
        if inode.nlink <= 0:
            inode.nlink = 0
            if inode.open_count == 0:
                self._discharge(inode)

    def _check_detach(self, parent: Inode, owner: int, cred: Cred, path: str) -> None:
        """May ``cred`` remove a name owned by ``owner`` from ``parent``?"""
        self._check(parent, 3, cred, path)
        if parent.mode & 0o1000 and not cred.is_root and cred.uid not in (owner, parent.uid):
            raise FsError(errno.EPERM, path)

    def _detach_generated(self, parent: Inode, entries: LazyEntries, index: int, cred: Cred,
                          path: str) -> None:
        """:meth:`_detach` for an unpinned generated child: one liveness byte and the
        mount's counters (it holds one inode and one block, nobody holds it open)."""
        self._check_detach(parent, entries.spec.uid, cred, path)
        entries.kill(index)
        parent.mtime_ms = parent.ctime_ms = self.clock.now_ms
        parent.mount.used_inodes -= 1
        parent.mount.used_bytes -= BLOCK

    def link(self, existing: str, new: str, cwd: str = "/", *, cred: Cred = ROOT) -> Inode:
        inode = self.lookup(existing, cwd, follow=False, cred=cred)
        if inode.is_dir:
            raise FsError(errno.EPERM, existing)
        parent, name = self.lookup_parent(new, cwd, cred=cred)
        if parent.mount is not inode.mount:
            raise FsError(errno.EXDEV, new)
        assert parent.entries is not None
        self._check(parent, 3, cred, new)
        if name in parent.entries:
            raise FsError(errno.EEXIST, new)
        parent.entries[name] = inode
        inode.nlink += 1
        return inode

    def rename(self, src: str, dst: str, cwd: str = "/", *, cred: Cred = ROOT) -> None:
        src_parent, src_name = self.lookup_parent(src, cwd, cred=cred)
        inode = self.lookup(src, cwd, follow=False, cred=cred)
        dst_parent, dst_name = self.lookup_parent(dst, cwd, cred=cred)
        if dst_parent.mount is not inode.mount:
            raise FsError(errno.EXDEV, dst)
        assert src_parent.entries is not None and dst_parent.entries is not None
        self._check(src_parent, 3, cred, src)
        self._check(dst_parent, 3, cred, dst)
        if inode.is_dir:
            node: Inode | None = dst_parent
            while node is not None:
                if node is inode:
                    raise FsError(errno.EINVAL, src)
                node = node.parent
        existing = dst_parent.entries.get(dst_name)
        if existing is inode:
            return
        if existing is not None:
            if existing.is_dir and not inode.is_dir:
                raise FsError(errno.EISDIR, dst)
            if inode.is_dir and not existing.is_dir:
                raise FsError(errno.ENOTDIR, dst)
            if existing.is_dir:
                if existing.entries:
                    raise FsError(errno.ENOTEMPTY, dst)
                dst_parent.nlink -= 1
            self._detach(dst_parent, dst_name, existing, cred, dst)
        del src_parent.entries[src_name]
        inode.lazy_slot = -1
        dst_parent.entries[dst_name] = inode
        inode.name, inode.parent = dst_name, dst_parent
        if inode.is_dir:
            src_parent.nlink -= 1
            dst_parent.nlink += 1
        now = self.clock.now_ms
        src_parent.mtime_ms = dst_parent.mtime_ms = inode.ctime_ms = now

    def open_for_write(self, path: str, cwd: str = "/", *, append: bool = False,
                       cred: Cred = ROOT) -> Inode:
        """open(2) with O_WRONLY|O_CREAT, and O_TRUNC unless ``append``: what ``>``,
        ``>>``, ``tee`` and ``sort -o`` do. Raises EISDIR, EACCES, ENOENT..."""
        try:
            inode = self.lookup(path, cwd, cred=cred)
        except FsError as error:
            if error.errno != errno.ENOENT:
                raise
            return self.create(path, cwd, cred=cred)
        if inode.is_dir:
            raise FsError(errno.EISDIR, path)
        if not self.access(inode, 2, cred):
            raise FsError(errno.EACCES, path)
        if not append and inode.is_file:
            self.truncate(inode, 0, path=path)
        return inode

    # -- generated (lazy) directories -------------------------------------------

    def add_lazy_dir(self, path: str, spec: LazySpec, *, mode: int = 0o755, uid: int = 0,
                     gid: int = 0, content: Callable[[int], bytes] | None = None) -> Inode:
        """Create a directory holding ``spec.count`` generated files; ENOSPC if the
        mount lacks the inodes or blocks. ``content(i)`` gives child i's bytes
        (padded or cut to its size); by default they read as zeros."""
        directory = self.mkdir(path, parents=True, mode=mode, uid=uid, gid=gid)
        mount = directory.mount
        if directory.entries or spec.count > mount.avail_inodes \
                or spec.count * BLOCK > mount.avail_bytes:
            raise FsError(errno.ENOSPC if not directory.entries else errno.ENOTEMPTY, path)

        def make(entries: LazyEntries, index: int) -> Inode:
            mtime, size = spec.mtime(index), spec.size(index)
            data = (content(index) if content else b"")[:size].ljust(size, b"\0")
            inode = Inode(entries.first_ino + index, Kind.FILE, mount, spec.mode, spec.uid,
                          spec.gid, mtime, mtime, mtime, name=spec.name(index), parent=directory,
                          content=FileContent(data),
                          charged_bytes=BLOCK, counted=True, btime_ms=mtime, lazy_slot=index)
            return inode

        directory.entries = LazyEntries(spec, self._next_ino, make)
        self._next_ino += spec.count
        mount.used_inodes += spec.count
        mount.used_bytes += spec.count * BLOCK
        # ext4 directories grow with their entries (8 bytes + the name, 4-aligned,
        # blocks about 3/4 full) and never shrink back.
        rec = 8 + -(-len(spec.name(0)) // 4) * 4
        directory.dir_bytes = -(-spec.count * rec * 4 // (3 * BLOCK)) * BLOCK
        self._charge(directory)
        return directory

    def delete_lazy(self, directory: Inode, lo: int, hi: int, *, cred: Cred = ROOT,
                    path: str = "", pinned_too: bool = True) -> int:
        """Unlink the generated children with index in [lo, hi) at once; returns how
        many went. What ``find -delete`` and ``rm -r`` do, in O(1) Python objects."""
        entries = directory.entries
        assert isinstance(entries, LazyEntries)
        self._check(directory, 3, cred, path)
        died, pinned = entries.kill_range(lo, hi, pinned_too=pinned_too)
        directory.mount.used_inodes -= died
        directory.mount.used_bytes -= died * BLOCK
        now = self.clock.now_ms
        for inode in pinned:
            inode.nlink, inode.ctime_ms = 0, now
            if inode.open_count == 0:
                self._discharge(inode)
        if died or pinned:
            directory.mtime_ms = directory.ctime_ms = now
        return died + len(pinned)

    def _pin(self, inode: Inode) -> None:
        """A generated child that changes must stay the same object from now on."""
        if inode.lazy_slot >= 0 and inode.parent is not None \
                and isinstance(inode.parent.entries, LazyEntries):
            inode.parent.entries.pinned.setdefault(inode.lazy_slot, inode)

    # -- holding files open --------------------------------------------------

    def hold(self, inode: Inode) -> None:
        self._pin(inode)
        inode.open_count += 1

    def release(self, inode: Inode) -> None:
        inode.open_count -= 1
        if inode.open_count == 0 and inode.nlink == 0:
            self._discharge(inode)

    # -- content -------------------------------------------------------------

    def _content(self, inode: Inode, path: str) -> FileContent:
        if inode.is_dir:
            raise FsError(errno.EISDIR, path)
        if inode.content is None:
            raise FsError(errno.EINVAL, path)
        return inode.content

    def _touch_modified(self, inode: Inode) -> None:
        self._pin(inode)
        inode.mtime_ms = inode.ctime_ms = self.clock.now_ms
        if inode.nlink > 0 or inode.open_count > 0:
            self._charge(inode)

    def write(self, inode: Inode, data: bytes, *, append: bool = True, path: str = "") -> int:
        """Append (or overwrite) ``data``; fills what fits, then raises ENOSPC."""
        if inode.kind is Kind.CHAR:
            return len(data)
        content = self._content(inode, path)
        if not append:
            content.replace(b"")
            self._touch_modified(inode)
        room = self._room(inode)
        if data and room == 0:
            raise FsError(errno.ENOSPC, path)  # nothing written: mtime stays
        content.append(data[:room])
        self._touch_modified(inode)
        if len(data) > room:
            raise FsError(errno.ENOSPC, path)
        return len(data)

    def append_generated(self, inode: Inode, source: TextSource, start: int, length: int) -> int:
        """A process appends ``length`` bytes of a text source; returns bytes written."""
        content = self._content(inode, "")
        length = min(length, self._room(inode))
        if length <= 0:
            return 0  # a failed write(2) leaves the file and its mtime alone
        content.append_generated(source, start, length)
        self._touch_modified(inode)
        return length

    def truncate(self, inode: Inode, size: int, *, path: str = "") -> None:
        # Growing leaves a hole that needs no blocks, so this never hits ENOSPC.
        self._content(inode, path).truncate(size)
        self._touch_modified(inode)

    def set_content(self, inode: Inode, content: FileContent, *, path: str = "") -> None:
        """Replace a file's content wholesale (cp, editors); ENOSPC if it cannot fit."""
        old = self._content(inode, path)
        extra = -(-content.allocated // BLOCK) * BLOCK - inode.charged_bytes
        if extra > inode.mount.avail_bytes:
            raise FsError(errno.ENOSPC, path)
        del old
        inode.content = content
        self._touch_modified(inode)

    def read_stream(self, inode: Inode, offset: int = 0, *, path: str = "") -> Iterator[bytes]:
        """The bytes a read loop would see; character devices never end."""
        if inode.kind is Kind.CHAR:
            return self._device_stream(inode.device)
        content = self._content(inode, path)
        inode.atime_ms = self.clock.now_ms
        return content.iter_chunks(offset)

    def _device_stream(self, device: str) -> Iterator[bytes]:
        if device in ("zero", "full"):
            while True:
                yield bytes(65536)
        if device in ("urandom", "random"):
            rng = self.rng.child("urandom", self.clock.now_ms)
            while True:
                yield rng.randbytes(65536)
        return

    # -- metadata ------------------------------------------------------------

    def chmod(self, inode: Inode, mode: int, *, cred: Cred = ROOT, path: str = "") -> None:
        if not cred.is_root and cred.uid != inode.uid:
            raise FsError(errno.EPERM, path)
        self._pin(inode)
        inode.mode = mode & 0o7777
        inode.ctime_ms = self.clock.now_ms

    def chown(self, inode: Inode, uid: int, gid: int, *, cred: Cred = ROOT, path: str = "") -> None:
        if not cred.is_root:
            raise FsError(errno.EPERM, path)
        self._pin(inode)
        inode.uid, inode.gid = uid, gid
        inode.ctime_ms = self.clock.now_ms

    def utime(self, inode: Inode, mtime_ms: int, atime_ms: int | None = None) -> None:
        self._pin(inode)
        inode.mtime_ms = mtime_ms
        inode.atime_ms = mtime_ms if atime_ms is None else atime_ms
        inode.ctime_ms = self.clock.now_ms

    # -- scenario building ---------------------------------------------------

    def put(
        self,
        path: str,
        data: bytes | FileContent = b"",
        *,
        mode: int = 0o644,
        uid: int = 0,
        gid: int = 0,
        mtime_ms: int | None = None,
    ) -> Inode:
        """Create (parents included) or replace a file while building a world."""
        parent_path = posixpath.dirname(self.abspath(path))
        self.mkdir(parent_path, parents=True)
        try:
            inode = self.lookup(path)
        except FsError:
            inode = self.create(path, mode=mode, uid=uid, gid=gid)
        content = data if isinstance(data, FileContent) else FileContent(data)
        inode.content = content
        inode.mode, inode.uid, inode.gid = mode, uid, gid
        self._charge(inode)
        if mtime_ms is not None:
            inode.mtime_ms = inode.atime_ms = inode.ctime_ms = mtime_ms
            inode.btime_ms = min(inode.btime_ms, mtime_ms)
        return inode
