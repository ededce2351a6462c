"""Result column names as PostgreSQL chooses them (parse_target.c's FigureColname).

DuckDB names an unaliased expression after its text (``count_star()``);
PostgreSQL names it after the function (``count``), the column, the cast's type,
or ``?column?``. We read the select list from DuckDB's own parse tree
(``json_serialize_sql``), so nothing is guessed from the SQL text.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["pg_column_names"]

_FUNC_ALIASES = {"count_star": "count", "get_current_timestamp": "now"}
# The names PostgreSQL's grammar gives the SQL-standard type spellings.
_PG_TYPE_NAMES = {"int": "int4", "integer": "int4", "bigint": "int8", "smallint": "int2",
                  "boolean": "bool", "real": "float4", "float": "float8", "decimal": "numeric",
                  "double": "float8"}


def _figure(node: dict[str, Any]) -> tuple[str, int]:
    """(name, strength): 2 for a real name, 1 for a type name, 0 for ?column?."""
    cls = node.get("class", "")
    if cls == "COLUMN_REF":
        names = node.get("column_names") or ["?column?"]
        return str(names[-1]), 2
    if cls == "FUNCTION":
        name = str(node.get("function_name", ""))
        if not name.replace("_", "a").isalnum():  # an operator: 1 + 1, a || b
            return "?column?", 0
        return _FUNC_ALIASES.get(name, name), 2
    if cls == "CAST":
        inner, strength = _figure(node.get("child") or {})
        if strength > 1:
            return inner, strength
        type_name = str((node.get("type_expr") or {}).get("type_name", "")).lower()
        return _PG_TYPE_NAMES.get(type_name, type_name or "?column?"), 1
    if cls == "CASE":
        return "case", 2
    if cls == "SUBQUERY":
        kind = node.get("subquery_type")
        if kind == "EXISTS":
            return "exists", 2
        if kind == "SCALAR":
            targets: list[dict[str, Any]] = (
                node.get("subquery", {}).get("node", {}).get("select_list") or [])
            if targets:
                alias = targets[0].get("alias")
                return (str(alias), 2) if alias else _figure(targets[0])
    if cls == "OPERATOR" and node.get("type") == "OPERATOR_COALESCE":
        return "coalesce", 2
    return "?column?", 0


def pg_column_names(parse_tree_json: str, duck_names: list[str]) -> list[str]:
    """PostgreSQL's names for a SELECT's columns, given DuckDB's names for the same result."""
    try:
        tree = json.loads(parse_tree_json)
        node = tree["statements"][0]["node"]
    except (KeyError, IndexError, ValueError, TypeError):
        return duck_names
    if node.get("type") != "SELECT_NODE":
        return duck_names
    items = node.get("select_list") or []
    stars = sum(1 for item in items if item.get("class") == "STAR")
    if stars > 1 or (stars == 0 and len(items) != len(duck_names)):
        return duck_names
    star_width = len(duck_names) - (len(items) - stars)
    names: list[str] = []
    for item in items:
        if item.get("class") == "STAR":
            names.extend(duck_names[len(names):len(names) + star_width])
        elif item.get("alias"):
            names.append(str(item["alias"]))
        else:
            names.append(_figure(item)[0])
    return names if len(names) == len(duck_names) else duck_names
