"""find over a generated (lazy) directory without an Inode per child.

When the expression is a plain conjunction of tests the children's formula can
answer (``-type``, ``-name``/``-iname``, ``-mmin``/``-mtime``/``-amin``/...)
followed by ``-print``, ``-print0``, ``-exec CMD {} +``/``;`` and/or ``-delete``
(not with -exec), the matching children form an index interval (mtime grows with
the index), so printing is a stream of generated names, deleting is one range
operation and -exec hands names to find's own runner (same batches, same
commands, same errors) without an Inode each. Any other expression takes the
ordinary per-entry path.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from pagerdrill.tools.files.common import child_path
from pagerdrill.tools.files.findexpr import AgeBounds, FindError, age_bounds, numeric
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Cred, FileSystem, Inode
from pagerdrill.world.lazydir import LazyEntries, LazySpec

__all__ = ["ExecRunner", "LazyPlan", "lazy_plan", "run_lazy"]

_UNITS = {"-mmin": 60000, "-amin": 60000, "-cmin": 60000,
          "-mtime": 86400000, "-atime": 86400000, "-ctime": 86400000}
_OPTIONS = {"-depth", "-xdev", "-mount", "-noleaf"}
_ACTIONS = {"-print", "-print0", "-delete"}


@dataclass
class LazyPlan:
    files_match: bool = True  # False: a -type other than f excludes every child
    names: list[re.Pattern[str]] = field(default_factory=list)
    times: list[AgeBounds] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # "-exec" / "-exec+" for the execs
    commands: list[list[str]] = field(default_factory=list)  # each -exec's command, in order


class ExecRunner(Protocol):
    """The part of find's runner the -exec actions go through."""

    def emit(self, text: str) -> None: ...
    def exec_one(self, argv: list[str]) -> bool: ...
    def exec_batch(self, key: int, argv: list[str], path: str) -> None: ...
    def exec_batch_all(self, key: int, argv: list[str], paths: list[str]) -> None: ...
    def flush_output(self) -> None: ...
    def drain(self) -> Iterator[bytes]: ...


def _exec_command(expression: list[str], start: int) -> tuple[list[str], bool, int] | None:
    """The command of the -exec at ``start``, whether it batches (+), and where it ends;
    None when malformed (the per-entry path reports that)."""
    command: list[str] = []
    i = start + 1
    while i < len(expression):
        arg = expression[i]
        i += 1
        if arg == ";":
            return (command, False, i) if command else None
        if arg == "+" and command and command[-1] == "{}":
            command.pop()
            return (command, True, i) if command else None
        command.append(arg)
    return None


def lazy_plan(expression: list[str]) -> LazyPlan | None:
    """The plan for a simple expression, or None when find must look at each entry."""
    plan = LazyPlan()
    i = 0
    try:
        while i < len(expression):
            token = expression[i]
            arg = expression[i + 1] if i + 1 < len(expression) else None
            if token in ("-a", "-and") or token in _OPTIONS:
                i += 1
                continue
            if token in _ACTIONS:
                plan.actions.append(token)
                i += 1
                continue
            if token == "-exec":
                found = _exec_command(expression, i)
                if found is None:
                    return None
                command, batched, i = found
                plan.actions.append("-exec+" if batched else "-exec")
                plan.commands.append(command)
                continue
            if arg is None:
                return None
            if plan.actions and token not in ("-maxdepth", "-mindepth"):
                return None  # a test after an action: the action sees more entries
            if token in ("-maxdepth", "-mindepth"):
                pass  # the walker applies them
            elif token == "-type":
                plan.files_match = plan.files_match and "f" in arg.split(",")
            elif token in ("-name", "-iname"):
                flags = re.IGNORECASE if token == "-iname" else 0
                plan.names.append(re.compile(fnmatch.translate(arg), flags | re.DOTALL))
            elif token in _UNITS:
                sign, wanted = numeric(arg, token)
                plan.times.append(age_bounds(sign, wanted, _UNITS[token]))
            else:
                return None
            i += 2
    except FindError:
        return None
    if plan.commands and "-delete" in plan.actions:
        return None
    plan.actions = plan.actions or ["-print"]
    return plan


