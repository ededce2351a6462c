"""A Node.js WebSocket gateway (``ws``) whose per-connection SIGTERM listener leaks sockets.

The service runs ``node app.js`` from its repository's working tree and reads
its code at start: ``setupWebSocket`` in ``src/ws.js`` decides whether every
closed connection stays referenced by a ``process`` SIGTERM listener (the
seed's leak) or is released in the socket's ``'close'`` handler (the fix). A
restart re-reads the code, so an edit changes nothing until then.

Everything that grows is a pure function of time since the process started:
connections open at a steady churn, the live count wobbles around its target,
and with the leak every closed connection (its ``WebSocket``, ``Socket`` and
permessage-deflate zlib state) stays in memory, so RSS climbs until the
cgroup's ``MemoryMax`` is crossed and the kernel's OOM killer ends the process
(systemd restarts it and the cycle starts again). :func:`rss_kb_at` answers
"what was RSS at time t" for any instant, before the page too, for dashboards.

Node's own behaviour around it: the 11th SIGTERM listener prints
``MaxListenersExceededWarning`` once per process; SIGUSR2 runs the app's
heap-dump handler (``v8.writeHeapSnapshot()``, a ``Heap.*.heapsnapshot`` in the
working directory), or kills the process when the code has none; SIGUSR1
opens the inspector on 127.0.0.1:9229.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.world.errors import FsError
from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.node.heap import ConnectionHeap, HeapGraph, build_heap
from pagerdrill.world.node.jsscan import heap_dump_handler, sigterm_leak, warning_handler
from pagerdrill.world.node.runtime import NodeUnit, inspector_uuid, read_unit
from pagerdrill.world.node.snapshot import snapshot_name, write_snapshot
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.rng import derive_seed
from pagerdrill.world.services import JournalEntry

from .app import BOOTING
from .nodeapi import code_problem

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["INSPECTOR_PORT", "NODE_VERSION", "WsGateway", "WsGatewaySpec", "cycle_ms", "live_at",
           "max_listeners_lines", "oom_kernel_lines", "opened_since", "rss_kb_at"]

NODE_VERSION = "v20.11.1"
INSPECTOR_PORT = 9229
_MIN = 60_000
_JS_PER_CONNECTION = 580  # bytes of JS objects per connection beside its zlib state
_MAX_LISTENERS = 10


@dataclass(frozen=True)
class WsGatewaySpec:
    name: str
    repo: str  # the working tree the service runs from
    port: int = 8080
    entry_rel: str = "app.js"
    ws_rel: str = "src/ws.js"
    base_rss_kb: int = 184_000  # RSS of a fresh process with no connection
    per_connection_kb: int = 345  # one connection: JS objects plus its deflate/inflate zlib
    live_target: int = 48  # open connections on average
    churn_per_min: float = 1.1  # connections closing (and new ones opening) per minute
    memory_max_kb: int = 600 * 1024  # the unit's MemoryMax as shipped (the OOM line)

    @property
    def unit(self) -> str:
        return f"{self.name}.service"


def live_at(spec: WsGatewaySpec, t_ms: int) -> int:
    """Open connections at ``t_ms``: the target, give or take a few (a pure function)."""
    minute = t_ms // _MIN
    return max(1, spec.live_target + derive_seed(0, spec.name, minute) % 9 - 4)


def opened_since(spec: WsGatewaySpec, start_ms: int, t_ms: int) -> int:
    """Connections a process started at ``start_ms`` has accepted by ``t_ms``."""
    return live_at(spec, start_ms) + int(spec.churn_per_min * max(0, t_ms - start_ms) / _MIN)


def _rss(spec: WsGatewaySpec, start_ms: int, t_ms: int, leaky: bool) -> int:
    live = live_at(spec, t_ms)
    retained = max(0, opened_since(spec, start_ms, t_ms) - live) if leaky else 0
    jitter = derive_seed(0, spec.name, "rss", t_ms // 15_000) % 2048
    return spec.base_rss_kb + (live + retained) * spec.per_connection_kb + jitter


def cycle_ms(spec: WsGatewaySpec) -> int:
    """How long a leaking process lives from start to its OOM kill."""
    room = spec.memory_max_kb - spec.base_rss_kb - spec.live_target * spec.per_connection_kb
    return int(max(1, room) / spec.per_connection_kb / spec.churn_per_min * _MIN)


def rss_kb_at(spec: WsGatewaySpec, start_ms: int, t_ms: int) -> int:
    """RSS at any instant for the leaking gateway whose current process started at
    ``start_ms``: before that, earlier processes each grew for one cycle and were
    OOM-killed, each restart starting again from the baseline."""
    if t_ms >= start_ms:
        return _rss(spec, start_ms, t_ms, True)
    period = cycle_ms(spec) + 5_000  # plus RestartSec
    back = (start_ms - t_ms + period - 1) // period
    # An earlier process never outgrew the limit: the kernel killed it when it reached it.
    return min(spec.memory_max_kb, _rss(spec, start_ms - back * period, t_ms, True))


def max_listeners_lines(pid: int) -> list[str]:
    """Node's warning for the 11th listener (v20.11's wording, as the seed quotes it)."""
    return [f"(node:{pid}) MaxListenersExceededWarning: Possible EventEmitter memory leak "
            "detected. 11 SIGTERM listeners added to [process]. Use emitter.setMaxListeners() "
            "to increase limit",
            "(Use `node --trace-warnings ...` to show where the warning was created)"]


def oom_kernel_lines(pid: int, rss_kb: int, uid: int, unit: str, limit_kb: int) -> list[str]:
    """What the kernel logs when a cgroup's memory.max is hit (Linux 6.1)."""
    return [
        "node invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
        f"CPU: 1 PID: {pid} Comm: node Not tainted 6.1.0-18-amd64 #1  Debian 6.1.76-1",
        f"memory: usage {limit_kb}kB, limit {limit_kb}kB, failcnt {rss_kb % 977 + 12}",
        f"oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
        f"oom_memcg=/system.slice/{unit},task_memcg=/system.slice/{unit},task=node,pid={pid},"
        f"uid={uid}",
        f"Memory cgroup out of memory: Killed process {pid} (node) total-vm:{rss_kb + 801_344}kB,"
        f" anon-rss:{rss_kb - 41_216}kB, file-rss:41216kB, shmem-rss:0kB, UID:{uid} "
        f"pgtables:{rss_kb // 350}kB oom_score_adj:0",
    ]


