"""Deterministic resource limits for one command line.

Every bound counts bytes or steps, never wall time, so a replay stops at the
same byte as the original run. Exceeding one ends the whole command line with a
clear message instead of hanging the session.
"""

from __future__ import annotations

from dataclasses import dataclass

from pagerdrill.shell.errors import AbortLine, ShellError

__all__ = ["ARG_MAX", "MAX_ARG_STRLEN", "ArgListTooLong", "Budget", "LimitExceeded",
           "Limits", "exec_size"]

# execve(2)'s limits on Linux with the default 8 MiB stack: argv and envp strings,
# each with its NUL and its pointer, may use a quarter of the stack, and no single
# string may exceed 32 pages.
ARG_MAX = 8 * 1024 * 1024 // 4
MAX_ARG_STRLEN = 32 * 4096
_POINTER = 8


def exec_size(strings: list[str], filename: str = "") -> int | None:
    """Bytes execve would copy for argv+envp ``strings`` (and the program's path,
    which the kernel copies too, without a pointer), or None if one is too long."""
    total = len(filename.encode()) + 1 if filename else 0
    for text in strings:
        size = len(text.encode("utf-8", "surrogateescape")) + 1
        if size > MAX_ARG_STRLEN:
            return None
        total += size + _POINTER
    return total


class ArgListTooLong(ShellError):
    """A glob matched more than execve could take; raised before building it all."""

    def __init__(self) -> None:
        super().__init__(f"pagerdrill: pathname expansion stopped at {ARG_MAX} bytes "
                         "(execve would fail with E2BIG)", status=126)


@dataclass(frozen=True)
class Limits:
    max_output_bytes: int = 256 * 1024  # shown to the player per command line
    max_moved_bytes: int = 256 * 1024 * 1024  # through pipes: find | wc -l over 2M names
    max_pipeline_stages: int = 64
    max_loop_iterations: int = 10_000
    max_depth: int = 40  # nested functions, subshells, substitutions, sources
    max_forks: int = 2_000  # pipeline stages, subshells and jobs started
    max_commands: int = 200_000
    max_sleep_seconds: float = 3_600.0  # simulated time one line may consume
    pipe_buffer: int = 65536  # bytes a writer may still write after its reader exits


class LimitExceeded(AbortLine):
    """Raised to unwind the whole command line; ``lines`` go to standard error."""


class Budget:
    """The running counters for one command line."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.moved = 0
        self.forks = 0
        self.commands = 0
        self.slept = 0.0

    def move(self, nbytes: int) -> None:
        self.moved += nbytes
        if self.moved > self.limits.max_moved_bytes:
            raise LimitExceeded(
                f"pagerdrill: command line stopped after moving "
                f"{self.limits.max_moved_bytes} bytes through pipes and redirections",
                status=141,
                prefixed=True,
            )

    def fork(self) -> None:
        self.forks += 1
        if self.forks > self.limits.max_forks:
            raise LimitExceeded(
                "fork: retry: Resource temporarily unavailable",
                "fork: Resource temporarily unavailable",
                status=254,
            )

    def command(self) -> None:
        self.commands += 1
        if self.commands > self.limits.max_commands:
            raise LimitExceeded(
                f"pagerdrill: command line stopped after {self.limits.max_commands} commands",
                status=130,
                prefixed=True,
            )

    def sleep(self, seconds: float) -> float:
        """How much of ``seconds`` may still elapse on this command line."""
        allowed = max(0.0, min(seconds, self.limits.max_sleep_seconds - self.slept))
        self.slept += allowed
        return allowed
