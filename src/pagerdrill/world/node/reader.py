"""Reading V8 ``.heapsnapshot`` files: nodes, edges, retained sizes, retainer paths, diffs.

Everything here works from the file's bytes alone (the simulation's own
snapshots or any real one), the way memlab and DevTools do: the ``meta`` block
says where each field sits, ``to_node`` is an index into the flat node array,
retained sizes come from the dominator tree over non-weak edges from the root.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass

from .heap import constructor_of

__all__ = ["ComparisonRow", "HeapSnapshot", "SnapshotError", "compare", "parse_snapshot"]


class SnapshotError(ValueError):
    """The bytes are not a V8 heap snapshot (memlab: 'snapshot meta data invalid')."""


@dataclass(frozen=True, slots=True)
class Edge:
    type: str
    name: str | int
    to: int  # node index


@dataclass(frozen=True)
class ComparisonRow:
    """One row of DevTools' Comparison view (target against base)."""

    constructor: str
    new: int
    deleted: int
    alloc_size: int
    freed_size: int

    @property
    def delta(self) -> int:
        return self.new - self.deleted

    @property
    def size_delta(self) -> int:
        return self.alloc_size - self.freed_size


def _field(meta: dict[str, object], key: str) -> list[object]:
    value = meta.get(key)
    if not isinstance(value, list):
        raise SnapshotError(f"meta.{key} missing")
    return value


