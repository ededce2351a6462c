"""Runs a syntax tree over the simulated tools.

Every node runs as a generator that yields standard-output bytes and returns an
exit status. A pipeline chains them: each stage's stdin wraps the previous
stage, so nothing runs until the last stage pulls, and closing an upstream
generator is SIGPIPE (status 141).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import TYPE_CHECKING

from pagerdrill.shell.ast import (
    AndOr,
    Background,
    For,
    FunctionDef,
    Group,
    If,
    Literal,
    Node,
    Pipeline,
    Redirect,
    Sequence,
    SimpleCommand,
    Subshell,
    While,
)
from pagerdrill.shell.context import ShellView
from pagerdrill.shell.errors import (
    AbortLine,
    ExitShell,
    LoopControl,
    ParseError,
    ReturnFromFunction,
    ShellError,
)
from pagerdrill.shell.expand import Expander
from pagerdrill.shell.limits import (
    ARG_MAX,
    ArgListTooLong,
    Budget,
    LimitExceeded,
    Limits,
    exec_size,
)
from pagerdrill.shell.redirect import open_redirects
from pagerdrill.shell.state import ShellState
from pagerdrill.tools import registry
from pagerdrill.tools.api import ByteInput, ByteSink, CommandOutput, Invocation, Tool
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import FileSystem

if TYPE_CHECKING:
    from pagerdrill.shell.session_shell import Shell

__all__ = ["E2BIG_FACT", "Executor", "Job", "encode"]

Runner = Callable[[ByteInput, ByteSink], CommandOutput]
E2BIG_FACT = "shell.e2big"  # world fact: how many commands failed with E2BIG


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


class Job:
    """A ``&`` job: run to completion at once (deterministic), reported like bash."""

    def __init__(self, number: int, pid: int, text: str) -> None:
        self.number = number
        self.pid = pid
        self.text = text
        self.status = 0


class _Stage:
    """One pipeline stage as an iterator of chunks that remembers its exit status."""

    def __init__(self, gen: CommandOutput, budget: Budget) -> None:
        self.gen = gen
        self.budget = budget
        self.status: int | None = None

    def __iter__(self) -> _Stage:
        return self

    def __next__(self) -> bytes:
        if self.status is not None:
            raise StopIteration
        try:
            chunk = next(self.gen)
        except StopIteration as stop:
            self.status = stop.value if isinstance(stop.value, int) else 0
            raise StopIteration from None
        self.budget.move(len(chunk))
        return chunk

    def close(self) -> None:
        """The reader went away: SIGPIPE."""
        if self.status is None:
            self.gen.close()
            self.status = 141

    def finish(self, allowance: int) -> int:
        """Let the writer fill the pipe buffer; if it still has more, it dies of SIGPIPE."""
        written = 0
        while self.status is None and written <= allowance:
            try:
                written += len(next(self))
            except StopIteration:
                break
            except LimitExceeded:
                self.status = 141  # it was about to die of SIGPIPE anyway
                break
        self.close()
        assert self.status is not None
        return self.status


class Executor:
    def __init__(self, shell: Shell, limits: Limits, source: str = "") -> None:
        self.shell = shell
        self.limits = limits
        self.budget = Budget(limits)
        self.source = source
        self.jobs: list[Job] = []
        self.substitutions = 0  # command substitutions run so far

    # -- dispatch -------------------------------------------------------------

    def execute(
        self, node: Node, state: ShellState, stdin: ByteInput, stderr: ByteSink
    ) -> CommandOutput:
        if isinstance(node, SimpleCommand):
            status = yield from self.simple(node, state, stdin, stderr)
        elif isinstance(node, Pipeline):
            status = yield from self.pipeline(node, state, stdin, stderr)
        elif isinstance(node, AndOr):
            status = yield from self.and_or(node, state, stdin, stderr)
        elif isinstance(node, Sequence):
            status = 0
            for item in node.items:
                status = yield from self.execute(item, state, stdin, stderr)
        elif isinstance(node, Background):
            status = yield from self.background(node, state, stdin, stderr)
        elif isinstance(node, FunctionDef):
            state.functions[node.name] = node
            status = 0
        else:
            status = yield from self.compound(node, state, stdin, stderr)
        state.last_status = status
        return status

    def and_or(
        self, node: AndOr, state: ShellState, stdin: ByteInput, stderr: ByteSink
    ) -> CommandOutput:
        status = yield from self.execute(node.parts[0], state, stdin, stderr)
        for op, part in zip(node.ops, node.parts[1:], strict=True):
            if (op == "&&") == (status == 0):
                status = yield from self.execute(part, state, stdin, stderr)
        return status

    def compound(
        self, node: Node, state: ShellState, stdin: ByteInput, stderr: ByteSink
    ) -> CommandOutput:
        assert isinstance(node, Subshell | Group | If | For | While)

        def run(inp: ByteInput, err: ByteSink) -> CommandOutput:
            if isinstance(node, Subshell):
                return self.subshell(node.body, state, inp, err)
            if isinstance(node, Group):
                return self.execute(node.body, state, inp, err)
            if isinstance(node, If):
                return self.if_(node, state, inp, err)
            if isinstance(node, For):
                return self.for_(node, state, inp, err)
            return self.while_(node, state, inp, err)

        return (yield from self.redirected(node.redirects, state, stdin, stderr, run, "bash"))

    # -- redirections -----------------------------------------------------------

    def redirected(
        self,
        redirects: tuple[Redirect, ...],
        state: ShellState,
        stdin: ByteInput,
        stderr: ByteSink,
        run: Runner,
        name: str,
    ) -> CommandOutput:
        if not redirects:
            return (yield from run(stdin, stderr))
        expander = self.expander(state, stderr)
        try:
            table = open_redirects(
                redirects,
                state,
                expander,
                stdin,
                stderr,
                self.budget,
            )
        except AbortLine:
            raise
        except ShellError as error:
            self.report(stderr, error)
            return error.status
        saved = state.tty, state.tty_in
        state.tty = saved[0] and not any(_writes_stdout(r) for r in redirects)
        state.tty_in = saved[1] and not any(_reads_stdin(r) for r in redirects)
        try:
            gen = run(table.stdin, table.stderr())
            return (yield from table.pump(gen, name, stderr))
        finally:
            state.tty, state.tty_in = saved

    # -- pipelines and jobs -------------------------------------------------

    def pipeline(
        self, node: Pipeline, state: ShellState, stdin: ByteInput, stderr: ByteSink
    ) -> CommandOutput:
        if len(node.commands) > self.limits.max_pipeline_stages:
            stderr.write(
                f"pagerdrill: pipeline longer than {self.limits.max_pipeline_stages} commands\n"
            )
            return 1
        if len(node.commands) == 1:
            status = yield from self.execute(node.commands[0], state, stdin, stderr)
        else:
            stages: list[_Stage] = []
            upstream = stdin
            piped = _off_terminal(state)
            fed = state.copy()
            fed.tty_in = False
            middle = _off_terminal(fed)
            first, last = node.commands[0], node.commands[-1]
            try:
                for command in node.commands:
                    if command is first:
                        stage_state = piped
                    elif command is last:
                        stage_state = fed
                    else:
                        stage_state = middle
                    stage = _Stage(self.subshell(command, stage_state, upstream, stderr),
                                   self.budget)
                    stages.append(stage)
                    upstream = ByteInput(stage)
                yield from stages[-1]
                statuses = [s.finish(self.limits.pipe_buffer) for s in reversed(stages)]
            finally:
                for stage in stages:
                    stage.close()
            statuses.reverse()
            state.vars["PIPESTATUS"] = " ".join(map(str, statuses))
            status = statuses[-1]
        return int(status == 0) if node.negated else status

    def subshell(
        self, body: Node, state: ShellState, stdin: ByteInput, stderr: ByteSink
    ) -> CommandOutput:
        """Run ``body`` in a copy of the state, as after fork()."""
        self.budget.fork()
        if state.depth >= self.limits.max_depth:
            # Nesting this deep is a runaway (a fork bomb): fork fails, as it would.
            raise LimitExceeded(
                "fork: retry: Resource temporarily unavailable",
                "fork: Resource temporarily unavailable",
                status=254,
            )
        child = state.copy()
        child.depth += 1
        try:
            return (yield from self.execute(body, child, stdin, stderr))
        except ExitShell as exit_:
            return exit_.status

    def background(
        self, node: Background, state: ShellState, stdin: ByteInput, stderr: ByteSink
    ) -> CommandOutput:
        self.budget.fork()
        text = self.source[node.command.span[0] : node.command.span[1]] or "job"
        proc = state.host.procs.spawn(text.split() or ["bash"], user=state.user, ppid=state.pid)
        job = Job(len(self.jobs) + 1, proc.pid, text)
        if state.depth == 0:
            self.jobs.append(job)
            stderr.write(f"[{job.number}] {job.pid}\n")
        state.last_bg_pid = proc.pid
        try:
            job.status = yield from self.subshell(node.command, state, ByteInput.empty(), stderr)
        finally:
            state.host.procs.exit(proc.pid, job.status)
        return 0

    # -- compound commands ----------------------------------------------------

    def if_(self, node: If, state: ShellState, stdin: ByteInput, stderr: ByteSink) -> CommandOutput:
        for condition, body in node.clauses:
            status = yield from self.execute(condition, state, stdin, stderr)
            if status == 0:
                return (yield from self.execute(body, state, stdin, stderr))
        if node.orelse is not None:
            return (yield from self.execute(node.orelse, state, stdin, stderr))
        return 0

    def loop_step(self, count: int) -> None:
        if count > self.limits.max_loop_iterations:
            raise LimitExceeded(
                f"pagerdrill: loop stopped after {self.limits.max_loop_iterations} iterations",
                status=130,
                prefixed=True,
            )

    def for_(
        self, node: For, state: ShellState, stdin: ByteInput, stderr: ByteSink
    ) -> CommandOutput:
        if node.words is None:
            items = list(state.positional)
        else:
            try:
                items = self.expander(state, stderr).words(node.words)
            except AbortLine:
                raise
            except ShellError as error:
                self.report(stderr, error)
                return error.status
        status = 0
        for count, item in enumerate(items, 1):
            self.loop_step(count)
            state.set_var(node.var, item)
            try:
                status = yield from self.execute(node.body, state, stdin, stderr)
            except LoopControl as control:
                if control.levels > 1:
                    raise LoopControl(control.kind, control.levels - 1) from None
                if control.kind == "break":
                    break
        return status

    def while_(
        self, node: While, state: ShellState, stdin: ByteInput, stderr: ByteSink
    ) -> CommandOutput:
        status = 0
        count = 0
        while True:
            count += 1
            self.loop_step(count)
            try:
                cond = yield from self.execute(node.condition, state, stdin, stderr)
                if (cond == 0) == node.until:
                    break
                status = yield from self.execute(node.body, state, stdin, stderr)
            except LoopControl as control:
                if control.levels > 1:
                    raise LoopControl(control.kind, control.levels - 1) from None
                if control.kind == "break":
                    break
        return status

    # -- simple commands --------------------------------------------------------

    def expander(self, state: ShellState, stderr: ByteSink) -> Expander:
        return Expander(state, lambda node: self.substitute(node, state, stderr))

    def substitute(self, node: Node | None, state: ShellState, stderr: ByteSink) -> str:
        """``$(...)``: run in a subshell, capture stdout, drop trailing newlines."""
        self.substitutions += 1
        if node is None:
            state.last_status = 0
            return ""
        parts: list[bytes] = []
        captured = _off_terminal(state)
        captured.tty_in = False
        gen = self.subshell(node, captured, ByteInput.empty(), stderr)
        while True:
            try:
                chunk = next(gen)
            except StopIteration as stop:
                state.last_status = stop.value if isinstance(stop.value, int) else 0
                break
            self.budget.move(len(chunk))
            parts.append(chunk)
        return decode(b"".join(parts).replace(b"\0", b"")).rstrip("\n")

    def report(self, stderr: ByteSink, error: ShellError) -> None:
        for line in error.lines:
            stderr.write(f"bash: {line}\n")

    def simple(
        self, node: SimpleCommand, state: ShellState, stdin: ByteInput, stderr: ByteSink
    ) -> CommandOutput:
        self.budget.command()
        expander = self.expander(state, stderr)
        substitutions = self.substitutions
        try:
            node = self.expand_alias(node, state)
            argv = expander.words(node.words)
            values = [(a.name, expander.single(a.value), a.append) for a in node.assignments]
        except AbortLine:
            raise
        except ArgListTooLong as error:
            return (yield from self.too_long(node, state, stderr, error))
        except ShellError as error:
            self.report(stderr, error)
            return error.status
        if not argv:
            for name, value, append in values:
                state.set_var(name, state.vars.get(name, "") + value if append else value)
            # A bare assignment's status is its last command substitution's, else 0.
            status = state.last_status if self.substitutions != substitutions else 0
            result = yield from self.redirected(
                node.redirects, state, stdin, stderr, lambda i, e: _just(status), "bash"
            )
            return result
        run = self.resolve(argv, state, values, stderr)
        return (
            yield from self.redirected(
                node.redirects, state, stdin, stderr, run, _error_name(argv[0], self)
            )
        )

    def expand_alias(self, node: SimpleCommand, state: ShellState) -> SimpleCommand:
        """Aliases apply to a plain first word (bash does this while parsing)."""
        seen: set[str] = set()
        while node.words:
            first = node.words[0]
            name = (
                first.parts[0].text
                if len(first.parts) == 1 and isinstance(first.parts[0], Literal)
                else None
            )
            if name is None or name in seen or name not in state.aliases:
                return node
            seen.add(name)
            from pagerdrill.shell.parser import parse

            try:
                alias = parse(state.aliases[name])
            except ParseError:
                return node
            if not isinstance(alias, SimpleCommand):
                return node
            node = SimpleCommand(
                alias.words + node.words[1:],
                node.assignments + alias.assignments,
                alias.redirects + node.redirects,
                node.span,
            )
        return node

    def resolve(
        self,
        argv: list[str],
        state: ShellState,
        assignments: list[tuple[str, str, bool]],
        stderr: ByteSink,
    ) -> Runner:
        """Find what runs ``argv[0]``: function, builtin, tool or a file."""
        from pagerdrill.shell.builtins import BUILTINS, BuiltinCall, command_path

        name = argv[0]
        if name in state.functions:
            fn = state.functions[name]
            return lambda i, e: self.call_function(fn, argv, state, assignments, i, e)
        builtin = BUILTINS.get(name)
        if builtin is not None:
            return lambda i, e: _with_temp_vars(
                state, assignments, lambda: builtin(BuiltinCall(argv, state, self, i, e))
            )
        env = state.env
        for var, value, append in assignments:
            env[var] = env.get(var, "") + value if append else value
        tool = self.find_tool(name, state)
        if isinstance(tool, str):
            message = tool
            status = 127 if message.endswith(("not found", "No such file or directory")) else 126
            return lambda i, e: _fail(e, message, status)
        path = command_path(name, state) or name
        size = exec_size([*argv, *(f"{k}={v}" for k, v in env.items())], path)
        if size is None or size > ARG_MAX:
            return lambda i, e: self.arg_list_too_long(e, path)
        return lambda i, e: self.run_tool(tool, argv, state, env, i, e)

    def too_long(self, node: SimpleCommand, state: ShellState, stderr: ByteSink,
                 error: ArgListTooLong) -> CommandOutput:
        """A glob too big for execve: bash's E2BIG for a program, our limit otherwise."""
        from pagerdrill.shell.builtins import BUILTINS, command_path

        name = "".join(self.expander(state, stderr).single(node.words[0])) if node.words else ""
        if name in BUILTINS or name in state.functions or not name:
            stderr.write(f"{error.lines[0]}\n")
            return error.status
        return (yield from self.arg_list_too_long(stderr, command_path(name, state) or name))

    def arg_list_too_long(self, stderr: ByteSink, path: str) -> CommandOutput:
        """execve's E2BIG; counted in the world (fact ``shell.e2big``) for scenarios."""
        facts = self.shell.world.facts
        count = facts.get(E2BIG_FACT, 0)
        facts[E2BIG_FACT] = (count if isinstance(count, int) else 0) + 1
        return (yield from _fail(stderr, f"{path}: Argument list too long", 126))

    def find_tool(self, name: str, state: ShellState) -> Tool | str:
        """The tool for a command name or path, or bash's complaint about it."""
        if "/" not in name:
            tool = registry.lookup(name)
            return tool if tool is not None else f"{name}: command not found"
        host = state.host
        cred = host.cred_for(state.user)
        try:
            inode = host.fs.lookup(name, state.cwd, cred=cred)
        except FsError as error:
            return f"{name}: {error.strerror}"
        if inode.is_dir:
            return f"{name}: Is a directory"
        if not FileSystem.access(inode, 1, cred):
            return f"{name}: Permission denied"
        tool = registry.lookup(posixpath.basename(name))
        if tool is not None:
            return tool
        return self.script_tool(name)

    def script_tool(self, path: str) -> Tool:
        """An executable text file runs as a bash script in a subshell."""

        def script(inv: Invocation) -> CommandOutput:
            view = inv.shell
            assert isinstance(view, ShellView)
            state = view.state
            try:
                data = state.host.fs.lookup(path, state.cwd).content
                text = decode(data.read()) if data is not None else ""
            except FsError as error:
                inv.stderr.write(f"bash: {path}: {error.strerror}\n")
                return 126
            return (yield from self.run_script(text, inv.argv, state, inv.stdin, inv.stderr))

        return script

    def run_script(
        self, text: str, argv: list[str], state: ShellState, stdin: ByteInput, stderr: ByteSink
    ) -> CommandOutput:
        from pagerdrill.shell.parser import parse

        try:
            tree = parse(text)
        except ParseError as error:
            for line in error.lines:
                stderr.write(f"{argv[0]}: line 1: {line}\n")
            return 2
        if tree is None:
            return 0
        child = state.copy()
        child.positional = argv[1:]
        try:
            return (yield from self.subshell(tree, child, stdin, stderr))
        except ExitShell as exit_:
            return exit_.status

    def run_tool(
        self,
        tool: Tool,
        argv: list[str],
        state: ShellState,
        env: dict[str, str],
        stdin: ByteInput,
        stderr: ByteSink,
    ) -> CommandOutput:
        view = ShellView(self.shell, state, env)
        inv = Invocation(argv, self.shell.world, state.host, view, stdin, stderr)
        gen = tool(inv)
        if self.shell.strict:
            return (yield from gen)
        try:
            return (yield from gen)
        except (ShellError, GeneratorExit, LoopControl, ExitShell, ReturnFromFunction):
            raise
        except Exception as error:  # a tool bug must not end the player's session
            stderr.write(f"{argv[0]}: internal error: {type(error).__name__}\n")
            return 1

    def call_function(
        self,
        fn: FunctionDef,
        argv: list[str],
        state: ShellState,
        assignments: list[tuple[str, str, bool]],
        stdin: ByteInput,
        stderr: ByteSink,
    ) -> CommandOutput:
        if state.depth >= self.limits.max_depth:
            stderr.write(
                f"bash: {fn.name}: maximum function nesting level exceeded "
                f"({self.limits.max_depth})\n"
            )
            return 1
        saved = state.positional
        state.positional = argv[1:]
        state.depth += 1
        try:
            gen = _with_temp_vars(
                state, assignments, lambda: self.execute(fn.body, state, stdin, stderr)
            )
            return (yield from gen)
        except ReturnFromFunction as ret:
            return ret.status
        finally:
            state.depth -= 1
            state.positional = saved