def _first(n: int, cond: Callable[[int], bool]) -> int:
    """The lowest index in [0, n) where a monotone condition turns true (n if never)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if cond(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _not_too_old(spec: LazySpec, now_ms: int, bounds: AgeBounds, index: int) -> bool:
    age = now_ms - spec.mtime(index)
    if bounds.high is None:
        return True
    return age <= bounds.high if bounds.upper_closed else age < bounds.high


def _too_young(spec: LazySpec, now_ms: int, bounds: AgeBounds, index: int) -> bool:
    age = now_ms - spec.mtime(index)
    return age <= bounds.low if bounds.upper_closed else age < bounds.low


def _interval(entries: LazyEntries, plan: LazyPlan, now_ms: int) -> tuple[int, int]:
    """The index range whose (formula) mtimes pass every time test: ages fall as the
    index grows, so each test keeps one contiguous run."""
    spec = entries.spec
    n = spec.count
    lo, hi = 0, n
    for bounds in plan.times:
        start = _first(n, partial(_not_too_old, spec, now_ms, bounds))
        end = _first(n, partial(_too_young, spec, now_ms, bounds))
        lo, hi = max(lo, start), min(hi, end)
    return lo, max(lo, hi)


def run_lazy(fs: FileSystem, directory: Inode, path: str, plan: LazyPlan, now_ms: int,
             cred: Cred, on_error: Callable[[str], None],
             runner: ExecRunner | None = None) -> Iterator[bytes]:
    """Apply ``plan`` to the unpinned generated children of ``directory``; the caller
    handles pinned children and ordinary entries one by one. A plan with -exec
    needs ``runner``: its output then goes through the runner's, as per entry."""
    entries = directory.entries
    assert isinstance(entries, LazyEntries)
    if not plan.files_match:
        return
    lo, hi = _interval(entries, plan, now_ms)
    pinned = {entries.spec.name(i) for i in entries.pinned}
    prefix = child_path(path, "")
    if plan.commands:
        assert runner is not None
        for batch in entries.names_chunks(lo, hi, 4096):
            names = [n for n in batch if n not in pinned] if pinned else batch
            for pattern in plan.names:
                names = [n for n in names if pattern.fullmatch(n)]
            _act(runner, plan, [prefix + n for n in names])
            runner.flush_output()
            yield from runner.drain()
        return
    printing = [a for a in plan.actions if a != "-delete"]
    deleting = "-delete" in plan.actions
    if printing or plan.names:
        for batch in entries.names_chunks(lo, hi, 16384):
            names = [n for n in batch if n not in pinned] if pinned else batch
            for pattern in plan.names:
                names = [n for n in names if pattern.fullmatch(n)]
            for action in printing:
                end = "\n" if action == "-print" else "\0"
                yield "".join(f"{prefix}{n}{end}" for n in names).encode()
            if deleting and plan.names:
                for name in names:
                    index = entries.spec.index(name)
                    assert index is not None
                    _delete(fs, directory, index, index + 1, cred, path, on_error)
    if deleting and not plan.names:
        _delete(fs, directory, lo, hi, cred, path, on_error)


def _act(runner: ExecRunner, plan: LazyPlan, paths: list[str]) -> None:
    """Each path through the actions in order, as find's per-entry conjunction does:
    an -exec ... ; that fails ends that path's actions."""
    steps: list[tuple[str, list[str], int]] = []
    commands = iter(plan.commands)
    keys = 0  # find numbers its -exec ... + batches in expression order
    for action in plan.actions:
        if action == "-exec+":
            steps.append((action, next(commands), keys))
            keys += 1
        else:
            steps.append((action, next(commands) if action == "-exec" else [], -1))
    if [a for a, _, _ in steps] == ["-exec+"]:  # the common case, without the loop
        _, command, key = steps[0]
        runner.exec_batch_all(key, command, paths)
        return
    for p in paths:
        for action, command, key in steps:
            if action == "-print":
                runner.emit(p + "\n")
            elif action == "-print0":
                runner.emit(p + "\0")
            elif action == "-exec+":
                runner.exec_batch(key, command, p)
            elif not runner.exec_one([a.replace("{}", p) for a in command]):
                break


def _delete(fs: FileSystem, directory: Inode, lo: int, hi: int, cred: Cred, path: str,
            on_error: Callable[[str], None]) -> None:
    try:
        fs.delete_lazy(directory, lo, hi, cred=cred, path=path, pinned_too=False)
    except FsError as error:
        on_error(f"cannot delete '{path}': {error.strerror}")
