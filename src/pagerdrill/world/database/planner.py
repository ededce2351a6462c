"""A small cost-based planner: PostgreSQL's path choice for single-table SELECTs.

Supported shapes: ``SELECT cols|*|count(*) FROM t [WHERE col op const AND ...]
[ORDER BY col [DESC], ...] [LIMIT n]`` with ``= < <= > >=``. Paths are Seq Scan,
Index Scan (forward or backward), Index Only Scan and Bitmap Heap Scan over each
ready index, with Sort, Limit and Aggregate above, costed with costsize.c's
formulas from the table's simulated size (reltuples, relpages) and column
statistics (ColumnStats), and the cheapest total wins.

Exact: the Seq Scan cost (relpages * seq_page_cost + reltuples * (cpu_tuple_cost +
cpu_operator_cost * quals)), Sort, Limit and Aggregate costs, and the btree
descent and bitmap page costs. Approximate: selectivities (an MCV list and
bounds stand in for the histogram), index sizes (estimated, no deduplication),
and no parallel plans (as with max_parallel_workers_per_gather = 0), joins,
expressions, OR, IN or IS NULL.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import PgError

if TYPE_CHECKING:
    from .indexes import Index
    from .model import PgServer, Table

__all__ = ["MS_PER_COST", "Node", "Query", "parse_query", "parse_tree", "plan", "plan_sql",
           "unsupported"]

MS_PER_COST = 0.003  # the simulated executor's speed on an idle server (cached pages)
_INT_TYPES = {"bigint", "int8", "integer", "int", "int4", "smallint", "int2", "serial",
              "bigserial"}
_TS_TYPES = {"timestamptz", "timestamp with time zone", "timestamp",
             "timestamp without time zone"}
_TYPE_NAMES = {"int8": "bigint", "int4": "integer", "int": "integer", "int2": "smallint",
               "timestamptz": "timestamp with time zone", "bigserial": "bigint",
               "serial": "integer", "timestamp": "timestamp without time zone"}
_OPS = {"COMPARE_EQUAL": "=", "COMPARE_LESSTHAN": "<", "COMPARE_LESSTHANOREQUALTO": "<=",
        "COMPARE_GREATERTHAN": ">", "COMPARE_GREATERTHANOREQUALTO": ">="}
_FLIP = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_DEFAULT_EQ_SEL = 0.005
_DEFAULT_INEQ_SEL = 1 / 3


def unsupported() -> PgError:
    return PgError("ERROR", "EXPLAIN is simulated only for single-table SELECT with AND-ed "
                   "comparisons, ORDER BY and LIMIT")


@dataclass
class Qual:
    column: str
    op: str
    value: object  # a number (epoch seconds for timestamps) or text
    text: str  # as EXPLAIN deparses it: (customer_id = 42)


@dataclass
class Query:
    table: Table
    columns: list[str]  # the columns the scan must return
    count: bool
    quals: list[Qual]
    order: list[tuple[str, bool]]  # (column, descending)
    limit: int | None


@dataclass
class Node:
    label: str
    startup: float
    total: float
    rows: float
    width: int
    details: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    index: Index | None = None
    fetched: float = 0.0  # tuples a scan reads before its filter
    pages: int = 0  # heap blocks a bitmap scan visits
    sort_method: str = ""


def _costs(server: PgServer, overrides: dict[str, str]) -> dict[str, float]:
    names = ("seq_page_cost", "random_page_cost", "cpu_tuple_cost", "cpu_index_tuple_cost",
             "cpu_operator_cost", "effective_cache_size")
    return {n: float(overrides.get(n, server.setting(n).setting)) for n in names}


# -- parsing --------------------------------------------------------------------------


def _constant(node: dict[str, Any]) -> tuple[str, str]:
    """(kind, text) of a literal; a $n parameter is PostgreSQL's error."""
    if node.get("class") == "PARAMETER":
        loc = int(node.get("query_location", 0))
        raise PgError("ERROR", f"there is no parameter ${node.get('identifier', '1')}",
                      loc + 1)
    if node.get("class") == "CAST" and (node.get("child") or {}).get("class") == "CONSTANT":
        node = node["child"]
    if node.get("class") != "CONSTANT":
        raise unsupported()
    literal = node.get("literal") or {}
    return str(literal.get("kind", "")), str(literal.get("text", ""))


