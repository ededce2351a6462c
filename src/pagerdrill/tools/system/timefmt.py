"""Time as the system tools print and parse it (every simulated host runs in UTC).

Shared by date (``-d STRING``), journalctl (``--since``), uptime/top/w (the
uptime phrase) and systemctl (``56min ago``, ``1min 2.345s``).
"""

from __future__ import annotations

import datetime as _dt
import re

__all__ = [
    "from_ms",
    "parse_time",
    "strftime",
    "systemd_relative",
    "systemd_timespan",
    "uptime_phrase",
    "uptime_pretty",
]

_UTC = _dt.UTC


def from_ms(ms: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ms // 1000, tz=_UTC).replace(microsecond=(ms % 1000) * 1000)


def strftime(fmt: str, ms: int, nanos: int | None = None) -> str:
    """GNU date's strftime: glibc's conversions plus %N, %s, %:z and %-flags, in UTC."""
    moment = from_ms(ms)
    ns = (ms % 1000) * 1_000_000 if nanos is None else nanos
    out: list[str] = []
    i = 0
    while i < len(fmt):
        char = fmt[i]
        if char != "%" or i + 1 >= len(fmt):
            out.append(char)
            i += 1
            continue
        spec = fmt[i + 1]
        flag = ""
        if spec in "-_0^#" and i + 2 < len(fmt):
            flag, spec = spec, fmt[i + 2]
            i += 1
        i += 2
        if spec == "N":
            out.append(f"{ns:09d}")
        elif spec == "s":
            out.append(str(ms // 1000))
        elif spec == ":" and fmt[i : i + 1] == "z":
            out.append("+00:00")
            i += 1
        elif spec == "z":
            out.append("+0000")
        elif spec == "Z":
            out.append("UTC")
        else:
            out.append(moment.strftime(f"%{flag}{spec}"))
    return "".join(out)


# -- uptime phrases (procps) --------------------------------------------------


def uptime_phrase(now_ms: int, boot_ms: int, users: int, load: tuple[float, float, float]) -> str:
    """`` 03:07:11 up 41 days,  3:17,  1 user,  load average: 0.08, 0.05, 0.01``."""
    up = max(0, (now_ms - boot_ms) // 1000)
    text = f" {from_ms(now_ms):%H:%M:%S} up "
    days = up // 86400
    if days:
        text += f"{days} day{'s' if days != 1 else ''}, "
    minutes = up // 60
    hours, minutes = minutes // 60 % 24, minutes % 60
    text += f"{hours:2d}:{minutes:02d}, " if hours else f"{minutes} min, "
    text += f"{users:2d} {'users' if users > 1 else 'user'},  "
    return text + "load average: {:.2f}, {:.2f}, {:.2f}".format(*load)


def uptime_pretty(now_ms: int, boot_ms: int) -> str:
    """``up 5 weeks, 6 days, 3 hours, 17 minutes`` (uptime -p)."""
    up = max(0, (now_ms - boot_ms) // 1000)
    parts = [
        (up // (86400 * 365 * 10), "decade"),
        (up // (86400 * 365) % 10, "year"),
        (up // (86400 * 7) % 52, "week"),
        (up // 86400 % 7, "day"),
        (up // 3600 % 24, "hour"),
        (up // 60 % 60, "minute"),
    ]
    words = [f"{n} {unit}{'s' if n > 1 else ''}" for n, unit in parts if n]
    return "up " + (", ".join(words) if words else "0 minutes")


# -- systemd phrases ------------------------------------------------------------

_MS_PER = {"y": 31_557_600_000, "month": 2_629_800_000, "w": 604_800_000, "d": 86_400_000,
           "h": 3_600_000, "min": 60_000, "s": 1000, "ms": 1}


def systemd_timespan(ms: int) -> str:
    """format_timespan() at millisecond accuracy: ``1min 2.345s``, ``93ms``, ``2h 5min``."""
    if ms <= 0:
        return "0"
    parts: list[str] = []
    left = ms
    for suffix, unit in _MS_PER.items():
        if left <= 0:
            break
        if left < unit:
            continue
        whole, rest = divmod(left, unit)
        if suffix == "s" and rest and left < 60_000:
            parts.append(f"{whole}.{rest:03d}s")
            left = 0
            break
        parts.append(f"{whole}{suffix}")
        left = rest
    return " ".join(parts)


def systemd_relative(now_ms: int, then_ms: int) -> str:
    """format_timestamp_relative(): ``56min ago``, ``1h 5min ago``, ``5 days ago``."""
    d = (now_ms - then_ms) * 1000  # microseconds, as systemd counts
    suffix = "ago" if d >= 0 else "left"
    d = abs(d)
    sec, minute, hour, day = 1_000_000, 60_000_000, 3_600_000_000, 86_400_000_000
    week, month, year = 7 * day, 2_629_800_000_000, 31_557_600_000_000

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    if d >= year:
        return f"{plural(d // year, 'year')} {plural(d % year // month, 'month')} {suffix}"
    if d >= month:
        return f"{plural(d // month, 'month')} {plural(d % month // day, 'day')} {suffix}"
    if d >= week:
        return f"{plural(d // week, 'week')} {plural(d % week // day, 'day')} {suffix}"
    if d >= 2 * day:
        return f"{d // day} days {suffix}"
    if d >= 25 * hour:
        return f"1 day {(d - day) // hour}h {suffix}"
    if d >= 6 * hour:
        return f"{d // hour}h {suffix}"
    if d >= hour:
        return f"{d // hour}h {d % hour // minute}min {suffix}"
    if d >= 5 * minute:
        return f"{d // minute}min {suffix}"
    if d >= minute:
        return f"{d // minute}min {d % minute // sec}s {suffix}"
    if d >= sec:
        return f"{d // sec}s {suffix}"
    if d >= 1000:
        return f"{d // 1000}ms {suffix}"
    return f"{d}us {suffix}" if d else "now"


# -- parsing ---------------------------------------------------------------------

_UNITS_MS = {
    "us": 0, "usec": 0, "ms": 1, "msec": 1,
    "s": 1000, "sec": 1000, "secs": 1000, "second": 1000, "seconds": 1000,
    "m": 60_000, "min": 60_000, "mins": 60_000, "minute": 60_000, "minutes": 60_000,
    "h": 3_600_000, "hr": 3_600_000, "hour": 3_600_000, "hours": 3_600_000,
    "d": 86_400_000, "day": 86_400_000, "days": 86_400_000,
    "w": 604_800_000, "week": 604_800_000, "weeks": 604_800_000,
    "fortnight": 1_209_600_000, "fortnights": 1_209_600_000,
    "month": 2_629_800_000, "months": 2_629_800_000,
    "year": 31_557_600_000, "years": 31_557_600_000,
}
_RELATIVE = re.compile(r"^([+-]?)\s*(\d+)\s*([a-z]+)(\s+ago)?$")
_ABSOLUTE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"\s*(z|utc|\+00:?00)?$"
)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_DAY_WORDS = {"today": 0, "yesterday": -1, "tomorrow": 1}


def _midnight(ms: int) -> int:
    return ms - ms % 86_400_000


def parse_time(text: str, now_ms: int, *, midnight_words: bool = False) -> int | None:
    """The instant a date/journalctl time string names, or None if not understood.

    Understood: ``@EPOCH``, ``now``, ``today``/``yesterday``/``tomorrow`` (optionally
    followed by a clock time), ``YYYY-MM-DD[ HH:MM[:SS]]`` (``T`` and ``Z`` allowed),
    ``HH:MM[:SS]`` (today), ``N unit ago``, ``-N unit``, ``+N unit``, ``N unit``.
    GNU date reads ``yesterday`` as now minus a day; systemd (``midnight_words``)
    as the start of yesterday.
    """
    spec = " ".join(text.strip().lower().split())
    if spec in ("", "now"):
        return now_ms
    if spec.startswith("@"):
        try:
            return int(float(spec[1:]) * 1000)
        except ValueError:
            return None
    words = spec.split(" ", 1)
    if words[0] in _DAY_WORDS:
        shift = _DAY_WORDS[words[0]] * 86_400_000
        if len(words) == 1:
            return (_midnight(now_ms) if midnight_words else now_ms) + shift
        day = _midnight(now_ms) + shift
        clock = _CLOCK.match(words[1])
        if clock is None:
            return None
        return day + _clock_ms(clock)
    absolute = _ABSOLUTE.match(spec)
    if absolute is not None:
        year, month, mday = (int(g) for g in absolute.group(1, 2, 3))
        hour = int(absolute.group(4) or 0)
        minute, second = int(absolute.group(5) or 0), int(absolute.group(6) or 0)
        frac = (absolute.group(7) or "0")[:3].ljust(3, "0")
        try:
            moment = _dt.datetime(year, month, mday, hour, minute, second, tzinfo=_UTC)
        except ValueError:
            return None
        return int(moment.timestamp()) * 1000 + int(frac)
    clock = _CLOCK.match(spec)
    if clock is not None:
        return _midnight(now_ms) + _clock_ms(clock)
    return _parse_relative(spec, now_ms)


def _clock_ms(match: re.Match[str]) -> int:
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3) or 0)
    return ((hour * 60 + minute) * 60 + second) * 1000


def _parse_relative(spec: str, now_ms: int) -> int | None:
    compact = re.fullmatch(r"([+-]?)(\d+)([a-z]+)", spec.replace(" ", ""))
    match = _RELATIVE.match(spec)
    if match is not None:
        sign, count, unit, ago = match.groups()
    elif compact is not None:
        sign, count, unit = compact.groups()
        ago = None
        if unit.endswith("ago"):
            unit, ago = unit[:-3], "ago"
    else:
        return None
    if unit not in _UNITS_MS:
        return None
    delta = int(count) * _UNITS_MS[unit]
    if sign == "-" or ago:
        delta = -delta
    return now_ms + delta
