"""journalctl - print log entries from the systemd journal (systemd 252).

Usage: journalctl [OPTIONS...] [MATCHES...]
  -u, --unit=UNIT        entries of a unit (and systemd's messages about it)
  -t, --identifier=ID    entries with this syslog identifier
  -n, --lines[=N]        the last N entries (10 without N); -e jumps to the end
  -f, --follow           keep printing new entries (the simulation follows for
                         ten simulated seconds, then stops, like tail -f here)
  -S, --since=, -U, --until=   "2026-03-17 03:00", "10 min ago", "-1h", today,
                         yesterday, now
  -p, --priority=LEVEL   err, warning, info... or a range err..warning
  -g, --grep=PATTERN     entries whose message matches a regular expression
  -k, --dmesg            kernel messages of this boot
  -o, --output=FORMAT    short, short-iso, short-precise, short-full, cat, json,
                         json-pretty, verbose, with-unit
  -r, --reverse, -q, --quiet, -b [0], -x, -a, -l, --no-pager, --no-hostname
  FIELD=VALUE matches: _SYSTEMD_UNIT=, _PID=, SYSLOG_IDENTIFIER=, PRIORITY=

Not supported: other boots (-b -1), --list-boots, cursors, -F/--field,
--disk-usage, --vacuum-*, -D/--directory, catalogs (-x adds nothing).
"""

from __future__ import annotations

import hashlib
import heapq
import re
from dataclasses import dataclass, field

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.journalfmt import FORMATS, PRIORITIES, render_entry
from pagerdrill.tools.system.timefmt import parse_time
from pagerdrill.world.host import Host
from pagerdrill.world.services import JournalEntry

__all__ = ["boot_id", "journal_entries", "journalctl"]

_FOLLOW_SECONDS = 10
_HINT = ("Hint: You are currently not seeing messages from other users and the system.\n"
         "      Users in groups 'adm', 'systemd-journal' can see all messages.\n"
         "      Pass -q to turn off this notice.\n")
_WITH_VALUE = {"u": "unit", "t": "identifier", "S": "since", "U": "until", "p": "priority",
               "o": "output", "g": "grep"}
_LONG_VALUE = {"unit", "identifier", "since", "until", "priority", "output", "grep", "lines",
               "boot"}
_LONG_FLAGS = {"follow": "f", "pager-end": "e", "reverse": "r", "quiet": "q", "catalog": "x",
               "dmesg": "k", "no-pager": "", "all": "", "full": "", "no-full": "",
               "no-hostname": "H", "merge": "", "utc": ""}


class _Fail(Exception):
    pass


@dataclass
class _Query:
    units: list[str] = field(default_factory=list)
    idents: list[str] = field(default_factory=list)
    matches: list[tuple[str, str]] = field(default_factory=list)
    lines: int | None = None
    flags: set[str] = field(default_factory=set)
    since: int | None = None
    until: int | None = None
    priority: tuple[int, int] | None = None
    output: str = "short"
    grep: re.Pattern[str] | None = None


def boot_id(host: Host) -> str:
    return hashlib.sha256(f"{host.name}:{host.boot_ms}".encode()).hexdigest()[:32]


def journal_entries(host: Host) -> list[JournalEntry]:
    """The journal in the order it was written (as journald's seqnums keep it, even across
    a clock stepped back), with this boot's kernel messages merged in by time."""
    kernel = [JournalEntry(t, "kernel", message) for t, message in host.kernel_log]
    return list(heapq.merge(host.journal.entries, kernel, key=lambda e: e.t_ms))


def _parse_priority(text: str) -> tuple[int, int]:
    def level(word: str) -> int:
        if word.isdigit() and int(word) <= 7:
            return int(word)
        if word in PRIORITIES:
            return PRIORITIES[word]
        raise _Fail(f"Unknown log level {word}\n")

    low, dots, high = text.partition("..")
    if dots:
        a, b = level(low or "emerg"), level(high or "debug")
        return min(a, b), max(a, b)
    return 0, level(text)


def _store(query: _Query, key: str, value: str, inv: Invocation) -> None:
    now = inv.world.clock.now_ms
    if key == "unit":
        query.units.append(value if "." in value else value + ".service")
    elif key == "identifier":
        query.idents.append(value)
    elif key in ("since", "until"):
        moment = parse_time(value, now, midnight_words=True)
        if moment is None:
            raise _Fail(f"Failed to parse timestamp: {value}\n")
        if key == "since":
            query.since = moment
        else:
            query.until = moment
    elif key == "priority":
        query.priority = _parse_priority(value)
    elif key == "output":
        if value not in FORMATS:
            raise _Fail(f"Unknown output format '{value}'.\n")
        query.output = value
    elif key == "grep":
        try:
            query.grep = re.compile(value)
        except re.error:
            raise _Fail(f"Bad pattern \"{value}\"\n") from None
    elif key == "lines":
        if not value.lstrip("+").isdigit():
            raise _Fail(f"Failed to parse lines '{value}'\n")
        query.lines = int(value.lstrip("+"))
    elif key == "boot" and value not in ("", "0", boot_id(inv.host)):
        raise _Fail(f"Data from the specified boot ({value}) is not available: "
                    "No such boot ID in journal\n")


