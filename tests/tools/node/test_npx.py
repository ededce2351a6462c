"""npx memlab and npx clinic over the gateway's heap snapshots."""

from __future__ import annotations

import json

from tests.toolkit import Result, run_tool
from tests.world.node.gateway import FIXED_WS, REPO, gateway_host

from pagerdrill.world.host import Host
from pagerdrill.world.process import Signal

HINT = "Use `memlab help` or `memlab <COMMAND> -h` to get helper text\n"


def two_snapshots(host: Host, apart_s: int = 300) -> list[str]:
    pid = host.services.find("gw").main_pid or 0
    host.procs.kill(pid, Signal.SIGUSR2)
    host.world.advance(apart_s)
    host.procs.kill(pid, Signal.SIGUSR2)
    return sorted(n for n in host.fs.listdir(host.fs.lookup(REPO)) if n.endswith("snapshot"))


def test_unbound_object_shows_process_listeners_growing() -> None:
    host = gateway_host()
    host.world.advance(3600)
    two_snapshots(host)
    result = run_tool(host, ["npx", "memlab", "analyze", "unbound-object", "--snapshot-dir",
                             REPO])
    lines = result.err.splitlines()
    assert result.status == 0 and result.out == ""  # memlab writes on stderr
    assert lines[:3] == ["Top growing objects in sizes:",
                         " (Use `memlab trace --node-id=@ID` to get trace)", ""]
    assert lines[3].startswith("· process [object](@15):  ")
    assert lines[4].startswith("· Object { SIGTERM, SIGUSR2, newListener, removeListener } "
                               "[object](@17):  ")
    assert lines[5].startswith("· Array [object](@31):  ")


def test_unbound_shape_needs_a_thousand_instances() -> None:
    host = gateway_host()
    host.world.advance(18 * 3600)  # about 1080 sockets leaked by then
    two_snapshots(host, 600)
    result = run_tool(host, ["npx", "memlab", "analyze", "unbound-shape", "--snapshot-dir",
                             REPO])
    shapes = [line.split(":")[0] for line in result.err.splitlines()]
    assert shapes == ["· WebSocket", "· Socket", "· PerMessageDeflate"]


def test_no_growth_with_the_fix() -> None:
    host = gateway_host(FIXED_WS)
    two_snapshots(host)
    result = run_tool(host, ["npx", "memlab", "analyze", "unbound-shape", "--snapshot-dir",
                             REPO])
    assert result.err == ""


def test_trace_walks_from_the_root_to_a_socket() -> None:
    host = gateway_host()
    host.world.advance(600)
    last = two_snapshots(host)[-1]
    result = run_tool(host, ["npx", "memlab", "trace", "--snapshot", last, "--node-id=@40007"],
                      cwd=REPO)
    assert result.err.splitlines()[:2] == ["Generating report for node @40007",
                                           result.err.splitlines()[1]]
    assert result.err.splitlines()[1].startswith("[<synthetic>] (synthetic) @1 [")
    assert "  --SIGTERM (property)--->  [Array] (object) @31 [" in result.err
    assert "  --socket (variable)--->  [WebSocket] (object) @40005 [" in result.err
    assert result.err.endswith("  --_socket (property)--->  [Socket] (object) @40007 "
                               "[232 bytes]\n\n")


def test_memlab_errors() -> None:
    host = gateway_host()

    def run(*args: str) -> Result:
        return run_tool(host, ["npx", "memlab", *args], cwd=REPO)

    assert run("frob").err == "Could not find command: memlab frob\n" + HINT
    assert run("analyze", "unbound-object", "--snapshot-dir", "/nope").err == (
        "Invalid directory: /nope\n" + HINT)
    assert run("analyze", "unbound-object", "--snapshot-dir", REPO).err == (
        f"Directory has < 2 snapshot files: {REPO}\n" + HINT)
    assert run("trace", "--snapshot", "x").err == (
        "command line argument --node-id is required\n" + HINT)
    assert run("trace", "--snapshot", "/nope.heapsnapshot", "--node-id=@1").err == (
        "Invalid snapshot file: /nope.heapsnapshot\n" + HINT)
    host.fs.put(f"{REPO}/bad.heapsnapshot", b"{}")
    assert run("trace", "--snapshot", "bad.heapsnapshot", "--node-id=@1").err == (
        "Generating report for node @1\n" + HINT + "Error parsing heap snapshot\n"
        "Please pass in a valid heap snapshot file\n")
    assert run("analyze").err.startswith("\n  Heap analysis plugin name missing\n")
    assert run("version").err.startswith("\n @memlab/heap-analysis@2.0.5\n")


def test_clinic_needs_the_port_free_then_writes_its_report() -> None:
    host = gateway_host()
    busy = run_tool(host, ["npx", "clinic", "heapprofiler", "--", "node", "app.js"], cwd=REPO)
    assert busy.out.startswith("To generate the report press: Ctrl + C\n")
    assert "EADDRINUSE" in busy.err
    host.services.stop("gw")
    result = run_tool(host, ["npx", "clinic", "heapprofiler", "--", "node", "app.js"], cwd=REPO)
    lines = result.out.splitlines()
    pid = lines[-1].rsplit("/", 1)[1].split(".")[0]
    assert lines[-5:] == ["^C", "Analysing data",
                          f"Generated HTML file is .clinic/{pid}.clinic-heapprofiler.html",
                          "You can use this command to upload it:",
                          f"clinic upload .clinic/{pid}.clinic-heapprofiler"]
    data = f"{REPO}/.clinic/{pid}.clinic-heapprofiler/{pid}.clinic-heapprofiler-samples"
    profile = json.loads(b"".join(host.fs.read_stream(host.fs.lookup(data))))
    assert profile["head"]["callFrame"]["functionName"] == "(root)"
    assert host.fs.exists(f"{REPO}/.clinic/{pid}.clinic-heapprofiler.html")


def test_clinic_usage() -> None:
    host = gateway_host()
    assert run_tool(host, ["npx", "clinic", "heapprofiler", "--version"]).out == "v5.0.0\n"
    usage = run_tool(host, ["npx", "clinic", "heapprofiler", "--", "python", "x.py"])
    assert usage.status == 1 and "clinic heapprofiler -- node server.js" in usage.out


def test_unknown_package() -> None:
    result = run_tool(gateway_host(), ["npx", "left-padd"])
    assert result.status == 1
    assert result.err.startswith("npm ERR! code E404\nnpm ERR! 404 Not Found - GET "
                                 "https://registry.npmjs.org/left-padd - Not found\n")
