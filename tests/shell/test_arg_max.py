"""execve's argument-size limit: bash's E2BIG, computed the way the kernel does."""

from __future__ import annotations

import errno
import subprocess
import time
from collections.abc import Callable

import pytest

from pagerdrill.shell import Shell
from pagerdrill.shell.limits import ARG_MAX, exec_size
from pagerdrill.world.lazydir import LazySpec
from pagerdrill.world.world import World


def kernel_accepts(count: int, length: int) -> bool:
    """Whether the real kernel execs /usr/bin/true with ``count`` args of ``length``."""
    try:
        subprocess.run(["/usr/bin/true", *["x" * length] * count], env={}, check=False)
    except OSError as error:
        assert error.errno == errno.E2BIG
        return False
    return True


@pytest.mark.parametrize("length", [1, 99, 4000])
def test_the_limit_is_where_the_kernel_puts_it(length: int) -> None:
    # The largest argument count our formula allows is the kernel's own boundary.
    fixed = exec_size(["/usr/bin/true"], "/usr/bin/true") or 0
    count = (ARG_MAX - fixed) // (length + 1 + 8)
    assert exec_size(["/usr/bin/true", *["x" * length] * count], "/usr/bin/true") == \
        fixed + count * (length + 9) <= ARG_MAX
    assert kernel_accepts(count, length)
    assert not kernel_accepts(count + 1, length)


def test_one_string_longer_than_32_pages_is_too_long() -> None:
    assert exec_size(["x" * 131071]) is not None
    assert exec_size(["x" * 131072]) is None
    assert not kernel_accepts(1, 131072) and kernel_accepts(1, 131071)


def test_bash_message_matches_real_bash(run: Callable[[str], str]) -> None:
    real = subprocess.run(["bash", "-c", "rm -f $(seq 1 400000); echo $?"], cwd="/tmp",
                          capture_output=True, text=True, check=False)
    ours = run("rm -f $(seq 1 400000); echo $?")
    # bash -c names the line ("bash: line 1: ..."); an interactive shell, which the
    # player's is, does not.
    expected = (real.stderr + real.stdout).replace("bash: line 1: ", "bash: ")
    assert ours == expected == "bash: /usr/bin/rm: Argument list too long\n126\n"
    assert run("rm -f $(seq 1 1000); echo $?") == "0\n"


def test_glob_over_a_huge_generated_directory_fails_fast(world: World, shell: Shell) -> None:
    host = world.hosts["web-01"]
    spec = LazySpec(1_500_000, 3, prefix="sess_")
    host.fs.mount_for_path("/").inodes_total = 2_000_000
    host.fs.mount_for_path("/").size_bytes = 20 << 30
    host.fs.add_lazy_dir("/var/lib/php/sessions", spec)
    started = time.perf_counter()
    result = shell.run("rm -rf /var/lib/php/sessions/*; echo $?").output.decode()
    assert result == "bash: /usr/bin/rm: Argument list too long\n126\n"
    assert time.perf_counter() - started < 2  # stops at 2 MiB of names, not 1.5M
    assert host.fs.exists(f"/var/lib/php/sessions/{spec.name(0)}")  # nothing was deleted
    echoed = shell.run("echo /var/lib/php/sessions/* | wc -l").output.decode()
    assert "execve would fail with E2BIG" in echoed