def _parse(inv: Invocation) -> _Query:
    query = _Query()
    args = inv.args
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            if name in _LONG_VALUE:
                if not eq and name not in ("lines", "boot"):
                    if i >= len(args):
                        raise _Fail(f"journalctl: option '--{name}' requires an argument\n")
                    value, i = args[i], i + 1
                if name == "lines" and not eq:
                    value, i = _optional_number(args, i)
                _store(query, name, value, inv)
            elif name in _LONG_FLAGS:
                query.flags.add(_LONG_FLAGS[name])
            else:
                raise _Fail(f"journalctl: unrecognized option '--{name}'\n")
            continue
        if arg.startswith("-") and len(arg) > 1:
            pos = 1
            while pos < len(arg):
                char = arg[pos]
                pos += 1
                if char in _WITH_VALUE:
                    value = arg[pos:]
                    if not value:
                        if i >= len(args):
                            raise _Fail(f"journalctl: option requires an argument -- '{char}'\n")
                        value, i = args[i], i + 1
                    _store(query, _WITH_VALUE[char], value, inv)
                    break
                if char == "n":
                    value = arg[pos:]
                    if not value:
                        value, i = _optional_number(args, i)
                    _store(query, "lines", value, inv)
                    break
                if char == "b":
                    value = arg[pos:]
                    if not value and i < len(args) and re.fullmatch(r"-?\d+", args[i]):
                        value, i = args[i], i + 1
                    _store(query, "boot", value, inv)
                    break
                if char not in "ferqxkalm":
                    raise _Fail(f"journalctl: invalid option -- '{char}'\n")
                query.flags.add(char)
            continue
        key, eq, value = arg.partition("=")
        if not eq:
            raise _Fail(f"Failed to add match '{arg}': Invalid argument\n")
        query.matches.append((key, value))
    return query


def _optional_number(args: list[str], i: int) -> tuple[str, int]:
    """``-n 50``: systemd takes the next word when it is a number."""
    if i < len(args) and args[i].lstrip("+").isdigit():
        return args[i], i + 1
    return "10", i


def _match(entry: JournalEntry, query: _Query) -> bool:
    if query.units and entry.unit not in query.units:
        return False
    if query.idents and entry.ident not in query.idents:
        return False
    if "k" in query.flags and entry.ident != "kernel":
        return False
    for key, value in query.matches:
        actual = {"_SYSTEMD_UNIT": entry.unit, "UNIT": entry.unit, "_PID": str(entry.pid),
                  "SYSLOG_IDENTIFIER": entry.ident, "_COMM": entry.ident,
                  "PRIORITY": str(entry.priority), "MESSAGE": entry.message}.get(key)
        if actual != value:
            return False
    if query.since is not None and entry.t_ms < query.since:
        return False
    if query.until is not None and entry.t_ms > query.until:
        return False
    if query.priority is not None and not (
            query.priority[0] <= entry.priority <= query.priority[1]):
        return False
    return query.grep is None or bool(query.grep.search(entry.message))


def _may_read(inv: Invocation) -> bool:
    user = inv.host.users.get(inv.user)
    return user is None or user.uid == 0 or bool({"adm", "systemd-journal"} & set(user.groups))


def _render(entries: list[JournalEntry], query: _Query, host: Host,
            previous: JournalEntry | None) -> str:
    out: list[str] = []
    for entry in entries:
        if (previous is not None and query.output.startswith("short")
                and (previous.t_ms < host.boot_ms) != (entry.t_ms < host.boot_ms)):
            out.append(f"-- Boot {boot_id(host)} --\n")
        name = "" if "H" in query.flags else host.name
        out.append(render_entry(entry, name, query.output))
        previous = entry
    return "".join(out)


@command("journalctl")
def journalctl(inv: Invocation) -> CommandOutput:
    """journalctl - query the systemd journal (see the module docstring)."""
    try:
        query = _parse(inv)
    except _Fail as fail:
        inv.stderr.write(str(fail))
        return 1
    host = inv.host
    readable = _may_read(inv)
    if not readable and "q" not in query.flags:
        inv.stderr.write(_HINT)
    everything = journal_entries(host) if readable else []
    chosen = [e for e in everything if _match(e, query)]
    lines = query.lines
    if lines is None and ("e" in query.flags or "f" in query.flags):
        lines = 1000 if "e" in query.flags else 10
    if lines is not None:
        chosen = chosen[-lines:] if lines else []
    if "r" in query.flags:
        chosen.reverse()
    if chosen:
        yield _render(chosen, query, host, None).encode()
    elif "q" not in query.flags and "f" not in query.flags:
        yield b"-- No entries --\n"
    if "f" not in query.flags:
        return 0
    seen = len(host.journal.entries)
    last = chosen[-1] if chosen else None
    for _ in range(_FOLLOW_SECONDS):
        inv.world.advance(1)
        fresh = [e for e in host.journal.entries[seen:] if _match(e, query)] if readable else []
        seen = len(host.journal.entries)
        if fresh:
            yield _render(fresh, query, host, last).encode()
            last = fresh[-1]
    return 0
