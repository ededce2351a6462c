"""What every scenario's hooks need from the world: its variables, its hosts, its files.

Hooks are read after every command (objectives, traps, probes), so these read the
world without copying it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pagerdrill.world.host import Host
from pagerdrill.world.world import World

__all__ = ["read_text", "scenario_vars", "variable_host"]

_NONE: Mapping[str, Any] = {}


def scenario_vars(world: World) -> Mapping[str, Any]:
    """The scenario's variables as drawn for this world's seed (read-only)."""
    found = world.facts.get("variables")
    return found if isinstance(found, dict) else _NONE


def variable_host(world: World, key: str, default: str) -> Host:
    """The host a variable names (``app_host``...), or ``default`` without the variable."""
    name = str(scenario_vars(world).get(key, default))
    host = world.host(name)
    assert host is not None, f"no host {name!r}"
    return host


def read_text(host: Host, path: str) -> str | None:
    """A regular file's text, or None if there is none at ``path``. Reading it leaves
    no trace (no atime): checking an objective must not change the world."""
    return host.fs.read_text(path)
