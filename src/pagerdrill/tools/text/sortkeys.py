"""sort's key machinery: ``-k`` field positions and the orderings GNU sort knows.

Comparisons follow coreutils' ``keycompare`` in the C locale (LC_ALL=C is how
the simulation runs): byte order for text, ``numcompare`` for -n, unit-suffix
order then value for -h, ``strtod`` for -g, Debian ``verrevcmp`` for -V.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

__all__ = ["Key", "KeySpecError", "apply_flags", "compare_lines", "parse_key"]

_BLANKS = b" \t"
_MONTHS = [b"JAN", b"FEB", b"MAR", b"APR", b"MAY", b"JUN", b"JUL", b"AUG", b"SEP", b"OCT",
           b"NOV", b"DEC"]
_NUM = re.compile(rb"[ \t]*(-?)(\d*)(?:\.(\d*))?")
_HUMAN = re.compile(rb"[ \t]*(-?)(\d*)(?:\.(\d*))?([KMGTPEZYRQk]?)")
_FLOAT = re.compile(rb"[ \t\n\v\f\r]*[-+]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)"
                    rb"(?:[eE][-+]?\d+)?)", re.IGNORECASE)
_UNITS = b"KMGTPEZYRQ"
_ORDERING = "bdfghiMnrV"


class KeySpecError(ValueError):
    """``sort: <why>: invalid field specification '<spec>'``."""


@dataclass(frozen=True)
class Key:
    sword: int = 0  # fields to skip before the key starts
    schar: int = 0  # characters to skip within that field
    eword: int | None = None  # None: the key runs to the end of the line
    echar: int = 0
    skip_start_blanks: bool = False
    skip_end_blanks: bool = False
    numeric: bool = False
    human: bool = False
    general: bool = False
    month: bool = False
    version: bool = False
    fold: bool = False
    dictionary: bool = False
    ignore_nonprinting: bool = False
    reverse: bool = False

    @property
    def has_ordering(self) -> bool:
        return any((self.skip_start_blanks, self.skip_end_blanks, self.numeric, self.human,
                    self.general, self.month, self.version, self.fold, self.dictionary,
                    self.ignore_nonprinting, self.reverse))


def apply_flags(key: Key, flags: str, end: bool = False) -> Key:
    changes: dict[str, bool] = {}
    for flag in flags:
        if flag == "b":
            changes["skip_end_blanks" if end else "skip_start_blanks"] = True
        else:
            name = {"d": "dictionary", "f": "fold", "g": "general", "h": "human",
                    "i": "ignore_nonprinting", "M": "month", "n": "numeric", "r": "reverse",
                    "V": "version"}[flag]
            changes[name] = True
    return replace(key, **changes)


_POS = re.compile(r"(\d+)(?:\.(\d+))?([" + _ORDERING + r"]*)")


def parse_key(spec: str) -> Key:
    """Parse ``POS1[,POS2]`` as ``-k`` takes it."""
    start, comma, end = spec.partition(",")
    match = _POS.match(start)
    if not match:
        raise KeySpecError(f"invalid number at field start: invalid count at start of '{spec}'")
    if match.end() != len(start):
        raise KeySpecError(f"stray character in field spec: invalid field specification '{spec}'")
    field, char, flags = int(match.group(1)), match.group(2), match.group(3)
    if field == 0:
        raise KeySpecError(f"field number is zero: invalid field specification '{spec}'")
    if char is not None and int(char) == 0:
        raise KeySpecError(f"character offset is zero: invalid field specification '{spec}'")
    key = apply_flags(Key(sword=field - 1, schar=int(char) - 1 if char else 0), flags)
    if comma:
        match = _POS.match(end)
        if not match:
            raise KeySpecError(f"invalid number after ',': invalid count at start of '{end}'")
        if match.end() != len(end):
            raise KeySpecError(
                f"stray character in field spec: invalid field specification '{spec}'")
        efield = int(match.group(1))
        if efield == 0:
            raise KeySpecError(f"field number is zero: invalid field specification '{spec}'")
        key = apply_flags(replace(key, eword=efield - 1, echar=int(match.group(2) or 0)),
                          match.group(3), end=True)
    return key


def _begin(line: bytes, key: Key, tab: bytes | None) -> int:
    pos, lim = 0, len(line)
    for _ in range(key.sword):
        if pos >= lim:
            break
        if tab is not None:
            found = line.find(tab, pos)
            pos = lim if found < 0 else found + 1
        else:
            while pos < lim and line[pos] in _BLANKS:
                pos += 1
            while pos < lim and line[pos] not in _BLANKS:
                pos += 1
    if key.skip_start_blanks:
        while pos < lim and line[pos] in _BLANKS:
            pos += 1
    return min(lim, pos + key.schar)


def _limit(line: bytes, key: Key, tab: bytes | None) -> int:
    lim = len(line)
    if key.eword is None:
        return lim
    pos = 0
    eword = key.eword + (1 if key.echar == 0 else 0)
    while pos < lim and eword:
        eword -= 1
        if tab is not None:
            found = line.find(tab, pos)
            pos = lim if found < 0 else found
            if pos < lim and (eword or key.echar):
                pos += 1
        else:
            while pos < lim and line[pos] in _BLANKS:
                pos += 1
            while pos < lim and line[pos] not in _BLANKS:
                pos += 1
    if key.echar:
        if key.skip_end_blanks:
            while pos < lim and line[pos] in _BLANKS:
                pos += 1
        pos = min(lim, pos + key.echar)
    return pos


def _number(text: bytes) -> Decimal:
    match = _NUM.match(text)
    assert match is not None
    sign, whole, frac = match.groups()
    if not whole and not frac:
        return Decimal(0)
    return Decimal((sign or b"").decode() + (whole or b"0").decode() + "."
                   + (frac or b"0").decode())


def _human(text: bytes) -> tuple[int, Decimal]:
    match = _HUMAN.match(text)
    assert match is not None
    value = _number(text)
    unit = match.group(4).upper()
    order = _UNITS.index(unit) + 1 if unit and value != 0 else 0
    return (-order if value < 0 else order), value


def _general(text: bytes) -> tuple[int, float]:
    match = _FLOAT.match(text)
    if not match:
        return (0, 0.0)
    value = float(match.group().strip())
    if value != value:
        return (1, 0.0)
    return (2, value)


def _month(text: bytes) -> int:
    word = text.lstrip(_BLANKS)[:3].upper()
    return _MONTHS.index(word) + 1 if word in _MONTHS else 0


def _order(byte: int) -> int:
    if 48 <= byte <= 57:
        return 0
    if 65 <= byte <= 90 or 97 <= byte <= 122:
        return byte
    if byte == 126:
        return -1
    return byte + 256


def _verrevcmp(a: bytes, b: bytes) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        while (i < len(a) and not a[i:i + 1].isdigit()) or (j < len(b) and
                                                              not b[j:j + 1].isdigit()):
            ca = _order(a[i]) if i < len(a) else 0
            cb = _order(b[j]) if j < len(b) else 0
            if ca != cb:
                return ca - cb
            i += 1
            j += 1
        while i < len(a) and a[i] == 48:
            i += 1
        while j < len(b) and b[j] == 48:
            j += 1
        first = 0
        while i < len(a) and j < len(b) and a[i:i + 1].isdigit() and b[j:j + 1].isdigit():
            first = first or a[i] - b[j]
            i += 1
            j += 1
        if i < len(a) and a[i:i + 1].isdigit():
            return 1
        if j < len(b) and b[j:j + 1].isdigit():
            return -1
        if first:
            return first
    return 0


def _prefix_len(s: bytes) -> int:
    """gnulib's file_prefixlen: the length without trailing ``.ext`` suffixes."""
    n = len(s)
    i = prefix = 0
    while i != n:
        i += 1
        prefix = i
        while i + 1 < n and s[i] == 46 and (
                (chr(s[i + 1]).isalpha() and s[i + 1] < 128) or s[i + 1] == 126):
            i += 2
            while i < n and ((chr(s[i]).isalnum() and s[i] < 128) or s[i] == 126):
                i += 1
    return prefix


