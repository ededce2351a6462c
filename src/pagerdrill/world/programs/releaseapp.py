"""A Node.js web app deployed Capistrano-style: ``<root>/releases/<timestamp>/``, a
``current`` symlink to the live release, and ``shared/.env`` linked into each release.

At start the process resolves ``current`` once (its working directory is the release, as
``ls -l /proc/PID/cwd`` would show: repointing ``current`` changes nothing until a
restart) and finds its port the way the app's code does: ``PORT`` from the environment
(systemd's EnvironmentFile, i.e. ``shared/.env``), else ``port`` in the release's
``config/production.json``, else the default in ``src/server.js``
(``process.env.PORT || 3000``). It answers every path with 200 and JSON. Without a
``current`` release it logs node's ``Cannot find module`` and listens on nothing.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import FileSystem
from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.services import JournalEntry

from .app import BOOTING

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["ReleaseApp", "ReleaseAppSpec", "current_release", "read_env", "release_port"]

# process.env.PORT || config.port || 3000: the literal that ends the chain.
_DEFAULT_PORT = re.compile(r"process\.env\.PORT(?:\s*\|\|\s*[A-Za-z_][\w.]*)*\s*\|\|\s*(\d+)")


@dataclass(frozen=True)
class ReleaseAppSpec:
    name: str
    root: str  # /srv/<app>
    env_file: str = ""  # systemd EnvironmentFile= (default: <root>/shared/.env)
    base_rss_kb: int = 88_000


def current_release(fs: FileSystem, root: str) -> str | None:
    """The release directory ``<root>/current`` points at (None if it is not a link)."""
    link = f"{root}/current"
    try:
        inode = fs.lookup(link, follow=False)
    except FsError:
        return None
    if not inode.target:
        return None
    target = posixpath.normpath(posixpath.join(root, inode.target))
    return target if fs.exists(target) else None


def read_env(text: str) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile= and dotenv read them."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        found[key.strip()] = value.strip().strip("'\"")
    return found


def release_port(fs: FileSystem, release: str, env: dict[str, str]) -> int | None:
    """The port the app in ``release`` listens on: env, then config, then the code default."""
    if env.get("PORT", "").isdigit():
        return int(env["PORT"])
    config = fs.read_text(f"{release}/config/production.json")
    if config is not None:
        try:
            port = json.loads(config).get("port")
        except (ValueError, AttributeError):
            port = None
        if isinstance(port, int):
            return port
    code = fs.read_text(f"{release}/src/server.js") or ""
    match = _DEFAULT_PORT.search(code)
    return int(match.group(1)) if match else None


class ReleaseApp:
    """The Program behind ``node src/server.js`` in the current release."""

    def __init__(self, spec: ReleaseAppSpec) -> None:
        self.spec = spec
        self.release: str | None = None
        self.port: int | None = None
        self.requests = 0

    @property
    def env_file(self) -> str:
        return self.spec.env_file or f"{self.spec.root}/shared/.env"

    def start(self, host: Host, proc: Process) -> None:
        proc.rss_kb, proc.vsz_kb, proc.threads = self.spec.base_rss_kb, 1_012_000, 11
        lines = self.load(host, proc)
        if not host.world.facts.get(BOOTING):
            for line in lines:
                host.journal.add(JournalEntry(host.clock.now_ms, self.spec.name, line,
                                              proc.unit, proc.pid, 6))

    def load(self, host: Host, proc: Process) -> list[str]:
        """What ``node src/server.js`` does on start: find the release and its port, listen.
        Returns what it prints (the journal's lines)."""
        self.release = current_release(host.fs, self.spec.root)
        env = read_env(host.fs.read_text(self.env_file) or "")
        proc.env.update(env)
        if self.release is None:
            return [f"Error: Cannot find module '{self.spec.root}/current/src/server.js'"]
        proc.cwd = self.release
        self.port = release_port(host.fs, self.release, env)
        version = self._version(host)
        lines = [f"> {self.spec.name}@{version} start", "> node src/server.js", "",
                 f"(node:{proc.pid}) [DEP0040] DeprecationWarning: The `punycode` module is "
                 "deprecated. Please use a userland alternative instead.",
                 "(Use `node --trace-deprecation ...` to show where the warning was created)"]
        if self.port is not None:
            host.listen(self.port, proc, self.handle, "*")
            lines.append(f"{self.spec.name} {version} listening on port {self.port} "
                         f"(NODE_ENV={env.get('NODE_ENV', 'development')})")
        return lines

    def _version(self, host: Host) -> str:
        text = host.fs.read_text(f"{self.release}/package.json") or "{}"
        try:
            version = json.loads(text).get("version", "0.0.0")
        except (ValueError, AttributeError):
            version = "0.0.0"
        return str(version)

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        del host, proc, dt_ms

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        if not host.world.facts.get(BOOTING):
            host.journal.add(JournalEntry(host.clock.now_ms, self.spec.name,
                                          "SIGTERM received, closing server", proc.unit,
                                          proc.pid, 6))

    def respond(self, request: HttpRequest) -> HttpResponse:
        release = posixpath.basename(self.release or "")
        body = {"status": "ok", "release": release} if request.path.startswith("/health") \
            else {"ok": True}
        return HttpResponse(200, (json.dumps(body) + "\n").encode(),
                            {"Content-Type": "application/json; charset=utf-8",
                             "X-Powered-By": "Express"})

    def handle(self, request: HttpRequest) -> HttpResponse:
        self.requests += 1
        return self.respond(request)
