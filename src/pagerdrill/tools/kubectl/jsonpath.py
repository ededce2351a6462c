"""kubectl's JSONPath templates: ``{.items[*].metadata.name}``, ``{range}``/``{end}``,
string literals, ``[N]``, ``[*]``, ``[a:b]``, ``['key']``, ``..name`` and simple
``[?(@.field=="value")]`` filters. Missing keys print nothing (kubectl's allowMissingKeys)."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["JsonPathError", "evaluate", "render"]


class JsonPathError(ValueError):
    pass


_STEP = re.compile(
    r"\.\.(?P<deep>(?:\\.|[^.\[\]\\])+)|\.(?P<name>(?:\\.|[^.\[\]\\])+)"
    r"|\[(?P<br>[^\]]*)\]|(?P<dot>\.)")


def _steps(path: str) -> list[tuple[str, str]]:
    path = path.strip()
    if path.startswith(("$", "@")):
        path = path[1:]
    steps: list[tuple[str, str]] = []
    pos = 0
    while pos < len(path):
        match = _STEP.match(path, pos)
        if match is None:
            raise JsonPathError(f"unrecognized identifier {path[pos:]}")
        if match.group("deep") is not None:
            steps.append(("deep", match.group("deep").replace("\\.", ".")))
        elif match.group("name") is not None:
            steps.append(("name", match.group("name").replace("\\.", ".")))
        elif match.group("br") is not None:
            steps.append(("index", match.group("br")))
        pos = match.end()
    return steps


def _deep(node: Any, key: str, out: list[Any]) -> None:
    if isinstance(node, dict):
        if key in node:
            out.append(node[key])
        for value in node.values():
            _deep(value, key, out)
    elif isinstance(node, list):
        for value in node:
            _deep(value, key, out)


def _filter(node: Any, expr: str) -> bool:
    match = re.fullmatch(r"\?\(@\.?([\w.]*)\s*(==|!=)?\s*(.*)\)", expr.strip())
    if match is None:
        raise JsonPathError(f"unrecognized filter {expr}")
    field, op, raw = match.groups()
    values = evaluate("." + field if field else ".", node)
    if not op:
        return bool(values)
    want: Any = raw.strip().strip("'\"") if raw.strip()[:1] in "'\"" else json.loads(raw)
    got = values[0] if values else None
    return bool(got == want) if op == "==" else bool(got != want)


def evaluate(path: str, data: Any) -> list[Any]:
    nodes = [data]
    for kind, arg in _steps(path):
        nxt: list[Any] = []
        for node in nodes:
            if kind == "deep":
                _deep(node, arg, nxt)
            elif kind == "name":
                if arg == "*":
                    nxt.extend(node.values() if isinstance(node, dict) else
                               node if isinstance(node, list) else [])
                elif isinstance(node, dict) and arg in node:
                    nxt.append(node[arg])
            else:
                nxt.extend(_index(node, arg))
        nodes = nxt
    return nodes


def _index(node: Any, arg: str) -> list[Any]:
    arg = arg.strip()
    if arg[:1] in "'\"":
        key = arg.strip("'\"")
        return [node[key]] if isinstance(node, dict) and key in node else []
    if arg.startswith("?"):
        items = node if isinstance(node, list) else [node]
        return [item for item in items if _filter(item, arg)]
    if not isinstance(node, list):
        return list(node.values()) if arg == "*" and isinstance(node, dict) else []
    if arg == "*":
        return list(node)
    try:
        if ":" in arg:
            parts = [int(p) if p.strip() else None for p in arg.split(":")[:2]]
            return node[parts[0]:parts[1]]
        index = int(arg)
    except ValueError as exc:
        raise JsonPathError(f"invalid array index {arg}") from exc
    if -len(node) <= index < len(node):
        return [node[index]]
    raise JsonPathError(f"array index out of bounds: index {index}, length {len(node)}")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def _tokens(template: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(template):
        start = template.find("{", pos)
        if start < 0:
            tokens.append(("text", template[pos:]))
            break
        if start > pos:
            tokens.append(("text", template[pos:start]))
        end = template.find("}", start)
        if end < 0:
            raise JsonPathError("unclosed action")
        tokens.append(("expr", template[start + 1:end].strip()))
        pos = end + 1
    return tokens


def _run(tokens: list[tuple[str, str]], data: Any, out: list[str]) -> int:
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        if kind == "text":
            out.append(value)
        elif value == "end":
            return i
        elif value.startswith("range "):
            body = tokens[i + 1:]
            items = evaluate(value[6:], data)
            consumed = _skip(body)
            for item in items:
                _run(body[:consumed], item, out)
            i += consumed + 1
        elif value.startswith(("'", '"')):
            out.append(value[1:-1].encode().decode("unicode_escape"))
        else:
            out.append(" ".join(_text(v) for v in evaluate(value, data)))
        i += 1
    return i


def _skip(tokens: list[tuple[str, str]]) -> int:
    depth = 0
    for i, (kind, value) in enumerate(tokens):
        if kind == "expr" and value.startswith("range "):
            depth += 1
        elif kind == "expr" and value == "end":
            if depth == 0:
                return i
            depth -= 1
    raise JsonPathError("not in range, nothing to end")


def render(template: str, data: Any) -> str:
    # kubectl accepts a bare path without braces too.
    if "{" not in template:
        template = "{" + template + "}"
    out: list[str] = []
    _run(_tokens(template), data, out)
    return "".join(out)
