"""df: the seed's full disk, GNU's column alignment, pseudo filesystems."""

from __future__ import annotations

from tests.toolkit import run_tool

from pagerdrill.world.host import Host

# Hand-checked against GNU df 9.1's alignment rules (Filesystem at least 14
# wide, numeric columns at least 5 and right-aligned, "Mounted on" unpadded).
SEED_DF_H = """\
Filesystem      Size  Used Avail Use% Mounted on
udev            8.0G     0  8.0G   0% /dev
tmpfs           1.6G  1.2M  1.6G   1% /run
/dev/sda1        80G   80G     0 100% /
tmpfs           8.0G     0  8.0G   0% /dev/shm
tmpfs           5.0M     0  5.0M   0% /run/lock
tmpfs           1.6G     0  1.6G   0% /run/user/0
"""


def test_seed_df_h(full_host: Host) -> None:
    assert run_tool(full_host, ["df", "-h"]).out == SEED_DF_H


def test_seed_line_is_exactly_the_articles(full_host: Host) -> None:
    lines = run_tool(full_host, ["df", "-h"]).out.splitlines()
    assert "/dev/sda1        80G   80G     0 100% /" in lines


def test_df_h_root_shows_only_root(full_host: Host) -> None:
    assert run_tool(full_host, ["df", "-h", "/"]).out == (
        "Filesystem      Size  Used Avail Use% Mounted on\n"
        "/dev/sda1        80G   80G     0 100% /\n")


def test_df_path_finds_its_mount(full_host: Host) -> None:
    out = run_tool(full_host, ["df", "/var/log/myapp/app.log"]).out
    assert out == ("Filesystem     1K-blocks     Used Available Use% Mounted on\n"
                   "/dev/sda1       83886080 83886080         0 100% /\n")


def test_df_default_blocks(host: Host) -> None:
    out = run_tool(host, ["df"]).out.splitlines()
    assert out[0] == "Filesystem     1K-blocks  Used Available Use% Mounted on"
    assert out[1] == "udev             8388608     0   8388608   0% /dev"
    assert out[3].startswith("/dev/sda1       83886080 ")


def test_df_T_and_i(host: Host) -> None:
    out = run_tool(host, ["df", "-hT", "/"]).out
    assert out.splitlines()[0] == "Filesystem     Type  Size  Used Avail Use% Mounted on"
    assert out.splitlines()[1].startswith("/dev/sda1      ext4   80G ")
    inodes = run_tool(host, ["df", "-i", "/"]).out.splitlines()
    assert inodes[0] == "Filesystem      Inodes IUsed   IFree IUse% Mounted on"
    assert inodes[1].startswith("/dev/sda1      5242880 ")


def test_df_filters(host: Host) -> None:
    out = run_tool(host, ["df", "-x", "tmpfs", "-x", "devtmpfs"]).out.splitlines()
    assert [line.split()[0] for line in out] == ["Filesystem", "/dev/sda1"]
    only = run_tool(host, ["df", "-t", "ext4", "-h"]).out.splitlines()
    assert len(only) == 2
    none = run_tool(host, ["df", "-t", "nfs"])
    assert (none.err, none.status) == ("df: no file systems processed\n", 1)


def test_df_all_lists_dummies(host: Host) -> None:
    out = run_tool(host, ["df", "-a"]).out
    assert "proc                   0     0         0    - /proc\n" in out


def test_df_output_and_total(host: Host) -> None:
    out = run_tool(host, ["df", "-h", "--output=source,size,target", "/"]).out
    assert out == "Filesystem      Size Mounted on\n/dev/sda1        80G /\n"
    total = run_tool(host, ["df", "-h", "--total"]).out.splitlines()[-1]
    assert total.startswith("total ") and total.endswith(" -")


def test_df_errors(host: Host) -> None:
    missing = run_tool(host, ["df", "/nope"])
    assert (missing.err, missing.status) == ("df: /nope: No such file or directory\n", 1)
    bad = run_tool(host, ["df", "--output=foo"])
    assert bad.err == ("df: option --output: field 'foo' unknown\n"
                       "Try 'df --help' for more information.\n")
    assert run_tool(host, ["df", "-z"]).err.startswith("df: invalid option -- 'z'\n")


def test_df_usage_rounds_up(host: Host) -> None:
    mount = host.fs.mounts[0]
    mount.used_bytes = mount.size_bytes // 100 + 4096  # a hair over 1%
    assert " 2% /\n" in run_tool(host, ["df", "/"]).out
