"""The WebSocket gateway program: the leak, the OOM kill, heap dumps, signals, history."""

from __future__ import annotations

import json

from tests.world.node.gateway import APP, FIXED_WS, REPO, SPEC, gateway, gateway_host

from pagerdrill.world.network import HttpRequest
from pagerdrill.world.node.reader import parse_snapshot
from pagerdrill.world.process import Signal
from pagerdrill.world.programs.wsgateway import cycle_ms, rss_kb_at

HOUR = 3600


def journal(host: object) -> str:
    return "\n".join(e.message for e in host.journal.entries)  # type: ignore[attr-defined]


def test_a_leaking_gateway_grows_while_connections_stay_flat() -> None:
    host = gateway_host()
    app = gateway(host)
    start_rss, start_live = app.rss_kb(host.clock.now_ms), app.live(host.clock.now_ms)
    host.world.advance(2 * HOUR)
    now = host.clock.now_ms
    assert abs(app.live(now) - start_live) <= 8
    assert app.retained(now) >= 115  # one connection a minute, none freed
    assert app.rss_kb(now) - start_rss > 115 * SPEC.per_connection_kb - 4096


def test_the_fixed_code_stays_flat() -> None:
    host = gateway_host(FIXED_WS)
    app = gateway(host)
    before = app.rss_kb(host.clock.now_ms)
    host.world.advance(2 * HOUR)
    assert not app.leaky and app.retained(host.clock.now_ms) == 0
    assert abs(app.rss_kb(host.clock.now_ms) - before) < 8 * SPEC.per_connection_kb


def test_memory_max_means_an_oom_kill_and_a_restart() -> None:
    host = gateway_host()
    first = gateway(host)
    pid = host.services.find("gw").main_pid
    host.world.advance(cycle_ms(SPEC) / 1000 + 30)
    assert any("Memory cgroup out of memory: Killed process" in m for _, m in host.kernel_log)
    assert "gw.service: A process of this unit has been killed by the OOM killer." in journal(host)
    assert first.oom_killed and not host.world.facts.get("gateway_sigkilled")
    # systemd 252's own words for a unit whose process the OOM killer took
    assert "gw.service: Main process exited, code=killed, status=9/KILL\n" \
        "gw.service: Failed with result 'oom-kill'." in journal(host)
    unit = host.services.find("gw")
    assert unit.main_pid not in (None, pid) and unit.restarts == 1
    assert gateway(host).rss_kb(host.clock.now_ms) < 230 * 1024


def test_the_maxlisteners_warning_comes_once_per_process() -> None:
    host = gateway_host()
    host.world.advance(120)
    text = journal(host)
    assert text.count("MaxListenersExceededWarning: Possible EventEmitter memory leak "
                      "detected. 11 SIGTERM listeners added to [process]. Use "
                      "emitter.setMaxListeners() to increase limit") == 1


def test_a_fatal_warning_handler_crash_loops_with_many_listeners() -> None:
    app = APP + "process.on('warning', (w) => { console.error(w); process.exit(1); });\n"
    host = gateway_host(FIXED_WS, app)
    host.world.advance(3)
    assert "fatal process warning" in journal(host)
    assert host.services.find("gw").last_exit_status == 1


def test_sigusr2_writes_a_heap_snapshot_in_the_working_directory() -> None:
    host = gateway_host()
    host.world.advance(600)
    proc = host.procs.get(host.services.find("gw").main_pid or 0)
    assert proc is not None
    host.procs.kill(proc.pid, Signal.SIGUSR2)
    assert host.procs.get(proc.pid) is proc  # handled, still running
    names = [n for n in host.fs.listdir(host.fs.lookup(REPO)) if n.endswith(".heapsnapshot")]
    assert names == [f"Heap.20260317.031700.{proc.pid}.0.001.heapsnapshot"]
    inode = host.fs.lookup(f"{REPO}/{names[0]}")
    assert inode.mode & 0o777 == 0o600
    snapshot = parse_snapshot(b"".join(host.fs.read_stream(inode)))
    sockets = sum(1 for n in snapshot.names if n == "Socket")
    assert sockets == gateway(host).live(host.clock.now_ms) + gateway(host).retained(
        host.clock.now_ms)
    assert f"heap snapshot written to {names[0]}" in journal(host)


def test_without_a_handler_sigusr2_kills_node() -> None:
    host = gateway_host(app="server.listen(8080);\n")
    pid = host.services.find("gw").main_pid or 0
    host.procs.kill(pid, Signal.SIGUSR2)
    assert host.procs.get(pid) is None


def test_sigusr1_opens_the_inspector() -> None:
    host = gateway_host()
    pid = host.services.find("gw").main_pid or 0
    host.procs.kill(pid, Signal.SIGUSR1)
    assert "Debugger listening on ws://127.0.0.1:9229/" in journal(host)
    assert host.listeners[9229].pid == pid


def test_a_syntax_error_keeps_it_from_starting() -> None:
    host = gateway_host(FIXED_WS.replace("});\n}", "});\n"))
    host.world.advance(2)
    assert "SyntaxError: Unexpected end of input" in journal(host)


def test_metrics_and_health() -> None:
    host = gateway_host()
    listener = host.listeners[8080]
    assert listener.handler is not None
    metrics = listener.handler(HttpRequest("GET", "/metrics", "localhost")).body.decode()
    assert 'ws_connections_active{service="gw"} ' in metrics
    assert "process_resident_memory_bytes " in metrics
    health = json.loads(listener.handler(HttpRequest("GET", "/health", "localhost")).body)
    assert health["status"] == "ok" and health["connections"] > 30


def test_rss_history_is_a_saw() -> None:
    start = 100 * 86_400_000
    period = cycle_ms(SPEC)
    fresh = rss_kb_at(SPEC, start, start)
    before_kill = rss_kb_at(SPEC, start, start - 6_000)
    a_cycle_earlier = rss_kb_at(SPEC, start, start - period - 5_000)
    assert fresh < 210 * 1024 < 590 * 1024 < before_kill <= SPEC.memory_max_kb
    assert abs(a_cycle_earlier - fresh) < 4096
    assert rss_kb_at(SPEC, start, start - 3_600_000) == rss_kb_at(SPEC, start,
                                                                  start - 3_600_000)
