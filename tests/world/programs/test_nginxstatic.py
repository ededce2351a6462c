"""nginx serving files (pagerdrill.world.programs.nginxstatic): root, alias, index,
try_files, types, permissions as www-data, HEAD, and what error.log gets."""

from __future__ import annotations

import re

import pytest

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.process import Signal
from pagerdrill.world.programs.nginx import NginxProxy, NginxSpec
from pagerdrill.world.programs.nginxstatic import normalize_uri
from pagerdrill.world.services import Unit

MAIN = """user www-data;
pid /run/nginx.pid;
events {
\tworker_connections 768;
}
http {
\tinclude /etc/nginx/mime.types;
\tdefault_type application/octet-stream;
\tinclude /etc/nginx/sites-enabled/*;
}
"""
TYPES = """types {
    text/html html htm;
    text/plain txt;
    application/json json;
}
"""
SITE = """server {
    listen 80 default_server;
    server_name shop.example.com;
    root /var/www/html;
    location ^~ /.well-known/acme-challenge/ {
        root /var/www/acme;
        default_type text/plain;
    }
    location /static/ {
        alias /srv/assets/;
    }
    location /app/ {
        try_files $uri $uri/ /app/index.html;
    }
    location /strict/ {
        try_files $uri $uri/ =404;
    }
    location /gone/ {
        try_files $uri =410;
    }
}
"""
MTIME = 1_776_000_000_000  # 2026-04-12 13:20:00 UTC


def web(site: str = SITE, *, types: bool = True) -> Host:
    host = add_linux_host(new_world(seed=5), "web-01")
    fs = host.fs
    fs.put("/etc/nginx/nginx.conf", (MAIN if types else MAIN.replace(
        "\tinclude /etc/nginx/mime.types;\n\tdefault_type application/octet-stream;\n", ""))
        .encode())
    fs.put("/etc/nginx/mime.types", TYPES.encode())
    fs.put("/etc/nginx/sites-enabled/site", site.encode())
    for path, body in (("/var/www/html/index.html", b"<h1>home</h1>\n"),
                       ("/var/www/html/data.json", b'{"ok": true}\n'),
                       ("/var/www/html/blob.bin", b"\x00\x01"),
                       ("/var/www/html/docs/readme.txt", b"read me\n"),
                       ("/var/www/acme/.well-known/acme-challenge/tok", b"tok.thumb"),
                       ("/srv/assets/app.css", b"body{}\n"),
                       ("/var/www/html/app/index.html", b"spa\n"),
                       ("/var/www/html/strict/a.txt", b"a\n")):
        fs.put(path, body, mtime_ms=MTIME)
    fs.mkdir("/var/www/html/empty", parents=True)
    fs.put("/var/www/html/secret.txt", b"no\n", mode=0o600, mtime_ms=MTIME)
    host.services.add(Unit("nginx", "nginx", ["/usr/sbin/nginx"], restart="no",
                           program_factory=lambda: NginxProxy(NginxSpec("shop.example.com"))))
    return host


def get(host: Host, path: str, method: str = "GET") -> HttpResponse:
    listener = host.listeners[80]
    assert listener.handler is not None
    return listener.handler(HttpRequest(method, path, "shop.example.com",
                                        {"Host": "shop.example.com"}))


def log(host: Host, path: str) -> str:
    content = host.fs.lookup(path).content
    assert content is not None
    return content.read().decode()


