"""How a simulated client finds a server by name: /etc/hosts first, then host names.

(There is no DNS server in the simulation; the hosts' names and IPs stand in for it.)
"""

from __future__ import annotations

from pagerdrill.tools.api import Invocation
from pagerdrill.world.host import Host

__all__ = ["etc_hosts", "resolve"]


def etc_hosts(host: Host, name: str) -> str | None:
    """The address /etc/hosts gives ``name`` (the resolver reads it before DNS)."""
    text = host.fs.read_text("/etc/hosts")
    if text is None:
        return None
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) > 1 and name in fields[1:]:
            return fields[0]
    return None


def resolve(inv: Invocation, name: str) -> tuple[Host, str] | None:
    """The host ``name`` reaches from ``inv.host`` and the address used, or None."""
    address = etc_hosts(inv.host, name)
    if address is not None and not address.startswith("127."):
        found = inv.world.host(address)
        if found is not None:
            return found, address
    if address is not None or name in ("localhost", "127.0.0.1", "::1", inv.host.name,
                                       f"{inv.host.name}.{inv.host.spec.domain}"):
        return inv.host, "127.0.0.1" if name != inv.host.name else inv.host.spec.ip
    host = inv.world.host(name)
    return (host, host.spec.ip) if host is not None else None
