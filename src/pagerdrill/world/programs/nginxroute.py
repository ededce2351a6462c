"""How nginx picks a server block and a location for a request, and where it proxies it.

Server selection follows ``ngx_http_find_virtual_server``: an exact ``server_name``, then
a leading wildcard (``*.example.com``), a trailing one (``www.*``), else the port's
``default_server`` (or its first server). Locations: an exact ``=`` match wins; then the
longest prefix, unless regexes (``~``, ``~*``, in order) match and the prefix is not ``^~``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .nginxconf import Location, NginxConfig, ServerBlock, split_host_port

__all__ = ["Peer", "Route", "find_location", "find_server", "proxy_peers"]


@dataclass(frozen=True)
class Peer:
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Route:
    server: ServerBlock
    location: Location | None


def _name_matches(name: str, host: str) -> bool:
    if name.startswith("*."):
        return host.endswith(name[1:])
    if name.startswith("."):
        return host == name[1:] or host.endswith(name)
    if name.endswith(".*"):
        return host.startswith(name[:-1])
    return name == host


def find_server(config: NginxConfig, port: int, host_header: str) -> ServerBlock | None:
    candidates = [s for s in config.servers if any(x.port == port for x in s.listens)]
    if not candidates:
        return None
    host = host_header.split(":", 1)[0].lower()
    for exact in (True, False):
        for server in candidates:
            for name in server.server_names:
                if (name == host) if exact else _name_matches(name, host):
                    return server
    for server in candidates:
        if any(x.port == port and x.default_server for x in server.listens):
            return server
    return candidates[0]


def find_location(server: ServerBlock, path: str) -> Location | None:
    best: Location | None = None
    for location in server.locations:
        if location.modifier == "=" and location.pattern == path:
            return location
        if location.modifier in ("", "^~") and path.startswith(location.pattern) and (
                best is None or len(location.pattern) > len(best.pattern)):
            best = location
    if best is not None and best.modifier == "^~":
        return best
    for location in server.locations:
        if location.modifier in ("~", "~*"):
            flags = re.IGNORECASE if location.modifier == "~*" else 0
            try:
                if re.search(location.pattern, path, flags):
                    return location
            except re.error:
                continue
    return best


def proxy_peers(config: NginxConfig, url: str) -> list[Peer]:
    """The servers ``proxy_pass url`` tries, in order."""
    scheme, _, rest = url.partition("://")
    authority = rest.split("/", 1)[0]
    upstream = config.upstreams.get(authority)
    if upstream is not None:
        return [Peer(s.host, s.port) for s in upstream.servers]
    host, port = split_host_port(authority, 443 if scheme == "https" else 80)
    return [Peer(host, port or 80)]