def _qual(table: Table, column: str, op: str, kind: str, value: str) -> Qual:
    types = dict(table.columns)
    pg_type = types[column].lower()
    if pg_type in _INT_TYPES and kind == "INTEGER":
        return Qual(column, op, int(value), f"({column} {op} {value})")
    if pg_type in _TS_TYPES:
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise PgError("ERROR", "invalid input syntax for type "
                          f'{_TYPE_NAMES.get(pg_type, pg_type)}: "{value}"') from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        shown = moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S+00")
        return Qual(column, op, moment.timestamp(),
                    f"({column} {op} '{shown}'::{_TYPE_NAMES.get(pg_type, pg_type)})")
    number: object = value
    if pg_type in _INT_TYPES or kind in ("INTEGER", "DECIMAL", "DOUBLE"):
        try:
            number = float(value)
        except ValueError:
            raise PgError("ERROR", f'invalid input syntax for type '
                          f'{_TYPE_NAMES.get(pg_type, pg_type)}: "{value}"') from None
    return Qual(column, op, number,
                f"({column} {op} '{value}'::{_TYPE_NAMES.get(pg_type, pg_type)})")


def _column(node: dict[str, Any], table: Table, alias: str) -> str:
    if node.get("class") != "COLUMN_REF":
        raise unsupported()
    names = [str(n) for n in node.get("column_names") or []]
    if len(names) == 2 and names[0] in (alias, table.name):
        names = names[1:]
    known = [name for name, _ in table.columns]
    if len(names) != 1 or names[0] not in known:
        where = int(node.get("query_location", 0)) + 1
        raise PgError("ERROR", f'column "{".".join(names)}" does not exist', where)
    return names[0]


def parse_query(tree_json: str, server: PgServer, database: str) -> Query:
    """The planner's view of one SELECT, from DuckDB's parse tree (json_serialize_sql)."""
    try:
        node = json.loads(tree_json)["statements"][0]["node"]
    except (KeyError, IndexError, ValueError, TypeError):
        raise unsupported() from None
    source = node.get("from_table") or {}
    if node.get("type") != "SELECT_NODE" or source.get("type") != "BASE_TABLE" or \
            node.get("group_expressions") or node.get("having"):
        raise unsupported()
    name = str(source.get("table_name", ""))
    table = server.tables.get((database, name))
    if table is None:
        raise PgError("ERROR", f'relation "{name}" does not exist',
                      int(source.get("query_location", 0)) + 1)
    alias = str(source.get("alias") or name)
    columns: list[str] = []
    count = False
    for item in node.get("select_list") or []:
        if item.get("class") == "STAR":
            columns.extend(c for c, _ in table.columns)
        elif item.get("class") == "FUNCTION" and item.get("function_name") == "count_star":
            count = True
        else:
            columns.append(_column(item, table, alias))
    if count and columns:
        raise unsupported()
    quals: list[Qual] = []
    where = node.get("where_clause")
    parts = (where.get("children") or []) if where and where.get("type") == \
        "CONJUNCTION_AND" else ([where] if where else [])
    for part in parts:
        op = _OPS.get(str(part.get("type")))
        if op is None:
            raise unsupported()
        left, right = part.get("left") or {}, part.get("right") or {}
        if left.get("class") != "COLUMN_REF":
            left, right, op = right, left, _FLIP[op]
        column = _column(left, table, alias)
        kind, value = _constant(right)
        quals.append(_qual(table, column, op, kind, value))
    order: list[tuple[str, bool]] = []
    limit: int | None = None
    for modifier in node.get("modifiers") or []:
        if modifier.get("type") == "ORDER_MODIFIER":
            for entry in modifier.get("orders") or []:
                column = _column(entry.get("expression") or {}, table, alias)
                order.append((column, entry.get("type") == "DESCENDING"))
        elif modifier.get("type") == "LIMIT_MODIFIER":
            kind, value = _constant(modifier.get("limit") or {})
            if kind != "INTEGER" or modifier.get("offset"):
                raise unsupported()
            limit = int(value)
    needed = [] if count else sorted(set(columns) | {c for c, _ in order},
                                     key=[c for c, _ in table.columns].index)
    return Query(table, needed, count, quals, order, limit)


# -- estimates ------------------------------------------------------------------------


