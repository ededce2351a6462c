"""ip addr / ip link / ip route (iproute2 6.1): lo and eth0 with the host's address."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.world.host import Host

__all__ = ["Interface", "interfaces", "ip"]

_OBJECTS = {"address": "addr", "addr": "addr", "a": "addr", "link": "link", "l": "link",
            "route": "route", "r": "route", "ro": "route", "rou": "route"}


@dataclass(frozen=True)
class Interface:
    index: int
    name: str
    flags: str
    mtu: int
    qdisc: str
    state: str
    link: str  # "link/ether MAC brd ff:..." line
    inet: str  # "127.0.0.1/8" ...
    scope: str
    inet6: str


def interfaces(host: Host) -> list[Interface]:
    """The loopback and one Ethernet NIC on the host's /24 (MAC derived from the IP)."""
    octets = [int(part) for part in host.spec.ip.split(".")]
    mac = "02:00:" + ":".join(f"{o:02x}" for o in octets)
    link_local = str(ipaddress.IPv6Address(bytes([0xFE, 0x80, *bytes(6), 0x02 ^ 0x02, 0x00,
                                                  octets[0], 0xFF, 0xFE, *octets[1:]])))
    return [
        Interface(1, "lo", "LOOPBACK,UP,LOWER_UP", 65536, "noqueue", "UNKNOWN",
                  "link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00", "127.0.0.1/8",
                  "host", "::1/128"),
        Interface(2, "eth0", "BROADCAST,MULTICAST,UP,LOWER_UP", 1500, "mq", "UP",
                  f"link/ether {mac} brd ff:ff:ff:ff:ff:ff", f"{host.spec.ip}/24", "global",
                  f"{link_local}/64"),
    ]


def _broadcast(cidr: str) -> str:
    address = cidr.split("/")[0].split(".")
    return ".".join([*address[:3], "255"])


def _addr(ifaces: list[Interface], family: str, with_addr: bool) -> str:
    out = []
    for nic in ifaces:
        out.append(f"{nic.index}: {nic.name}: <{nic.flags}> mtu {nic.mtu} qdisc {nic.qdisc} "
                   f"state {nic.state} group default qlen 1000")
        out.append(f"    {nic.link}")
        if not with_addr:
            continue
        if family in ("", "4"):
            brd = "" if nic.name == "lo" else f"brd {_broadcast(nic.inet)} "
            out.append(f"    inet {nic.inet} {brd}scope {nic.scope} {nic.name}")
            out.append("       valid_lft forever preferred_lft forever")
        if family in ("", "6"):
            scope = "host" if nic.name == "lo" else "link"
            out.append(f"    inet6 {nic.inet6} scope {scope} ")
            out.append("       valid_lft forever preferred_lft forever")
    return "\n".join(out) + "\n"


def _brief(ifaces: list[Interface], family: str, with_addr: bool) -> str:
    out = []
    for nic in ifaces:
        if not with_addr:
            mac = nic.link.split()[1]
            out.append(f"{nic.name:<16} {nic.state:<14} {mac} <{nic.flags}> ")
            continue
        addrs = [a for fam, a in (("4", nic.inet), ("6", nic.inet6)) if family in ("", fam)]
        out.append(f"{nic.name:<16} {nic.state:<14} {' '.join(addrs)} ")
    return "\n".join(out) + "\n"


def _route(host: Host) -> str:
    net = ".".join(host.spec.ip.split(".")[:3])
    return (f"default via {net}.1 dev eth0 \n"
            f"{net}.0/24 dev eth0 proto kernel scope link src {host.spec.ip} \n")


@command("ip")
def ip(inv: Invocation) -> CommandOutput:
    """Usage: ip [ -4 | -6 | -br ] { addr | link | route } [ show [ dev IFACE ] ]

    Show the host's interfaces (lo, eth0 with the host's address on a /24) and
    routes (a default via .1). Read-only: add/del/set are refused. Not supported:
    -s, -j, -d, neighbour, rule, netns.
    """
    args = list(inv.args)
    family = ""
    brief = False
    while args and args[0].startswith("-"):
        flag = args.pop(0).lstrip("-")
        if flag in ("4", "6"):
            family = flag
        elif flag in ("br", "brief"):
            brief = True
        elif flag in ("c", "color", "color=never", "color=auto"):
            continue
        else:
            inv.stderr.write(f'Option "-{flag}" is unknown, try "ip -help".\n')
            return 255
    if not args:
        inv.stderr.write("Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n")
        return 255
    obj = _OBJECTS.get(args[0])
    if obj is None:
        inv.stderr.write(f'Object "{args[0]}" is unknown, try "ip help".\n')
        return 255
    rest = args[1:]
    if rest and rest[0] in ("show", "list", "ls", "sh", "s", "lst"):
        rest = rest[1:]
    if rest and rest[0] not in ("dev",) and obj != "route" and len(rest) == 1:
        rest = ["dev", rest[0]]
    if rest and rest[0] in ("add", "del", "delete", "change", "replace", "set", "flush"):
        inv.stderr.write("RTNETLINK answers: Operation not permitted\n")
        return 2
    if obj == "route":
        if rest:
            inv.stderr.write(f'Command "{rest[0]}" is unknown, try "ip route help".\n')
            return 255
        yield _route(inv.host).encode()
        return 0
    ifaces = interfaces(inv.host)
    if rest[:1] == ["dev"]:
        name = rest[1] if len(rest) > 1 else ""
        ifaces = [nic for nic in ifaces if nic.name == name]
        if not ifaces:
            inv.stderr.write(f'Device "{name}" does not exist.\n')
            return 1
    elif rest:
        inv.stderr.write(f'Command "{rest[0]}" is unknown, try "ip {obj} help".\n')
        return 255
    render = _brief if brief else _addr
    yield render(ifaces, family, obj == "addr").encode()
    return 0
