"""The open files of a process as lsof sees them: one row per descriptor.

The world models the descriptors a program opened (``Process.fds``) and its
listening sockets; the rest of what a real process holds (cwd, root, its
executable, libc, stdio) is derived here so listings look like a real system's.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from pagerdrill.world.fs import FileSystem, Inode, Kind, Mount
from pagerdrill.world.host import Host
from pagerdrill.world.process import Process

__all__ = ["SERVICES", "FileRow", "device_of", "process_rows", "socket_name"]

# /etc/services on Debian 12, the ports the simulation uses.
SERVICES = {22: "ssh", 25: "smtp", 53: "domain", 80: "http", 443: "https", 3000: "hbci",
            3306: "mysql", 4369: "epmd", 5432: "postgresql", 5672: "amqp", 6379: "redis",
            8080: "http-alt", 8081: "tproxy", 9090: "websm", 9100: "jetdirect",
            11211: "memcache", 27017: "mongodb"}
_CHAR_DEVICES = {"null": "1,3", "zero": "1,5", "full": "1,7", "random": "1,8",
                 "urandom": "1,9", "tty": "5,0", "pts/0": "136,0"}
_DISK_MAJOR = {"sd": 8, "vd": 254, "xvd": 202, "hd": 3}
_LIBS = (("/usr/lib/x86_64-linux-gnu/libc.so.6", 1_922_136),
         ("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 210_968))


@dataclass
class FileRow:
    """One lsof line; ``inode`` is set for filesystem objects, ``port`` for sockets."""

    fd: str  # "cwd", "txt", "3"
    mode: str  # "r", "w", "u" or " "
    type: str
    device: str
    size_off: str
    node: str
    name: str
    nlink: int | None = None
    inode: Inode | None = None
    port: int | None = None
    address: str = ""


def device_of(mount: Mount, mounts: list[Mount]) -> str:
    """``major,minor`` as ls -l and lsof print it for the filesystem's block device."""
    match = re.fullmatch(r"/dev/(sd|vd|xvd|hd)([a-z])(\d*)", mount.source)
    if match is not None:
        letter, part = match.group(2), int(match.group(3) or 0)
        return f"{_DISK_MAJOR[match.group(1)]},{(ord(letter) - 97) * 16 + part}"
    nvme = re.fullmatch(r"/dev/nvme\d+n\d+(?:p(\d+))?", mount.source)
    if nvme is not None:
        return f"259,{int(nvme.group(1) or 0)}"
    if mount.source.startswith("/dev/"):
        return f"253,{mounts.index(mount)}"
    return f"0,{24 + mounts.index(mount)}"


def _stable(text: str, low: int, high: int) -> int:
    """A number that looks arbitrary but is the same on every run."""
    return low + zlib.crc32(text.encode()) % (high - low)


def socket_name(address: str, port: int, numeric_host: bool, numeric_port: bool) -> str:
    host = "*" if address in ("0.0.0.0", "::", "*") else address
    if not numeric_host and address == "127.0.0.1":
        host = "localhost"
    if ":" in host and host != "*":
        host = f"[{host}]"
    service = str(port) if numeric_port else SERVICES.get(port, str(port))
    return f"{host}:{service}"


def _file_row(fs: FileSystem, fd: str, mode: str, inode: Inode, path: str) -> FileRow:
    mounts = fs.mounts
    if inode.kind is Kind.CHAR:
        device = _CHAR_DEVICES.get(inode.device, "1,3")
        return FileRow(fd, mode, "CHR", device, "0t0", str(inode.ino), path,
                       inode.nlink, inode)
    kind = "DIR" if inode.is_dir else "REG"
    name = path + (" (deleted)" if inode.deleted else "")
    return FileRow(fd, mode, kind, device_of(inode.mount, mounts), str(inode.size),
                   str(inode.ino), name, inode.nlink, inode)


def _guessed(fs: FileSystem, fd: str, path: str, size: int) -> FileRow:
    """A file every process maps that the model does not store (libc, binaries)."""
    try:
        inode = fs.lookup(path)
    except Exception:
        root = fs.mounts[0]
        return FileRow(fd, " ", "REG", device_of(root, fs.mounts), str(size),
                       str(_stable(path, 260_000, 400_000)), path, 1)
    return _file_row(fs, fd, " ", inode, fs.path_of(inode))


def _executable(host: Host, proc: Process) -> str:
    first = proc.argv[0] if proc.argv else proc.comm
    if first.startswith("/"):
        return first
    for directory in ("/usr/bin", "/usr/sbin", "/usr/local/bin", "/bin", "/sbin"):
        if host.fs.exists(f"{directory}/{first}"):
            return f"{directory}/{first}"
    return f"/usr/bin/{first.lstrip('-')}"


def process_rows(host: Host, proc: Process, *, numeric_host: bool = False,
                 numeric_port: bool = False) -> list[FileRow]:
    """Everything ``lsof -p PID`` lists for one process, in lsof's order."""
    fs = host.fs
    rows: list[FileRow] = []
    for fd, path in (("cwd", proc.cwd), ("rtd", "/")):
        try:
            inode = fs.lookup(path)
        except Exception:
            continue
        rows.append(_file_row(fs, fd, " ", inode, fs.path_of(inode)))
    exe = _executable(host, proc)
    rows.append(_guessed(fs, "txt", exe, _stable(exe, 20_000, 2_000_000)))
    rows.extend(_guessed(fs, "mem", path, size) for path, size in _LIBS)
    rows.extend(_stdio(host, proc))
    for handle in sorted(proc.open_files(), key=lambda h: h.fd):
        rows.append(_file_row(fs, str(handle.fd), handle.mode, handle.inode,
                              fs.path_of(handle.inode)))
    next_fd = max([2, *proc.fds]) + 1
    for listener in sorted(host.listeners.values(), key=lambda item: item.port):
        if listener.pid != proc.pid:
            continue
        family = "IPv6" if ":" in listener.address else "IPv4"
        device = str(_stable(f"{proc.pid}:{listener.port}", 20_000, 90_000))
        name = socket_name(listener.address, listener.port, numeric_host, numeric_port)
        rows.append(FileRow(str(next_fd), "u", family, device, "0t0", "TCP",
                            f"{name} (LISTEN)", port=listener.port, address=listener.address))
        next_fd += 1
    return rows


def _stdio(host: Host, proc: Process) -> list[FileRow]:
    """Daemons read /dev/null and write to journald; session processes use the tty."""
    fs = host.fs
    rows: list[FileRow] = []
    if proc.tty.startswith("pts/"):
        path = f"/dev/{proc.tty}"
        ino = str(3 + int(proc.tty.split("/")[1]))
        return [FileRow(str(fd), "u", "CHR", _CHAR_DEVICES.get(proc.tty, "136,0"), "0t0",
                        ino, path, 1) for fd in (0, 1, 2)]
    try:
        null = fs.lookup("/dev/null")
        rows.append(_file_row(fs, "0", "r", null, "/dev/null"))
    except Exception:
        pass
    for fd in (1, 2):
        node = _stable(f"{proc.pid}:stdio", 10_000, 60_000)
        address = f"0x{zlib.crc32(f'{proc.pid}:stdio'.encode()):016x}"
        rows.append(FileRow(str(fd), "u", "unix", address, "0t0", str(node),
                            "type=STREAM (CONNECTED)"))
    return rows
