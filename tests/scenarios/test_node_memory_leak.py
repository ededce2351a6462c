"""The node-memory-leak scenario: valid, solvable on every seed, its traps and wrong paths."""

from __future__ import annotations

import itertools

from tests.scenarios import kit
from tests.scenarios.kit import output

from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import run_script
from pagerdrill.game.session import Session

FOLDER = kit.folder("node-memory-leak")
SEEDS = range(6)
RSS = "curl -s localhost:8080/metrics | grep -E '^(ws_connections_active|process_resident)'"

scenario = kit.scenario_fixture(FOLDER)
test_validates = kit.validates_test(FOLDER)


def resident_mb(session: Session) -> float:
    text = output(session, "curl -s localhost:8080/metrics | grep ^process_resident")
    return int(text.split()[-1]) / 1024 / 1024


def test_canonical_seed_is_the_seed_story(scenario: Scenario) -> None:
    kit.assert_candidates_and_hints(scenario)
    assert scenario.debrief.takeaway.startswith(
        "Memory leaks in Node.js are almost always about retaining references longer than "
        "necessary. Event listeners are the most common culprit. Take "
        "MaxListenersExceededWarning seriously - it is not noise.")
    session = Session(scenario, 0)
    status = output(session, "systemctl status ws-gateway")
    assert "Active: active (running)" in status and "/usr/bin/node /srv/ws-gateway/app.js" in status
    assert 550 < resident_mb(session) < 600
    kernel = output(session, "journalctl -k --no-pager")
    assert kernel.count("Memory cgroup out of memory: Killed process") >= 5  # ~daily since GW-142
    warning = output(session, "journalctl -u ws-gateway --no-pager | grep MaxListeners")
    assert ("MaxListenersExceededWarning: Possible EventEmitter memory leak detected. 11 SIGTERM "
            "listeners added to [process]. Use emitter.setMaxListeners() to increase limit") \
        in warning
    assert "Failed with result 'oom-kill'" in output(session, "journalctl -u ws-gateway "
                                                     "--no-pager | grep oom-kill | tail -n 1")
    live = output(session, RSS)
    assert 'ws_connections_active{service="ws-gateway"} 4' in live
    history = output(session, "git -C /srv/ws-gateway log -p -n 1 -- src/ws.js")
    assert "+  process.on('SIGTERM', () => {" in history and "removeListener" not in history


def test_heap_snapshots_show_sockets_far_past_the_live_count(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["cd /srv/ws-gateway", "kill -USR2 $(pidof node)",
                                       "sleep 300", "kill -USR2 $(pidof node)"])
    listing = output(session, "ls *.heapsnapshot")
    assert listing.count(".heapsnapshot") == 2 and "Heap.20260520." in listing
    shapes = output(session, "npx memlab analyze unbound-shape --snapshot-dir .")
    sockets = next(line for line in shapes.splitlines() if line.startswith("· Socket: "))
    count = int(sockets.split(" > ")[1].split()[0])
    assert count > 1000  # ~50 connections are open
    trace = output(session, "npx memlab trace --snapshot $(ls *.heapsnapshot | tail -n 1) "
                            "--node-id=@40007")
    assert "--process_object (internal)--->  [process]" in trace
    assert "--SIGTERM (property)--->  [Array]" in trace
    assert "--socket (variable)--->  [WebSocket]" in trace


test_the_solution_resolves_every_seed = kit.solution_test(
    FOLDER, SEEDS, ["restart", "listener", "early-warning"])


def test_the_fix_holds_memory_flat(scenario: Scenario) -> None:
    solution = scenario.solution
    deploy = max(i for i, line in enumerate(solution) if line.startswith("systemctl restart"))
    session = run_script(scenario, 0, solution[:deploy + 1])
    before = resident_mb(session)
    for _ in range(3):
        session.submit("sleep 600")
    assert abs(resident_mb(session) - before) < 6  # a leaking process gains ~11 MB by then
    assert session.outcome.value == "resolved"


def test_restart_only_creeps_again(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["systemctl restart ws-gateway", "sleep 60"])
    after_restart = resident_mb(session)
    assert after_restart < 230
    for _ in range(3):
        session.submit("sleep 600")
    assert resident_mb(session) > after_restart + 8  # ~1 connection a minute, ~345 KB each
    assert session.outcome.value == "mitigated"


