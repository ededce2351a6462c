"""/proc, computed from the host's live state whenever it is read.

Directories here are :class:`LiveEntries`: mappings whose contents are produced
on access, so ``ls /proc``, ``cat /proc/meminfo`` and ``ls -l /proc/PID/fd``
always show the current processes, and ``/proc/PID/fd/N`` opens the inode the
process holds even after it was deleted (``: > /proc/PID/fd/3`` is how an SRE
frees a deleted-but-open log without a restart).
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, KeysView, ValuesView
from functools import partial
from typing import TYPE_CHECKING

from pagerdrill.world.content import FileContent
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import Inode, Kind, Mount
from pagerdrill.world.rng import derive_seed

if TYPE_CHECKING:
    from pagerdrill.world.host import Host
    from pagerdrill.world.process import Process

__all__ = ["LiveEntries", "install_procfs"]


class LiveEntries(dict[str, Inode]):
    """A read-only directory listing computed on every access."""

    def __init__(self, compute: Callable[[], dict[str, Inode]]) -> None:
        super().__init__()
        self._compute = compute

    def _now(self) -> dict[str, Inode]:
        return self._compute()

    def get(self, key: str, default: Inode | None = None) -> Inode | None:  # type: ignore[override]
        return self._now().get(key, default)

    def __getitem__(self, key: str) -> Inode:
        return self._now()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._now()

    def __iter__(self) -> Iterator[str]:
        return iter(self._now())

    def __len__(self) -> int:
        return len(self._now())

    def __bool__(self) -> bool:
        return True

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        return self._now().keys()

    def values(self) -> ValuesView[Inode]:  # type: ignore[override]
        return self._now().values()

    def items(self) -> ItemsView[str, Inode]:  # type: ignore[override]
        return self._now().items()

    def __setitem__(self, key: str, value: Inode) -> None:
        raise FsError(errno.ENOENT, key)

    def __delitem__(self, key: str) -> None:
        raise FsError(errno.EPERM, key)


class _ProcTree:
    def __init__(self, host: Host, root: Inode) -> None:
        self.host = host
        self.root = root
        self.mount = Mount("proc", "/proc", "proc", 0, 0, "rw,nosuid,nodev,noexec,relatime")
        self._nodes: dict[str, Inode] = {}

    def _node(self, path: str, kind: Kind, mode: int, parent: Inode, uid: int = 0) -> Inode:
        """A stable inode per /proc path, so inode numbers do not change between reads."""
        node = self._nodes.get(path)
        if node is None or node.kind is not kind:
            now = self.host.clock.now_ms
            ino = 4026531840 + derive_seed(0, path) % 100_000_000
            node = Inode(ino, kind, self.mount, mode, uid, uid, now, now, now)
            node.name = path.rsplit("/", 1)[-1]
            self._nodes[path] = node
        node.parent = parent
        node.uid = node.gid = uid
        return node

    def _file(self, path: str, parent: Inode, text: str, uid: int = 0, mode: int = 0o444) -> Inode:
        node = self._node(path, Kind.FILE, mode, parent, uid)
        node.content = FileContent(text.encode())
        return node

    def _link(self, path: str, parent: Inode, target: str, magic: Inode | None = None,
              uid: int = 0, mode: int = 0o777) -> Inode:
        node = self._node(path, Kind.LINK, mode, parent, uid)
        node.target, node.magic_target, node.mode = target, magic, mode
        return node

    def _dir(self, path: str, parent: Inode, compute: Callable[[Inode], dict[str, Inode]],
             uid: int = 0, mode: int = 0o555) -> Inode:
        node = self._node(path, Kind.DIR, mode, parent, uid)
        node.entries = LiveEntries(lambda: compute(node))
        node.nlink = 2
        return node

    def top(self) -> dict[str, Inode]:
        entries: dict[str, Inode] = {}
        for proc in self.host.procs:
            entries[str(proc.pid)] = self._dir(
                f"/proc/{proc.pid}", self.root, partial(self._pid, proc=proc), proc.uid)
        for name, render in (("meminfo", self._meminfo), ("loadavg", self._loadavg),
                             ("uptime", self._uptime), ("mounts", self._mounts),
                             ("cpuinfo", self._cpuinfo), ("version", self._version)):
            entries[name] = self._file(f"/proc/{name}", self.root, render())
        return entries

    def _pid(self, directory: Inode, proc: Process) -> dict[str, Inode]:
        base = f"/proc/{proc.pid}"
        if self.host.procs.get(proc.pid) is None:
            return {}
        status = "".join(f"{k}:\t{v}\n" for k, v in (
            ("Name", proc.comm), ("State", {"S": "S (sleeping)", "R": "R (running)",
                                            "T": "T (stopped)", "Z": "Z (zombie)"}[proc.state]),
            ("Pid", proc.pid), ("PPid", proc.ppid), ("Uid", f"{proc.uid}\t" * 3 + f"{proc.uid}"),
            ("FDSize", 64), ("VmSize", f"{proc.vsz_kb:8d} kB"), ("VmRSS", f"{proc.rss_kb:8d} kB"),
            ("Threads", proc.threads)))
        return {
            "cmdline": self._file(f"{base}/cmdline", directory, "\0".join(proc.argv) + "\0",
                                  proc.uid),
            "comm": self._file(f"{base}/comm", directory, proc.comm + "\n", proc.uid),
            "status": self._file(f"{base}/status", directory, status, proc.uid),
            "environ": self._file(f"{base}/environ", directory,
                                  "".join(f"{k}={v}\0" for k, v in proc.env.items()), proc.uid,
                                  0o400),
            "cwd": self._link(f"{base}/cwd", directory, proc.cwd, uid=proc.uid),
            "exe": self._link(f"{base}/exe", directory, proc.argv[0] if proc.argv else "",
                              uid=proc.uid),
            "fd": self._dir(f"{base}/fd", directory, lambda d: self._fds(d, proc), proc.uid, 0o500),
        }

    def _fds(self, directory: Inode, proc: Process) -> dict[str, Inode]:
        base = f"/proc/{proc.pid}/fd"
        # An fd link's mode shows how it was opened: lr-x read, l-wx write, lrwx both.
        entries = {str(fd): self._link(f"{base}/{fd}", directory, "/dev/null", uid=proc.uid,
                                       mode=0o700) for fd in (0, 1, 2)}
        for handle in proc.open_files():
            target = self.host.fs.path_of(handle.inode) if handle.inode.nlink else handle.path
            if handle.inode.deleted:
                target += " (deleted)"
            mode = {"r": 0o500, "w": 0o300}.get(handle.mode, 0o700)
            entries[str(handle.fd)] = self._link(f"{base}/{handle.fd}", directory, target,
                                                 handle.inode, proc.uid, mode)
        return entries

    def _meminfo(self) -> str:
        total = self.host.spec.mem_total_kb
        used = self.host.mem_used_kb()
        cached, buffers = self.host.cache_kb, self.host.buffers_kb
        free = max(0, total - used - cached - buffers)
        rows = (("MemTotal", total), ("MemFree", free), ("MemAvailable", free + cached),
                ("Buffers", buffers), ("Cached", cached), ("SwapCached", 0),
                ("SwapTotal", 0), ("SwapFree", 0))
        return "".join(f"{name + ':':<16}{value:>8} kB\n" for name, value in rows)

    def _loadavg(self) -> str:
        one, five, fifteen = self.host.load
        running = sum(1 for p in self.host.procs if p.state == "R") or 1
        last = max((p.pid for p in self.host.procs), default=1)
        return f"{one:.2f} {five:.2f} {fifteen:.2f} {running}/{len(self.host.procs)} {last}\n"

    def _uptime(self) -> str:
        up = (self.host.clock.now_ms - self.host.boot_ms) / 1000
        return f"{up:.2f} {up * self.host.spec.cpus * 0.97:.2f}\n"

    def _mounts(self) -> str:
        lines = [f"{m.source} {m.target} {m.fstype} {m.options} 0 0" for m in self.host.fs.mounts]
        lines.append("proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0")
        return "\n".join(lines) + "\n"

    def _cpuinfo(self) -> str:
        block = ("processor\t: {n}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n"
                 "model name\t: Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz\n"
                 "cpu MHz\t\t: 2499.998\ncache size\t: 36608 KB\ncpu cores\t: {cores}\n\n")
        return "".join(block.format(n=n, cores=self.host.spec.cpus)
                       for n in range(self.host.spec.cpus))

    def _version(self) -> str:
        spec = self.host.spec
        return (f"Linux version {spec.kernel} (debian-kernel@lists.debian.org) (gcc-12 (Debian "
                f"12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) "
                f"{spec.kernel_version}\n")


def install_procfs(host: Host) -> None:
    """Replace the host's empty /proc with the live view."""
    root = host.fs.lookup("/proc")
    tree = _ProcTree(host, root)
    root.entries = LiveEntries(tree.top)
