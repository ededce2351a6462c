"""Indexes as catalog objects: their definition, size, build, and the DDL that makes them.

An index holds no data: the planner only needs its columns, its size and
whether it is valid. Building one takes simulated time proportional to the
table's size; a plain CREATE INDEX holds a SHARE lock on the table for that
time (writers queue behind it), CONCURRENTLY holds SHARE UPDATE EXCLUSIVE
(writers go on) and takes longer, and cannot run inside a transaction block.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .model import PgServer, Table

__all__ = ["Index", "IndexDdl", "build_seconds", "default_name", "estimate_pages",
           "parse_index_ddl"]

# Index tuple: 8-byte header plus the keys, each MAXALIGNed, plus a 4-byte line
# pointer; leaf pages filled to 90% (btree's default fillfactor).
_PAGE_ROOM = 8192 * 0.9
_SCAN_BYTES_PER_S = 60 * 1024 * 1024  # reading the heap
_SORT_US_PER_TUPLE = 2.5  # sorting and writing the index


@dataclass
class Index:
    name: str
    table: str
    columns: tuple[str, ...]
    database: str = "postgres"
    schema: str = "public"
    unique: bool = False
    primary: bool = False
    valid: bool = True
    method: str = "btree"
    relpages: int = 1
    ready_us: int = 0  # a build in progress finishes at this instant
    builder_pid: int | None = None
    concurrent: bool = False
    idx_scan: int = 0
    idx_tup_read: int = 0
    idx_tup_fetch: int = 0

    def ready(self, now_us: int) -> bool:
        """Usable by the planner: built and valid."""
        return self.valid and self.ready_us <= now_us

    @property
    def height(self) -> int:
        """The btree's height above the leaves (the metapage's btm_level)."""
        leaves = max(1, self.relpages - 1)
        return 0 if leaves <= 1 else math.ceil(math.log(leaves) / math.log(256))

    def definition(self) -> str:
        """pg_indexes.indexdef, as pg_get_indexdef prints it."""
        kind = "UNIQUE INDEX" if self.unique or self.primary else "INDEX"
        return (f"CREATE {kind} {self.name} ON {self.schema}.{self.table} USING {self.method} "
                f"({', '.join(self.columns)})")

    def footer(self) -> str:
        """The line \\d prints under "Indexes:"."""
        kind = " PRIMARY KEY," if self.primary else (" UNIQUE," if self.unique else "")
        invalid = " INVALID" if not self.valid else ""
        return f'    "{self.name}"{kind} {self.method} ({", ".join(self.columns)}){invalid}'


def _key_width(table: Table, column: str) -> int:
    stats = table.stats.get(column)
    width = stats.width if stats is not None else 8
    return (width + 7) // 8 * 8


def estimate_pages(table: Table, columns: tuple[str, ...]) -> int:
    """Pages a freshly built btree over ``columns`` takes; duplicates of a key are stored
    once with a list of 6-byte heap pointers (btree deduplication, PostgreSQL 13+)."""
    tuple_bytes = 8.0 + sum(_key_width(table, c) for c in columns) + 4
    distinct = 1.0
    for column in columns:
        stats = table.stats.get(column)
        n = stats.n_distinct if stats is not None else -1.0
        distinct *= n if n > 0 else -n * table.tuples
    repeats = table.tuples / max(1.0, min(distinct, table.tuples))
    if repeats > 2:
        tuple_bytes = 6 + tuple_bytes / min(repeats, 200)
    return max(1, math.ceil(table.tuples * tuple_bytes / _PAGE_ROOM)) + 1


def build_seconds(table: Table, *, concurrent: bool, load_factor: float = 1.0) -> float:
    """How long a build takes: a heap scan and a sort; CONCURRENTLY scans twice and waits."""
    once = table.pages * 8192 / _SCAN_BYTES_PER_S + table.tuples * _SORT_US_PER_TUPLE / 1e6
    return max(0.05, once * (2.4 if concurrent else 1.0) * load_factor)


@dataclass
class IndexDdl:
    """A parsed CREATE INDEX or DROP INDEX."""

    create: bool
    names: list[str]
    table: str = ""
    columns: tuple[str, ...] = ()
    unique: bool = False
    concurrent: bool = False
    if_exists: bool = False  # IF NOT EXISTS for CREATE
    method: str = "btree"


_IDENT = r'(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)'
_CREATE = re.compile(
    rf"^\s*create\s+(?P<unique>unique\s+)?index\s+(?P<conc>concurrently\s+)?"
    rf"(?:(?P<ine>if\s+not\s+exists\s+)?(?P<name>{_IDENT})\s+)?on\s+(?:only\s+)?"
    rf"(?:{_IDENT}\.)?(?P<table>{_IDENT})\s*(?:using\s+(?P<method>\w+)\s*)?"
    r"\((?P<cols>[^()]*)\)\s*;?\s*$", re.IGNORECASE | re.DOTALL)
_DROP = re.compile(
    rf"^\s*drop\s+index\s+(?P<conc>concurrently\s+)?(?P<ie>if\s+exists\s+)?"
    rf"(?P<names>{_IDENT}(?:\s*,\s*{_IDENT})*)\s*(?:cascade|restrict)?\s*;?\s*$",
    re.IGNORECASE | re.DOTALL)
_COLUMN = re.compile(rf"^\s*({_IDENT})(?:\s+(?:asc|desc))?(?:\s+nulls\s+(?:first|last))?\s*$",
                     re.IGNORECASE)


def _unquote(name: str) -> str:
    return name[1:-1] if name.startswith('"') else name.lower()


def parse_index_ddl(text: str) -> IndexDdl | None:
    """CREATE/DROP INDEX in the forms the simulation supports (None: not one of them)."""
    match = _CREATE.match(text)
    if match is not None:
        columns: list[str] = []
        for part in match.group("cols").split(","):
            column = _COLUMN.match(part)
            if column is None:
                return None  # expressions, opclasses: not simulated
            columns.append(_unquote(column.group(1)))
        name = match.group("name")
        return IndexDdl(True, [_unquote(name)] if name else [], _unquote(match.group("table")),
                        tuple(columns), bool(match.group("unique")), bool(match.group("conc")),
                        bool(match.group("ine")), (match.group("method") or "btree").lower())
    match = _DROP.match(text)
    if match is not None:
        names = [_unquote(n.strip()) for n in match.group("names").split(",")]
        return IndexDdl(False, names, concurrent=bool(match.group("conc")),
                        if_exists=bool(match.group("ie")))
    return None


def default_name(server: PgServer, database: str, table: str, columns: tuple[str, ...]) -> str:
    """ChooseIndexName: table_col1_col2_idx, with a number when it is taken."""
    base = f"{table}_{'_'.join(columns)}_idx"[:63]
    name, n = base, 0
    taken = {name for (db, name) in server.indexes if db == database} | {
        t for (db, t) in server.tables if db == database}
    while name in taken:
        n += 1
        name = f"{base[:63 - len(str(n))]}{n}"
    return name
