"""Heap snapshot files: V8's name and layout, and what a reader makes of them."""

from __future__ import annotations

import json

from pagerdrill.world.builder import parse_instant
from pagerdrill.world.node.heap import ConnectionHeap, build_heap
from pagerdrill.world.node.reader import parse_snapshot
from pagerdrill.world.node.snapshot import snapshot_name, write_snapshot


def test_name_is_what_v8_write_heap_snapshot_chooses() -> None:
    t = parse_instant("2026-05-20T09:40:20Z")
    assert snapshot_name(t, 336, 1) == "Heap.20260520.094020.336.0.001.heapsnapshot"
    assert snapshot_name(t, 336, 12).endswith(".336.0.012.heapsnapshot")


def test_layout_matches_node_20() -> None:
    data = write_snapshot(build_heap(ConnectionHeap(live=(1,), retained=(0,))))
    text = data.decode()
    assert text.startswith('{"snapshot":{"meta":{"node_fields":["type","name","id",'
                           '"self_size","edge_count","trace_node_id","detachedness"],')
    assert '\n"nodes":[9,' in text and "\n,3," in text  # one node a line, comma first
    assert text.endswith("]}")
    doc = json.loads(text)
    assert doc["snapshot"]["node_count"] * 7 == len(doc["nodes"])
    assert doc["snapshot"]["edge_count"] * 3 == len(doc["edges"])
    assert doc["strings"][0] == "<dummy>"
    assert sum(doc["nodes"][4::7]) == len(doc["edges"]) // 3  # edge counts add up


def test_round_trip() -> None:
    graph = build_heap(ConnectionHeap(live=(3, 4), retained=(0, 1, 2), zlib_bytes=10_000))
    snapshot = parse_snapshot(write_snapshot(graph))
    assert len(snapshot) == len(graph.nodes)
    assert snapshot.names == [n.name for n in graph.nodes]
    assert snapshot.ids == [n.id for n in graph.nodes]
    for n, node in enumerate(graph.nodes):
        assert [(e.type, e.name, e.to) for e in snapshot.edges[n]] == [
            (e.type, e.name, e.to) for e in node.edges]
