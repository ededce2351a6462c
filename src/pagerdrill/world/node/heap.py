"""A Node.js process heap as V8 sees it: objects by constructor, linked by retaining edges.

The graph is built from a compact description (which WebSocket connections are
open, which closed ones are still referenced by ``process`` SIGTERM listeners),
so a process costs a few integers until somebody asks for a heap snapshot.
Object ids follow V8's rules: odd numbers, stable for the life of the process,
so two snapshots of one process can be compared object by object.

The layout mirrors a real ``ws`` gateway on Node 20: ``process._events`` holds
the listeners by event name (one listener is stored as the function itself,
several as an Array), each per-connection listener is an anonymous closure whose
function scope (``system / Context``) holds the ``socket`` variable, the
``WebSocket`` holds its ``net`` ``Socket`` and its permessage-deflate state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from pagerdrill.world.rng import Rng

__all__ = ["EDGE_TYPES", "NODE_TYPES", "ConnectionHeap", "HeapEdge", "HeapGraph", "HeapNode",
           "build_heap", "constructor_of", "serials"]

NODE_TYPES = ("hidden", "array", "string", "object", "code", "closure", "regexp", "number",
              "native", "synthetic", "concatenated string", "sliced string", "symbol", "bigint",
              "object shape", "wasm object")
EDGE_TYPES = ("context", "element", "property", "internal", "hidden", "shortcut", "weak")

# Ids of one connection's objects: a block per connection serial, past the base heap.
_CONNECTION_BASE_ID = 40_001
_IDS_PER_CONNECTION = 12


@dataclass(frozen=True, slots=True)
class HeapEdge:
    type: str  # one of EDGE_TYPES
    name: str | int  # property/variable name, or element/hidden index
    to: int  # index of the target in HeapGraph.nodes


@dataclass(slots=True)
class HeapNode:
    type: str  # one of NODE_TYPES
    name: str
    id: int
    self_size: int
    edges: list[HeapEdge] = field(default_factory=list)


@dataclass
class HeapGraph:
    """Nodes in snapshot order; node 0 is the synthetic root."""

    nodes: list[HeapNode] = field(default_factory=list)

    def add(self, type_: str, name: str, id_: int, self_size: int) -> int:
        self.nodes.append(HeapNode(type_, name, id_, self_size))
        return len(self.nodes) - 1

    def link(self, source: int, type_: str, name: str | int, target: int) -> None:
        self.nodes[source].edges.append(HeapEdge(type_, name, target))

    @property
    def edge_count(self) -> int:
        return sum(len(node.edges) for node in self.nodes)


def constructor_of(type_: str, name: str) -> str:
    """The row a node lands in in DevTools' Summary and Comparison views."""
    grouped = {"closure": "(closure)", "string": "(string)", "concatenated string": "(string)",
               "sliced string": "(string)", "code": "(compiled code)", "hidden": "(system)",
               "array": "(array)", "number": "(number)", "regexp": "(regexp)",
               "symbol": "(symbol)", "bigint": "(bigint)", "object shape": "(system)"}
    if type_ in grouped:
        return grouped[type_]
    if type_ == "synthetic":
        return name or "(root)"
    return name or "(anonymous)"


@dataclass(frozen=True)
class ConnectionHeap:
    """What a gateway's heap holds beyond its fixed modules and servers."""

    live: tuple[int, ...]  # serials of open WebSocket connections
    retained: tuple[int, ...]  # serials of closed connections still referenced
    # Whether each connection registers its own SIGTERM listener on process.
    sigterm_per_connection: bool = True
    heap_dump_handler: bool = True  # a SIGUSR2 listener (v8.writeHeapSnapshot)
    warning_handler: bool = False  # a process.on('warning') listener
    seed: int = 0  # varies the base heap's filler a little between processes
    # Native memory each connection's permessage-deflate zlib stream holds (Node reports
    # it on the Node / ZlibContext node, so snapshots account for it).
    zlib_bytes: int = 2_216


# The fixed part of a gateway's heap: (type, name, self size, how many).
_FILLER = (("object", "Module", 112, 46), ("code", "(compiled code)", 1_840, 60),
           ("string", "(string)", 64, 90), ("array", "(array)", 1_024, 24),
           ("object", "Object", 56, 70), ("closure", "", 32, 80),
           ("object", "Map", 32, 6), ("object", "Buffer", 96, 8),
           ("object", "Timeout", 120, 4), ("hidden", "system / Context", 48, 20))