class WsGateway:
    """The Program behind ``node app.js`` for the gateway."""

    def __init__(self, spec: WsGatewaySpec) -> None:
        self.spec = spec
        self.start_ms = 0
        self.leaky = True
        self.registers = True
        self.dumps_heap = True
        self.warning_fatal = False
        self.has_warning_handler = False
        self.problem = ""
        self.unit = NodeUnit(spec.memory_max_kb, ())
        self.snapshots = 0
        self.warned = False
        self.inspector = False
        self._next_stats_ms = 0
        self._pid = 0
        self._host: Host | None = None
        self.oom_killed = False

    # -- reading the working tree --------------------------------------------------------

    def _read(self, host: Host, rel: str) -> str | None:
        try:
            inode = host.fs.lookup(f"{self.spec.repo}/{rel}")
            return b"".join(host.fs.read_stream(inode)).decode(errors="replace")
        except FsError:
            return None

    def load(self, host: Host, under_unit: bool = True) -> None:
        """Read the code the way ``require()`` does at start, and the unit's settings."""
        entry, ws = self._read(host, self.spec.entry_rel), self._read(host, self.spec.ws_rel)
        self.problem = ""
        missing = self.spec.entry_rel if entry is None else self.spec.ws_rel
        if entry is None or ws is None:
            self.problem = f"Error: Cannot find module '{self.spec.repo}/{missing}'"
            return
        self.problem = code_problem(ws) or code_problem(entry)
        leak = sigterm_leak(ws)
        self.registers, self.leaky = leak.registers, leak.leaky
        self.dumps_heap = heap_dump_handler(entry) or heap_dump_handler(ws)
        handlers = {warning_handler(entry), warning_handler(ws)}
        self.has_warning_handler = bool(handlers - {""})
        self.warning_fatal = "exit" in handlers
        self.unit = (read_unit(host, f"/etc/systemd/system/{self.spec.unit}", self.spec.unit)
                     if under_unit else NodeUnit(None, ()))

    # -- the model -------------------------------------------------------------------------

    @property
    def memory_limit_kb(self) -> int | None:
        return self.unit.memory_max_kb

    def live(self, now: int) -> int:
        return live_at(self.spec, now)

    def opened(self, now: int) -> int:
        return opened_since(self.spec, self.start_ms, now)

    def retained(self, now: int) -> int:
        """Closed connections still in memory (referenced by SIGTERM listeners)."""
        return max(0, self.opened(now) - self.live(now)) if self.leaky else 0

    def sigterm_listeners(self, now: int) -> int:
        if not self.registers:
            return 1
        return 1 + self.live(now) + self.retained(now)

    def rss_kb(self, now: int) -> int:
        return _rss(self.spec, self.start_ms, now, self.leaky)

    def heap(self, now: int) -> HeapGraph:
        opened, live = self.opened(now), self.live(now)
        return build_heap(ConnectionHeap(
            live=tuple(range(opened - live, opened)),
            retained=tuple(range(0, opened - live)) if self.leaky else (),
            sigterm_per_connection=self.registers, heap_dump_handler=self.dumps_heap,
            warning_handler=self.has_warning_handler, seed=derive_seed(self.start_ms, "heap"),
            zlib_bytes=self.spec.per_connection_kb * 1024 - _JS_PER_CONNECTION))

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, host: Host, proc: Process) -> None:
        self.start_ms, self._pid, self._host = proc.start_ms, proc.pid, host
        proc.cwd = self.spec.repo
        self.warned = self.oom_killed = self.inspector = False
        self.snapshots = 0
        proc.threads, proc.vsz_kb = 11, 1_247_000
        self.load(host, under_unit=bool(proc.unit))
        proc.rss_kb = 46_000 if self.problem else self.rss_kb(host.clock.now_ms)
        if self.problem:
            return
        host.listen(self.spec.port, proc, self.handle, "0.0.0.0")
        self._next_stats_ms = proc.start_ms + _MIN
        if not host.world.facts.get(BOOTING):
            lines = self.startup_lines(proc.pid)
            self._journal(host, proc, proc.start_ms, lines[:2], 4)  # node's warnings: stderr
            self._journal(host, proc, proc.start_ms, lines[2:], 6)

    def resume(self, host: Host, proc: Process) -> None:
        """Take over a process that has been running since ``proc.start_ms`` (world
        building): reload the code as it was checked out, and skip the start banner."""
        self.start(host, proc)
        self.warned = self.sigterm_listeners(host.clock.now_ms) > _MAX_LISTENERS
        self._next_stats_ms = host.clock.now_ms + _MIN

    def startup_lines(self, pid: int) -> list[str]:
        return [f"(node:{pid}) [DEP0005] DeprecationWarning: Buffer() is deprecated due to "
                "security and usability issues. Please use the Buffer.alloc(), "
                "Buffer.allocUnsafe(), or Buffer.from() methods instead.",
                "(Use `node --trace-deprecation ...` to show where the warning was created)",
                f"[gateway] {self.spec.name} listening on :{self.spec.port} (ws path /ws, "
                "permessage-deflate on)"]

    def stop(self, host: Host, proc: Process) -> None:
        if proc.exit_status == 128 + Signal.SIGKILL and not self.oom_killed:
            host.world.facts["gateway_sigkilled"] = True
        if proc.exit_status == 128 + Signal.SIGTERM:
            self._journal(host, proc, host.clock.now_ms, [
                f"[gateway] SIGTERM: closing {self.live(host.clock.now_ms)} connections "
                "(1001 going away)"], 6)

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        now = host.clock.now_ms
        if sig is Signal.SIGUSR2 and self.dumps_heap and not self.problem:
            path = self.write_heap_snapshot(host, proc)
            name = path.rsplit("/", 1)[-1]  # v8.writeHeapSnapshot() returns the bare name
            self._journal(host, proc, now, [f"[gateway] heap snapshot written to {name}"], 6)
            return SignalAction.HANDLED
        if sig is Signal.SIGUSR1:
            self._journal(host, proc, now, self.open_inspector(host, proc), 3)
            return SignalAction.HANDLED
        return SignalAction.DEFAULT

    def open_inspector(self, host: Host, proc: Process) -> list[str]:
        if self.inspector:
            return []
        taken = host.listeners.get(INSPECTOR_PORT)
        if taken is not None and taken.pid != proc.pid:
            return [f"Starting inspector on 127.0.0.1:{INSPECTOR_PORT} failed: address already "
                    "in use"]
        self.inspector = True
        host.listen(INSPECTOR_PORT, proc, None, "127.0.0.1")
        uuid = inspector_uuid(host.world.rng.child("inspector", proc.pid))
        return [f"Debugger listening on ws://127.0.0.1:{INSPECTOR_PORT}/{uuid}",
                "For help, see: https://nodejs.org/en/docs/inspector"]

    def write_heap_snapshot(self, host: Host, proc: Process) -> str:
        """What ``v8.writeHeapSnapshot()`` does: a file in the working directory, 0600."""
        now = host.clock.now_ms
        self.snapshots += 1
        path = f"{proc.cwd.rstrip('/')}/{snapshot_name(now, proc.pid, self.snapshots)}"
        data = write_snapshot(self.heap(now))
        inode = host.fs.put(path, data, mode=0o600, uid=proc.uid,
                            gid=host.gid_of(proc.user), mtime_ms=now)
        del inode
        return path

    # -- time ------------------------------------------------------------------------------

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        now = host.clock.now_ms
        if self.problem:
            self._journal(host, proc, now, [f"{self.spec.repo}/{self.spec.ws_rel}:1",
                                            self.problem, "", f"Node.js {NODE_VERSION}"], 3)
            host.procs.exit(proc.pid, 1)
            return
        proc.rss_kb = self.rss_kb(now)
        proc.cpu_percent = 3.5 + self.live(now) / 40
        if not self.warned and self.sigterm_listeners(now) > _MAX_LISTENERS:
            self.warned = True
            self._journal(host, proc, now, max_listeners_lines(proc.pid), 4)
            if self.warning_fatal:
                self._journal(host, proc, now, [
                    "[gateway] fatal process warning: MaxListenersExceededWarning, exiting"], 3)
                host.procs.exit(proc.pid, 1)
                return
        limit = self.memory_limit_kb
        if limit is not None and proc.rss_kb >= limit:
            self.oom_kill(host, proc, limit)
            return
        if now >= self._next_stats_ms:
            self._next_stats_ms = now + _MIN
            self._journal(host, proc, now, [self.stats_line(now)], 6)

    def stats_line(self, now: int) -> str:
        opened = self.opened(now)
        return (f"[gateway] stats active={self.live(now)} opened={opened} "
                f"closed={opened - self.live(now)} msgs/s={200 + derive_seed(now // _MIN) % 180}")

    def oom_kill(self, host: Host, proc: Process, limit_kb: int) -> None:
        """The cgroup hit memory.max: the kernel kills node, systemd notices."""
        now = host.clock.now_ms
        for n, line in enumerate(oom_kernel_lines(proc.pid, proc.rss_kb, proc.uid,
                                                  self.spec.unit, limit_kb)):
            host.kernel_log.append((now + n, line))
        host.journal.add(JournalEntry(now, "systemd", f"{self.spec.unit}: A process of this "
                                      "unit has been killed by the OOM killer.", self.spec.unit,
                                      1, 5))
        key = f"{self.spec.name}.oom_kills"
        kills = host.world.facts.get(key, 0)
        host.world.facts[key] = (kills if isinstance(kills, int) else 0) + 1
        self.oom_killed = proc.oom_killed = True
        host.procs.exit(proc.pid, 128 + Signal.SIGKILL)

    def _journal(self, host: Host, proc: Process, t_ms: int, lines: list[str],
                 priority: int) -> None:
        for line in lines:
            host.journal.add(JournalEntry(t_ms, "node", line, proc.unit, proc.pid, priority))

    # -- HTTP ------------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        path = request.path.split("?", 1)[0]
        now = self._host.clock.now_ms if self._host is not None else self.start_ms
        if path == "/metrics":
            return self._metrics(now)
        if path in ("/health", "/healthz"):
            body = json.dumps({"status": "ok", "connections": self.live(now)},
                              separators=(",", ":")).encode()
            return HttpResponse(200, body, {"Content-Type": "application/json",
                                            "Content-Length": str(len(body))}, "OK")
        if path == "/ws":
            return HttpResponse(426, b"Upgrade Required", {"Content-Type": "text/plain"},
                                "Upgrade Required")
        return HttpResponse(404, b"Not Found", {"Content-Type": "text/plain"}, "Not Found")

    def _metrics(self, now: int) -> HttpResponse:
        name, opened, live = self.spec.name, self.opened(now), self.live(now)
        heap_used = 38_000_000 + (live + self.retained(now)) * _JS_PER_CONNECTION
        lines = [
            "# HELP ws_connections_active Open WebSocket connections",
            "# TYPE ws_connections_active gauge",
            f'ws_connections_active{{service="{name}"}} {live}',
            "# HELP ws_connections_total WebSocket connections accepted",
            "# TYPE ws_connections_total counter",
            f'ws_connections_total{{service="{name}"}} {opened}',
            "# HELP process_resident_memory_bytes Resident memory size in bytes.",
            "# TYPE process_resident_memory_bytes gauge",
            f"process_resident_memory_bytes {self.rss_kb(now) * 1024}",
            "# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.",
            "# TYPE nodejs_heap_size_used_bytes gauge",
            f"nodejs_heap_size_used_bytes {heap_used}",
            "# HELP nodejs_version_info Node.js version info.",
            "# TYPE nodejs_version_info gauge",
            f'nodejs_version_info{{version="{NODE_VERSION}",major="20",minor="11",patch="1"}} 1',
        ]
        data = ("\n".join(lines) + "\n").encode()
        return HttpResponse(200, data, {"Content-Type": "text/plain; version=0.0.4; "
                                        "charset=utf-8", "Content-Length": str(len(data))}, "OK")