def _with_temp_vars(
    state: ShellState, assignments: list[tuple[str, str, bool]], run: Callable[[], CommandOutput]
) -> CommandOutput:
    if not assignments:
        return (yield from run())
    saved = {name: state.vars.get(name) for name, _, _ in assignments}
    was_exported = {name for name, _, _ in assignments if name in state.exported}
    for name, value, append in assignments:
        state.set_var(name, state.vars.get(name, "") + value if append else value, export=True)
    try:
        return (yield from run())
    finally:
        for name, old in saved.items():
            if old is None:
                state.unset_var(name)
            else:
                state.vars[name] = old
                if name not in was_exported:
                    state.exported.discard(name)


def _off_terminal(state: ShellState) -> ShellState:
    """A forked state whose standard output is a pipe, not the terminal."""
    child = state.copy()
    child.tty = False
    return child


def _reads_stdin(redirect: Redirect) -> bool:
    """Whether a redirect feeds standard input from a file or a here-document."""
    return redirect.op in ("<", "<<", "<<-", "<<<", "<>") and redirect.fd in (None, 0)


def _writes_stdout(redirect: Redirect) -> bool:
    """Whether a redirect points standard output at a file (``>``, ``>>``, ``&>``...)."""
    if redirect.op in ("&>", "&>>"):
        return True
    return redirect.op in (">", ">>", ">|", "<>") and redirect.fd in (None, 1)


def _just(status: int) -> CommandOutput:
    return status
    yield b""  # makes this a generator


def _fail(stderr: ByteSink, message: str, status: int) -> CommandOutput:
    stderr.write(f"bash: {message}\n")
    return status
    yield b""


def _error_name(name: str, executor: Executor) -> str:
    from pagerdrill.shell.builtins import BUILTINS

    return f"bash: {name}" if name in BUILTINS else name
