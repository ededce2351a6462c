"""ss and netstat over the host's listening sockets."""

from __future__ import annotations

import shutil
import socket
import subprocess

import pytest
from tests.toolkit import run_tool

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.host import Host


def test_ss_tlnp(prod: Host) -> None:
    assert run_tool(prod, ["ss", "-tlnp"]).out == (
        "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess"
        "                           \n"
        "LISTEN 0      511          0.0.0.0:80        0.0.0.0:*    "
        'users:(("nginx",pid=712,fd=3))   \n'
        "LISTEN 0      511        127.0.0.1:5432      0.0.0.0:*    "
        'users:(("postgres",pid=840,fd=3))\n'
        "LISTEN 0      511          0.0.0.0:8080      0.0.0.0:*    "
        'users:(("node",pid=2143,fd=5))   \n')


def test_ss_without_processes_or_numbers(prod: Host) -> None:
    lines = run_tool(prod, ["ss", "-tl"]).out.splitlines()
    assert lines[1] == "LISTEN 0      511          0.0.0.0:http            0.0.0.0:*          "
    assert lines[3].startswith("LISTEN 0      511          0.0.0.0:http-alt")
    assert run_tool(prod, ["ss", "-tn"]).out == (
        "State Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n")


def test_netstat_tlnp(prod: Host) -> None:
    assert run_tool(prod, ["netstat", "-tlnp"]).out == (
        "Active Internet connections (only servers)\n"
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State       "
        "PID/Program name    \n"
        "tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN      "
        "712/nginx           \n"
        "tcp        0      0 127.0.0.1:5432          0.0.0.0:*               LISTEN      "
        "840/postgres        \n"
        "tcp        0      0 0.0.0.0:8080            0.0.0.0:*               LISTEN      "
        "2143/node           \n")
    assert "localhost:postgresql" in run_tool(prod, ["netstat", "-tlp"]).out


@pytest.mark.skipif(shutil.which("ss") is None or not socket.has_ipv6,
                    reason="needs iproute2's ss and IPv6 to compare with")
@pytest.mark.parametrize("address", ["*", "127.0.0.1"])
def test_ss_matches_iproute2_for_wildcard_and_loopback(address: str) -> None:
    """A dual-stack wildcard listener (node's listen(port)) is *:port with peer *:*."""
    if address == "*":
        real = socket.socket(socket.AF_INET6)
        real.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        real.bind(("::", 0))
    else:
        real = socket.socket()
        real.bind((address, 0))
    with real:
        real.listen(511)
        port = real.getsockname()[1]
        expected = subprocess.run(["ss", "-tln", "sport", "=", f":{port}"], capture_output=True,
                                  text=True, check=True).stdout
    host = add_linux_host(new_world(seed=0), "web-01")
    host.listen(port, host.procs.spawn(["node", "server.js"]), None, address)
    assert run_tool(host, ["ss", "-tln", "sport", "=", f":{port}"]).out == expected


def test_ss_lists_the_workers_that_inherited_the_socket() -> None:
    host = add_linux_host(new_world(seed=0), "web-01")
    master = host.procs.spawn(["nginx: master process nginx"], pid=700)
    for pid in (701, 702):
        host.procs.spawn(["nginx: worker process"], pid=pid, ppid=700, user="www-data")
    host.procs.spawn(["sh", "-c", "sleep 9"], pid=703, ppid=700)  # a child of another program
    host.listen(80, master)
    line = run_tool(host, ["ss", "-tlnp"]).out.splitlines()[1]
    assert line.endswith('users:(("nginx",pid=702,fd=3),("nginx",pid=701,fd=3),'
                         '("nginx",pid=700,fd=3))')
