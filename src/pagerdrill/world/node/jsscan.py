"""Just enough JavaScript reading to decide what a gateway's code does with listeners.

Not a parser: comments are blanked (strings kept, so ``'SIGTERM'`` stays
visible), function bodies are found by matching braces, and calls are matched
on their shape. It answers the questions the simulation needs from the code
in the working tree: is a per-connection ``process`` listener registered in
``setupWebSocket`` removed again in the socket's ``'close'`` handler? Does the
app dump its heap on SIGUSR2? Does it treat warnings as errors?
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ListenerLeak", "function_body", "heap_dump_handler", "sigterm_leak",
           "strip_comments", "warning_handler"]

_COMMENT_OR_STRING = re.compile(r"//[^\n]*|/\*.*?\*/|'(?:\\.|[^'\\\n])*'|\"(?:\\.|[^\"\\\n])*\"|"
                                r"`(?:\\.|[^`\\])*`", re.DOTALL)
_ADD = r"(?:on|addListener|once|prependListener|prependOnceListener)"
_REMOVE = r"(?:removeListener|off)"
_Q = r"""['"`]"""


def strip_comments(text: str) -> str:
    """The code with comments replaced by spaces (newlines kept); strings untouched."""
    def blank(match: re.Match[str]) -> str:
        token = match.group(0)
        if token[0] in "'\"`":
            return token
        return re.sub(r"[^\n]", " ", token)

    return _COMMENT_OR_STRING.sub(blank, text)


def _masked(text: str) -> str:
    """Strings blanked too (same length), so braces inside them do not count."""
    def blank(match: re.Match[str]) -> str:
        token = match.group(0)
        return token[0] + " " * (len(token) - 2) + token[-1] if len(token) > 1 else " "

    return _COMMENT_OR_STRING.sub(blank, text)


def _block_end(masked: str, open_at: int) -> int:
    """Index just past the brace matching the ``{`` at ``open_at`` (len if unbalanced)."""
    depth = 0
    for index in range(open_at, len(masked)):
        char = masked[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(masked)


def function_body(text: str, name: str) -> tuple[list[str], str] | None:
    """(parameter names, body) of ``function name(...) {...}`` or of
    ``const name = (...) => {...}``; None when the code defines no such function."""
    code = strip_comments(text)
    masked = _masked(code)
    patterns = (rf"\bfunction\s+{name}\s*\(([^)]*)\)\s*\{{",
                rf"\b(?:const|let|var)\s+{name}\s*=\s*(?:async\s+)?(?:function\b[^(]*)?"
                rf"\(([^)]*)\)\s*(?:=>)?\s*\{{")
    for pattern in patterns:
        match = re.search(pattern, masked)
        if match:
            params = [p.strip().split("=")[0].strip() for p in match.group(1).split(",")
                      if p.strip()]
            end = _block_end(masked, match.end() - 1)
            return params, code[match.end():end - 1]
    return None


def _handler_bodies(code: str, target: str, event: str) -> list[str]:
    """The bodies of handlers registered as ``target.on('event', ...)`` in ``code``."""
    masked = _masked(code)
    bodies: list[str] = []
    call = re.compile(rf"\b{re.escape(target)}\s*\.\s*{_ADD}\s*\(\s*{_Q}{event}{_Q}\s*,\s*")
    for match in call.finditer(code):
        rest = masked[match.end():]
        inline = re.match(r"(?:async\s*)?(?:function\b[^(]*)?\([^)]*\)\s*(?:=>)?\s*\{|"
                          r"(?:async\s*)?\w+\s*=>\s*\{", rest)
        if inline:
            start = match.end() + inline.end() - 1
            bodies.append(code[start + 1:_block_end(masked, start) - 1])
            continue
        arrow = re.match(r"(?:async\s*)?(?:\([^)]*\)|\w+)\s*=>\s*([^;\n]*)", rest)
        if arrow:  # an expression body: `(w) => process.exit(1)`
            bodies.append(code[match.end() + arrow.start(1):match.end() + arrow.end(1)])
            continue
        named = re.match(r"(\w+)\s*\)", rest)
        if named:
            found = function_body(code, named.group(1))
            if found is not None:
                bodies.append(found[1])
    return bodies


@dataclass(frozen=True)
class ListenerLeak:
    """What ``setupWebSocket`` does with SIGTERM listeners on ``process``."""

    registers: bool  # it adds a SIGTERM listener per connection
    removed_on_close: bool  # ...and removes that same listener when the socket closes

    @property
    def leaky(self) -> bool:
        return self.registers and not self.removed_on_close


def sigterm_leak(text: str, function: str = "setupWebSocket") -> ListenerLeak:
    """Whether the per-connection SIGTERM listener in ``function`` outlives its socket."""
    found = function_body(text, function)
    if found is None:
        return ListenerLeak(False, False)
    params, body = found
    added = list(re.finditer(rf"\bprocess\s*\.\s*{_ADD}\s*\(\s*{_Q}SIGTERM{_Q}\s*,\s*(\w+)?",
                             body))
    if not added:
        return ListenerLeak(False, False)
    socket = params[0] if params else "socket"
    closes = _handler_bodies(body, socket, "close")
    for match in added:
        listener = match.group(1)
        if listener is None or listener in ("function", "async"):
            return ListenerLeak(True, False)  # an inline function cannot be removed later
        removal = re.compile(rf"\bprocess\s*\.\s*(?:{_REMOVE}\s*\(\s*{_Q}SIGTERM{_Q}\s*,\s*"
                             rf"{re.escape(listener)}\s*\)|removeAllListeners\s*\(\s*"
                             rf"{_Q}SIGTERM{_Q}\s*\))")
        if not any(removal.search(close) for close in closes):
            return ListenerLeak(True, False)
    return ListenerLeak(True, True)


def heap_dump_handler(text: str) -> bool:
    """A SIGUSR2 listener that writes a heap snapshot (v8.writeHeapSnapshot or heapdump)."""
    code = strip_comments(text)
    return any(re.search(r"writeHeapSnapshot\s*\(|writeSnapshot\s*\(", body)
               for body in _handler_bodies(code, "process", "SIGUSR2"))


def warning_handler(text: str) -> str:
    """How a ``process.on('warning')`` listener reacts: 'exit' (exits, aborts or throws),
    'alert' (names the warning, or calls an alert/page function), or '' (none, or it only
    logs)."""
    code = strip_comments(text)
    fatal = re.compile(r"\bprocess\s*\.\s*(?:exit|abort|kill)\s*\(|\bthrow\b")
    loud = re.compile(r"MaxListenersExceededWarning|\balert\w*\s*\(|\bpage\w*\s*\(|"
                      r"\.inc\s*\(")
    bodies = _handler_bodies(code, "process", "warning")
    if any(fatal.search(body) for body in bodies):
        return "exit"
    return "alert" if any(loud.search(body) for body in bodies) else ""
