"""Text helpers kubectl's output depends on: Go's text/tabwriter and duration/time formats."""

from __future__ import annotations

import datetime as _dt

__all__ = ["human_duration", "rfc1123z", "rfc3339", "since", "tabwrite"]


def tabwrite(text: str, *, minwidth: int, padding: int) -> str:
    """Go's ``text/tabwriter`` (pad char ' ', no flags) over ``text``: cells end at tabs,
    and a column is aligned over each run of consecutive lines that have that cell."""
    lines = [line.split("\t") for line in text.split("\n")]
    trailing_newline = text.endswith("\n")
    if trailing_newline:
        lines.pop()
    out: list[str] = []
    widths: list[int] = []

    def write_lines(line0: int, line1: int) -> None:
        for cells in lines[line0:line1]:
            parts = []
            for j, cell in enumerate(cells):
                if j < len(widths) and j < len(cells) - 1:
                    parts.append(cell + " " * (widths[j] - len(cell)))
                else:
                    parts.append(cell)
            out.append("".join(parts))

    def fmt(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(line0, this)
            line0 = this
            width = minwidth
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            fmt(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    fmt(0, len(lines))
    return "\n".join(out) + ("\n" if trailing_newline else "")


def human_duration(ms: int) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    seconds = ms // 1000 if ms >= 0 else -((-ms) // 1000)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if dy == 0 else f"{years}y{dy}d"
    return f"{hours // 24 // 365}y"


def since(now_ms: int, then_ms: int | None) -> str:
    return "<unknown>" if then_ms is None else human_duration(now_ms - then_ms)


def _utc(ms: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(ms // 1000, tz=_dt.UTC)


def rfc1123z(ms: int) -> str:
    """Go's time.RFC1123Z: ``Wed, 25 Nov 2026 17:00:00 +0000``."""
    return _utc(ms).strftime("%a, %d %b %Y %H:%M:%S +0000")


def rfc3339(ms: int) -> str:
    return _utc(ms).strftime("%Y-%m-%dT%H:%M:%SZ")
