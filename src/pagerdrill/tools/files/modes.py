"""Mode strings as chmod, mkdir -m and find -perm read them (octal or symbolic)."""

from __future__ import annotations

import re

__all__ = ["ModeError", "parse_mode"]

_CLAUSE = re.compile(r"([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$")
_WHO = {"u": 0o4700, "g": 0o2070, "o": 0o1007, "a": 0o7777}


class ModeError(ValueError):
    """Not a mode chmod would accept."""


def parse_mode(text: str, current: int, *, is_dir: bool, umask: int = 0o022) -> int:
    """The mode ``text`` gives a file whose mode is ``current``."""
    if text and all(c in "01234567" for c in text):
        value = int(text, 8)
        if value > 0o7777:
            raise ModeError(text)
        # Like GNU chmod, a short octal mode keeps a directory's set-id bits.
        if is_dir and len(text) < 5:
            value |= current & 0o6000 if len(text) <= 3 else 0
        return value
    if not text:
        raise ModeError(text)
    mode = current & 0o7777
    for clause in text.split(","):
        match = _CLAUSE.match(clause)
        if match is None:
            raise ModeError(text)
        who_text, ops = match.groups()
        who = 0
        for letter in who_text:
            who |= _WHO[letter]
        mask = who if who else 0o7777 & ~umask
        for op, perms in re.findall(r"([-+=])([rwxXst]*|[ugo])", ops):
            bits = _bits(perms, mode, is_dir, who or 0o7777)
            if op == "+":
                mode |= bits & (mask | (0 if who else 0o6000 & bits))
            elif op == "-":
                mode &= ~(bits & (mask | (0 if who else 0o6000 & bits)))
            else:
                keep = ~(who if who else 0o7777) & 0o7777
                mode = (mode & keep) | (bits & mask)
    return mode


def _bits(perms: str, mode: int, is_dir: bool, who: int) -> int:
    if perms in ("u", "g", "o"):
        shift = {"u": 6, "g": 3, "o": 0}[perms]
        rwx = (mode >> shift) & 7
        return (rwx << 6 | rwx << 3 | rwx) & who
    bits = 0
    for letter in perms:
        if letter == "r":
            bits |= 0o444
        elif letter == "w":
            bits |= 0o222
        elif letter == "x" or (letter == "X" and (is_dir or mode & 0o111)):
            bits |= 0o111
        elif letter == "s":
            bits |= 0o6000
        elif letter == "t":
            bits |= 0o1000
    return bits & who
