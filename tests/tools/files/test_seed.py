"""Incident 1, "No space left on device", step by step as the article runs it."""

from __future__ import annotations

from tests.toolkit import run_tool

from pagerdrill.world.host import Host


def test_step2_du_finds_the_culprit(full_host: Host) -> None:
    names = sorted(full_host.fs.lookup("/var/log").entries or {})
    result = run_tool(full_host, ["du", "-sh", *(f"/var/log/{n}" for n in names)])
    assert result.out == ("64G\t/var/log/myapp\n"
                          "238M\t/var/log/nginx\n"
                          "30M\t/var/log/syslog\n"
                          "2.0M\t/var/log/syslog.2.gz\n")
    assert result.status == 0


def test_step2_du_nginx(full_host: Host) -> None:
    result = run_tool(full_host, ["du", "-sh", "/var/log/nginx/access.log",
                                  "/var/log/nginx/error.log"])
    assert result.out == "120M\t/var/log/nginx/access.log\n4.0K\t/var/log/nginx/error.log\n"


def test_step3_find_delete_old_gz(full_host: Host) -> None:
    before = full_host.fs.mounts[0].avail_bytes
    result = run_tool(full_host, ["find", "/var/log", "-name", "*.gz", "-mtime", "+7",
                                  "-delete"])
    assert (result.out, result.err, result.status) == ("", "", 0)
    left = sorted(n for n in full_host.fs.lookup("/var/log/nginx").entries or {}
                  if n.endswith(".gz"))
    # Rotated 2..7 days ago (+ an hour): -mtime +7 means 8 whole days or more.
    assert left == [f"access.log.{d}.gz" for d in (2, 3, 4, 5, 6, 7)]
    freed = full_host.fs.mounts[0].avail_bytes - before
    assert freed == 7 * 9 * 1024 * 1024 + 2 * 1024 * 1024


def test_step4_truncate_frees_space_while_held_open(full_host: Host) -> None:
    result = run_tool(full_host, ["truncate", "-s", "0", "/var/log/myapp/app.log"])
    assert (result.out, result.err, result.status) == ("", "", 0)
    df = run_tool(full_host, ["df", "-h", "/"]).out.splitlines()[1]
    assert df.startswith("/dev/sda1        80G   17G   64G  21% /")
    assert run_tool(full_host, ["du", "-sh", "/var/log/myapp"]).out == "4.0K\t/var/log/myapp\n"


def test_rm_of_a_held_log_frees_nothing(full_host: Host) -> None:
    assert run_tool(full_host, ["rm", "/var/log/myapp/app.log"]).status == 0
    assert "100% /\n" in run_tool(full_host, ["df", "-h", "/"]).out
    assert run_tool(full_host, ["du", "-sh", "/var/log/myapp"]).out == "4.0K\t/var/log/myapp\n"


def test_ls_shows_the_giant_log(full_host: Host) -> None:
    out = run_tool(full_host, ["ls", "-lh", "/var/log/myapp"]).out
    assert out.startswith("total 64G\n-rw-r--r-- 1 root root 64G Mar 17 03:07 app.log\n")
