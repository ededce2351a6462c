"""pg_stat_statements: one entry per (user, database, normalised query), as the extension keeps.

Constants are replaced by ``$1, $2...`` the way the extension's ``generate_normalized_query``
does (after any parameters the text already has), so the app's parameterised
statements and the player's ad-hoc ones land in the same view. The queryid is a
stable hash of the normalised text (the real one hashes the parse tree: the
numbers differ, the grouping is the same).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

__all__ = ["StatementStats", "normalise", "query_id", "record"]

_PARAM = re.compile(r"\$(\d+)")


@dataclass
class StatementStats:
    queryid: int
    user: str
    database: str
    query: str
    calls: int = 0
    total_exec_time: float = 0.0
    min_exec_time: float = 0.0
    max_exec_time: float = 0.0
    sum_sq: float = 0.0  # for stddev_exec_time
    rows: int = 0
    shared_blks_hit: int = 0
    shared_blks_read: int = 0

    @property
    def mean_exec_time(self) -> float:
        return self.total_exec_time / self.calls if self.calls else 0.0

    @property
    def stddev_exec_time(self) -> float:
        if not self.calls:
            return 0.0
        mean = self.mean_exec_time
        return math.sqrt(max(0.0, self.sum_sq / self.calls - mean * mean))


def normalise(sql: str) -> str:
    """The query text with its constants as ``$n`` (trailing semicolon and blanks dropped)."""
    import duckdb  # the SQL engine loads on first use (see the package's __init__)

    text = sql.strip().rstrip(";").rstrip()
    try:
        tokens = duckdb.tokenize(text)
    except duckdb.Error:
        return text
    used = [int(n) for n in _PARAM.findall(text)]
    number = max(used, default=0)
    out: list[str] = []
    last = 0
    for i, (offset, kind) in enumerate(tokens):
        name = str(kind).rsplit(".", 1)[-1]
        if name not in ("numeric_const", "string_const") or text[offset - 1:offset] == "$":
            continue  # not a constant, or the number of a $n parameter
        end = tokens[i + 1][0] if i + 1 < len(tokens) else len(text)
        start = offset
        if i > 0 and name == "numeric_const" and text[tokens[i - 1][0]] == "-" and \
                tokens[i - 1][0] + 1 == offset and (i < 2 or str(tokens[i - 2][1]).endswith(
                    ("operator", "keyword"))):
            start = tokens[i - 1][0]  # a negative literal is one constant
        number += 1
        out.append(text[last:start])
        out.append(f"${number}")
        last = start + len(text[start:end].rstrip())
    out.append(text[last:])
    return "".join(out)


def query_id(user: str, database: str, normalised: str) -> int:
    digest = hashlib.sha256(f"{user}\0{database}\0{normalised}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def record(entries: dict[int, StatementStats], user: str, database: str, normalised: str,
           ms: float, *, calls: int = 1, rows: int = 0, blks_hit: int = 0,
           blks_read: int = 0) -> StatementStats:
    """Add ``calls`` executions of ``ms`` each to the statement's entry."""
    qid = query_id(user, database, normalised)
    entry = entries.get(qid)
    if entry is None:
        entry = entries[qid] = StatementStats(qid, user, database, normalised,
                                              min_exec_time=ms, max_exec_time=ms)
    entry.calls += calls
    entry.total_exec_time += ms * calls
    entry.sum_sq += ms * ms * calls
    entry.min_exec_time = min(entry.min_exec_time, ms)
    entry.max_exec_time = max(entry.max_exec_time, ms)
    entry.rows += rows
    entry.shared_blks_hit += blks_hit
    entry.shared_blks_read += blks_read
    return entry
