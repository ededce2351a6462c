"""The nginx command, and nginx under systemd: test, dump, signals, reloads that fail."""

from __future__ import annotations

import re

from tests.toolkit import run_tool
from tests.tools.nginx.stack import MAIN, SITE, proxy_of, read

from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpRequest
from pagerdrill.world.programs.nginx import failed_reloads

OK = ("nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
      "nginx: configuration file /etc/nginx/nginx.conf test is successful\n")
TYPO = SITE.replace(b"proxy_pass", b"proxy_pas")
UNKNOWN = 'unknown directive "proxy_pas" in /etc/nginx/sites-enabled/shop:8'
STAMP = re.compile(r"^2026/03/17 03:07:00 \[(\w+)\] (\d+)#\2: ", re.M)


def unstamped(text: str) -> str:
    """Log lines as "[level] message": the pid is that of the short-lived nginx."""
    return STAMP.sub(lambda m: f"[{m.group(1)}] ", text)


def status(host: Host, path: str = "/") -> int:
    listener = host.listeners[80]
    assert listener.handler is not None
    return listener.handler(HttpRequest("GET", path, "shop.example.com")).status


def fix_upstream(host: Host, port: int) -> None:
    host.fs.put("/etc/nginx/sites-available/shop",
                SITE.replace(b"127.0.0.1:3000", f"127.0.0.1:{port}".encode()))


def test_t_and_q(web: Host) -> None:
    result = run_tool(web, ["nginx", "-t"])
    assert (result.out, result.err, result.status) == ("", OK, 0)
    assert run_tool(web, ["nginx", "-tq"]).err == ""
    web.fs.put("/etc/nginx/sites-available/shop", TYPO)
    before = read(web, "/var/log/nginx/error.log")
    result = run_tool(web, ["nginx", "-t", "-q"])
    assert (unstamped(result.err), result.status) == (
        f"[emerg] {UNKNOWN}\nnginx: configuration file /etc/nginx/nginx.conf test failed\n", 1)
    assert read(web, "/var/log/nginx/error.log") == before  # Debian's nginx logs to stderr


def test_T_dumps_every_file_after_the_verdict(web: Host) -> None:
    result = run_tool(web, ["nginx", "-T"])
    assert result.err == OK
    assert result.out == (f"# configuration file /etc/nginx/nginx.conf:\n{MAIN.decode()}\n"
                          f"# configuration file /etc/nginx/sites-enabled/shop:\n"
                          f"{SITE.decode()}\n")


def test_c_and_version_and_help(web: Host) -> None:
    web.fs.put("/tmp/other.conf", b"events {}\n")
    assert run_tool(web, ["nginx", "-t", "-c", "/tmp/other.conf"]).err == OK.replace(
        "/etc/nginx/nginx.conf", "/tmp/other.conf")
    assert run_tool(web, ["nginx", "-v"]).err == "nginx version: nginx/1.22.1\n"
    assert run_tool(web, ["nginx", "-V"]).err.splitlines()[2] == "TLS SNI support enabled"
    help_ = run_tool(web, ["nginx", "-?"]).err
    assert help_.startswith("nginx version: nginx/1.22.1\nUsage: nginx [-?hvVtTq] [-s signal]")
    assert help_.endswith("out of configuration file\n\n")


def test_bad_options(web: Host) -> None:
    for argv, message in ((["-z"], 'invalid option: "z"'), (["-s"], 'option "-s" requires '
                          "parameter"), (["-s", "restart"], 'invalid option: "-s restart"'),
                          (["-c"], 'option "-c" requires file name'),
                          (["stop"], 'invalid option: "stop"')):
        result = run_tool(web, ["nginx", *argv])
        assert (result.err, result.status) == (f"nginx: {message}\n", 1)


def test_not_root(web: Host) -> None:
    result = run_tool(web, ["nginx", "-t"], user="nobody")
    assert (unstamped(result.err), result.status) == (
        '[warn] the "user" directive makes sense only if the master process runs with '
        "super-user privileges, ignored in /etc/nginx/nginx.conf:1\n"
        "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
        '[emerg] open() "/run/nginx.pid" failed (13: Permission denied)\n'
        "nginx: configuration file /etc/nginx/nginx.conf test failed\n", 1)
    master = web.services.find("nginx").main_pid
    result = run_tool(web, ["nginx", "-s", "reload"], user="nobody")
    assert unstamped(result.err) == ("[notice] signal process started\n"
                                     f"[alert] kill({master}, 1) failed (1: Operation not "
                                     "permitted)\n")
    assert unstamped(run_tool(web, ["nginx"], user="nobody").err).splitlines()[-1] == (
        '[emerg] open() "/var/log/nginx/error.log" failed (13: Permission denied)')


