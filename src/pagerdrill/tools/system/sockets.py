"""Socket listings: ss (iproute2 6.1) and netstat (net-tools 2.10), from host.listeners.

The world models listening TCP sockets only, so established connections, UDP
and unix sockets are empty lists; both tools still print their headers.
"""

from __future__ import annotations

from dataclasses import dataclass

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.fileview import SERVICES, process_rows
from pagerdrill.tools.system.procfields import comm_of
from pagerdrill.world.host import Host

__all__ = ["netstat", "ss"]

_BACKLOG = 511


@dataclass(frozen=True)
class _Socket:
    address: str
    port: int
    pid: int
    name: str
    fd: int
    owner_uid: int
    # Forked children of the same program inherit the listening socket (nginx's workers):
    # ss lists them too, highest pid first and the listener's owner last.
    sharers: tuple[int, ...] = ()

    @property
    def v6(self) -> bool:
        return ":" in self.address


def _sockets(host: Host) -> list[_Socket]:
    found: list[_Socket] = []
    for listener in sorted(host.listeners.values(), key=lambda item: item.port):
        proc = host.procs.get(listener.pid)
        if proc is None:
            continue
        fd = next((int(r.fd) for r in process_rows(host, proc) if r.port == listener.port), 3)
        name = comm_of(proc)
        children = sorted((p.pid for p in host.procs if p.ppid == proc.pid and
                           comm_of(p) == name), reverse=True)
        found.append(_Socket(listener.address, listener.port, proc.pid, name, fd,
                             proc.uid, tuple(children)))
    return found


def _flags(args: list[str], allowed: str, prog: str, inv: Invocation) -> set[str] | None:
    flags: set[str] = set()
    long_map = {"tcp": "t", "udp": "u", "listening": "l", "numeric": "n", "processes": "p",
                "program": "p", "all": "a", "summary": "s", "extend": "e", "unix": "x",
                "ipv4": "4", "ipv6": "6"}
    for arg in args:
        if arg.startswith("--"):
            key = long_map.get(arg[2:])
            if key is None or key not in allowed:
                inv.stderr.write(f"{prog}: unrecognized option '{arg}'\n")
                return None
            flags.add(key)
        elif arg.startswith("-"):
            for char in arg[1:]:
                if char not in allowed:
                    inv.stderr.write(f"{prog}: invalid option -- '{char}'\n")
                    return None
                flags.add(char)
        else:
            continue  # ss filters (state, sport = :80) are not modelled; show everything
    return flags


def _port(port: int, numeric: bool) -> str:
    return str(port) if numeric else SERVICES.get(port, str(port))


@command("ss")
def ss(inv: Invocation) -> CommandOutput:
    """ss - another utility to investigate sockets (-t -u -l -n -p -a -s -4 -6 -x).

    Filters (state ..., sport = :80) are accepted and ignored. Not supported: -e, -m, -i, -o.
    """
    flags = _flags(inv.args, "tulnpas46xeHrmio0w", "ss", inv)
    if flags is None:
        return 1
    sockets = _sockets(inv.host)
    if "s" in flags:
        count = len(sockets)
        v6 = sum(1 for s in sockets if s.v6)
        text = (f"Total: {count + 2}\nTCP:   {count} (estab 0, closed 0, orphaned 0, timewait 0)"
                "\n\nTransport Total     IP        IPv6\n"
                f"RAW\t  0         0         0        \nUDP\t  0         0         0        \n"
                f"TCP\t  {count:<10}{count - v6:<10}{v6:<9}\n"
                f"INET\t  {count:<10}{count - v6:<10}{v6:<9}\n"
                "FRAG\t  0         0         0        \n\n")
        yield text.encode()
        return 0
    listening = "l" in flags or "a" in flags
    if ("u" in flags and "t" not in flags) or ("x" in flags and "t" not in flags):
        sockets = []
    if not listening:
        sockets = []
    if "4" in flags:
        sockets = [s for s in sockets if not s.v6]
    if "6" in flags:
        sockets = [s for s in sockets if s.v6]
    numeric = "n" in flags
    rows = []
    for sock in sockets:
        local = "[::]" if sock.address == "::" else (
            "*" if sock.address == "*" else sock.address)
        # A dual-stack wildcard (node's listen(port)) shows as *:port with peer *:*.
        peer = "*" if sock.address == "*" else "[::]" if sock.v6 else "0.0.0.0"
        process = ""
        if "p" in flags and (inv.host.uid_of(inv.user) in (0, sock.owner_uid)):
            users = ",".join(f'("{sock.name}",pid={pid},fd={sock.fd})'
                             for pid in (*sock.sharers, sock.pid))
            process = f" users:({users})"
        rows.append(["LISTEN", "0", str(_BACKLOG), local, _port(sock.port, numeric), peer,
                     "*", process])
    head = ["State", "Recv-Q", "Send-Q", "Local Address", "Port", "Peer Address", "Port",
            "Process"]
    minimum = [5, 6, 6, 13, 4, 12, 4, 7]
    widths = [max([minimum[i], *(len(r[i]) for r in rows)]) for i in range(8)]

    def line(cells: list[str]) -> str:
        return (f"{cells[0]:<{widths[0]}} {cells[1]:<{widths[1]}} {cells[2]:<{widths[2]}} "
                f"{cells[3]:>{widths[3]}}:{cells[4]:<{widths[4]}} "
                f"{cells[5]:>{widths[5]}}:{cells[6]:<{widths[6]}}{cells[7]:<{widths[7]}}")

    if "H" not in flags:
        yield (line(head) + "\n").encode()
    for row in rows:
        yield (line(row) + "\n").encode()
    return 0


@command("netstat")
def netstat(inv: Invocation) -> CommandOutput:
    """netstat - print network connections (-t -u -l -n -p -a -e accepted; TCP listeners only)."""
    flags = _flags(inv.args, "tulnpaeW46", "netstat", inv)
    if flags is None:
        inv.stderr.write("usage: netstat [-vWeenNcCF] [<Af>] -r         netstat {-V|--version|-h|"
                         "--help}\n")
        return 1
    if "l" in flags:
        title = "only servers"
    elif "a" in flags:
        title = "servers and established"
    else:
        title = "w/o servers"
    out = [f"Active Internet connections ({title})"]
    head = "Proto Recv-Q Send-Q Local Address           Foreign Address         State      "
    out.append(head + (" PID/Program name    " if "p" in flags else ""))
    show = ("l" in flags or "a" in flags) and not ("u" in flags and "t" not in flags)
    numeric = "n" in flags
    is_root = inv.host.uid_of(inv.user) == 0
    for sock in _sockets(inv.host) if show else []:
        if sock.v6:
            local = f"{'::' if sock.address == '::' else sock.address}:{_port(sock.port, numeric)}"
            foreign, proto = ":::*", "tcp6"
        else:
            host = sock.address
            if not numeric and host == "127.0.0.1":
                host = "localhost"
            local, foreign, proto = f"{host}:{_port(sock.port, numeric)}", "0.0.0.0:*", "tcp"
        line = f"{proto:<5} {0:>6} {0:>6} {local:<23} {foreign:<23} {'LISTEN':<11}"
        if "p" in flags:
            owner = f"{sock.pid}/{sock.name}" if is_root or sock.owner_uid == inv.host.uid_of(
                inv.user) else "-"
            line += f" {owner:<20}"
        out.append(line)
    if "p" in flags and not is_root:
        yield (b"(Not all processes could be identified, non-owned process info\n"
               b" will not be shown, you would have to be root to see it all.)\n")
    yield ("\n".join(out) + "\n").encode()
    return 0
