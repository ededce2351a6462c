"""logrotate (3.21.0): check a configuration (-d), or force a rotation (-f).

Thin over the world's model (``world/programs/logrotate.py``): the policy comes
from its parser, rotations from its ``rotate_now``; this module only narrates
them the way logrotate's debug/verbose output does (on standard error).
"""

from __future__ import annotations

import fnmatch
import posixpath

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.timefmt import from_ms
from pagerdrill.world.errors import FsError
from pagerdrill.world.host import Host
from pagerdrill.world.programs.logrotate import LogPolicy, Stanza, parse_config, rotate_now

__all__ = ["DEBUG_WARNING", "logrotate"]

DEBUG_WARNING = ("warning: logrotate in debug mode does nothing except printing debug "
                 "messages!  Consider using verbose mode (-v) instead if this is not what you "
                 "want.\n\n")
STATE_FILE = "/var/lib/logrotate/status"
_DAY_MS = 86_400_000
_AGO = {"hourly": "an hour", "daily": "a day", "weekly": "a week", "monthly": "a month",
        "yearly": "a year"}

LOGROTATE_SPEC = OptionSpec(
    "logrotate",
    [Opt("d", "debug", "debug", help="Don't do anything, just test and print debug messages"),
     Opt("f", "force", "force", help="Force file rotation"),
     Opt("v", "verbose", "verbose", help="Display messages during rotation"),
     Opt("s", "state", "state", Arg.REQUIRED, "Path of state file", "statefile"),
     Opt("m", "mail", "mail", Arg.REQUIRED, "Command to send mail", "command"),
     Opt(None, "skip-state-lock", "skip_lock", help="Do not lock the state file")],
    usage="logrotate [OPTION...] <configfile>",
    help_hint=False,
)


class _Run:
    def __init__(self, inv: Invocation, p: ParsedArgs) -> None:
        self.inv = inv
        self.host: Host = inv.host
        self.debug = p.flag("debug")
        self.force = p.flag("force")
        self.talk = self.debug or p.flag("verbose")
        self.status = 0
        self.lines: list[str] = []

    def say(self, text: str) -> None:
        if self.talk:
            self.lines.append(text + "\n")

    def error(self, text: str) -> None:
        self.lines.append(f"error: {text}\n")
        self.status = 1

    def read(self, path: str) -> str | None:
        fs = self.host.fs
        try:
            inode = fs.lookup(path, self.inv.cwd)
            if inode.is_dir:
                return None
            return b"".join(fs.read_stream(inode)).decode(errors="replace")
        except FsError as error:
            self.error(f"cannot stat {path}: {error.strerror}")
            return None

    def load(self, path: str, defaults: LogPolicy) -> list[Stanza]:
        fs = self.host.fs
        try:
            inode = fs.lookup(path, self.inv.cwd)
        except FsError as error:
            self.error(f"cannot stat {path}: {error.strerror}")
            return []
        if inode.is_dir:
            stanzas: list[Stanza] = []
            for name in sorted(fs.listdir(inode)):
                if not name.startswith(".") and not name.endswith(("~", ".dpkg-old")):
                    stanzas += self.load(posixpath.join(path, name), defaults)
            return stanzas
        text = self.read(path) or ""
        self.say(f"reading config file {path}")
        found, globals_, includes = parse_config(text, defaults, path)
        for include in includes:
            self.say(f"including {include}")
            found += self.load(include, globals_)
        return found

    def matches(self, pattern: str) -> list[str]:
        fs = self.host.fs
        directory, name = posixpath.split(pattern)
        if not any(c in name for c in "*?["):
            return [pattern]
        try:
            names = fs.listdir(fs.lookup(directory))
        except FsError:
            return [pattern]
        found = [posixpath.join(directory, n) for n in sorted(names)
                 if fnmatch.fnmatchcase(n, name)]
        return found or [pattern]

    def last_rotated(self, log: str) -> int | None:
        """When the log was last rotated: the newest rotated copy's mtime (no state file)."""
        for name in (f"{log}.1", f"{log}.1.gz"):
            try:
                return self.host.fs.lookup(name).mtime_ms
            except FsError:
                continue
        return None


def _stamp(ms: int) -> str:
    return f"{from_ms(ms):%Y-%m-%d %H:%M}"


def _pattern_line(policy: LogPolicy, pattern: str, force: bool) -> str:
    if force:
        how = "forced from command line"
    elif policy.frequency == "size" and policy.size is not None:
        how = f"{policy.size} bytes"
    else:
        how = policy.frequency
    keep = f"{policy.rotate} rotations" if policy.rotate > 0 else "no old logs will be kept"
    return f"rotating pattern: {pattern}  {how} ({keep})"


