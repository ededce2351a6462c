"""timedatectl: systemd 252's status table and properties, from the host's own clock.

The real binary is here but cannot talk to timedated without systemd as PID 1, so the
layout is checked against systemd's print_status_info (a vertical table, field names
right-aligned); the option errors, which need no bus, are compared with the real one."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from tests.toolkit import run_tool

from pagerdrill.world.host import Host
from pagerdrill.world.services import Unit


def with_chrony(host: Host, active: bool) -> Unit:
    unit = host.services.add(Unit("chrony", "chrony, an NTP client/server",
                                  ["/usr/sbin/chronyd"], enabled=active), start=active)
    host.clock_synchronized = active
    return unit


def test_status_of_a_synchronised_host(prod: Host) -> None:
    with_chrony(prod, True)
    assert run_tool(prod, ["timedatectl"]).out == (
        "               Local time: Tue 2026-03-17 03:07:00 UTC\n"
        "           Universal time: Tue 2026-03-17 03:07:00 UTC\n"
        "                 RTC time: Tue 2026-03-17 03:07:00\n"
        "                Time zone: Etc/UTC (UTC, +0000)\n"
        "System clock synchronized: yes\n"
        "              NTP service: active\n"
        "          RTC in local TZ: no\n")


def test_status_of_a_skewed_host_with_its_daemon_stopped(prod: Host) -> None:
    with_chrony(prod, False)
    prod.clock_offset_ms = -312_400.0
    out = run_tool(prod, ["timedatectl", "status"]).out
    assert "Local time: Tue 2026-03-17 03:01:47 UTC\n" in out
    assert "System clock synchronized: no\n" in out and "NTP service: inactive\n" in out


def test_without_a_time_daemon_ntp_is_not_applicable(prod: Host) -> None:
    assert "              NTP service: n/a\n" in run_tool(prod, ["timedatectl"]).out


def test_show_and_its_property_filter(prod: Host) -> None:
    with_chrony(prod, False)
    prod.clock_synchronized = False
    assert run_tool(prod, ["timedatectl", "show"]).out == (
        "Timezone=Etc/UTC\nLocalRTC=no\nCanNTP=yes\nNTP=no\nNTPSynchronized=no\n"
        "TimeUSec=Tue 2026-03-17 03:07:00 UTC\nRTCTimeUSec=Tue 2026-03-17 03:07:00 UTC\n")
    result = run_tool(prod, ["timedatectl", "show", "-p", "NTPSynchronized", "--value"])
    assert result.out == "no\n"


def test_set_ntp_true_enables_and_starts_the_daemon(prod: Host) -> None:
    unit = with_chrony(prod, False)
    assert run_tool(prod, ["timedatectl", "set-ntp", "true"]).status == 0
    assert unit.state == "active" and unit.enabled
    assert run_tool(prod, ["timedatectl", "set-ntp", "off"]).status == 0
    assert unit.state == "inactive" and not unit.enabled


@pytest.mark.parametrize(("argv", "err"), [
    (["set-ntp", "maybe"], "Failed to parse NTP setting 'maybe': Invalid argument\n"),
    (["set-ntp"], "Too few arguments.\n"),
    (["status", "extra"], "Too many arguments.\n"),
    (["frobnicate"], "Unknown command verb frobnicate.\n"),
    (["set-time", "garbage"], "Failed to parse time specification 'garbage': Invalid argument\n"),
])
def test_errors(prod: Host, argv: list[str], err: str) -> None:
    result = run_tool(prod, ["timedatectl", *argv])
    assert (result.err, result.status) == (err, 1)


def test_set_time_is_refused_while_ntp_runs_and_needs_root(prod: Host) -> None:
    with_chrony(prod, True)
    result = run_tool(prod, ["timedatectl", "set-time", "2026-03-17 03:00:00"])
    assert result.err == "Failed to set time: Automatic time synchronization is enabled\n"
    prod.services.stop("chrony")
    result = run_tool(prod, ["timedatectl", "set-time", "03:00:00"], user="nobody")
    assert result.err == "Failed to set time: Access denied\n"
    assert run_tool(prod, ["timedatectl", "set-time", "2026-03-17 03:00:00"]).status == 0
    assert prod.now_ms() == prod.world.clock.now_ms - 7 * 60_000


@pytest.mark.skipif(shutil.which("timedatectl") is None, reason="no real timedatectl here")
def test_an_unknown_option_fails_like_the_real_one(prod: Host) -> None:
    real = subprocess.run(["timedatectl", "-x"], capture_output=True, text=True, check=False)
    ours = run_tool(prod, ["timedatectl", "-x"])
    assert (ours.err, ours.status) == (real.stderr, real.returncode)
