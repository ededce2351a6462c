from __future__ import annotations

from pagerdrill.world.fs import Mount

from .helpers import make_host, sh


def test_tee_copies_to_stdout_and_files() -> None:
    host = make_host({"/root/log": b"old\n"})
    assert sh(host, "tee", "out", stdin=b"x\n").out == "x\n"
    assert sh(host, "tee", "-a", "log", stdin=b"new\n").out == "new\n"
    assert host.fs.lookup("/root/out").content.read() == b"x\n"  # type: ignore[union-attr]
    assert host.fs.lookup("/root/log").content.read() == b"old\nnew\n"  # type: ignore[union-attr]


def test_tee_reports_a_full_disk() -> None:
    host = make_host()
    host.fs.mkdir("/mnt/small")
    host.fs.add_mount(Mount("/dev/sdb1", "/mnt/small", "ext4", 8192, 100))
    result = sh(host, "tee", "/mnt/small/f", stdin=b"x" * 20000)
    assert result.err == "tee: /mnt/small/f: No space left on device\n"
    assert result.status == 1
    assert len(result.stdout) == 20000


def test_tee_into_a_directory() -> None:
    result = sh(make_host(), "tee", "/etc", stdin=b"x")
    assert (result.err, result.status) == ("tee: /etc: Is a directory\n", 1)