def _version(a: bytes, b: bytes) -> int:
    """gnulib filenvercmp (coreutils 9.1): dot files first, suffixes compared last."""
    if not a or not b:
        return -int(bool(b)) if not a else 1
    if a[:1] == b".":
        if b[:1] != b".":
            return -1
        if a == b".":
            return -int(b != b".")
        if b == b".":
            return 1
        if a == b"..":
            return -int(b != b"..")
        if b == b"..":
            return 1
    elif b[:1] == b".":
        return 1
    pa, pb = _prefix_len(a), _prefix_len(b)
    result = _verrevcmp(a[:pa], b[:pb])
    if result or (pa == len(a) and pb == len(b)):
        return result
    return _verrevcmp(a, b)


def _text_filter(key: Key) -> Callable[[bytes], bytes] | None:
    if not (key.fold or key.dictionary or key.ignore_nonprinting):
        return None
    keep = bytes(b for b in range(256) if not (
        (key.dictionary and not (chr(b).isalnum() and b < 128) and b not in _BLANKS)
        or (key.ignore_nonprinting and not 32 <= b < 127)))
    drop = bytes(set(range(256)) - set(keep))
    upper = bytes(range(256)).upper() if key.fold else None

    def convert(text: bytes) -> bytes:
        text = text.translate(None, drop)
        return text.translate(upper) if upper is not None else text

    return convert


def _cmp(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def compare_key(a: bytes, b: bytes, key: Key, tab: bytes | None) -> int:
    ta = a[_begin(a, key, tab):max(_begin(a, key, tab), _limit(a, key, tab))]
    tb = b[_begin(b, key, tab):max(_begin(b, key, tab), _limit(b, key, tab))]
    convert = _text_filter(key)  # GNU filters (-d -i -f) before every ordering
    if convert is not None:
        ta, tb = convert(ta), convert(tb)
    if key.numeric:
        diff = _cmp(_number(ta), _number(tb))
    elif key.human:
        diff = _cmp(_human(ta), _human(tb))
    elif key.general:
        diff = _cmp(_general(ta), _general(tb))
    elif key.month:
        diff = _cmp(_month(ta), _month(tb))
    elif key.version:
        diff = _version(ta, tb)
        diff = (diff > 0) - (diff < 0)
    else:
        diff = _cmp(ta, tb)
    return -diff if key.reverse else diff


def compare_lines(a: bytes, b: bytes, keys: list[Key], tab: bytes | None,
                  last_resort: bool, reverse: bool) -> int:
    for key in keys:
        diff = compare_key(a, b, key, tab)
        if diff:
            return diff
    if not last_resort:
        return 0
    diff = _cmp(a, b)
    return -diff if reverse else diff

