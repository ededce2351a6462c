"""Hooks for bad-deploy-502: a release that moved the app's port away from nginx's upstream.

``setup`` writes the app's git history (the bad commit changes the port in
config/production.json or, quietly, in src/server.js), builds the Capistrano releases
from it, and backfills the logs, the journal and the deploy bot's message so the
world looks as it did the moment the page went out.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass

from pagerdrill.game.hookkit import read_text, scenario_vars, variable_host
from pagerdrill.game.programs import unwrap_program
from pagerdrill.world.content import FileContent, TextSource
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Kind
from pagerdrill.world.git import Repository, Signature
from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpRequest
from pagerdrill.world.process import Program
from pagerdrill.world.programs.app import BOOTING
from pagerdrill.world.programs.nginx import NginxProxy, NginxSpec, failed_reloads, load_config
from pagerdrill.world.programs.nginxconf import NginxConfigError
from pagerdrill.world.programs.nginxlines import access_lines, access_pad
from pagerdrill.world.programs.nginxroute import find_location, find_server, proxy_peers
from pagerdrill.world.programs.releaseapp import (
    ReleaseApp,
    ReleaseAppSpec,
    current_release,
    read_env,
    release_port,
)
from pagerdrill.world.programs.releases import deploy_configs
from pagerdrill.world.rng import derive_seed
from pagerdrill.world.services import JournalEntry
from pagerdrill.world.world import World

__all__ = [
    "App",
    "Nginx",
    "app_healthy",
    "app_stopped",
    "error_ratio",
    "error_ratio_history",
    "health_history",
    "healthcheck_through_lb",
    "nginx_down",
    "ports_agree",
    "reload_refused",
    "setup",
    "symlink_replaced",
    "users_served",
]

_MIN = 60_000
_DAY = 86_400_000


# -- programs ---------------------------------------------------------------------------


def Nginx(server_name: str) -> Program:
    return NginxProxy(NginxSpec(server_name=server_name, requests_per_second=6.0))


def App(name: str) -> Program:
    return ReleaseApp(ReleaseAppSpec(name=name, root=f"/srv/{name}"))


# -- reading the world --------------------------------------------------------------------


def _host(world: World) -> Host:
    return variable_host(world, "host", "web-01")


def _app(world: World) -> str:
    return str(scenario_vars(world).get("app", "shop"))


def _program(host: Host, port: int) -> object:
    listener = host.listeners.get(port)
    proc = host.procs.get(listener.pid) if listener else None
    return unwrap_program(proc) if proc is not None else None


def _proxy(world: World) -> NginxProxy | None:
    program = _program(_host(world), 80)
    return program if isinstance(program, NginxProxy) else None


def _running_app(world: World) -> ReleaseApp | None:
    host = _host(world)
    unit = host.services.units.get(f"{_app(world)}.service")
    proc = host.services.main_process(unit) if unit is not None else None
    program = unwrap_program(proc) if proc is not None else None
    return program if isinstance(program, ReleaseApp) else None


def _served_status(world: World) -> int:
    proxy = _proxy(world)
    if proxy is None:
        return 0
    app = _app(world)
    return proxy.respond(HttpRequest("GET", "/", f"{app}.example.com")).status


# -- objectives ---------------------------------------------------------------------------


def users_served(world: World) -> bool:
    """Users get 200s through nginx on port 80."""
    return _served_status(world) == 200


def _upstream_ports(world: World, config_source: str) -> set[int] | None:
    """The ports nginx sends ``/`` for the app to: as loaded (running) or as on disk."""
    host = _host(world)
    if config_source == "running":
        proxy = _proxy(world)
        config = proxy.config if proxy is not None else None
    else:
        try:
            config = load_config(host)
        except NginxConfigError:
            return None
    server = find_server(config, 80, f"{_app(world)}.example.com") if config else None
    location = find_location(server, "/") if server is not None else None
    if config is None or location is None or location.proxy_pass is None:
        return None
    local = ("127.0.0.1", "localhost", host.name, host.spec.ip)
    return {p.port for p in proxy_peers(config, location.proxy_pass) if p.host in local}


def ports_agree(world: World) -> bool:
    """nginx's upstream and the app's port agree, on disk (nginx -t passes, and a restart of
    either would keep them agreeing) and in the running processes."""
    host, app = _host(world), _app(world)
    running = _running_app(world)
    release = current_release(host.fs, f"/srv/{app}")
    if running is None or running.port is None or release is None:
        return False
    env = read_env(read_text(host, f"/srv/{app}/shared/.env") or "")
    disk_port = release_port(host.fs, release, env)
    on_disk, loaded = _upstream_ports(world, "disk"), _upstream_ports(world, "running")
    return (disk_port == running.port and on_disk is not None and loaded is not None
            and running.port in on_disk and running.port in loaded)


def healthcheck_through_lb(world: World) -> bool:
    """The deploy config's health check goes through nginx on this host and passes now."""
    host, app = _host(world), _app(world)
    config = next((c for c in deploy_configs(host.fs) if c.app == app), None)
    proxy = _proxy(world)
    if config is None or proxy is None or not config.healthcheck_url:
        return False
    scheme, _, rest = config.healthcheck_url.partition("://")
    authority, _, path = rest.partition("/")
    name, _, port_text = authority.partition(":")
    port = int(port_text) if port_text.isdigit() else 80
    if scheme != "http" or name not in ("localhost", "127.0.0.1", host.name, host.spec.ip,
                                        f"{app}.example.com") or port not in proxy.config.ports:
        return False
    status = proxy.respond(HttpRequest("GET", "/" + path, name), port).status
    return 200 <= status < 300


