"""POSIX basic/extended regular expressions (GNU flavour) translated to Python ``re``.

Supported: BRE ``\\( \\) \\{m,n\\} \\| \\+ \\?``, ERE ``( ) {m,n} | + ?``, bracket
expressions with ranges and ``[:classes:]`` (C locale), back-references ``\\1``-``\\9``,
anchors (``^``/``$`` literal where POSIX says so in a BRE), ``\\< \\> \\b \\B \\w \\W
\\s \\S \\` \\'``, a leading ``*`` taken literally. Errors carry GNU's wording.

Not supported: POSIX leftmost-*longest* semantics across alternatives (Python
takes the first alternative that matches, so ``grep -oE 'ab|abcd'`` prints ``ab``
where GNU prints ``abcd``), equivalence classes ``[=a=]`` and collating symbols
``[.x.]`` beyond a single character, and the warnings grep 3.8 prints for
``+`` or ``{`` at the start of an ERE.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["RegexError", "compile_posix", "translate"]

_CLASSES = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "0-9a-zA-Z", "upper": "A-Z",
    "lower": "a-z", "space": " \\t\\n\\r\\f\\v", "blank": " \\t", "punct":
    re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"), "print": " -~", "graph": "!-~",
    "cntrl": "\\x00-\\x1f\\x7f", "xdigit": "0-9A-Fa-f",
}
_ESCAPES = {"w": r"[0-9A-Za-z_]", "W": r"[^0-9A-Za-z_]", "s": r"\s", "S": r"\S",
            "b": r"\b", "B": r"\B", "<": r"\b(?=[0-9A-Za-z_])", ">": r"\b(?<=[0-9A-Za-z_])",
            "`": r"\A", "'": r"\Z"}
_INTERVAL = re.compile(r"(\d*)(,(\d*))?")


class RegexError(ValueError):
    """An invalid pattern; ``str(error)`` is GNU's message."""


def _bracket(pattern: str, i: int) -> tuple[str, int]:
    """Translate the bracket expression starting after ``[`` at ``i``."""
    out = ["["]
    n = len(pattern)
    if i < n and pattern[i] == "^":
        out.append("^")
        i += 1
    items: list[str] = []
    first = True
    while True:
        if i >= n:
            raise RegexError("Unmatched [, [^, [:, [., or [=")
        char = pattern[i]
        if char == "]" and not first:
            i += 1
            break
        first = False
        if char == "[" and i + 1 < n and pattern[i + 1] in ":=.":
            kind = pattern[i + 1]
            end = pattern.find(kind + "]", i + 2)
            if end < 0:
                raise RegexError("Unmatched [, [^, [:, [., or [=")
            name = pattern[i + 2 : end]
            i = end + 2
            if kind == ":":
                if name not in _CLASSES:
                    raise RegexError("Invalid character class name")
                items.append(_CLASSES[name])
            else:
                if len(name) != 1:
                    raise RegexError("Invalid collation character")
                items.append(re.escape(name))
            continue
        if i + 2 < n and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            low, high = char, pattern[i + 2]
            if high == "[" and i + 3 < n and pattern[i + 3] == ".":
                end = pattern.find(".]", i + 4)
                high = pattern[i + 4 : end] if end > 0 else high
                i = end + 2 - 3 if end > 0 else i
            if ord(high) < ord(low):
                raise RegexError("Invalid range end")
            items.append(f"{re.escape(low)}-{re.escape(high)}")
            i += 3
            continue
        items.append(re.escape(char) if char not in "-" else "\\-")
        i += 1
    return "".join(out) + "".join(items) + "]", i


