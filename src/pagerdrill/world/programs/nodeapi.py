"""A Node.js (Express) API with a pool of PostgreSQL connections, and a leak on its error path.

The service reads its code and config from its repository's working tree at
start, as ``node src/server.js`` does: editing a file changes nothing until
the service restarts. Each request borrows a connection from the pool
(``pool.acquire()``); when the code does not release it on the error path (no
``finally``), every request that throws leaves one connection checked out and
its backend ``idle in transaction`` on the server. Once all ``max`` connections
are leaked, every request waits ``acquireTimeoutMillis`` and fails with
``Error: Cannot acquire connection from pool`` (``TimeoutError: timeout of
5000ms exceeded``) and a 503, while the database sits idle.

The pool drops a client whose backend goes away (``pg_terminate_backend``, the
server's ``idle_in_transaction_session_timeout``, a server restart): its
``client.on('error')`` handler destroys it, which frees the slot. A config key
``idle_in_transaction_session_timeout`` (in ``db`` or ``db.pool``) is passed to
every connection, so the server reclaims leaked sessions by itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pagerdrill.world.database import PgError, PgServer, server_at
from pagerdrill.world.errors import FsError
from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.services import JournalEntry

from .app import BOOTING

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["LEAK_QUERY", "NodeApi", "NodeApiSpec", "PoolConfig", "code_problem", "is_leaky",
           "read_pool_config"]

LEAK_QUERY = "SELECT * FROM users WHERE id = $1"
IDLE_QUERY = "COMMIT"
_IDLE_IN_TX = "idle in transaction"
_REASONS = {200: "OK", 404: "Not Found", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable"}


@dataclass(frozen=True)
class NodeApiSpec:
    name: str
    repo: str  # the working tree the service runs from
    port: int = 3000
    config_rel: str = "config/production.json"
    code_rel: str = "src/db/users.js"
    warm: int = 3  # connections the pool keeps open under normal traffic
    base_rss_kb: int = 96_000
    # World facts the scenario sets: requests per second, and how many of them per
    # second throw between acquire() and release() (the downstream failing).
    rps_fact: str = ""
    throw_fact: str = ""
    downstream: str = "loyalty-svc"


@dataclass(frozen=True)
class PoolConfig:
    db_host: str = "localhost"
    db_port: int = 5432
    database: str = "appdb"
    user: str = "app"
    max: int = 10
    acquire_timeout_ms: int = 5000
    reclaim_ms: int = 0  # idle_in_transaction_session_timeout given to every connection


def _millis(value: object) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int | float):
        return max(0, int(value))
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+)\s*(ms|s|min)?\s*", value)
        if match:
            return int(match.group(1)) * {"ms": 1, "s": 1000, "min": 60_000}[match.group(2)
                                                                              or "ms"]
    return 0


def read_pool_config(text: str) -> PoolConfig | str:
    """The pool settings of a ``production.json``, or the error node prints for it."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        return f"SyntaxError: Unexpected token in JSON at position {error.pos}"
    if not isinstance(doc, dict):
        return "TypeError: Cannot read properties of undefined (reading 'pool')"
    db = doc.get("db")
    if not isinstance(db, dict):
        return "TypeError: Cannot read properties of undefined (reading 'pool')"
    pool = db.get("pool") if isinstance(db.get("pool"), dict) else {}
    assert isinstance(pool, dict)
    reclaim = 0
    for source in (db, pool):
        for key in ("idle_in_transaction_session_timeout", "idleInTransactionSessionTimeout"):
            if key in source:
                reclaim = _millis(source[key])
    size = pool.get("max", 10)
    timeout = pool.get("acquireTimeoutMillis", pool.get("connectionTimeoutMillis", 0))
    return PoolConfig(str(db.get("host", "localhost")), int(db.get("port", 5432) or 5432),
                      str(db.get("database", "appdb")), str(db.get("user", "app")),
                      int(size) if isinstance(size, int) and size > 0 else 10,
                      _millis(timeout), reclaim)


_STRIP = re.compile(r"//[^\n]*|/\*.*?\*/|'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|"
                    r"`(?:\\.|[^`\\])*`", re.DOTALL)


