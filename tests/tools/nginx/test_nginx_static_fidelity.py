"""Static files: our nginx against the real one (Debian 12's nginx-core 1.22.1), serving the
same tree on the same paths, fetched over HTTP with urllib.

Not compared: the Date header (the time of the request) and the ETag/Last-Modified
values (the files' mtimes differ between the two); their formats are.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.toolkit import reference_binary

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpRequest
from pagerdrill.world.programs.nginx import NginxProxy, NginxSpec
from pagerdrill.world.services import Unit

REAL = reference_binary("nginx", "nginx-core")
pytestmark = pytest.mark.skipif(REAL is None, reason="the real nginx (Debian's nginx-core) is "
                                "not installed to compare with")
FILES = {"index.html": b"<h1>hi</h1>\n", "notes.txt": b"plain\n", "data.json": b"{}\n",
         "blob": b"\x00bin", ".well-known/acme-challenge/tok": b"tok.thumb"}
PATHS = ["/", "/index.html", "/notes.txt", "/data.json", "/blob", "/missing",
         "/.well-known/acme-challenge/tok", "/.well-known/acme-challenge/nope", "/sub/",
         "/sub/x", "/try/notes.txt", "/try/nothing"]
ETAG = re.compile(r'^"[0-9a-f]+-[0-9a-f]+"$')
HTTP_DATE = re.compile(r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _site(root: Path, port: int) -> str:
    return (f"server {{\n    listen 127.0.0.1:{port};\n    server_name localhost;\n"
            f"    root {root};\n"
            "    location ^~ /.well-known/acme-challenge/ {\n"
            "        default_type text/plain;\n    }\n"
            "    location /try/ {\n        try_files $uri $uri/ =404;\n    }\n}\n")


def _main(tmp: Path, extra: str = "") -> str:
    return (f"pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\nevents {{\n"
            f"\tworker_connections 64;\n}}\nhttp {{\n\taccess_log off;\n{extra}"
            "\ttypes {\n\t\ttext/html html;\n\t\ttext/plain txt;\n"
            "\t\tapplication/json json;\n\t}\n\tdefault_type application/octet-stream;\n"
            f"\tinclude {tmp}/site;\n}}\n")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, Host, Path]]:
    root = tmp_path / "www"
    for rel, data in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "sub").mkdir()
    (root / "try").mkdir()
    (root / "try" / "notes.txt").write_bytes(b"tried\n")
    port = _free_port()
    site = _site(root, port)
    (tmp_path / "site").write_text(site)
    # The real one only: temp directories a non-root nginx can create (Debian's defaults
    # are under /var/lib/nginx), and one process that stays as the invoking user, so it
    # can read tmp_path (the simulated one runs its workers as www-data).
    temps = "".join(f"\t{kind}_temp_path {tmp_path}/{kind};\n" for kind in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(_main(tmp_path, temps))
    assert REAL is not None
    proc = subprocess.Popen([REAL, "-c", str(tmp_path / "nginx.conf"), "-g",
                             "daemon off; master_process off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):  # until it listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        host = add_linux_host(new_world(seed=1), "web-01")
        host.fs.put("/etc/nginx/nginx.conf", _main(tmp_path).encode())
        host.fs.put(f"{tmp_path}/site", site.encode())
        for rel, data in FILES.items():
            host.fs.put(f"{root}/{rel}", data)
        host.fs.mkdir(f"{root}/sub", parents=True)
        host.fs.put(f"{root}/try/notes.txt", b"tried\n")
        host.services.add(Unit("nginx", "nginx", ["/usr/sbin/nginx"], restart="no",
                               program_factory=lambda: NginxProxy(NginxSpec("localhost"))))
        yield port, host, tmp_path
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _real_get(port: int, path: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@pytest.mark.parametrize("path", PATHS)
def test_static_answers_match(served: tuple[int, Host, Path], path: str) -> None:
    port, host, _ = served
    status, body, headers = _real_get(port, path)
    listener = host.listeners[port]
    assert listener.handler is not None
    ours = listener.handler(HttpRequest("GET", path, f"127.0.0.1:{port}",
                                        {"Host": f"127.0.0.1:{port}"}))
    # The version in error pages: both are 1.22.1 (Debian 12).
    assert (ours.status, ours.body) == (status, body)
    assert ours.headers.get("Content-Type") == headers.get("Content-Type")
    assert ours.headers.get("Content-Length") == headers.get("Content-Length")
    for name in ("ETag", "Last-Modified", "Accept-Ranges"):
        assert (name in ours.headers) == (name in headers)
    if status == 200:
        assert ETAG.match(ours.headers["ETag"]) and ETAG.match(headers["ETag"])
        assert HTTP_DATE.match(ours.headers["Last-Modified"])
        assert HTTP_DATE.match(headers["Last-Modified"])


def test_error_log_lines_match(served: tuple[int, Host, Path]) -> None:
    port, host, tmp_path = served
    for path in ("/missing", "/sub/"):
        _real_get(port, path)
        listener = host.listeners[port]
        assert listener.handler is not None
        listener.handler(HttpRequest("GET", path, f"127.0.0.1:{port}",
                                     {"Host": f"127.0.0.1:{port}"}))
    lead = re.compile(r"^\S+ \S+ \[(\w+)\] \d+#\d+: \*\d+ ", re.M)
    real = [lead.sub(r"[\1] ", line) for line in
            (tmp_path / "error.log").read_text().splitlines() if "client:" in line]
    content = host.fs.lookup("/var/log/nginx/error.log").content
    assert content is not None
    ours = [lead.sub(r"[\1] ", line) for line in content.read().decode().splitlines()
            if "client:" in line]
    assert ours == real
