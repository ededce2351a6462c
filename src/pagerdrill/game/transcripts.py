"""Solution and wrong-path transcripts: one command line per line, ``#`` comments.

A line ending in a backslash continues on the next line, as in bash. A
wrong-path transcript opens with a header comment naming the outcome it must
reach: ``# expect: failed`` (or ``unresolved``, ``mitigated``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["EXPECTATIONS", "Transcript", "parse_transcript"]

EXPECTATIONS = ("failed", "unresolved", "mitigated")
_EXPECT = re.compile(r"^#\s*expect\s*:\s*(\S*)\s*$")


@dataclass
class Transcript:
    commands: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the line each command starts on
    expect: str | None = None
    expect_line: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)


def parse_transcript(text: str, *, wrong_path: bool = False) -> Transcript:
    result = Transcript()
    pending = ""
    start = 0
    in_header = True
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not pending:
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                match = _EXPECT.match(stripped)
                if match is not None and in_header:
                    result.expect, result.expect_line = match.group(1), number
                continue
            in_header = False
            start = number
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        result.commands.append((pending + line).strip())
        result.lines.append(start)
        pending = ""
    if pending:
        result.problems.append((start, "the last command ends in a line continuation"))
    if wrong_path:
        if result.expect is None:
            result.problems.append((1, "missing header '# expect: failed|unresolved|mitigated' "
                                       "before the first command"))
        elif result.expect not in EXPECTATIONS:
            result.problems.append((result.expect_line, f"invalid expectation "
                                    f"'{result.expect}' (expected failed, unresolved or "
                                    f"mitigated)"))
    if not result.commands:
        result.problems.append((1, "no commands"))
    return result
