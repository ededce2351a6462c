"""File content whose size is decoupled from stored bytes.

A 64G debug log is a sequence of fixed-size chunks generated on demand from a
seed; only the bytes a command actually reads are ever produced. Each chunk
holds a fixed number of lines, so sizes and line counts are known without
generating anything.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pagerdrill.world.rng import Rng

__all__ = [
    "BytesSegment",
    "FileContent",
    "GeneratedSegment",
    "LineFactory",
    "TextSource",
    "ZeroSegment",
]

# Produces one log line (without newline) for the simulated instant ``t_ms``.
LineFactory = Callable[[Rng, int], str]
# Produces one line of exactly ``n`` bytes (without newline): a chunk's filler.
PadFactory = Callable[[Rng, int, int], str]

# Rendered chunks are cached process-wide, not per session: the cost is bounded
# (this many bytes in all, like a page cache) and shared by every player.
_CACHE_BYTES = 16 * 1024 * 1024
_chunk_cache: OrderedDict[tuple[int, int], bytes] = OrderedDict()
_source_ids = itertools.count()
_FILL = 0.9  # share of a chunk filled by ordinary lines; the last line takes the rest


def _json_dump_line(rng: Rng, t_ms: int, size: int) -> str:
    """Default filler: a debug dump of a request body, as chatty apps log them."""
    del t_ms
    head = 'DEBUG [http] request body: {"items":['
    items: list[str] = []
    length = len(head) + 2
    while length < size:
        sku, qty = rng.randrange(100000), rng.randint(1, 9)
        price = f"{rng.randint(1, 499)}.{rng.randrange(100):02d}"
        item = f'{{"sku":"SKU-{sku:05d}","qty":{qty},"price":{price}}}'
        items.append(item)
        length += len(item) + 1
    return (head + ",".join(items) + "]}")[:size].ljust(size)


class TextSource:
    """An endless, deterministic stream of text lines in fixed-size chunks.

    Chunk ``i`` covers the simulated instants from ``t0_ms + i * chunk_ms``. A
    chunk is exactly ``chunk_size`` bytes and ``lines_per_chunk`` lines: its last
    line is a filler of the exact remaining size, so offsets and line counts are
    arithmetic and a 64G file never needs to be generated to be measured.
    """

    def __init__(
        self,
        name: str,
        seed: int,
        make_line: LineFactory,
        *,
        t0_ms: int,
        bytes_per_second: float,
        chunk_size: int = 16384,
        pad_line: PadFactory = _json_dump_line,
    ) -> None:
        if bytes_per_second <= 0:
            raise ValueError("a text source must produce bytes")
        self.name = name
        self.seed = seed
        self.make_line = make_line
        self.pad_line = pad_line
        self.t0_ms = t0_ms
        self.bytes_per_second = bytes_per_second
        self.chunk_size = chunk_size
        self._cache_key = next(_source_ids)  # unique per source: no stale sharing
        probe = Rng(seed).child(name, "calibrate")
        lengths = [len(make_line(probe, t0_ms).encode()) + 1 for _ in range(64)]
        self._max_line = max(lengths)
        mean = sum(lengths) / len(lengths)
        self.lines_per_chunk = max(2, int(chunk_size * _FILL / mean))

    def time_of(self, offset: int) -> int:
        """The simulated instant at which byte ``offset`` of the stream was written."""
        return self.t0_ms + int(offset * 1000 / self.bytes_per_second)

    def offset_at(self, t_ms: int) -> int:
        """How many bytes the stream holds at instant ``t_ms``."""
        return max(0, int((t_ms - self.t0_ms) * self.bytes_per_second / 1000))

    def chunk(self, index: int) -> bytes:
        key = (self._cache_key, index)
        cached = _chunk_cache.get(key)
        if cached is not None:
            _chunk_cache.move_to_end(key)
            return cached
        data = self._render(index)
        _chunk_cache[key] = data
        if len(_chunk_cache) * self.chunk_size > _CACHE_BYTES:
            _chunk_cache.popitem(last=False)
        return data

    def _render(self, index: int) -> bytes:
        rng = Rng(self.seed).child(self.name, index)
        start = self.chunk_size * index
        step = self.chunk_size / self.lines_per_chunk
        lines: list[bytes] = []
        used = 0
        for n in range(self.lines_per_chunk - 1):
            line = self.make_line(rng, self.time_of(int(start + n * step))).encode()
            # Keep outliers from eating the filler's room.
            line = line[: self._max_line] + b"\n"
            lines.append(line)
            used += len(line)
        if used > self.chunk_size - 2:
            # A rare run of long lines: cut them evenly so the chunk keeps its shape.
            limit = (self.chunk_size - 2) // len(lines)
            lines = [ln if len(ln) <= limit else ln[: limit - 1] + b"\n" for ln in lines]
            used = sum(len(ln) for ln in lines)
        room = self.chunk_size - used - 1
        t_last = self.time_of(int(start + self.chunk_size - step))
        lines.append(self.pad_line(rng, t_last, room).encode()[:room].ljust(room) + b"\n")
        return b"".join(lines)

    def line_start(self, offset: int) -> int:
        """The start of the line holding ``offset``: the end of the whole lines before it.
        A chunk always ends with a newline, so this renders one chunk at most."""
        index, within = divmod(offset, self.chunk_size)
        return index * self.chunk_size + self.chunk(index).rfind(b"\n", 0, within) + 1

    def line_end(self, offset: int) -> int:
        """Where the line cut at ``offset`` ends (``offset`` itself at a line start)."""
        if offset == 0:
            return 0
        index, within = divmod(offset - 1, self.chunk_size)
        return index * self.chunk_size + self.chunk(index).find(b"\n", within) + 1

    def read(self, offset: int, length: int) -> bytes:
        parts: list[bytes] = []
        end = offset + length
        while offset < end:
            index, within = divmod(offset, self.chunk_size)
            take = min(self.chunk_size - within, end - offset)
            parts.append(self.chunk(index)[within : within + take])
            offset += take
        return b"".join(parts)

    def count_lines(self, offset: int, length: int) -> int:
        """Newlines in ``[offset, offset + length)``; whole chunks cost nothing."""
        end = offset + length
        first_full = -(-offset // self.chunk_size)
        last_full = end // self.chunk_size
        if last_full <= first_full:
            return self.read(offset, length).count(b"\n")
        count = (last_full - first_full) * self.lines_per_chunk
        count += self.read(offset, first_full * self.chunk_size - offset).count(b"\n")
        count += self.read(last_full * self.chunk_size, end - last_full * self.chunk_size).count(
            b"\n"
        )
        return count


@dataclass
class BytesSegment:
    data: bytes

    @property
    def length(self) -> int:
        return len(self.data)

    allocated = True

    def read(self, start: int, end: int) -> bytes:
        return self.data[start:end]

    def count_lines(self) -> int:
        return self.data.count(b"\n")


@dataclass
class ZeroSegment:
    """A hole left by extending a file with ``truncate``: reads as zeros, costs no blocks."""

    length: int
    allocated = False

    def read(self, start: int, end: int) -> bytes:
        return bytes(max(0, min(end, self.length) - start))

    def count_lines(self) -> int:
        return 0


@dataclass
class GeneratedSegment:
    """The window ``[start, start + length)`` of a text source's stream."""

    source: TextSource
    start: int
    length: int
    allocated = True

    def read(self, start: int, end: int) -> bytes:
        end = min(end, self.length)
        return self.source.read(self.start + start, max(0, end - start))

    def count_lines(self) -> int:
        return self.source.count_lines(self.start, self.length)


