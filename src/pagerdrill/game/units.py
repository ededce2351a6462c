"""Parsing the small value languages of scenario files: sizes, durations, modes, instants.

Each parser raises ``ValueError`` with the message an author should see; the
loader adds ``file:line: keypath:`` in front of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pagerdrill.world.builder import parse_instant

__all__ = [
    "REST",
    "When",
    "format_size",
    "parse_duration",
    "parse_fill_size",
    "parse_mode",
    "parse_offset",
    "parse_rate",
    "parse_size",
    "parse_when",
]

_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGTP]?)(?:i?B)?\s*$", re.IGNORECASE)
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")
_DURATION_UNITS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}
_RATE = re.compile(r"^\s*(.+?)\s*/\s*(s|m|h|d)\s*$")


def parse_size(value: object) -> int:
    """Bytes from ``512``, ``4K``, ``1.5M``, ``64G`` (binary units, as df -h prints)."""
    if isinstance(value, bool):
        raise ValueError(f"invalid size '{value}' (expected e.g. 512, 4K, 1.5M, 64G)")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"invalid size '{value}' (a size cannot be negative)")
        return value
    match = _SIZE.match(str(value))
    if match is None:
        raise ValueError(f"invalid size '{value}' (expected e.g. 512, 4K, 1.5M, 64G)")
    number, unit = match.groups()
    return int(float(number) * _UNITS[unit.upper()])


REST = -1  # "size: rest": whatever the mount has left once everything else is in place


def parse_fill_size(value: object) -> int:
    """A size, or ``rest`` (:data:`REST`) for the remainder of the mount."""
    if isinstance(value, str) and value.strip() == "rest":
        return REST
    try:
        return parse_size(value)
    except ValueError:
        raise ValueError(f"invalid size '{value}' (expected e.g. 512, 4K, 1.5M, 64G, "
                         f"or rest)") from None


def format_size(nbytes: int) -> str:
    """The shortest exact spelling of a size in the format's own units."""
    for unit in ("P", "T", "G", "M", "K"):
        if nbytes and nbytes % _UNITS[unit] == 0:
            return f"{nbytes // _UNITS[unit]}{unit}"
    return str(nbytes)


def parse_duration(value: object) -> int:
    """Milliseconds from ``2m``, ``30s``, ``1h30m``, ``9d``, ``250ms`` or a number of seconds."""
    if isinstance(value, bool):
        raise ValueError(f"invalid duration '{value}' (expected e.g. 30s, 2m, 1h30m, 9d)")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"invalid duration '{value}' (a duration cannot be negative)")
        return int(value * 1000)
    text = str(value).strip()
    pos, total = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    if not text or pos != len(text):
        raise ValueError(f"invalid duration '{value}' (expected e.g. 30s, 2m, 1h30m, 9d)")
    return int(total)


def parse_offset(value: object) -> int:
    """A signed offset in ms: ``+3m`` after the page, ``-9d`` before it (bare = after)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value * 1000)
    text = str(value).strip()
    sign = -1 if text.startswith("-") else 1
    try:
        return sign * parse_duration(text[1:] if text[:1] in "+-" else text)
    except ValueError:
        raise ValueError(f"invalid offset '{value}' (expected e.g. +3m, -9d, -2h30m)") from None


def parse_rate(value: object) -> float:
    """Bytes per second from ``37K/s``, ``3G/h``, ``850K/m`` or a number (bytes per second)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value <= 0:
            raise ValueError(f"invalid rate '{value}' (a rate must be positive)")
        return float(value)
    match = _RATE.match(str(value))
    if match is None:
        raise ValueError(f"invalid rate '{value}' (expected e.g. 37K/s, 3G/h)")
    try:
        nbytes = parse_size(match.group(1))
    except ValueError:
        raise ValueError(f"invalid rate '{value}' (expected e.g. 37K/s, 3G/h)") from None
    per_s = nbytes * 1000 / _DURATION_UNITS[match.group(2)]
    if per_s <= 0:
        raise ValueError(f"invalid rate '{value}' (a rate must be positive)")
    return per_s


def parse_mode(value: object) -> int:
    """Permission bits from ``"0644"``, ``0644``, ``644`` or ``"755"`` (always octal)."""
    text = str(value).strip()
    if isinstance(value, bool) or not re.fullmatch(r"0?o?[0-7]{1,4}", text):
        raise ValueError(f"invalid mode '{value}' (expected octal digits, e.g. \"0644\")")
    return int(text.replace("o", ""), 8)


@dataclass(frozen=True)
class When:
    """An instant: absolute (ms since the epoch) or an offset from the world's start."""

    absolute_ms: int | None = None
    offset_ms: int = 0

    def resolve(self, start_ms: int) -> int:
        return self.absolute_ms if self.absolute_ms is not None else start_ms + self.offset_ms


def parse_when(value: object) -> When:
    """``2026-03-17T03:07:00Z`` (absolute) or ``-9d`` / ``+5m`` / ``now`` (relative)."""
    if isinstance(value, When):
        return value
    text = str(value).strip()
    if text == "now":
        return When()
    if text[:1] in "+-":
        try:
            return When(offset_ms=parse_offset(text))
        except ValueError:
            pass
    else:
        try:
            return When(absolute_ms=parse_instant(text))
        except ValueError:
            pass
    raise ValueError(f"invalid time '{value}' (expected an ISO instant like "
                     f"2026-03-17T03:07:00Z, or relative like -9d, -2h30m, +5m)")
