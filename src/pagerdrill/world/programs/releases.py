"""Capistrano-style releases on a host and the deploy settings that drive them.

``/etc/deploy/<app>.conf`` (KEY=value, read by the ``deploy`` command) names the app's
root (``DEPLOY_TO``), its systemd unit (``SERVICE``), how many releases to keep and the
post-deploy health check (``HEALTHCHECK_URL``: empty means none). Releases live in
``<root>/releases/<YYYYmmddHHMMSS>/`` with a ``REVISION`` file; ``<root>/current`` points
at the live one and ``<root>/revisions.log`` records every deploy and rollback.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import FileSystem, Kind
from pagerdrill.world.network import HttpRequest, HttpResponse

from .releaseapp import current_release, read_env

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["CONFIG_DIR", "DeployConfig", "Release", "deploy_configs", "health_check",
           "releases", "repoint_current"]

CONFIG_DIR = "/etc/deploy"


@dataclass(frozen=True)
class DeployConfig:
    app: str
    path: str
    root: str
    service: str
    keep: int
    healthcheck_url: str


@dataclass(frozen=True)
class Release:
    name: str  # the timestamp
    path: str
    revision: str
    current: bool


def deploy_configs(fs: FileSystem) -> list[DeployConfig]:
    """Every app configured in /etc/deploy, by name."""
    try:
        names = fs.listdir(fs.lookup(CONFIG_DIR))
    except FsError:
        return []
    found = []
    for name in sorted(n for n in names if n.endswith(".conf")):
        path = f"{CONFIG_DIR}/{name}"
        env = read_env(fs.read_text(path) or "")
        app = env.get("APP") or name.removesuffix(".conf")
        keep = env.get("KEEP_RELEASES", "5")
        found.append(DeployConfig(app, path, env.get("DEPLOY_TO", f"/srv/{app}"),
                                  env.get("SERVICE", app), int(keep) if keep.isdigit() else 5,
                                  env.get("HEALTHCHECK_URL", "")))
    return found


def releases(fs: FileSystem, config: DeployConfig) -> list[Release]:
    """The app's releases, newest first."""
    base = f"{config.root}/releases"
    try:
        names = fs.listdir(fs.lookup(base))
    except FsError:
        return []
    live = current_release(fs, config.root)
    out = []
    for name in sorted(names, reverse=True):
        path = f"{base}/{name}"
        revision = (fs.read_text(f"{path}/REVISION") or "").strip()
        out.append(Release(name, path, revision, path == live))
    return out


def repoint_current(fs: FileSystem, config: DeployConfig, release: Release) -> None:
    """``ln -sfn RELEASE current`` done as Capistrano does: a new link renamed over."""
    temp = f"{config.root}/current_tmp"
    with contextlib.suppress(FsError):  # a leftover from an interrupted run
        fs.unlink(temp)
    fs.create(temp, kind=Kind.LINK, target=release.path)
    fs.rename(temp, f"{config.root}/current")


def health_check(host: Host, url: str) -> HttpResponse | str:
    """GET ``url`` from the host, as the deploy script's curl does: the response, or why
    no connection was made."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme != "http":
        return f"unsupported URL {url!r}"
    authority, _, path = rest.partition("/")
    name, _, port_text = authority.partition(":")
    port = int(port_text) if port_text.isdigit() else 80
    local = name in ("localhost", "127.0.0.1", host.name, host.spec.ip)
    target = host if local else host.world.host(name)
    if target is None:
        return f"Could not resolve host: {name}"
    listener = target.listeners.get(port)
    if listener is None or listener.handler is None:
        return f"Failed to connect to {name} port {port}: Connection refused"
    return listener.handler(HttpRequest("GET", "/" + path, authority,
                                        {"User-Agent": "deploy-healthcheck/1.0"}))


