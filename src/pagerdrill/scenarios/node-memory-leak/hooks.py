"""Hooks for the node-memory-leak scenario: the gateway program, its history, the checks.

The YAML declares the host, the unit (MemoryMax=600M), the app's repository with
the leaky commit (GW-142) and the Prometheus rules. ``setup`` does what data
cannot: the gateway takes over its process as it was checked out, and the
journal and kernel log get the last days of the saw (a MaxListenersExceeded
warning after every start, OOM kills about every 18 hours, systemd restarts).
"""

from __future__ import annotations

import re

from pagerdrill.game.hookkit import read_text, scenario_vars, variable_host
from pagerdrill.game.programs import unwrap_program
from pagerdrill.world.git import find_repository
from pagerdrill.world.host import Host
from pagerdrill.world.node.jsscan import sigterm_leak
from pagerdrill.world.node.runtime import max_old_space_mb
from pagerdrill.world.process import Process, Program
from pagerdrill.world.programs import BOOTING
from pagerdrill.world.programs.wsgateway import (
    WsGateway,
    WsGatewaySpec,
    cycle_ms,
    live_at,
    max_listeners_lines,
    oom_kernel_lines,
    rss_kb_at,
)
from pagerdrill.world.prometheus import alerting_rules
from pagerdrill.world.services import JournalEntry
from pagerdrill.world.world import World

__all__ = [
    "Gateway",
    "fix_deployed",
    "growth_caught",
    "live_connections",
    "live_connections_at",
    "memory_limit_raised",
    "memory_near_baseline",
    "old_space_flag",
    "rss_mb",
    "rss_mb_at",
    "setup",
]

_MIN = 60_000
BASELINE_LIMIT_MB = 350  # mitigated: resident memory back under this
_GROWTH = re.compile(r"\b(deriv|predict_linear|delta|idelta|increase|rate|irate)\s*\(")
_MEMORY = re.compile(r"process_resident_memory_bytes|nodejs_heap_size_used_bytes|"
                     r"container_memory_(?:working_set|rss|usage)_bytes|memory")


# -- the program --------------------------------------------------------------------------


def Gateway(name: str, repo: str, live: int = 48, churn_x10: int = 11) -> Program:
    """``{{ app }}.service``: node app.js from the repository's working tree."""
    return WsGateway(WsGatewaySpec(name=name, repo=repo, live_target=int(live),
                                   churn_per_min=int(churn_x10) / 10))


def _host(world: World) -> Host:
    return variable_host(world, "host", "ws-01")


def _app(world: World) -> str:
    return str(scenario_vars(world).get("app", "ws-gateway"))


def _running(world: World) -> tuple[WsGateway, Process] | None:
    host = _host(world)
    unit = host.services.units.get(f"{_app(world)}.service")
    proc = host.services.main_process(unit) if unit is not None else None
    program = unwrap_program(proc) if proc is not None else None
    if proc is None or not isinstance(program, WsGateway) or program.problem:
        return None
    return program, proc


# -- probes ----------------------------------------------------------------------------------


def rss_mb(world: World) -> float:
    running = _running(world)
    return round(running[1].rss_kb / 1024, 1) if running is not None else 0.0


def live_connections(world: World) -> float:
    running = _running(world)
    return float(running[0].live(world.clock.now_ms)) if running is not None else 0.0


def rss_mb_at(world: World, t_ms: int) -> float:
    """The RSS gauge at any instant before now (for dashboards' history): the leaking
    gateway's saw as a pure function of time, anchored on the process running at the page."""
    running = _running(world)
    if running is None:
        return 0.0
    gateway, proc = running
    anchor = world.facts.get("gateway_start_ms")
    start = anchor if isinstance(anchor, int) else proc.start_ms
    return round(rss_kb_at(gateway.spec, start, t_ms) / 1024, 1)


def live_connections_at(world: World, t_ms: int) -> float:
    """Open connections at any instant before now: flat, give or take a few."""
    running = _running(world)
    return float(live_at(running[0].spec, t_ms)) if running is not None else 0.0


# -- objectives and traps ----------------------------------------------------------------------


def memory_near_baseline(world: World) -> bool:
    """The gateway serves, and its resident memory is back near where a fresh process starts."""
    running = _running(world)
    return running is not None and running[1].rss_kb < BASELINE_LIMIT_MB * 1024


def fix_deployed(world: World) -> bool:
    """The running process removes its listeners on close, and the fix is committed."""
    running = _running(world)
    if running is None or running[0].leaky:
        return False
    gateway = running[0]
    repo = find_repository(_host(world), gateway.spec.repo)
    if repo is None:
        return False
    head = repo.head_files().get(gateway.spec.ws_rel)
    return head is not None and not sigterm_leak(head.decode(errors="replace")).leaky


def _growth_rule(text: str | None) -> bool:
    return any(_GROWTH.search(rule.expr) and _MEMORY.search(rule.expr)
               for rule in alerting_rules(text or ""))


def growth_caught(world: World) -> bool:
    """An alert on memory growth, or the running app treats the listener warning as an error."""
    text = read_text(_host(world), f"/etc/prometheus/rules/{_app(world)}.yml")
    if _growth_rule(text):
        return True
    running = _running(world)
    return running is not None and running[0].has_warning_handler


def memory_limit_raised(world: World) -> bool:
    running = _running(world)
    if running is None:
        return False
    limit = running[0].memory_limit_kb
    return limit is None or limit > running[0].spec.memory_max_kb