Segment = BytesSegment | ZeroSegment | GeneratedSegment


class FileContent:
    """A regular file's bytes as a list of segments."""

    def __init__(self, data: bytes = b"") -> None:
        self.segments: list[Segment] = [BytesSegment(data)] if data else []

    @classmethod
    def generated(cls, source: TextSource, start: int, length: int) -> FileContent:
        content = cls()
        content.append_generated(source, start, length)
        return content

    @property
    def size(self) -> int:
        return sum(s.length for s in self.segments)

    @property
    def allocated(self) -> int:
        return sum(s.length for s in self.segments if s.allocated)

    def read(self, offset: int = 0, length: int | None = None) -> bytes:
        end = self.size if length is None else offset + length
        return b"".join(self._pieces(offset, end))

    def _pieces(self, offset: int, end: int) -> Iterator[bytes]:
        base = 0
        for segment in self.segments:
            seg_end = base + segment.length
            if seg_end > offset and base < end:
                yield segment.read(max(0, offset - base), min(segment.length, end - base))
            base = seg_end
            if base >= end:
                return

    def iter_chunks(self, offset: int = 0, chunk: int = 65536) -> Iterator[bytes]:
        """Lazily yield the content from ``offset`` in pieces of at most ``chunk`` bytes."""
        size = self.size
        while offset < size:
            take = min(chunk, size - offset)
            yield self.read(offset, take)
            offset += take

    def count_lines(self) -> int:
        return sum(s.count_lines() for s in self.segments)

    def append(self, data: bytes) -> None:
        if not data:
            return
        last = self.segments[-1] if self.segments else None
        if isinstance(last, BytesSegment) and len(last.data) < 1 << 20:
            last.data += data
        else:
            self.segments.append(BytesSegment(data))

    def append_generated(self, source: TextSource, start: int, length: int) -> None:
        if length <= 0:
            return
        last = self.segments[-1] if self.segments else None
        if (
            isinstance(last, GeneratedSegment)
            and last.source is source
            and last.start + last.length == start
        ):
            last.length += length
        else:
            self.segments.append(GeneratedSegment(source, start, length))

    def truncate(self, size: int) -> None:
        current = self.size
        if size >= current:
            if size > current:
                self.segments.append(ZeroSegment(size - current))
            return
        kept: list[Segment] = []
        base = 0
        for segment in self.segments:
            if base >= size:
                break
            take = min(segment.length, size - base)
            if take == segment.length:
                kept.append(segment)
            elif isinstance(segment, BytesSegment):
                kept.append(BytesSegment(segment.data[:take]))
            elif isinstance(segment, ZeroSegment):
                kept.append(ZeroSegment(take))
            else:
                kept.append(GeneratedSegment(segment.source, segment.start, take))
            base += take
        self.segments = kept

    def replace(self, data: bytes) -> None:
        self.segments = [BytesSegment(data)] if data else []

    def copy(self) -> FileContent:
        clone = FileContent()
        for segment in self.segments:
            if isinstance(segment, BytesSegment):
                clone.segments.append(BytesSegment(segment.data))
            elif isinstance(segment, ZeroSegment):
                clone.segments.append(ZeroSegment(segment.length))
            else:
                clone.segments.append(
                    GeneratedSegment(segment.source, segment.start, segment.length)
                )
        return clone
