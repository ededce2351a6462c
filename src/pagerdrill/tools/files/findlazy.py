"""find over a generated (lazy) directory without an Inode per child.

When the expression is a plain conjunction of tests the children's formula can
answer (``-type``, ``-name``/``-iname``, ``-mmin``/``-mtime``/``-amin``/...)
followed by ``-print``, ``-print0`` and/or ``-delete``, the matching children
form an index interval (mtime grows with the index), so printing is a stream of
generated names and deleting is one range operation. Any other expression takes
the ordinary per-entry path.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

from pagerdrill.tools.files.common import child_path
from pagerdrill.tools.files.findexpr import AgeBounds, FindError, age_bounds, numeric
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Cred, FileSystem, Inode
from pagerdrill.world.lazydir import LazyEntries, LazySpec

__all__ = ["LazyPlan", "lazy_plan", "run_lazy"]

_UNITS = {"-mmin": 60000, "-amin": 60000, "-cmin": 60000,
          "-mtime": 86400000, "-atime": 86400000, "-ctime": 86400000}
_OPTIONS = {"-depth", "-xdev", "-mount", "-noleaf"}
_ACTIONS = {"-print", "-print0", "-delete"}


@dataclass
class LazyPlan:
    files_match: bool = True  # False: a -type other than f excludes every child
    names: list[re.Pattern[str]] = field(default_factory=list)
    times: list[AgeBounds] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)


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
            if arg is None:
                return None
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
    if any(a != "-print" for a in plan.actions) and "-delete" not in plan.actions \
            and "-print0" not in plan.actions:
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
             cred: Cred, on_error: Callable[[str], None]) -> Iterator[bytes]:
    """Apply ``plan`` to the unpinned generated children of ``directory``; the caller
    handles pinned children and ordinary entries one by one."""
    entries = directory.entries
    assert isinstance(entries, LazyEntries)
    if not plan.files_match:
        return
    lo, hi = _interval(entries, plan, now_ms)
    pinned = {entries.spec.name(i) for i in entries.pinned}
    prefix = child_path(path, "")
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


def _delete(fs: FileSystem, directory: Inode, lo: int, hi: int, cred: Cred, path: str,
            on_error: Callable[[str], None]) -> None:
    try:
        fs.delete_lazy(directory, lo, hi, cred=cred, path=path, pinned_too=False)
    except FsError as error:
        on_error(f"cannot delete '{path}': {error.strerror}")
