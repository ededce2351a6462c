"""lsof: the deleted-but-open log (+L1), per-process, per-file, per-port listings."""

from __future__ import annotations

from tests.toolkit import run_tool

from pagerdrill.tools.system.lsof import USAGE
from pagerdrill.world.host import Host

L1 = """\
COMMAND  PID     USER   FD   TYPE DEVICE    SIZE/OFF NLINK NODE NAME
node    2143 www-data    3w   REG    8,1 68719476736     0   {ino} /var/log/myapp/app.log (deleted)
"""


def _app_log_ino(host: Host) -> int:
    proc = host.procs.get(2143)
    assert proc is not None
    return proc.fds[3].inode.ino


def test_plus_l1_finds_the_deleted_log(prod: Host) -> None:
    result = run_tool(prod, ["lsof", "+L1"])
    assert result.status == 0
    assert result.out == L1.format(ino=_app_log_ino(prod))


def test_plus_l1_is_empty_once_the_holder_restarts(prod: Host) -> None:
    prod.services.restart("myapp")
    result = run_tool(prod, ["lsof", "+L1"])
    assert (result.out, result.status) == ("", 1)


def test_deleted_space_comes_back_only_when_released(prod: Host) -> None:
    mount = prod.fs.mounts[0]
    before = mount.used_bytes
    prod.services.restart("myapp")
    assert before - mount.used_bytes >= 1_150_000


def test_lsof_p_lists_cwd_txt_stdio_files_and_socket(prod: Host) -> None:
    lines = run_tool(prod, ["lsof", "-p", "2143"]).out.splitlines()
    assert lines[0] == ("COMMAND  PID     USER   FD   TYPE             DEVICE    SIZE/OFF   "
                        "NODE NAME")
    fds = [line.split()[3] for line in lines[1:]]
    assert fds == ["cwd", "rtd", "txt", "mem", "mem", "0r", "1u", "2u", "3w", "4w", "5u"]
    assert lines[-1].endswith(" TCP *:http-alt (LISTEN)")
    assert lines[9].endswith("/var/log/myapp/app.log (deleted)")


def test_lsof_named_file(prod: Host) -> None:
    out = run_tool(prod, ["lsof", "/var/log/myapp/access.log"]).out
    assert out.splitlines()[1].startswith("node    2143 www-data    4w   REG    8,1        0")


def test_lsof_plus_d_skips_unlinked_files(prod: Host) -> None:
    out = run_tool(prod, ["lsof", "+D", "/var/log"]).out
    assert "access.log" in out and "deleted" not in out


def test_lsof_i_port_service_names_and_numeric(prod: Host) -> None:
    assert run_tool(prod, ["lsof", "-i", ":8080"]).out == (
        "COMMAND  PID     USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\n"
        f"node    2143 www-data    5u  IPv4 {_device(prod):>6}      0t0  TCP *:http-alt (LISTEN)\n")
    assert "127.0.0.1:5432 (LISTEN)" in run_tool(prod, ["lsof", "-nP", "-i"]).out
    assert "localhost:postgresql (LISTEN)" in run_tool(prod, ["lsof", "-i", "tcp"]).out


def _device(host: Host) -> str:
    line = run_tool(host, ["lsof", "-nPi", ":8080"]).out.splitlines()[1]
    return line.split()[5]


def test_lsof_u_and_t(prod: Host) -> None:
    assert run_tool(prod, ["lsof", "-t", "-u", "www-data"]).out == "2143\n"
    assert run_tool(prod, ["lsof", "-t", "-u", "postgres"]).out == "840\n"


def test_lsof_and_selection(prod: Host) -> None:
    out = run_tool(prod, ["lsof", "-a", "-p", "2143", "-d", "3"]).out
    assert len(out.splitlines()) == 2 and "app.log (deleted)" in out


def test_errors_read_like_lsof(prod: Host) -> None:
    result = run_tool(prod, ["lsof", "/nonexist"])
    assert (result.err, result.status) == (
        "lsof: status error on /nonexist: No such file or directory\n", 1)
    bad = run_tool(prod, ["lsof", "-Y"])
    assert bad.err == "lsof: illegal option character: Y\n" + USAGE and bad.status == 1
    assert run_tool(prod, ["lsof", "-u", "nosuch"]).err.startswith(
        "lsof: can't get UID for nosuch\nlsof 4.95.0\n")
    assert run_tool(prod, ["lsof", "-i", ":nope"]).err.startswith(
        "lsof: unknown service nope in: -i :nope\n")
    assert run_tool(prod, ["lsof", "-p", "999999"]).status == 1


def test_non_root_sees_other_processes_as_denied(prod: Host) -> None:
    out = run_tool(prod, ["lsof", "-p", "840"], user="www-data").out
    assert "/proc/840/cwd (readlink: Permission denied)" in out
