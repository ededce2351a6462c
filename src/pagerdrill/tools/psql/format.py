"""psql's printing: aligned tables, expanded records, unaligned output, values as text.

Layouts follow psql 15's print.c for ``border 1``: headers centred, numbers
right-aligned, the last left-aligned column unpadded, ``(N rows)`` footers.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pagerdrill.world.database import Column

__all__ = ["PrintOptions", "format_value", "render"]

_NUMERIC = {"int2", "int4", "int8", "numeric", "float4", "float8", "oid", "money"}


@dataclass
class PrintOptions:
    aligned: bool = True
    expanded: bool = False
    tuples_only: bool = False
    field_sep: str = "|"
    record_sep: str = "\n"


def _interval(value: dt.timedelta) -> str:
    """An interval as PostgreSQL prints one from timestamp subtraction (hours justified)."""
    total = value.days * 86_400_000_000 + value.seconds * 1_000_000 + value.microseconds
    sign = "-" if total < 0 else ""
    days, rest = divmod(abs(total), 86_400_000_000)
    secs, micros = divmod(rest, 1_000_000)
    parts = []
    if days:
        parts.append(f"{sign}{days} day{'' if days == 1 and not sign else 's'}")
    if rest or not days:
        clock = f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
        if micros:
            clock += f".{micros:06d}".rstrip("0")
        parts.append(sign + clock)
    return " ".join(parts)


def _stamp(value: dt.datetime) -> str:
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    if value.tzinfo is not None:
        offset = value.utcoffset() or dt.timedelta(0)
        hours = int(offset.total_seconds() // 3600)
        text += f"{'+' if hours >= 0 else '-'}{abs(hours):02d}"
    return text


def format_value(value: object) -> str:
    """A value as PostgreSQL's output functions print it (NULL is empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.timedelta):
        return _interval(value)
    if isinstance(value, dt.datetime):
        return _stamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        text = value.strftime("%H:%M:%S")
        if value.microsecond:
            text += f".{value.microsecond:06d}".rstrip("0")
        return text + ("+00" if value.tzinfo is not None else "")
    return str(value)


def _footer(count: int) -> str:
    return f"({count} row{'' if count == 1 else 's'})"


def render(columns: list[Column], rows: list[tuple[object, ...]], opts: PrintOptions,
           title: str | None = None, footer: bool = True) -> str:
    """The text psql prints for one result set (``title`` as \\d and \\dt print one)."""
    cells = [[format_value(v) for v in row] for row in rows]
    names = [c.name for c in columns]
    if not opts.aligned:
        return _unaligned(names, cells, opts)
    if opts.expanded:
        return _expanded(names, cells, opts)
    right = [c.type in _NUMERIC for c in columns]
    split = [[cell.split("\n") for cell in row] for row in cells]
    widths = [max([len(n)] + [len(line) for r in split for line in r[i]])
              for i, n in enumerate(names)]
    out: list[str] = []
    if not opts.tuples_only:
        heads = []
        for i, name in enumerate(names):
            pad = widths[i] - len(name)
            heads.append(" " * (pad // 2) + name + " " * (pad - pad // 2))
        header = " " + " | ".join(heads) + " "
        if title is not None:
            out.append(" " * max(0, (len(header) - len(title)) // 2) + title)
        out.append(header)
        out.append("+".join("-" * (w + 2) for w in widths))
    for row in split:
        out.extend(_row_lines(row, widths, right))
    if not opts.tuples_only and footer:
        out.append(_footer(len(rows)))
    if opts.tuples_only:
        return "\n".join(out) + "\n" + ("\n" if rows else "")
    return "\n".join(out) + "\n\n"


def _row_lines(row: list[list[str]], widths: list[int], right: list[bool]) -> list[str]:
    """One row's physical lines; a cell with more lines marks its line end with ``+``."""
    height = max(len(cell) for cell in row)
    last = len(row) - 1
    lines = []
    for n in range(height):
        text = " "
        for i, cell in enumerate(row):
            exists = n < len(cell)  # past a cell's last line psql prints nothing for it
            part = cell[n] if exists else ""
            more = n + 1 < len(cell)
            padded = part.rjust(widths[i]) if right[i] else part.ljust(widths[i])
            if i < last:
                text += padded + ("+" if more else " ") + "| "
            elif more:
                text += padded + "+"
            else:
                text += padded if right[i] and exists else part
        lines.append(text)
    return lines


def _record_line(record: int, hwidth: int, dwidth: int) -> str:
    """print.c's print_aligned_vertical_line for border 1 (``record`` 0: no label)."""
    out = "-" + (f"[ RECORD {record} ]" if record else "")
    reclen = len(out)
    out += "-" * max(0, hwidth - reclen)
    reclen -= hwidth
    for mark in "-+-":
        if reclen <= 0:
            out += mark
        reclen -= 1
    reclen = max(reclen, 0)
    return out + "-" * max(0, max(dwidth, reclen) - reclen)


def _expanded(names: list[str], cells: list[list[str]], opts: PrintOptions) -> str:
    """print.c's print_aligned_vertical (border 1, no wrapping)."""
    if not cells:
        return "\n" if opts.tuples_only else "(0 rows)\n\n"
    split = [[value.split("\n") for value in row] for row in cells]
    hwidth = max(len(n) for n in names)
    dwidth = max(len(line) for row in split for value in row for line in value)
    multiline = any(len(value) > 1 for row in split for value in row)
    # The data column is widened so a record header line fits (as print.c computes it).
    swidth = 3 + multiline
    rwidth = 0 if opts.tuples_only else 13 + int(math.log10(len(cells)))
    dwidth = max(hwidth + swidth + dwidth, rwidth) - hwidth - swidth
    out: list[str] = []
    for number, row in enumerate(split, 1):
        if not opts.tuples_only:
            out.append(_record_line(number, hwidth, dwidth))
        elif number > 1:
            out.append(_record_line(0, hwidth, dwidth))
        for name, lines in zip(names, row, strict=True):
            for index, line in enumerate(lines):
                head = name.ljust(hwidth) if index == 0 else " " * hwidth
                more = index + 1 < len(lines)
                out.append(f"{head} | {line.ljust(dwidth) + '+' if more else line}")
    return "\n".join(out) + "\n\n"


def _unaligned(names: list[str], cells: list[list[str]], opts: PrintOptions) -> str:
    sep, rec = opts.field_sep, opts.record_sep
    lines: list[str] = []
    if opts.expanded:
        for number, row in enumerate(cells):
            if number:
                lines.append("")
            lines.extend(f"{n}{sep}{v}" for n, v in zip(names, row, strict=True))
        return rec.join(lines) + (rec if lines else "")
    if not opts.tuples_only:
        lines.append(sep.join(names))
    lines.extend(sep.join(row) for row in cells)
    if not opts.tuples_only:
        lines.append(_footer(len(cells)))
    return rec.join(lines) + (rec if lines else "")
