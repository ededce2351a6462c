"""The one signature every simulated command shares.

A command is a generator: it pulls bytes from ``inv.stdin``, *yields* the bytes
it writes to standard output, writes diagnostics to ``inv.stderr`` and returns
its exit status. Generators make pipelines lazy and deterministic: ``yes | head``
stops when ``head`` stops pulling, exactly as SIGPIPE ends ``yes`` in bash, and
no thread or wall clock is involved.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pagerdrill.world.host import Host
    from pagerdrill.world.world import World

__all__ = [
    "ByteInput",
    "ByteSink",
    "CommandOutput",
    "Editor",
    "Invocation",
    "Repl",
    "ShellContext",
    "Tool",
]

CommandOutput = Generator[bytes, None, int]

# The front end's editor: (path, current bytes) -> the saved bytes, or None when
# the player quits without saving.
Editor = Callable[[str, bytes], bytes | None]

_READ_SIZE = 65536


class ByteInput:
    """A pull-based byte stream (a pipe's read end, a file, or nothing at all)."""

    def __init__(self, chunks: Iterable[bytes] = ()) -> None:
        self._chunks: Iterator[bytes] = iter(chunks)
        self._buffer = b""
        self._eof = False

    @classmethod
    def empty(cls) -> ByteInput:
        return cls(())

    def _fill(self) -> bool:
        """Pull one more chunk into the buffer; False at end of stream."""
        if self._eof:
            return False
        for chunk in self._chunks:
            if chunk:
                self._buffer += chunk
                return True
        self._eof = True
        return False

    def read(self, size: int = -1) -> bytes:
        """Read up to ``size`` bytes (everything when negative)."""
        if size < 0:
            parts = [self._buffer]
            self._buffer = b""
            parts.extend(self._chunks)
            self._eof = True
            return b"".join(parts)
        while len(self._buffer) < size and self._fill():
            pass
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def read_chunk(self) -> bytes:
        """The next available bytes (b'' only at end of stream)."""
        if not self._buffer:
            self._fill()
        data, self._buffer = self._buffer, b""
        return data

    def readline(self) -> bytes:
        """One line including its newline (the last line may lack one)."""
        while b"\n" not in self._buffer and self._fill():
            pass
        cut = self._buffer.find(b"\n")
        if cut < 0:
            data, self._buffer = self._buffer, b""
            return data
        data, self._buffer = self._buffer[: cut + 1], self._buffer[cut + 1 :]
        return data

    def lines(self) -> Iterator[bytes]:
        """Iterate lines lazily, newline included."""
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def chunks(self) -> Iterator[bytes]:
        while True:
            data = self.read_chunk()
            if not data:
                return
            yield data

    def close(self) -> None:
        """Stop reading: the writer upstream gets the equivalent of SIGPIPE."""
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        self._eof = True
        self._buffer = b""


class ByteSink:
    """A write-only stream (standard error, or a file being redirected into)."""

    def __init__(self, write: Callable[[bytes], None] | None = None) -> None:
        self._parts: list[bytes] = []
        self._write = write

    def write(self, data: bytes | str) -> None:
        if isinstance(data, str):
            data = data.encode()
        if not data:
            return
        if self._write is not None:
            self._write(data)
        else:
            self._parts.append(data)

    def getvalue(self) -> bytes:
        return b"".join(self._parts)


class Repl(Protocol):
    """An interactive program holding the terminal (``psql``'s ``appdb=#``,
    ``redis-cli``'s ``127.0.0.1:6379>``): the shell hands it each line the player
    types until it closes."""

    @property
    def prompt(self) -> str: ...

    @property
    def closed(self) -> bool: ...

    def feed(self, line: str) -> str:
        """Run one line and return what the terminal shows."""
        ...

    def interrupt(self) -> str:
        """Ctrl-D at the sub-prompt: what the program prints as it exits."""
        ...


class ShellContext(Protocol):
    """What a command may ask of the shell that runs it (ssh, editors, history)."""

    @property
    def user(self) -> str: ...

    @property
    def cwd(self) -> str: ...

    @property
    def env(self) -> dict[str, str]: ...

    @property
    def host(self) -> Host: ...

    @property
    def pid(self) -> int:
        """The shell's own pid (the parent of the commands it runs)."""
        ...

    @property
    def editor(self) -> Editor | None:
        """The front end's interactive editor, or None (scripted runs)."""
        ...

    @property
    def history(self) -> list[str]: ...

    @property
    def stdout_is_terminal(self) -> bool:
        """isatty(1): ls lays out columns only for a terminal, never into a pipe."""
        ...

    @property
    def stdin_is_terminal(self) -> bool:
        """isatty(0): psql and redis-cli go interactive only when typed at."""
        ...

    def take_terminal(self, repl: Repl) -> None:
        """Give the terminal to an interactive program once this command returns."""
        ...

    def run_nested(self, host: Host, user: str, command: str | None) -> CommandOutput:
        """Run a command line (or an interactive login when None) on another host."""
        ...


@dataclass
class Invocation:
    """One command's view of the world for the duration of a single run."""

    argv: list[str]
    world: World
    host: Host
    shell: ShellContext
    stdin: ByteInput = field(default_factory=ByteInput.empty)
    stderr: ByteSink = field(default_factory=ByteSink)

    @property
    def name(self) -> str:
        return self.argv[0]

    @property
    def args(self) -> list[str]:
        return self.argv[1:]

    @property
    def cwd(self) -> str:
        return self.shell.cwd

    @property
    def user(self) -> str:
        return self.shell.user

    @property
    def env(self) -> dict[str, str]:
        return self.shell.env

    def error(self, message: str) -> None:
        """Write ``name: message`` and a newline to standard error."""
        self.stderr.write(f"{self.name}: {message}\n")


class Tool(Protocol):
    """A simulated command: ``name`` plus the generator that runs it."""

    def __call__(self, inv: Invocation) -> CommandOutput: ...