# -- traps and the map --------------------------------------------------------------------------


def nginx_down(world: World) -> bool:
    return _proxy(world) is None


def reload_refused(world: World) -> bool:
    return failed_reloads(_host(world)) > 0


def app_stopped(world: World) -> bool:
    unit = _host(world).services.units.get(f"{_app(world)}.service")
    return unit is None or unit.state in ("inactive", "failed")


def symlink_replaced(world: World) -> bool:
    app = _app(world)
    try:
        inode = _host(world).fs.lookup(f"/etc/nginx/sites-enabled/{app}", follow=False)
    except FsError:
        return False
    return inode.kind is not Kind.LINK


def app_healthy(world: World) -> bool:
    running = _running_app(world)
    return running is not None and running.port is not None


def error_ratio(world: World) -> float:
    """5xx share of user requests (%), as the nginx exporter would report it."""
    status = _served_status(world)
    return 100.0 if status == 0 or status >= 500 else 0.4


def _after_deploy(world: World, t_ms: int) -> bool:
    deployed = world.facts.get("bad-deploy.deployed_ms")
    return isinstance(deployed, int) and t_ms >= deployed + 2_000


def error_ratio_history(world: World, t_ms: int) -> float:
    """5xx ratio before the page (%): background noise, then everything from the deploy."""
    return 100.0 if _after_deploy(world, t_ms) else 0.3


def health_history(world: World, t_ms: int) -> float:
    """The health check through nginx before the page: passing until the deploy."""
    return 0.0 if _after_deploy(world, t_ms) else 1.0


# -- building the past ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Release:
    days_ago: float
    version: str
    author: str
    message: str
    changes: dict[str, str]


def _package(app: str, version: str, express: str) -> str:
    return json.dumps({"name": app, "version": version, "private": True,
                       "scripts": {"start": "node src/server.js"},
                       "dependencies": {"express": express, "pg": "^8.11.3",
                                        "ioredis": "^5.3.2", "pino": "^8.17.2"}},
                      indent=2) + "\n"


def _server_js(default_port: int, *, refactored: bool) -> str:
    head = ("'use strict';\nconst express = require('express');\n"
            "const config = require('../config/production.json');\n"
            "const routes = require('./routes');\n\n")
    if not refactored:
        return (head + f"const PORT = process.env.PORT || config.port || {default_port};\n\n"
                "const app = express();\napp.use(express.json());\napp.use(routes);\n"
                "app.get('/health', (req, res) => res.json({ status: 'ok' }));\n\n"
                "app.listen(PORT, () => console.log(`${require('../package.json').name} "
                "listening on port ${PORT}`));\n")
    return (head + "const helmet = require('helmet');\n"
            f"const PORT = process.env.PORT || config.port || {default_port};\n"
            "const SHUTDOWN_GRACE_MS = 10_000;\n\n"
            "function createApp() {\n  const app = express();\n  app.use(helmet());\n"
            "  app.use(express.json({ limit: '1mb' }));\n  app.use(routes);\n"
            "  app.get('/health', (req, res) => res.json({ status: 'ok' }));\n  return app;\n}\n\n"
            "const server = createApp().listen(PORT, () =>\n"
            "  console.log(`${require('../package.json').name} listening on port ${PORT}`));\n\n"
            "process.on('SIGTERM', () => {\n  console.log('SIGTERM received, closing server');\n"
            "  server.close(() => process.exit(0));\n"
            "  setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();\n});\n")


