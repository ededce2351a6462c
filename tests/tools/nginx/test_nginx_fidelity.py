"""Our nginx against the real one (Debian 12's nginx-core 1.22.1), on the same files.

Log lines carry the time and the pid of the short-lived nginx process; both are
normalised away (they cannot match between two machines), nothing else is.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from tests.toolkit import reference_binary, run_tool

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.host import Host

REAL = reference_binary("nginx", "nginx-core")
pytestmark = pytest.mark.skipif(REAL is None, reason="the real nginx (Debian's nginx-core) is "
                                "not installed to compare with")
_STAMP = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: ", re.M)


def _norm(text: str) -> str:
    return _STAMP.sub(r"[\1] ", text)


def _real(argv: list[str]) -> tuple[str, str, int]:
    assert REAL is not None
    done = subprocess.run([REAL, *argv], capture_output=True, text=True, timeout=30,
                          check=False)
    return done.stdout, _norm(done.stderr), done.returncode


def _ours(host: Host, argv: list[str]) -> tuple[str, str, int]:
    result = run_tool(host, ["nginx", *argv])
    return result.out, _norm(result.err), result.status


def _site(tmp_path: Path, site: str) -> tuple[Host, str]:
    """The same configuration at the same paths, on disk and in a simulated host."""
    main = (f"user www-data;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
            f"events {{\n\tworker_connections 64;\n}}\nhttp {{\n\taccess_log off;\n"
            f"\tinclude {tmp_path}/sites/*;\n}}\n")
    host = add_linux_host(new_world(0), "web-01")
    for rel, text in (("nginx.conf", main), ("sites/shop", site)):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
        host.fs.put(f"{tmp_path}/{rel}", text.encode())
    return host, f"{tmp_path}/nginx.conf"


GOOD = ("upstream shop_backend {\n    server 127.0.0.1:3000;\n}\nserver {\n    listen 18999;\n"
        "    server_name shop.example.com;\n    location / {\n"
        "        proxy_pass http://shop_backend;\n    }\n}\n")


@pytest.mark.parametrize("argv", [["-h"], ["-?"], ["-v"], ["-z"], ["-s"], ["-s", "restart"],
                                  ["-c"], ["-g"], ["stop"], ["-tq", "-x"], ["-p"]])
def test_options(argv: list[str]) -> None:
    host = add_linux_host(new_world(0), "web-01")
    assert _ours(host, argv) == _real(argv)


def test_build_options() -> None:
    host = add_linux_host(new_world(0), "web-01")
    ours, real = _ours(host, ["-V"])[1].splitlines(), _real(["-V"])[1].splitlines()
    # The OpenSSL line names the machine's library versions; the rest is the build.
    assert (ours[0], ours[2:]) == (real[0], real[2:])


@pytest.mark.parametrize("flags", [["-t"], ["-t", "-q"], ["-T"], ["-T", "-q"]])
@pytest.mark.parametrize("site", [GOOD, GOOD.replace("proxy_pass", "proxy_pas"),
                                  GOOD.replace("3000;", "3000"), GOOD[:-2]])
def test_test_and_dump(tmp_path: Path, site: str, flags: list[str]) -> None:
    host, conf = _site(tmp_path, site)
    assert _ours(host, [*flags, "-c", conf]) == _real([*flags, "-c", conf])


def test_signals_without_a_master(tmp_path: Path) -> None:
    host, conf = _site(tmp_path, GOOD)
    assert _ours(host, ["-s", "reload", "-c", conf]) == _real(["-s", "reload", "-c", conf])
    # An empty pid file; a pid above any pid_max (so nothing real is ever signalled).
    for content in ("", "4194305\n"):
        (tmp_path / "nginx.pid").write_text(content)
        host.fs.put(f"{tmp_path}/nginx.pid", content.encode())
        assert _ours(host, ["-s", "quit", "-c", conf]) == _real(["-s", "quit", "-c", conf])
