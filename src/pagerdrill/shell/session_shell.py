"""The player's interactive shell: prompt, history, completion and a stack of logins.

``ssh HOST``, ``sudo -i`` and ``su -`` push a new login onto the stack; ``exit``
pops back to the previous one, exactly like nested sessions in a real terminal.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.shell.context import Editor
from pagerdrill.shell.errors import (
    AbortLine,
    ExitShell,
    LoopControl,
    ParseError,
    ReturnFromFunction,
)
from pagerdrill.shell.executor import Executor, Job
from pagerdrill.shell.history import HistoryError, expand_history
from pagerdrill.shell.limits import Limits
from pagerdrill.shell.parser import parse
from pagerdrill.shell.state import ShellState, login_env
from pagerdrill.tools.api import ByteInput, ByteSink, CommandOutput, Repl

if TYPE_CHECKING:
    from pagerdrill.world.host import Host
    from pagerdrill.world.world import World

__all__ = ["Frame", "Shell", "ShellResult"]



@dataclass(frozen=True)
class ShellResult:
    output: bytes  # stdout and stderr interleaved, as the terminal shows them
    exit_status: int


@dataclass
class Frame:
    """One login on the stack: ``kind`` is login, ssh, sudo or su."""

    state: ShellState
    kind: str
    owns_process: bool = True


class Shell:
    def __init__(
        self,
        world: World,
        host: Host,
        user: str,
        env: dict[str, str] | None = None,
        home: str | None = None,
        *,
        limits: Limits | None = None,
        pid: int | None = None,
        strict: bool = False,
    ) -> None:
        self.world = world
        self.limits = limits or Limits()
        self.history: list[str] = []
        # Front ends set this to open nano/vim on a copy of a file (see context.Editor).
        self.editor: Editor | None = None
        self.exited = False  # the player typed exit at the outermost shell
        self.strict = strict  # re-raise tool exceptions instead of reporting them (tests)
        # Whether command output lands on a terminal (both front ends show a terminal;
        # tests of raw tool output may turn it off).
        self.terminal = True
        # An interactive program (psql, redis-cli) holding the terminal, if any.
        self.repl: Repl | None = None
        self._executor: Executor | None = None
        state = self.new_state(host, user, home=home, pid=pid)
        for name, value in (env or {}).items():
            state.set_var(name, value, export=True)
        self.frames: list[Frame] = [Frame(state, "login", owns_process=pid is None)]
        self.source_rc(state)

    # -- logins -----------------------------------------------------------------

    def new_state(
        self, host: Host, user: str, *, home: str | None = None, pid: int | None = None
    ) -> ShellState:
        """A fresh login shell's state on ``host`` (its own ``-bash`` process)."""
        env = login_env(host, user, home)
        if pid is None:
            pid = host.procs.spawn(["-bash"], user=user).pid
        cwd = env["HOME"] if host.fs.exists(env["HOME"]) else "/"
        env["PWD"] = cwd
        return ShellState(
            host=host,
            user=user,
            cwd=cwd,
            vars=dict(env),
            exported=set(env),
            pid=pid,
        )

    def source_rc(self, state: ShellState) -> None:
        """Run ``~/.bashrc`` from the simulated filesystem, if the world has one."""
        rc = state.home.rstrip("/") + "/.bashrc"
        if not state.host.fs.exists(rc):
            return
        executor = Executor(self, self.limits)
        tree = None
        try:
            tree = parse(f". {rc}")
            if tree is not None:
                for _ in executor.execute(tree, state, ByteInput.empty(), ByteSink()):
                    pass
        except Exception:  # a broken rc file must not stop the login
            return

    def push(self, state: ShellState, kind: str) -> None:
        self.frames.append(Frame(state, kind))
        self.source_rc(state)

    def pop(self) -> Frame:
        frame = self.frames.pop()
        if frame.owns_process:
            frame.state.host.procs.exit(frame.state.pid, 0)
        return frame

    # -- what the front end and tools read ----------------------------------------------

    @property
    def state(self) -> ShellState:
        return self.frames[-1].state

    @property
    def host(self) -> Host:
        return self.state.host

    @property
    def user(self) -> str:
        return self.state.user

    @property
    def cwd(self) -> str:
        return self.state.cwd

    @property
    def env(self) -> dict[str, str]:
        return self.state.env

    @property
    def last_status(self) -> int:
        return self.state.last_status

    def prompt(self) -> str:
        """Debian's ``\\u@\\h:\\w\\$ ``, or the sub-prompt of a program holding the terminal."""
        if self.repl is not None:
            return self.repl.prompt
        state = self.state
        home = state.home.rstrip("/") or "/"
        cwd = state.cwd
        if home != "/" and (cwd == home or cwd.startswith(home + "/")):
            cwd = "~" + cwd[len(home) :]
        sign = "#" if state.user == "root" else "$"
        return f"{state.user}@{state.host.name}:{cwd}{sign} "

    def end_of_input(self) -> bytes | None:
        """Ctrl-D: an interactive program exits (its output); None at the bash prompt."""
        repl = self.repl
        if repl is None:
            return None
        self.repl = None
        return repl.interrupt().encode("utf-8", "surrogateescape")

    def _to_repl(self, line: str) -> bytes:
        repl = self.repl
        assert repl is not None
        output = repl.feed(line)
        if repl.closed:
            self.repl = None
        return output.encode("utf-8", "surrogateescape")

    def complete(self, line: str) -> list[str]:
        from pagerdrill.shell.completion import complete

        return complete(self.state, line)

    # -- running ------------------------------------------------------------------

    def run(self, line: str) -> ShellResult:
        """Run one command line to completion and collect what the terminal shows."""
        chunks: list[bytes] = []
        gen = self.stream(line)
        while True:
            try:
                chunks.append(next(gen))
            except StopIteration as stop:
                return ShellResult(b"".join(chunks), stop.value)

    def stream(self, line: str) -> Generator[bytes, None, int]:
        """Run a command line, yielding output as it is produced (close() = Ctrl-C)."""
        if self.repl is not None:
            yield self._to_repl(line)
            return 0
        state = self.state
        try:
            expanded = expand_history(line, self.history)
        except HistoryError as error:
            yield f"bash: {error}\n".encode()
            state.last_status = 1
            return 1
        if expanded != line:
            yield (expanded + "\n").encode("utf-8", "surrogateescape")
        if expanded.strip():
            self.history.append(expanded.rstrip("\n"))
        try:
            tree = parse(expanded)
        except ParseError as error:
            yield "".join(f"bash: {text}\n" for text in error.lines).encode()
            state.last_status = 2
            return 2
        if tree is None:
            return state.last_status
        executor = Executor(self, self.limits, expanded)
        state.tty = state.tty_in = self.terminal
        status = yield from self._execute(executor, tree, state)
        state.last_status = status
        for line_out in _job_notices(executor.jobs):
            yield line_out.encode("utf-8", "surrogateescape")
        return status

    def _execute(
        self, executor: Executor, tree: object, state: ShellState
    ) -> Generator[bytes, None, int]:
        pending: list[bytes] = []
        stderr = ByteSink(pending.append)
        budget = self.limits.max_output_bytes
        shown = 0
        gen = executor.execute(tree, state, ByteInput.empty(), stderr)  # type: ignore[arg-type]
        previous, self._executor = self._executor, executor
        status = 0
        try:
            while True:
                try:
                    chunk: bytes | None = next(gen)
                except StopIteration as stop:
                    status = stop.value
                    chunk = None
                pending.extend([chunk] if chunk else [])
                while pending:
                    data = pending.pop(0)
                    if shown + len(data) > budget:
                        yield data[: budget - shown]
                        gen.close()
                        yield (f"\npagerdrill: output truncated after {budget} bytes\n").encode()
                        return 1
                    shown += len(data)
                    yield data
                if chunk is None:
                    return status
        except AbortLine as error:
            gen.close()
            yield from pending
            prefix = "" if error.prefixed else "bash: "
            yield "".join(f"{prefix}{text}\n" for text in error.lines).encode()
            return error.status
        except ExitShell as exit_:
            gen.close()
            yield from pending
            yield from self._exit(exit_.status)
            return exit_.status
        except ReturnFromFunction as ret:
            yield from pending
            yield b"bash: return: can only `return' from a function or sourced script\n"
            return ret.status if ret.status else 1
        except LoopControl:
            yield from pending
            yield b"bash: break: only meaningful in a `for', `while', or `until' loop\n"
            return 0
        except RecursionError:
            gen.close()
            yield b"bash: fork: Resource temporarily unavailable\n"
            return 254
        finally:
            self._executor = previous

    def _exit(self, status: int) -> Generator[bytes, None, None]:
        if len(self.frames) == 1:
            self.exited = True
            yield b"logout\n"
            return
        frame = self.pop()
        yield b"logout\n"
        if frame.kind == "ssh":
            yield f"Connection to {frame.state.host.name} closed.\n".encode()

    def run_nested(self, host: Host, user: str, command: str | None) -> CommandOutput:
        """``ssh``-style: a login on ``host`` (pushed when ``command`` is None) or one command."""
        from pagerdrill.shell.login import remote_command

        if command is None:
            self.push(self.new_state(host, user), "ssh")
            return 0
        executor = self._executor or Executor(self, self.limits)
        status = yield from remote_command(
            executor, self.new_state(host, user, pid=0), command, ByteInput.empty(), ByteSink()
        )
        return status


def _job_notices(jobs: list[Job]) -> list[str]:
    lines = []
    for i, job in enumerate(jobs):
        mark = "+" if i == len(jobs) - 1 else "-" if i == len(jobs) - 2 else " "
        state = "Done" if job.status == 0 else f"Exit {job.status}"
        lines.append(f"[{job.number}]{mark}  {state:<24}{job.text}\n")
    return lines
