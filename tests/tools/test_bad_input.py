"""Every command answers junk the way a tool does (a message, a status), never a traceback.

The worlds are the built-in scenarios' own, so each tool meets the state it is written
for (nginx configs, certificates, databases, clocks, huge directories).
"""

from __future__ import annotations

import shlex
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pagerdrill.game.catalog import builtin_folders, find_scenario
from pagerdrill.shell.session_shell import Shell
from pagerdrill.tools.registry import lookup, names
from pagerdrill.world.host import Host

# The package's commands (other tests register stand-ins, some that fail on purpose).
COMMANDS = [name for name in names() if getattr(lookup(name), "__module__", "").startswith(
    "pagerdrill.tools.")]
SCENARIOS = sorted(f.name for f in builtin_folders())
JUNK = [[], ["--no-such-option"], ["-Z"], ["--"], ["-"], ["/no/such/path"], [""],
        ["-x" * 3000], ["--help=yes"], ["\x00\xff"], ["-s", "-s", "-s"], ["%s%n{}$((1/0))"]]
MAX_OUTPUT = 1 << 16  # `yes` and friends never end; what matters is that they start


@cache
def player_host(scenario_id: str) -> Host:
    scenario = find_scenario(scenario_id)
    world = scenario.for_seed(0).build_world(0)
    host = world.host(scenario.player.host)
    assert host is not None
    return host


def answers_like_a_tool(host: Host, argv: list[str], stdin: bytes = b"") -> None:
    """Run ``argv`` as the player would type it (stdin from printf), through the real
    shell, which has what nested commands need (watch, certbot's hooks, ssh)."""
    shell = Shell(host.world, host, "root")  # fresh: a tool that takes the terminal keeps it
    shell.strict = True  # a tool's exception propagates instead of "internal error"
    feed = "".join(f"\\x{byte:02x}" for byte in stdin)
    line = f"printf '{feed}' | {shlex.join(argv)}"
    run = shell.stream(line)
    size = 0
    try:
        while size <= MAX_OUTPUT:
            chunk = next(run)
            assert b"Traceback" not in chunk, argv
            size += len(chunk)
        run.close()  # Ctrl-C
    except StopIteration as stop:
        assert 0 <= stop.value <= 255, (argv, stop.value)


@pytest.mark.parametrize("scenario_id", SCENARIOS)
def test_every_command_survives_junk_arguments(scenario_id: str) -> None:
    host = player_host(scenario_id)
    for name in COMMANDS:
        for junk in JUNK:
            answers_like_a_tool(host, [name, *junk], b"junk\x00\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_id=st.sampled_from(SCENARIOS), name=st.sampled_from(COMMANDS),
       args=st.lists(st.one_of(
           st.text(max_size=12),
           st.sampled_from(["-n", "-c", "-f", "-t", "-s", "-p", "-o", "-e", "--", "-1",
                            "999999999999999999999", "-9", "/", "/etc", ".", "*", "x509",
                            "s_client", "tracking", "reload", "status", "list-timers"])),
           max_size=5),
       stdin=st.binary(max_size=64))
def test_random_arguments_never_raise(scenario_id: str, name: str, args: list[str],
                                      stdin: bytes) -> None:
    answers_like_a_tool(player_host(scenario_id), [name, *args], stdin)
