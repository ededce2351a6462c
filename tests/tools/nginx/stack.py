"""A web host as a deploy leaves it: nginx proxying to 127.0.0.1:3000, and the app's newest
release (current) listening on 8080 while the one before it used 3000."""

from __future__ import annotations

import json

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.fs import Kind
from pagerdrill.world.host import Host
from pagerdrill.world.programs.nginx import NginxProxy, NginxSpec
from pagerdrill.world.programs.releaseapp import ReleaseApp, ReleaseAppSpec
from pagerdrill.world.services import Unit

MAIN = b"""user www-data;
pid /run/nginx.pid;
events {
\tworker_connections 768;
}
http {
\tinclude /etc/nginx/sites-enabled/*;
}
"""
SITE = b"""upstream shop_backend {
    server 127.0.0.1:3000;
}
server {
    listen 80 default_server;
    server_name shop.example.com;
    location / {
        proxy_pass http://shop_backend;
    }
}
"""
OLD, NEW = "20260320101500", "20260324025412"


def _release(host: Host, name: str, port: int, revision: str) -> None:
    path = f"/srv/shop/releases/{name}"
    host.fs.put(f"{path}/config/production.json", json.dumps({"port": port}).encode())
    host.fs.put(f"{path}/package.json", b'{"name": "shop", "version": "2.14.0"}\n')
    host.fs.put(f"{path}/REVISION", f"{revision}\n".encode())


def web_host() -> Host:
    host = add_linux_host(new_world(seed=3), "web-01")
    fs = host.fs
    fs.put("/etc/nginx/nginx.conf", MAIN)
    fs.put("/etc/nginx/sites-available/shop", SITE)
    fs.mkdir("/etc/nginx/sites-enabled", parents=True)
    fs.create("/etc/nginx/sites-enabled/shop", kind=Kind.LINK,
              target="/etc/nginx/sites-available/shop")
    _release(host, OLD, 3000, "4ca3a30aa1d2c1b0e9f8a7b6c5d4e3f2a1b0c9d8")
    _release(host, NEW, 8080, "90bd4791b2c3d4e5f60718293a4b5c6d7e8f9012")
    fs.put("/srv/shop/shared/.env", b"NODE_ENV=production\n")
    fs.create("/srv/shop/current", kind=Kind.LINK, target=f"/srv/shop/releases/{NEW}")
    fs.put("/srv/shop/revisions.log",
           f"Branch main (at 4ca3a30) deployed as release {OLD} by tom\n"
           f"Branch main (at 90bd479) deployed as release {NEW} by alex\n".encode())
    fs.put("/etc/deploy/shop.conf", b"APP=shop\nDEPLOY_TO=/srv/shop\nSERVICE=shop\n"
           b"HEALTHCHECK_URL=\n")
    host.services.add(Unit("shop", "shop API", ["/usr/bin/node", "src/server.js"],
                           user="root",
                           program_factory=lambda: ReleaseApp(ReleaseAppSpec("shop",
                                                                             "/srv/shop"))))
    host.services.add(Unit("nginx", "A high performance web server and a reverse proxy server",
                           ["/usr/sbin/nginx", "-g", "daemon on; master_process on;"],
                           restart="no",
                           program_factory=lambda: NginxProxy(NginxSpec("shop.example.com"))))
    return host


def proxy_of(host: Host) -> NginxProxy:
    proc = host.services.main_process(host.services.find("nginx"))
    assert proc is not None and isinstance(proc.program, NginxProxy)
    return proc.program


def read(host: Host, path: str) -> str:
    content = host.fs.lookup(path).content
    assert content is not None
    return content.read().decode()
