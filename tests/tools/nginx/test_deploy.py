"""The deploy command: list, status, rollback (symlink, restart, record) and the health check."""

from __future__ import annotations

from tests.toolkit import run_tool
from tests.tools.nginx.stack import NEW, OLD, read

from pagerdrill.world.host import Host


def test_list(web: Host) -> None:
    assert run_tool(web, ["deploy", "list"]).out == (
        "RELEASE          REVISION  STATE\n"
        f"{NEW}   90bd479   current\n"
        f"{OLD}   4ca3a30\n")


def test_status(web: Host) -> None:
    lines = run_tool(web, ["deploy", "status"]).out.splitlines()
    assert lines[:6] == ["app:          shop", "deploy to:    /srv/shop",
                         f"current:      {NEW} (90bd479)",
                         "releases:     2 kept (KEEP_RELEASES=5)",
                         "service:      shop.service active (running) since Tue 2026-03-17 "
                         "03:07:00 UTC; now",
                         "health check: none (HEALTHCHECK_URL is empty)"]
    assert lines[-1] == f"  Branch main (at 90bd479) deployed as release {NEW} by alex"


def test_rollback_repoints_restarts_and_records(web: Host) -> None:
    before = web.services.find("shop").main_pid
    assert 8080 in web.listeners and 3000 not in web.listeners
    result = run_tool(web, ["deploy", "rollback"])
    assert (result.out, result.status) == (
        f"rolling back shop: {NEW} -> {OLD} (4ca3a30)\n"
        f"  ln -sfn /srv/shop/releases/{OLD} /srv/shop/current\n"
        "  systemctl restart shop\n"
        "  health check: skipped (HEALTHCHECK_URL is empty)\n", 0)
    assert web.fs.lookup("/srv/shop/current", follow=False).target == f"/srv/shop/releases/{OLD}"
    assert web.services.find("shop").main_pid != before
    assert 3000 in web.listeners and 8080 not in web.listeners
    assert read(web, "/srv/shop/revisions.log").endswith(f"root rolled back to release {OLD}\n")
    assert run_tool(web, ["deploy", "rollback"]).err == (
        "deploy: nothing to roll back to: no release older than the current one\n")
    assert run_tool(web, ["deploy", "rollback", NEW]).status == 0


def test_repointing_without_a_restart_changes_nothing_running(web: Host) -> None:
    assert run_tool(web, ["ln", "-sfn", f"/srv/shop/releases/{OLD}", "/srv/shop/current"]) \
        .status == 0
    assert 8080 in web.listeners
    proc = web.services.main_process(web.services.find("shop"))
    assert proc is not None and proc.cwd == f"/srv/shop/releases/{NEW}"


def test_health_check(web: Host) -> None:
    conf = "/etc/deploy/shop.conf"
    web.fs.put(conf, read(web, conf).replace("HEALTHCHECK_URL=",
                                             "HEALTHCHECK_URL=http://127.0.0.1/health").encode())
    result = run_tool(web, ["deploy", "check"])
    assert (result.out, result.status) == (
        "health check http://127.0.0.1/health: FAILED (HTTP 502)\n", 1)
    assert run_tool(web, ["deploy", "rollback"]).out.endswith(
        "  health check http://127.0.0.1/health: ok (HTTP 200)\n")
    web.fs.put(conf, b"HEALTHCHECK_URL=http://127.0.0.1:9999/health\n")
    assert run_tool(web, ["deploy", "check"]).out == (
        "health check http://127.0.0.1:9999/health: FAILED (Failed to connect to 127.0.0.1 "
        "port 9999: Connection refused)\n")


def test_errors(web: Host) -> None:
    for argv, err, status in (
            ([], "deploy: missing command (list, status, rollback, check)\n"
                 "Try 'deploy --help' for more information.\n", 2),
            (["ship"], "deploy: unknown command 'ship'\nTry 'deploy --help' for more "
                       "information.\n", 2),
            (["-x"], "deploy: invalid option -- 'x'\nTry 'deploy --help' for more "
                     "information.\n", 2),
            (["rollback", "2019"], "deploy: no release 2019 in /srv/shop/releases\n", 1),
            (["-a", "blog", "list"], "deploy: no such app 'blog' (no /etc/deploy/blog.conf)\n",
             1)):
        result = run_tool(web, ["deploy", *argv])
        assert (result.err, result.status) == (err, status), argv
    result = run_tool(web, ["deploy", "rollback"], user="nobody")
    assert (result.err, result.status) == (
        "deploy: rollback needs root (try: sudo deploy rollback)\n", 1)
    assert run_tool(web, ["deploy", "list"], user="nobody").status == 0
    assert run_tool(web, ["deploy", "--help"]).out.startswith(
        "Usage: deploy [-a APP] COMMAND [RELEASE]\n")