class _Builder:
    def __init__(self, spec: ConnectionHeap) -> None:
        self.spec = spec
        self.graph = HeapGraph()
        self.next_id = 1

    def node(self, type_: str, name: str, size: int) -> int:
        index = self.graph.add(type_, name, self.next_id, size)
        self.next_id += 2
        return index

    def base(self) -> tuple[int, int, int, int]:
        """Roots, process and the servers; returns (events, global, server, clients table)."""
        g = self.graph
        root = self.node("synthetic", "", 0)
        gc_roots = self.node("synthetic", "(GC roots)", 0)
        g.link(root, "element", 1, gc_roots)
        for n, name in enumerate(("(Global handles)", "(Handle scope)", "(Builtins)"), 2):
            g.link(root, "element", n, self.node("synthetic", name, 0))
        env = self.node("synthetic", "Node / Environment", 10_240)
        g.link(root, "element", 5, env)
        realm = self.node("native", "Node / PrincipalRealm", 2_152)
        g.link(env, "internal", "principal_realm", realm)
        process = self.node("object", "process", 1_288)
        g.link(realm, "internal", "process_object", process)
        events = self.node("object", "Object", 136)
        g.link(process, "property", "_events", events)
        global_ = self.node("object", "global", 1_432)
        g.link(gc_roots, "element", 1, global_)
        server = self.node("object", "Server", 392)
        wss = self.node("object", "WebSocketServer", 184)
        clients = self.node("object", "Set", 32)
        table = self.node("array", "(object elements)", 16)
        g.link(global_, "context", "server", server)
        g.link(global_, "context", "wss", wss)
        g.link(wss, "property", "_server", server)
        g.link(wss, "property", "clients", clients)
        g.link(clients, "internal", "table", table)
        return events, global_, server, table

    def filler(self, global_: int) -> None:
        """Modules, compiled code, strings...: the bulk of any Node process's heap."""
        g = self.graph
        rng = Rng(self.spec.seed).child("heap-filler")
        for type_, name, size, count in _FILLER:
            for n in range(count + rng.randint(0, count // 4)):
                child = self.node(type_, "" if type_ == "closure" else name,
                                  size + rng.randint(0, size // 2))
                g.link(global_, "internal", f"{name.strip('()') or 'fn'}_{n}", child)

    def connection(self, serial: int, server: int) -> tuple[int, int]:
        """One connection's objects; returns (listener closure, WebSocket)."""
        g = self.graph
        first = _CONNECTION_BASE_ID + serial * _IDS_PER_CONNECTION
        ids = iter(range(first, first + _IDS_PER_CONNECTION, 2))

        def add(type_: str, name: str, size: int) -> int:
            return g.add(type_, name, next(ids), size)

        closure = add("closure", "", 32)
        scope = add("object", "system / Context", 40)
        websocket = add("object", "WebSocket", 176)
        socket = add("object", "Socket", 232)
        deflate = add("object", "PerMessageDeflate", 64)
        zlib = add("native", "Node / ZlibContext", self.spec.zlib_bytes)
        g.link(closure, "internal", "context", scope)
        g.link(scope, "context", "socket", websocket)
        g.link(websocket, "property", "_socket", socket)
        g.link(websocket, "property", "_extensions", deflate)
        g.link(deflate, "internal", "_inflate", zlib)
        g.link(socket, "property", "server", server)
        return closure, websocket

    def build(self) -> HeapGraph:
        spec, g = self.spec, self.graph
        events, global_, server, clients = self.base()
        live = set(spec.live)
        serials = sorted(live | set(spec.retained)) if spec.sigterm_per_connection \
            else sorted(live)
        per_connection = len(serials) if spec.sigterm_per_connection else 0
        # The listener objects come right after process (ids stable across snapshots).
        sigterm = self._events(events, per_connection)
        self.filler(global_)
        for serial in serials:
            closure, websocket = self.connection(serial, server)
            if serial in live:
                g.link(clients, "element", len(g.nodes[clients].edges), websocket)
            if spec.sigterm_per_connection:
                g.link(sigterm, "element", len(g.nodes[sigterm].edges), closure)
        return g

    def _events(self, events: int, per_connection: int) -> int:
        """process._events by event name; returns the node that holds SIGTERM listeners
        (the Array, or the one shutdown function when no connection adds its own)."""
        g = self.graph
        shutdown = self.node("closure", "shutdown", 32)
        named: dict[str, int] = {"SIGTERM": shutdown}
        if per_connection:
            array = self.node("object", "Array", 16 + 8 * (1 + per_connection))
            g.link(array, "element", 0, shutdown)
            named["SIGTERM"] = array
        if self.spec.heap_dump_handler:
            named["SIGUSR2"] = self.node("closure", "", 32)
        if self.spec.warning_handler:
            named["warning"] = self.node("closure", "", 32)
        for event in ("newListener", "removeListener"):
            named[event] = self.node("closure", "", 32)
        for event in sorted(named, key=_event_order):
            g.link(events, "property", event, named[event])
        return named["SIGTERM"]


def _event_order(name: str) -> tuple[int, str]:
    return (0 if name.startswith("SIG") else 1, name)


def build_heap(spec: ConnectionHeap) -> HeapGraph:
    """The heap graph of a gateway process in the state ``spec`` describes."""
    return _Builder(spec).build()


def serials(first: int, end: int, live: Iterable[int]) -> tuple[int, ...]:
    """Closed connection serials in ``[first, end)``: every one not still open."""
    open_ = set(live)
    return tuple(s for s in range(first, end) if s not in open_)
