"""What an SRE does to check a webroot: write a test file, curl it through nginx."""

from __future__ import annotations

from tests.toolkit import run_tool
from tests.tools.nginx.stack import SITE, read

from pagerdrill.world.host import Host

ACME = SITE.replace(b"    location / {", b"    location ^~ /.well-known/acme-challenge/ {\n"
                    b"        root /var/www/html;\n    }\n    location / {")
URL = "http://shop.example.com/.well-known/acme-challenge/test"


def test_curl_fetches_a_test_file_from_the_webroot(web: Host) -> None:
    web.fs.put("/etc/nginx/sites-available/shop", ACME)
    assert run_tool(web, ["nginx", "-s", "reload"]).status == 0
    hosts = read(web, "/etc/hosts")
    web.fs.put("/etc/hosts", (hosts + "127.0.0.1 shop.example.com\n").encode())
    challenges = "/var/www/html/.well-known/acme-challenge"
    assert run_tool(web, ["mkdir", "-p", challenges]).status == 0
    missing = run_tool(web, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", URL])
    assert missing.out == "404"
    assert 'open() "/var/www/html/.well-known/acme-challenge/test" failed (2: No such file ' \
        "or directory), client: 127.0.0.1, server: shop.example.com" in read(
            web, "/var/log/nginx/error.log")
    web.fs.put("/var/www/html/.well-known/acme-challenge/test", b"ok\n")
    found = run_tool(web, ["curl", "-i", URL])
    head, _, body = found.out.partition("\r\n\r\n")
    assert found.status == 0 and body == "ok\n"
    assert head.startswith("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\n")
    # no default_type in this nginx.conf: nginx's own default
    assert "\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n" in head
    assert "\r\nETag: \"" in head and "\r\nLast-Modified: " in head
    headers = run_tool(web, ["curl", "-sI", URL])
    assert headers.out.endswith("\r\n\r\n") and "Content-Length: 3\r\n" in headers.out
