"""How systemctl 252 renders units: status blocks, unit tables, unit files, properties."""

from __future__ import annotations

from pagerdrill.tools.system.journalctl import journal_entries
from pagerdrill.tools.system.journalfmt import render_entry
from pagerdrill.tools.system.procfields import comm_of, cpu_total_ms
from pagerdrill.tools.system.timefmt import from_ms, systemd_relative, systemd_timespan
from pagerdrill.world.host import Host
from pagerdrill.world.process import Signal
from pagerdrill.world.services import Unit
from pagerdrill.world.timers import TimerSpec

__all__ = ["format_bytes", "glyph", "list_timers", "list_unit_files", "list_units", "properties",
           "status_block", "timestamp", "unit_file_text", "unit_path"]

_EXIT_NAMES = {0: "SUCCESS", 1: "FAILURE", 2: "INVALIDARGUMENT", 3: "NOTIMPLEMENTED",
               4: "NOPERMISSION", 5: "NOTINSTALLED", 6: "NOTCONFIGURED", 7: "NOTRUNNING"}


def unit_path(unit: Unit) -> str:
    return unit.unit_path or f"/etc/systemd/system/{unit.name}"


def timestamp(ms: int) -> str:
    return f"{from_ms(ms):%a %Y-%m-%d %H:%M:%S} UTC"


def format_bytes(nbytes: int) -> str:
    """format_bytes(): ``402.3M``, ``1.2G``, ``512B``."""
    for suffix, factor in (("E", 1 << 60), ("P", 1 << 50), ("T", 1 << 40), ("G", 1 << 30),
                           ("M", 1 << 20), ("K", 1 << 10)):
        if nbytes >= factor:
            return f"{nbytes // factor}.{nbytes * 10 // factor % 10}{suffix}"
    return f"{nbytes}B"


def glyph(unit: Unit) -> str:
    return {"failed": "\u00d7", "inactive": "○"}.get(unit.state, "●")


def _tasks_limit(host: Host) -> int:
    """DefaultTasksMax: 15% of the smaller of pid_max and the kernel's threads-max."""
    threads_max = host.spec.mem_total_kb * 1024 // (128 * 1024)
    return min(host.spec.pid_max, threads_max) * 15 // 100


def _exit_code(status: int | None) -> str:
    if status is None:
        return "code=exited, status=0/SUCCESS"
    if status > 128 and status - 128 in Signal._value2member_map_:
        return f"code=killed, signal={Signal(status - 128).name.removeprefix('SIG')}"
    return f"code=exited, status={status}/{_EXIT_NAMES.get(status, 'FAILURE')}"


def _active_line(unit: Unit, now: int) -> str:
    since = f" since {timestamp(unit.since_ms)}; {systemd_relative(now, unit.since_ms)}"
    if unit.state == "active":
        return f"active ({unit.sub_state}){since}"
    if unit.state == "failed":
        return f"failed (Result: {unit.result}){since}"
    if unit.state == "activating":
        return f"activating ({unit.sub_state}) (Result: {unit.result}){since}"
    if unit.last_pid is None and unit.last_exit_status is None:
        return f"{unit.state} ({unit.sub_state})"
    return f"{unit.state} ({unit.sub_state}){since}"


def _journal_tail(host: Host, unit: Unit, lines: int) -> list[str]:
    entries = [e for e in journal_entries(host) if e.unit == unit.name]
    return [render_entry(e, host.name).rstrip("\n") for e in entries[-lines:]] if lines else []


def status_block(host: Host, unit: Unit, now: int, lines: int = 10) -> str:
    """``systemctl status UNIT --no-pager``."""
    enabled = "enabled" if unit.enabled else "disabled"
    out = [f"{glyph(unit)} {unit.name} - {unit.description}",
           f"     Loaded: loaded ({unit_path(unit)}; {enabled}; preset: enabled)",
           f"     Active: {_active_line(unit, now)}"]
    out += _timer_lines(host, unit, now)
    procs = [p for p in host.procs if p.unit == unit.name]
    main = host.procs.get(unit.main_pid) if unit.main_pid else None
    if main is None and unit.last_pid is not None:
        command = " ".join(unit.last_argv or unit.exec_start)
        code = _exit_code(unit.last_exit_status)
        out.append(f"    Process: {unit.last_pid} ExecStart={command} ({code})")
        out.append(f"   Main PID: {unit.last_pid} ({code})")
    if main is not None:
        out.append(f"   Main PID: {main.pid} ({comm_of(main)})")
    if procs:
        tasks = sum(p.threads for p in procs)
        out.append(f"      Tasks: {tasks} (limit: {_tasks_limit(host)})")
        out.append(f"     Memory: {format_bytes(sum(p.rss_kb for p in procs) * 1024)}")
        cpu = sum(cpu_total_ms(p, now) for p in procs)
        out.append(f"        CPU: {systemd_timespan(cpu)}")
        out.append(f"     CGroup: /system.slice/{unit.name}")
        for index, proc in enumerate(procs):
            branch = "└─" if index == len(procs) - 1 else "├─"
            out.append(f"             {branch}{proc.pid} {proc.cmdline}")
    tail = _journal_tail(host, unit, lines)
    if tail:
        out.append("")
        out.extend(tail)
    return "\n".join(out) + "\n"


def _timer_lines(host: Host, unit: Unit, now: int) -> list[str]:
    """A timer's Trigger:/Triggers: lines; a service's TriggeredBy: line."""
    if unit.timer is not None:
        target = host.services.units.get(unit.timer.activates)
        marker = glyph(target) if target is not None else "●"
        when = unit.timer.next_ms
        trigger = (f"{timestamp(when)}; {systemd_relative(now, when)}"
                   if when is not None and unit.state == "active" else "n/a")
        return [f"    Trigger: {trigger}", f"   Triggers: {marker} {unit.timer.activates}"]
    timers = [u for u in host.services.units.values()
              if u.timer is not None and u.timer.activates == unit.name]
    return [f"TriggeredBy: {glyph(t)} {t.name}" for t in timers]


