"""mount, findmnt and lsblk from the host's mounts and df's pseudo filesystems."""

from __future__ import annotations

from .helpers import Session


def test_mount_lists_root_and_pseudo_filesystems() -> None:
    s = Session()
    lines = s("mount").splitlines()
    assert "/dev/sda1 on / type ext4 (rw,relatime,errors=remount-ro)" in lines
    assert lines[0] == "sysfs on /sys type sysfs (rw,nosuid,nodev,noexec,relatime)"
    assert s("mount -t ext4") == "/dev/sda1 on / type ext4 (rw,relatime,errors=remount-ro)\n"


def test_lsblk() -> None:
    s = Session()
    assert s("lsblk") == (
        "NAME   MAJ:MIN RM  SIZE RO TYPE MOUNTPOINTS\n"
        "sda      8:0    0   80G  0 disk \n"
        "\u2514\u2500sda1   8:1    0   80G  0 part /\n")


def test_findmnt_tree_and_target() -> None:
    s = Session()
    lines = s("findmnt").splitlines()
    assert lines[0].split() == ["TARGET", "SOURCE", "FSTYPE", "OPTIONS"]
    assert lines[1].split() == ["/", "/dev/sda1", "ext4", "rw,relatime,errors=remount-ro"]
    assert any(line.startswith("\u251c\u2500/proc ") for line in lines)
    assert s("findmnt -n -T /var/log").split() == [
        "/", "/dev/sda1", "ext4", "rw,relatime,errors=remount-ro"]