def _config_json(app: str, port: int | None, cache_s: int) -> str:
    data: dict[str, object] = {}
    if port is not None:
        data["port"] = port
    data.update({"db": {"host": "db-01.prod.internal", "database": app, "pool": {"max": 20}},
                 "cache": {"categoriesTtlSeconds": cache_s}, "logLevel": "info"})
    return json.dumps(data, indent=2) + "\n"


def _history(app: str, old: int, new: int, cause: str, dev: str) -> list[_Release]:
    in_config = cause == "config/production.json"
    cfg_old = old if in_config else None
    return [
        _Release(90, "2.11.0", "Priya Natarajan", f"Initial import of the {app} API", {
            "package.json": _package(app, "2.11.0", "^4.18.2"),
            "src/server.js": _server_js(old, refactored=False),
            "src/routes.js": "const router = require('express').Router();\n"
                             "router.get('/api/products/:id', require('./products').show);\n"
                             "module.exports = router;\n",
            "config/production.json": _config_json(app, cfg_old, 0),
            "README.md": f"# {app}\n\nThe {app} API. Runs behind nginx on the web hosts; "
                         f"nginx's config lives in the infra repo (sites-available/{app}).\n"}),
        _Release(15, "2.12.0", "Tom Becker", "Add product search endpoint", {
            "package.json": _package(app, "2.12.0", "^4.18.2"),
            "src/routes.js": "const router = require('express').Router();\n"
                             "router.get('/api/products/:id', require('./products').show);\n"
                             "router.get('/api/search', require('./search'));\n"
                             "module.exports = router;\n"}),
        _Release(8, "2.13.0", "Priya Natarajan", "Cache category listings for 60s", {
            "package.json": _package(app, "2.13.0", "^4.18.2"),
            "config/production.json": _config_json(app, cfg_old, 60)}),
        _Release(2, "2.13.1", "Tom Becker", "Fix currency rounding in cart totals (CART-88)", {
            "package.json": _package(app, "2.13.1", "^4.19.2")}),
        _Release(0, "2.14.0", dev,
                 "Align service port with platform defaults (PLAT-231)\n\nThe platform team "
                 f"asks every Node service to listen on {new} ahead of the k8s move."
                 if in_config else "Refactor server bootstrap: helmet, graceful shutdown\n\n"
                 "Split app creation from listen() so tests can import the app,\nand drain "
                 "connections on SIGTERM.", {
                     "package.json": _package(app, "2.14.0", "^4.19.2"),
                     **({"config/production.json": _config_json(app, new, 60)} if in_config
                        else {"src/server.js": _server_js(new, refactored=True)})}),
    ]


def _stamp(t_ms: int) -> str:
    return _dt.datetime.fromtimestamp(t_ms / 1000, tz=_dt.UTC).strftime("%Y%m%d%H%M%S")


