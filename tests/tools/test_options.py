"""The shared GNU-style option parser: what every tool built on it answers."""

from __future__ import annotations

import subprocess

import pytest
from tests.toolkit import run_tool

from pagerdrill.tools.options import Opt, OptionSpec, UsageError
from pagerdrill.world.host import Host

SPEC = OptionSpec("demo", [Opt("v", "verbose", "verbose", help="say more")])


@pytest.mark.parametrize("arg", ["--help=yes", "--hel=yes", "--h=1"])
def test_help_with_an_argument_is_a_usage_error(arg: str) -> None:
    with pytest.raises(UsageError) as error:
        SPEC.parse([arg])
    assert error.value.text == ("demo: option '--help' doesn't allow an argument\n"
                                "Try 'demo --help' for more information.\n")


@pytest.mark.parametrize("tool", ["chmod", "chown", "chgrp"])
def test_help_of_the_permission_tools_as_gnu(host: Host, tool: str) -> None:
    real = subprocess.run([tool, "--help=yes"], capture_output=True, text=True, check=False)
    ours = run_tool(host, [tool, "--help=yes"])
    assert (ours.err, ours.status) == (real.stderr, real.returncode)
    helped = run_tool(host, [tool, "--help"])
    assert helped.status == 0 and helped.out.startswith(f"Usage: {tool} ")