def _needs(run: _Run, log: str, policy: LogPolicy, size: int) -> str | None:
    """None when the log is due, else logrotate's reason why not."""
    now = run.inv.world.clock.now_ms
    last = run.last_rotated(log)
    if last is None:
        run.say("Creating new state")
        last = now // 3_600_000 * 3_600_000
    run.say(f"  Now: {_stamp(now)}")
    run.say(f"  Last rotated at {_stamp(last)}")
    if run.force:
        return None
    if policy.frequency == "size" and policy.size is not None:
        return None if size >= policy.size else "log size is below the 'size' threshold"
    if policy.maxsize is not None and size > policy.maxsize:
        return None
    if _stamp(last)[:10] == _stamp(now)[:10]:
        return "log has already been rotated"
    if (now - last) / _DAY_MS < policy.period_days:
        ago = _AGO.get(policy.frequency, "a week")
        return f"log has been rotated at {_stamp(last)}, which is less than {ago} ago"
    if policy.minsize is not None and size < policy.minsize:
        return ("'minsize' directive is used and the log size is smaller than the minsize "
                "value")
    return None


def _narrate_rotation(run: _Run, log: str, policy: LogPolicy, copy_fails: bool) -> None:
    now = run.inv.world.clock.now_ms
    ext = ".gz" if policy.compress else ""
    keep = max(policy.rotate, 0)
    run.say(f"rotating log {log}, log->rotateCount is {keep}")
    run.say(f"dateext suffix '-{from_ms(now):%Y%m%d}'")
    run.say("glob pattern '-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'")
    fs = run.host.fs
    if policy.delaycompress and policy.compress and not fs.exists(f"{log}.1"):
        run.say(f"previous log {log}.1 does not exist")
    for i in range(keep, 0, -1):
        run.say(f"renaming {log}.{i}{ext} to {log}.{i + 1}{ext} (rotatecount {keep}, "
                f"logstart 1, i {i}), ")
        if not run.debug and not fs.exists(f"{log}.{i}{ext}"):
            run.say(f"old log {log}.{i}{ext} does not exist")
    oldest = f"{log}.{keep + 1}{ext}"
    if fs.exists(oldest):
        run.say(f"removing old log {oldest}")
    else:
        run.say(f"log {oldest} doesn't exist -- won't try to dispose of it")
    if policy.copytruncate:
        run.say(f"copying {log} to {log}.1")
        if copy_fails:
            return
        run.say(f"truncating {log}")
    else:
        run.say(f"renaming {log} to {log}.1")
    if policy.compress and not policy.delaycompress and not run.debug:
        run.say("compressing log with: /bin/gzip")


def _one_log(run: _Run, log: str, policy: LogPolicy) -> None:
    fs = run.host.fs
    run.say(f"considering log {log}")
    try:
        inode = fs.lookup(log)
    except FsError as error:
        if policy.missingok:
            run.say(f"  log {log} does not exist -- skipping")
        else:
            run.error(f"stat of {log} failed: {error.strerror}")
        return
    reason = _needs(run, log, policy, inode.size)
    if reason is None and policy.notifempty and inode.size == 0:
        reason = "log is empty"
    if reason is not None:
        run.say(f"  log does not need rotating ({reason})")
        return
    run.say("  log needs rotating")
    # logrotate copies the whole log before compressing it: a full disk stops that.
    copy_fails = (policy.copytruncate and policy.rotate > 0 and not run.debug
                  and inode.size > fs.mount_for_path(log).avail_bytes)
    _narrate_rotation(run, log, policy, copy_fails)
    if run.debug:
        return
    if copy_fails:
        run.error(f"error copying {log} to {log}.1: No space left on device")
        return
    if not rotate_now(run.host, log, policy):
        run.error(f"failed to rename {log} to {log}.1: No space left on device")


@command("logrotate")
@parsed_with(LOGROTATE_SPEC)
def logrotate(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: logrotate [-d] [-f] [-v] [-s statefile] <configfile>...

    -d reads the configuration and says, log by log, whether it would rotate and
    how, changing nothing; -f rotates now through the world's logrotate model
    (rotate, compress, delaycompress, copytruncate, missingok, notifempty), and -v
    narrates it. Output goes to standard error, as logrotate's does. The state
    file is not read: the last rotation is taken from the newest rotated copy.
    Not supported: scripts (postrotate...), dateext, olddir, mail, create modes.
    """
    if not p.operands:
        inv.stderr.write("logrotate 3.21.0 - Copyright (C) 1995-2001 Red Hat, Inc.\n"
                         "This may be freely redistributed under the terms of the GNU "
                         "General Public License\n\n"
                         "Usage: logrotate [OPTION...] <configfile>\n")
        return 1
    run = _Run(inv, p)
    if run.debug:
        run.lines.append(DEBUG_WARNING)
    stanzas: list[Stanza] = []
    for config in p.operands:
        stanzas += run.load(config, LogPolicy())
    run.say(f"Reading state from file: {p.get('state', STATE_FILE)}")
    run.say("Allocating hash table for state file, size 64 entries")
    run.say(f"\nHandling {len(stanzas)} logs")
    for stanza in stanzas:
        pattern = " ".join(stanza.patterns)
        run.say("\n" + _pattern_line(stanza.policy, pattern, run.force))
        empty = "not rotated" if stanza.policy.notifempty else "rotated"
        run.say(f"empty log files are {empty}, old logs are removed")
        for raw in stanza.patterns:
            for log in run.matches(raw):
                _one_log(run, log, stanza.policy)
    inv.stderr.write("".join(run.lines))
    return run.status
    yield b""  # a generator: everything logrotate says goes to standard error
