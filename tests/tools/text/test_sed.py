from __future__ import annotations

from .helpers import make_host, sh


def test_sed_substitute_and_print() -> None:
    host = make_host()
    assert sh(host, "sed", "s/a/b/g", stdin=b"aaa\n").out == "bbb\n"
    assert sh(host, "sed", "-n", "2p", stdin=b"1\n2\n3\n").out == "2\n"
    assert sh(host, "sed", "-E", "s/([a-z]+)=([0-9]+)/\\2=\\1/", stdin=b"x=1\n").out == "1=x\n"


def test_sed_addresses_and_ranges() -> None:
    data = b"a\nb\nc\nd\n"
    assert sh(make_host(), "sed", "/b/,/c/d", stdin=data).out == "a\nd\n"
    assert sh(make_host(), "sed", "-n", "2,+1p", stdin=data).out == "b\nc\n"
    assert sh(make_host(), "sed", "$!d", stdin=data).out == "d\n"


def test_sed_text_commands() -> None:
    assert sh(make_host(), "sed", "1a after", stdin=b"x\n").out == "x\nafter\n"
    assert sh(make_host(), "sed", "1i before", stdin=b"x\n").out == "before\nx\n"
    assert sh(make_host(), "sed", "c new", stdin=b"x\n").out == "new\n"
    assert sh(make_host(), "sed", "y/abc/xyz/;=", stdin=b"cab\n").out == "1\nzxy\n"


def test_sed_quit_with_status() -> None:
    result = sh(make_host(), "sed", "2q3", stdin=b"a\nb\nc\n")
    assert (result.out, result.status) == ("a\nb\n", 3)


def test_sed_in_place_with_backup() -> None:
    host = make_host({"/etc/app.conf": b"debug=true\n"})
    assert sh(host, "sed", "-i.bak", "s/true/false/", "/etc/app.conf").status == 0
    assert host.fs.lookup("/etc/app.conf").content.read() == b"debug=false\n"  # type: ignore[union-attr]
    assert host.fs.lookup("/etc/app.conf.bak").content.read() == b"debug=true\n"  # type: ignore[union-attr]


def test_sed_script_errors() -> None:
    result = sh(make_host(), "sed", "s/a/b")
    assert result.err == "sed: -e expression #1, char 5: unterminated `s' command\n"
    assert result.status == 1


def test_sed_in_place_writes_a_new_file_beside_the_old_one() -> None:
    host = make_host({"/etc/app.conf": b"debug=true\n"})
    before = host.fs.lookup("/etc/app.conf")
    before.mode, before.uid = 0o640, 33
    assert sh(host, "sed", "-i", "s/true/false/", "/etc/app.conf").status == 0
    after = host.fs.lookup("/etc/app.conf")
    assert after is not before  # renamed over: a new inode, like GNU sed
    assert (after.mode, after.uid) == (0o640, 33)
    assert sorted(host.fs.listdir(host.fs.lookup("/etc"))).count("app.conf") == 1


def test_sed_in_place_on_a_full_disk_fails_and_leaves_the_file_alone() -> None:
    host = make_host({"/etc/app.conf": b"debug=true\n"})
    mount = host.fs.mounts[0]
    mount.size_bytes = mount.used_bytes  # not one block left
    result = sh(host, "sed", "-i", "s/true/false/", "/etc/app.conf")
    assert result.status == 4
    # What GNU sed 4.9 printed on a full ext4 loop mount here.
    assert result.err == "sed: couldn't flush <unknown>: No space left on device\n"
    assert host.fs.lookup("/etc/app.conf").content.read() == b"debug=true\n"  # type: ignore[union-attr]
    assert not [n for n in host.fs.listdir(host.fs.lookup("/etc")) if n.startswith("sed")]
