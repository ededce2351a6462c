"""Where commands are registered and found.

Each tool module decorates its entry points with :func:`command`; :func:`load_all`
imports every module under ``pagerdrill.tools`` so nothing needs a central list.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from pagerdrill.tools.api import Tool

__all__ = ["command", "load_all", "lookup", "names"]

_TOOLS: dict[str, Tool] = {}
_loaded = False


def command(*names: str) -> Callable[[Tool], Tool]:
    """Register a tool under one or more command names."""

    def register(tool: Tool) -> Tool:
        for name in names:
            if name in _TOOLS and _TOOLS[name] is not tool:
                raise ValueError(f"command {name!r} registered twice")
            _TOOLS[name] = tool
        return tool

    return register


def load_all() -> None:
    """Import every tool module once, so their ``@command`` decorators run."""
    global _loaded
    if _loaded:
        return
    import pagerdrill.tools as package

    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
    _loaded = True


def lookup(name: str) -> Tool | None:
    load_all()
    return _TOOLS.get(name)


def names() -> list[str]:
    load_all()
    return sorted(_TOOLS)
