"""An nginx-like reverse proxy: access and error logs, 500s and 502s from its upstream.

Requests that reach port 80 are passed to the upstream's listener; a missing
upstream is a 502 with nginx's ``connect() failed (111: Connection refused)``
in the error log. Background traffic from real users flows into access.log at a
steady rate, with the status the upstream is currently giving.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.world.content import LineFactory, PadFactory
from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.rng import Rng

from .logstream import LogStream
from .stamps import nginx_access, nginx_error

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["NginxProxy", "NginxSpec", "access_lines", "access_pad", "error_page"]

_UA = ('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) '
       'Chrome/122.0.0.0 Safari/537.36',
       'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 '
       '(KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1',
       'okhttp/4.12.0', 'kube-probe/1.29')
_REQ = ("GET /api/products/{n} HTTP/1.1", "GET /api/cart/{n} HTTP/1.1",
        "POST /api/checkout HTTP/1.1", "GET /api/orders/{n} HTTP/1.1", "GET /health HTTP/1.1",
        "GET /api/search?q=shoes&page={m} HTTP/1.1")
_REASONS = {200: "OK", 404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Temporarily Unavailable"}


def error_page(status: int, version: str) -> bytes:
    """nginx's built-in error page."""
    title = f"{status} {_REASONS.get(status, '')}"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx/{version}</center>\r\n"
            f"</body>\r\n</html>\r\n").encode()


def _client(rng: Rng) -> str:
    return f"10.0.{rng.randint(1, 9)}.{rng.randint(2, 250)}"


def access_lines(status: int) -> LineFactory:
    """Combined-format lines for user traffic while the upstream answers ``status``."""

    def line(rng: Rng, t_ms: int) -> str:
        req = rng.choice(_REQ).format(n=rng.randint(1000, 99999), m=rng.randint(1, 9))
        code = status if status != 200 or rng.randrange(40) else 404
        size = rng.randint(180, 4000) if code == 200 else (157 if code == 502 else 97)
        return (f'{_client(rng)} - - [{nginx_access(t_ms)}] "{req}" {code} {size} "-" '
                f'"{rng.choice(_UA)}"')

    return line


def access_pad(status: int) -> PadFactory:
    """An access line of an exact size: a search with a long query string."""

    def pad(rng: Rng, t_ms: int, size: int) -> str:
        head = f'{_client(rng)} - - [{nginx_access(t_ms)}] "GET /api/search?q='
        tail = f' HTTP/1.1" {status} {rng.randint(180, 4000) if status == 200 else 97} "-" "-"'
        room = size - len(head) - len(tail)
        if room < 1:
            return (head + tail)[:size].ljust(size)
        words: list[str] = []
        while sum(len(w) + 1 for w in words) < room:
            words.append(rng.choice(("red", "shoes", "size", "42", "sale", "men", "running")))
        return head + "+".join(words)[:room].ljust(room, "+") + tail

    return pad


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


