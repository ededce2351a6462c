"""timedatectl - query or change system time and date settings (systemd 252).

Usage: timedatectl [OPTIONS...] COMMAND ...
  status                   show the host's clock, time zone and NTP state (default)
  show [-p NAME] [--value] [-a]
                           the same as properties (Timezone=, NTP=, TimeUSec=...)
  set-time TIME            set the clock (refused while NTP is active)
  set-ntp BOOL             enable and start (or stop and disable) the NTP daemon unit
Options accepted: --no-pager, --no-ask-password, --adjust-system-clock, -a/--all,
-p/--property=NAME, --value.

Every host runs in Etc/UTC with the RTC in UTC. "NTP service" is the state of the
host's time daemon unit (chrony, systemd-timesyncd or ntp); "System clock
synchronized" is the kernel's flag, which that daemon sets. Not supported:
set-timezone, list-timezones, set-local-rtc, timesync-status, show-timesync,
--monitor, -H/-M remote hosts.
"""

from __future__ import annotations

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.timefmt import parse_time, strftime
from pagerdrill.world.host import Host
from pagerdrill.world.services import Unit

__all__ = ["NTP_UNITS", "SPEC", "timedatectl"]

SPEC = OptionSpec(
    "timedatectl",
    [Opt(None, "no-pager", "no_pager"), Opt(None, "no-ask-password", "no_ask"),
     Opt(None, "adjust-system-clock", "adjust"), Opt("a", "all", "all"),
     Opt("p", "property", "property", Arg.REQUIRED), Opt(None, "value", "value")],
    usage="timedatectl [OPTIONS...] COMMAND ...",
    help_hint=False,
)
# The units timedated looks for (systemd's ntp-units.d lists), in its order.
NTP_UNITS = ("chrony.service", "systemd-timesyncd.service", "ntpsec.service", "ntp.service")
_VERBS = {"status": (1, 1), "show": (1, 1), "set-time": (2, 2), "set-ntp": (2, 2),
          "set-timezone": (2, 2), "list-timezones": (1, 1), "set-local-rtc": (2, 2),
          "timesync-status": (1, 1), "show-timesync": (1, 1)}
_TRUE = ("1", "yes", "y", "true", "t", "on")
_FALSE = ("0", "no", "n", "false", "f", "off")


def _ntp_unit(host: Host) -> Unit | None:
    return next((host.services.units[n] for n in NTP_UNITS if n in host.services.units), None)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _properties(host: Host) -> dict[str, str]:
    unit = _ntp_unit(host)
    now = host.now_ms()
    return {"Timezone": "Etc/UTC", "LocalRTC": "no", "CanNTP": _yes(unit is not None),
            "NTP": _yes(unit is not None and unit.state == "active"),
            "NTPSynchronized": _yes(host.clock_synchronized),
            "TimeUSec": strftime("%a %Y-%m-%d %H:%M:%S UTC", now),
            "RTCTimeUSec": strftime("%a %Y-%m-%d %H:%M:%S UTC", now)}


def _status(host: Host) -> str:
    props = _properties(host)
    unit = _ntp_unit(host)
    now = host.now_ms()
    rows = [("Local time", strftime("%a %Y-%m-%d %H:%M:%S UTC", now)),
            ("Universal time", strftime("%a %Y-%m-%d %H:%M:%S UTC", now)),
            ("RTC time", strftime("%a %Y-%m-%d %H:%M:%S", now)),
            ("Time zone", "Etc/UTC (UTC, +0000)"),
            ("System clock synchronized", props["NTPSynchronized"]),
            ("NTP service", "n/a" if unit is None else
             "active" if unit.state == "active" else "inactive"),
            ("RTC in local TZ", "no")]
    width = max(len(name) for name, _ in rows)
    return "".join(f"{name:>{width}}: {value}\n" for name, value in rows)


def _show(inv: Invocation, parsed: ParsedArgs) -> str:
    props = _properties(inv.host)
    wanted = [p for arg in parsed.all("property") for p in arg.split(",") if p]
    names = [n for n in props if not wanted or n in wanted]
    if parsed.flag("value"):
        return "".join(f"{props[n]}\n" for n in names)
    return "".join(f"{n}={props[n]}\n" for n in names)


def _set_ntp(inv: Invocation, value: str) -> int:
    lowered = value.lower()
    if lowered not in _TRUE + _FALSE:
        inv.stderr.write(f"Failed to parse NTP setting '{value}': Invalid argument\n")
        return 1
    host = inv.host
    if host.uid_of(inv.user) != 0:
        inv.stderr.write("Failed to set ntp: Access denied\n")
        return 1
    unit = _ntp_unit(host)
    if unit is None:
        inv.stderr.write("Failed to set ntp: NTP not supported\n")
        return 1
    if lowered in _TRUE:
        host.services.enable(unit.name)
        host.services.start(unit.name)
    else:
        host.services.stop(unit.name)
        host.services.disable(unit.name)
    return 0


def _set_time(inv: Invocation, value: str) -> int:
    host = inv.host
    when = parse_time(value, host.now_ms())
    if when is None:
        inv.stderr.write(f"Failed to parse time specification '{value}': Invalid argument\n")
        return 1
    if host.uid_of(inv.user) != 0:
        inv.stderr.write("Failed to set time: Access denied\n")
        return 1
    unit = _ntp_unit(host)
    if unit is not None and unit.state == "active":
        inv.stderr.write("Failed to set time: Automatic time synchronization is enabled\n")
        return 1
    host.set_time_ms(when)
    return 0


@command("timedatectl")
@parsed_with(SPEC)
def timedatectl(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """timedatectl - query or change system time and date settings (see the module docstring)."""
    args = parsed.operands or ["status"]
    verb = args[0]
    if verb not in _VERBS:
        inv.stderr.write(f"Unknown command verb {verb}.\n")
        return 1
    low, high = _VERBS[verb]
    if len(args) < low or len(args) > high:
        inv.stderr.write("Too few arguments.\n" if len(args) < low else "Too many arguments.\n")
        return 1
    if verb == "status":
        yield _status(inv.host).encode()
        return 0
    if verb == "show":
        yield _show(inv, parsed).encode()
        return 0
    if verb == "set-ntp":
        return _set_ntp(inv, args[1])
    if verb == "set-time":
        return _set_time(inv, args[1])
    inv.stderr.write(f"timedatectl {verb}: not supported in this simulation\n")
    return 1