def list_timers(units: list[Unit], now: int, *, show_all: bool) -> str:
    """``systemctl list-timers``: by next elapse, with how long until and since."""
    timers = [(u, u.timer) for u in units
              if u.timer is not None and (show_all or u.state == "active")]

    def next_of(unit: Unit, timer: TimerSpec) -> int | None:
        return timer.next_ms if unit.state == "active" else None

    # By next elapse; timers that will not elapse (inactive) last.
    timers.sort(key=lambda pair: (next_of(*pair) is None, next_of(*pair) or 0, pair[0].name))
    rows = [["NEXT", "LEFT", "LAST", "PASSED", "UNIT", "ACTIVATES"]]
    for unit, timer in timers:
        nxt = next_of(unit, timer)
        last = timer.last_trigger_ms
        rows.append([timestamp(nxt) if nxt is not None else "-",
                     systemd_relative(now, nxt) if nxt is not None else "-",
                     timestamp(last) if last is not None else "-",
                     systemd_relative(now, last) if last is not None else "-",
                     unit.name, timer.activates])
    hint = "" if show_all else "\nPass --all to see loaded but inactive timers, too."
    count = len(timers)
    listed = f"{count} timer{'s' if count != 1 else ''} listed.{hint}"
    return "\n".join([*_table(rows), "", listed]) + "\n"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [(" ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False))
             + " " + row[-1]).rstrip() for row in rows]


def list_units(units: list[Unit], *, show_all: bool, failed_only: bool,
               states: list[str]) -> str:
    shown = []
    for unit in sorted(units, key=lambda u: u.name):
        if failed_only and unit.state != "failed":
            continue
        if states and unit.state not in states and unit.sub_state not in states:
            continue
        if not (show_all or failed_only or states) and unit.state == "inactive":
            continue
        shown.append(unit)
    if not shown:
        return "  UNIT LOAD ACTIVE SUB DESCRIPTION\n0 loaded units listed.\n"
    rows = [["UNIT", "LOAD", "ACTIVE", "SUB", "DESCRIPTION"]]
    rows += [[u.name, "loaded", u.state, u.sub_state, u.description] for u in shown]
    lines = _table(rows)
    out = ["  " + lines[0]]
    for unit, line in zip(shown, lines[1:], strict=True):
        out.append(("● " if unit.state == "failed" else "  ") + line)
    count = len(shown)
    hint = "" if show_all else " Pass --all to see loaded but inactive units, too."
    out += ["", "LOAD   = Reflects whether the unit definition was properly loaded.",
            "ACTIVE = The high-level unit activation state, i.e. generalization of SUB.",
            "SUB    = The low-level unit activation state, values depend on unit type.",
            f"{count} loaded unit{'s' if count != 1 else ''} listed.{hint}",
            "To show all installed unit files use 'systemctl list-unit-files'."]
    return "\n".join(out) + "\n"


def list_unit_files(units: list[Unit]) -> str:
    rows = [["UNIT FILE", "STATE", "PRESET"]]
    for unit in sorted(units, key=lambda u: u.name):
        rows.append([unit.name, "enabled" if unit.enabled else "disabled", "enabled"])
    lines = _table(rows)
    count = len(rows) - 1
    return "\n".join([*lines, "", f"{count} unit files listed."]) + "\n"


def unit_file_text(unit: Unit) -> str:
    """The unit file systemd would have loaded for a unit built in code."""
    lines = ["[Unit]", f"Description={unit.description}", "After=network.target", "",
             "[Service]", f"ExecStart={' '.join(unit.exec_start)}"]
    if unit.reloadable:
        lines.append("ExecReload=/bin/kill -HUP $MAINPID")
    if unit.user != "root":
        lines.append(f"User={unit.user}")
    lines.append(f"Restart={unit.restart}")
    if unit.restart != "no":
        lines.append(f"RestartSec={systemd_timespan(unit.restart_sec_ms)}")
    lines += ["", "[Install]", "WantedBy=multi-user.target"]
    return "\n".join(lines) + "\n"


def properties(host: Host, unit: Unit, now: int) -> dict[str, str]:
    procs = [p for p in host.procs if p.unit == unit.name]
    since = timestamp(unit.since_ms) if unit.since_ms else ""
    return {
        "Type": "simple",
        "Restart": unit.restart,
        "MainPID": str(unit.main_pid or 0),
        "ExecMainPID": str(unit.main_pid or unit.last_pid or 0),
        "ExecMainStatus": str(unit.last_exit_status or 0),
        "NRestarts": str(unit.restarts),
        "Result": unit.result,
        "User": unit.user if unit.user != "root" else "",
        "MemoryCurrent": str(sum(p.rss_kb for p in procs) * 1024) if procs else "[not set]",
        "CPUUsageNSec": str(sum(cpu_total_ms(p, now) for p in procs) * 1_000_000),
        "TasksCurrent": str(sum(p.threads for p in procs)) if procs else "[not set]",
        "Id": unit.name,
        "Names": unit.name,
        "Description": unit.description,
        "LoadState": "loaded",
        "ActiveState": unit.state,
        "SubState": unit.sub_state,
        "FragmentPath": unit_path(unit),
        "UnitFileState": "enabled" if unit.enabled else "disabled",
        "UnitFilePreset": "enabled",
        "StateChangeTimestamp": since,
        "ActiveEnterTimestamp": since if unit.state == "active" else "",
        "CanReload": "yes" if unit.reloadable else "no",
    }
