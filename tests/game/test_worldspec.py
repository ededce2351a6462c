"""Building worlds from the world section: determinism, files, services, telemetry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pagerdrill.game.loader import load_scenario, validate_scenario
from pagerdrill.game.programs import LogWriter, unwrap_program
from pagerdrill.world.fs import FileSystem, Inode
from pagerdrill.world.git import find_repository
from pagerdrill.world.process import Signal
from pagerdrill.world.world import World

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL = FIXTURES / "minimal"
HOOKED = FIXTURES / "hooked"
GiB = 1 << 30


def _walk(fs: FileSystem, node: Inode, path: str, out: list[str]) -> None:
    for name, child in sorted(fs.children(node)):
        full = f"{path.rstrip('/')}/{name}"
        if full == "/proc":  # computed live from processes, which are dumped below
            continue
        out.append(f"{full} {child.kind.value} {child.mode:o} {child.uid}:{child.gid} "
                   f"{child.size} {child.usage_bytes} {child.mtime_ms} {child.opaque_bytes}")
        if child.is_dir:
            _walk(fs, child, full, out)


def dump(world: World) -> list[str]:
    """A canonical text dump: fs entries, mounts, processes, services, telemetry, facts."""
    out = [f"clock {world.clock.now_ms} seed {world.seed}"]
    for name, host in sorted(world.hosts.items()):
        out.append(f"host {name} {host.spec}")
        out += [f"mount {m.source} {m.target} {m.size_bytes} {m.used_bytes} {m.used_inodes}"
                for m in host.fs.mounts]
        _walk(host.fs, host.fs.root, "/", out)
        out += [f"proc {p.pid} {p.ppid} {p.user} {p.cmdline} {p.start_ms} {p.rss_kb} {p.tty} "
                f"{sorted((fd, f.path, f.mode) for fd, f in p.fds.items())}" for p in host.procs]
        out += [f"unit {u.name} {u.state} {u.sub_state} {u.main_pid} {u.since_ms} {u.enabled}"
                for u in host.services.units.values()]
        out += [f"listen {port} {listener.pid}" for port, listener in sorted(
            host.listeners.items())]
    out += [f"gauge {name}" for name in world.telemetry.gauges]
    out += [f"alert {a.rule.name} {a.state} {a.fired_at_ms}" for a in
            world.telemetry.alerts.values()]
    out += [f"fact {k} {v!r}" for k, v in sorted(world.facts.items()) if isinstance(v, int | str)]
    return out


@pytest.mark.parametrize("folder", [MINIMAL, HOOKED])
@pytest.mark.parametrize("seed", [0, 1, 7])
def test_build_is_deterministic(folder: Path, seed: int) -> None:
    scenario = load_scenario(folder).for_seed(seed)
    first, second = scenario.build_world(seed), scenario.build_world(seed)
    assert dump(first) == dump(second)
    first.advance(120)
    second.advance(120)
    assert dump(first) == dump(second)
    reloaded = load_scenario(folder, seed)
    assert dump(reloaded.build_world(seed)) == dump(scenario.build_world(seed))


def test_seeds_differ_but_keep_the_canonical_variables() -> None:
    scenario = load_scenario(MINIMAL)
    assert dump(scenario.build_world(0)) != dump(scenario.build_world(1))
    assert scenario.build_world(1).host("web-01") is not None  # the seed-0 names


def test_disk_full_world_matches_the_incident() -> None:
    world = load_scenario(MINIMAL).build_world(0)
    host = world.hosts["web-01"]
    root = host.fs.mounts[0]
    assert (root.source, root.size_bytes) == ("/dev/sda1", 80 * GiB)
    assert root.used_bytes == root.size_bytes  # "size: rest" filled it: 80G 80G 0 100%
    log = host.fs.lookup("/var/log/myapp/app.log")
    assert log.size == 64 * GiB and host.user_name(log.uid) == "www-data"
    assert log.mtime_ms == world.clock.now_ms
    first = next(host.fs.read_stream(log)).split(b"\n", 1)[0].decode()
    assert " DEBUG [" in first and first.startswith("2026-02-25T")  # 64G at 40K/s
    gz = host.fs.lookup("/var/log/myapp/app.log.2.gz")
    assert gz.size == 120 << 20 and gz.mtime_ms == world.clock.now_ms - 9 * 86_400_000
    assert host.fs.lookup("/var/log/myapp").mode == 0o755
    config = host.fs.lookup("/etc/myapp/config.yaml").content
    assert config is not None and config.read().startswith(b"log_level: DEBUG")


def test_services_and_unit_files() -> None:
    world = load_scenario(MINIMAL).build_world(0)
    host = world.hosts["web-01"]
    unit = host.services.find("myapp")
    assert unit.state == "active" and unit.user == "www-data"
    assert unit.since_ms == world.clock.now_ms - 21 * 86_400_000
    text = host.fs.lookup("/etc/systemd/system/myapp.service").content
    assert text is not None and b"ExecStart=/usr/bin/myapp --config /etc/myapp/config.yaml" in \
        text.read()
    assert host.fs.lookup("/etc/systemd/system/multi-user.target.wants/myapp.service",
                          follow=False).target == "/etc/systemd/system/myapp.service"
    proc = host.services.main_process(unit)
    assert proc is not None and proc.rss_kb == 220 * 1024
    assert proc.start_ms == unit.since_ms
    assert isinstance(unwrap_program(proc), LogWriter)
    assert [f.path for f in proc.open_files()] == ["/var/log/myapp/app.log"]
    assert host.procs.get(1) is not None and host.procs.get(1).cmdline == "/sbin/init"  # type: ignore[union-attr]


def test_log_writer_holds_deleted_file_and_reopens_on_hup() -> None:
    world = load_scenario(MINIMAL).build_world(0)
    host = world.hosts["web-01"]
    root = host.fs.mounts[0]
    host.fs.truncate(host.fs.lookup("/var/log/myapp/app.log"), 0)
    world.advance(10)
    log = host.fs.lookup("/var/log/myapp/app.log")
    assert 10 * 40 * 1024 <= log.size <= 11 * 40 * 1024  # the writer goes on at its rate
    used = root.used_bytes
    host.fs.unlink("/var/log/myapp/app.log")
    world.advance(5)
    assert root.used_bytes > used  # rm freed nothing: the app still writes the deleted inode
    unit = host.services.find("myapp")
    assert unit.main_pid is not None
    host.procs.kill(unit.main_pid, Signal.SIGHUP)
    assert host.fs.exists("/var/log/myapp/app.log")
    assert root.used_bytes < used  # the deleted inode was released


def test_full_disk_loses_lines_and_logs_enospc() -> None:
    world = load_scenario(MINIMAL).build_world(0)
    host = world.hosts["web-01"]
    before = host.fs.lookup("/var/log/myapp/app.log").size
    world.advance(3)
    assert host.fs.lookup("/var/log/myapp/app.log").size == before
    assert any("No space left on device" in e.message for e in host.journal.entries)


def test_telemetry_alerts_and_chat() -> None:
    world = load_scenario(MINIMAL).build_world(0)
    telemetry = world.telemetry
    assert "disk_used_percent{host=web-01,mount=/}" in telemetry.gauges
    assert [a.rule.name for a in telemetry.firing()] == ["DiskAlmostFull"]
    world.advance(181)
    assert [m.author for m in telemetry.chat] == ["maya"]
    host = world.hosts["web-01"]
    host.fs.truncate(host.fs.lookup("/var/log/myapp/app.log"), 0)
    world.advance(11)
    assert telemetry.firing() == []
    assert telemetry.chat[-1].text == "disk alert cleared, nice"


def test_hooked_world() -> None:
    world = load_scenario(HOOKED).build_world(0)
    app, db = world.hosts["app-01"], world.hosts["db-01"]
    assert len(app.procs) == 0  # base_processes: false
    assert "10.0.1.11\tapp-01.prod.internal\tapp-01" in (
        db.fs.lookup("/etc/hosts").content.read().decode())  # type: ignore[union-attr]
    assert "deploy:x:1000:1000" in db.fs.lookup("/etc/passwd").content.read().decode()  # type: ignore[union-attr]
    data = db.fs.mounts[1]
    assert (data.target, data.source, data.size_bytes) == ("/data", "/dev/vdb1", 200 * GiB)
    log = db.fs.lookup("/data/exports/worker.log")
    assert log.mount is data and log.size > 0
    conf = db.fs.lookup("/etc/worker.conf")
    assert (conf.mode, db.group_name(conf.gid)) == (0o640, "deploy")
    assert db.fs.lookup("/usr/local/bin/export", follow=False).target == "/opt/worker/bin/export"
    workers = [p for p in db.procs if "export.py" in p.cmdline]
    assert len(workers) == 2 and {p.tty for p in workers} == {"pts/0"}
    assert 9100 in db.listeners
    assert db.services.find("idle").state == "inactive"
    repo = find_repository(db, "/opt/worker")
    assert repo is not None and [c.subject for c in repo.history()] == [
        "Bump threads", "Initial import"]
    assert db.fs.lookup("/opt/worker/conf/threads").content.read() == b"8\n"  # type: ignore[union-attr]
    assert not db.fs.exists("/opt/worker/README")
    assert world.facts["setup_ran"] is True and world.facts["variables"] == {}


def test_rules_run_each_second() -> None:
    world = load_scenario(HOOKED).build_world(0)
    world.advance(20)
    assert (world.facts["queue_depth"], world.facts["drained_to_100"]) == (100, True)
    world.advance(5)
    assert world.facts["queue_depth"] == 95


def test_over_full_disk_is_a_problem(tmp_path: Path,
                                     scenario_copy: Callable[..., Path]) -> None:
    folder = scenario_copy(("{path: /usr, size: 6G", "{path: /usr, size: 60G"))
    problems = validate_scenario(folder)
    assert any(p.startswith("scenario.yaml:35: world.hosts[0].disk: / on web-01 holds ")
               for p in problems), problems
