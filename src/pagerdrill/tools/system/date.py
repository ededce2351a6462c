"""date - print the system date and time (GNU coreutils 9.1; hosts run in UTC).

Usage: date [OPTION]... [+FORMAT]
  -d, --date=STRING   @EPOCH, now, today, yesterday, tomorrow, YYYY-MM-DD[ HH:MM[:SS]],
                      HH:MM, "N units ago", "+N units", "-N units"
  -u, --utc           (every host is already in UTC)
  -I[FMT], --iso-8601[=FMT]   date, hours, minutes, seconds, ns
  -R, --rfc-email     --rfc-3339=date|seconds|ns
  +FORMAT             strftime conversions, plus %N and %:z

  -s, --set=STRING    set the host's clock (root only; the same STRING forms as -d),
                      then print it

The time shown is the host's own system clock, which may be off from true time.
Not supported: -f/--file, -r/--reference, weekday names and "next"/"last" in
-d, time zones other than UTC.
"""

from __future__ import annotations

import dataclasses

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.timefmt import parse_time, strftime

__all__ = ["SPEC", "date"]

SPEC = OptionSpec(
    "date",
    [Opt("d", "date", "date", Arg.REQUIRED, metavar="STRING"),
     Opt("u", "utc", "utc"), Opt(None, "universal", "utc"),
     Opt(None, "iso-8601", "iso", Arg.OPTIONAL, const="date", metavar="FMT"),
     Opt("R", "rfc-email", "rfc_email"), Opt(None, "rfc-3339", "rfc3339", Arg.REQUIRED),
     Opt("s", "set", "set", Arg.REQUIRED), Opt("f", "file", "file", Arg.REQUIRED),
     Opt("r", "reference", "reference", Arg.REQUIRED)],
    usage="date [OPTION]... [+FORMAT]",
)
_ISO = {"hours": "%Y-%m-%dT%H%:z", "minutes": "%Y-%m-%dT%H:%M%:z", "date": "%Y-%m-%d",
        "seconds": "%Y-%m-%dT%H:%M:%S%:z", "ns": "%Y-%m-%dT%H:%M:%S,%N%:z"}
_RFC3339 = {"date": "%Y-%m-%d", "seconds": "%Y-%m-%d %H:%M:%S%:z",
            "ns": "%Y-%m-%d %H:%M:%S.%N%:z"}


def _expand_short_iso(args: list[str]) -> list[str]:
    """``-I`` takes its optional argument attached (``-Iseconds``), like getopt's ``I::``."""
    out = []
    for arg in args:
        if arg.startswith("-I") and not arg.startswith("--"):
            out.append("--iso-8601=" + arg[2:] if len(arg) > 2 else "--iso-8601")
        else:
            out.append(arg)
    return out


def _choice(value: str, table: dict[str, str], option: str, inv: Invocation) -> str | None:
    matches = [k for k in table if k.startswith(value)] if value else []
    if value in table:
        return table[value]
    if len(matches) == 1:
        return table[matches[0]]
    what = "ambiguous" if matches else "invalid"
    valid = "".join(f"  - \u2018{k}\u2019\n" for k in table)
    inv.stderr.write(f"date: {what} argument \u2018{value}\u2019 for \u2018--{option}\u2019\n"
                     f"Valid arguments are:\n{valid}Try 'date --help' for more information.\n")
    return None


def _body(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    now = inv.host.now_ms()
    when = now
    text = parsed.get("date")
    to_set = parsed.get("set")
    if to_set is not None:
        if text is not None:
            inv.stderr.write("date: the options to print and set the time may not be used "
                             "together\nTry 'date --help' for more information.\n")
            return 1
        text = to_set
    if text is not None:
        found = parse_time(text, now)
        if found is None:
            inv.stderr.write(f"date: invalid date \u2018{text}\u2019\n")
            return 1
        when = found
    formats = [o for o in parsed.operands if o.startswith("+")]
    extra = [o for o in parsed.operands if not o.startswith("+")]
    if extra:
        # A bare operand is a date to set (MMDDhhmm[[CC]YY][.ss]); setting is never allowed.
        inv.stderr.write(f"date: invalid date \u2018{extra[0]}\u2019\n")
        return 1
    if len(formats) > 1:
        bad = formats[1]
        inv.stderr.write(f"date: extra operand \u2018{bad}\u2019\nTry 'date --help' for more "
                         "information.\n")
        return 1
    status = 0
    if to_set is not None:
        # GNU date prints the date it was asked to set even when setting it failed.
        if inv.user == "root":
            inv.host.set_time_ms(when)
        else:
            inv.stderr.write("date: cannot set date: Operation not permitted\n")
            status = 1
    fmt = "%a %b %e %H:%M:%S %Z %Y"
    chosen = [bool(formats), parsed.get("iso") is not None, parsed.flag("rfc_email"),
              parsed.get("rfc3339") is not None]
    if sum(chosen) > 1:
        inv.stderr.write("date: multiple output formats specified\n")
        return 1
    if formats:
        fmt = formats[0][1:]
    elif parsed.get("iso") is not None:
        picked = _choice(parsed.get("iso") or "date", _ISO, "iso-8601", inv)
        if picked is None:
            return 1
        fmt = picked
    elif parsed.flag("rfc_email"):
        fmt = "%a, %d %b %Y %H:%M:%S %z"
    elif parsed.get("rfc3339") is not None:
        picked = _choice(parsed.get("rfc3339") or "", _RFC3339, "rfc-3339", inv)
        if picked is None:
            return 1
        fmt = picked
    yield (strftime(fmt, when) + "\n").encode()
    return status


_parsed_body = parsed_with(SPEC)(_body)


@command("date")
def date(inv: Invocation) -> CommandOutput:
    """date - print the system date and time (see the module docstring)."""
    rewritten = dataclasses.replace(inv, argv=[inv.argv[0], *_expand_short_iso(inv.args)])
    return (yield from _parsed_body(rewritten))
