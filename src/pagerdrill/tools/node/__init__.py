"""Node.js tooling: node, npx, and the CLIs npx runs (clinic heapprofiler, memlab)."""

from __future__ import annotations

from pagerdrill.tools.node.cli import node, npx

__all__ = ["node", "npx"]
