"""node: version, bad options, missing modules, EADDRINUSE, --inspect, a foreground run."""

from __future__ import annotations

from tests.toolkit import run_tool
from tests.world.node.gateway import REPO, gateway_host

from pagerdrill.world.process import Signal


def test_version() -> None:
    assert run_tool(gateway_host(), ["node", "-v"]).out == "v20.11.1\n"


def test_bad_option() -> None:
    result = run_tool(gateway_host(), ["node", "-z", "app.js"])
    assert (result.err, result.status) == ("node: bad option: -z\n", 9)


def test_missing_module() -> None:
    result = run_tool(gateway_host(), ["node", "nothere.js"], cwd=REPO)
    assert result.status == 1
    assert f"Error: Cannot find module '{REPO}/nothere.js'" in result.err
    assert "  code: 'MODULE_NOT_FOUND',\n  requireStack: []\n}\n\nNode.js v20.11.1\n" in result.err


def test_the_app_cannot_listen_while_the_service_runs() -> None:
    host = gateway_host()
    result = run_tool(host, ["node", "--inspect", "app.js"], cwd=REPO)
    assert result.err.startswith("Debugger listening on ws://127.0.0.1:9229/")
    assert "\nFor help, see: https://nodejs.org/en/docs/inspector\n" in result.err
    assert "Error: listen EADDRINUSE: address already in use :::8080\n" in result.err
    assert f"    at Object.<anonymous> ({REPO}/app.js:7:8)\n" in result.err
    assert result.status == 1 and 9229 not in host.listeners


def test_the_inspector_port_can_be_taken_too() -> None:
    host = gateway_host()
    host.procs.kill(host.services.find("gw").main_pid or 0, Signal.SIGUSR1)  # inspector on
    result = run_tool(host, ["node", "--inspect", "app.js"], cwd=REPO)
    assert result.err.startswith(
        "Starting inspector on 127.0.0.1:9229 failed: address already in use\n")


def test_with_the_service_stopped_the_app_runs_until_ctrl_c() -> None:
    host = gateway_host()
    host.services.stop("gw")
    start = host.clock.now_ms
    result = run_tool(host, ["node", "--inspect", "app.js"], cwd=REPO)
    assert result.status == 130
    assert result.out == ("[gateway] gw listening on :8080 (ws path /ws, permessage-deflate on)"
                          "\n^C\n")
    assert "MaxListenersExceededWarning" in result.err
    assert host.clock.now_ms - start == 10_000
    assert 8080 not in host.listeners  # the process is gone


def test_a_script_that_is_no_service_runs_silently() -> None:
    host = gateway_host()
    host.fs.put("/root/hello.js", b"console.log('hi')\n")
    assert run_tool(host, ["node", "hello.js"]).status == 0


def test_help_names_the_options_it_acts_on() -> None:
    result = run_tool(gateway_host(), ["node", "--help"])
    assert result.out.startswith("Usage: node [options] [ script.js ] [arguments]\n")
    assert "  --inspect[=[host:]port]     activate inspector on host:port\n" in result.out
