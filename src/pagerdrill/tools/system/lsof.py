"""lsof - list open files.

Usage: lsof [-anlnPtw] [+L1|+L|-L] [-p PIDs] [-u USERs] [-c CMD] [-d FDs]
            [-i [46][tcp|udp][@host][:port,...]] [+D DIR] [+d DIR] [--] [names]

Columns are laid out as lsof 4.95 computes them. Selections are ORed unless
``-a`` is given; ``+L1`` (files unlinked but still open, the classic "disk full
but du disagrees" finding) filters whatever is selected and adds NLINK.

Not supported: -F field output, -r/+r repeat, -o offsets, -s sizes, -K thread
listing (the default listing omits task rows, as ``-Ki`` would), -R, -g, -N, -U,
UDP sockets and established connections (only listening TCP sockets exist).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.fileview import SERVICES, FileRow, process_rows
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Inode
from pagerdrill.world.process import Process

__all__ = ["USAGE", "lsof"]

USAGE = (
    "lsof 4.95.0\n"
    " latest revision: https://github.com/lsof-org/lsof\n"
    " latest FAQ: https://github.com/lsof-org/lsof/blob/master/00FAQ\n"
    " latest (non-formatted) man page: https://github.com/lsof-org/lsof/blob/master/Lsof.8\n"
    " usage: [-?abhKlnNoOPRtUvVX] [+|-c c] [+|-d s] [+D D] [+|-E] [+|-e s] [+|-f[gG]]\n"
    " [-F [f]] [-g [s]] [-i [i]] [+|-L [l]] [+m [m]] [+|-M] [-o [o]] [-p s]\n"
    " [+|-r [t]] [-s [p:s]] [-S [t]] [-T [t]] [-u s] [+|-w] [-x [fl]] [--] [names]\n"
    "Use the ``-h'' option to get more help information.\n"
)
_FLAGS = set("abhlnNOPtVwX?")
_WITH_ARG = set("pucd")


class _Usage(Exception):
    pass


@dataclass
class _InetSpec:
    family: str = ""  # "", "4", "6"
    proto: str = ""  # "", "tcp", "udp"
    host: str = ""
    ports: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class _Query:
    and_: bool = False
    numeric_host: bool = False
    numeric_port: bool = False
    numeric_uid: bool = False
    terse: bool = False
    link_below: int | None = None
    show_nlink: bool = False
    pids: list[int] = field(default_factory=list)
    users: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    fds: list[str] = field(default_factory=list)
    inet: list[_InetSpec] = field(default_factory=list)
    tree_dirs: list[str] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


def _parse_inet(text: str, inv: Invocation) -> _InetSpec:
    spec = _InetSpec()
    rest = text
    if rest[:1] in ("4", "6"):
        spec.family, rest = rest[0], rest[1:]
    for proto in ("tcp", "udp"):
        if rest.lower().startswith(proto):
            spec.proto, rest = proto, rest[3:]
    if rest.startswith("@"):
        host, _, port_part = rest[1:].partition(":")
        spec.host, rest = host, (":" + port_part if port_part else "")
    if rest.startswith(":"):
        by_name = {name: port for port, name in SERVICES.items()}
        for item in rest[1:].split(","):
            low, _, high = item.partition("-")
            bounds = []
            for part in (low, high or low):
                if part.isdigit():
                    bounds.append(int(part))
                elif part in by_name:
                    bounds.append(by_name[part])
                else:
                    inv.stderr.write(f"lsof: unknown service {part} in: -i {text}\n")
                    raise _Usage
            spec.ports.append((bounds[0], bounds[1]))
    elif rest:
        inv.stderr.write(f"lsof: unacceptable port specification in: -i {text}\n")
        raise _Usage
    return spec


def _parse(inv: Invocation) -> _Query:
    query = _Query()
    args = inv.args
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            query.names.extend(args[i:])
            break
        if arg.startswith("+L") or arg.startswith("-L"):
            number = arg[2:]
            if arg[0] == "+":
                query.show_nlink = True
                if number.isdigit():
                    query.link_below = int(number)
            continue
        if arg in ("+D", "+d"):
            if i >= len(args):
                inv.stderr.write(f"lsof: no file or directory specified for {arg}\n")
                raise _Usage
            (query.tree_dirs if arg == "+D" else query.dirs).append(args[i])
            i += 1
            continue
        if arg in ("+w", "-w"):
            continue
        if not arg.startswith("-") or arg == "-":
            query.names.append(arg)
            continue
        pos = 1
        while pos < len(arg):
            char = arg[pos]
            pos += 1
            if char == "i":
                value = arg[pos:]
                if not value and i < len(args) and args[i][:1] not in ("-", "+", "/"):
                    value = args[i]
                    i += 1
                query.inet.append(_parse_inet(value, inv) if value else _InetSpec())
                break
            if char in _WITH_ARG:
                value = arg[pos:]
                if not value:
                    if i >= len(args):
                        inv.stderr.write(f"lsof: -{char} not followed by a specification\n")
                        raise _Usage
                    value = args[i]
                    i += 1
                _store(query, char, value, inv)
                break
            if char not in _FLAGS:
                inv.stderr.write(f"lsof: illegal option character: {char}\n")
                raise _Usage
            if char in "h?":
                raise _Usage
            query.and_ |= char == "a"
            query.numeric_host |= char == "n"
            query.numeric_port |= char == "P"
            query.numeric_uid |= char == "l"
            query.terse |= char == "t"
    return query


def _store(query: _Query, char: str, value: str, inv: Invocation) -> None:
    items = [v for v in value.split(",") if v]
    if char == "p":
        for item in items:
            if not item.lstrip("^").isdigit():
                inv.stderr.write(f"lsof: illegal process ID: {item}\n")
                raise _Usage
            query.pids.append(int(item.lstrip("^")) * (-1 if item.startswith("^") else 1))
    elif char == "u":
        for item in items:
            name = item.lstrip("^")
            if not name.isdigit() and name not in inv.host.users:
                inv.stderr.write(f"lsof: can't get UID for {name}\n")
                raise _Usage
            query.users.append(item)
    elif char == "c":
        query.commands.extend(items)
    else:
        query.fds.extend(items)


def _user_matches(proc: Process, spec: str, inv: Invocation) -> bool:
    name = spec.lstrip("^")
    uid = int(name) if name.isdigit() else inv.host.uid_of(name)
    return (proc.uid == uid) != spec.startswith("^")


def _inet_matches(row: FileRow, spec: _InetSpec) -> bool:
    if row.port is None:
        return False
    if (spec.family == "6" and row.type != "IPv6") or (spec.family == "4" and row.type != "IPv4"):
        return False
    if spec.proto == "udp":
        return False
    if spec.host and spec.host not in (row.address, "localhost" if row.address.startswith(
            "127.") else row.address):
        return False
    return not spec.ports or any(low <= row.port <= high for low, high in spec.ports)


def _fd_matches(row: FileRow, specs: list[str]) -> bool:
    for spec in specs:
        low, _, high = spec.partition("-")
        if row.fd == spec or (row.fd.isdigit() and low.isdigit()
                              and int(low) <= int(row.fd) <= int(high or low)):
            return True
    return False


@command("lsof")
def lsof(inv: Invocation) -> CommandOutput:
    """lsof - list open files (see the module docstring for what is supported)."""
    try:
        query = _parse(inv)
        targets, dirs_ok = _resolve_names(inv, query)
    except _Usage:
        inv.stderr.write(USAGE)
        return 1
    if not dirs_ok:
        inv.stderr.write(USAGE)
        return 1
    selected: list[tuple[Process, FileRow]] = []
    process_level = bool(query.pids or query.users or query.commands)
    file_level = bool(query.inet or query.names or query.tree_dirs or query.dirs)
    any_selection = process_level or file_level
    is_root = inv.host.uid_of(inv.user) == 0
    uid = inv.host.uid_of(inv.user)
    for proc in inv.host.procs:
        allowed = is_root or proc.uid == uid
        rows = (process_rows(inv.host, proc, numeric_host=query.numeric_host,
                             numeric_port=query.numeric_port) if allowed
                else _denied_rows(proc.pid))
        for row in rows:
            tests: list[bool] = []
            if query.pids:
                wanted = [p for p in query.pids if p > 0]
                excluded = [-p for p in query.pids if p < 0]
                tests.append((not wanted or proc.pid in wanted) and proc.pid not in excluded)
            if query.users:
                tests.append(any(_user_matches(proc, u, inv) for u in query.users))
            if query.commands:
                tests.append(any(proc.comm.startswith(c) for c in query.commands))
            if query.inet:
                tests.append(any(_inet_matches(row, s) for s in query.inet))
            if query.names or query.tree_dirs or query.dirs:
                tests.append(_name_matches(row, targets, query, inv))
            if any_selection and not (all(tests) if query.and_ else any(tests)):
                continue
            if query.fds and not _fd_matches(row, query.fds):
                continue
            if query.link_below is not None and (row.nlink is None
                                                 or row.nlink >= query.link_below
                                                 or row.inode is None or row.inode.is_dir):
                continue
            selected.append((proc, row))
    if not selected:
        return 1
    if query.terse:
        seen: list[int] = []
        for proc, _row in selected:
            if proc.pid not in seen:
                seen.append(proc.pid)
        yield "".join(f"{pid}\n" for pid in seen).encode()
        return 0
    yield _render(selected, query, inv).encode()
    return 0


def _denied_rows(pid: int) -> list[FileRow]:
    rows = [FileRow(fd, " ", "unknown", "", "", "", f"/proc/{pid}/{link} (readlink: "
                    "Permission denied)") for fd, link in (("cwd", "cwd"), ("rtd", "root"),
                                                            ("txt", "exe"))]
    rows.append(FileRow("NOFD", "", "", "", "", "", f"/proc/{pid}/fd (opendir: "
                        "Permission denied)"))
    return rows


def _resolve_names(inv: Invocation, query: _Query) -> tuple[list[Inode | str], bool]:
    """Named files (by inode) and mount points (by path); complain about the missing."""
    fs = inv.host.fs
    targets: list[Inode | str] = []
    for name in query.names:
        path = fs.abspath(name, inv.cwd)
        try:
            inode = fs.lookup(path)
        except FsError as error:
            inv.stderr.write(f"lsof: status error on {name}: {error.strerror}\n")
            continue
        is_mount = any(m.target == path for m in fs.mounts)
        targets.append(path if is_mount else inode)
    ok = True
    for directory in (*query.tree_dirs, *query.dirs):
        try:
            fs.lookup(fs.abspath(directory, inv.cwd))
        except FsError as error:
            inv.stderr.write(f"lsof: WARNING: can't stat({directory}): {error.strerror}\n")
            ok = False
    return targets, ok


def _name_matches(row: FileRow, targets: list[Inode | str], query: _Query,
                  inv: Invocation) -> bool:
    inode = row.inode
    if inode is None:
        return False
    fs = inv.host.fs
    for target in targets:
        if isinstance(target, str):
            if fs.mount_for_path(target) is inode.mount:
                return True
        elif target is inode:
            return True
    if inode.deleted:
        return False  # +D walks directories, where an unlinked file has no entry
    path = fs.path_of(inode)
    for directory in query.tree_dirs:
        top = fs.abspath(directory, inv.cwd).rstrip("/") or "/"
        if path == top or path.startswith(top.rstrip("/") + "/"):
            return True
    for directory in query.dirs:
        top = fs.abspath(directory, inv.cwd).rstrip("/") or "/"
        if posixpath.dirname(path) == top:
            return True
    return False


def _fd_field(row: FileRow) -> str:
    if not row.fd.isdigit():
        return f"{row.fd:>4}{row.mode or ' '} "[:6] if row.fd != "NOFD" else "NOFD  "
    number = row.fd if len(row.fd) <= 4 else "*" + row.fd[-3:]
    return f"{number:>4}{row.mode} "


def _render(selected: list[tuple[Process, FileRow]], query: _Query, inv: Invocation) -> str:
    def user_of(proc: Process) -> str:
        return str(proc.uid) if query.numeric_uid else proc.user

    widths = {
        "cmd": max([7, *(len(p.comm[:9]) for p, _ in selected)]),
        "pid": max([3, *(len(str(p.pid)) for p, _ in selected)]),
        "user": max([4, *(len(user_of(p)) for p, _ in selected)]),
        "type": max([4, *(len(r.type) for _, r in selected)]),
        "dev": max([6, *(len(r.device) for _, r in selected)]),
        "size": max([8, *(len(r.size_off) for _, r in selected)]),
        "nlink": max([5, *(len(str(r.nlink or 0)) for _, r in selected)]),
        "node": max([4, *(len(r.node) for _, r in selected)]),
    }
    nlink_head = f" {'NLINK':>{widths['nlink']}}" if query.show_nlink else ""
    lines = [f"{'COMMAND':<{widths['cmd']}} {'PID':>{widths['pid']}} "
             f"{'USER':>{widths['user']}}   FD   {'TYPE':>{widths['type']}} "
             f"{'DEVICE':>{widths['dev']}} {'SIZE/OFF':>{widths['size']}}{nlink_head} "
             f"{'NODE':>{widths['node']}} NAME"]
    for proc, row in selected:
        nlink = ""
        if query.show_nlink:
            shown = str(row.nlink) if row.nlink is not None and row.inode is not None else ""
            nlink = f" {shown:>{widths['nlink']}}"
        lines.append(f"{proc.comm[:9]:<{widths['cmd']}} {proc.pid:>{widths['pid']}} "
                     f"{user_of(proc):>{widths['user']}} {_fd_field(row)} "
                     f"{row.type:>{widths['type']}} {row.device:>{widths['dev']}} "
                     f"{row.size_off:>{widths['size']}}{nlink} {row.node:>{widths['node']}} "
                     f"{row.name}")
    return "\n".join(lines) + "\n"
