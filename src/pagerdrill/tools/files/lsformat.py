"""How ls lays entries out: long lines, columns (GNU's algorithm), colours."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pagerdrill.tools.files.common import (
    _SAFE,
    ceil_div,
    fmt_time_full,
    fmt_time_ls,
    human,
    is_recent,
    mode_string,
    quote,
    rdev_of,
)
from pagerdrill.world.fs import Inode, Kind

__all__ = ["Entry", "Layout", "columns", "long_lines", "name_cell"]

_MIN_COLUMN_WIDTH = 3


@dataclass
class Entry:
    """One name to print: what it is called here and the inode behind it."""

    name: str
    inode: Inode
    target: Inode | None = None  # a symlink's resolved target, when it resolves


@dataclass
class Layout:
    """Everything that shapes a line, decided once from the options."""

    indicator: str = "none"  # none, slash, file-type, classify
    color: bool = False
    quote_names: bool = False  # shell-escape quoting (stdout is a terminal)
    inode: bool = False
    size_blocks: bool = False
    human_base: int = 0
    owner: bool = True
    group: bool = True
    numeric: bool = False
    time_style: str = "locale"
    time_of: Callable[[Inode], int] = lambda inode: inode.mtime_ms
    now_ms: int = 0
    user_name: Callable[[int], str] = str
    group_name: Callable[[int], str] = str
    width: int = 80
    tabsize: int = 8


def _indicator(inode: Inode, style: str) -> str:
    if style == "none":
        return ""
    if inode.kind is Kind.DIR:
        return "/"
    if style == "slash":
        return ""
    if inode.kind is Kind.LINK:
        return "@"
    if style == "classify" and inode.kind is Kind.FILE and inode.mode & 0o111:
        return "*"
    return ""


def _color_code(inode: Inode, target: Inode | None) -> str:
    if inode.kind is Kind.LINK:
        return "01;36"
    if inode.kind is Kind.DIR:
        sticky, other_w = inode.mode & 0o1000, inode.mode & 0o002
        if sticky and other_w:
            return "30;42"
        if other_w:
            return "34;42"
        return "37;44" if sticky else "01;34"
    if inode.kind is Kind.CHAR:
        return "40;33;01"
    if inode.mode & 0o4000:
        return "37;41"
    if inode.mode & 0o2000:
        return "30;43"
    return "01;32" if inode.mode & 0o111 else ""


class Painter:
    """Colours names as GNU ls does: a reset before the first colour, one per name."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = False

    def paint(self, text: str, code: str) -> str:
        if not self.enabled or not code:
            return text
        prefix = "" if self.started else "\x1b[0m"
        self.started = True
        return f"{prefix}\x1b[{code}m{text}\x1b[0m"


def _shown_name(name: str, layout: Layout, pad: bool) -> str:
    if not layout.quote_names:
        return name
    if _SAFE.match(name) or not name:
        return (" " + name) if pad else name
    return quote(name)


def name_cell(entry: Entry, layout: Layout, painter: Painter, pad: bool,
              long: bool = False) -> tuple[str, int]:
    """The printed name with colour and indicator, and its width on screen."""
    shown = _shown_name(entry.name, layout, pad)
    text = painter.paint(shown, _color_code(entry.inode, entry.target))
    width = len(shown)
    if long and entry.inode.kind is Kind.LINK:
        target_text = _shown_name(entry.inode.target, layout, False)
        code = _color_code(entry.target, None) if entry.target is not None else ""
        if entry.target is not None and entry.target.kind is Kind.LINK:
            code = ""
        text += " -> " + painter.paint(target_text, code)
        if entry.target is not None and layout.indicator != "none":
            text += _indicator(entry.target, layout.indicator).replace("@", "")
        return text, width
    mark = _indicator(entry.inode, layout.indicator)
    if long and mark == "@":
        mark = ""
    return text + mark, width + len(mark)


def needs_pad(entries: list[Entry], layout: Layout) -> bool:
    """GNU aligns unquoted names by one column when some name in the list is quoted."""
    return layout.quote_names and any(not _SAFE.match(e.name) for e in entries if e.name)


def block_text(inode: Inode, layout: Layout) -> str:
    usage = inode.usage_bytes
    if layout.human_base:
        return human(usage, base=layout.human_base)
    return str(ceil_div(usage, 1024))


def _size_text(inode: Inode, layout: Layout) -> str:
    if layout.human_base:
        return human(inode.size, base=layout.human_base)
    return str(inode.size)


def _time_text(ms: int, layout: Layout) -> str:
    style = layout.time_style
    if style == "full-iso":
        return fmt_time_full(ms)
    if style == "long-iso":
        return fmt_time_full(ms)[:16]
    if style == "iso":
        full = fmt_time_full(ms)
        return full[5:16] if is_recent(ms, layout.now_ms) else full[:10] + " "
    return fmt_time_ls(ms, layout.now_ms)


