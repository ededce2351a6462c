"""chronyc: chrony 4.3's reports (layout from its client.c), and 506 without a daemon."""

from __future__ import annotations

import pytest
from tests.toolkit import run_tool

from pagerdrill.tools.chronyc import offset_text
from pagerdrill.world.host import Host
from pagerdrill.world.programs.chrony import Chronyd
from pagerdrill.world.services import Unit

CONF = b"server ntp1.prod.internal iburst\nserver ntp2.prod.internal iburst\nmakestep 1 3\n"


def started(host: Host, offset_ms: float = -312_456.0) -> Chronyd:
    host.fs.put("/etc/chrony/chrony.conf", CONF)
    daemon = Chronyd()
    host.services.add(Unit("chrony", "chrony", ["/usr/sbin/chronyd"],
                           program_factory=lambda: daemon), start=False)
    host.clock_offset_ms, host.clock_drift_ppm = offset_ms, -380.0
    host.services.start("chrony")
    return daemon


@pytest.mark.parametrize("command", ["tracking", "sources", "sourcestats", "makestep"])
def test_no_daemon_no_answer(host: Host, command: str) -> None:
    result = run_tool(host, ["chronyc", command])
    assert (result.out, result.status) == ("506 Cannot talk to daemon\n", 1)


def test_tracking_before_the_first_update_is_unsynchronised(host: Host) -> None:
    started(host)
    out = run_tool(host, ["chronyc", "tracking"]).out
    assert out.startswith("Reference ID    : 00000000 ()\nStratum         : 0\n"
                          "Ref time (UTC)  : Thu Jan 01 00:00:00 1970\n"
                          "System time     : 312.456000000 seconds slow of NTP time\n")
    assert out.endswith("Leap status     : Not synchronised\n")


def test_tracking_once_stepped(host: Host) -> None:
    started(host)
    host.world.advance(8)
    lines = run_tool(host, ["chronyc", "tracking"]).out.splitlines()
    assert lines[0].startswith("Reference ID    : 0A0000") and "(ntp1.prod.internal)" in lines[0]
    assert lines[1] == "Stratum         : 3"
    assert lines[3].startswith("System time     : 0.0000") and "of NTP time" in lines[3]
    assert lines[6] == "Frequency       : 380.000 ppm slow"
    assert lines[-1] == "Leap status     : Normal"
    assert [line[:18] for line in lines] == [
        "Reference ID    : ", "Stratum         : ", "Ref time (UTC)  : ", "System time     : ",
        "Last offset     : ", "RMS offset      : ", "Frequency       : ", "Residual freq   : ",
        "Skew            : ", "Root delay      : ", "Root dispersion : ", "Update interval : ",
        "Leap status     : "]


def test_sources_table(host: Host) -> None:
    started(host)
    host.world.advance(8)
    out = run_tool(host, ["chronyc", "sources"]).out.splitlines()
    assert out[0] == ("MS Name/IP address         Stratum Poll Reach LastRx Last sample      "
                      "         ")
    assert out[1] == "=" * 79
    assert out[2].startswith("^* ntp1.prod.internal" + " " * 12 + "2   1    17     2  ")
    assert out[3].startswith("^+ ntp2.prod.internal ")
    numeric = run_tool(host, ["chronyc", "-n", "sources", "-v"]).out
    assert numeric.startswith("\n  .-- Source mode  '^' = server")
    assert "^* 10.0.0." in numeric


def test_sourcestats_header(host: Host) -> None:
    started(host)
    host.world.advance(8)
    out = run_tool(host, ["chronyc", "sourcestats"]).out.splitlines()
    assert out[0] == ("Name/IP Address            NP  NR  Span  Frequency  Freq Skew  Offset  "
                      "Std Dev")
    assert out[2].startswith("ntp1.prod.internal          4   2")


def test_makestep_needs_root_and_steps(host: Host) -> None:
    started(host)
    host.world.advance(8)
    host.clock_offset_ms = 3_000.0
    assert run_tool(host, ["chronyc", "makestep"], user="nobody").out == "501 Not authorised\n"
    assert run_tool(host, ["chronyc", "makestep"]).out == "200 OK\n"
    assert abs(host.clock_offset_ms) < 1


def test_unknown_command(host: Host) -> None:
    started(host)
    result = run_tool(host, ["chronyc", "frobnicate"])
    assert (result.err, result.status) == ("Unrecognized command\n", 1)


@pytest.mark.parametrize(("seconds", "signed", "text"), [
    (-12e-6, True, "  -12us"), (0.000009552, True, "+9552ns"), (312.456, True, "+312.5s"),
    (-1234.0, True, " -1234s"), (4.2e-4, False, " 420us"), (7e-9, False, "   7ns"),
])
def test_offsets_print_like_chronyc(seconds: float, signed: bool, text: str) -> None:
    assert offset_text(seconds, signed) == text
