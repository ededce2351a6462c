"""systemctl: the status block, unit verbs and their errors, unit listings."""

from __future__ import annotations

from tests.toolkit import run_tool

from pagerdrill.world.host import Host

from .conftest import RecordingProgram

STATUS = """\
● myapp.service - My App
     Loaded: loaded (/etc/systemd/system/myapp.service; enabled; preset: enabled)
     Active: active (running) since Tue 2026-03-17 02:10:51 UTC; 56min ago
   Main PID: 2143 (node)
      Tasks: 11 (limit: 19660)
     Memory: 402.3M
        CPU: 1min 41.070s
     CGroup: /system.slice/myapp.service
             └─2143 /usr/bin/node /opt/myapp/server.js

Mar 17 03:02:00 web-01 node[2143]: Server listening on :8080
Mar 17 03:03:00 web-01 node[2143]: DEBUG handling GET /api/orders
Mar 17 03:04:00 web-01 node[2143]: Error: ENOSPC: no space left on device, write
Mar 17 03:05:00 web-01 node[2143]: Error: ENOSPC: no space left on device, write
Mar 17 03:06:00 web-01 node[2143]: request failed status=500
"""


def test_status_block(prod: Host) -> None:
    result = run_tool(prod, ["systemctl", "status", "myapp", "--no-pager"])
    assert (result.out, result.status) == (STATUS, 0)


def test_status_lines_option(prod: Host) -> None:
    out = run_tool(prod, ["systemctl", "status", "myapp.service", "-n", "2"]).out
    assert out.endswith("write\nMar 17 03:06:00 web-01 node[2143]: request failed status=500\n")
    assert out.count("web-01 node") == 2


def test_stop_then_status_shows_how_it_ended(prod: Host) -> None:
    assert run_tool(prod, ["systemctl", "stop", "myapp"]).status == 0
    result = run_tool(prod, ["systemctl", "status", "myapp"])
    assert result.status == 3
    lines = result.out.splitlines()
    assert lines[0] == "○ myapp.service - My App"
    assert lines[2] == "     Active: inactive (dead) since Tue 2026-03-17 03:07:00 UTC; now"
    assert lines[3] == ("    Process: 2143 ExecStart=/usr/bin/node /opt/myapp/server.js "
                        "(code=killed, signal=TERM)")
    assert lines[4] == "   Main PID: 2143 (code=killed, signal=TERM)"
    assert lines[-1] == "Mar 17 03:07:00 web-01 systemd[1]: Stopped myapp.service - My App."


def test_restart_gives_a_new_pid(prod: Host) -> None:
    assert run_tool(prod, ["systemctl", "restart", "myapp"]).status == 0
    assert "   Main PID: 2144 (node)" in run_tool(prod, ["systemctl", "status", "myapp"]).out


def test_reload_sends_sighup_to_the_program(prod: Host, program: RecordingProgram) -> None:
    assert run_tool(prod, ["systemctl", "reload", "myapp"]).status == 0
    assert program.caught[-1].name == "SIGHUP"


def test_unknown_units(prod: Host) -> None:
    status = run_tool(prod, ["systemctl", "status", "foo"])
    assert (status.err, status.status) == ("Unit foo.service could not be found.\n", 4)
    restart = run_tool(prod, ["systemctl", "restart", "foo"])
    assert (restart.err, restart.status) == (
        "Failed to restart foo.service: Unit foo.service not found.\n", 5)
    active = run_tool(prod, ["systemctl", "is-active", "foo"])
    assert (active.out, active.status) == ("inactive\n", 3)
    enabled = run_tool(prod, ["systemctl", "is-enabled", "foo"])
    assert enabled.err == ("Failed to get unit file state for foo.service: "
                           "No such file or directory\n")


def test_non_root_is_denied(prod: Host) -> None:
    result = run_tool(prod, ["systemctl", "restart", "myapp"], user="www-data")
    assert (result.err, result.status) == ("Failed to restart myapp.service: Access denied\n", 4)
    assert prod.services.find("myapp").main_pid == 2143


def test_reload_not_applicable(prod: Host) -> None:
    prod.services.find("myapp").reloadable = False
    result = run_tool(prod, ["systemctl", "reload", "myapp"])
    assert result.err == ("Failed to reload myapp.service: Job type reload is not applicable "
                          "for unit myapp.service.\n")


def test_queries(prod: Host) -> None:
    assert run_tool(prod, ["systemctl", "is-active", "myapp"]).out == "active\n"
    assert run_tool(prod, ["systemctl", "is-enabled", "myapp"]).out == "enabled\n"
    assert run_tool(prod, ["systemctl", "is-failed", "myapp"]).status == 1
    assert run_tool(prod, ["systemctl", "is-active", "-q", "myapp"]).out == ""


def test_enable_disable(prod: Host) -> None:
    result = run_tool(prod, ["systemctl", "disable", "myapp"])
    assert result.err == ('Removed "/etc/systemd/system/multi-user.target.wants/'
                          'myapp.service".\n')
    assert run_tool(prod, ["systemctl", "is-enabled", "myapp"]).out == "disabled\n"
    result = run_tool(prod, ["systemctl", "enable", "myapp"])
    assert result.err == ("Created symlink /etc/systemd/system/multi-user.target.wants/"
                          "myapp.service → /etc/systemd/system/myapp.service.\n")


def test_list_units_and_files(prod: Host) -> None:
    out = run_tool(prod, ["systemctl", "list-units", "--type=service"]).out
    assert out.startswith("  UNIT          LOAD   ACTIVE SUB     DESCRIPTION\n"
                          "  myapp.service loaded active running My App\n\n")
    assert "1 loaded unit listed. Pass --all to see loaded but inactive units, too.\n" in out
    assert run_tool(prod, ["systemctl", "--failed"]).out == (
        "  UNIT LOAD ACTIVE SUB DESCRIPTION\n0 loaded units listed.\n")
    assert run_tool(prod, ["systemctl", "list-unit-files"]).out == (
        "UNIT FILE     STATE   PRESET\nmyapp.service enabled enabled\n\n1 unit files listed.\n")


def test_show_and_cat(prod: Host) -> None:
    assert run_tool(prod, ["systemctl", "show", "myapp", "-p", "MainPID,ActiveState"]).out == (
        "MainPID=2143\nActiveState=active\n")
    assert run_tool(prod, ["systemctl", "show", "myapp", "-p", "MainPID", "--value"]).out == (
        "2143\n")
    out = run_tool(prod, ["systemctl", "cat", "myapp"]).out
    assert out.startswith("# /etc/systemd/system/myapp.service\n[Unit]\nDescription=My App\n")
    assert "ExecStart=/usr/bin/node /opt/myapp/server.js\n" in out


def test_usage_errors(prod: Host) -> None:
    assert run_tool(prod, ["systemctl", "frobnicate"]).err == "Unknown command verb frobnicate.\n"
    assert run_tool(prod, ["systemctl", "--bogus"]).err == (
        "systemctl: unrecognized option '--bogus'\n")
