"""Generated (lazy) directories: a million files by formula, real inode accounting."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pagerdrill.world.clock import SimClock
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import BLOCK, ROOT, Cred, FileSystem, Mount
from pagerdrill.world.lazydir import LazyEntries, LazySpec, LiveBits
from pagerdrill.world.rng import Rng

NOW = 1_700_000_000_000
DAY = 86_400_000


def make_fs(inodes: int = 10_000, size: int = 1 << 30) -> FileSystem:
    return FileSystem(SimClock(NOW), Rng(1), Mount("/dev/sda1", "/", "ext4", size, inodes))


def spec(count: int, seed: int = 7) -> LazySpec:
    return LazySpec(count, seed, prefix="sess_", uid=33, gid=33,
                    mtime_first_ms=NOW - 30 * DAY, mtime_last_ms=NOW - 60_000)


def fill(fs: FileSystem, count: int | None = None) -> LazyEntries:
    mount = fs.mounts[0]
    # mkdir's own inode first, then every inode left to the generated files
    fs.mkdir("/var/lib/php/sessions", parents=True)
    directory = fs.add_lazy_dir("/var/lib/php/sessions",
                                spec(mount.avail_inodes if count is None else count))
    assert isinstance(directory.entries, LazyEntries)
    return directory.entries


@given(st.integers(1, 5000), st.integers(0, 2**32), st.data())
def test_names_are_a_bijection(count: int, seed: int, data: st.DataObject) -> None:
    s = spec(count, seed)
    index = data.draw(st.integers(0, count - 1))
    assert s.index(s.name(index)) == index
    assert s.index(s.name(index)[:-1] + "x") is None
    assert s.index("sess_" + "0" * 32) in (None, *range(count))


def test_readdir_order_is_a_stable_permutation() -> None:
    fs = make_fs()
    entries = fill(fs, 997)
    names = list(entries)
    assert len(names) == len(set(names)) == 997 == len(entries)
    assert names == list(entries)  # stable
    assert names != sorted(names)  # looks like ext4's hash order, not creation order
    chunked = [n for chunk in entries.names_chunks(chunk=100) for n in chunk]
    assert chunked == names


def test_inode_accounting_and_enospc() -> None:
    fs = make_fs(inodes=5000)
    mount = fs.mounts[0]
    entries = fill(fs)
    assert mount.avail_inodes == 0
    with pytest.raises(FsError) as error:
        fs.create("/tmp-new")
    assert error.value.errno == errno.ENOSPC
    name = entries.spec.name(10)
    fs.unlink(f"/var/lib/php/sessions/{name}")
    assert mount.avail_inodes == 1 and name not in entries
    fs.create("/var/lib/php/sessions/new")  # the freed inode is usable, even here
    assert "new" in entries and mount.avail_inodes == 0


def test_touched_child_is_materialised_once_and_keeps_changes() -> None:
    fs = make_fs()
    entries = fill(fs, 100)
    path = f"/var/lib/php/sessions/{entries.spec.name(42)}"
    inode = fs.lookup(path)
    assert inode is fs.lookup(path)
    assert (inode.uid, inode.mode, inode.size) == (33, 0o600, entries.spec.size(42))
    assert inode.mtime_ms == entries.spec.mtime(42) and inode.usage_bytes == BLOCK
    fs.chmod(inode, 0o644)
    assert fs.lookup(path).mode == 0o644
    fresh = dict(entries.items())[entries.spec.name(7)]
    fs.utime(fresh, NOW)  # changed through an iterated (unpinned) inode: it sticks too
    assert fs.lookup(f"/var/lib/php/sessions/{entries.spec.name(7)}").mtime_ms == NOW


def test_delete_range_is_arithmetic_and_respects_open_files() -> None:
    fs = make_fs()
    mount = fs.mounts[0]
    entries = fill(fs, 1000)
    directory = fs.lookup("/var/lib/php/sessions")
    used = (mount.used_inodes, mount.used_bytes)
    held = fs.lookup(f"/var/lib/php/sessions/{entries.spec.name(5)}")
    fs.hold(held)
    cutoff = entries.spec.first_newer(NOW - 7 * DAY)
    assert 0 < cutoff < 1000
    assert fs.delete_lazy(directory, 0, cutoff) == cutoff
    assert len(entries) == 1000 - cutoff
    # The held file stays charged until released, as with any unlinked open file.
    assert mount.used_inodes == used[0] - cutoff + 1
    assert mount.used_bytes == used[1] - (cutoff - 1) * BLOCK
    fs.release(held)
    assert mount.used_inodes == used[0] - cutoff
    assert all(entries.spec.mtime(entries.spec.index(n) or 0) > NOW - 7 * DAY for n in entries)


def test_rmdir_needs_it_empty_and_directory_size_grows() -> None:
    fs = make_fs()
    entries = fill(fs, 3000)
    directory = fs.lookup("/var/lib/php/sessions")
    assert directory.size > 40 * BLOCK
    with pytest.raises(FsError):
        fs.rmdir("/var/lib/php/sessions")
    fs.delete_lazy(directory, 0, entries.spec.count)
    assert not entries and directory.size > 40 * BLOCK  # ext4 directories never shrink
    fs.rmdir("/var/lib/php/sessions")


def test_rename_out_makes_an_ordinary_file() -> None:
    fs = make_fs()
    entries = fill(fs, 50)
    name = entries.spec.name(3)
    fs.rename(f"/var/lib/php/sessions/{name}", "/kept")
    assert name not in entries and len(entries) == 49
    assert fs.lookup("/kept").lazy_slot == -1


def test_a_million_and_a_half_files_cost_a_few_megabytes() -> None:
    tracemalloc.start()
    try:
        fs = make_fs(inodes=1_600_000, size=20 << 30)
        fill(fs, 1_500_000)
        current, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert current < 4 << 20, current


# -- unlink_at: unlink from a directory already walked to --------------------------------


def _state(fs: FileSystem) -> tuple[object, ...]:
    directory = fs.lookup("/var/lib/php/sessions")
    mount = fs.mounts[0]
    assert isinstance(directory.entries, LazyEntries)
    return (sorted(directory.entries), directory.mtime_ms, directory.ctime_ms,
            mount.used_inodes, mount.used_bytes, len(directory.entries))


def _outcome(fs: FileSystem, path: str, cred: Cred, *, at: bool) -> object:
    try:
        if at:
            parent, name = fs.lookup_parent(path, cred=cred)
            inode = fs.unlink_at(parent, name, path, cred=cred)
        else:
            inode = fs.unlink(path, cred=cred)
    except FsError as error:
        return error.errno, error.path
    # unlink_at gives no inode for an untouched child (None); otherwise the same one.
    return "removed" if inode is None or inode.nlink == 0 else inode.ino


def _twin(mode: int = 0o755) -> FileSystem:
    fs = make_fs()
    fill(fs, 50)
    directory = fs.lookup("/var/lib/php/sessions")
    directory.mode = mode
    fs.create("/var/lib/php/sessions/plain", uid=33)
    fs.mkdir("/var/lib/php/sessions/sub")
    fs.clock.advance(5_000)
    return fs


def test_unlink_at_drops_an_untouched_child_without_making_its_inode() -> None:
    fs = make_fs()
    entries = fill(fs, 50)
    directory = fs.lookup("/var/lib/php/sessions")
    mount = fs.mounts[0]
    inodes, used = mount.used_inodes, mount.used_bytes
    name = entries.spec.name(7)
    fs.clock.advance(1_000)
    path = f"/var/lib/php/sessions/{name}"
    assert fs.unlink_at(directory, name, path) is None
    assert not entries.pinned and name not in entries and len(entries) == 49
    assert (mount.used_inodes, mount.used_bytes) == (inodes - 1, used - BLOCK)
    assert directory.mtime_ms == directory.ctime_ms == NOW + 1_000
    with pytest.raises(FsError) as gone:
        fs.unlink_at(directory, name, path)
    assert (gone.value.errno, gone.value.path) == (errno.ENOENT, path)
    # A touched (pinned) child goes as unlink does: the same inode, now nameless.
    other = entries.spec.name(8)
    held = fs.lookup(f"/var/lib/php/sessions/{other}")
    fs.hold(held)
    assert fs.unlink_at(directory, other, "x") is held and held.nlink == 0
    assert mount.used_inodes == inodes - 1  # still open: still charged
    fs.release(held)
    assert mount.used_inodes == inodes - 2


def test_lazy_generated_and_kill() -> None:
    entries = fill(make_fs(), 10)
    name = entries.spec.name(3)
    assert entries.generated(name) == 3 and entries.generated("sess_nope") is None
    entries.kill(3)
    assert entries.generated(name) is None and len(entries) == 9 and name not in entries


@pytest.mark.parametrize("who", [ROOT, Cred(33, (33,)), Cred(1000, (1000,))])
@pytest.mark.parametrize("mode", [0o755, 0o1777, 0o777, 0o333, 0o666])
@given(picks=st.lists(st.sampled_from(["gen0", "gen1", "pinned", "plain", "sub", "missing",
                                       "long", "gen0"]), min_size=1, max_size=6))
def test_unlink_at_agrees_with_unlink(who: Cred, mode: int, picks: list[str]) -> None:
    twins = _twin(mode), _twin(mode)
    for fs in twins:
        entries = fs.lookup("/var/lib/php/sessions").entries
        assert isinstance(entries, LazyEntries)
        fs.lookup(f"/var/lib/php/sessions/{entries.spec.name(2)}")  # pinned now
    spec_ = spec(50)
    names = {"gen0": spec_.name(0), "gen1": spec_.name(1), "pinned": spec_.name(2),
             "plain": "plain", "sub": "sub", "missing": "sess_" + "f" * 32, "long": "x" * 300}
    for pick in picks:
        path = f"/var/lib/php/sessions/{names[pick]}"
        plain = _outcome(twins[0], path, who, at=False)
        assert _outcome(twins[1], path, who, at=True) == plain
        assert _state(twins[0]) == _state(twins[1])


def test_unlink_at_needs_a_directory() -> None:
    fs = make_fs()
    file = fs.create("/f")
    with pytest.raises(FsError) as error:
        fs.unlink_at(file, "x", "/f/x")
    assert error.value.errno == errno.ENOTDIR


# -- LiveBits: one bit per child, with the bytearray calls its readers use ---------------


@given(st.integers(0, 70), st.lists(st.tuples(st.integers(0, 2), st.integers(-3, 75),
                                              st.integers(-3, 75)), max_size=40))
def test_live_bits_agree_with_a_bytearray(size: int,
                                          ops: list[tuple[int, int, int]]) -> None:
    bits, ref = LiveBits(size), bytearray(b"\1") * size
    assert len(bits.data) == (size + 7) // 8
    for op, lo, hi in ops:
        if op == 0 and 0 <= lo < size:
            bits.set(lo, hi & 1)
            ref[lo] = hi & 1
        elif op == 1:
            bits.clear(lo, hi)
            lo2, hi2 = max(0, lo), min(size, hi)
            ref[lo2:max(lo2, hi2)] = bytes(max(0, hi2 - lo2))
        assert [bits[i] for i in range(size)] == list(ref)
        lo2, hi2 = max(0, lo), min(size, hi)
        expect = ref.count(1, lo2, hi2) if lo2 < hi2 else 0
        assert bits.count(1, lo, hi) == expect
        assert bits.count(0, lo, hi) == max(0, hi2 - lo2) - expect
        assert bits.rfind(1) == ref.rfind(1) and bits.rfind(0) == ref.rfind(0)
        assert list(bits.spread(lo, hi)) == [ref[i] if lo <= i < hi else 0
                                             for i in range(size)]


def test_liveness_costs_a_bit_per_child() -> None:
    entries = fill(make_fs(inodes=200_000), 100_000)
    assert len(entries.alive.data) == 12_500
    lo = entries.spec.first_newer(NOW - 10 * DAY)
    entries.kill_range(0, lo)
    assert entries.alive.count(1, 0, entries.spec.count) == 100_000 - lo == len(entries)
    assert sum(1 for _ in entries.names_chunks()) > 0
    assert sum(len(c) for c in entries.names_chunks()) == len(entries)
