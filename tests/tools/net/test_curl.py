"""curl against listeners on simulated hosts, with curl 7.88's wording."""

from __future__ import annotations

import pytest

from pagerdrill.world.builder import add_linux_host
from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpRequest, HttpResponse
from toolkit import run_tool


@pytest.fixture
def served(host: Host) -> Host:
    proc = host.procs.spawn(["/usr/bin/app"])
    seen: list[HttpRequest] = []

    def handler(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        if request.path == "/health":
            return HttpResponse(500, b'{"status":"error"}\n', {"Content-Type": "application/json"})
        return HttpResponse(200, b"hello\n", {"Content-Type": "text/plain", "Server": "nginx"})

    host.listen(80, proc, handler)
    host.listen(5432, proc, None, "127.0.0.1")
    host.world.facts["seen"] = seen
    return host


def test_the_seed_health_check_prints_the_status(served: Host) -> None:
    result = run_tool(served, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                               "localhost/health"])
    assert (result.out, result.err, result.status) == ("500", "", 0)


def test_body_and_headers(served: Host) -> None:
    assert run_tool(served, ["curl", "http://localhost/"]).out == "hello\n"
    head = run_tool(served, ["curl", "-sI", "localhost/"]).out
    assert head.startswith("HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Tue, 17 Mar 2026 03:07:00 "
                           "GMT\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n")
    assert head.endswith("\r\n\r\n")
    included = run_tool(served, ["curl", "-i", "localhost/health"]).out
    assert included.startswith("HTTP/1.1 500 Internal Server Error\r\n")
    assert included.endswith('\r\n\r\n{"status":"error"}\n')


def test_fail_flag(served: Host) -> None:
    result = run_tool(served, ["curl", "-f", "localhost/health"])
    assert (result.out, result.err, result.status) == (
        "", "curl: (22) The requested URL returned error: 500\n", 22)
    assert run_tool(served, ["curl", "-sf", "localhost/health"]).err == ""
    assert run_tool(served, ["curl", "-sSf", "localhost/health"]).status == 22


def test_connection_refused_and_unknown_host(served: Host) -> None:
    refused = run_tool(served, ["curl", "localhost:8080/health"])
    assert (refused.err, refused.status) == (
        "curl: (7) Failed to connect to localhost port 8080 after 0 ms: Couldn't connect to "
        "server\n", 7)
    assert run_tool(served, ["curl", "-s", "localhost:8080"]).err == ""
    code = run_tool(served, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}\\n",
                             "localhost:8080"])
    assert (code.out, code.status) == ("000\n", 7)
    unknown = run_tool(served, ["curl", "-sS", "http://nosuch/"])
    assert (unknown.err, unknown.status) == ("curl: (6) Could not resolve host: nosuch\n", 6)
    empty = run_tool(served, ["curl", "localhost:5432"])
    assert (empty.err, empty.status) == ("curl: (52) Empty reply from server\n", 52)


def test_other_hosts_by_name_and_loopback_only_listeners(served: Host) -> None:
    other = add_linux_host(served.world, "web-02", "10.0.1.11")
    assert run_tool(other, ["curl", "-s", "web-01/"]).out == "hello\n"
    assert run_tool(other, ["curl", "-s", "10.0.1.10/"]).out == "hello\n"
    assert run_tool(other, ["curl", "web-01:5432"]).status == 7


def test_method_headers_and_output_file(served: Host) -> None:
    run_tool(served, ["curl", "-s", "-X", "POST", "-H", "X-Trace: 1", "-d", "a=b",
                      "localhost/api"])
    seen = served.world.facts["seen"]
    assert isinstance(seen, list)
    request = seen[-1]
    assert (request.method, request.headers["X-Trace"], request.body) == ("POST", "1", b"a=b")
    assert run_tool(served, ["curl", "-s", "-o", "/tmp/page", "localhost/"]).out == ""
    assert served.fs.lookup("/tmp/page").size == 6


def test_verbose_goes_to_stderr(served: Host) -> None:
    result = run_tool(served, ["curl", "-v", "localhost/"])
    assert result.out == "hello\n"
    assert "> GET / HTTP/1.1\n" in result.err and "< HTTP/1.1 200 OK\n" in result.err


def test_usage(served: Host) -> None:
    result = run_tool(served, ["curl"])
    assert (result.err, result.status) == (
        "curl: try 'curl --help' or 'curl --manual' for more information\n", 2)
