"""systemctl - control the systemd system and service manager (systemd 252).

Usage: systemctl [OPTIONS...] COMMAND [UNIT...]
  status [UNIT...]            the status block with the unit's last journal lines
  start|stop|restart|reload|try-restart|reload-or-restart UNIT...
  enable|disable [--now] UNIT...
  is-active|is-enabled|is-failed UNIT...
  cat UNIT...                 show the unit file
  show UNIT [-p PROP[,PROP]] [--value]
  list-units [--type=service] [--all] [--failed] [--state=STATE]
  list-timers [--all] [PATTERN...]  timers by next elapse (NEXT LEFT LAST PASSED UNIT ...)
  list-unit-files, daemon-reload
Options accepted: --no-pager, -l/--full, -q/--quiet, -n/--lines=N, --type=,
--all/-a, --failed, --state=, --now, --value, -p/--property=, --no-legend.

Timers: list-timers, status/start/stop/enable of NAME.timer (OnCalendar= in its
common forms, OnUnitActiveSec=). Not supported: sockets, targets and other unit
types; mask/unmask, edit, kill, reset-failed, --user, -H/-M remote hosts,
list-dependencies.
Changing units needs root; without it systemctl answers ``Access denied``
(polkit is not installed on these hosts).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.timefmt import systemd_relative
from pagerdrill.tools.system.unitview import (
    list_timers,
    list_unit_files,
    list_units,
    properties,
    status_block,
    timestamp,
    unit_file_text,
    unit_path,
)
from pagerdrill.world.errors import FsError
from pagerdrill.world.services import ServiceError, ServiceErrorKind, Unit

__all__ = ["SPEC", "systemctl"]

SPEC = OptionSpec(
    "systemctl",
    [
        Opt(None, "no-pager", "no_pager"), Opt("l", "full", "full"),
        Opt("q", "quiet", "quiet"), Opt("n", "lines", "lines", Arg.REQUIRED),
        Opt("t", "type", "type", Arg.REQUIRED), Opt("a", "all", "all"),
        Opt(None, "failed", "failed"), Opt(None, "state", "state", Arg.REQUIRED),
        Opt(None, "now", "now"), Opt(None, "value", "value"),
        Opt("p", "property", "property", Arg.REQUIRED), Opt(None, "no-legend", "no_legend"),
        Opt(None, "system", "system"), Opt(None, "no-block", "no_block"),
        Opt("f", "force", "force"),
    ],
    usage="systemctl [OPTIONS...] COMMAND ...",
    help_hint=False,
)
_CHANGE_VERBS = {"start": "start", "stop": "stop", "restart": "restart", "reload": "reload",
                 "try-restart": "restart", "reload-or-restart": "restart",
                 "condrestart": "restart", "force-reload": "restart"}


def _is_root(inv: Invocation) -> bool:
    return inv.host.uid_of(inv.user) == 0


def _full_name(name: str) -> str:
    return name if "." in name else name + ".service"


def _find(inv: Invocation, name: str) -> Unit | None:
    try:
        return inv.host.services.find(name)
    except ServiceError:
        return None


def _change(inv: Invocation, verb: str, names: list[str]) -> int:
    services = inv.host.services
    for name in names:
        full = _full_name(name)
        if not _is_root(inv):
            inv.stderr.write(f"Failed to {verb} {full}: Access denied\n")
            return 4
        unit = _find(inv, name)
        if unit is None:
            # systemd can stop only what it has loaded; starting looks for the unit file.
            missing = "not loaded" if verb == "stop" else "not found"
            inv.stderr.write(f"Failed to {verb} {full}: Unit {full} {missing}.\n")
            return 5
        if verb == "try-restart" and unit.state != "active":
            continue
        action: Callable[[str], Unit] = getattr(services, _CHANGE_VERBS[verb])
        if verb == "reload" and unit.state != "active":
            inv.stderr.write(f"Job for {full} failed.\nSee \"systemctl status {full}\" and "
                             f"\"journalctl -xeu {full}\" for details.\n")
            return 1
        try:
            action(full)
        except ServiceError as error:
            if error.kind is ServiceErrorKind.RELOAD_NOT_APPLICABLE:
                inv.stderr.write(f"Failed to reload {full}: Job type reload is not "
                                 f"applicable for unit {full}.\n")
                return 1
            if error.kind is ServiceErrorKind.CONTROL_FAILED:
                inv.stderr.write(f"Job for {full} failed because the control process exited "
                                 f"with error code.\nSee \"systemctl status {full}\" and "
                                 f"\"journalctl -xeu {full}\" for details.\n")
                return 1
            raise
    return 0


def _enable(inv: Invocation, verb: str, names: list[str], now: bool) -> int:
    if not _is_root(inv):
        inv.stderr.write(f"Failed to {verb} unit: Access denied\n")
        return 1
    for name in names:
        unit = _find(inv, name)
        if unit is None:
            inv.stderr.write(f"Failed to {verb} unit: Unit file {_full_name(name)} "
                             "does not exist.\n")
            return 1
        link = f"/etc/systemd/system/multi-user.target.wants/{unit.name}"
        if verb == "enable" and inv.host.services.enable(unit.name):
            inv.stderr.write(f"Created symlink {link} → {unit_path(unit)}.\n")
        if verb == "disable" and inv.host.services.disable(unit.name):
            inv.stderr.write(f"Removed \"{link}\".\n")
        if now:
            status = _change(inv, "start" if verb == "enable" else "stop", [unit.name])
            if status:
                return status
    return 0


def _status(inv: Invocation, names: list[str], lines: int) -> tuple[str, int]:
    now = inv.world.clock.now_ms
    if not names:
        units = list(inv.host.services.units.values())
        failed = sum(1 for u in units if u.state == "failed")
        text = (f"● {inv.host.name}\n    State: {'degraded' if failed else 'running'}\n"
                f"    Units: {len(units)} loaded (incl. loaded aliases)\n     Jobs: 0 queued\n"
                f"   Failed: {failed} units\n    Since: {timestamp(inv.host.boot_ms)}; "
                f"{systemd_relative(now, inv.host.boot_ms)}\n  systemd: 252.22-1~deb12u1\n"
                "   CGroup: /\n")
        return text, 0
    blocks: list[str] = []
    status = 0
    for name in names:
        unit = _find(inv, name)
        if unit is None:
            inv.stderr.write(f"Unit {_full_name(name)} could not be found.\n")
            status = 4
            continue
        blocks.append(status_block(inv.host, unit, now, lines))
        if unit.state != "active" and status == 0:
            status = 3
    return "\n".join(blocks), status


def _query(inv: Invocation, verb: str, names: list[str], quiet: bool) -> tuple[str, int]:
    out: list[str] = []
    status = 1 if verb != "is-active" else 3
    for name in names:
        unit = _find(inv, name)
        if verb == "is-enabled":
            if unit is None:
                inv.stderr.write(f"Failed to get unit file state for {_full_name(name)}: "
                                 "No such file or directory\n")
                return "".join(out), 1
            state = "enabled" if unit.enabled else "disabled"
            ok = unit.enabled
        elif verb == "is-active":
            state = unit.state if unit is not None else "inactive"
            ok = state == "active"
        else:
            state = unit.state if unit is not None else "inactive"
            ok = state == "failed"
        out.append(state + "\n")
        if ok:
            status = 0
    return ("" if quiet else "".join(out)), status


def _show(inv: Invocation, names: list[str], parsed: ParsedArgs) -> tuple[str, int]:
    wanted = [p for value in parsed.all("property") for p in value.split(",") if p]
    blocks: list[str] = []
    if not names:
        return "Version=252.22-1~deb12u1\nFeatures=+PAM +AUDIT +SELINUX +APPARMOR\n", 0
    for name in names:
        unit = _find(inv, name)
        if unit is None:
            props = {"Id": _full_name(name), "LoadState": "not-found", "ActiveState": "inactive",
                     "SubState": "dead", "MainPID": "0"}
        else:
            props = properties(inv.host, unit, inv.world.clock.now_ms)
        keys = wanted or list(props)
        lines = []
        for key in keys:
            if key not in props and wanted:
                value = ""
            elif key not in props:
                continue
            else:
                value = props[key]
            lines.append(value if parsed.flag("value") else f"{key}={value}")
        blocks.append("".join(line + "\n" for line in lines))
    return "\n".join(blocks), 0


def _cat(inv: Invocation, names: list[str]) -> tuple[str, int]:
    out: list[str] = []
    for name in names:
        unit = _find(inv, name)
        if unit is None:
            inv.stderr.write(f"No files found for {_full_name(name)}.\n")
            return "\n".join(out), 1
        path = unit_path(unit)
        try:
            data = b"".join(inv.host.fs.read_stream(inv.host.fs.lookup(path))).decode()
        except FsError:
            data = unit_file_text(unit)
        out.append(f"# {path}\n{data}")
    return "\n".join(out), 0


@command("systemctl")
@parsed_with(SPEC)
def systemctl(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """systemctl - control the systemd system and service manager (see module docstring)."""
    verb, *names = parsed.operands or ["list-units"]
    units = list(inv.host.services.units.values())
    lines_text = parsed.get("lines") or "10"
    if not lines_text.isdigit():
        inv.stderr.write(f"Failed to parse lines '{lines_text}'\n")
        return 1
    text, status = "", 0
    if verb in _CHANGE_VERBS:
        if not names:
            inv.stderr.write("Too few arguments.\n")
            return 1
        return _change(inv, verb, names)
    if verb in ("enable", "disable"):
        if not names:
            inv.stderr.write("Too few arguments.\n")
            return 1
        return _enable(inv, verb, names, parsed.flag("now"))
    if verb == "status":
        text, status = _status(inv, names, int(lines_text))
    elif verb in ("is-active", "is-enabled", "is-failed"):
        if not names:
            inv.stderr.write("Too few arguments.\n")
            return 1
        text, status = _query(inv, verb, names, parsed.flag("quiet"))
    elif verb == "list-units":
        type_ = parsed.get("type")
        if type_ is not None:
            units = [u for u in units if u.name.endswith("." + type_)]
        states = [s for s in (parsed.get("state") or "").split(",") if s]
        text = list_units(units, show_all=parsed.flag("all"), failed_only=parsed.flag("failed"),
                          states=states)
    elif verb == "list-timers":
        if names:  # list-timers PATTERN...: the timers whose names match one
            units = [u for u in units if any(fnmatch.fnmatchcase(u.name, n) for n in names)]
        text = list_timers(units, inv.world.clock.now_ms, show_all=parsed.flag("all"))
    elif verb == "list-unit-files":
        text = list_unit_files(units)
    elif verb == "daemon-reload":
        if not _is_root(inv):
            inv.stderr.write("Failed to reload daemon: Access denied\n")
            return 1
    elif verb == "show":
        text, status = _show(inv, names, parsed)
    elif verb == "cat":
        text, status = _cat(inv, names)
    else:
        inv.stderr.write(f"Unknown command verb {verb}.\n")
        return 1
    if text:
        yield text.encode()
    return status
