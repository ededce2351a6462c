"""kubectl over the simulated Kubernetes clusters (world.cluster)."""

from __future__ import annotations

from pagerdrill.tools.kubectl.cli import kubectl

__all__ = ["kubectl"]
