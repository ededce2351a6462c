"""EXPLAIN [ANALYZE]: options, the plan as PostgreSQL's text format, and what a run leaves.

The text is the server's (one ``QUERY PLAN`` row per line): ``->`` arrows six
columns apart, ``(cost=0.00..4167.00 rows=10 width=35)``, detail lines two columns
right of their node's arrow. ANALYZE's timings are the simulation's: the plan's
cost at MS_PER_COST, slowed by the server's load, never the wall clock; its row
counts are the estimates (no data is scanned). VERBOSE, BUFFERS, WAL, SETTINGS
and FORMAT other than TEXT are accepted and ignored.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .model import PgError, Table
from .planner import MS_PER_COST, Node

__all__ = ["ExplainOptions", "parse_explain", "record_scan", "render_plan", "run_ms"]

_HEAD = re.compile(r"^\s*explain\b", re.IGNORECASE)
_BOOL = {"true": True, "on": True, "1": True, "yes": True,
         "false": False, "off": False, "0": False, "no": False}
_KNOWN = {"analyze", "verbose", "costs", "settings", "buffers", "wal", "timing", "summary",
          "format"}


@dataclass
class ExplainOptions:
    analyze: bool = False
    costs: bool = True
    timing: bool = True
    summary: bool | None = None


def parse_explain(text: str, offset: int) -> tuple[ExplainOptions, str, int] | None:
    """(options, the statement explained, its offset in ``text``), or None if not EXPLAIN."""
    match = _HEAD.match(text)
    if match is None:
        return None
    opts = ExplainOptions()
    pos = match.end()
    rest = text[pos:]
    stripped = rest.lstrip()
    pos += len(rest) - len(stripped)
    if stripped.startswith("("):
        close = stripped.find(")")
        if close < 0:
            raise PgError("ERROR", "syntax error at end of input", offset + len(text) + 1)
        start = pos + 1
        for item in stripped[1:close].split(","):
            words = item.split()
            where = offset + start + (item.find(words[0]) if words else 0) + 1
            start += len(item) + 1
            if not words:
                continue
            name = words[0].lower()
            if name not in _KNOWN:
                raise PgError("ERROR", f'unrecognized EXPLAIN option "{name}"', where)
            value = words[1].lower() if len(words) > 1 else "true"
            if name == "format":
                if value not in ("text", "json", "xml", "yaml"):
                    raise PgError("ERROR", f'unrecognized value for EXPLAIN option "format": '
                                  f'"{value}"', where)
                continue
            if value not in _BOOL:
                raise PgError("ERROR", f"{name} requires a Boolean value")
            if name in ("analyze", "costs", "timing", "summary"):
                setattr(opts, name, _BOOL[value])
        pos += close + 1
    else:
        for word in ("analyze", "verbose"):
            rest = text[pos:]
            stripped = rest.lstrip()
            if stripped[:len(word)].lower() == word and (
                    len(stripped) == len(word) or not stripped[len(word)].isalnum()):
                if word == "analyze":
                    opts.analyze = True
                pos += len(rest) - len(stripped) + len(word)
    return opts, text[pos:], offset + pos


def _share(node: Node, child: Node, fraction: float) -> float:
    """The share of ``child``'s work a run does (a Limit stops its child early; a Sort
    or an Aggregate reads all of its input)."""
    if node.label == "Limit" and child.rows > 0:
        return min(1.0, node.rows / child.rows)
    return 1.0 if node.label in ("Sort", "Aggregate") else fraction


def run_ms(node: Node, load: float) -> float:
    """How long the plan takes to run on the simulated server."""
    return _actual(node, 1.0, load)[1]


def _actual(node: Node, fraction: float, load: float) -> tuple[float, float]:
    start = node.startup * MS_PER_COST * load
    total = start + (node.total - node.startup) * fraction * MS_PER_COST * load
    return start, max(total, start + 0.002)


def _label(node: Node, opts: ExplainOptions, fraction: float, load: float) -> str:
    parts = [node.label]
    if opts.costs:
        parts.append(f"(cost={node.startup:.2f}..{node.total:.2f} rows={int(node.rows)} "
                     f"width={node.width})")
    if opts.analyze:
        rows = max(0, round(node.rows * fraction))
        if opts.timing:
            start, total = _actual(node, fraction, load)
            parts.append(f"(actual time={start:.3f}..{total:.3f} rows={rows} loops=1)")
        else:
            parts.append(f"(actual rows={rows} loops=1)")
    if len(parts) == 1:
        return parts[0]
    return parts[0] + ("  " if opts.costs else " ") + " ".join(parts[1:])


def _analyze_details(node: Node, fraction: float) -> list[str]:
    lines: list[str] = []
    if node.sort_method in ("quicksort", "top-N heapsort"):
        memory = max(25, math.ceil(min(node.rows, 1e5) * (node.width + 24) / 1024))
        lines.append(f"Sort Method: {node.sort_method}  Memory: {memory}kB")
    if any(d.startswith("Filter:") for d in node.details):
        removed = max(0, round((node.fetched - node.rows) * fraction))
        lines.append(f"Rows Removed by Filter: {removed}")
    if node.label.startswith("Bitmap Heap Scan"):
        lines.append(f"Heap Blocks: exact={max(1, node.pages)}")
    return lines


def render_plan(root: Node, opts: ExplainOptions, load: float, planning_ms: float) -> list[str]:
    """EXPLAIN's text format, one line per QUERY PLAN row."""
    lines: list[str] = []

    def walk(node: Node, depth: int, fraction: float) -> None:
        label = _label(node, opts, fraction, load)
        lines.append(label if depth == 0 else " " * (6 * depth - 4) + "->  " + label)
        pad = " " * (6 * depth + 2)
        details = list(node.details)
        if opts.analyze:
            extra = _analyze_details(node, fraction)
            at = 1 if details and details[0].startswith(("Sort Key", "Recheck")) else len(
                details)
            if node.label.startswith("Bitmap Heap"):
                at = len(details)
            details[at:at] = extra
        lines.extend(pad + d for d in details)
        for child in node.children:
            walk(child, depth + 1, _share(node, child, fraction))

    walk(root, 0, 1.0)
    summary = opts.summary if opts.summary is not None else opts.analyze
    if summary:
        lines.append(f"Planning Time: {planning_ms:.3f} ms")
    if opts.analyze and summary:
        lines.append(f"Execution Time: {run_ms(root, load) + 0.012:.3f} ms")
    return lines


def record_scan(table: Table, root: Node) -> int:
    """Count one execution in pg_stat_user_tables/indexes; returns the rows it returned."""
    leaf = root
    while leaf.children:
        leaf = leaf.children[0]
    if leaf.index is None:
        table.seq_scan += 1
        table.seq_tup_read += int(table.tuples)
    else:
        table.idx_scan += 1
        table.idx_tup_fetch += int(leaf.fetched)
        leaf.index.idx_scan += 1
        leaf.index.idx_tup_read += int(leaf.fetched)
        leaf.index.idx_tup_fetch += int(leaf.fetched) if "Only" not in leaf.label else 0
    return int(root.rows)
