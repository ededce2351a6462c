"""What fidelity runs cannot show: other users, mounts, terminals, held files."""

from __future__ import annotations

from tests.toolkit import run_tool
from tests.tools.files.fidelity import run_sim

from pagerdrill.world.builder import GiB
from pagerdrill.world.content import FileContent
from pagerdrill.world.fs import Mount
from pagerdrill.world.host import Host, User


def _alice(host: Host) -> None:
    host.add_user(User("alice", 1000, 1000, "/home/alice"))
    host.fs.mkdir("/home/alice", uid=1000, gid=1000)


def test_ls_cannot_open_root_home_as_user(host: Host) -> None:
    _alice(host)
    result = run_tool(host, ["ls", "/root"], user="alice", cwd="/home/alice")
    assert (result.err, result.status) == (
        "ls: cannot open directory '/root': Permission denied\n", 2)


def test_du_and_find_report_unreadable_directories(host: Host) -> None:
    _alice(host)
    host.fs.put("/srv/data/secret/x", b"x")
    host.fs.lookup("/srv/data/secret").mode = 0o700
    du = run_tool(host, ["du", "/srv/data"], user="alice")
    assert du.err == "du: cannot read directory '/srv/data/secret': Permission denied\n"
    assert (du.out, du.status) == ("4\t/srv/data/secret\n8\t/srv/data\n", 1)
    find = run_tool(host, ["find", "/srv/data"], user="alice")
    assert find.err == "find: '/srv/data/secret': Permission denied\n"
    assert find.out == "/srv/data\n/srv/data/secret\n"


def test_find_delete_respects_permissions(host: Host) -> None:
    _alice(host)
    host.fs.put("/var/log/old.gz", b"z")
    result = run_tool(host, ["find", "/var/log", "-name", "*.gz", "-delete"], user="alice")
    assert (result.err, result.status) == (
        "find: cannot delete '/var/log/old.gz': Permission denied\n", 1)


def test_find_exec_runs_registered_tools(host: Host) -> None:
    host.fs.put("/srv/a.txt", b"hello")
    one = run_tool(host, ["find", "/srv", "-name", "*.txt", "-exec", "du", "-b", "{}", ";"])
    assert one.out == "5\t/srv/a.txt\n"
    batch = run_tool(host, ["find", "/srv", "-type", "f", "-exec", "ls", "-1", "{}", "+"])
    assert batch.out == "/srv/a.txt\n"
    missing = run_tool(host, ["find", "/srv", "-type", "f", "-exec", "nosuchcmd", "{}", ";"])
    assert (missing.err, missing.status) == ("find: 'nosuchcmd': No such file or directory\n", 0)


def test_rm_refuses_root_and_prompts_without_tty(host: Host) -> None:
    result = run_tool(host, ["rm", "-rf", "/"])
    assert (result.err, result.status) == (
        "rm: it is dangerous to operate recursively on '/'\n"
        "rm: use --no-preserve-root to override this failsafe\n", 1)
    host.fs.put("/tmp/f", b"1")
    asked = run_tool(host, ["rm", "-i", "/tmp/f"])
    assert (asked.err, asked.status) == ("rm: remove regular file '/tmp/f'? ", 0)
    assert host.fs.exists("/tmp/f")
    yes = run_tool(host, ["rm", "-i", "/tmp/f"], stdin=b"y\n")
    assert yes.status == 0 and not host.fs.exists("/tmp/f")


def test_rm_of_a_directory_glob(host: Host) -> None:
    for name in ("a.log", "b.log"):
        host.fs.put(f"/var/log/app/{name}", b"x")
    result = run_tool(host, ["rm", "-rfv", "/var/log/app/a.log", "/var/log/app/b.log"])
    assert result.out == "removed '/var/log/app/a.log'\nremoved '/var/log/app/b.log'\n"
    assert host.fs.lookup("/var/log/app").entries == {}


def test_mv_across_mounts_copies_then_unlinks(host: Host) -> None:
    host.fs.mkdir("/data")
    host.fs.add_mount(Mount("/dev/sdb1", "/data", "ext4", 100 * GiB, 6_553_600))
    host.fs.put("/var/log/big.log", FileContent(b"x" * 10000))
    result = run_tool(host, ["mv", "-v", "/var/log/big.log", "/data/"])
    assert result.out == ("copied '/var/log/big.log' -> '/data/big.log'\n"
                          "removed '/var/log/big.log'\n")
    assert host.fs.lookup("/data/big.log").size == 10000
    assert not host.fs.exists("/var/log/big.log")
    df = run_tool(host, ["df", "-h", "/data"]).out.splitlines()[1]
    assert df == "/dev/sdb1       100G   16K  100G   1% /data"


def test_cp_shares_content_until_the_disk_is_full(full_host: Host) -> None:
    result = run_tool(full_host, ["cp", "/var/log/nginx/error.log", "/tmp/e"])
    assert (result.err, result.status) == (
        "cp: error writing '/tmp/e': No space left on device\n", 1)


def test_ls_columns_on_a_terminal(host: Host) -> None:
    for name in ("alpha", "beta", "gamma delta", "epsilon"):
        host.fs.put(f"/srv/{name}", b"")
    out = run_sim(host, ["ls"], {"COLUMNS": "40"}, cwd="/srv", terminal=True).out
    # As `script -qc ls` shows GNU ls doing on a 40-column terminal.
    assert out == " alpha\t beta   epsilon  'gamma delta'\n"
    piped = run_sim(host, ["ls"], cwd="/srv").out
    assert piped == "alpha\nbeta\nepsilon\ngamma delta\n"


