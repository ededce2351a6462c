"""DuckDB's error reports turned into PostgreSQL's wording.

DuckDB runs with ``errors_as_json``, so each error arrives as structured data
(type, subtype, the object's name, the 0-based position of the offending token);
the PostgreSQL message is chosen from those fields, not by matching SQL text.
"""

from __future__ import annotations

import json
from typing import Any

from .model import PgError

__all__ = ["MSG", "column_hint", "from_items", "translate"]

# Every message text in one table (named constants tests can import).
MSG = {
    "column": 'column "{name}" does not exist',
    "qualified_column": "column {name} does not exist",
    "relation": 'relation "{name}" does not exist',
    "function": "function {name}({args}) does not exist",
    "function_hint": ("No function matches the given name and argument types. "
                      "You might need to add explicit type casts."),
    "division": "division by zero",
    "unsupported": "{text}",
}


def _payload(error: Exception) -> dict[str, Any]:
    text = str(error)
    start = text.find("{")
    if start < 0:
        return {"exception_message": text}
    try:
        value = json.loads(text[start:])
    except ValueError:
        return {"exception_message": text}
    return value if isinstance(value, dict) else {"exception_message": text}


def translate(error: Exception, offset: int, statement: str) -> PgError:
    """A PgError for a DuckDB exception raised by ``statement`` (at ``offset`` in the query)."""
    data = _payload(error)
    message = str(data.get("exception_message", "")).split("\n")[0].rstrip("!")
    kind = data.get("exception_type", "")
    subtype = data.get("error_subtype", "")
    name = str(data.get("name", ""))
    position = (int(data["position"]) + offset + 1) if "position" in data else None
    if kind == "Binder" and ("not found in FROM clause" in message
                             or "FROM clause is missing" in message):
        return PgError("ERROR", MSG["column"].format(name=name), position)
    if kind == "Binder" and "does not have a column named" in message and position is not None:
        token = _token_at(statement, position - offset - 1)
        return PgError("ERROR", MSG["qualified_column"].format(name=token), position)
    if kind == "Catalog" and subtype == "MISSING_ENTRY" and data.get("type") in (
            "Table", "Table or View", "View"):
        return PgError("ERROR", MSG["relation"].format(name=name), position)
    if kind == "Catalog" and subtype == "MISSING_ENTRY" and "Function" in str(data.get("type")):
        return PgError("ERROR", MSG["function"].format(name=name, args=""), position,
                       hint=MSG["function_hint"])
    if kind == "Parser":
        return PgError("ERROR", message, position)
    if "Division by zero" in message:
        return PgError("ERROR", MSG["division"])
    if message.startswith("Python exception occurred while executing the UDF: PgError: "):
        return PgError("ERROR", message.split("PgError: ", 1)[1])
    return PgError("ERROR", message[:1].lower() + message[1:], position)


def _token_at(statement: str, index: int) -> str:
    """The dotted identifier starting at ``index`` (``t.x``)."""
    end = index
    while end < len(statement) and (statement[end].isalnum() or statement[end] in "._\""):
        end += 1
    return statement[index:end]


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def column_hint(typo: str, ranges: list[tuple[str, list[str]]]) -> str | None:
    """parse_relation.c's fuzzy match: the closest column within half the typo's length.

    ``ranges`` are the FROM items in order as (name shown in the hint, columns).
    Two equally close columns from different FROM items are both offered; a third
    tie, or a tie inside one item beyond two, means no suggestion at all.
    """
    best = 4  # MAX_FUZZY_DISTANCE + 1
    first: tuple[str, str] | None = None
    second: tuple[str, str] | None = None
    for rte, columns in ranges:
        for column in columns:
            distance = _levenshtein(column, typo)
            if distance > len(typo) // 2:
                continue
            if distance < best:
                best, first, second = distance, (rte, column), None
            elif distance == best:
                if second is not None:
                    first, second, best = None, None, distance - 1
                elif first is not None:
                    second = (rte, column)
                else:
                    first = (rte, column)
    if first is None:
        return None
    if second is None:
        return f'Perhaps you meant to reference the column "{first[0]}.{first[1]}".'
    if second[0] == first[0]:
        return None
    return (f'Perhaps you meant to reference the column "{first[0]}.{first[1]}" or the column '
            f'"{second[0]}.{second[1]}".')


def from_items(parse_tree_json: str, columns: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """The top-level SELECT's FROM items as (alias or table name, columns), in order."""
    try:
        node = json.loads(parse_tree_json)["statements"][0]["node"]
    except (KeyError, IndexError, ValueError, TypeError):
        return []
    found: list[tuple[str, list[str]]] = []

    def walk(item: dict[str, Any]) -> None:
        kind = item.get("type")
        if kind == "BASE_TABLE":
            name = str(item.get("table_name", ""))
            found.append((str(item.get("alias") or name), columns.get(name.lower(), [])))
        elif kind == "JOIN":
            walk(item.get("left") or {})
            walk(item.get("right") or {})

    walk(node.get("from_table") or {})
    return found
