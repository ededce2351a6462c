"""A Node.js runtime's heap: the object graph, V8 heap snapshots, reading and comparing them."""

from __future__ import annotations