def _selectivity(table: Table, qual: Qual) -> float:
    stats = table.stats.get(qual.column)
    if qual.op == "=":
        if stats is None:
            return _DEFAULT_EQ_SEL
        if qual.value in stats.mcv:
            return stats.mcv[qual.value]
        distinct = stats.n_distinct if stats.n_distinct > 0 else -stats.n_distinct * table.tuples
        rest = max(1.0, distinct - len(stats.mcv))
        return max(0.0, 1.0 - sum(stats.mcv.values())) / rest
    if stats is None or stats.bounds is None or not isinstance(qual.value, int | float):
        return _DEFAULT_INEQ_SEL
    low, high = stats.bounds
    share = (float(qual.value) - low) / (high - low) if high > low else 0.5
    share = min(1.0, max(0.0, share))
    return max(0.0001, share if qual.op in ("<", "<=") else 1.0 - share)


def _rows(value: float) -> float:
    return max(1.0, float(round(value)))


def _width(table: Table, columns: list[str]) -> int:
    return sum(table.stats[c].width if c in table.stats else 8 for c in columns)


def _and(quals: list[Qual]) -> str:
    texts = [q.text for q in quals]
    return texts[0] if len(texts) == 1 else "(" + " AND ".join(texts) + ")"


def _pages_fetched(tuples: float, pages: float, index_pages: float, cache: float) -> float:
    """index_pages_fetched: the Mackert-Lohman formula."""
    total = max(1.0, pages + index_pages)
    b = max(1.0, math.ceil(cache * pages / total))
    if pages <= b:
        fetched = min(2 * pages * tuples / (2 * pages + tuples), pages)
    else:
        lim = 2 * pages * b / (2 * pages - b)
        fetched = (2 * pages * tuples / (2 * pages + tuples) if tuples <= lim
                   else b + (tuples - lim) * (pages - b) / pages)
    return float(math.ceil(fetched))


# -- paths ----------------------------------------------------------------------------


def _seq_scan(q: Query, c: dict[str, float], rows: float, width: int) -> Node:
    t = q.table
    total = t.pages * c["seq_page_cost"] + t.tuples * (
        c["cpu_tuple_cost"] + c["cpu_operator_cost"] * len(q.quals))
    details = [f"Filter: {_and(q.quals)}"] if q.quals else []
    return Node(f"Seq Scan on {t.name}", 0.0, total, rows, width, details, fetched=t.tuples)


def _index_quals(index: Index, quals: list[Qual]) -> list[Qual]:
    """The quals a btree can use: equalities on a prefix of its columns, then a range."""
    used: list[Qual] = []
    for column in index.columns:
        equal = [q for q in quals if q.column == column and q.op == "="]
        if equal:
            used.append(equal[0])
            continue
        used.extend(q for q in quals if q.column == column)
        break
    return used


def _ordered(index: Index, used: list[Qual], order: list[tuple[str, bool]]) -> bool | None:
    """None if the index cannot give ``order``; else whether it is read backward."""
    if not order or len({desc for _, desc in order}) > 1:
        return None
    bound = {q.column for q in used if q.op == "="}
    columns = [c for c in index.columns]
    position = 0
    while position < len(columns) and columns[position] in bound:
        position += 1
    wanted = [c for c, _ in order]
    if columns[position:position + len(wanted)] != wanted and columns[:len(wanted)] != wanted:
        return None
    return order[0][1]


