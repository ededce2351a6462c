"""/proc reflects live state; /proc/PID/fd/N reaches deleted-but-open files."""

from __future__ import annotations

import pytest

from pagerdrill.world.content import FileContent
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import BLOCK, Kind
from pagerdrill.world.host import Host


def test_proc_lists_live_pids(host: Host) -> None:
    proc = host.procs.spawn(["/usr/sbin/nginx", "-g", "daemon off;"])
    names = host.fs.listdir(host.fs.lookup("/proc"))
    assert str(proc.pid) in names and "meminfo" in names
    cmdline = host.fs.lookup(f"/proc/{proc.pid}/cmdline").content
    assert cmdline is not None and cmdline.read() == b"/usr/sbin/nginx\0-g\0daemon off;\0"
    host.procs.exit(proc.pid, 0)
    assert str(proc.pid) not in host.fs.listdir(host.fs.lookup("/proc"))


def test_fd_links_show_deleted_files_and_open_them(host: Host) -> None:
    fs = host.fs
    inode = fs.put("/var/log/app.log", FileContent(b"x" * 50 * BLOCK))
    proc = host.procs.spawn(["/usr/bin/app"])
    fd = host.procs.open(proc, "/var/log/app.log").fd
    fs.unlink("/var/log/app.log")
    link = fs.lookup(f"/proc/{proc.pid}/fd/{fd}", follow=False)
    assert link.kind is Kind.LINK and link.target == "/var/log/app.log (deleted)"
    assert fs.lookup(f"/proc/{proc.pid}/fd/{fd}") is inode
    used = fs.mounts[0].used_bytes
    fs.truncate(fs.lookup(f"/proc/{proc.pid}/fd/{fd}"), 0)
    assert fs.mounts[0].used_bytes == used - 50 * BLOCK


def test_proc_is_read_only(host: Host) -> None:
    with pytest.raises(FsError):
        host.fs.create("/proc/new")
    with pytest.raises(FsError):
        host.fs.unlink("/proc/meminfo")


def test_meminfo_and_loadavg_render(host: Host) -> None:
    meminfo = host.fs.lookup("/proc/meminfo").content
    assert meminfo is not None and meminfo.read().startswith(b"MemTotal:       16777216 kB\n")
    host.load = (7.5, 3.25, 1.0)
    loadavg = host.fs.lookup("/proc/loadavg").content
    assert loadavg is not None and loadavg.read().startswith(b"7.50 3.25 1.00 ")
