"""Shell error types and the exact wording bash uses for them."""

from __future__ import annotations

__all__ = [
    "AbortLine",
    "BadSubstitution",
    "ExitShell",
    "LoopControl",
    "ParseError",
    "ReturnFromFunction",
    "ShellError",
    "eof_in_construct",
    "near_token",
    "unexpected_eof",
]


class ShellError(Exception):
    """An error the shell reports as ``bash: <message>`` lines."""

    def __init__(self, *lines: str, status: int = 1) -> None:
        super().__init__("\n".join(lines))
        self.lines = list(lines)
        self.status = status


class ParseError(ShellError):
    """A syntax error; ``incomplete`` means more input could still fix it."""

    def __init__(self, *lines: str, incomplete: bool = False) -> None:
        super().__init__(*lines, status=2)
        self.incomplete = incomplete


class AbortLine(ShellError):
    """An error that abandons the rest of the command line (bash returns to the prompt)."""

    def __init__(self, *lines: str, status: int = 1, prefixed: bool = False) -> None:
        super().__init__(*lines, status=status)
        self.prefixed = prefixed  # True: lines carry their own prefix instead of ``bash: ``


class BadSubstitution(AbortLine):
    def __init__(self, text: str) -> None:
        super().__init__(f"{text}: bad substitution", status=1)


def near_token(token: str) -> ParseError:
    return ParseError(f"syntax error near unexpected token `{token}'")


def unexpected_eof() -> ParseError:
    return ParseError("syntax error: unexpected end of file", incomplete=True)


def eof_in_construct(closer: str) -> ParseError:
    """An unterminated quote or substitution (``'``, ``"``, `` ` ``, ``)``, ``}``)."""
    return ParseError(
        f"unexpected EOF while looking for matching `{closer}'",
        "syntax error: unexpected end of file",
        incomplete=True,
    )


class ExitShell(Exception):
    """``exit N``: unwinds to the enclosing subshell or the top of the line."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class LoopControl(Exception):
    """``break N`` / ``continue N``."""

    def __init__(self, kind: str, levels: int) -> None:
        super().__init__(kind, levels)
        self.kind = kind
        self.levels = levels


class ReturnFromFunction(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status