def test_ls_colour(host: Host) -> None:
    host.fs.mkdir("/srv/d")
    host.fs.put("/srv/run.sh", b"", mode=0o755)
    out = run_tool(host, ["ls", "--color=always", "/srv"]).out
    assert out == "\x1b[0m\x1b[01;34md\x1b[0m\n\x1b[01;32mrun.sh\x1b[0m\n"
    assert run_sim(host, ["ls", "--color=auto"], cwd="/srv").out == "d\nrun.sh\n"


def test_ls_char_devices(host: Host) -> None:
    out = run_tool(host, ["ls", "-l", "/dev/null", "/dev/tty"]).out
    assert out == ("crw-rw-rw- 1 root root 1, 3 Mar 17 03:07 /dev/null\n"
                   "crw-rw-rw- 1 root root 5, 0 Mar 17 03:07 /dev/tty\n")


def test_ls_dates_old_and_recent(host: Host) -> None:
    now = host.clock.now_ms
    host.fs.put("/srv/new", b"", mtime_ms=now - 3_600_000)
    host.fs.put("/srv/old", b"", mtime_ms=now - 400 * 86_400_000)
    out = run_tool(host, ["ls", "-l", "/srv"]).out
    assert "Mar 17 02:07 new\n" in out and "Feb 10  2025 old\n" in out


def test_stat_default_format(host: Host) -> None:
    host.fs.put("/srv/app.log", b"hello\n", mtime_ms=host.clock.now_ms - 1000)
    out = run_tool(host, ["stat", "/srv/app.log"]).out
    ino = host.fs.lookup("/srv/app.log").ino
    assert out == (
        "  File: /srv/app.log\n"
        "  Size: 6         \tBlocks: 8          IO Block: 4096   regular file\n"
        f"Device: 8,1\tInode: {ino:<11} Links: 1\n"
        "Access: (0644/-rw-r--r--)  Uid: (    0/    root)   Gid: (    0/    root)\n"
        "Access: 2026-03-17 03:06:59.000000000 +0000\n"
        "Modify: 2026-03-17 03:06:59.000000000 +0000\n"
        "Change: 2026-03-17 03:06:59.000000000 +0000\n"
        " Birth: 2026-03-17 03:06:59.000000000 +0000\n")
    missing = run_tool(host, ["stat", "/nope"])
    assert missing.err == "stat: cannot statx '/nope': No such file or directory\n"


def test_mktemp_is_deterministic(world: object) -> None:
    from pagerdrill.world.builder import add_linux_host, new_world

    names = []
    for _ in range(2):
        fresh = add_linux_host(new_world(seed=3), "web-01")
        names.append(run_tool(fresh, ["mktemp"]).out)
    assert names[0] == names[1]
    assert names[0].startswith("/tmp/tmp.") and len(names[0]) == len("/tmp/tmp.XXXXXXXXXX\n")


def test_chown_needs_root(host: Host) -> None:
    _alice(host)
    host.fs.put("/home/alice/f", b"", uid=1000, gid=1000)
    result = run_tool(host, ["chown", "root", "/home/alice/f"], user="alice")
    assert result.err == "chown: changing ownership of '/home/alice/f': Operation not permitted\n"


def test_unknown_option_is_a_usage_error(host: Host) -> None:
    for tool, status in (("ls", 2), ("du", 1), ("rm", 1), ("stat", 1), ("truncate", 1)):
        result = run_tool(host, [tool, "-Z"])
        assert result.err == (f"{tool}: invalid option -- 'Z'\n"
                              f"Try '{tool} --help' for more information.\n")
        assert result.status == status


def test_rm_r_removes_contents_the_model_does_not_enumerate(host: Host) -> None:
    host.fs.mkdir("/var/lib/postgresql/15/main/base", parents=True)
    host.fs.set_opaque("/var/lib/postgresql/15/main/base", 2 * GiB, 1500)
    mount = host.fs.mounts[0]
    used = mount.used_bytes, mount.used_inodes
    result = run_tool(host, ["rm", "-rf", "/var/lib/postgresql"])
    assert (result.status, result.err) == (0, "")
    assert not host.fs.exists("/var/lib/postgresql")
    assert mount.used_bytes < used[0] - 2 * GiB
    assert mount.used_inodes == used[1] - 1500 - 4


def test_cp_dev_null_empties_a_file_in_place(host: Host) -> None:
    inode = host.fs.put("/var/log/app.log", FileContent(b"x" * 10000))
    result = run_tool(host, ["cp", "/dev/null", "/var/log/app.log"])
    assert (result.status, result.err) == (0, "")
    assert host.fs.lookup("/var/log/app.log") is inode and inode.size == 0


def test_du_all_with_summarize_is_refused_before_depth_conflicts(host: Host) -> None:
    # Found by the generated fidelity cases: GNU du 9.1 checks -a -s first.
    result = run_tool(host, ["du", "-a", "-s", "-d1", "/tmp"])
    assert result.err == ("du: cannot both summarize and show all entries\n"
                          "Try 'du --help' for more information.\n")
    assert result.status == 1