def old_space_flag(world: World) -> bool:
    running = _running(world)
    return running is not None and max_old_space_mb(running[0].unit.node_flags) is not None


# -- building the history ------------------------------------------------------------------------


def _journal(host: Host, unit: str, pid: int, t_ms: int, lines: list[str],
             priority: int, ident: str = "node") -> None:
    for line in lines:
        host.journal.add(JournalEntry(t_ms, ident, line, unit, pid, priority))


_NOISE = (
    (6, "[auth] JWKS refreshed from https://auth.internal/.well-known/jwks.json (3 keys)"),
    (4, "[ws] client {ip} closed with 1006 (abnormal closure) after {n}s"),
    (4, "[ws] rejected upgrade from {ip}: token expired"),
    (6, "[pubsub] redis subscriber reconnected (channel events:*), replayed {n} messages"),
    (6, "[ws] heartbeat: terminated {k} connections that missed 2 pings"),
)


def _noise(world: World, host: Host, unit: str, pid: int, start: int, end: int) -> None:
    """What buries the warning: routine lines every few minutes since the start."""
    rng = world.rng.child("node-memory-leak", "noise")
    t = start + rng.randint(60_000, 300_000)
    while t < end:
        priority, template = _NOISE[rng.randrange(len(_NOISE))]
        ip = f"10.{rng.randint(20, 90)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"
        line = template.format(ip=ip, n=rng.randint(3, 4000), k=rng.randint(1, 4))
        _journal(host, unit, pid, t, [line], priority)
        t += rng.randint(4 * _MIN, 12 * _MIN)


def _history(world: World, host: Host, gateway: WsGateway, proc: Process) -> None:
    """The saw since GW-142: start, warning, steady climb, OOM kill, restart - repeated."""
    spec = gateway.spec
    unit = spec.unit
    commit_days = int(scenario_vars(world).get("commit_days", 9))
    page = world.clock.now_ms
    deployed = page - commit_days * 86_400_000
    period = cycle_ms(spec) + 5_000
    starts = [proc.start_ms]
    while starts[-1] - period > deployed:
        starts.append(starts[-1] - period)
    starts.reverse()
    pid = max(2, proc.pid - 19 * len(starts))
    for n, start in enumerate(starts):
        current = start == proc.start_ms
        this_pid = proc.pid if current else pid
        label = f"{unit} - {spec.name} WebSocket gateway (Node.js)"
        if n == 0:
            _journal(host, unit, 1, start - 1_200, [f"Stopping {label}..."], 6, "systemd")
            _journal(host, unit, 1, start - 200, [f"{unit}: Deactivated successfully.",
                                                  f"Stopped {label}.",
                                                  f"Started {label}."], 6, "systemd")
        banner = gateway.startup_lines(this_pid)
        _journal(host, unit, this_pid, start + 400, banner[:2], 4)
        _journal(host, unit, this_pid, start + 400, banner[2:], 6)
        _journal(host, unit, this_pid, start + 9_000, max_listeners_lines(this_pid), 4)
        end = page if current else start + period - 5_000
        t = start + 30 * _MIN
        while t < end:
            gateway.start_ms = start
            _journal(host, unit, this_pid, t, [gateway.stats_line(t)], 6)
            t += 30 * _MIN
        if current:
            _noise(world, host, unit, this_pid, start, end)
        if current:
            break
        rss = rss_kb_at(spec, proc.start_ms, end - 1)
        for k, line in enumerate(oom_kernel_lines(this_pid, rss, proc.uid, unit,
                                                  spec.memory_max_kb)):
            host.kernel_log.append((end + k, line))
        _journal(host, unit, 1, end, [
            f"{unit}: A process of this unit has been killed by the OOM killer."], 5, "systemd")
        _journal(host, unit, 1, end + 10, [
            f"{unit}: Main process exited, code=killed, status=9/KILL"], 5, "systemd")
        _journal(host, unit, 1, end + 11, [f"{unit}: Failed with result 'oom-kill'."], 4,
                 "systemd")
        restart = end + 5_000
        _journal(host, unit, 1, restart, [
            f"{unit}: Scheduled restart job, restart counter is at {n + 1}.",
            f"Stopped {label}.", f"Started {label}."], 6, "systemd")
        pid += 19
    gateway.start_ms = proc.start_ms
    unit_state = host.services.units[unit]
    unit_state.restarts = len(starts) - 1
    host.journal.sort_by_time()


def setup(world: World) -> None:
    """The gateway takes over its process, then the journal and kernel log get its history."""
    host = _host(world)
    unit = host.services.units[f"{_app(world)}.service"]
    proc = host.services.main_process(unit)
    assert proc is not None
    gateway = unwrap_program(proc)
    assert isinstance(gateway, WsGateway)
    # The page comes late in the process's life: age_pct of the way to its OOM kill.
    # The next OOM kill stays past the drill's 45 minutes, so it cannot "mitigate" by itself.
    cycle = cycle_ms(gateway.spec)
    age = min(cycle * int(scenario_vars(world).get("age_pct", 92)) // 100, cycle - 75 * _MIN)
    proc.start_ms = unit.since_ms = world.clock.now_ms - age // 1000 * 1000
    gateway.resume(host, proc)  # the repository was checked out after the service started
    world.facts["gateway_start_ms"] = proc.start_ms
    assert not gateway.problem and gateway.leaky, gateway.problem
    _history(world, host, gateway, proc)
    host.load = (0.42, 0.39, 0.37)
    world.facts[BOOTING] = False
