"""nginx's configuration: the model it builds, and its exact [emerg] messages and line numbers."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.toolkit import reference_binary

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.fs import Kind
from pagerdrill.world.host import Host
from pagerdrill.world.programs import nginxconf
from pagerdrill.world.programs.nginxconf import (
    CertificateValidator,
    Listen,
    NginxConfig,
    NginxConfigError,
    parse_config,
)
from pagerdrill.world.programs.nginxroute import find_location, find_server, proxy_peers

MAIN = b"""user www-data;
worker_processes auto;
pid /run/nginx.pid;

events {
\tworker_connections 768;
}

http {
\tsendfile on;
\tinclude mime.types;
\tinclude /etc/nginx/conf.d/*.conf;
\tinclude /etc/nginx/sites-enabled/*;
}
"""
SITE = b"""# the shop
upstream shop_backend {
    server 127.0.0.1:3000 max_fails=3;
    server 127.0.0.1:3001 backup;
    keepalive 32;
}

server {
    listen 80 default_server;
    listen [::]:80;
    server_name shop.example.com *.shop.example.com;
    location / {
        proxy_pass http://shop_backend;
        proxy_set_header Host "$host";
    }
    location = /ping { return 200 'pong'; }
    location ~* \\.(png|css)$ { root /srv/static; }
}
"""


# (site file, nginx's message for it; empty: nginx -t passes)
CASES = [
    ("server {\n listen 80;\n}\n}\n", 'unexpected "}" in /etc/nginx/sites-enabled/shop:4'),
    ("server {\n location / {\n  proxy_pas http://x;\n }\n}\n",
     'unknown directive "proxy_pas" in /etc/nginx/sites-enabled/shop:3'),
    ("server {\n listen 80\n server_name x;\n}\n",
     'invalid parameter "server_name" in /etc/nginx/sites-enabled/shop:3'),
    ("server {\n listen 80\n location / {}\n}\n",
     'directive "listen" is not terminated by ";" in /etc/nginx/sites-enabled/shop:3'),
    ("server {\n listen 80;\n", 'unexpected end of file, expecting "}" in '
     "/etc/nginx/sites-enabled/shop:3"),
    ("server {\n listen 80", 'unexpected end of file, expecting ";" or "}" in '
     "/etc/nginx/sites-enabled/shop:2"),
    ("server {\n location / { proxy_pass http://app:8080; }\n}\n",
     'host not found in upstream "app" in /etc/nginx/sites-enabled/shop:2'),
    ("upstream u {\n server app:8080;\n}\n",
     'host not found in upstream "app:8080" in /etc/nginx/sites-enabled/shop:2'),
    ("upstream u {\n}\n", "no servers are inside upstream in /etc/nginx/sites-enabled/shop:2"),
    ("server {\n listen 127.0.0.1:8o;\n}\n", 'invalid port in "127.0.0.1:8o" of the "listen" '
     "directive in /etc/nginx/sites-enabled/shop:2"),
    ("server {\n listen 8o;\n}\n",
     'host not found in "8o" of the "listen" directive in /etc/nginx/sites-enabled/shop:2'),
    ("server { listen 443 ssl; }\n", 'no "ssl_certificate" is defined for the "listen ... ssl" '
     "directive in /etc/nginx/sites-enabled/shop:1"),
    ("server { gzip yes; }\n", 'invalid value "yes" in "gzip" directive, it must be "on" or '
     '"off" in /etc/nginx/sites-enabled/shop:1'),
    ("server { listen; }\n",
     'invalid number of arguments in "listen" directive in /etc/nginx/sites-enabled/shop:1'),
    ("location / {}\n", '"location" directive is not allowed here in '
     "/etc/nginx/sites-enabled/shop:1"),
    ("server;\n", 'directive "server" has no opening "{" in /etc/nginx/sites-enabled/shop:1'),
    ("server { location / { proxy_pass ftp://x; } }\n",
     "invalid URL prefix in /etc/nginx/sites-enabled/shop:1"),
    ("include /etc/nginx/missing.conf;\n", 'open() "/etc/nginx/missing.conf" failed (2: No such '
     "file or directory) in /etc/nginx/sites-enabled/shop:1"),
    ("server { listen 80 default_server; }\nserver {\n listen 80 default_server;\n}\n",
     "a duplicate default server for 0.0.0.0:80 in /etc/nginx/sites-enabled/shop:3"),
    ("server { server_name \"a;\n", 'unexpected end of file, expecting ";" or "}" in '
     "/etc/nginx/sites-enabled/shop:2"),
    ("server { server_name \"a\"b; }\n", 'unexpected "b" in /etc/nginx/sites-enabled/shop:1'),
    ("upstream u { server 127.0.0.1:3000 keepalive 32; }\n",
     'invalid parameter "keepalive" in /etc/nginx/sites-enabled/shop:1'),
    ("upstream u { server 127.0.0.1:1; }\nupstream u { server 127.0.0.1:2; }\n",
     'duplicate upstream "u" in /etc/nginx/sites-enabled/shop:2'),
    ("server {\n listen 443 ssl;\n ssl_certificate /nonexistent.crt;\n"
     " ssl_certificate_key /nonexistent.key;\n}\n",
     'cannot load certificate "/nonexistent.crt": BIO_new_file() failed (SSL: '
     "error:80000002:system library::No such file or directory:calling fopen(/nonexistent.crt, "
     "r) error:10000080:BIO routines::no such file)"),
    ("server {\n listen 443 ssl;\n ssl_certificate /etc/hostname;\n}\n",
     'no "ssl_certificate_key" is defined for certificate "/etc/hostname"'),
    ("worker_processes 2;\n", '"worker_processes" directive is not allowed here in '
     "/etc/nginx/sites-enabled/shop:1"),
    ("server { listen 80; server_name a; location / { return 200 ok; } }\n"
     "server { listen 80; server_name b; location = / { proxy_pass http://[::1]:9; } }\n", ""),
    ("map $uri $x {\n default 0;\n /a 1;\n}\nserver { if ($x) { return 404; } }\n", ""),
    ("server { server_name 'a;b' \"c d\" e\\ f; rewrite ^/(.*)$ /x/$1 last; }\n", ""),
]


@pytest.fixture
def host() -> Host:
    host = add_linux_host(new_world(0), "web-01")
    host.fs.put("/etc/nginx/nginx.conf", MAIN)
    host.fs.put("/etc/nginx/mime.types", b"types {\n    text/html html htm;\n}\n")
    host.fs.put("/etc/nginx/sites-available/shop", SITE)
    host.fs.mkdir("/etc/nginx/sites-enabled")
    host.fs.create("/etc/nginx/sites-enabled/shop", kind=Kind.LINK,
                   target="/etc/nginx/sites-available/shop")
    return host


def site_error(host: Host, text: str) -> str:
    host.fs.put("/etc/nginx/sites-available/shop", text.encode())
    with pytest.raises(NginxConfigError) as caught:
        parse_config(host.fs)
    return str(caught.value)


def test_the_model(host: Host) -> None:
    config = parse_config(host.fs)
    assert [path for path, _ in config.files] == [
        "/etc/nginx/nginx.conf", "/etc/nginx/mime.types", "/etc/nginx/sites-enabled/shop"]
    [server] = config.servers
    assert server.listens == [Listen("*", 80, default_server=True), Listen("[::]", 80)]
    assert server.server_names == ["shop.example.com", "*.shop.example.com"]
    assert server.ssl_certificate is None and config.ports == [80]
    assert [(p.host, p.port) for p in proxy_peers(config, "http://shop_backend")] == [
        ("127.0.0.1", 3000), ("127.0.0.1", 3001)]
    assert [loc.pattern for loc in server.locations] == ["/", "/ping", "\\.(png|css)$"]


def test_routing(host: Host) -> None:
    config = parse_config(host.fs)
    server = find_server(config, 80, "www.shop.example.com:80")
    assert server is config.servers[0]
    assert find_location(server, "/ping").ret == (200, "pong")  # type: ignore[union-attr]
    assert find_location(server, "/img/a.PNG").root == "/srv/static"  # type: ignore[union-attr]
    assert find_location(server, "/api").proxy_pass == "http://shop_backend"  # type: ignore[union-attr]
    assert find_server(config, 443, "shop.example.com") is None


@pytest.mark.parametrize(("text", "message"), CASES)
def test_errors_are_nginx_s(host: Host, text: str, message: str) -> None:
    """Each case was run through Debian 12's nginx 1.22.1 (test_matches_real_nginx)."""
    if not message:
        host.fs.put("/etc/nginx/sites-available/shop", text.encode())
        assert isinstance(parse_config(host.fs), NginxConfig)
        return
    assert site_error(host, text) == f"[emerg] {message}"


REAL_NGINX = reference_binary("nginx", "nginx-core")


@pytest.mark.skipif(REAL_NGINX is None, reason="the real nginx (Debian's nginx-core) is not "
                    "installed to compare with")
@pytest.mark.parametrize(("text", "message"), CASES)
def test_matches_real_nginx(tmp_path: Path, text: str, message: str) -> None:
    """The same files, at the same paths, through the real nginx -t and through ours."""
    main = (f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{\n}}\n"
            f"http {{\n\taccess_log off;\n\tinclude {tmp_path}/sites/*;\n}}\n")
    (tmp_path / "sites").mkdir()
    (tmp_path / "nginx.conf").write_text(main)
    (tmp_path / "sites" / "shop").write_text(text)
    assert REAL_NGINX is not None
    real = subprocess.run([REAL_NGINX, "-t", "-c", f"{tmp_path}/nginx.conf"],
                          capture_output=True, text=True, timeout=30, check=False)
    # Debian's build logs to stderr: "2026/03/24 03:07:00 [emerg] 123#123: message".
    found = re.search(r"\[emerg\] \d+#\d+: (.*)", real.stderr)
    host = add_linux_host(new_world(0), "web-01")
    host.fs.put(f"{tmp_path}/nginx.conf", main.encode())
    host.fs.put(f"{tmp_path}/sites/shop", text.encode())
    try:
        parse_config(host.fs, f"{tmp_path}/nginx.conf")
        ours = None
    except NginxConfigError as error:
        ours = str(error).removeprefix("[emerg] ")
    assert ours == (found.group(1) if found else None), real.stderr


def test_main_file_errors(host: Host) -> None:
    host.fs.unlink("/etc/nginx/mime.types")
    with pytest.raises(NginxConfigError, match=r'^\[emerg\] open\(\) "/etc/nginx/mime.types" '
                       r"failed \(2: No such file or directory\) in /etc/nginx/nginx.conf:11$"):
        parse_config(host.fs)
    with pytest.raises(NginxConfigError) as caught:
        parse_config(host.fs, "/etc/nginx/nope.conf")
    assert str(caught.value) == ('[emerg] open() "/etc/nginx/nope.conf" failed '
                                 "(2: No such file or directory)")
    host.fs.put("/etc/nginx/nginx.conf", b"http {}\n")
    with pytest.raises(NginxConfigError, match=r'^\[emerg\] no "events" section in '
                       r"configuration$"):
        parse_config(host.fs)


def test_a_glob_matching_nothing_is_fine_and_files_come_in_order(host: Host) -> None:
    host.fs.put("/etc/nginx/conf.d/b.conf", b"gzip on;\n")
    host.fs.put("/etc/nginx/conf.d/a.conf", b"gzip_vary on;\n")
    host.fs.put("/etc/nginx/conf.d/.hidden.conf", b"bogus;\n")
    names = [path for path, _ in parse_config(host.fs).files]
    assert names[2:4] == ["/etc/nginx/conf.d/a.conf", "/etc/nginx/conf.d/b.conf"]


def test_certificates(host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    validators: list[CertificateValidator] = []  # none registered by other packages here
    monkeypatch.setattr(nginxconf, "CERTIFICATE_VALIDATORS", validators)
    tls = ("server {\n listen 443 ssl;\n ssl_certificate /etc/ssl/shop.crt;\n"
           " ssl_certificate_key /etc/ssl/private/shop.key;\n}\n")
    assert site_error(host, tls) == (
        '[emerg] cannot load certificate "/etc/ssl/shop.crt": BIO_new_file() failed (SSL: '
        "error:80000002:system library::No such file or directory:calling fopen("
        "/etc/ssl/shop.crt, r) error:10000080:BIO routines::no such file)")
    host.fs.put("/etc/ssl/shop.crt", b"-----BEGIN CERTIFICATE-----\n")
    assert site_error(host, tls).startswith(
        '[emerg] cannot load certificate key "/etc/ssl/private/shop.key": BIO_new_file()')
    host.fs.put("/etc/ssl/private/shop.key", b"-----BEGIN PRIVATE KEY-----\n")
    assert parse_config(host.fs).servers[0].ssl_certificate == "/etc/ssl/shop.crt"

    def expired(cert: str, data: bytes, key: str, key_data: bytes) -> str | None:
        return f'cannot load certificate "{cert}": expired' if b"BEGIN" in data else None

    validators.append(expired)
    assert site_error(host, tls) == '[emerg] cannot load certificate "/etc/ssl/shop.crt": expired'


def test_names_resolve_through_the_resolver_or_etc_hosts(host: Host) -> None:
    host.fs.put("/etc/nginx/sites-available/shop",
                b"server { location / { proxy_pass http://app-01:3000; } }\n")
    assert isinstance(parse_config(host.fs, resolve=lambda name: name == "app-01"), NginxConfig)
    host.fs.put("/etc/hosts", b"127.0.0.1 localhost\n10.0.0.5 app-01.internal app-01\n")
    assert parse_config(host.fs).servers[0].locations[0].proxy_pass == "http://app-01:3000"


_WORD = st.text(st.characters(whitelist_categories=("L", "N"), whitelist_characters="-_./:"),
                min_size=1, max_size=12)


@given(st.lists(_WORD, min_size=1, max_size=4), st.sampled_from(["'", '"', ""]))
def test_quoted_or_bare_words_come_back_as_written(names: list[str], quote: str) -> None:
    host = add_linux_host(new_world(0), "web-01")
    words = " ".join(f"{quote}{name}{quote}" for name in names)
    host.fs.put("/etc/nginx/nginx.conf",
                f"events {{}}\nhttp {{\n  # a comment; {{ }}\n  server {{ server_name {words}; "
                f"}}\n}}\n".encode())
    assert parse_config(host.fs).servers[0].server_names == names
