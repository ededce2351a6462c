"""The editor seam for ``nano``/``vim``/``vi`` in the simulation: the player's real editor.

The simulated file is copied to a temporary file, the player edits it with
``$VISUAL``/``$EDITOR`` (else vi or nano, whichever is installed), and what they
saved is written back into the simulated filesystem by the tool.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping

__all__ = ["editor_command", "external_editor"]


def editor_command(env: Mapping[str, str] | None = None) -> list[str] | None:
    """The command line of the player's editor, or None if none can be found."""
    env = os.environ if env is None else env
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            return shlex.split(value)
    for fallback in ("vi", "nano"):
        found = shutil.which(fallback)
        if found:
            return [found]
    return None


def external_editor(path: str, data: bytes, *,
                    run: Callable[[list[str]], int] = subprocess.call,
                    command: list[str] | None = None) -> bytes | None:
    """Edit ``data`` (the simulated ``path``); the new bytes, or None if nothing was saved."""
    argv = command or editor_command()
    if argv is None:
        return None
    suffix = "-" + os.path.basename(path) if path else ""
    fd, tmp = tempfile.mkstemp(prefix="pagerdrill-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        before = os.stat(tmp).st_mtime_ns
        try:
            run([*argv, tmp])
        except OSError:
            return None
        with open(tmp, "rb") as handle:
            saved = handle.read()
        if saved == data and os.stat(tmp).st_mtime_ns == before:
            return None  # quit without saving
        return saved
    finally:
        os.unlink(tmp)
