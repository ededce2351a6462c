"""Writing a heap graph as a V8 ``.heapsnapshot`` file, byte-compatible in layout.

The JSON is what ``v8.writeHeapSnapshot()`` writes on Node 20: the ``snapshot``
object with its ``meta`` field layout, then flat ``nodes`` and ``edges`` integer
arrays (one node or edge per line, each line after the first starting with a
comma), empty trace and location arrays, and the ``strings`` table, one string
a line. DevTools, memlab and any other reader load it.
"""

from __future__ import annotations

import datetime as _dt
import json

from .heap import EDGE_TYPES, NODE_TYPES, HeapGraph

__all__ = ["NODE_FIELDS", "SNAPSHOT_META", "snapshot_name", "write_snapshot"]

NODE_FIELDS = ("type", "name", "id", "self_size", "edge_count", "trace_node_id", "detachedness")
EDGE_FIELDS = ("type", "name_or_index", "to_node")
SNAPSHOT_META: dict[str, object] = {
    "node_fields": list(NODE_FIELDS),
    "node_types": [list(NODE_TYPES), "string", "number", "number", "number", "number",
                   "number"],
    "edge_fields": list(EDGE_FIELDS),
    "edge_types": [list(EDGE_TYPES), "string_or_number", "node"],
    "trace_function_info_fields": ["function_id", "name", "script_name", "script_id", "line",
                                   "column"],
    "trace_node_fields": ["id", "function_info_index", "count", "size", "children"],
    "sample_fields": ["timestamp_us", "last_assigned_id"],
    "location_fields": ["object_index", "script_id", "line", "column"],
}
_INDEX_EDGES = {"element", "hidden"}  # their name_or_index is a number, not a string


def snapshot_name(t_ms: int, pid: int, seq: int, thread: int = 0) -> str:
    """``v8.writeHeapSnapshot()``'s default file name: Heap.YYYYMMDD.HHMMSS.PID.0.SEQ."""
    when = _dt.datetime.fromtimestamp(t_ms / 1000, tz=_dt.UTC)
    return f"Heap.{when:%Y%m%d.%H%M%S}.{pid}.{thread}.{seq:03d}.heapsnapshot"


def write_snapshot(graph: HeapGraph) -> bytes:
    """The snapshot file's bytes."""
    strings: dict[str, int] = {"<dummy>": 0}

    def intern(text: str) -> int:
        found = strings.get(text)
        if found is None:
            found = strings[text] = len(strings)
        return found

    node_types = {name: n for n, name in enumerate(NODE_TYPES)}
    edge_types = {name: n for n, name in enumerate(EDGE_TYPES)}
    width = len(NODE_FIELDS)
    node_rows: list[str] = []
    edge_rows: list[str] = []
    for node in graph.nodes:
        node_rows.append(f"{node_types[node.type]},{intern(node.name)},{node.id},"
                         f"{node.self_size},{len(node.edges)},0,0")
        for edge in node.edges:
            name = (int(edge.name) if edge.type in _INDEX_EDGES and isinstance(edge.name, int)
                    else intern(str(edge.name)))
            edge_rows.append(f"{edge_types[edge.type]},{name},{edge.to * width}")
    head = json.dumps({"meta": SNAPSHOT_META, "node_count": len(node_rows),
                       "edge_count": len(edge_rows), "trace_function_count": 0},
                      separators=(",", ":"))
    text = "\n,".join
    table = ",\n".join(json.dumps(s, ensure_ascii=False) for s in strings)
    return (f'{{"snapshot":{head},\n"nodes":[{text(node_rows)}],\n'
            f'"edges":[{text(edge_rows)}],\n"trace_function_infos":[],\n"trace_tree":[],\n'
            f'"samples":[],\n"locations":[],\n"strings":[{table}]}}').encode()
