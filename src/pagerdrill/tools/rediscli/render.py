"""Replies as redis-cli 7.0 prints them: the TTY form, the raw form, and verbatim INFO.

``cliFormatReplyTTY`` / ``cliFormatReplyRaw`` in redis-cli.c, reimplemented.
"""

from __future__ import annotations

from pagerdrill.world.cache import ErrorReply, Reply, Status, quote_arg

__all__ = ["format_raw", "format_reply", "format_tty", "is_verbatim"]


def format_tty(reply: Reply, prefix: str = "") -> str:
    if isinstance(reply, ErrorReply):
        return f"(error) {reply.message}\n"
    if isinstance(reply, Status):
        return f"{reply}\n"
    if isinstance(reply, bool | int):
        return f"(integer) {int(reply)}\n"
    if isinstance(reply, bytes):
        return quote_arg(reply) + "\n"
    if reply is None:
        return "(nil)\n"
    if not reply:
        return "(empty array)\n"
    width = len(str(len(reply)))
    child_prefix = prefix + " " * (width + 2)
    out = []
    for index, item in enumerate(reply, 1):
        out.append(f"{'' if index == 1 else prefix}{index:>{width}}) ")
        out.append(format_tty(item, child_prefix))
    return "".join(out)


def format_raw(reply: Reply) -> bytes:
    if isinstance(reply, ErrorReply):
        return reply.message.encode() + b"\n"
    if isinstance(reply, Status):
        return reply.encode()
    if isinstance(reply, bool | int):
        return b"%d" % reply
    if isinstance(reply, bytes):
        return reply
    if reply is None:
        return b""
    return b"\n".join(format_raw(item) for item in reply)


def is_verbatim(argv: list[bytes]) -> bool:
    """Commands redis-cli always prints as they come (cliSendCommand's output_raw)."""
    words = [a.lower() for a in argv[:2]]
    if words[0] in (b"info", b"lolwut"):
        return True
    return len(words) == 2 and words[0] == b"client" and words[1] in (b"list", b"info")


def format_reply(reply: Reply, argv: list[bytes], raw: bool) -> bytes:
    """What redis-cli writes to stdout for one reply to ``argv``."""
    if is_verbatim(argv) and not isinstance(reply, ErrorReply | list):
        return format_raw(reply)
    if raw:
        return format_raw(reply) + b"\n"
    return format_tty(reply).encode("utf-8", "surrogateescape")
