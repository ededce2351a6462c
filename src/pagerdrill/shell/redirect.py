"""File descriptors for one command: where 0, 1 and 2 point after its redirections.

Standard output is a stream the command *yields*; when ``2>&1`` sends standard
error into that stream, the bytes wait in a queue and are yielded in order
before the next chunk of standard output.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pagerdrill.shell.ast import Redirect
from pagerdrill.shell.errors import ShellError
from pagerdrill.shell.expand import Expander
from pagerdrill.shell.limits import Budget
from pagerdrill.shell.state import ShellState
from pagerdrill.tools.api import ByteInput, ByteSink
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import FileSystem

if TYPE_CHECKING:
    from pagerdrill.world.fs import Inode

__all__ = ["STREAM", "FdTable", "FileSink", "open_redirects"]


class _Stream:
    """The enclosing standard output (what this command yields)."""


STREAM = _Stream()
Target = _Stream | ByteSink | ByteInput | None


class FileSink(ByteSink):
    """Writes into a simulated file; the first failure is kept for the writer to report."""

    def __init__(self, state: ShellState, inode: Inode, path: str, budget: Budget) -> None:
        super().__init__(self._write_file)
        self.fs = state.host.fs
        self.inode = inode
        self.path = path
        self.budget = budget
        self.failure: FsError | None = None
        self.fs.hold(inode)

    def _write_file(self, data: bytes) -> None:
        self.budget.move(len(data))
        if self.failure is not None:
            raise self.failure
        try:
            self.fs.write(self.inode, data, append=True, path=self.path)
        except FsError as error:
            self.failure = error
            raise

    def close(self) -> None:
        self.fs.release(self.inode)


@dataclass
class FdTable:
    fds: dict[int, Target]
    files: list[FileSink] = field(default_factory=list)
    queue: list[bytes] = field(default_factory=list)

    @property
    def stdin(self) -> ByteInput:
        source = self.fds.get(0)
        return source if isinstance(source, ByteInput) else ByteInput.empty()

    def stderr(self) -> ByteSink:
        target = self.fds.get(2)
        if target is STREAM:
            return ByteSink(self.queue.append)
        if isinstance(target, FileSink):
            return ByteSink(_quiet(target))
        if isinstance(target, ByteSink):
            return target
        return ByteSink(lambda data: None)

    def close(self) -> None:
        for sink in self.files:
            sink.close()
        self.files.clear()

    def pump(
        self, gen: Generator[bytes, None, int], name: str, report: ByteSink
    ) -> Generator[bytes, None, int]:
        """Run ``gen`` with standard output sent wherever fd 1 points."""
        out = self.fds.get(1)
        try:
            while True:
                try:
                    chunk = next(gen)
                except StopIteration as stop:
                    status = stop.value if isinstance(stop.value, int) else 0
                    break
                yield from self._drain()
                if out is STREAM:
                    yield chunk
                elif isinstance(out, ByteSink):
                    try:
                        out.write(chunk)
                    except FsError as error:
                        gen.close()
                        yield from self._drain()
                        report.write(f"{name}: write error: {error.strerror}\n")
                        return 1
            yield from self._drain()
            return status
        finally:
            gen.close()
            self.close()

    def _drain(self) -> Generator[bytes, None, None]:
        while self.queue:
            yield self.queue.pop(0)


def _quiet(sink: ByteSink) -> Callable[[bytes], None]:
    def write(data: bytes) -> None:
        # A failed write to a redirected stderr is silent, as in bash.
        with contextlib.suppress(FsError):
            sink.write(data)

    return write


def _open_write(state: ShellState, path: str, append: bool, budget: Budget) -> FileSink:
    host = state.host
    inode = host.fs.open_for_write(path, state.cwd, append=append,
                                   cred=host.cred_for(state.user))
    return FileSink(state, inode, path, budget)


def _open_read(state: ShellState, path: str, budget: Budget) -> ByteInput:
    host = state.host
    cred = host.cred_for(state.user)
    inode = host.fs.lookup(path, state.cwd, cred=cred)
    if not FileSystem.access(inode, 4, cred):
        raise FsError(errno.EACCES, path)
    if inode.is_dir:
        raise FsError(errno.EISDIR, path)
    stream = host.fs.read_stream(inode, path=path)

    def counted() -> Generator[bytes, None, None]:
        for chunk in stream:
            budget.move(len(chunk))
            yield chunk

    return ByteInput(counted())


def open_redirects(
    redirects: tuple[Redirect, ...],
    state: ShellState,
    expander: Expander,
    stdin: ByteInput,
    stderr: ByteSink,
    budget: Budget,
) -> FdTable:
    """Apply redirections left to right; raises ShellError (``bash: x: ...``)."""
    table = FdTable({0: stdin, 1: STREAM, 2: stderr})
    try:
        for redirect in redirects:
            _apply(table, redirect, state, expander, budget)
    except FsError as error:
        table.close()
        raise ShellError(f"{error.path}: {error.strerror}") from None
    except ShellError:
        table.close()
        raise
    return table


def _apply(
    table: FdTable, r: Redirect, state: ShellState, expander: Expander, budget: Budget
) -> None:
    op = r.op
    if op in ("<<", "<<-"):
        assert r.heredoc is not None
        body = expander.single(r.heredoc.body)
        table.fds[0 if r.fd is None else r.fd] = ByteInput([_encode(body)])
        return
    if op == "<<<":
        text = expander.single(r.target) + "\n"
        table.fds[0 if r.fd is None else r.fd] = ByteInput([_encode(text)])
        return
    if op in (">&", "<&"):
        target = expander.single(r.target)
        fd = r.fd if r.fd is not None else (1 if op == ">&" else 0)
        if target == "-":
            table.fds[fd] = None
            return
        if target.isdigit():
            source = int(target)
            if source not in table.fds or table.fds[source] is None:
                raise ShellError(f"{source}: Bad file descriptor")
            table.fds[fd] = table.fds[source]
            return
        if op == "<&" or r.fd is not None:
            raise ShellError(f"{r.target.text}: ambiguous redirect")
        op = "&>"
    path = expander.redirect_target(r.target)
    try:
        _open(table, r, op, path, state, budget)
    except FsError as error:
        raise ShellError(f"{path}: {error.strerror}") from None


def _open(
    table: FdTable, r: Redirect, op: str, path: str, state: ShellState, budget: Budget
) -> None:
    if op in ("&>", "&>>"):
        sink = _open_write(state, path, op == "&>>", budget)
        table.files.append(sink)
        table.fds[1] = table.fds[2] = sink
    elif op in (">", ">|", ">>"):
        sink = _open_write(state, path, op == ">>", budget)
        table.files.append(sink)
        table.fds[1 if r.fd is None else r.fd] = sink
    else:  # "<" and "<>"
        table.fds[0 if r.fd is None else r.fd] = _open_read(state, path, budget)


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")
