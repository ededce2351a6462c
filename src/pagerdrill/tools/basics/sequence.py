"""yes and seq (GNU coreutils 9.1): endless and counted output, both lazy."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import (
    Arg,
    HelpRequested,
    Opt,
    OptionSpec,
    ParsedArgs,
    UsageError,
    parsed_with,
)
from pagerdrill.tools.registry import command

__all__ = ["SeqNumber", "seq", "seq_lines", "yes"]

_CHUNK = 8192  # bytes per yielded block: `yes | head` costs one block


YES_SPEC = OptionSpec("yes", [], usage="yes [STRING]...",
                      description="Repeatedly output a line with all specified STRING(s), "
                                  "or 'y'.")


@command("yes")
@parsed_with(YES_SPEC)
def yes(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: yes [STRING]...

    Repeatedly output a line with all STRING(s), or 'y'. Never ends on its own: it
    stops when the reader downstream stops (``yes | head -n 3``).
    """
    line = (" ".join(parsed.operands) if parsed.operands else "y").encode() + b"\n"
    block = line * max(1, _CHUNK // len(line))
    while True:
        yield block


SEQ_SPEC = OptionSpec(
    "seq",
    [Opt("f", "format", "format", Arg.REQUIRED, "use printf style floating-point FORMAT",
         "FORMAT"),
     Opt("s", "separator", "separator", Arg.REQUIRED, "use STRING to separate numbers",
         "STRING"),
     Opt("w", "equal-width", "width", help="equalize width by padding with leading zeroes")],
    usage="seq [OPTION]... LAST\n  or:  seq [OPTION]... FIRST LAST\n"
          "  or:  seq [OPTION]... FIRST INCREMENT LAST",
    description="Print numbers from FIRST to LAST, in steps of INCREMENT.",
)

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_DIRECTIVE = re.compile(r"%([-+ #0']*)(\d*)(\.\d*)?(L?)([a-zA-Z%]?)")


@dataclass(frozen=True)
class SeqNumber:
    """An operand with the width and precision GNU seq's scan_arg() derives."""

    value: Decimal
    width: int
    precision: int


def _scan(text: str) -> SeqNumber:
    if not _NUMBER.fullmatch(text.strip()):
        raise ValueError(text)
    try:
        value = Decimal(text.strip())
    except InvalidOperation as bad:
        raise ValueError(text) from bad
    body = text.strip()
    width = len(body)
    precision = 0
    mantissa, _, exp_text = body.replace("E", "e").partition("e")
    if "." in mantissa:
        point = mantissa.index(".")
        fraction = len(mantissa) - point - 1
        precision = fraction
        if fraction == 0:
            width -= 1  # "5." prints as "5"
        elif point == 0 or not mantissa[point - 1].isdigit():
            width += 1  # ".5" prints as "0.5"
    if exp_text:
        exponent = int(exp_text)
        width -= len(exp_text) + 1
        if exponent < 0:
            precision -= exponent
            width -= exponent
        else:
            precision -= min(precision, exponent)
    return SeqNumber(value, width, precision)


def _format_for(first: SeqNumber, step: SeqNumber, last: SeqNumber, equal: bool) -> str:
    """GNU seq's get_default_format()."""
    prec = max(first.precision, step.precision)
    if not equal:
        return f"%.{prec}f"
    first_width = first.width + (prec - first.precision)
    last_width = last.width + (prec - last.precision)
    if last.precision and prec == 0:
        last_width -= 1
    if last.precision == 0 and prec:
        last_width += 1
    if first.precision == 0 and prec:
        first_width += 1
    return f"%0{max(first_width, last_width)}.{prec}f"


def _render(fmt: str, value: Decimal) -> str:
    if fmt[-1] in "fF":
        # Exact decimal arithmetic: fixed-point output matches GNU's long double here.
        return _fixed(fmt, value)
    return fmt % float(value)


def _fixed(fmt: str, value: Decimal) -> str:
    match = _DIRECTIVE.fullmatch(fmt)
    assert match is not None
    flags, width, dot = match.group(1), match.group(2), match.group(3)
    prec = int(dot[1:] or 0) if dot else 6
    body = format(value.quantize(Decimal(1).scaleb(-prec), rounding=ROUND_HALF_EVEN), "f")
    sign = ""
    if body.startswith("-"):
        sign, body = "-", body[1:]
    elif "+" in flags:
        sign = "+"
    elif " " in flags:
        sign = " "
    if "#" in flags and prec == 0:
        body += "."
    pad = int(width or 0) - len(sign) - len(body)
    if pad <= 0:
        return sign + body
    if "-" in flags:
        return sign + body + " " * pad
    if "0" in flags:
        return sign + "0" * pad + body
    return " " * pad + sign + body


def _check_format(fmt: str) -> tuple[str, str, str] | str:
    """(prefix, directive, suffix) of a -f FORMAT, or seq's complaint."""
    out: list[str] = []
    i = 0
    found: tuple[str, str] | None = None
    while i < len(fmt):
        if fmt[i] != "%":
            out.append(fmt[i])
            i += 1
            continue
        if fmt[i + 1:i + 2] == "%":
            out.append("%")
            i += 2
            continue
        if found is not None:
            return f"format '{fmt}' has too many % directives"
        match = _DIRECTIVE.match(fmt, i)
        assert match is not None
        conv = match.group(5)
        if not conv:
            return f"format '{fmt}' ends in %"
        if conv not in "efgaEFGA":
            return f"format '{fmt}' has unknown %{conv} directive"
        found = ("".join(out), match.group(0).replace("'", "").replace("L", ""))
        out = []
        i = match.end()
    if found is None:
        return f"format '{fmt}' has no % directive"
    return found[0], found[1], "".join(out)


def seq_lines(first: SeqNumber, step: SeqNumber, last: SeqNumber,
              directive: str) -> Iterator[str]:
    """The numbers as text: GNU's print_numbers() loop, extra-number rule included."""
    down = step.value < 0
    if (down and first.value < last.value) or (not down and last.value < first.value):
        return
    i = 0
    x = first.value
    beyond = False
    while True:
        text = _render(directive, x)
        yield text
        if beyond:
            return
        i += 1
        x = first.value + i * step.value
        beyond = x < last.value if down else last.value < x
        if beyond:
            # A number just past LAST that prints as LAST (rounding) is still printed.
            next_text = _render(directive, x)
            try:
                equal = Decimal(next_text.strip()) == last.value
            except InvalidOperation:
                equal = False
            if not equal or next_text == text:
                return


def _args_split(args: list[str]) -> tuple[list[str], list[str]]:
    """GNU seq stops option parsing at an operand like -1 or -.5 (a negative number)."""
    for i, arg in enumerate(args):
        if len(arg) > 1 and arg[0] == "-" and (arg[1] == "." or arg[1].isdigit()):
            return args[:i], args[i:]
        if arg == "--":
            return args[:i], args[i + 1:]
    return args, []


@command("seq")
def seq(inv: Invocation) -> CommandOutput:
    """Usage: seq [OPTION]... [FIRST [INCREMENT]] LAST

    Print numbers from FIRST to LAST in steps of INCREMENT, as GNU seq formats them
    (precision from the operands, -w zero padding, -f with one %e/%f/%g directive,
    -s SEPARATOR). Not supported: hexadecimal floats, inf and nan.
    """
    head, tail = _args_split(inv.args)
    try:
        parsed = SEQ_SPEC.parse(head)
    except UsageError as error:
        inv.stderr.write(error.text)
        return error.status
    except HelpRequested as help_:
        yield help_.text.encode()
        return 0
    operands = parsed.operands + tail
    hint = "Try 'seq --help' for more information.\n"
    if not operands:
        inv.stderr.write("seq: missing operand\n" + hint)
        return 1
    if len(operands) > 3:
        inv.stderr.write(f"seq: extra operand '{operands[3]}'\n" + hint)
        return 1
    numbers: list[SeqNumber] = []
    for text in operands:
        try:
            numbers.append(_scan(text))
        except ValueError:
            inv.stderr.write(f"seq: invalid floating point argument: '{text}'\n" + hint)
            return 1
    one = SeqNumber(Decimal(1), 1, 0)
    first, step, last = (one, one, numbers[0]) if len(numbers) == 1 else (
        (numbers[0], one, numbers[1]) if len(numbers) == 2 else tuple(numbers))
    if step.value == 0:
        inv.stderr.write(f"seq: invalid Zero increment value: '{operands[1]}'\n" + hint)
        return 1
    user_fmt = parsed.get("format")
    if user_fmt is not None and parsed.flag("width"):
        inv.stderr.write("seq: format string may not be specified when printing equal "
                         "width strings\n" + hint)
        return 1
    prefix = suffix = ""
    if user_fmt is not None:
        checked = _check_format(user_fmt)
        if isinstance(checked, str):
            inv.error(checked)
            return 1
        prefix, directive, suffix = checked
    else:
        directive = _format_for(first, step, last, parsed.flag("width"))
    separator = parsed.get("separator", "\n") or ""
    batch: list[str] = []
    size = 0
    for text in seq_lines(first, step, last, directive):
        piece = (separator if batch or size else "") + prefix + text + suffix
        batch.append(piece)
        size += len(piece)
        if len(batch) >= 512:
            yield "".join(batch).encode()
            batch = []
    if size:
        batch.append("\n")
        yield "".join(batch).encode()
    return 0
