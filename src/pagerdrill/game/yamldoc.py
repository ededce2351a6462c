"""Reading YAML with a line number for every key, and naming key paths.

PyYAML composes a node graph whose marks carry lines; we build plain data from
it ourselves so every value's path (``("world", "hosts", 0, "files", 3)``) maps
to the line where it is written. The scalar rules are YAML 1.2's, not 1.1's:
``0644`` stays a string, ``yes``/``no``/``on``/``off`` stay strings, ``1:30``
is not sexagesimal, and an ISO instant is not turned into a datetime.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

__all__ = ["KeyPath", "YamlDoc", "YamlProblem", "format_path", "read_yaml"]

KeyPath = tuple[str | int, ...]


class _Resolver(BaseResolver):
    pass


_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"))
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."))
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


class _Composer(Reader, Scanner, Parser, Composer, _Resolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Resolver.__init__(self)


@dataclass(frozen=True)
class YamlProblem:
    line: int
    path: KeyPath
    message: str


@dataclass
class YamlDoc:
    """Plain data plus the line of every key path in it."""

    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)

    def line_of(self, path: Sequence[str | int]) -> int:
        """The line of ``path`` or of its nearest ancestor that is written down."""
        parts = tuple(path)
        while parts and parts not in self.lines:
            parts = parts[:-1]
        return self.lines.get(parts, 1)

    def locate(self, loc: Sequence[str | int]) -> tuple[KeyPath, KeyPath]:
        """Follow a validation ``loc`` through the data.

        Returns the path as far as it exists in the data, and the rest of
        ``loc`` (pydantic adds union tags and names missing keys, which are
        not in the data).
        """
        node: Any = self.data
        found: list[str | int] = []
        rest: list[str | int] = []
        for part in loc:
            in_dict = isinstance(node, dict) and part in node
            if in_dict or (isinstance(node, list) and isinstance(part, int)
                           and 0 <= part < len(node)):
                node = node[part]
                found.append(part)
            else:
                rest.append(part)
        return tuple(found), tuple(rest)


def format_path(path: Sequence[str | int]) -> str:
    """``world.hosts[0].files[3].size``"""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def read_yaml(text: str) -> YamlDoc:
    """Compose ``text``; syntax errors become problems with the line the parser reports."""
    try:
        node = yaml.compose(text, Loader=_Composer)  # type: ignore[arg-type]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = " ".join(p for p in (error.context, error.problem) if p)
        return YamlDoc(None, {}, [YamlProblem(line, (), f"YAML syntax error: {message}")])
    except yaml.YAMLError as error:
        return YamlDoc(None, {}, [YamlProblem(1, (), f"YAML error: {error}")])
    doc = YamlDoc(None, {(): 1})
    if node is not None:
        doc.data = _build(node, (), doc, 0)
    return doc


_MAX_DEPTH = 64


def _scalar(node: ScalarNode, path: KeyPath, doc: YamlDoc) -> Any:
    value: str = node.value
    tag = node.tag
    if tag == "tag:yaml.org,2002:str":
        return value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return value.lower() == "true"
    try:
        if tag == "tag:yaml.org,2002:int":
            return int(value, 0)
        if tag == "tag:yaml.org,2002:float":
            return float(value)
    except ValueError:
        pass
    doc.problems.append(YamlProblem(node.start_mark.line + 1, path,
                                    f"unsupported YAML value {value!r} (tag {tag})"))
    return value


def _build(node: Node, path: KeyPath, doc: YamlDoc, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        doc.problems.append(YamlProblem(node.start_mark.line + 1, path, "nesting too deep"))
        return None
    if isinstance(node, ScalarNode):
        return _scalar(node, path, doc)
    if isinstance(node, SequenceNode):
        items = []
        for i, child in enumerate(node.value):
            doc.lines.setdefault((*path, i), child.start_mark.line + 1)
            items.append(_build(child, (*path, i), doc, depth + 1))
        return items
    if isinstance(node, MappingNode):
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                doc.problems.append(YamlProblem(line, path, "mapping keys must be plain scalars"))
                continue
            key = key_node.value if key_node.tag != "tag:yaml.org,2002:int" \
                else _scalar(key_node, path, doc)
            if key == "<<":
                doc.problems.append(YamlProblem(line, path, "merge keys ('<<') are not supported"))
                continue
            if key in mapping:
                doc.problems.append(YamlProblem(
                    line, (*path, key), f"duplicate key '{key}' (first on line "
                    f"{doc.lines.get((*path, key), '?')})"))
                continue
            doc.lines[(*path, key)] = line
            mapping[key] = _build(value_node, (*path, key), doc, depth + 1)
        return mapping
    return None
