"""chronyc - command-line interface for chrony daemon (chrony 4.3).

Usage: chronyc [-n] [-c] [COMMAND]
  tracking                 the system clock's offset, frequency and reference
  sources [-v] [-a]        the NTP sources and their last samples
  sourcestats [-v] [-a]    the sources' drift statistics
  makestep                 step the clock now by the remaining offset (root)
  activity                 how many sources are online
Options accepted: -n (no DNS: addresses instead of names), -4, -6, -m.

Without a running chronyd every command answers "506 Cannot talk to daemon".
Not supported: -c (CSV), -h/-p remote daemons, interactive mode (a command is
required), and the other commands (burst, clients, ntpdata, waitsync...).
"""

from __future__ import annotations

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.timefmt import strftime
from pagerdrill.world.programs.chrony import Chronyd

__all__ = ["chronyc", "offset_text", "tracking_text"]

_SOURCES_VERBOSE = """\

  .-- Source mode  '^' = server, '=' = peer, '#' = local clock.
 / .- Source state '*' = current best, '+' = combined, '-' = not combined,
| /             'x' = may be in error, '~' = too variable, '?' = unusable.
||                                                 .- xxxx [ yyyy ] +/- zzzz
||      Reachability register (octal) -.           |  xxxx = adjusted offset,
||      Log2(Polling interval) --.      |          |  yyyy = measured offset,
||                                \\     |          |  zzzz = estimated error.
||                                 |    |           \\
"""
_STATS_VERBOSE = """\
                             .- Number of sample points in measurement set.
                            /    .- Number of residual runs with same sign.
                           |    /    .- Length of measurement set (time).
                           |   |    /      .- Est. clock freq error (ppm).
                           |   |   |      /           .- Est. error in freq.
                           |   |   |     |           /         .- Est. offset.
                           |   |   |     |          |          |   On the -.
                           |   |   |     |          |          |   samples. \\
                           |   |   |     |          |          |             |
"""
_SOURCES_HEAD = "MS Name/IP address         Stratum Poll Reach LastRx Last sample               "
_STATS_HEAD = "Name/IP Address            NP  NR  Span  Frequency  Freq Skew  Offset  Std Dev"
_MODIFYING = {"makestep"}


def _header(text: str) -> str:
    return f"{text}\n{'=' * len(text)}\n"


def _interval(seconds: int) -> str:
    """chronyc's print_seconds."""
    if seconds < 1200:
        return f"{seconds:4d}"
    if seconds < 36000:
        return f"{seconds // 60:3d}m"
    if seconds < 345600:
        return f"{seconds // 3600:3d}h"
    return f"{seconds // 86400:3d}d"


def offset_text(seconds: float, signed: bool = True) -> str:
    """chronyc's print_signed_nanoseconds / print_nanoseconds (``-12us``, ``+312.5s``)."""
    x = abs(seconds)
    value = seconds if signed else x
    sign = "+" if signed else ""
    for limit, scale, unit, width, prec in ((9999.5e-9, 1e9, "ns", 5, 0),
                                            (9999.5e-6, 1e6, "us", 5, 0),
                                            (9999.5e-3, 1e3, "ms", 5, 0),
                                            (999.5, 1, "s", 6, 1), (99999.5, 1, "s", 6, 0),
                                            (99999.5 * 60, 1 / 60, "m", 6, 0),
                                            (99999.5 * 3600, 1 / 3600, "h", 6, 0)):
        if x < limit:
            return f"{value * scale:{sign}{width - (0 if signed else 1)}.{prec}f}{unit}"
    return f"{value / 86400:{sign}6.0f}d"


def tracking_text(daemon: Chronyd) -> str:
    track = daemon.tracking
    source = daemon.selected
    offset = -daemon.offset_s()  # the correction still to apply: positive when slow
    drift = daemon.host.clock_drift_ppm  # the error chronyd corrects: a slow clock is "slow"
    if source is None:
        ref_id, name, stratum, ref = "00000000", "", 0, "Thu Jan 01 00:00:00 1970"
        leap, interval = "Not synchronised", 0.0
    else:
        ref_id = "".join(f"{int(part):02X}" for part in source.ip.split("."))
        name, stratum = source.name, daemon.stratum
        ref = strftime("%a %b %d %H:%M:%S %Y", track.ref_time_ms)
        leap, interval = "Normal", 64.2 if track.updates > 1 else 2.0
    state = "slow" if offset > 0 else "fast"
    return (f"Reference ID    : {ref_id} ({name})\n"
            f"Stratum         : {stratum}\n"
            f"Ref time (UTC)  : {ref}\n"
            f"System time     : {abs(offset):.9f} seconds {state} of NTP time\n"
            f"Last offset     : {track.last_offset_s:+.9f} seconds\n"
            f"RMS offset      : {track.rms_offset_s:.9f} seconds\n"
            f"Frequency       : {abs(drift):.3f} ppm {'slow' if drift < 0 else 'fast'}\n"
            f"Residual freq   : {0.001 if source else 0.0:+.3f} ppm\n"
            f"Skew            : {0.041 if source else 0.0:.3f} ppm\n"
            f"Root delay      : {0.000874512 if source else 1.0:.9f} seconds\n"
            f"Root dispersion : {0.000431062 if source else 1.0:.9f} seconds\n"
            f"Update interval : {interval:.1f} seconds\n"
            f"Leap status     : {leap}\n")