def _build_releases(world: World, host: Host, app: str, deployed: int) -> list[tuple[str, str]]:
    variables = scenario_vars(world)
    old, new = int(variables.get("old_port", 3000)), int(variables.get("new_port", 8080))
    dev = str(variables.get("dev", "Alex Rivera"))
    root, page = f"/srv/{app}", world.clock.now_ms
    repo = Repository(root=f"{root}/repo")
    uid, gid = host.uid_of("deploy"), host.gid_of("deploy")
    for directory in (f"{root}/releases", repo.root):
        host.fs.mkdir(directory, parents=True, uid=uid, gid=gid)
    out: list[tuple[str, str]] = []
    cause = str(variables.get("cause", "config/production.json"))
    for n, release in enumerate(_history(app, old, new, cause, dev)):
        when = deployed - 40 * _MIN if release.days_ago == 0 else \
            page - int(release.days_ago * _DAY) - (n * 37 + 11) * _MIN
        email = release.author.split()[0].lower() + "@example.com"
        commit = repo.commit(release.message, Signature(release.author, email, when // 1000 * 1000),
                             {k: v.encode() for k, v in release.changes.items()})
        if n == 0:
            continue  # the initial import was never deployed on its own
        shipped = deployed if release.days_ago == 0 else when + 25 * _MIN
        name = _stamp(shipped)
        path = f"{root}/releases/{name}"
        for rel, data in commit.files.items():
            host.fs.mkdir(f"{path}/{rel}".rsplit("/", 1)[0], parents=True, uid=uid, gid=gid)
            host.fs.put(f"{path}/{rel}", data, uid=uid, gid=gid, mtime_ms=shipped)
        host.fs.put(f"{path}/REVISION", f"{commit.sha}\n".encode(), uid=uid, gid=gid,
                    mtime_ms=shipped)
        host.fs.create(f"{path}/.env", kind=Kind.LINK, target=f"{root}/shared/.env", uid=uid,
                       gid=gid)
        host.fs.mkdir(f"{path}/node_modules", parents=True, uid=uid, gid=gid)
        host.fs.set_opaque(f"{path}/node_modules", 61_000_000 + n * 350_000, 7_900 + n * 40)
        for directory in ("", "/src", "/config", "/node_modules"):
            host.fs.utime(host.fs.lookup(path + directory), shipped)
        deployer = release.author.split()[0].lower()
        out.append((name, f"Branch main (at {commit.short}) deployed as release {name} by "
                          f"{deployer}"))
    repo.checkout(host, uid, gid)
    return out


def _backfill_logs(world: World, host: Host, app: str, deployed: int, proxy: NginxProxy) -> None:
    page = world.clock.now_ms
    seed = derive_seed(world.seed, "bad-deploy", "access")
    rate = proxy.spec.requests_per_second * proxy.spec.mean_line_bytes
    start = page - page % _DAY
    before = TextSource("access:ok", seed, access_lines(200), t0_ms=start,
                        bytes_per_second=rate, pad_line=access_pad(200))
    after = TextSource("access:502", seed + 1, access_lines(502), t0_ms=deployed,
                       bytes_per_second=rate, pad_line=access_pad(502))
    content = FileContent.generated(before, 0, before.offset_at(deployed))
    content.append_generated(after, 0, after.offset_at(page))
    inode = host.fs.lookup(proxy.spec.access_log)
    host.fs.set_content(inode, content, path=proxy.spec.access_log)
    proxy.backfill_refused(deployed, page, every_ms=1_000)


def _error_line(host: Host, t_ms: int, text: str) -> None:
    path = "/var/log/nginx/error.log"
    stamp = _dt.datetime.fromtimestamp(t_ms / 1000, tz=_dt.UTC).strftime("%Y/%m/%d %H:%M:%S")
    host.fs.write(host.fs.lookup(path), f"{stamp} {text}\n".encode(), path=path)


def _red_herring(world: World, host: Host, app: str, kind: str, deployed: int,
                 worker: int) -> None:
    """Something that changed or complains near the incident, and has nothing to do with it."""
    rng = world.rng.child("bad-deploy", "herring")
    old = int(scenario_vars(world).get("old_port", 3000))
    if kind == "gzip":  # a config change two hours ago, reloaded cleanly
        when = deployed - rng.randint(90, 150) * _MIN
        host.fs.put("/etc/nginx/conf.d/gzip.conf", (
            b"# OPS-1142: level 6 saves ~4% on JSON responses (measured on staging)\n"
            b"gzip on;\ngzip_vary on;\ngzip_proxied any;\ngzip_comp_level 6;\n"
            b"gzip_types text/plain text/css application/json application/javascript "
            b"image/svg+xml;\n"), mtime_ms=when)
        _reload_journal(host, when + 40_000)
    elif kind == "timeouts":  # slow searches time out now and then, for weeks
        times = sorted(deployed - rng.randint(5, 170) * _MIN for _ in range(rng.randint(3, 6)))
        for i, t in enumerate(times):
            query = rng.choice(("shoes", "red+dress", "sale", "running+shoes+42"))
            conn = 1000 + 211 * i + rng.randint(0, 200)
            _error_line(host, t, f"[error] {worker}#{worker}: *{conn} "
                        "upstream timed out (110: Connection timed out) while reading response "
                        f"header from upstream, client: 10.0.{rng.randint(1, 9)}."
                        f"{rng.randint(2, 250)}, server: {app}.example.com, request: \"GET "
                        f"/api/search?q={query} HTTP/1.1\", upstream: \"http://127.0.0.1:{old}"
                        f"/api/search?q={query}\", host: \"{app}.example.com\"")
    elif kind == "cron":  # certbot's renewal reloaded nginx shortly before the deploy
        when = deployed - rng.randint(4, 9) * _MIN
        host.fs.put("/etc/cron.d/certbot", b"SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/"
                    b"bin:/sbin:/bin:/usr/sbin:/usr/bin\n\n0 */12 * * * root test -x "
                    b"/usr/bin/certbot -a \\! -d /run/systemd/system && perl -e 'sleep "
                    b"int(rand(43200))' && certbot -q renew --deploy-hook "
                    b"\"systemctl reload nginx\"\n", mtime_ms=when - 30 * _DAY)
        stamp = _dt.datetime.fromtimestamp(when / 1000, tz=_dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        host.fs.put("/var/log/letsencrypt/letsencrypt.log", (
            f"{stamp},114:INFO:certbot._internal.renewal:Cert not yet due for renewal\n"
            f"{stamp},115:INFO:certbot._internal.main:Running deploy-hook command: "
            "systemctl reload nginx\n").encode(), mtime_ms=when)
        _reload_journal(host, when + 1_000)


def _reload_journal(host: Host, t_ms: int) -> None:
    """What a clean ``systemctl reload nginx`` leaves in the journal."""
    unit = host.services.units["nginx.service"]
    pid = 40_000 + t_ms // 1000 % 20_000
    stamp = _dt.datetime.fromtimestamp(t_ms / 1000, tz=_dt.UTC).strftime("%Y/%m/%d %H:%M:%S")
    for ident, text, who in (("systemd", f"Reloading {unit.label}...", 1),
                             ("nginx", f"{stamp} [notice] {pid}#{pid}: signal process started",
                              pid),
                             ("systemd", f"Reloaded {unit.label}.", 1)):
        host.journal.add(JournalEntry(t_ms, ident, text, unit.name, who, 6))


def _journal(world: World, host: Host, app: str, deployed: int) -> None:
    unit = f"{app}.service"
    running = _running_app(world)
    proc = host.services.main_process(host.services.units[unit])
    if running is None or proc is None:
        return
    proc.start_ms = deployed + 1_000
    host.services.units[unit].since_ms = deployed + 1_000
    old_pid = proc.pid - 137
    label = f"{unit} - {host.services.units[unit].description}"
    lines = [(deployed, "systemd", f"Stopping {label}...", 1),
             (deployed + 200, app, "SIGTERM received, closing server", old_pid),
             (deployed + 900, "systemd", f"{unit}: Deactivated successfully.", 1),
             (deployed + 900, "systemd", f"Stopped {label}.", 1),
             (deployed + 1_000, "systemd", f"Started {label}.", 1)]
    version = "2.14.0"
    lines += [(deployed + 1_400, app, text, proc.pid) for text in (
        f"> {app}@{version} start", "> node src/server.js", "",
        f"(node:{proc.pid}) [DEP0040] DeprecationWarning: The `punycode` module is deprecated. "
        "Please use a userland alternative instead.",
        "(Use `node --trace-deprecation ...` to show where the warning was created)",
        f"{app} {version} listening on port {running.port} (NODE_ENV=production)")]
    for t, ident, text, pid in lines:
        host.journal.add(JournalEntry(t, ident, text, unit, pid, 6))
    host.journal.sort_by_time()


def setup(world: World) -> None:
    """Write the repository and releases, then the past: logs, journal, deploy record."""
    host, app = _host(world), _app(world)
    variables = scenario_vars(world)
    page = world.clock.now_ms
    second = world.rng.child("bad-deploy", "deploy-second").randint(0, 59) * 1000
    deployed = page - int(variables.get("deploy_min", 12)) * _MIN - second
    world.facts["bad-deploy.deployed_ms"] = deployed
    records = _build_releases(world, host, app, deployed)
    root = f"/srv/{app}"
    uid, gid = host.uid_of("deploy"), host.gid_of("deploy")
    link = host.fs.create(f"{root}/current", kind=Kind.LINK,
                          target=f"{root}/releases/{records[-1][0]}", uid=uid, gid=gid)
    host.fs.utime(link, deployed)
    host.fs.put(f"{root}/revisions.log", "".join(r + "\n" for _, r in records).encode(),
                uid=uid, gid=gid, mtime_ms=deployed)
    unit = host.services.units[f"{app}.service"]
    proc, running = host.services.main_process(unit), _running_app(world)
    if proc is not None and running is not None:
        running.load(host, proc)  # the service started before setup wrote its releases
    proxy = _proxy(world)
    if proxy is not None:
        worker = proxy.workers[0] if proxy.workers else 1188
        _red_herring(world, host, app, str(variables.get("herring", "none")), deployed, worker)
        _backfill_logs(world, host, app, deployed, proxy)
    _journal(world, host, app, deployed)
    sha = records[-1][1].split("(at ", 1)[1].split(")", 1)[0]
    dev = str(variables.get("dev", "Alex Rivera"))
    world.telemetry.post(deployed + 45_000, "deploy-bot",
                         f"{app} v2.14.0 (main@{sha}) deployed to production by {dev} "
                         f"as release {records[-1][0]}")
    world.facts[BOOTING] = False
