"""certbot's webroot HTTP-01: the challenge file written, fetched by the CA through the
simulated nginx on port 80, and cleaned up (pagerdrill.world.tls.renewal, .webserver)."""

from __future__ import annotations

import pytest
from tests.tlsfixture import install_renewal

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.host import Host
from pagerdrill.world.programs.nginx import NginxProxy, NginxSpec
from pagerdrill.world.services import Unit
from pagerdrill.world.tls import acme_for
from pagerdrill.world.tls.renewal import RenewOptions, RenewReport, renew, renewal_problem

DAY = 86_400_000
MAIN = b"""user www-data;
events {
\tworker_connections 768;
}
http {
\tinclude /etc/nginx/sites-enabled/*;
}
"""
ACME = """server {
    listen 80 default_server;
    server_name shop.example.com www.shop.example.com;
    location ^~ /.well-known/acme-challenge/ {
        %s
    }
    location / {
        return 301 https://$host$request_uri;
    }
}
"""
SERVED = ACME % "root /var/www/acme;\n        default_type text/plain;"
AGENT = "Let's Encrypt validation server"


def web(site: str = SERVED, webroot: str = "/var/www/acme") -> Host:
    host = add_linux_host(new_world(seed=2), "web-01")
    host.fs.put("/etc/nginx/nginx.conf", MAIN)
    host.fs.put("/etc/nginx/sites-enabled/shop", site.encode())
    for path in ("/var/www/acme", "/var/www/html"):
        host.fs.mkdir(path, parents=True)
    host.services.add(Unit("nginx", "nginx", ["/usr/sbin/nginx"], restart="no",
                           program_factory=lambda: NginxProxy(NginxSpec("shop.example.com"))))
    install_renewal(host, f"authenticator = webroot\nwebroot_path = {webroot},",
                    host.clock.now_ms - 80 * DAY, key_seed=1, serial=7)
    return host


def no_hooks(command: str) -> tuple[int, str, str]:
    return 127, "", f"/bin/sh: 1: {command.split()[0]}: not found\n"


def text(host: Host, path: str) -> str:
    content = host.fs.lookup(path).content
    assert content is not None
    return content.read().decode()


def details(report: RenewReport) -> list[str]:
    return [line.strip() for e in report.events for line in e.text.splitlines()
            if line.strip().startswith("Detail:")]


def test_the_ca_fetches_the_token_through_nginx_and_certbot_cleans_up() -> None:
    host = web()
    assert renewal_problem(host) is None
    report = renew(host, RenewOptions(dry_run=True), no_hooks)
    assert report.status == 0
    lines = [line for line in text(host, "/var/log/nginx/access.log").splitlines()
             if AGENT in line]
    assert len(lines) == 2 and all(line.startswith("66.133.109.36 - - [") for line in lines)
    assert all('/.well-known/acme-challenge/' in line and '" 200 ' in line for line in lines)
    assert host.fs.listdir(host.fs.lookup("/var/www/acme")) == []  # made, then removed
    logged = [e.text for e in report.events if e.logger == "certbot._internal.plugins.webroot"]
    assert logged[0] == ("Creating root challenges validation dir at "
                         "/var/www/acme/.well-known/acme-challenge")
    assert logged[-1] == "All challenges cleaned up"


def test_a_webroot_nginx_does_not_serve_is_a_404() -> None:
    host = web(webroot="/var/www/html")
    assert renewal_problem(host) == "Invalid response"
    assert "client:" not in text(host, "/var/log/nginx/error.log")  # the check is silent
    report = renew(host, RenewOptions(dry_run=True), no_hooks)
    assert report.status == 1
    token = acme_for(host.world).token("shop.example.com", host.clock.now_ms)
    assert details(report)[0] == (
        f"Detail: {host.spec.ip}: Invalid response from "
        f"http://shop.example.com/.well-known/acme-challenge/{token}: 404")
    assert (f'open() "/var/www/acme/.well-known/acme-challenge/{token}" failed (2: No such '
            "file or directory), client: 66.133.109.36, server: shop.example.com, request: "
            f'"GET /.well-known/acme-challenge/{token} HTTP/1.1", host: "shop.example.com"'
            ) in text(host, "/var/log/nginx/error.log")
    assert host.fs.listdir(host.fs.lookup("/var/www/html")) == []


def test_an_existing_challenge_dir_is_kept() -> None:
    host = web()
    host.fs.mkdir("/var/www/acme/.well-known/acme-challenge", parents=True)
    host.fs.put("/var/www/acme/.well-known/acme-challenge/test", b"ok\n")
    assert renew(host, RenewOptions(dry_run=True), no_hooks).status == 0
    assert host.fs.listdir(host.fs.lookup("/var/www/acme/.well-known/acme-challenge")) == [
        "test"]


@pytest.mark.parametrize(("body", "detail"), [
    ("return 404;", ": 404"),
    ("proxy_pass http://127.0.0.1:9;", ": 502"),
    ("return 200;", "The key authorization file from the server did not match this "
                    'challenge. Expected "'),
])
def test_what_else_the_ca_can_get(body: str, detail: str) -> None:
    host = web(ACME % body)
    assert renewal_problem(host) == "Invalid response"
    report = renew(host, RenewOptions(dry_run=True), no_hooks)
    assert report.status == 1 and detail in details(report)[0]


def test_nothing_on_port_80_is_connection_refused() -> None:
    host = web()
    host.services.stop("nginx")
    assert renewal_problem(host) == "Connection refused"
    report = renew(host, RenewOptions(dry_run=True), no_hooks)
    token = acme_for(host.world).token("shop.example.com", host.clock.now_ms)
    assert details(report)[0] == (
        f"Detail: {host.spec.ip}: Fetching "
        f"http://shop.example.com/.well-known/acme-challenge/{token}: Connection refused")