def _sources(daemon: Chronyd, names: bool, verbose: bool) -> str:
    out = _SOURCES_VERBOSE if verbose else ""
    out += _header(_SOURCES_HEAD)
    now = daemon.host.clock.now_ms
    track = daemon.tracking
    for i, source in enumerate(daemon.sources):
        state = "*" if i == 0 and daemon.synchronised else ("+" if daemon.synchronised else "?")
        reach = min(0o377, (1 << min(track.updates + 3, 8)) - 1) if track.updates else 0
        last = (now - track.last_rx_ms) // 1000 if track.updates else 0
        measured = track.last_offset_s + i * 2.1e-5
        label = source.name if names else source.ip
        if len(label) > 25:
            label = label[:24] + ">"
        out += (f"^{state} {label:<27}  {source.stratum:2d}  {6 if track.updates > 1 else 1:2d}"
                f"   {reach:3o}  {_interval(last) if track.updates else '   -'}  "
                f"{offset_text(measured)}[{offset_text(measured)}] +/- "
                f"{offset_text(4.2e-4 + i * 1e-4, signed=False)}\n")
    return out


def _sourcestats(daemon: Chronyd, names: bool, verbose: bool) -> str:
    out = _STATS_VERBOSE if verbose else ""
    out += _header(_STATS_HEAD)
    track = daemon.tracking
    for i, source in enumerate(daemon.sources):
        label = source.name if names else source.ip
        if len(label) > 25:
            label = label[:24] + ">"
        span = min(track.updates, 12) * 64 if track.updates else 0
        out += (f"{label:<25} {track.samples:3d} {max(track.samples // 2, 0):3d}  "
                f"{_interval(span)} {0.004 + i / 1000:+10.3f} {0.05 + i / 100:10.3f}  "
                f"{offset_text(track.last_offset_s)}  "
                f"{offset_text(2.1e-5 + i * 1e-6, signed=False)}\n")
    return out


def _running(inv: Invocation) -> Chronyd | None:
    unit = inv.host.services.units.get("chrony.service")
    proc = inv.host.services.main_process(unit) if unit else None
    program = proc.program if proc else None
    program = getattr(program, "inner", program)  # a scenario's settings wrapper
    return program if isinstance(program, Chronyd) else None


@command("chronyc")
def chronyc(inv: Invocation) -> CommandOutput:
    """chronyc - command-line interface for chrony daemon (see the module docstring)."""
    args = list(inv.args)
    names = True
    while args and args[0].startswith("-") and args[0] not in ("-v", "-a"):
        flag = args.pop(0)
        if flag == "-n":
            names = False
        elif flag not in ("-4", "-6", "-m"):
            inv.stderr.write(f"chronyc: invalid option -- '{flag.lstrip('-')[:1]}'\n"
                             "Usage: chronyc [OPTION]... [COMMAND]...\n")
            return 1
    if not args:
        inv.stderr.write("chronyc: interactive mode is not supported here; give a command\n")
        return 1
    verb, rest = args[0], args[1:]
    if verb not in ("tracking", "sources", "sourcestats", "makestep", "activity"):
        inv.stderr.write("Unrecognized command\n")
        return 1
    daemon = _running(inv)
    if daemon is None:
        yield b"506 Cannot talk to daemon\n"
        return 1
    if verb in _MODIFYING and inv.host.uid_of(inv.user) != 0:
        yield b"501 Not authorised\n"
        return 1
    if verb == "tracking":
        yield tracking_text(daemon).encode()
    elif verb == "sources":
        yield _sources(daemon, names, "-v" in rest).encode()
    elif verb == "sourcestats":
        yield _sourcestats(daemon, names, "-v" in rest).encode()
    elif verb == "makestep":
        daemon.makestep()
        yield b"200 OK\n"
    else:
        online = len(daemon.sources)
        yield (f"200 OK\n{online} sources online\n0 sources offline\n"
               "0 sources doing burst (return to online)\n"
               "0 sources doing burst (return to offline)\n"
               "0 sources with unknown address\n").encode()
    return 0