def test_s_reload_applies_a_good_config_and_refuses_a_bad_one(web: Host) -> None:
    assert status(web) == 502
    pid = proxy_of(web).workers[0]
    fix_upstream(web, 8080)
    assert run_tool(web, ["nginx", "-s", "reload"]).status == 0
    assert status(web) == 200 and proxy_of(web).workers[0] != pid
    web.fs.put("/etc/nginx/sites-available/shop", TYPO)
    result = run_tool(web, ["nginx", "-s", "reload"])
    assert (unstamped(result.err), result.status) == (
        f"[notice] signal process started\n[emerg] {UNKNOWN}\n", 1)
    assert status(web) == 200 and failed_reloads(web) == 1


def test_sighup_with_a_broken_config_keeps_the_old_one(web: Host) -> None:
    web.fs.put("/etc/nginx/sites-available/shop", TYPO)
    master = web.services.find("nginx").main_pid
    assert run_tool(web, ["kill", "-HUP", str(master)]).status == 0
    log = read(web, "/var/log/nginx/error.log").splitlines()
    assert log[-1].endswith(f'[emerg] {master}#{master}: unknown directive "proxy_pas" in '
                            "/etc/nginx/sites-enabled/shop:8")
    assert status(web) == 502 and proxy_of(web).config.upstreams["shop_backend"].servers[0].port \
        == 3000 and failed_reloads(web) == 1


def test_systemctl_reload_fails_and_restart_stops_nginx(web: Host) -> None:
    web.fs.put("/etc/nginx/sites-available/shop", TYPO)
    job = ("Job for nginx.service failed because the control process exited with error code.\n"
           'See "systemctl status nginx.service" and "journalctl -xeu nginx.service" for '
           "details.\n")
    result = run_tool(web, ["systemctl", "reload", "nginx"])
    assert (result.err, result.status) == (job, 1)
    assert web.services.find("nginx").state == "active" and 80 in web.listeners
    messages = [unstamped(e.message) for e in web.journal.entries][-5:]
    assert messages[1:] == ["[notice] signal process started", f"[emerg] {UNKNOWN}",
                            "nginx.service: Control process exited, code=exited, "
                            "status=1/FAILURE", "Reload failed for nginx.service - A high "
                            "performance web server and a reverse proxy server."]
    result = run_tool(web, ["systemctl", "restart", "nginx"])
    assert (result.err, result.status) == (job, 1)
    assert web.services.find("nginx").state == "failed" and 80 not in web.listeners
    assert not web.fs.exists("/run/nginx.pid")
    web.fs.put("/etc/nginx/sites-available/shop", SITE)
    assert run_tool(web, ["systemctl", "start", "nginx"]).status == 0 and status(web) == 502


def test_stop_and_start_outside_systemd(web: Host) -> None:
    result = run_tool(web, ["nginx"])
    assert result.err.splitlines()[-2:] == [
        "nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)",
        "nginx: [emerg] still could not bind()"]
    assert unstamped(read(web, "/var/log/nginx/error.log")).endswith(
        "[emerg] still could not bind()\n")
    assert run_tool(web, ["nginx", "-s", "stop"]).status == 0
    assert 80 not in web.listeners and web.services.find("nginx").state == "inactive"
    result = run_tool(web, ["nginx", "-s", "reload"])
    assert unstamped(result.err) == ("[notice] signal process started\n"
                                     '[error] open() "/run/nginx.pid" failed '
                                     "(2: No such file or directory)\n")
    fix_upstream(web, 8080)
    assert run_tool(web, ["nginx"]).status == 0
    master = web.procs.get(web.listeners[80].pid)
    assert master is not None and master.argv == ["nginx: master process nginx"]
    assert status(web) == 200


def test_listens_on_every_configured_port(web: Host) -> None:
    web.fs.put("/etc/nginx/sites-available/admin", b"server { listen 8081; return 204; }\n")
    web.fs.put("/etc/nginx/sites-enabled/admin", b"server { listen 8081; return 204; }\n")
    assert run_tool(web, ["systemctl", "reload", "nginx"]).status == 0
    assert web.listeners[8081].pid == web.listeners[80].pid
    web.fs.unlink("/etc/nginx/sites-enabled/admin")
    assert run_tool(web, ["nginx", "-s", "reload"]).status == 0
    assert 8081 not in web.listeners


def test_notices_follow_the_error_log_level(web: Host) -> None:
    web.fs.put("/etc/nginx/nginx.conf", MAIN.replace(b"pid /run/nginx.pid;",
                                                     b"pid /run/nginx.pid;\nerror_log "
                                                     b"/var/log/nginx/error.log notice;"))
    old = proxy_of(web).workers
    assert run_tool(web, ["systemctl", "reload", "nginx"]).status == 0
    master, new = web.services.find("nginx").main_pid, proxy_of(web).workers
    text = read(web, "/var/log/nginx/error.log")
    assert "reconfiguring" not in text  # logged at the old level, before the new config
    for line in (f"{master}#{master}: start worker process {new[0]}",
                 f"{old[0]}#{old[0]}: gracefully shutting down",
                 f"{master}#{master}: worker process {old[-1]} exited with code 0"):
        assert f" [notice] {line}\n" in text
    assert [p.pid for p in web.procs if p.ppid == master] == new
