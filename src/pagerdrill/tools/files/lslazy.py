"""ls over a generated (lazy) directory, a chunk at a time.

Names are sorted as strings (or taken in readdir order, or newest first, which
for generated children is their index backwards); inodes exist only for the
chunk being printed. Long listings get their total arithmetically and take
column widths from the chunk plus a few witnesses (the ordinary and touched
entries, the child with the highest inode number), which is exact for the
uniform children this module is for.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator

from pagerdrill.tools.files.common import ceil_div, human
from pagerdrill.tools.files.lsformat import Entry, Layout, Painter, long_lines, needs_pad
from pagerdrill.world.fs import BLOCK, Inode
from pagerdrill.world.lazydir import LazyEntries

__all__ = ["lazy_listing", "listable"]

_CHUNK = 8192


def listable(fmt: str, sort: str, layout: Layout, entries: LazyEntries, plain: bool) -> str:
    """The format the chunked path prints this listing in exactly ("single" or
    "long"), or "" when it cannot."""
    if not plain or layout.color or layout.indicator != "none":
        return ""
    if not (sort in ("name", "none") or (sort == "time" and not entries.pinned)):
        return ""
    names = [entries.spec.name(0), *entries.extra]
    if layout.quote_names and needs_pad([Entry(n, entries.child(0)) for n in names], layout):
        return ""  # some name would be quoted: the ordinary path knows how
    if fmt in ("vertical", "horizontal") and len(entries) > 4 \
            and 2 * len(names[0]) + 2 > layout.width:
        fmt = "single"  # no two generated names fit on a line: one column
    if fmt == "single" and (layout.inode or layout.size_blocks):
        return ""
    return fmt if fmt in ("single", "long") else ""


def _names(entries: LazyEntries, sort: str, reverse: bool, dots: list[str],
           visible: Callable[[str], bool]) -> Iterable[list[str]]:
    extra = [n for n in entries.extra if visible(n)]
    if sort == "none":
        chunks: Iterable[list[str]] = itertools.chain([dots], entries.names_chunks(), [extra])
        return [list(reversed([n for c in chunks for n in c]))] if reverse else chunks
    if sort == "time":  # newest first: the ordinary (newest) files, then the index backwards
        spec = entries.spec
        extra.sort(key=lambda n: -entries.extra[n].mtime_ms)
        alive = entries.alive
        order = [spec.name(i) for i in range(spec.count - 1, -1, -1) if alive[i]]
        names = dots + extra + order
        if reverse:
            names.reverse()
    else:
        names = [n for c in entries.names_chunks() for n in c] + extra + dots
        names.sort(key=str.encode, reverse=reverse)
    return (names[i:i + _CHUNK] for i in range(0, len(names), _CHUNK))


def lazy_listing(directory: Inode, fmt: str, sort: str, reverse: bool, hidden_all: bool,
                 layout: Layout, painter: Painter,
                 visible: Callable[[str], bool]) -> Iterator[str]:
    entries = directory.entries
    assert isinstance(entries, LazyEntries)
    dots = [".", ".."] if hidden_all else []
    chunks = _names(entries, sort, reverse, dots, visible)
    if fmt == "single":
        for chunk in chunks:
            if chunk:
                yield "\n".join(chunk) + "\n"
        return
    special = {".": directory, "..": directory.parent or directory}
    touched = {entries.spec.name(i): c for i, c in entries.pinned.items()}
    touched.update(entries.extra)
    last = entries.alive.rfind(1)
    witnesses = [Entry(n, i) for n, i in touched.items()]
    if last >= 0:
        witnesses.append(Entry("", entries.child(last)))
    witnesses += [Entry(n, i) for n, i in special.items() if n in dots]
    untouched = entries.alive_count - len(entries.pinned)
    usage = untouched * BLOCK + sum(i.usage_bytes for n, i in touched.items() if visible(n))
    usage += sum(special[n].usage_bytes for n in dots)
    yield f"total {_total(usage, layout)}\n"
    for chunk in chunks:
        batch = []
        for name in chunk:
            inode = special.get(name) if name in dots else touched.get(name)
            if inode is None:
                index = entries.spec.index(name)
                assert index is not None
                inode = entries.child(index)
            batch.append(Entry(name, inode))
        if batch:
            yield "".join(line + "\n" for line in long_lines(batch, layout, painter, witnesses))


def _total(usage: int, layout: Layout) -> str:
    if layout.human_base:
        return human(usage, base=layout.human_base)
    return str(ceil_div(usage, 1024))
