"""Every error a client can read from the Redis model, worded as Redis 7.0 replies.

Named constants, so tests import them instead of retyping the text.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DB_RANGE",
    "INVALID_CURSOR",
    "NOT_FLOAT",
    "NOT_INTEGER",
    "OOM",
    "OVERFLOW",
    "SYNTAX",
    "WRONGTYPE",
    "CommandError",
    "ErrorReply",
    "invalid_expire",
    "unknown_command",
    "unknown_subcommand",
    "wrong_arity",
]

SYNTAX = "ERR syntax error"
WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
NOT_INTEGER = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"
OVERFLOW = "ERR increment or decrement would overflow"
INVALID_CURSOR = "ERR invalid cursor"
DB_RANGE = "ERR DB index is out of range"
OOM = "OOM command not allowed when used memory > 'maxmemory'."
ZADD_NX_XX = "ERR XX and NX options at the same time are not compatible"
ZADD_GT_LT = "ERR GT, LT, and/or NX options at the same time are not compatible"
ZADD_INCR = "ERR INCR option supports a single increment-element pair"
EXPIRE_FLAGS = "ERR NX and XX, GT or LT options at the same time are not compatible"
GT_LT = "ERR GT and LT options at the same time are not compatible"
CLIENT_NAME = "ERR Client names cannot contain spaces, newlines or special characters."
SLOWLOG_COUNT = "ERR count should be greater than or equal to -1"


def wrong_arity(name: str) -> str:
    return f"ERR wrong number of arguments for '{name}' command"


def invalid_expire(name: str) -> str:
    return f"ERR invalid expire time in '{name}' command"


def unknown_subcommand(sub: bytes, container: str) -> str:
    return f"ERR unknown subcommand '{_text(sub, 128)}'. Try {container.upper()} HELP."


def unknown_command(argv: list[bytes]) -> str:
    # server.c processCommand: the args list stops growing once it reaches 128 chars.
    args = ""
    for arg in argv[1:]:
        if len(args) >= 128:
            break
        args += f"'{_text(arg, 128 - len(args))}' "
    return f"ERR unknown command '{_text(argv[0], 128)}', with args beginning with: {args}"


def _text(raw: bytes, limit: int) -> str:
    # addReplyErrorFormat turns CR and LF into spaces so the reply stays one line.
    text = raw[:limit].decode("utf-8", "surrogateescape")
    return text.replace("\r", " ").replace("\n", " ")


class CommandError(Exception):
    """Raised inside a command; the server turns it into an error reply."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ErrorReply:
    """A RESP error (``-ERR ...``)."""

    message: str
