"""What the text tools share: opening operands, the scan limit, lines, numbers.

Files are read through the simulated filesystem in chunks. A command may read at
most :data:`SCAN_LIMIT` bytes from files in one run (stdin is not counted: the
command upstream already paid for it); past that it stops with
``<prog>: <file>: stopped after reading 64 MiB (pagerdrill scan limit)`` so that
``grep -c x 64G.log`` ends instead of generating 64G of text. Generated log text
costs about 45 ms per MiB to produce, so the limit is also the worst-case wait.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pagerdrill.tools.api import Invocation
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.fs import FileSystem, Inode, Kind

__all__ = [
    "OUT_CHUNK",
    "SCAN_LIMIT",
    "STDIN_NAME",
    "Reader",
    "ScanLimitExceeded",
    "line_batches",
    "open_for_write",
    "quote",
]

SCAN_LIMIT = 64 * 1024 * 1024
OUT_CHUNK = 65536
STDIN_NAME = "standard input"


class ScanLimitExceeded(Exception):
    """A command read more than :data:`SCAN_LIMIT` bytes from files."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path

    def message(self, prog: str) -> str:
        mib = SCAN_LIMIT // (1024 * 1024)
        return f"{prog}: {self.path}: stopped after reading {mib} MiB (pagerdrill scan limit)\n"


def quote(name: str) -> str:
    """GNU's ``quote()`` for simple names: single quotes (shell-escaped if needed)."""
    if "'" in name:
        return '"' + name + '"'
    return f"'{name}'"


class Reader:
    """Opens a command's operands and counts what it reads from files."""

    def __init__(self, inv: Invocation) -> None:
        self.inv = inv
        self.scanned = 0
        self.cred = inv.host.cred_for(inv.user)

    def open(self, path: str) -> Inode:
        """Resolve a file operand for reading; raises FsError (ENOENT, EACCES...)."""
        fs = self.inv.host.fs
        inode = fs.lookup(path, self.inv.cwd, cred=self.cred)
        if not FileSystem.access(inode, 4, self.cred):
            raise FsError(errno.EACCES, path)
        return inode

    def chunks(self, inode: Inode, path: str, offset: int = 0) -> Iterator[bytes]:
        """Stream a file lazily; EISDIR on the first read of a directory."""
        if inode.kind is Kind.DIR:
            raise FsError(errno.EISDIR, path)
        for chunk in self.inv.host.fs.read_stream(inode, offset, path=path):
            self.count(len(chunk), path)
            yield chunk

    def read(self, inode: Inode, path: str, offset: int, length: int) -> bytes:
        """Random access (head/tail on huge files): only the bytes asked for."""
        if inode.kind is Kind.DIR:
            raise FsError(errno.EISDIR, path)
        if inode.content is None:
            return b""
        self.count(length, path)
        return inode.content.read(offset, length)

    def count(self, nbytes: int, path: str) -> None:
        self.scanned += nbytes
        if self.scanned > SCAN_LIMIT:
            raise ScanLimitExceeded(path)

    def stream(self, operand: str) -> Iterator[bytes]:
        """Chunks of an operand (``-`` is stdin); open errors surface on first pull."""
        if operand == "-":
            return self.inv.stdin.chunks()
        return self.chunks(self.open(operand), operand)


def line_batches(chunks: Iterable[bytes]) -> Iterator[list[bytes]]:
    """Group a byte stream into lists of lines, each with its ``\\n``.

    The final line may lack its newline, exactly as the input had it.
    """
    rest = b""
    for chunk in chunks:
        data = rest + chunk if rest else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            rest = data
            continue
        rest = data[cut + 1 :]
        yield [line + b"\n" for line in data[:cut].split(b"\n")]
    if rest:
        yield [rest]


def open_for_write(inv: Invocation, path: str, *, append: bool = False) -> Inode:
    """Open (creating) a file for writing as the invoking user; see FileSystem.open_for_write."""
    return inv.host.fs.open_for_write(path, inv.cwd, append=append,
                                      cred=inv.host.cred_for(inv.user))
