"""Huge directories described by a formula instead of a million inodes.

A :class:`LazyEntries` stands in for a directory's ``entries`` dict. Its N
generated children (session files, cache entries) exist only as an index range
and one bit of liveness each: child ``i`` has a name derived bijectively from
``i`` (so a name can be looked up without a table), an mtime that grows with
``i`` (so "older than X" is an index range), and a size that always fits one
4 KiB block (so byte totals are ``count * BLOCK``). A child becomes a real
:class:`Inode` only when touched by name; readdir yields names in a stable
pseudo-random order, as ext4's hash order looks.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, KeysView, ValuesView
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pagerdrill.world.fs import Inode

__all__ = ["LazyEntries", "LazySpec", "LiveBits"]

_MASK = (1 << 64) - 1
_C1, _C2 = 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53  # murmur3's fmix64: a bijection
_C1_INV, _C2_INV = pow(_C1, -1, 1 << 64), pow(_C2, -1, 1 << 64)
_C3 = 0x9E3779B97F4A7C15
_HEX = frozenset("0123456789abcdef")
_SPREAD = [bytes((b >> j) & 1 for j in range(8)) for b in range(256)]  # a byte's 8 bits


class LiveBits:
    """One bit per child (bit ``i & 7`` of byte ``i >> 3``), with the bytearray calls
    callers use: ``bits[i]``, ``count(1, lo, hi)``, ``rfind(1)``. A million children
    take 122 KiB instead of 977."""

    __slots__ = ("data", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self.data = bytearray(b"\xff") * (size >> 3)
        if size & 7:
            self.data.append((1 << (size & 7)) - 1)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < self.size:
            raise IndexError("LiveBits index out of range")
        return (self.data[index >> 3] >> (index & 7)) & 1

    def set(self, index: int, value: int) -> None:
        if value:
            self.data[index >> 3] |= 1 << (index & 7)
        else:
            self.data[index >> 3] &= ~(1 << (index & 7)) & 0xFF

    def _ones(self, lo: int, hi: int) -> int:
        if lo >= hi:
            return 0
        a, b = lo >> 3, (hi - 1) >> 3
        word = int.from_bytes(self.data[a:b + 1], "little") >> (lo & 7)
        return (word & ((1 << (hi - lo)) - 1)).bit_count()

    def count(self, value: int, lo: int = 0, hi: int | None = None) -> int:
        """Children in [lo, hi) whose bit is ``value``."""
        lo, hi = max(0, lo), self.size if hi is None else min(self.size, hi)
        ones = self._ones(lo, hi)
        return ones if value else max(0, hi - lo) - ones

    def rfind(self, value: int) -> int:
        """The highest child whose bit is ``value``, or -1."""
        if value:
            top = len(self.data.rstrip(b"\0"))
            return -1 if top == 0 else (top - 1) * 8 + self.data[top - 1].bit_length() - 1
        for index in range(self.size - 1, -1, -1):
            if not self[index]:
                return index
        return -1

    def clear(self, lo: int, hi: int) -> None:
        """Bits [lo, hi) to 0."""
        lo, hi = max(0, lo), min(self.size, hi)
        if lo >= hi:
            return
        a, b = (lo + 7) >> 3, hi >> 3  # whole bytes inside the range
        if a > b:  # the range sits inside one byte
            self.data[lo >> 3] &= ~(((1 << (hi - lo)) - 1) << (lo & 7)) & 0xFF
            return
        if lo & 7:
            self.data[lo >> 3] &= (1 << (lo & 7)) - 1
        self.data[a:b] = bytes(b - a)
        if hi & 7:
            self.data[b] &= ~((1 << (hi & 7)) - 1) & 0xFF

    def spread(self, lo: int = 0, hi: int | None = None) -> bytearray:
        """A transient byte per child: 1 when alive and within [lo, hi). Hot loops
        index it without bit arithmetic."""
        hi = self.size if hi is None else hi
        out = bytearray(b"".join(map(_SPREAD.__getitem__, self.data)))
        del out[self.size:]
        if lo > 0:
            out[:lo] = bytes(min(lo, self.size))
        if hi < self.size:
            out[max(hi, 0):] = bytes(self.size - max(hi, 0))
        return out


@dataclass(frozen=True)
class LazySpec:
    """How the N children look: ``prefix + 32 hex digits + suffix``."""

    count: int
    seed: int
    prefix: str = ""
    suffix: str = ""
    mode: int = 0o600
    uid: int = 0
    gid: int = 0
    mtime_first_ms: int = 0  # child 0, the oldest
    mtime_last_ms: int = 0  # child count - 1, the newest
    size_min: int = 1
    size_max: int = 4096  # at most one block each, so bytes add up arithmetically

    def __post_init__(self) -> None:
        if not 1 <= self.size_min <= self.size_max <= 4096:
            raise ValueError("lazy children must each fit one 4 KiB block")
        object.__setattr__(self, "key", (self.seed * _C3) & _MASK)

    key: int = field(init=False, repr=False, compare=False, default=0)

    def token(self, index: int) -> int:
        x = (index + self.key) & _MASK
        x ^= x >> 33
        x = (x * _C1) & _MASK
        x ^= x >> 33
        x = (x * _C2) & _MASK
        return x ^ (x >> 33)

    def name(self, index: int) -> str:
        x = self.token(index)
        return f"{self.prefix}{x:016x}{(x * _C3 + self.key) & _MASK:016x}{self.suffix}"

    def index(self, name: str) -> int | None:
        """The child a name denotes, or None when no child has that name."""
        p, s = len(self.prefix), len(self.suffix)
        if len(name) != p + 32 + s or not name.startswith(self.prefix) \
                or not name.endswith(self.suffix):
            return None
        digits = name[p:p + 32]
        if not _HEX.issuperset(digits):
            return None
        x = int(digits[:16], 16)
        if int(digits[16:], 16) != (x * _C3 + self.key) & _MASK:
            return None
        x ^= x >> 33
        x = (x * _C2_INV) & _MASK
        x ^= x >> 33
        x = (x * _C1_INV) & _MASK
        x ^= x >> 33
        index = (x - self.key) & _MASK
        return index if index < self.count else None

    def mtime(self, index: int) -> int:
        span = self.mtime_last_ms - self.mtime_first_ms
        return self.mtime_first_ms + (span * index // (self.count - 1) if self.count > 1 else 0)

    def first_newer(self, t_ms: int) -> int:
        """The lowest index whose mtime is > t_ms (``count`` if none)."""
        lo, hi = 0, self.count
        while lo < hi:
            mid = (lo + hi) // 2
            if self.mtime(mid) > t_ms:
                hi = mid
            else:
                lo = mid + 1
        return lo

    def size(self, index: int) -> int:
        width = self.size_max - self.size_min + 1
        return self.size_min + (self.token(index) >> 20) % width

    def order(self) -> tuple[int, int]:
        """Readdir visits ``(a * k + b) % count``: a fixed pseudo-random permutation."""
        n = self.count
        a = max(1, (n * 0x9E37) // 0x10000) | 1
        while _gcd(a, n) != 1:
            a += 2
        return a, self.key % max(n, 1)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


class LazyEntries(dict[str, "Inode"]):
    """A directory's entries: generated children plus a real dict of the rest.

    The inherited dict storage is not used; ``pinned`` holds generated children
    that were touched (so changes to them stick) and ``extra`` the names
    created normally.
    """

    def __init__(self, spec: LazySpec, first_ino: int,
                 make: Callable[[LazyEntries, int], Inode]) -> None:
        super().__init__()
        self.spec = spec
        self.first_ino = first_ino
        self.alive = LiveBits(spec.count)
        self.alive_count = spec.count
        self.pinned: dict[int, Inode] = {}
        self.extra: dict[str, Inode] = {}
        self._make = make

    # -- generated children ----------------------------------------------------

    def child(self, index: int, *, pin: bool = False) -> Inode:
        """The inode of a live generated child; ``pin`` keeps it (it was touched)."""
        inode = self.pinned.get(index)
        if inode is None:
            inode = self._make(self, index)
            if pin:
                self.pinned[index] = inode
        return inode

    def live_indices(self) -> Iterator[int]:
        """Live generated children in readdir order."""
        n = self.spec.count
        if n == 0:
            return
        a, b = self.spec.order()
        data = self.alive.data  # read live: the consumer may delete children as it goes
        k_index = b
        for _ in range(n):
            if (data[k_index >> 3] >> (k_index & 7)) & 1:
                yield k_index
            k_index += a
            if k_index >= n:
                k_index -= n

    def names_chunks(self, lo: int = 0, hi: int | None = None,
                     chunk: int = 8192) -> Iterator[list[str]]:
        """Names of live children with index in [lo, hi), in readdir order, in chunks.

        Liveness is read once, at the start, as ``list(entries.items())`` would.
        The hot loop of ``find | wc -l`` over a million names: name() inlined."""
        spec = self.spec
        n = spec.count
        hi = n if hi is None else hi
        if n == 0:
            return
        a, k_index = spec.order()
        alive = self.alive.spread(lo, hi)  # the range test folded in
        key, prefix, suffix = spec.key, spec.prefix, spec.suffix
        mask, c1, c2, c3 = _MASK, _C1, _C2, _C3
        batch: list[str] = []
        append = batch.append
        for _ in range(n):
            if alive[k_index]:
                x = (k_index + key) & mask
                x ^= x >> 33
                x = (x * c1) & mask
                x ^= x >> 33
                x = (x * c2) & mask
                x ^= x >> 33
                append(f"{prefix}{x:016x}{(x * c3 + key) & mask:016x}{suffix}")
                if len(batch) >= chunk:
                    yield batch
                    batch = []
                    append = batch.append
            k_index += a
            if k_index >= n:
                k_index -= n
        if batch:
            yield batch

    def kill_range(self, lo: int, hi: int, *, pinned_too: bool = True
                   ) -> tuple[int, list[Inode]]:
        """Mark children [lo, hi) dead; returns how many unpinned ones died, and the
        pinned ones that died (the caller detaches those: they may be held open).
        With ``pinned_too`` false, pinned children in the range stay."""
        lo, hi = max(0, lo), min(self.spec.count, hi)
        if lo >= hi:
            return 0, []
        inside = [i for i in sorted(self.pinned) if lo <= i < hi]
        died = self.alive.count(1, lo, hi) - len(inside)
        self.alive.clear(lo, hi)
        if pinned_too:
            pinned = [self.pinned.pop(i) for i in inside]
        else:
            pinned = []
            for i in inside:
                self.alive.set(i, 1)
        self.alive_count -= died + len(pinned)
        return died, pinned

    def generated(self, name: str) -> int | None:
        """The index of the live generated child called ``name``, or None."""
        index = self.spec.index(name)
        if index is None or not (self.alive.data[index >> 3] >> (index & 7)) & 1:
            return None
        return index

    def kill(self, index: int) -> None:
        """Mark the live child ``index`` dead (and forget its inode if pinned)."""
        data, bit = self.alive.data, 1 << (index & 7)
        assert data[index >> 3] & bit
        data[index >> 3] ^= bit
        self.alive_count -= 1
        self.pinned.pop(index, None)

    # -- the dict protocol -------------------------------------------------------

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self.extra or self.generated(name) is not None)

    def __getitem__(self, name: str) -> Inode:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def get(self, name: str, default: Inode | None = None) -> Inode | None:  # type: ignore[override]
        if name in self.extra:
            return self.extra[name]
        index = self.generated(name)
        return default if index is None else self.child(index, pin=True)

    def __setitem__(self, name: str, inode: Inode) -> None:
        if inode.lazy_slot >= 0 and self.pinned.get(inode.lazy_slot) is inode:
            return  # already here under its generated name
        inode.lazy_slot = -1  # anything else stored here is an ordinary entry
        self.extra[name] = inode

    def __delitem__(self, name: str) -> None:
        if name in self.extra:
            del self.extra[name]
            return
        index = self.generated(name)
        if index is None:
            raise KeyError(name)
        self.kill(index)

    def __iter__(self) -> Iterator[str]:
        name = self.spec.name
        for index in self.live_indices():
            yield name(index)
        yield from list(self.extra)

    def __len__(self) -> int:
        return self.alive_count + len(self.extra)

    def __bool__(self) -> bool:
        return len(self) > 0

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        return KeysView(self)

    def values(self) -> ValuesView[Inode]:  # type: ignore[override]
        return ValuesView(self)

    def items(self) -> ItemsView[str, Inode]:  # type: ignore[override]
        return _Items(self)

    def pop(self, name: str, *default: Inode) -> Inode:  # type: ignore[override]
        found = self.get(name)
        if found is None:
            if default:
                return default[0]
            raise KeyError(name)
        del self[name]
        return found


class _Items(ItemsView[str, "Inode"]):
    """Iterating yields fresh, unpinned inodes: reading a million entries keeps none."""

    _mapping: LazyEntries

    def __iter__(self) -> Iterator[tuple[str, Inode]]:
        entries = self._mapping
        name = entries.spec.name
        for index in entries.live_indices():
            yield name(index), entries.child(index)
        yield from list(entries.extra.items())
