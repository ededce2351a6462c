"""The gateway heap graph: connections, listeners and stable ids."""

from __future__ import annotations

from collections import Counter

from pagerdrill.world.node.heap import ConnectionHeap, HeapGraph, build_heap, constructor_of


def names(graph: HeapGraph) -> Counter[str]:
    return Counter(node.name for node in graph.nodes)


def sigterm_holder(graph: HeapGraph) -> int:
    events = next(n for n in graph.nodes if n.name == "process").edges[0].to
    return next(e.to for e in graph.nodes[events].edges if e.name == "SIGTERM")


def test_leaked_connections_keep_their_sockets() -> None:
    graph = build_heap(ConnectionHeap(live=(10, 11, 12), retained=tuple(range(10))))
    counts = names(graph)
    assert counts["Socket"] == counts["WebSocket"] == 13
    array = graph.nodes[sigterm_holder(graph)]
    assert array.name == "Array" and len(array.edges) == 14  # shutdown + one per connection


def test_fixed_code_holds_only_open_connections() -> None:
    graph = build_heap(ConnectionHeap(live=(10, 11, 12), retained=()))
    assert names(graph)["Socket"] == 3


def test_a_single_listener_is_stored_as_the_function() -> None:
    graph = build_heap(ConnectionHeap(live=(1, 2), retained=(), sigterm_per_connection=False))
    holder = graph.nodes[sigterm_holder(graph)]
    assert (holder.type, holder.name) == ("closure", "shutdown")
    assert names(graph)["Socket"] == 2


def test_ids_are_stable_across_snapshots_of_one_process() -> None:
    early = build_heap(ConnectionHeap(live=(5, 6), retained=(0, 1, 2, 3, 4), seed=9))
    late = build_heap(ConnectionHeap(live=(8, 9), retained=tuple(range(8)), seed=9))
    ids = {n.id: n.name for n in early.nodes}
    later = {n.id: n.name for n in late.nodes}
    assert all(later[i] == name for i, name in ids.items())
    assert all(i % 2 == 1 for i in later if i > 0)  # V8 object ids are odd
    assert len(set(later)) == len(late.nodes)


def test_constructor_rows() -> None:
    assert constructor_of("closure", "") == "(closure)"
    assert constructor_of("object", "Socket") == "Socket"
    assert constructor_of("string", "hello") == "(string)"
