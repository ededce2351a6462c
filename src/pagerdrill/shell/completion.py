"""Tab completion: command names in command position, paths everywhere else."""

from __future__ import annotations

import posixpath

from pagerdrill.shell.builtins import BUILTINS
from pagerdrill.shell.state import ShellState
from pagerdrill.tools import registry
from pagerdrill.world.errors import FsError

__all__ = ["complete"]

_COMMAND_BEFORE = {
    "|",
    "||",
    "&&",
    ";",
    "&",
    "(",
    "sudo",
    "time",
    "watch",
    "xargs",
    "then",
    "do",
    "else",
    "!",
    "{",
}


def complete(state: ShellState, line: str) -> list[str]:
    """Candidates that replace the word being typed at the end of ``line``."""
    words = line.split()
    current = "" if not words or line[-1:].isspace() else words[-1]
    before = words[:-1] if current else words
    in_command_position = not before or before[-1] in _COMMAND_BEFORE or before[-1].endswith(";")
    if in_command_position and "/" not in current:
        names = set(BUILTINS) | set(registry.names()) | set(state.functions) | set(state.aliases)
        return sorted(n for n in names if n.startswith(current))
    return _paths(state, current, executables_only=in_command_position)


def _paths(state: ShellState, current: str, *, executables_only: bool) -> list[str]:
    head, _, prefix = current.rpartition("/")
    directory = head + "/" if current.startswith("/") and not head else (head + "/" if head else "")
    lookup_dir = directory or "."
    if lookup_dir.startswith("~"):
        lookup_dir = state.home + lookup_dir[1:]
    fs = state.host.fs
    cred = state.host.cred_for(state.user)
    try:
        inode = fs.lookup(lookup_dir, state.cwd, cred=cred)
        names = fs.listdir(inode, cred=cred, path=lookup_dir)
    except FsError:
        return []
    out: list[str] = []
    for name in names:
        if not name.startswith(prefix) or (name.startswith(".") and not prefix.startswith(".")):
            continue
        try:
            child = fs.lookup(posixpath.join(lookup_dir, name), state.cwd, cred=cred)
            is_dir = child.is_dir
        except FsError:
            is_dir = False
        out.append(directory + name + ("/" if is_dir else ""))
    return sorted(out, key=lambda p: p.encode())
