"""Loading a scenario's typed Python hooks by path.

``hooks:MyApp`` names the attribute ``MyApp`` of ``hooks.py`` in the scenario's
folder. Modules are loaded with importlib from their file (the folder is not a
package and is never put on ``sys.path``), once per folder and file version.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["HookError", "HookModules"]


class HookError(Exception):
    """A hook reference that cannot be resolved; the message says why."""


_LOADED: dict[tuple[str, int], ModuleType] = {}


class HookModules:
    """The hook modules of one scenario folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def module(self, name: str) -> ModuleType:
        path = self.folder / f"{name}.py"
        if not path.is_file():
            raise HookError(f"hook module '{name}' not found (no {name}.py in the scenario folder)")
        key = (str(path.resolve()), path.stat().st_mtime_ns)
        cached = _LOADED.get(key)
        if cached is not None:
            return cached
        digest = hashlib.blake2b(key[0].encode(), digest_size=6).hexdigest()
        qualified = f"pagerdrill_scenario_{digest}_{name}"
        spec = importlib.util.spec_from_file_location(qualified, path)
        if spec is None or spec.loader is None:
            raise HookError(f"cannot load hook module {name}.py")
        module = importlib.util.module_from_spec(spec)
        # Registered so dataclasses and typing can find the module by name.
        sys.modules[qualified] = module
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            del sys.modules[qualified]
            raise HookError(f"{name}.py failed to import: {type(error).__name__}: {error}") \
                from error
        _LOADED[key] = module
        return module

    def resolve(self, ref: str) -> Any:
        """The object ``module:attr.sub`` names; must be callable."""
        module_name, _, attr = ref.partition(":")
        value: Any = self.module(module_name)
        for part in attr.split("."):
            if not hasattr(value, part):
                raise HookError(f"hook '{ref}' not found: {module_name}.py has no '{attr}'")
            value = getattr(value, part)
        if not callable(value):
            raise HookError(f"hook '{ref}' is not callable")
        return value
