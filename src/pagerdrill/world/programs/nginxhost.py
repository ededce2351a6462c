"""What every nginx process on a host shares: the configuration on disk, the error log
it appends to, and the record of reloads nginx refused (a master's SIGHUP, ``nginx -s
reload``, systemd's ExecReload)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pagerdrill.world.errors import FsError

from .nginxconf import NginxConfig, NginxConfigError, hosts_file_resolver, parse_config
from .stamps import nginx_error

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["CONF_PATH", "failed_reloads", "load_config", "log_emerg", "log_line",
           "note_failed_reload"]

CONF_PATH = "/etc/nginx/nginx.conf"


def load_config(host: Host, path: str = CONF_PATH) -> NginxConfig:
    """Parse the host's nginx configuration; names resolve through /etc/hosts and DNS."""
    in_hosts_file = hosts_file_resolver(host.fs)
    return parse_config(host.fs, path, resolve=lambda name: in_hosts_file(name)
                        or host.world.host(name) is not None)


def log_emerg(host: Host, pid: int, error: NginxConfigError, path: str) -> None:
    """Append an ``[emerg]`` line to nginx's error log, as every nginx process does."""
    level, _, message = str(error).partition("] ")
    log_line(host, pid, level.lstrip("["), message, path)


def log_line(host: Host, pid: int, level: str, message: str, path: str) -> None:
    """Append one line to an nginx error log (a short-lived nginx: -t, -s, ExecReload)."""
    line = f"{nginx_error(host.clock.now_ms)} [{level}] {pid}#{pid}: {message}\n"
    try:
        inode = host.fs.lookup(path)
    except FsError:
        try:
            inode = host.fs.create(path)
        except FsError:
            return
    if inode.mount.avail_bytes >= len(line):
        host.fs.write(inode, line.encode(), path=path)


def _reload_fact(host: Host) -> str:
    return f"nginx.failed_reloads@{host.name}"


def note_failed_reload(host: Host) -> None:
    """Count a reload nginx refused (SIGHUP, ``nginx -s reload`` or ``systemctl reload``)."""
    count = host.world.facts.get(_reload_fact(host), 0)
    host.world.facts[_reload_fact(host)] = (count if isinstance(count, int) else 0) + 1


def failed_reloads(host: Host) -> int:
    """How many reloads nginx refused on this host, by any route."""
    count = host.world.facts.get(_reload_fact(host), 0)
    return count if isinstance(count, int) else 0
