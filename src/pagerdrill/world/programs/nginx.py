"""nginx as a reverse proxy: it serves what its configuration on disk says, as it last loaded it.

At start and on every reload (SIGHUP, ``nginx -s reload``, ``systemctl reload``) the
master reads ``/etc/nginx/nginx.conf`` (:mod:`nginxconf`); a configuration it refuses is
logged as ``[emerg]`` to error.log and the old one keeps serving, as real nginx does.
It listens on every port its servers declare and proxies each request to the peers of
the location's ``proxy_pass`` (other locations serve files: :mod:`nginxstatic`); a peer
nobody listens on is nginx's ``connect() failed (111: Connection refused)`` and, once
every peer failed, a 502.
Under systemd the unit gets nginx's ExecStartPre=/ExecReload= (``nginx -t -q``), so a
broken configuration fails ``systemctl reload`` and a restart leaves nginx stopped.

A host with no nginx.conf (older scenarios) runs the single server of :class:`NginxSpec`.
Background traffic from users flows into access.log at a steady rate with the status
the main server currently gives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.world.errors import FsError
from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.services import JournalEntry

from .logstream import LogStream
from .nginxconf import (
    Listen,
    Location,
    NginxConfig,
    NginxConfigError,
    ServerBlock,
    Upstream,
    UpstreamServer,
)
from .nginxhost import (
    CONF_PATH,
    failed_reloads,
    load_config,
    log_emerg,
    log_line,
    note_failed_reload,
)
from .nginxlines import access_lines, access_pad, error_page
from .nginxroute import Peer, find_location, find_server, proxy_peers
from .nginxstatic import StaticResponse, serve_static
from .stamps import nginx_access, nginx_error

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["CONF_PATH", "NginxProxy", "NginxSpec", "access_lines", "access_pad", "error_page",
           "failed_reloads", "load_config", "log_emerg", "log_line", "note_failed_reload"]

_VERBOSE = ("notice", "info", "debug")
_LEVELS = ("debug", "info", "notice", "warn", "error", "crit", "alert", "emerg")


@dataclass(frozen=True)
class NginxSpec:
    server_name: str = "myapp.internal"
    listen_port: int = 80
    upstream_port: int = 8080
    access_log: str = "/var/log/nginx/access.log"
    error_log: str = "/var/log/nginx/error.log"
    requests_per_second: float = 5.0
    mean_line_bytes: int = 230
    workers: int = 4
    version: str = "1.22.1"


def _legacy(spec: NginxSpec) -> NginxConfig:
    upstream = Upstream("backend", "", 0, [UpstreamServer("127.0.0.1", spec.upstream_port)])
    server = ServerBlock("", 0, [Listen("*", spec.listen_port, default_server=True)],
                         [spec.server_name],
                         locations=[Location("", "/", proxy_pass="http://backend")])
    return NginxConfig("", [], [server], {"backend": upstream})


class NginxProxy:
    """The Program behind nginx's master pid (workers are plain child processes)."""

    def __init__(self, spec: NginxSpec, conf_path: str = CONF_PATH) -> None:
        self.spec = spec
        self.conf_path = conf_path
        self.config = _legacy(spec)
        self.certificates: dict[int, bytes] = {}
        self.access: LogStream | None = None
        self.errors_log: LogStream | None = None
        self.workers: list[int] = []
        self.host: Host
        self.upstream_status = 200
        self.requests = 0
        self.errors = 0
        self._pid = 0
        self._conn = 4000
        self._next_peer = 0

    # -- lifecycle ---------------------------------------------------------------------

    def start(self, host: Host, proc: Process) -> None:
        self.host = host
        # nginx rewrites its argv, as ps shows it.
        proc.argv = ["nginx: master process " + " ".join(proc.argv)]
        proc.rss_kb, proc.vsz_kb = 1_600, 55_000
        self._pid = proc.pid
        self.access = LogStream(host, proc, self.spec.access_log, group="adm")
        self.errors_log = LogStream(host, proc, self.spec.error_log, group="adm")
        if host.fs.exists(self.conf_path):
            unit = host.services.units.get(proc.unit)
            if unit is not None:
                unit.control = self._control(host, unit.name)
            try:
                self._apply(host, proc, load_config(host, self.conf_path))
            except NginxConfigError as error:
                log_emerg(host, proc.pid, error, self.spec.error_log)
                self.config = NginxConfig(self.conf_path, [], [], {})
        else:
            self._apply(host, proc, self.config)
        self._spawn_workers(host, proc)
        self._write_pid(host, proc.pid)
        self._flow(host)

    def _write_pid(self, host: Host, pid: int | None) -> None:
        path = self.config.pid
        try:
            if pid is None:
                host.fs.unlink(path)
            else:
                host.fs.mkdir(path.rsplit("/", 1)[0] or "/", parents=True)
                host.fs.put(path, f"{pid}\n".encode())
        except FsError:
            return  # no /run (a bare test host) or already gone: nothing to show

    def stop(self, host: Host, proc: Process) -> None:
        self._write_pid(host, None)
        for pid in self.workers:
            host.procs.exit(pid, 0)
        self.workers.clear()
        for stream in (self.access, self.errors_log):
            if stream is not None:
                stream.close()

    def _spawn_workers(self, host: Host, proc: Process) -> None:
        old, self.workers = self.workers, []
        for _ in range(self.spec.workers):
            worker = host.procs.spawn(["nginx: worker process"], user="www-data", ppid=proc.pid,
                                      rss_kb=5_400, vsz_kb=56_000)
            worker.unit = proc.unit
            self.workers.append(worker.pid)
            self._notice(host, f"start worker process {worker.pid}")
        for pid in old:  # the old workers finish their requests and leave
            for text in ("gracefully shutting down", "exiting", "exit"):
                self._notice(host, text, pid=pid)
            host.procs.exit(pid, 0)
            self._notice(host, f"signal 17 (SIGCHLD) received from {pid}")
            self._notice(host, f"worker process {pid} exited with code 0")

    def _apply(self, host: Host, proc: Process, config: NginxConfig) -> None:
        """Bind the new configuration's ports (or fail as nginx does), drop the old ones."""
        ports = config.ports
        for port in ports:
            held = host.listeners.get(port)
            if held is not None and held.pid != proc.pid:
                raise NginxConfigError(f"[emerg] bind() to 0.0.0.0:{port} failed "
                                       "(98: Address already in use)")
        for port, listener in list(host.listeners.items()):
            if listener.pid == proc.pid and port not in ports:
                del host.listeners[port]
        for port in ports:
            host.listen(port, proc, self._handler(port))
        self.config = config
        self.certificates = self._certificates(host, config)

    @staticmethod
    def _certificates(host: Host, config: NginxConfig) -> dict[int, bytes]:
        found: dict[int, bytes] = {}
        for server in config.servers:
            if server.ssl_certificate is None:
                continue
            for listen in server.listens:
                if listen.ssl and (listen.port not in found or listen.default_server):
                    content = host.fs.lookup(server.ssl_certificate).content
                    found[listen.port] = content.read(0, content.size) if content else b""
        return found

    def _control(self, host: Host, unit: str) -> Callable[[str], int]:
        """ExecStartPre=``nginx -t -q`` and ExecReload=``nginx -s reload``: a short-lived
        nginx that checks the configuration and prints nginx's messages to the journal."""

        def control(action: str) -> int:
            argv = ["/usr/sbin/nginx", "-t", "-q"] if action == "start" else \
                ["/usr/sbin/nginx", "-s", "reload"]
            checker = host.procs.spawn(argv, unit=unit)
            host.procs.exit(checker.pid, 0)
            stamp = nginx_error(host.clock.now_ms)
            if action == "reload":  # nginx -s reload says so before reading the config
                host.journal.add(JournalEntry(host.clock.now_ms, "nginx", f"{stamp} [notice] "
                                              f"{checker.pid}#{checker.pid}: signal process "
                                              "started", unit, checker.pid, 5))
            try:
                load_config(host, self.conf_path)
            except NginxConfigError as error:
                # A parse error goes to stderr (Debian: --error-log-path=stderr): the journal.
                level, _, message = str(error).partition("] ")
                lines = [f"{stamp} {level}] {checker.pid}#{checker.pid}: {message}"]
                if action == "start":
                    lines.append(f"nginx: configuration file {self.conf_path} test failed")
                for line in lines:
                    host.journal.add(JournalEntry(host.clock.now_ms, "nginx", line, unit,
                                                 checker.pid, 3))
                if action == "reload":
                    note_failed_reload(host)
                return 1
            return 0

        return control

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        if sig is Signal.SIGHUP:
            self._notice(host, "signal 1 (SIGHUP) received from 1, reconfiguring")
            self._reload(host, proc)
            return SignalAction.HANDLED
        if sig is Signal.SIGUSR1:  # reopen logs, as logrotate's postrotate asks
            return SignalAction.HANDLED
        if sig in (Signal.SIGTERM, Signal.SIGINT, Signal.SIGQUIT):
            # nginx exits cleanly on these (status 0): systemd sees it deactivate.
            what = "exiting" if sig is not Signal.SIGQUIT else "shutting down"
            self._notice(host, f"signal {int(sig)} ({sig.name}) received from 1, {what}")
            self._notice(host, "exit")
            host.procs.exit(proc.pid, 0)
            return SignalAction.HANDLED
        return SignalAction.DEFAULT

    def _notice(self, host: Host, text: str, *, pid: int | None = None) -> None:
        """A [notice] line from the master (or a worker), when the error_log level
        lets notices through (nginx's default level, error, does not)."""
        if self.errors_log is None or self.config.error_log_level not in _VERBOSE:
            return
        who = pid or self._pid
        self.errors_log.write(f"{nginx_error(host.clock.now_ms)} [notice] {who}#{who}: {text}\n")

    def _reload(self, host: Host, proc: Process) -> None:
        if not host.fs.exists(self.conf_path) and not self.config.path:
            return  # no configuration file: the built-in server stays
        self._notice(host, "reconfiguring")
        try:
            self._apply(host, proc, load_config(host, self.conf_path))
        except NginxConfigError as error:
            note_failed_reload(host)
            log_emerg(host, proc.pid, error, self.spec.error_log)
            return
        self._notice(host, 'using the "epoll" event method')
        self._notice(host, "start worker processes")
        self._spawn_workers(host, proc)

    # -- traffic -----------------------------------------------------------------------

    def _main_port(self) -> int | None:
        ports = self.config.ports
        if not ports:
            return None
        return self.spec.listen_port if self.spec.listen_port in ports else ports[0]

    def _flow(self, host: Host) -> None:
        port = self._main_port()
        status = 0
        if port is not None:
            answer, _ = self._proxy(port, HttpRequest("GET", "/health", self._main_name()))
            status = answer if isinstance(answer, int) else answer.status
        self.upstream_status = status
        if self.access is not None:
            rate = self.spec.requests_per_second * self.spec.mean_line_bytes
            rate = rate if status else 0.0  # nothing listens: users get no answer, no lines
            self.access.set_flow(status, access_lines(status), rate, host.clock.now_ms,
                                 pad_line=access_pad(status))

    def _main_name(self) -> str:
        for server in self.config.servers:
            if server.server_names and server.server_names[0] not in ("_", ""):
                return server.server_names[0]
        return self.spec.server_name

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        self._flow(host)
        if self.access is not None:
            self.access.pump(host.clock.now_ms)
        served = self.spec.requests_per_second * dt_ms / 1000
        self.requests += int(served)
        if self.upstream_status >= 500:
            self.errors += int(served)
            port = self._main_port()
            if self.upstream_status == 502 and port is not None:
                request = HttpRequest("GET", "/api/products", self._main_name())
                _, failed = self._proxy(port, request)
                for peer in failed:
                    self._log_refused(host, "GET /api/products HTTP/1.1", request, peer)

    def _connect(self, peer: Peer, request: HttpRequest) -> HttpResponse | None:
        local = peer.host in ("127.0.0.1", "localhost", self.host.name, self.host.spec.ip)
        target = self.host if local else self.host.world.host(peer.host)
        listener = target.listeners.get(peer.port) if target is not None else None
        if listener is None or (listener.address.startswith("127.") and not local):
            return None
        proc = target.procs.get(listener.pid) if target is not None else None
        respond = getattr(proc.program if proc else None, "respond", None)
        if respond is not None:
            result: HttpResponse = respond(request)
            return result
        if listener.handler is None:
            return None
        return listener.handler(request)

    def _proxy(self, port: int, request: HttpRequest, *, live: bool = False,
               virtual: Mapping[str, bytes] | None = None,
               ) -> tuple[int | HttpResponse, list[Peer]]:
        """The answer (a response, or a status for nginx's own page) and the peers that
        refused the connection on the way. ``live``: a client's request, which reads files
        as a worker does (atime) and logs what nginx logs."""
        server = find_server(self.config, port, request.host)
        if server is None:
            return 0, []
        location = find_location(server, request.path)
        ret = location.ret if location and location.ret else server.ret
        if location is None or location.proxy_pass is None:
            if ret:
                return ret[0], []
            served = serve_static(self.host, self.config, server, request, self.spec.version,
                                  live=live, virtual=virtual)
            if isinstance(served, Location):  # try_files handed it on (@app, /index.php...)
                if served.proxy_pass is None:
                    return (served.ret[0] if served.ret else 500), []
                location = served
            else:
                if live:
                    for level, message in served.log:
                        self._log_request_error(level, message, request, server.server_names)
                return served, []
        assert location.proxy_pass is not None
        peers = proxy_peers(self.config, location.proxy_pass)
        failed: list[Peer] = []
        for i in range(len(peers)):
            peer = peers[(self._next_peer + i) % len(peers)]
            response = self._connect(peer, request)
            if response is not None:
                self._next_peer += 1
                return response, failed
            failed.append(peer)
        return 502, failed

    def respond(self, request: HttpRequest, port: int | None = None, *,
                virtual: Mapping[str, bytes] | None = None) -> HttpResponse:
        """The answer, without logging or reading files as a worker (probes and objectives);
        ``virtual`` files (path -> bytes) are served as if they were on disk."""
        answer, _ = self._proxy(port or self._main_port() or 80, request, virtual=virtual)
        return self._shape(answer, request.method)

    def _shape(self, answer: int | HttpResponse, method: str = "GET") -> HttpResponse:
        headers = {"Server": f"nginx/{self.spec.version}", "Content-Type": "text/html",
                   "Connection": "keep-alive"}
        if isinstance(answer, StaticResponse):
            response = HttpResponse(answer.status, answer.body, dict(answer.headers))
        elif isinstance(answer, int):
            response = HttpResponse(answer, error_page(answer, self.spec.version), headers)
        else:
            headers["Content-Type"] = answer.headers.get("Content-Type", "text/html")
            response = HttpResponse(answer.status, answer.body, headers)
        if method == "HEAD":  # the headers of a GET, no body
            head = dict(response.headers)
            head.setdefault("Content-Length", str(len(response.body)))
            return HttpResponse(response.status, b"", head)
        return response

    def _handler(self, port: int) -> Callable[[HttpRequest], HttpResponse]:
        return lambda request: self.handle(request, port)

    def handle(self, request: HttpRequest, port: int | None = None) -> HttpResponse:
        answer, failed = self._proxy(port or self._main_port() or 80, request, live=True)
        response = self._shape(answer, request.method)
        now = self.host.clock.now_ms
        line = f"{request.method} {request.path} HTTP/1.1"
        for peer in failed:
            self._log_refused(self.host, line, request, peer)
        agent = request.headers.get("User-Agent", "curl/7.88.1")
        if self.access is not None:
            self.access.write(f'{request.client or "127.0.0.1"} - - [{nginx_access(now)}] '
                              f'"{line}" {response.status} {len(response.body)} "-" '
                              f'"{agent}"\n')
        return response

    def _log_request_error(self, level: str, message: str, request: HttpRequest,
                           names: list[str]) -> None:
        """A request's error line, as nginx writes it when error_log's level lets it in."""
        wanted = self.config.error_log_level
        if self.errors_log is None or _LEVELS.index(level) < _LEVELS.index(
                wanted if wanted in _LEVELS else "error"):
            return
        self._conn += 1
        worker = self.workers[0] if self.workers else self._pid + 1
        host = request.headers.get("Host") or request.host
        self.errors_log.write(
            f"{nginx_error(self.host.clock.now_ms)} [{level}] {worker}#{worker}: *{self._conn} "
            f"{message}, client: {request.client or '127.0.0.1'}, server: "
            f"{names[0] if names else ''}, request: \"{request.method} {request.path} "
            f'HTTP/1.1", host: "{host}"\n')

    def backfill_refused(self, since_ms: int, until_ms: int, every_ms: int) -> None:
        """Write the refused connections of users' requests from ``since_ms`` on (a world
        whose upstream went away before the page)."""
        port = self._main_port()
        if port is None:
            return
        request = HttpRequest("GET", "/api/products", self._main_name())
        _, failed = self._proxy(port, request)
        for t_ms in range(since_ms, until_ms, every_ms):
            for peer in failed:
                self._log_refused(self.host, "GET /api/products HTTP/1.1", request, peer, t_ms)

    def _log_refused(self, host: Host, request_line: str, request: HttpRequest,
                     peer: Peer, t_ms: int | None = None) -> None:
        if self.errors_log is None:
            return
        self._conn += 1
        worker = self.workers[0] if self.workers else self._pid + 1
        name = self._main_name()
        when = host.clock.now_ms if t_ms is None else t_ms
        self.errors_log.write(
            f"{nginx_error(when)} [error] {worker}#{worker}: *{self._conn} "
            f"connect() failed (111: Connection refused) while connecting to upstream, client: "
            f"10.0.3.17, server: {name}, request: \"{request_line}\", upstream: "
            f"\"http://{peer.address}{request.path}\", host: \"{request.host or name}\"\n")
