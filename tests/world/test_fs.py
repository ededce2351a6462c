"""The virtual filesystem: paths, permissions, space accounting, open-but-deleted files."""

from __future__ import annotations

import pytest

from pagerdrill.world.builder import GiB, add_linux_host, new_world
from pagerdrill.world.content import FileContent
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import BLOCK, Cred, Kind, Mount
from pagerdrill.world.host import Host


def test_lookup_resolves_dots_and_symlinks(host: Host) -> None:
    fs = host.fs
    fs.put("/srv/app/config.yaml", b"log_level: debug\n")
    fs.create("/srv/current", kind=Kind.LINK, target="app")
    assert fs.lookup("/srv/./app/../app/config.yaml").size == 17
    assert fs.lookup("current/config.yaml", "/srv").size == 17
    assert fs.lookup("/srv/current", follow=False).kind is Kind.LINK


@pytest.mark.parametrize(
    ("path", "code"),
    [("/nope", errno.ENOENT), ("/etc/passwd/x", errno.ENOTDIR), ("/etc/passwd/", errno.ENOTDIR)],
)
def test_lookup_errors_carry_errno(host: Host, path: str, code: int) -> None:
    with pytest.raises(FsError) as caught:
        host.fs.lookup(path)
    assert caught.value.errno == code
    assert caught.value.path == path


def test_symlink_loop_is_eloop(host: Host) -> None:
    host.fs.create("/tmp/a", kind=Kind.LINK, target="/tmp/b")
    host.fs.create("/tmp/b", kind=Kind.LINK, target="/tmp/a")
    with pytest.raises(FsError) as caught:
        host.fs.lookup("/tmp/a")
    assert caught.value.strerror == "Too many levels of symbolic links"


def test_a_trailing_slash_follows_a_final_symlink(host: Host) -> None:
    host.fs.mkdir("/srv/releases/r1", parents=True)
    host.fs.create("/srv/current", kind=Kind.LINK, target="/srv/releases/r1")
    assert host.fs.lookup("/srv/current", follow=False).kind is Kind.LINK
    assert host.fs.lookup("/srv/current/", follow=False).is_dir  # ls -ld current/


def test_read_text_follows_links_and_leaves_no_trace(host: Host) -> None:
    host.fs.put("/etc/app.conf", b"port = 80\n")
    host.fs.create("/etc/current.conf", kind=Kind.LINK, target="/etc/app.conf")
    before = host.fs.lookup("/etc/app.conf").atime_ms
    host.world.clock.advance(60_000)
    assert host.fs.read_text("/etc/current.conf") == "port = 80\n"
    assert host.fs.lookup("/etc/app.conf").atime_ms == before
    assert host.fs.read_text("/etc/missing.conf") is None
    assert host.fs.read_text("/etc") is None  # a directory has no text


def test_permissions_apply_to_ordinary_users(host: Host) -> None:
    fs = host.fs
    fs.put("/root/secret", b"x", mode=0o600)
    nobody = Cred(65534, (65534,))
    with pytest.raises(FsError) as caught:
        fs.lookup("/root/secret", cred=nobody)
    assert caught.value.errno == errno.EACCES
    with pytest.raises(FsError):
        fs.create("/etc/new", cred=nobody)
    fs.create("/tmp/mine", cred=nobody)
    assert fs.lookup("/tmp/mine").uid == 65534


def test_sticky_tmp_protects_other_users_files(host: Host) -> None:
    host.fs.create("/tmp/roots")
    with pytest.raises(FsError) as caught:
        host.fs.unlink("/tmp/roots", cred=Cred(1000, (1000,)))
    assert caught.value.errno == errno.EPERM


def test_space_is_counted_in_blocks_and_freed_on_unlink(host: Host) -> None:
    mount = host.fs.mounts[0]
    before = mount.used_bytes, mount.used_inodes
    inode = host.fs.put("/tmp/one", b"x")
    assert inode.usage_bytes == BLOCK
    assert mount.used_bytes == before[0] + BLOCK
    assert mount.used_inodes == before[1] + 1
    host.fs.unlink("/tmp/one")
    assert (mount.used_bytes, mount.used_inodes) == before


def test_write_fills_what_fits_then_fails_with_enospc() -> None:
    world = new_world()
    host = add_linux_host(world, "tiny", disk_bytes=1024 * 1024)
    mount = host.fs.mounts[0]
    inode = host.fs.create("/tmp/fill")
    room = mount.avail_bytes
    with pytest.raises(FsError) as caught:
        host.fs.write(inode, b"x" * (room + 10))
    assert caught.value.strerror == "No space left on device"
    assert inode.size == room
    assert mount.avail_bytes == 0
    with pytest.raises(FsError):
        host.fs.mkdir("/tmp/newdir")


