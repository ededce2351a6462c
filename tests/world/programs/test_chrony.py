"""chronyd: reads its config, steps a wrong clock within makestep's limit, slews later."""

from __future__ import annotations

import pytest

from pagerdrill.world.host import Host
from pagerdrill.world.programs.app import BOOTING
from pagerdrill.world.programs.chrony import Chronyd, parse_config
from pagerdrill.world.services import Unit

CONF = b"server ntp1.prod.internal iburst\nserver ntp2.prod.internal iburst\nmakestep 1 3\n"


def chrony(host: Host, conf: bytes = CONF) -> Chronyd:
    host.fs.put("/etc/chrony/chrony.conf", conf)
    daemon = Chronyd()
    host.services.add(Unit("chrony", "chrony, an NTP client/server", ["/usr/sbin/chronyd"],
                           program_factory=lambda: daemon), start=False)
    return daemon


def messages(host: Host) -> list[str]:
    return [e.message for e in host.journal.entries if e.ident == "chronyd"]


def test_parse_config_reads_sources_and_makestep() -> None:
    config = parse_config("# comment\npool 2.debian.pool.ntp.org iburst\nmakestep 1.0 3\n"
                          "makestep bogus\nserver ntp1 iburst ! trailing\n")
    assert config.sources == ("2.debian.pool.ntp.org", "ntp1")
    assert (config.makestep_threshold_s, config.makestep_limit) == (1.0, 3)


def test_a_start_steps_a_clock_minutes_off(host: Host) -> None:
    daemon = chrony(host)
    host.clock_offset_ms, host.clock_drift_ppm, host.clock_synchronized = -312_456.0, -380, False
    host.services.start("chrony")
    host.world.advance(3)
    assert abs(host.clock_offset_ms) > 300_000 and not daemon.synchronised
    host.world.advance(5)
    assert abs(host.clock_offset_ms) < 1 and host.clock_synchronized
    log = messages(host)
    assert log[0].startswith("chronyd version 4.3 starting (+CMDMON +NTP")
    assert "Selected source 10.0.0." in log[-3] and "(ntp1.prod.internal)" in log[-3]
    assert log[-2].startswith("System clock wrong by 312.45")
    assert log[-1].startswith("System clock was stepped by 312.45")
    # Disciplined, the 380 ppm error no longer accumulates.
    host.world.advance(3600)
    assert abs(host.clock_offset_ms) < 1


def test_without_makestep_a_big_offset_is_slewed_slowly(host: Host) -> None:
    chrony(host, CONF.replace(b"makestep 1 3\n", b""))
    host.clock_offset_ms = 60_000.0
    host.services.start("chrony")
    host.world.advance(10)
    assert "adjustment started" in messages(host)[-1]
    host.world.advance(100)
    # 83 ms of correction per second at most.
    assert 60_000 - 110 * 84 < host.clock_offset_ms < 60_000 - 100 * 83


def test_stopping_clears_the_sync_flag_and_the_clock_drifts(host: Host) -> None:
    chrony(host)
    host.clock_drift_ppm = 500
    host.services.start("chrony")
    host.world.advance(10)
    host.services.stop("chrony")
    assert not host.clock_synchronized and messages(host)[-1] == "chronyd exiting"
    host.world.advance(1000)
    assert host.clock_offset_ms == pytest.approx(500, abs=2)


def test_makestep_steps_a_late_offset_at_once(host: Host) -> None:
    daemon = chrony(host)
    host.services.start("chrony")
    host.world.advance(10)
    host.clock_offset_ms = 5_000.0
    daemon.makestep()
    assert abs(host.clock_offset_ms) < 1
    assert messages(host)[-1] == "System clock was stepped by -5.000000 seconds"


def test_started_while_the_world_is_built_it_is_settled_and_quiet(host: Host) -> None:
    daemon = chrony(host)
    host.world.facts[BOOTING] = True
    host.clock_offset_ms = 2_000.0
    host.services.start("chrony")
    assert daemon.synchronised and host.clock_synchronized and not messages(host)
    assert abs(host.clock_offset_ms) < 1


def test_the_start_banner_reads_the_drift_file(host: Host) -> None:
    chrony(host)
    host.fs.put("/var/lib/chrony/chrony.drift", b"          -2.514037             0.041225\n")
    host.services.start("chrony")
    assert messages(host)[1].startswith("Frequency -2.514 +/- ")