def translate(pattern: str, extended: bool, group_base: int = 0) -> tuple[str, int]:
    """The Python regex for one POSIX pattern, and how many groups it opens."""
    out: list[str] = []
    n = len(pattern)
    i = 0
    groups = 0
    open_groups: list[tuple[int, int]] = []  # (group number, index in out)
    closed: set[int] = set()
    at_start = True  # where a '*' is literal and a BRE '^' is an anchor
    atom = -1  # index in ``out`` where the last atom starts (-1: none)
    quantified = False  # the last atom already carries a quantifier

    def quantify(text: str) -> None:
        nonlocal quantified
        if quantified:  # Python would read a*+ as possessive, a+? as lazy
            out[atom:] = ["(?:" + "".join(out[atom:]) + ")"]
        out.append(text)
        quantified = True

    def emit(text: str) -> None:
        nonlocal atom, quantified
        atom, quantified = len(out), False
        out.append(text)

    while i < n:
        char = pattern[i]
        i += 1
        was_start, at_start = at_start, False
        special = ""
        if char == "\\":
            if i >= n:
                raise RegexError("Trailing backslash")
            char = pattern[i]
            i += 1
            if not extended and char in "(){}|+?":
                special = char
            elif char.isdigit() and char != "0":
                ref = int(char)
                if ref not in closed:
                    raise RegexError("Invalid back reference")
                emit(f"(?:\\{ref + group_base})")
            elif char in _ESCAPES:
                emit(_ESCAPES[char])
            elif char == "n":
                emit("\\n")
            else:
                emit(re.escape(char))
        elif extended and char in "(){}|+?":
            special = char
        elif char == "[":
            text, i = _bracket(pattern, i)
            emit(text)
        elif char == "*":
            if was_start or atom < 0:
                emit("\\*")
            else:
                quantify("*")
        elif char == "^":
            if extended or was_start:
                emit("^")
                at_start = True
                atom = -1
            else:
                emit("\\^")
        elif char == "$":
            ahead = pattern[i : i + 2]
            anchor = extended or i == n or (ahead in ("\\)", "\\|"))
            emit("(?!\\n)\\Z" if anchor else "\\$")
            if anchor:
                atom = -1
        else:
            emit("." if char == "." else re.escape(char))
        if not special:
            continue
        # A grouping or repetition operator.
        if special == "(":
            groups += 1
            open_groups.append((groups, len(out)))
            out.append("(")
            at_start, atom = True, -1
        elif special == ")":
            if not open_groups:
                if extended:
                    emit("\\)")
                    continue
                raise RegexError("Unmatched ) or \\)")
            number, index = open_groups.pop()
            closed.add(number)
            out.append(")")
            atom, quantified = index, False
        elif special == "|":
            out.append("|")
            at_start, atom = True, -1
        elif special in "+?":
            if was_start or atom < 0:
                emit(re.escape(special))
            else:
                quantify(special)
        elif special == "{":
            i = _interval(pattern, i, extended, was_start or atom < 0, emit, quantify)
        elif special == "}":
            emit("\\}")
    if open_groups:
        raise RegexError("Unmatched ( or \\(")
    return "".join(out), groups


def _interval(pattern: str, i: int, extended: bool, literal: bool,
              emit: Callable[[str], None], quantify: Callable[[str], None]) -> int:
    """Handle ``{m,n}`` (ERE) / ``\\{m,n\\}`` (BRE) starting at ``i``; the new index."""
    close = "}" if extended else "\\}"
    end = pattern.find(close, i)
    body = pattern[i:end] if end >= 0 else ""
    match = _INTERVAL.fullmatch(body) if end >= 0 else None
    if extended and (match is None or not body):
        emit("\\{")  # GNU takes a malformed ERE interval literally
        return i
    if end < 0:
        raise RegexError("Unmatched \\{")
    if match is None or not body or (match.group(1) == "" and not match.group(2)):
        raise RegexError("Invalid content of \\{\\}")
    low = match.group(1) or "0"
    high = match.group(3) if match.group(2) else low
    if high and int(high) < int(low):
        raise RegexError("Invalid content of \\{\\}")
    if literal:
        emit(re.escape(pattern[i - 1 : end + len(close)]))
    else:
        quantify("{" + low + ("," + high if match.group(2) else "") + "}")
    return end + len(close)


def compile_posix(patterns: list[str], *, extended: bool, ignore_case: bool = False,
                  fixed: bool = False, word: bool = False, line: bool = False
                  ) -> re.Pattern[bytes]:
    """One compiled bytes regex matching any of ``patterns`` (grep's ``-e`` list)."""
    parts: list[str] = []
    base = 0
    for raw in patterns:
        pattern = raw.encode("utf-8", "surrogateescape").decode("latin-1")
        if fixed:
            parts.append(re.escape(pattern))
            continue
        text, groups = translate(pattern, extended, base)
        parts.append(text)
        base += groups
    joined = "|".join(f"(?:{p})" for p in parts) if len(parts) > 1 else (parts[0] if parts
                                                                          else "")
    if word:
        joined = f"(?<![0-9A-Za-z_])(?:{joined})(?![0-9A-Za-z_])"
    if line:
        joined = f"^(?:{joined})$"
    flags = re.IGNORECASE if ignore_case else 0
    try:
        return re.compile(joined.encode("latin-1"), flags | re.DOTALL)
    except re.error as error:  # an edge the translation let through
        raise RegexError(str(error)) from error
    except UnicodeEncodeError as error:
        raise RegexError("Invalid pattern") from error