def test_deleted_open_file_keeps_its_blocks_until_released(host: Host) -> None:
    fs = host.fs
    mount = fs.mounts[0]
    inode = fs.put("/var/log/app.log", FileContent(b"x" * 10 * BLOCK))
    proc = host.procs.spawn(["/usr/bin/app"])
    host.procs.open(proc, "/var/log/app.log")
    used = mount.used_bytes
    fs.unlink("/var/log/app.log")
    assert inode.deleted and mount.used_bytes == used
    fs.write(inode, b"more")  # the holder keeps writing to the deleted file
    assert mount.used_bytes == used + BLOCK
    host.procs.exit(proc.pid, 0)
    assert mount.used_bytes == used - 10 * BLOCK


def test_truncate_frees_blocks_even_while_held_open(host: Host) -> None:
    fs = host.fs
    mount = fs.mounts[0]
    inode = fs.put("/var/log/app.log", FileContent(b"x" * 100 * BLOCK))
    proc = host.procs.spawn(["/usr/bin/app"])
    host.procs.open(proc, "/var/log/app.log")
    used = mount.used_bytes
    fs.truncate(inode, 0)
    assert mount.used_bytes == used - 100 * BLOCK


def test_growing_with_truncate_makes_a_hole(host: Host) -> None:
    inode = host.fs.put("/tmp/sparse")
    used = host.fs.mounts[0].used_bytes
    host.fs.truncate(inode, 10 * GiB)
    assert inode.size == 10 * GiB
    assert inode.usage_bytes == 0
    assert host.fs.mounts[0].used_bytes == used
    assert inode.content is not None and inode.content.read(5, 3) == b"\0\0\0"


def test_rename_moves_and_replaces(host: Host) -> None:
    fs = host.fs
    fs.put("/tmp/a", b"a")
    fs.put("/tmp/b", b"b")
    used = fs.mounts[0].used_bytes
    fs.rename("/tmp/a", "/tmp/b")
    assert not fs.exists("/tmp/a")
    assert fs.lookup("/tmp/b").content.read() == b"a"  # type: ignore[union-attr]
    assert fs.mounts[0].used_bytes == used - BLOCK


def test_rename_into_own_subdirectory_is_einval(host: Host) -> None:
    host.fs.mkdir("/srv/a/b", parents=True)
    with pytest.raises(FsError) as caught:
        host.fs.rename("/srv/a", "/srv/a/b/c")
    assert caught.value.errno == errno.EINVAL


def test_rename_across_mounts_is_exdev(host: Host) -> None:
    host.fs.mkdir("/data")
    host.fs.add_mount(Mount("/dev/sdb1", "/data", "ext4", 10 * GiB, 655360))
    host.fs.put("/tmp/x", b"x")
    with pytest.raises(FsError) as caught:
        host.fs.rename("/tmp/x", "/data/x")
    assert caught.value.errno == errno.EXDEV
    inode = host.fs.put("/data/y", b"y")
    assert inode.mount.source == "/dev/sdb1"


def test_rmdir_refuses_non_empty_and_mount_points(host: Host) -> None:
    host.fs.put("/srv/full/file", b"")
    with pytest.raises(FsError) as caught:
        host.fs.rmdir("/srv/full")
    assert caught.value.errno == errno.ENOTEMPTY
    with pytest.raises(FsError) as caught:
        host.fs.rmdir("/")
    assert caught.value.errno == errno.EBUSY


def test_hard_links_share_an_inode(host: Host) -> None:
    inode = host.fs.put("/tmp/a", b"data")
    host.fs.link("/tmp/a", "/tmp/b")
    assert inode.nlink == 2
    host.fs.unlink("/tmp/a")
    assert host.fs.lookup("/tmp/b") is inode and not inode.deleted


def test_opaque_usage_counts_for_df(host: Host) -> None:
    mount = host.fs.mounts[0]
    used = mount.used_bytes, mount.used_inodes
    host.fs.set_opaque("/usr", 3 * GiB, 120_000)
    assert mount.used_bytes == used[0] + 3 * GiB
    assert mount.used_inodes == used[1] + 120_000


def test_devices_stream(host: Host) -> None:
    zero = host.fs.read_stream(host.fs.lookup("/dev/zero"))
    assert next(zero)[:4] == b"\0\0\0\0"
    assert list(host.fs.read_stream(host.fs.lookup("/dev/null"))) == []
    first = next(host.fs.read_stream(host.fs.lookup("/dev/urandom")))[:16]
    again = next(host.fs.read_stream(host.fs.lookup("/dev/urandom")))[:16]
    assert first == again  # deterministic at a given simulated instant


def test_path_of_follows_renames(host: Host) -> None:
    inode = host.fs.put("/tmp/a", b"")
    host.fs.mkdir("/tmp/d")
    host.fs.rename("/tmp/a", "/tmp/d/b")
    assert host.fs.path_of(inode) == "/tmp/d/b"