def errors(host: Host) -> list[str]:
    """error.log's request lines without the stamp and the worker's pid."""
    return [re.sub(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: \*\d+ ", r"[\1] ", line)
            for line in log(host, "/var/log/nginx/error.log").splitlines() if "client:" in line]


@pytest.fixture
def host() -> Host:
    return web()


def test_a_file_with_nginx_headers(host: Host) -> None:
    response = get(host, "/data.json")
    assert (response.status, response.body) == (200, b'{"ok": true}\n')
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Length"] == "13"
    assert response.headers["Last-Modified"] == "Sun, 12 Apr 2026 13:20:00 GMT"
    assert response.headers["ETag"] == f'"{MTIME // 1000:x}-d"'
    assert errors(host) == []


@pytest.mark.parametrize(("path", "kind"), [("/blob.bin", "application/octet-stream"),
                                            ("/docs/readme.txt", "text/plain"),
                                            ("/", "text/html"),
                                            ("/.well-known/acme-challenge/tok", "text/plain")])
def test_types_and_default_type(host: Host, path: str, kind: str) -> None:
    response = get(host, path)
    assert (response.status, response.headers["Content-Type"]) == (200, kind)


def test_without_types_nginx_knows_html_and_defaults_to_text_plain() -> None:
    host = web(types=False)
    assert get(host, "/data.json").headers["Content-Type"] == "text/plain"
    assert get(host, "/index.html").headers["Content-Type"] == "text/html"


def test_a_missing_file_is_a_404_with_open_failed(host: Host) -> None:
    response = get(host, "/x")
    assert response.status == 404 and b"<title>404 Not Found</title>" in response.body
    assert errors(host) == [
        '[error] open() "/var/www/html/x" failed (2: No such file or directory), client: '
        '127.0.0.1, server: shop.example.com, request: "GET /x HTTP/1.1", host: '
        '"shop.example.com"']
    assert '"GET /x HTTP/1.1" 404 153 ' in log(host, "/var/log/nginx/access.log")


def test_a_file_www_data_cannot_read_is_a_403(host: Host) -> None:
    assert get(host, "/secret.txt").status == 403
    assert errors(host)[0].startswith(
        '[error] open() "/var/www/html/secret.txt" failed (13: Permission denied)')
    host.fs.chmod(host.fs.lookup("/var/www/html/docs"), 0o700)  # no search permission
    assert get(host, "/docs/readme.txt").status == 403


def test_directories_index_and_slash(host: Host) -> None:
    assert get(host, "/").body == b"<h1>home</h1>\n"
    assert get(host, "/empty/").status == 403
    assert errors(host) == [
        '[error] directory index of "/var/www/html/empty/" is forbidden, client: 127.0.0.1, '
        'server: shop.example.com, request: "GET /empty/ HTTP/1.1", host: "shop.example.com"']
    moved = get(host, "/empty")
    assert (moved.status, moved.headers["Location"]) == (301, "http://shop.example.com/empty/")
    assert get(host, "/nowhere/").status == 404
    assert errors(host)[-1].startswith(
        '[error] "/var/www/html/nowhere/index.html" is not found (2: No such file or '
        'directory)')


def test_alias_replaces_the_location_prefix(host: Host) -> None:
    assert get(host, "/static/app.css").body == b"body{}\n"
    assert get(host, "/static/nope.css").status == 404
    assert '"/srv/assets/nope.css"' in errors(host)[0]


def test_try_files(host: Host) -> None:
    assert get(host, "/app/some/route").body == b"spa\n"  # falls back to the app's index
    assert get(host, "/strict/a.txt").body == b"a\n"
    assert get(host, "/strict/b.txt").status == 404
    assert get(host, "/gone/x").status == 410
    assert errors(host) == []  # try_files' own =404 logs nothing


def test_head_has_the_headers_and_no_body(host: Host) -> None:
    response = get(host, "/data.json", "HEAD")
    assert (response.status, response.body) == (200, b"")
    assert response.headers["Content-Length"] == "13"
    assert '"HEAD /data.json HTTP/1.1" 200 0 ' in log(host, "/var/log/nginx/access.log")


def test_a_probe_leaves_no_trace(host: Host) -> None:
    proc = host.services.main_process(host.services.find("nginx"))
    assert proc is not None and isinstance(proc.program, NginxProxy)
    inode = host.fs.lookup("/var/www/html/data.json")
    before = (inode.atime_ms, log(host, "/var/log/nginx/access.log"))
    host.world.clock.advance(5_000)
    request = HttpRequest("GET", "/data.json", "shop.example.com")
    assert proc.program.respond(request, 80).status == 200
    assert proc.program.respond(HttpRequest("GET", "/nope", "shop.example.com"), 80,
                                virtual={"/var/www/html/nope": b"imagined"}).body == b"imagined"
    assert (inode.atime_ms, log(host, "/var/log/nginx/access.log")) == before
    assert errors(host) == []
    get(host, "/data.json")
    assert inode.atime_ms == host.world.clock.now_ms  # a worker's read


def test_http_level_root_is_inherited() -> None:
    host = web("server {\n    listen 80;\n    location / {\n    }\n}\n")
    host.fs.put("/etc/nginx/nginx.conf", MAIN.replace(
        "\tinclude /etc/nginx/sites-enabled/*;", "\troot /srv/assets;\n"
        "\tinclude /etc/nginx/sites-enabled/*;").encode())
    proc = host.services.main_process(host.services.find("nginx"))
    assert proc is not None
    host.procs.kill(proc.pid, Signal.SIGHUP)
    assert get(host, "/app.css").body == b"body{}\n"


@pytest.mark.parametrize(("raw", "uri"), [("/a/../b", "/b"), ("/a/./b/", "/a/b/"),
                                          ("//a//b", "/a/b"), ("/a%20b?x=1", "/a b"),
                                          ("/a/..", "/"), ("/..", None), ("x", None)])
def test_uri_normalisation(raw: str, uri: str | None) -> None:
    assert normalize_uri(raw) == uri


def test_try_files_hands_over_to_a_named_proxied_location() -> None:
    host = web("server {\n    listen 80;\n    root /var/www/html;\n    location / {\n"
               "        try_files $uri @app;\n    }\n    location @app {\n"
               "        proxy_pass http://127.0.0.1:8080;\n    }\n}\n")
    assert get(host, "/data.json").body == b'{"ok": true}\n'
    assert get(host, "/api/x").status == 502  # nothing on 8080 yet
    app = host.procs.spawn(["node", "server.js"])
    host.listen(8080, app, lambda request: HttpResponse(200, f"app {request.path}".encode()))
    assert get(host, "/api/x").body == b"app /api/x"


def test_try_files_logs_a_forbidden_alternative_and_moves_on(host: Host) -> None:
    host.fs.chmod(host.fs.lookup("/var/www/html/strict"), 0o700)
    assert get(host, "/strict/a.txt").status == 404
    assert [line.split(", client:")[0] for line in errors(host)] == [
        '[crit] stat() "/var/www/html/strict/a.txt" failed (13: Permission denied)',
        '[crit] stat() "/var/www/html/strict/a.txt/" failed (13: Permission denied)']