test_wrong_paths_reach_their_outcome = kit.wrong_paths_test(
    FOLDER, [0, 4], ["restart-only", "raise-memory-limit", "silence-warning"])


def test_raising_the_limit_is_a_trap(scenario: Scenario) -> None:
    session = run_script(scenario, 0, scenario.wrong_paths["raise-memory-limit"])
    assert kit.trap_ids(session) == {"raise-memory-limit"}


def test_max_old_space_size_is_a_trap(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "sed -i 's|^ExecStart=/usr/bin/node |&--max-old-space-size=4096 |' "
        "/etc/systemd/system/ws-gateway.service",
        "systemctl daemon-reload", "systemctl restart ws-gateway", "sleep 5"])
    assert kit.trap_ids(session) == {"max-old-space"}


def test_kill_9_is_a_trap_and_systemd_restarts_it(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["kill -9 $(pidof node)", "sleep 10"])
    assert kit.trap_ids(session) == {"kill-9"}
    assert "Active: active (running)" in output(session, "systemctl status ws-gateway")


def test_node_inspect_and_clinic_as_the_seed_shows(scenario: Scenario) -> None:
    session = run_script(scenario, 0, ["cd /srv/ws-gateway"])
    inspect = output(session, "node --inspect app.js")
    assert inspect.startswith("Debugger listening on ws://127.0.0.1:9229/")
    assert "Error: listen EADDRINUSE: address already in use :::8080" in inspect
    session.submit("systemctl stop ws-gateway")
    clinic = output(session, "npx clinic heapprofiler -- node app.js")
    assert clinic.startswith("To generate the report press: Ctrl + C\n")
    assert "Generated HTML file is .clinic/" in clinic


def test_a_fatal_warning_handler_crash_loops(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "cd /srv/ws-gateway",
        "printf '%s\\n' \"process.on('warning', (w) => { console.error(w); process.exit(1); });\""
        " >> app.js",
        "systemctl restart ws-gateway", "sleep 30"])
    journal = output(session, "journalctl -u ws-gateway -n 40 --no-pager")
    assert "fatal process warning: MaxListenersExceededWarning" in journal
    assert "restart counter is at" in journal


def test_rss_history_before_the_page_is_a_saw(scenario: Scenario) -> None:
    """What a dashboard backfill reads: the climb since the last OOM kill, and the one before."""
    hooks = kit.hooks(FOLDER)
    session = Session(scenario, 0)
    world = session.world
    now = world.clock.now_ms
    assert abs(hooks.rss_mb_at(world, now) - hooks.rss_mb(world)) < 3
    start = world.facts["gateway_start_ms"]
    assert isinstance(start, int)
    assert 190 < hooks.rss_mb_at(world, start + 60_000) < 230
    assert 590 < hooks.rss_mb_at(world, start - 30_000) <= 600
    eighteen_hours = [hooks.rss_mb_at(world, now - h * 3_600_000) for h in range(18, -1, -1)]
    drops = sum(1 for a, b in itertools.pairwise(eighteen_hours) if b < a - 100)
    assert drops == 1  # one OOM kill in the last 18 hours


def test_one_shutdown_handler_for_all_sockets_also_resolves(scenario: Scenario) -> None:
    """No per-connection listener at all (close wss.clients in the one shutdown handler)."""
    session = run_script(scenario, 0, [
        "cd /srv/ws-gateway",
        "sed -i -e '/GW-142/d' -e \"/process.on('SIGTERM'/,+2d\" src/ws.js",
        "git commit -am 'Close clients from the shutdown handler instead'",
        "systemctl restart ws-gateway", "sleep 5"])
    assert "process.on" not in output(session, "cat src/ws.js")
    assert [o.met for o in session.objectives][:2] == [True, True]


def test_an_alerting_warning_handler_counts_as_prevention(scenario: Scenario) -> None:
    session = run_script(scenario, 0, [
        "cd /srv/ws-gateway",
        "printf '%s\\n' \"process.on('warning', (w) => { if (w.name === "
        "'MaxListenersExceededWarning') alerts.page(w.message); });\" >> app.js",
        "systemctl restart ws-gateway", "sleep 30"])
    assert [o.met for o in session.objectives] == [True, False, True]
    assert "Active: active (running)" in output(session, "systemctl status ws-gateway")
