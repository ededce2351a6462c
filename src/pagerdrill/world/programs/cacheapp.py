"""The programs of a read-through-cache app: the gunicorn service and its warm-up job.

:class:`CacheApp` is ``myapp.service`` on the host the player is on: its start
reads the cache code, the env file and ``gunicorn.conf.py`` from disk and
deploys them on the whole fleet (:class:`pagerdrill.world.cache.stampede.
CacheFleet`): a restart there stands for the rolling restart config management
does on every server. A module that does not parse (or a ``random`` call with no
import) fails the boot. :class:`CacheWarmer` is the warm-up job (a oneshot
service): every hot key, batch by batch over one connection, with the TTL its
script computes.
"""

from __future__ import annotations

import ast
import datetime as _dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from pagerdrill.world.cache.patterns import CacheCode, analyze
from pagerdrill.world.cache.stampede import CacheFleet, Deployed, FleetSpec, fleet_of
from pagerdrill.world.errors import FsError
from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.services import JournalEntry

from .app import BOOTING

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["CacheApp", "CacheWarmer", "read_env", "read_workers"]

def read_env(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines as systemd's EnvironmentFile= reads them."""
    env: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")) or "=" not in line:
            continue
        key, value = line.split("=", 1)
        env[key.strip().removeprefix("export ").strip()] = value.strip().strip("\"'")
    return env


_ARITH: dict[type[ast.operator], Callable[[int, int], int]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b, ast.FloorDiv: lambda a, b: a // b}
_LIMIT = 1_000_000  # no gunicorn runs a million workers; bounds what the evaluation costs


class _ConfigError(Exception):
    pass


def _config_value(node: ast.expr, names: dict[str, int], cpus: int) -> int:
    """The value of an integer expression in a config file, never running its code."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and \
            not isinstance(node.value, bool):
        value = node.value
    elif isinstance(node, ast.Constant):
        raise _ConfigError(f"Error: 'workers' must be a positive integer, not {node.value!r}")
    elif isinstance(node, ast.Name):
        if node.id not in names:
            raise _ConfigError(f"NameError: name '{node.id}' is not defined")
        value = names[node.id]
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = -_config_value(node.operand, names, cpus)
    elif isinstance(node, ast.BinOp) and type(node.op) in _ARITH:
        left = _config_value(node.left, names, cpus)
        right = _config_value(node.right, names, cpus)
        if isinstance(node.op, ast.FloorDiv) and right == 0:
            raise _ConfigError("ZeroDivisionError: integer division or modulo by zero")
        value = _ARITH[type(node.op)](left, right)
    elif isinstance(node, ast.Call) and not node.args and ast.unparse(node.func) in (
            "multiprocessing.cpu_count", "os.cpu_count"):
        if ast.unparse(node.func).split(".")[0] not in names:
            raise _ConfigError(f"NameError: name '{ast.unparse(node.func).split('.')[0]}' "
                               "is not defined")
        value = cpus
    else:
        raise _ConfigError(f"Error: unsupported expression for 'workers': {ast.unparse(node)}")
    if abs(value) > _LIMIT:
        raise _ConfigError(f"Error: 'workers' out of range: {value}")
    return value


def read_workers(text: str, cpus: int = 4) -> int | str:
    """``workers`` from a gunicorn.conf.py, or the error to log.

    The file is Python; it is read, not run: integer arithmetic over earlier
    assignments and ``multiprocessing.cpu_count()`` (the common idiom) are worked
    out, anything else is reported rather than executed.
    """
    try:
        module = ast.parse(text, "gunicorn.conf.py")
    except SyntaxError as error:
        return f"SyntaxError: {error.msg} (gunicorn.conf.py, line {error.lineno})"
    except (MemoryError, RecursionError) as error:
        return type(error).__name__
    names: dict[str, int] = {}
    for node in module.body:
        if isinstance(node, ast.Import):
            names.update({alias.asname or alias.name: 0 for alias in node.names})
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            try:
                names[node.targets[0].id] = _config_value(node.value, names, cpus)
            except _ConfigError as error:
                if node.targets[0].id == "workers":
                    return str(error)
            except RecursionError:
                return "RecursionError: maximum recursion depth exceeded"
    workers = names.get("workers", 1)
    if workers < 1:
        return f"Error: 'workers' must be a positive integer, not {workers}"
    return workers


def _read(host: Host, path: str) -> str | FsError:
    try:
        return b"".join(host.fs.read_stream(host.fs.lookup(path))).decode(errors="replace")
    except FsError as error:
        return error


def _journal(host: Host, proc: Process, t_ms: int, ident: str, lines: list[str],
             priority: int = 6) -> None:
    for line in lines:
        host.journal.add(JournalEntry(t_ms, ident, line, proc.unit, proc.pid, priority))


def _gunicorn(t_ms: int, pid: int, level: str, message: str) -> str:
    at = _dt.datetime.fromtimestamp(t_ms / 1000, _dt.UTC)
    return f"[{at:%Y-%m-%d %H:%M:%S} +0000] [{pid}] [{level}] {message}"


class CacheApp:
    """``myapp.service``: gunicorn serving the app from the repository's working tree."""

    def __init__(self, spec: FleetSpec, port: int = 8000) -> None:
        self.spec = spec
        self.port = port
        self.problem = ""
        self.fleet: CacheFleet | None = None

    def load(self, host: Host) -> Deployed | str:
        code = _read(host, f"{self.spec.repo}/{self.spec.code_rel}")
        env = _read(host, self.spec.env_path)
        conf = _read(host, self.spec.gunicorn_path)
        if isinstance(conf, FsError):
            return f"Error: {self.spec.gunicorn_path} doesn't exist"
        workers = read_workers(conf, host.spec.cpus)
        if isinstance(workers, str):
            return workers
        if isinstance(code, FsError):
            return "ModuleNotFoundError: No module named 'app.cache'"
        parsed = analyze(code, f"{self.spec.repo}/{self.spec.code_rel}")
        if parsed.problem:
            return parsed.problem
        return Deployed(parsed, read_env(env) if isinstance(env, str) else {}, workers)

    def deploy(self, host: Host, proc: Process) -> Deployed | None:
        """Load the working tree and, if it boots, serve it on the whole fleet."""
        fleet = self.fleet = fleet_of(host.world, self.spec)
        loaded = self.load(host)
        if isinstance(loaded, str):
            self.problem = loaded
            return None
        self.problem = ""
        fleet.deployed, fleet.up = loaded, True
        host.listen(self.port, proc, self.handle, "127.0.0.1")
        return loaded

    def start(self, host: Host, proc: Process) -> None:
        proc.rss_kb, proc.vsz_kb, proc.threads = 58_000, 240_000, 1
        proc.cwd = self.spec.repo
        loaded = self.deploy(host, proc)
        now = host.clock.now_ms
        if loaded is None or host.world.facts.get(BOOTING):
            return
        lines = [_gunicorn(now, proc.pid, "INFO", "Starting gunicorn 21.2.0"),
                 _gunicorn(now, proc.pid, "INFO",
                           f"Listening at: http://127.0.0.1:{self.port} ({proc.pid})"),
                 _gunicorn(now, proc.pid, "INFO", "Using worker: sync")]
        lines += [_gunicorn(now, proc.pid + 1 + i, "INFO",
                            f"Booting worker with pid: {proc.pid + 1 + i}")
                  for i in range(loaded.workers)]
        _journal(host, proc, now, "gunicorn", lines)

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        now = host.clock.now_ms
        if self.problem:
            _journal(host, proc, now, "gunicorn", [
                _gunicorn(now, proc.pid, "ERROR", "Exception in worker process"),
                "Traceback (most recent call last):",
                f'  File "{self.spec.repo}/app/__init__.py", line 4, in <module>',
                "    from .cache import get_cached",
                *self.problem.splitlines(),
                _gunicorn(now, proc.pid, "INFO", "Worker failed to boot."),
            ], 3)
            host.procs.exit(proc.pid, 3)
            return
        fleet = self.fleet
        if fleet is None:
            return
        proc.cpu_percent = 4.0 if fleet.saturated else 18.0
        if fleet.lost:
            _journal(host, proc, now, "gunicorn", [
                f"ERROR app.views: {fleet.lost} database connections lost across the fleet",
                "psycopg2.OperationalError: terminating connection due to administrator command",
                "server closed the connection unexpectedly"], 3)
            fleet.lost = 0
        if now < fleet.next_log_ms or not fleet.saturated:
            return
        fleet.next_log_ms = now + 3000
        pid = proc.pid + 1 + now // 1000 % max(1, fleet.deployed.workers)
        if fleet.latency_s >= self.spec.timeout_s:
            _journal(host, proc, now, "gunicorn", [
                f"ERROR app.views: GET /api/products/{self.spec.first_id + now % self.spec.keys}"
                " failed",
                "psycopg2.errors.QueryCanceled: canceling statement due to statement timeout",
                _gunicorn(now, proc.pid, "CRITICAL", f"WORKER TIMEOUT (pid:{pid})")], 3)
        else:
            _journal(host, proc, now, "gunicorn", [
                f"WARNING app.cache: slow cache rebuild product:"
                f"{self.spec.first_id + now % self.spec.keys} "
                f"took {fleet.latency_s * 1000:.0f}ms"], 4)

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        if self.fleet is not None and not self.problem:
            self.fleet.up = False
            _journal(host, proc, host.clock.now_ms, "gunicorn", [
                _gunicorn(host.clock.now_ms, proc.pid, "INFO", "Handling signal: term"),
                _gunicorn(host.clock.now_ms, proc.pid, "INFO", "Shutting down: Master")])

    def handle(self, request: HttpRequest) -> HttpResponse:
        fleet = self.fleet
        path = request.path.split("?", 1)[0]
        headers = {"Server": "gunicorn", "Content-Type": "application/json"}
        if path == "/health":
            return HttpResponse(200, b'{"status":"ok"}\n', headers, "OK")
        if not path.startswith("/api/products/") or fleet is None:
            return HttpResponse(404, b'{"error":"not found"}\n', headers, "NOT FOUND")
        if fleet.rate_limit and fleet.error_ratio > 0.5:
            return HttpResponse(429, b'{"error":"rate limited"}\n', headers,
                                "TOO MANY REQUESTS")
        pid = path.rsplit("/", 1)[1]
        redis = fleet.redis()
        cached = redis is not None and redis.dbs[0].contains(f"product:{pid}".encode())
        if cached or (not fleet.saturated and fleet.pg() is not None):
            body = json.dumps({"id": int(pid) if pid.isdigit() else pid,
                               "name": f"Product {pid}", "cached": cached},
                              separators=(",", ":"), sort_keys=True)  # as Flask's jsonify
            return HttpResponse(200, (body + "\n").encode(), headers, "OK")
        if fleet.pg() is None:
            return HttpResponse(500, b'{"error":"could not connect to server"}\n', headers,
                                "INTERNAL SERVER ERROR")
        return HttpResponse(500, b'{"error":"canceling statement due to statement timeout"}\n',
                            headers, "INTERNAL SERVER ERROR")


class CacheWarmer:
    """``myapp-cache-warm.service`` (oneshot): every hot key, batch by batch, then exit."""

    def __init__(self, spec: FleetSpec, batch: int = 100) -> None:
        self.spec = spec
        self.batch = batch
        self.code = CacheCode()
        self.env: dict[str, str] = {}
        self.done = 0
        self.progress = 0.0
        self.started_ms = 0
        self.fleet: CacheFleet | None = None

    def start(self, host: Host, proc: Process) -> None:
        self.fleet = fleet_of(host.world, self.spec)
        self.started_ms = host.clock.now_ms
        source = _read(host, f"{self.spec.repo}/{self.spec.warm_rel}")
        env = _read(host, self.spec.env_path)
        self.env = read_env(env) if isinstance(env, str) else {}
        path = f"{self.spec.repo}/{self.spec.warm_rel}"
        if isinstance(source, FsError):
            self.code = CacheCode(problem=f"python3: can't open file '{path}': [Errno 2] "
                                  "No such file or directory")
        else:
            self.code = analyze(source, path)
        self.fleet.warmers += 1
        _journal(host, proc, self.started_ms, "warm_cache.py",
                 [f"warming {self.spec.keys} keys from {self.spec.db_host}/"
                  f"{self.spec.database} in batches of {self.batch}"])

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        fleet = self.fleet
        now = host.clock.now_ms
        if fleet is None:
            return
        if self.code.problem:
            _journal(host, proc, now, "python3", self.code.problem.splitlines(), 3)
            host.procs.exit(proc.pid, 1)
            return
        redis, pg = fleet.redis(), fleet.pg()
        if redis is None or pg is None:
            which = (f"Error 111 connecting to {self.spec.redis_host}:6379. Connection refused."
                     if redis is None else "psycopg2.OperationalError: could not connect to "
                     "server: Connection refused")
            _journal(host, proc, now, "python3", [which], 3)
            host.procs.exit(proc.pid, 1)
            return
        self.progress += dt_ms / 1000 / fleet.batch_latency_s(self.batch)
        keys = fleet.keys()
        client = fleet.writer(redis)
        while self.progress >= 1 and self.done < len(keys):
            self.progress -= 1
            for key in keys[self.done:self.done + self.batch]:
                ttl = fleet.ttl(self.code, self.env)
                value = json.dumps({"id": int(key.split(b":")[1]), "cached": True}).encode()
                redis.execute(client, [b"SETEX", key, str(ttl).encode(), value])
            self.done = min(len(keys), self.done + self.batch)
        if self.done >= len(keys):
            took = (now - self.started_ms) / 1000
            _journal(host, proc, now, "warm_cache.py",
                     [f"warmed {self.done} keys in {took:.1f}s"])
            host.procs.exit(proc.pid, 0)

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        if self.fleet is not None:
            self.fleet.warmers = max(0, self.fleet.warmers - 1)