def code_problem(text: str) -> str:
    """A SyntaxError node would raise loading the module (a rough check), or ''."""
    bare = _STRIP.sub(lambda m: "''" if m.group(0)[0] in "'\"`" else " ", text)
    depth = {"{": 0, "(": 0, "[": 0}
    closing = {"}": "{", ")": "(", "]": "["}
    for char in bare:
        if char in depth:
            depth[char] += 1
        elif char in closing:
            depth[closing[char]] -= 1
            if depth[closing[char]] < 0:
                return f"SyntaxError: Unexpected token '{char}'"
    if any(depth.values()):
        return "SyntaxError: Unexpected end of input"
    for match in re.finditer(r"\btry\s*\{", bare):
        level, index = 1, match.end()
        while index < len(bare) and level:
            level += {"{": 1, "}": -1}.get(bare[index], 0)
            index += 1
        if not re.match(r"\s*(catch|finally)\b", bare[index:]):
            return "SyntaxError: Missing catch or finally after try"
    return ""


def is_leaky(text: str) -> bool:
    """True when a connection acquired here is not released on the error path."""
    bare = _STRIP.sub(lambda m: "''" if m.group(0)[0] in "'\"`" else " ", text)
    if ".acquire(" not in bare:
        return False  # pool.query() checks out and releases by itself
    if re.search(r"\bfinally\s*\{[^{}]*\.release\(", bare):
        return False
    return not re.search(r"\bcatch\s*(\([^)]*\))?\s*\{[^{}]*\.release\(", bare)


@dataclass
class _Client:
    pid: int  # the backend's pid on the server
    leaked: bool = False


@dataclass
class _Stats:
    requests: float = 0.0
    by_status: dict[int, float] = field(default_factory=dict)