class HeapSnapshot:
    """A parsed snapshot: parallel arrays per node, outgoing edges per node."""

    def __init__(self, doc: object) -> None:
        if not isinstance(doc, dict) or not isinstance(doc.get("snapshot"), dict):
            raise SnapshotError("no snapshot block")
        meta = doc["snapshot"].get("meta")
        if not isinstance(meta, dict):
            raise SnapshotError("no meta")
        node_fields = [str(f) for f in _field(meta, "node_fields")]
        edge_fields = [str(f) for f in _field(meta, "edge_fields")]
        node_types = _field(meta, "node_types")[0]
        edge_types = _field(meta, "edge_types")[0]
        nodes, edges, strings = doc.get("nodes"), doc.get("edges"), doc.get("strings")
        if not (isinstance(nodes, list) and isinstance(edges, list) and isinstance(strings, list)
                and isinstance(node_types, list) and isinstance(edge_types, list)):
            raise SnapshotError("missing arrays")
        try:
            at = {name: node_fields.index(name) for name in
                  ("type", "name", "id", "self_size", "edge_count")}
            et = {name: edge_fields.index(name) for name in ("type", "name_or_index", "to_node")}
        except ValueError as error:
            raise SnapshotError(str(error)) from None
        width, ewidth = len(node_fields), len(edge_fields)
        count = len(nodes) // width
        self.types: list[str] = []
        self.names: list[str] = []
        self.ids: list[int] = []
        self.self_sizes: list[int] = []
        self.edges: list[list[Edge]] = []
        cursor = 0
        try:
            for n in range(count):
                base = n * width
                self.types.append(str(node_types[nodes[base + at["type"]]]))
                self.names.append(str(strings[nodes[base + at["name"]]]))
                self.ids.append(int(nodes[base + at["id"]]))
                self.self_sizes.append(int(nodes[base + at["self_size"]]))
                out: list[Edge] = []
                for _ in range(int(nodes[base + at["edge_count"]])):
                    kind = str(edge_types[edges[cursor + et["type"]]])
                    raw = edges[cursor + et["name_or_index"]]
                    name: str | int = raw if kind in ("element", "hidden") else str(strings[raw])
                    out.append(Edge(kind, name, int(edges[cursor + et["to_node"]]) // width))
                    cursor += ewidth
                self.edges.append(out)
        except (IndexError, TypeError) as error:
            raise SnapshotError(str(error)) from None
        self.index_of = {node_id: n for n, node_id in enumerate(self.ids)}
        self._retained: list[int] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    def constructor(self, n: int) -> str:
        return constructor_of(self.types[n], self.names[n])

    # -- reachability and retained sizes -----------------------------------------------

    def _order(self) -> tuple[list[int], list[list[int]]]:
        """Reverse postorder from the root over strong edges, and each node's retainers."""
        preds: list[list[int]] = [[] for _ in self.ids]
        seen = [False] * len(self.ids)
        post: list[int] = []
        if not self.ids:
            return [], preds
        stack: list[tuple[int, int]] = [(0, 0)]
        seen[0] = True
        while stack:
            node, i = stack[-1]
            out = self.edges[node]
            if i < len(out):
                stack[-1] = (node, i + 1)
                edge = out[i]
                if edge.type == "weak":
                    continue
                preds[edge.to].append(node)
                if not seen[edge.to]:
                    seen[edge.to] = True
                    stack.append((edge.to, 0))
            else:
                post.append(node)
                stack.pop()
        post.reverse()
        return post, preds

    def retained_sizes(self) -> list[int]:
        """Retained size of every node (0 for unreachable ones): the dominator tree's sums."""
        if self._retained is not None:
            return self._retained
        order, preds = self._order()
        rank = {node: r for r, node in enumerate(order)}
        idom: dict[int, int] = {0: 0} if order else {}
        changed = True
        while changed:
            changed = False
            for node in order[1:]:
                best = -1
                for pred in preds[node]:
                    if pred not in idom:
                        continue
                    if best < 0:
                        best = pred
                        continue
                    a, b = pred, best
                    while a != b:
                        while rank[a] > rank[b]:
                            a = idom[a]
                        while rank[b] > rank[a]:
                            b = idom[b]
                    best = a
                if best >= 0 and idom.get(node) != best:
                    idom[node] = best
                    changed = True
        retained = [0] * len(self.ids)
        for node in order:
            retained[node] = self.self_sizes[node]
        for node in reversed(order[1:]):
            retained[idom[node]] += retained[node]
        self._retained = retained
        return retained

    def retainer_path(self, n: int) -> list[tuple[Edge | None, int]] | None:
        """The shortest path from the root to node ``n`` over strong edges (BFS)."""
        parent: dict[int, tuple[int, Edge]] = {}
        queue = deque([0])
        seen = {0}
        while queue:
            node = queue.popleft()
            if node == n:
                break
            for edge in self.edges[node]:
                if edge.type != "weak" and edge.to not in seen:
                    seen.add(edge.to)
                    parent[edge.to] = (node, edge)
                    queue.append(edge.to)
        if n not in seen:
            return None
        path: list[tuple[Edge | None, int]] = []
        node = n
        while node != 0:
            prev, edge = parent[node]
            path.append((edge, node))
            node = prev
        path.reverse()
        return path


def parse_snapshot(data: bytes) -> HeapSnapshot:
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise SnapshotError(str(error)) from None
    return HeapSnapshot(doc)


def compare(base: HeapSnapshot, target: HeapSnapshot) -> list[ComparisonRow]:
    """DevTools' Comparison: objects by constructor, matched by id, biggest change first."""
    rows: dict[str, list[int]] = {}
    base_ids, target_ids = set(base.ids), set(target.ids)
    for n, node_id in enumerate(target.ids):
        if node_id not in base_ids:
            row = rows.setdefault(target.constructor(n), [0, 0, 0, 0])
            row[0] += 1
            row[2] += target.self_sizes[n]
    for n, node_id in enumerate(base.ids):
        if node_id not in target_ids:
            row = rows.setdefault(base.constructor(n), [0, 0, 0, 0])
            row[1] += 1
            row[3] += base.self_sizes[n]
    found = [ComparisonRow(name, *values) for name, values in rows.items()]
    return sorted(found, key=lambda r: (-abs(r.size_delta), -abs(r.delta), r.constructor))
