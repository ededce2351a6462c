"""ss and netstat over the host's listening sockets."""

from __future__ import annotations

from tests.toolkit import run_tool

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
