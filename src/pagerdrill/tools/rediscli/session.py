"""A connection the way redis-cli holds one: line splitting, SELECT, the interactive prompt.

:class:`RedisCliSession` is what an interactive ``127.0.0.1:6379>`` prompt needs: the
shell (once it can hand a sub-prompt to a tool) shows :attr:`prompt`, passes each line
the player types to :meth:`feed` and prints what comes back, until :attr:`closed`.
"""

from __future__ import annotations

from pagerdrill.tools.rediscli.render import format_reply
from pagerdrill.world.cache import Client, ErrorReply, RedisServer, Reply

__all__ = ["INVALID_ARGS", "RedisCliSession", "split_args"]

INVALID_ARGS = "Invalid argument(s)\n"
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "a": "\a"}
_HEX = "0123456789abcdefABCDEF"


def split_args(line: str) -> list[bytes] | None:
    """``sdssplitargs``: words, "double" (with escapes) and 'single' quotes; None if unbalanced."""
    words: list[bytes] = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in " \t\n\r\v\f":
            i += 1
        if i >= n:
            return words
        current = bytearray()
        in_double = in_single = False
        while True:
            if in_double:
                if i >= n:
                    return None
                char = line[i]
                if (char == "\\" and i + 3 < n and line[i + 1] == "x" and line[i + 2] in _HEX
                        and line[i + 3] in _HEX):
                    current.append(int(line[i + 2:i + 4], 16))
                    i += 3
                elif char == "\\" and i + 1 < n:
                    i += 1
                    current += _ESCAPES.get(line[i], line[i]).encode()
                elif char == '"':
                    if i + 1 < n and line[i + 1] not in " \t\n\r\v\f":
                        return None
                    in_double = False
                else:
                    current += char.encode("utf-8", "surrogateescape")
            elif in_single:
                if i >= n:
                    return None
                char = line[i]
                if char == "\\" and i + 1 < n and line[i + 1] == "'":
                    i += 1
                    current += b"'"
                elif char == "'":
                    if i + 1 < n and line[i + 1] not in " \t\n\r\v\f":
                        return None
                    in_single = False
                else:
                    current += char.encode("utf-8", "surrogateescape")
            else:
                if i >= n or line[i] in " \t\n\r\v\f":
                    break
                char = line[i]
                if char == '"':
                    in_double = True
                elif char == "'":
                    in_single = True
                else:
                    current += char.encode("utf-8", "surrogateescape")
            i += 1
        words.append(bytes(current))


class RedisCliSession:
    """One redis-cli connection to ``server``; replies rendered TTY-style unless ``raw``."""

    def __init__(self, server: RedisServer, host: str, port: int, *, db: int = 0,
                 raw: bool = False) -> None:
        self.server = server
        self.host = host
        self.port = port
        self.raw = raw
        self.client: Client = server.connect()
        self.closed = False
        self.select_error = ""
        if db:
            reply = server.execute(self.client, [b"SELECT", b"%d" % db])
            if isinstance(reply, ErrorReply):
                self.select_error = f"SELECT {db} failed: {reply.message}\n"

    @property
    def prompt(self) -> str:
        db = self.client.db
        return f"{self.host}:{self.port}{f'[{db}]' if db else ''}> "

    def call(self, argv: list[bytes]) -> Reply:
        return self.server.execute(self.client, argv)

    def render(self, argv: list[bytes], reply: Reply) -> bytes:
        return format_reply(reply, argv, self.raw)

    def feed(self, line: str) -> str:
        """One line typed at the prompt -> what redis-cli prints before the next prompt."""
        argv = split_args(line)
        if argv is None:
            return INVALID_ARGS
        if not argv:
            return ""
        if argv[0].lower() in (b"quit", b"exit"):
            self.close()
            return ""
        reply = self.call(argv)
        return self.render(argv, reply).decode("utf-8", "surrogateescape")

    def interrupt(self) -> str:
        """Ctrl-D at the prompt: redis-cli leaves without a word."""
        self.close()
        return ""

    def close(self) -> None:
        if not self.closed:
            self.server.disconnect(self.client)
            self.closed = True
