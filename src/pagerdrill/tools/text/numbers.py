"""GNU ``xstrtoumax``-style counts with multiplier suffixes (``-n 5k``, ``-c 1M``)."""

from __future__ import annotations

import re

__all__ = ["BadCount", "parse_count"]

_UNITS = "KMGTPEZYRQ"
_SUFFIX = re.compile(r"^(\d+)(b|[kKMGTPEZYRQ](?:iB|B)?)?$")
_MAX = (1 << 64) - 1


class BadCount(ValueError):
    """Not a valid count; ``overflow`` when it is a number too large to hold."""

    def __init__(self, text: str, overflow: bool = False) -> None:
        super().__init__(text)
        self.overflow = overflow


def parse_count(text: str) -> int:
    """Parse ``123``, ``4k``, ``2MiB``, ``1b`` (512-byte blocks) as GNU head/tail do."""
    match = _SUFFIX.match(text)
    if not match:
        raise BadCount(text)
    value = int(match.group(1))
    suffix = match.group(2) or ""
    if suffix == "b":
        value *= 512
    elif suffix:
        base = 1000 if suffix.endswith("B") and not suffix.endswith("iB") else 1024
        value *= base ** (_UNITS.index(suffix[0].upper()) + 1)
    if value > _MAX:
        raise BadCount(text, overflow=True)
    return value