def long_lines(entries: list[Entry], layout: Layout, painter: Painter,
               witnesses: Sequence[Entry] = ()) -> list[str]:
    """``ls -l`` lines with GNU's per-listing column widths; ``witnesses`` widen the
    columns without being printed (a huge listing rendered a chunk at a time)."""
    pad = needs_pad(entries, layout)
    rows = []
    for entry in [*entries, *witnesses]:
        inode = entry.inode
        owner = str(inode.uid) if layout.numeric else layout.user_name(inode.uid)
        group = str(inode.gid) if layout.numeric else layout.group_name(inode.gid)
        if inode.kind is Kind.CHAR:
            major, minor = rdev_of(inode)
            size: tuple[str, ...] = (str(major), str(minor))
        else:
            size = (_size_text(inode, layout),)
        rows.append((entry, str(inode.ino), block_text(inode, layout), mode_string(inode),
                     str(inode.nlink), owner, group, size))
    ino_w = max((len(r[1]) for r in rows), default=0)
    blk_w = max((len(r[2]) for r in rows), default=0)
    link_w = max((len(r[4]) for r in rows), default=0)
    own_w = max((len(r[5]) for r in rows), default=0)
    grp_w = max((len(r[6]) for r in rows), default=0)
    major_w = max((len(r[7][0]) for r in rows if len(r[7]) == 2), default=0)
    minor_w = max((len(r[7][1]) for r in rows if len(r[7]) == 2), default=0)
    size_w = max([len(r[7][0]) for r in rows if len(r[7]) == 1]
                 + ([major_w + 2 + minor_w] if major_w else []), default=0)
    lines = []
    for entry, ino, blk, mode, nlink, owner, group, size in rows[:len(entries)]:
        parts = []
        if layout.inode:
            parts.append(f"{ino:>{ino_w}} ")
        if layout.size_blocks:
            parts.append(f"{blk:>{blk_w}} ")
        parts.append(f"{mode} {nlink:>{link_w}} ")
        if layout.owner:
            parts.append(f"{owner:<{own_w}} ")
        if layout.group:
            parts.append(f"{group:<{grp_w}} ")
        if len(size) == 2:
            parts.append(f"{size[0]:>{major_w + size_w - (major_w + 2 + minor_w)}}, "
                         f"{size[1]:>{minor_w}} ")
        else:
            parts.append(f"{size[0]:>{size_w}} ")
        parts.append(_time_text(layout.time_of(entry.inode), layout) + " ")
        parts.append(name_cell(entry, layout, painter, pad, long=True)[0])
        lines.append("".join(parts))
    return lines


def _frills(entries: list[Entry], layout: Layout, painter: Painter,
            aligned: bool = True) -> list[tuple[str, int]]:
    """Each name with its inode and block-size prefixes, and the printed width
    (prefixes are right-aligned to a common width except in ``ls -m``)."""
    pad = needs_pad(entries, layout)
    ino_w = max((len(str(e.inode.ino)) for e in entries), default=0) if aligned else 0
    blk_w = max((len(block_text(e.inode, layout)) for e in entries), default=0) if aligned else 0
    cells = []
    for entry in entries:
        prefix = ""
        if layout.inode:
            prefix += f"{entry.inode.ino:>{ino_w}} "
        if layout.size_blocks:
            prefix += f"{block_text(entry.inode, layout):>{blk_w}} "
        text, width = name_cell(entry, layout, painter, pad)
        cells.append((prefix + text, len(prefix) + width))
    return cells


def _indent(start: int, end: int, tabsize: int) -> str:
    out = []
    while start < end:
        if tabsize and end // tabsize > (start + 1) // tabsize:
            out.append("\t")
            start += tabsize - start % tabsize
        else:
            out.append(" ")
            start += 1
    return "".join(out)


def one_per_line(entries: list[Entry], layout: Layout, painter: Painter) -> list[str]:
    return [text for text, _ in _frills(entries, layout, painter)]


def columns(entries: list[Entry], layout: Layout, painter: Painter,
            by_columns: bool) -> list[str]:
    """GNU ls's -C/-x layout: the most columns that fit, tabs for indentation."""
    cells = _frills(entries, layout, painter)
    count = len(cells)
    if count == 0:
        return []
    line_length = layout.width
    max_idx = line_length // _MIN_COLUMN_WIDTH if line_length else count
    max_cols = min(max(1, max_idx), count)
    valid = [True] * max_cols
    line_len = [(i + 1) * _MIN_COLUMN_WIDTH for i in range(max_cols)]
    col_arr = [[_MIN_COLUMN_WIDTH] * (i + 1) for i in range(max_cols)]
    for filesno, (_, name_length) in enumerate(cells):
        for i in range(max_cols):
            if not valid[i]:
                continue
            idx = filesno // ((count + i) // (i + 1)) if by_columns else filesno % (i + 1)
            real_length = name_length + (0 if idx == i else 2)
            if col_arr[i][idx] < real_length:
                line_len[i] += real_length - col_arr[i][idx]
                col_arr[i][idx] = real_length
                valid[i] = line_len[i] < line_length or not line_length
    cols = max_cols
    while cols > 1 and not valid[cols - 1]:
        cols -= 1
    widths = col_arr[cols - 1]
    lines = []
    if by_columns:
        rows = count // cols + (1 if count % cols else 0)
        for row in range(rows):
            lines.append(_row([cells[i] for i in range(row, count, rows)], widths, layout))
    else:
        for start in range(0, count, cols):
            lines.append(_row(cells[start:start + cols], widths, layout))
    return lines


def _row(cells: list[tuple[str, int]], widths: list[int], layout: Layout) -> str:
    out = []
    pos = 0
    for col, (text, length) in enumerate(cells):
        out.append(text)
        if col + 1 < len(cells):
            out.append(_indent(pos + length, pos + widths[col], layout.tabsize))
            pos += widths[col]
    return "".join(out)


def commas(entries: list[Entry], layout: Layout, painter: Painter) -> list[str]:
    """``ls -m``: names separated by ", ", wrapped as GNU's print_with_separator does."""
    out: list[str] = []
    pos = 0
    for i, (text, length) in enumerate(_frills(entries, layout, painter, aligned=False)):
        if i:
            if not layout.width or pos + length + 2 < layout.width:
                out.append(", ")
                pos += 2
            else:
                out.append(",\n")
                pos = 0
        out.append(text)
        pos += length
    return "".join(out).split("\n") if out else []
