"""Reading snapshots: dominators, retainer paths, DevTools' comparison; real files too."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pagerdrill.world.node.heap import ConnectionHeap, HeapGraph, build_heap
from pagerdrill.world.node.reader import SnapshotError, compare, parse_snapshot
from pagerdrill.world.node.snapshot import write_snapshot


def diamond() -> HeapGraph:
    """root -> a, root -> b, a -> c, b -> c, c -> d: c is dominated by root, d by c."""
    g = HeapGraph()
    root, a, b, c, d = (g.add("object", name, 2 * i + 1, 10 * (i + 1))
                        for i, name in enumerate(["", "A", "B", "C", "D"]))
    g.link(root, "element", 1, a)
    g.link(root, "element", 2, b)
    g.link(a, "property", "c", c)
    g.link(b, "property", "c", c)
    g.link(c, "property", "d", d)
    g.link(d, "weak", "back", a)  # weak edges retain nothing
    return g


def test_retained_sizes_follow_the_dominator_tree() -> None:
    snapshot = parse_snapshot(write_snapshot(diamond()))
    assert snapshot.retained_sizes() == [150, 20, 30, 90, 50]


def test_retainer_path_is_the_shortest_strong_path() -> None:
    snapshot = parse_snapshot(write_snapshot(diamond()))
    path = snapshot.retainer_path(4)
    assert path is not None
    assert [(e.name if e else None, snapshot.names[n]) for e, n in path] == [
        (1, "A"), ("c", "C"), ("d", "D")]


def test_comparison_counts_new_and_deleted_by_id() -> None:
    base = parse_snapshot(write_snapshot(build_heap(ConnectionHeap(live=(5, 6), retained=()))))
    leak = parse_snapshot(write_snapshot(build_heap(ConnectionHeap(
        live=(8, 9), retained=tuple(range(8))))))
    fixed = parse_snapshot(write_snapshot(build_heap(ConnectionHeap(live=(8, 9), retained=()))))
    sockets = {r.constructor: r for r in compare(base, leak)}["Socket"]
    assert (sockets.new, sockets.deleted, sockets.delta) == (8, 0, 8)
    assert sockets.size_delta == 8 * 232
    churn = {r.constructor: r for r in compare(base, fixed)}["Socket"]
    assert (churn.new, churn.deleted, churn.delta, churn.size_delta) == (2, 2, 0, 0)


@pytest.mark.parametrize("data", [b"", b"{}", b'{"snapshot": {"meta": {}}}', b"\xff\xfe"])
def test_junk_is_not_a_snapshot(data: bytes) -> None:
    with pytest.raises(SnapshotError):
        parse_snapshot(data)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs a real node")
def test_reads_a_real_node_snapshot(tmp_path: Path) -> None:
    """A snapshot written by the real v8.writeHeapSnapshot(), with listeners on process."""
    script = ("const v8 = require('v8'); process.setMaxListeners(0);"
              "for (let i = 0; i < 300; i++) { const b = Buffer.alloc(1000);"
              " process.on('SIGTERM', () => b.length); }"
              "console.log(v8.writeHeapSnapshot());")
    name = subprocess.run(["node", "-e", script], cwd=tmp_path, capture_output=True,
                          text=True, check=True).stdout.strip()
    data = (tmp_path / name).read_bytes()
    snapshot = parse_snapshot(data)
    assert len(snapshot) == json.loads(data)["snapshot"]["node_count"]
    process = next(n for n in range(len(snapshot))
                   if snapshot.names[n] == "process" and snapshot.types[n] == "object")
    retained = snapshot.retained_sizes()
    assert retained[process] > 300 * 1000  # the listeners' buffers hang off process
    path = snapshot.retainer_path(process)
    assert path is not None and path[-1][1] == process
