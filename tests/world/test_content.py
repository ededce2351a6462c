"""Lazy content: a 64G log is measurable and readable without being generated."""

from __future__ import annotations

from pagerdrill.world.builder import GiB
from pagerdrill.world.content import FileContent, TextSource
from pagerdrill.world.rng import Rng


def _line(rng: Rng, t_ms: int) -> str:
    return f"{t_ms} DEBUG [db] query user_id={rng.randint(1, 99999)}"


def _source(rate: float = 35_000.0) -> TextSource:
    return TextSource("app", 7, _line, t0_ms=1_000_000, bytes_per_second=rate)


def test_chunks_have_exact_size_and_line_count() -> None:
    source = _source()
    for index in (0, 1, 12345):
        chunk = source.chunk(index)
        assert len(chunk) == source.chunk_size
        assert chunk.count(b"\n") == source.lines_per_chunk
        assert chunk.endswith(b"\n")


def test_generation_is_deterministic_and_position_dependent() -> None:
    assert _source().chunk(99) == _source().chunk(99)
    assert _source().chunk(99) != _source().chunk(100)


def test_huge_content_counts_lines_arithmetically() -> None:
    source = _source()
    content = FileContent.generated(source, 0, 64 * GiB)
    assert content.size == 64 * GiB
    chunks = 64 * GiB // source.chunk_size
    assert content.count_lines() == chunks * source.lines_per_chunk


def test_count_lines_matches_reading_for_unaligned_windows() -> None:
    source = _source()
    content = FileContent.generated(source, 5000, 3 * source.chunk_size + 777)
    assert content.count_lines() == content.read().count(b"\n")


def test_timestamps_follow_the_write_rate() -> None:
    source = _source(rate=1000.0)
    assert source.time_of(0) == 1_000_000
    assert source.time_of(10_000) == 1_010_000
    assert source.offset_at(1_010_000) == 10_000
    tail = source.read(10 * source.chunk_size - 200, 200)
    assert tail.endswith(b"\n")


def test_segments_append_truncate_and_copy() -> None:
    source = _source()
    content = FileContent(b"head\n")
    content.append_generated(source, 0, 100)
    content.append_generated(source, 100, 50)  # contiguous: merged
    assert len(content.segments) == 2
    content.append(b"tail\n")
    assert content.size == 5 + 150 + 5
    clone = content.copy()
    content.truncate(7)
    assert content.read() == b"head\n" + source.read(0, 2)
    assert clone.size == 160
    content.truncate(10)
    assert content.read()[-3:] == b"\0\0\0"
    assert content.allocated == 7


def test_iter_chunks_reads_lazily_from_an_offset() -> None:
    content = FileContent.generated(_source(), 0, 64 * GiB)
    first = next(content.iter_chunks(64 * GiB - 10, chunk=4))
    assert len(first) == 4


def test_sources_with_wildly_varying_lines_still_render_exact_chunks() -> None:
    def bursty(rng: Rng, t_ms: int) -> str:
        return "x" * rng.choice([10, 10, 10, 3000])

    source = TextSource("bursty", 3, bursty, t0_ms=0, bytes_per_second=1e6)
    for index in range(40):
        chunk = source.chunk(index)
        assert len(chunk) == source.chunk_size
        assert chunk.count(b"\n") == source.lines_per_chunk