def _index_paths(q: Query, index: Index, c: dict[str, float], rows: float,
                 width: int) -> list[Node]:
    t = q.table
    used = _index_quals(index, q.quals)
    backward = _ordered(index, used, q.order)
    if not used and backward is None:
        return []
    op = c["cpu_operator_cost"]
    sel = math.prod(_selectivity(t, qual) for qual in used)
    index_tuples = _rows(sel * t.tuples)
    index_pages = (math.ceil(index_tuples * index.relpages / t.tuples)
                   if index.relpages > 1 and t.tuples > 1 else 1.0)
    descent = (math.ceil(math.log2(t.tuples)) * op if t.tuples > 1 else 0.0) + \
        (index.height + 1) * 50 * op
    index_total = index_pages * c["random_page_cost"] + index_tuples * (
        c["cpu_index_tuple_cost"] + op * len(used)) + descent
    others = [qual for qual in q.quals if qual not in used]
    cond = [f"Index Cond: {_and(used)}"] if used else []
    paths: list[Node] = []
    only = set(q.columns) <= set(index.columns)
    corr = t.stats[index.columns[0]].correlation if index.columns[0] in t.stats else 0.0
    fetched = _pages_fetched(index_tuples, t.pages, index.relpages, c["effective_cache_size"])
    visible = 1.0 if not only else 1.0 - t.all_visible
    max_io = math.ceil(fetched * visible) * c["random_page_cost"]
    min_pages = math.ceil(sel * t.pages * visible)
    min_io = (c["random_page_cost"] + (min_pages - 1) * c["seq_page_cost"]) if min_pages else 0.0
    io = max_io + corr * corr * (min_io - max_io)
    cpu = index_tuples * (c["cpu_tuple_cost"] + op * len(others))
    kind = "Index Only Scan" if only else "Index Scan"
    direction = " Backward" if backward else ""
    scan = Node(f"{kind}{direction} using {index.name} on {t.name}", descent,
                index_total + io + cpu, rows, width,
                cond + ([f"Filter: {_and(others)}"] if others else []), index=index,
                fetched=index_tuples)
    scan.sort_method = "ordered" if backward is not None else ""
    paths.append(scan)
    if used:
        tree = index_total + 0.1 * op * index_tuples
        pages = min(float(t.pages), fetched)
        per_page = (c["random_page_cost"] - (c["random_page_cost"] - c["seq_page_cost"]) *
                    math.sqrt(pages / max(1, t.pages)) if pages >= 2 else c["random_page_cost"])
        run = pages * per_page + index_tuples * (c["cpu_tuple_cost"] + op * len(q.quals))
        child = Node(f"Bitmap Index Scan on {index.name}", 0.0, index_total, index_tuples, 0,
                     [f"Index Cond: {_and(used)}"], index=index)
        paths.append(Node(f"Bitmap Heap Scan on {t.name}", tree, tree + run, rows, width,
                          [f"Recheck Cond: {_and(used)}"] +
                          ([f"Filter: {_and(others)}"] if others else []), [child],
                          index=index, fetched=index_tuples, pages=int(pages)))
    return paths


def _finish(q: Query, scan: Node, c: dict[str, float]) -> Node:
    """Aggregate or Sort above the scan, then Limit."""
    op = c["cpu_operator_cost"]
    top = scan
    if q.count:
        start = scan.total + op * scan.rows
        top = Node("Aggregate", start, start + c["cpu_tuple_cost"], 1.0, 8, children=[scan])
    elif q.order and scan.sort_method != "ordered":
        tuples = max(2.0, scan.rows)
        compare = 2 * op
        heap = q.limit is not None and tuples > 2 * q.limit
        log = math.log2(2.0 * (q.limit or 1)) if heap else math.log2(tuples)
        start = scan.total + compare * tuples * log
        keys = ", ".join(f"{col}{' DESC' if desc else ''}" for col, desc in q.order)
        top = Node("Sort", start, start + op * tuples, scan.rows, scan.width,
                   [f"Sort Key: {keys}"], [scan])
        top.sort_method = "top-N heapsort" if heap else "quicksort"
    if q.limit is not None:
        rows = min(float(q.limit), top.rows)
        total = top.total if q.limit >= top.rows else \
            top.startup + (top.total - top.startup) * q.limit / top.rows
        top = Node("Limit", top.startup, total, max(rows, 1.0) if q.limit else 0.0, top.width,
                   children=[top])
    return top


def plan(q: Query, server: PgServer, overrides: dict[str, str], now_us: int) -> Node:
    """The cheapest plan for ``q`` with the indexes ready at ``now_us``."""
    c = _costs(server, overrides)
    t = q.table
    rows = _rows(t.tuples * math.prod(_selectivity(t, qual) for qual in q.quals))
    width = _width(t, q.columns)
    candidates = [_seq_scan(q, c, rows, width)]
    for index in server.indexes_on(t.database, t.name):
        if index.ready(now_us):
            candidates.extend(_index_paths(q, index, c, rows, width))
    finished = [_finish(q, scan, c) for scan in candidates]
    return min(finished, key=lambda node: node.total)


@functools.lru_cache(maxsize=256)
def parse_tree(sql: str) -> str:
    """DuckDB's parse tree of ``sql`` as JSON (a pure function of the text, so cached)."""
    from . import duck  # the SQL engine loads on first use

    row = duck.shared_database().execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
    return str(row[0]) if row else "{}"


def plan_sql(server: PgServer, database: str, sql: str, now_us: int,
             overrides: dict[str, str] | None = None) -> tuple[Query, Node]:
    """Parse and plan one SELECT the way the server would run it now."""
    query = parse_query(parse_tree(sql), server, database)
    return query, plan(query, server, overrides or {}, now_us)