class NginxProxy:
    """The Program behind nginx's master pid (workers are plain child processes)."""

    def __init__(self, spec: NginxSpec) -> None:
        self.spec = spec
        self.access: LogStream | None = None
        self.errors_log: LogStream | None = None
        self.workers: list[int] = []
        self.host: Host
        self.upstream_status = 200
        self.requests = 0
        self.errors = 0
        self._pid = 0
        self._conn = 4000

    def start(self, host: Host, proc: Process) -> None:
        self.host = host
        # nginx rewrites its argv, as ps shows it.
        proc.argv = ["nginx: master process /usr/sbin/nginx -g daemon on; master_process on;"]
        proc.rss_kb, proc.vsz_kb = 1_600, 55_000
        self._pid = proc.pid
        self.access = LogStream(host, proc, self.spec.access_log, group="adm")
        self.errors_log = LogStream(host, proc, self.spec.error_log, group="adm")
        host.listen(self.spec.listen_port, proc, self.handle)
        for _ in range(self.spec.workers):
            worker = host.procs.spawn(["nginx: worker process"], user="www-data", ppid=proc.pid,
                                      rss_kb=5_400, vsz_kb=56_000)
            worker.unit = proc.unit
            self.workers.append(worker.pid)
        self._flow(host)

    def stop(self, host: Host, proc: Process) -> None:
        for pid in self.workers:
            host.procs.exit(pid, 0)
        self.workers.clear()
        for stream in (self.access, self.errors_log):
            if stream is not None:
                stream.close()

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        if sig is Signal.SIGHUP:
            if self.errors_log is not None:
                self.errors_log.write(f"{nginx_error(host.clock.now_ms)} [notice] {proc.pid}#"
                                      f"{proc.pid}: signal 1 (SIGHUP) received from 1, "
                                      f"reconfiguring\n")
            return SignalAction.HANDLED
        if sig is Signal.SIGUSR1:  # reopen logs, as logrotate's postrotate asks
            return SignalAction.HANDLED
        return SignalAction.DEFAULT

    def _upstream(self, host: Host, request: HttpRequest) -> HttpResponse:
        listener = host.listeners.get(self.spec.upstream_port)
        proc = host.procs.get(listener.pid) if listener else None
        program = proc.program if proc else None
        respond = getattr(program, "respond", None)
        if listener is None or listener.handler is None:
            return HttpResponse(502, error_page(502, self.spec.version),
                                {"Content-Type": "text/html"})
        if respond is not None:
            result: HttpResponse = respond(request)
            return result
        return listener.handler(request)

    def _flow(self, host: Host) -> None:
        status = self._upstream(host, HttpRequest("GET", "/health", "localhost")).status
        self.upstream_status = status
        if self.access is not None:
            rate = self.spec.requests_per_second * self.spec.mean_line_bytes
            self.access.set_flow(status, access_lines(status), rate, host.clock.now_ms,
                                 pad_line=access_pad(status))

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        self._flow(host)
        if self.access is not None:
            self.access.pump(host.clock.now_ms)
        served = self.spec.requests_per_second * dt_ms / 1000
        self.requests += int(served)
        if self.upstream_status >= 500:
            self.errors += int(served)
            if self.upstream_status == 502 and self.errors_log is not None:
                self._log_refused(host, "GET /api/products HTTP/1.1", "/api/products")

    def _log_refused(self, host: Host, request_line: str, path: str) -> None:
        assert self.errors_log is not None
        self._conn += 1
        self.errors_log.write(
            f"{nginx_error(host.clock.now_ms)} [error] {self._pid + 1}#{self._pid + 1}: "
            f"*{self._conn} connect() failed (111: Connection refused) while connecting to "
            f"upstream, client: 10.0.3.17, server: {self.spec.server_name}, request: "
            f'"{request_line}", upstream: "http://127.0.0.1:{self.spec.upstream_port}{path}", '
            f'host: "{self.spec.server_name}"\n')

    def respond(self, request: HttpRequest) -> HttpResponse:
        """The proxied answer, without logging (probes and objectives)."""
        upstream = self._upstream(self.host, request)
        headers = {"Server": f"nginx/{self.spec.version}",
                   "Content-Type": upstream.headers.get("Content-Type", "text/html"),
                   "Connection": "keep-alive"}
        return HttpResponse(upstream.status, upstream.body, headers)

    def handle(self, request: HttpRequest) -> HttpResponse:
        response = self.respond(request)
        now = self.host.clock.now_ms
        line = f"{request.method} {request.path} HTTP/1.1"
        agent = request.headers.get("User-Agent", "curl/7.88.1")
        if self.access is not None:
            self.access.write(f'127.0.0.1 - - [{nginx_access(now)}] "{line}" {response.status} '
                              f'{len(response.body)} "-" "{agent}"\n')
        if response.status == 502 and self.errors_log is not None:
            self._log_refused(self.host, line, request.path)
        return response
