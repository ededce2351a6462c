"""Interactive history expansion: ``!!``, ``!n``, ``!-n``, ``!prefix``, ``!$``, ``^old^new``.

``sudo !!`` is muscle memory for on-call engineers, so it must work.
"""

from __future__ import annotations

import re

__all__ = ["HistoryError", "expand_history"]

_WORD_DESIGNATORS = {"$", "^", "*"}


class HistoryError(Exception):
    """``!foo: event not found`` and friends."""


def _words(line: str) -> list[str]:
    return line.split()


def _event(spec: str, history: list[str]) -> str:
    if spec == "!":
        if not history:
            raise HistoryError("!!: event not found")
        return history[-1]
    if re.fullmatch(r"-?\d+", spec):
        number = int(spec)
        index = number - 1 if number > 0 else len(history) + number
        if not 0 <= index < len(history):
            raise HistoryError(f"!{spec}: event not found")
        return history[index]
    for line in reversed(history):
        if line.startswith(spec):
            return line
    raise HistoryError(f"!{spec}: event not found")


def _designate(line: str, designator: str, event_text: str) -> str:
    words = _words(line)
    if designator == "$":
        return words[-1] if words else ""
    if designator == "^":
        if len(words) < 2:
            raise HistoryError(f"{event_text}: bad word specifier")
        return words[1]
    return " ".join(words[1:])


def expand_history(line: str, history: list[str]) -> str:
    """Expand history references outside single quotes; raises HistoryError."""
    if line.startswith("^"):
        match = re.fullmatch(r"\^([^^]*)\^([^^]*)\^?", line)
        if match and history:
            previous = history[-1]
            if match.group(1) not in previous:
                raise HistoryError(
                    ":s^" + match.group(1) + "^" + match.group(2) + ": substitution failed"
                )
            return previous.replace(match.group(1), match.group(2), 1)
    if "!" not in line:
        return line
    out: list[str] = []
    i = 0
    quote = ""
    while i < len(line):
        c = line[i]
        if c == "\\" and i + 1 < len(line):
            out.append(line[i : i + 2])
            i += 2
            continue
        if c == "'" and quote != '"':
            quote = "" if quote == "'" else "'"
        elif c == '"' and quote != "'":
            quote = "" if quote == '"' else '"'
        if c != "!" or quote == "'" or i + 1 >= len(line) or line[i + 1] in ' \t\n=("':
            out.append(c)
            i += 1
            continue
        rest = line[i + 1 :]
        if rest[0] in _WORD_DESIGNATORS:
            out.append(_designate(_event("!", history), rest[0], "!" + rest[0]))
            i += 2
            continue
        match = re.match(r"!|-?\d+|[^\s:;&|<>()'\"`!]+", rest)
        if match is None:
            out.append(c)
            i += 1
            continue
        spec = match.group()
        text = _event(spec, history)
        i += 1 + len(spec)
        if i < len(line) and line[i] == ":" and i + 1 < len(line) and line[i + 1] in "$^*":
            text = _designate(text, line[i + 1], "!" + spec + ":" + line[i + 1])
            i += 2
        out.append(text)
    return "".join(out)