class NodeApi:
    """The Program behind ``node src/server.js``."""

    def __init__(self, spec: NodeApiSpec) -> None:
        self.spec = spec
        self.config = PoolConfig()
        self.code = ""
        self.leaky = True
        self.problem = ""
        self.clients: list[_Client] = []
        self.stats = _Stats()
        self.last_5xx_ratio = 0.0
        self.waiting = 0
        self._leak_acc = 0.0
        self._next_log_ms = 0
        self._next_ok_log_ms = 0
        self._request_id = 40_000
        self._port = 52_000
        self._host: Host | None = None

    # -- reading the working tree ----------------------------------------------

    def _read(self, host: Host, rel: str) -> str | FsError:
        try:
            inode = host.fs.lookup(f"{self.spec.repo}/{rel}")
            return b"".join(host.fs.read_stream(inode)).decode(errors="replace")
        except FsError as error:
            return error

    def load(self, host: Host) -> None:
        """Read the config and the module the way ``require()`` does at start."""
        config = self._read(host, self.spec.config_rel)
        code = self._read(host, self.spec.code_rel)
        self.problem = ""
        if isinstance(code, FsError):
            self.problem = (f"Error: Cannot find module '{self.spec.repo}/{self.spec.code_rel}'")
        elif isinstance(config, FsError):
            self.problem = (f"Error: ENOENT: no such file or directory, open "
                            f"'{self.spec.repo}/{self.spec.config_rel}'")
        else:
            parsed = read_pool_config(config)
            if isinstance(parsed, str):
                self.problem = parsed
            else:
                self.config = parsed
            self.code = code
            self.problem = self.problem or code_problem(code)
            self.leaky = is_leaky(code)

    # -- lifecycle -------------------------------------------------------------

    def start(self, host: Host, proc: Process) -> None:
        self._host = host
        proc.rss_kb, proc.vsz_kb, proc.threads = self.spec.base_rss_kb, 1_021_000, 11
        proc.cwd = self.spec.repo
        self.load(host)
        if self.problem:
            return
        self.serve(host, proc)
        if host.world.facts.get(BOOTING):
            return  # running for days already: no startup banner at the page's instant
        now = host.clock.now_ms
        cfg = self.config
        self._journal(host, proc, now, [
            f"[pool] created pg pool max={cfg.max} acquireTimeoutMillis={cfg.acquire_timeout_ms}"
            + (f" idle_in_transaction_session_timeout={cfg.reclaim_ms}" if cfg.reclaim_ms
               else ""),
            f"{self.spec.name} listening on http://0.0.0.0:{self.spec.port} (NODE_ENV=production)",
        ], 6)

    def serve(self, host: Host, proc: Process) -> None:
        """Listen on the service's port (start does, once the code has loaded)."""
        host.listen(self.spec.port, proc, self.handle, "0.0.0.0")

    def stop(self, host: Host, proc: Process) -> None:
        server = self._server(host)
        for client in self.clients:
            if server is not None:
                server.disconnect(client.pid)  # the process exits: its sockets close
        self.clients.clear()
        self._journal(host, proc, host.clock.now_ms,
                      ["SIGTERM received: closing HTTP server and draining the pool"], 6)

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        return SignalAction.DEFAULT

    # -- the pool --------------------------------------------------------------

    def _server(self, host: Host) -> PgServer | None:
        return server_at(host.world, host, self.config.db_host, self.config.db_port)

    @property
    def leaked(self) -> int:
        return sum(c.leaked for c in self.clients)

    @property
    def in_use(self) -> int:
        """Checked-out connections: the leaked ones plus the requests being served."""
        busy = 0 if self.exhausted else min(2, self.config.max - self.leaked)
        return self.leaked + max(0, busy)

    @property
    def exhausted(self) -> bool:
        return self.leaked >= self.config.max

    def _connect(self, host: Host, server: PgServer, now_us: int) -> _Client | None:
        self._port = 52_000 + (self._port - 51_999) % 9_000
        try:
            backend = server.connect(self.config.user, self.config.database, now_us,
                                     application_name=self.spec.name,
                                     client_addr=host.spec.ip, client_port=self._port)
        except PgError:
            return None
        backend.query, backend.state = IDLE_QUERY, "idle"
        backend.query_start = backend.state_change = now_us
        client = _Client(backend.pid)
        self.clients.append(client)
        return client

    def leak_one(self, host: Host, now_us: int, request_id: int | None = None) -> bool:
        """A request throws between acquire() and release(): its connection is lost."""
        server = self._server(host)
        if server is None or not server.running:
            return False
        client = next((c for c in self.clients if not c.leaked), None)
        if client is None or client.pid not in server.backends:
            client = self._connect(host, server, now_us)
        if client is None:
            return False
        client.leaked = True
        backend = server.backends[client.pid]
        backend.state, backend.query = _IDLE_IN_TX, LEAK_QUERY
        backend.xact_start = now_us - 3_000
        backend.query_start = now_us - 2_400
        backend.state_change = now_us - 2_100
        database = server.databases.get(self.config.database)
        if database is not None:
            database.xact_commit += 1
        return True

    def _drop_gone(self, host: Host, proc: Process, server: PgServer | None, now: int) -> None:
        alive = server.backends if server is not None and server.running else {}
        gone = [c for c in self.clients if c.pid not in alive]
        if not gone:
            return
        reasons = {pid: message for _, pid, _, message in (server.log[-400:] if server else [])}
        lines: list[str] = []
        for client in gone:
            self.clients.remove(client)
            reason = reasons.get(client.pid, "Connection terminated unexpectedly")
            if client.leaked and len(lines) < 12:
                lines.append(f"[pool] removing client after error: error: {reason}")
        if len(gone) > 6:
            lines.append(f"[pool] {len(gone)} clients removed; pool size now "
                         f"{len(self.clients)}/{self.config.max}")
        self._journal(host, proc, now, lines, 4)

    def _keep_warm(self, host: Host, server: PgServer | None, now_us: int) -> None:
        if server is None or not server.running:
            return
        idle = [c for c in self.clients if not c.leaked]
        want = min(self.spec.warm, self.config.max - self.leaked)
        while len(idle) < want:
            client = self._connect(host, server, now_us)
            if client is None:
                return
            idle.append(client)
        for client in idle[want:]:
            server.disconnect(client.pid)  # idleTimeoutMillis closes the spare ones
            self.clients.remove(client)

    def _reclaim(self, server: PgServer | None, now_us: int) -> None:
        """The session-level idle_in_transaction_session_timeout the app asked for."""
        limit = self.config.reclaim_ms * 1000
        if not limit or server is None:
            return
        for client in self.clients:
            backend = server.backends.get(client.pid)
            if (backend is not None and backend.state == _IDLE_IN_TX
                    and now_us - (backend.state_change or now_us) >= limit):
                server.terminate(client.pid, now_us,
                                 "terminating connection due to idle-in-transaction timeout")

    # -- time ------------------------------------------------------------------

    def _fact(self, host: Host, name: str, default: float) -> float:
        value = host.world.facts.get(name) if name else None
        return float(value) if isinstance(value, int | float) else default

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        now = host.clock.now_ms
        if self.problem:
            self._journal(host, proc, now, [f"{self.spec.repo}/{self.spec.code_rel}:1",
                                            self.problem, "", "Node.js v20.11.1"], 3)
            host.procs.exit(proc.pid, 1)
            return
        server = self._server(host)
        now_us = now * 1000
        self._reclaim(server, now_us)
        self._drop_gone(host, proc, server, now)
        rps = self._fact(host, self.spec.rps_fact, 40.0)
        throws = self._fact(host, self.spec.throw_fact, 0.0)
        seconds = dt_ms / 1000
        reachable = server is not None and server.running
        if not reachable or self.exhausted:
            self._serve_failing(host, proc, now, rps * seconds, reachable)
        else:
            self._serve(host, proc, now, now_us, rps * seconds, throws * seconds)
        self._keep_warm(host, server, now_us)
        proc.cpu_percent = 2.5 if self.exhausted else 6.0
        proc.rss_kb = self.spec.base_rss_kb + 40 * self.waiting

    def _count(self, status: int, n: float) -> None:
        self.stats.by_status[status] = self.stats.by_status.get(status, 0.0) + n
        self.stats.requests += n

    def _serve(self, host: Host, proc: Process, now: int, now_us: int, requests: float,
               throws: float) -> None:
        self.waiting = 0
        self._leak_acc += throws
        failed = 0
        while self._leak_acc >= 1 and not self.exhausted:
            self._leak_acc -= 1
            failed += 1
            self._request_id += 7919
            if self.leaky:
                self.leak_one(host, now_us)
            self._journal(host, proc, now, self.throw_lines(self._request_id % 90_000 + 1000,
                                                            now), 3)
        self._count(502, failed)
        self._count(200, max(0.0, requests - failed))
        self.last_5xx_ratio = failed / requests if requests else 0.0
        if now >= self._next_ok_log_ms:
            self._next_ok_log_ms = now + 15_000
            self._request_id += 104_729
            self._journal(host, proc, now, [
                f"GET /api/users/{self._request_id % 90_000 + 1000} 200 "
                f"{8 + self._request_id % 23}.{self._request_id % 997:03d} ms - 311"], 6)

    def _serve_failing(self, host: Host, proc: Process, now: int, requests: float,
                       reachable: bool) -> None:
        timeout = self.config.acquire_timeout_ms or 0
        self.waiting = int(requests * max(timeout, 1000) / 1000)
        self._count(503, requests)
        self.last_5xx_ratio = 1.0 if requests else 0.0
        if now < self._next_log_ms:
            return
        self._next_log_ms = now + 2000
        self._request_id += 7919
        uid = self._request_id % 90_000 + 1000
        took = f"{timeout + 3 + self._request_id % 9}.{self._request_id % 997:03d}"
        if reachable:
            lines = [f"GET /api/users/{uid} 503 {took} ms - 58", *self.timeout_lines()]
        else:
            ip = self.config.db_host
            lines = [f"GET /api/users/{uid} 503 {took} ms - 58",
                     f"Error: connect ECONNREFUSED {ip}:{self.config.db_port}",
                     "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)"]
        self._journal(host, proc, now, lines, 3)

    def timeout_lines(self) -> list[str]:
        root = self.spec.repo
        return ["Error: Cannot acquire connection from pool",
                f"    at Pool.acquire ({root}/src/db/pool.js:41:13)",
                f"    at async getUser ({root}/src/db/users.js:6:16)",
                f"    at async {root}/src/routes/users.js:9:18",
                f"TimeoutError: timeout of {self.config.acquire_timeout_ms}ms exceeded",
                f"    at Timeout._onTimeout ({root}/src/db/pool.js:33:18)",
                "    at listOnTimeout (node:internal/timers:573:17)"]

    def throw_lines(self, uid: int, now: int) -> list[str]:
        root = self.spec.repo
        return [f"GET /api/users/{uid} 502 {180 + uid % 300}.{uid % 997:03d} ms - 61",
                f"Error: {self.spec.downstream} responded 503 Service Unavailable "
                f"(GET /v1/tiers/{uid})",
                f"    at LoyaltyClient.tierFor ({root}/src/clients/loyalty.js:22:11)",
                "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
                f"    at async getUser ({root}/src/db/users.js:9:16)",
                f"    at async {root}/src/routes/users.js:9:18"]

    def _journal(self, host: Host, proc: Process, t_ms: int, lines: list[str],
                 priority: int) -> None:
        for line in lines:
            host.journal.add(JournalEntry(t_ms, "node", line, proc.unit, proc.pid, priority))

    # -- HTTP ------------------------------------------------------------------

    def _json(self, status: int, body: object) -> HttpResponse:
        data = json.dumps(body, separators=(",", ":")).encode()
        headers = {"X-Powered-By": "Express", "Content-Type": "application/json; charset=utf-8",
                   "Content-Length": str(len(data)), "Connection": "keep-alive"}
        return HttpResponse(status, data, headers, _REASONS.get(status, ""))

    def respond(self, request: HttpRequest) -> HttpResponse:
        """The answer to ``request`` without side effects (probes and objectives use it)."""
        path = request.path.split("?", 1)[0]
        host = self._host
        reachable = host is not None and (server := self._server(host)) is not None \
            and server.running
        if path == "/metrics":
            return self._metrics()
        if path not in ("/health", "/healthz") and not path.startswith("/api/users/"):
            body = (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    f"<title>Error</title>\n</head>\n<body>\n<pre>Cannot {request.method} "
                    f"{path}</pre>\n</body>\n</html>\n").encode()
            return HttpResponse(404, body, {"X-Powered-By": "Express",
                                            "Content-Type": "text/html; charset=utf-8"},
                                "Not Found")
        if not reachable:
            return self._json(503, {"error": "connect ECONNREFUSED "
                                    f"{self.config.db_host}:{self.config.db_port}"})
        if self.exhausted:
            return self._json(503, {"error": "Cannot acquire connection from pool"})
        if path.startswith("/api/users/"):
            uid = path.rsplit("/", 1)[1]
            if uid.isdigit():
                return self._json(200, {"id": int(uid), "email": f"user{uid}@example.com",
                                        "tier": "gold"})
            return self._json(404, {"error": "user not found"})
        return self._json(200, {"status": "ok", "db": "ok",
                                "pool": {"max": self.config.max, "inUse": self.in_use,
                                         "waiting": self.waiting}})

    def handle(self, request: HttpRequest) -> HttpResponse:
        response = self.respond(request)
        self._count(response.status, 1)
        return response

    def _metrics(self) -> HttpResponse:
        name = self.spec.name
        lines = ["# HELP db_pool_connections_in_use Connections checked out of the pool",
                 "# TYPE db_pool_connections_in_use gauge",
                 f'db_pool_connections_in_use{{service="{name}"}} {self.in_use}',
                 "# HELP db_pool_connections_max Pool size (max)",
                 "# TYPE db_pool_connections_max gauge",
                 f'db_pool_connections_max{{service="{name}"}} {self.config.max}',
                 "# HELP db_pool_waiting_requests Requests waiting for a connection",
                 "# TYPE db_pool_waiting_requests gauge",
                 f'db_pool_waiting_requests{{service="{name}"}} {self.waiting}',
                 "# HELP http_requests_total Requests served, by status",
                 "# TYPE http_requests_total counter"]
        for status, count in sorted(self.stats.by_status.items()):
            lines.append(f'http_requests_total{{service="{name}",status="{status}"}} '
                         f"{int(count)}")
        data = ("\n".join(lines) + "\n").encode()
        return HttpResponse(200, data, {"X-Powered-By": "Express",
                                        "Content-Type": "text/plain; version=0.0.4; "
                                        "charset=utf-8"}, "OK")
