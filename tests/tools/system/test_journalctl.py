"""journalctl: unit filters, line counts, time windows, priorities, formats, follow."""

from __future__ import annotations

from tests.toolkit import run_tool

from pagerdrill.world.host import Host
from pagerdrill.world.services import JournalEntry


def test_unit_last_lines(prod: Host) -> None:
    assert run_tool(prod, ["journalctl", "-u", "myapp", "-n", "2", "--no-pager"]).out == (
        "Mar 17 03:05:00 web-01 node[2143]: Error: ENOSPC: no space left on device, write\n"
        "Mar 17 03:06:00 web-01 node[2143]: request failed status=500\n")


def test_lines_without_number_means_ten(prod: Host) -> None:
    assert len(run_tool(prod, ["journalctl", "-n"]).out.splitlines()) == 5


def test_priority_and_since(prod: Host) -> None:
    out = run_tool(prod, ["journalctl", "-p", "err", "--since", "4 min ago"]).out
    assert out == ("Mar 17 03:04:00 web-01 node[2143]: Error: ENOSPC: no space left on device,"
                   " write\n" * 1 + "Mar 17 03:05:00 web-01 node[2143]: Error: ENOSPC: no space"
                   " left on device, write\n")
    assert run_tool(prod, ["journalctl", "-p", "warning", "-o", "cat"]).out.count("\n") == 3


def test_absolute_window(prod: Host) -> None:
    out = run_tool(prod, ["journalctl", "--since", "2026-03-17 03:03", "--until",
                          "2026-03-17 03:04:30", "-o", "short-iso"]).out
    assert out == ("2026-03-17T03:03:00+0000 web-01 node[2143]: DEBUG handling GET /api/orders\n"
                   "2026-03-17T03:04:00+0000 web-01 node[2143]: Error: ENOSPC: no space left on"
                   " device, write\n")


def test_no_entries_and_bad_input(prod: Host) -> None:
    assert run_tool(prod, ["journalctl", "-u", "nope"]).out == "-- No entries --\n"
    bad = run_tool(prod, ["journalctl", "--since", "garbage"])
    assert (bad.err, bad.status) == ("Failed to parse timestamp: garbage\n", 1)
    assert run_tool(prod, ["journalctl", "-p", "loud"]).err == "Unknown log level loud\n"
    assert run_tool(prod, ["journalctl", "-o", "xml"]).err == "Unknown output format 'xml'.\n"
    assert run_tool(prod, ["journalctl", "--bogus"]).err == (
        "journalctl: unrecognized option '--bogus'\n")


def test_json_output(prod: Host) -> None:
    line = run_tool(prod, ["journalctl", "-n", "1", "-o", "json"]).out
    assert line.startswith('{"__REALTIME_TIMESTAMP":"1773716760000000","_HOSTNAME":"web-01",')
    assert '"_SYSTEMD_UNIT":"myapp.service"' in line


def test_follow_advances_the_world(prod: Host) -> None:
    before = prod.clock.now_ms
    out = run_tool(prod, ["journalctl", "-u", "myapp", "-f", "-n", "0"]).out
    assert prod.clock.now_ms - before == 10_000
    assert out.splitlines()[0] == "Mar 17 03:07:01 web-01 node[2143]: tick"
    assert len(out.splitlines()) == 10


def test_boot_separator_and_kernel(prod: Host) -> None:
    prod.journal.add(JournalEntry(prod.boot_ms - 60_000, "systemd", "Shutting down."))
    prod.journal.sort_by_time()  # history written after the fact, as scenarios sort it
    prod.kernel_log.append((prod.clock.now_ms - 30_000, "Out of memory: Killed process 9"))
    out = run_tool(prod, ["journalctl", "-o", "short"]).out.splitlines()
    assert out[0] == "Feb 03 23:49:00 web-01 systemd: Shutting down."
    assert out[1].startswith("-- Boot ") and out[1].endswith(" --")
    assert run_tool(prod, ["journalctl", "-k"]).out == (
        "Mar 17 03:06:30 web-01 kernel: Out of memory: Killed process 9\n")


def test_unprivileged_user_gets_the_hint(prod: Host) -> None:
    result = run_tool(prod, ["journalctl", "-u", "myapp"], user="www-data")
    assert result.err.startswith("Hint: You are currently not seeing messages from other users")
    assert result.out == "-- No entries --\n"


def test_a_clock_stepped_back_keeps_write_order(host: Host) -> None:
    # journald shows one machine's entries in the order they were written (by seqnum),
    # even when the clock jumped back between them; kernel lines merge in by time.
    for t_ms, message in ((1_000_000, "before the step"), (1_400_000, "clock ahead"),
                          (1_200_000, "after chronyd stepped the clock back")):
        host.journal.add(JournalEntry(t_ms, "chronyd", message, "chrony.service", 7))
    host.kernel_log.append((1_500_000, "e1000e: eth0 NIC Link is Up"))
    out = run_tool(host, ["journalctl", "-o", "cat", "--no-pager"]).out
    assert out.splitlines() == ["before the step", "clock ahead",
                                "after chronyd stepped the clock back",
                                "e1000e: eth0 NIC Link is Up"]
