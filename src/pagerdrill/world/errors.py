"""Typed errors the world raises; tools turn them into the real tools' wording."""

from __future__ import annotations

import errno
import os

__all__ = ["FsError", "ProcessError", "errno"]


class FsError(Exception):
    """A failed filesystem operation, carrying the errno the kernel would give."""

    def __init__(self, code: int, path: str) -> None:
        super().__init__(f"{path}: {os.strerror(code)}")
        self.errno = code
        self.path = path

    @property
    def strerror(self) -> str:
        return os.strerror(self.errno)


class ProcessError(Exception):
    """A failed process operation (kill of a missing pid, EPERM...)."""

    def __init__(self, code: int, pid: int) -> None:
        super().__init__(f"({pid}) - {os.strerror(code)}")
        self.errno = code
        self.pid = pid

    @property
    def strerror(self) -> str:
        return os.strerror(self.errno)
