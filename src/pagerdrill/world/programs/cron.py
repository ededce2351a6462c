"""cron: the jobs in /etc/cron.d, run each minute, logged and mailed as Debian's cron does.

The world cannot run a shell, so what a job *does* is the scenario's business: a
:data:`JobRunner` gets the job and returns its exit status and output. cron itself
reads the files on every run (edits apply at the next minute, as cron's
inotify-driven reload does), logs ``CRON[pid]: (user) CMD (command)`` to syslog and
the journal, and mails any output to ``MAILTO`` (default: the job's user).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.world.errors import FsError
from pagerdrill.world.services import JournalEntry

from .stamps import syslog_stamp

if TYPE_CHECKING:
    from pagerdrill.world.host import Host
    from pagerdrill.world.world import Rule, World

__all__ = ["CronJob", "JobRunner", "cron_jobs", "cron_line", "cron_mail", "cron_rule",
           "parse_cron_d"]

_MINUTE_MS = 60_000
_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_NAMES = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
          "sep": 9, "oct": 10, "nov": 11, "dec": 12, "sun": 0, "mon": 1, "tue": 2, "wed": 3,
          "thu": 4, "fri": 5, "sat": 6}
_ENV = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


@dataclass(frozen=True)
class CronJob:
    source: str
    fields: tuple[frozenset[int], ...]  # minute, hour, day of month, month, day of week
    user: str
    command: str
    env: tuple[tuple[str, str], ...] = ()

    def due(self, t_ms: int) -> bool:
        at = _dt.datetime.fromtimestamp(t_ms // 1000, tz=_dt.UTC)
        minute, hour, dom, month, dow = self.fields
        weekday = at.isoweekday() % 7
        days = (at.day in dom, weekday in dow or (weekday == 0 and 7 in dow))
        # cron's rule: when both day fields are restricted, either may match.
        day_ok = (days[0] or days[1]) if len(dom) < 31 and len(dow) < 8 else all(days)
        return at.minute in minute and at.hour in hour and at.month in month and day_ok

    @property
    def mailto(self) -> str:
        return dict(self.env).get("MAILTO", self.user)


JobRunner = Callable[["World", "Host", CronJob], tuple[int, str]]


def _field(text: str, low: int, high: int) -> frozenset[int] | None:
    values: set[int] = set()
    for part in text.lower().split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else 1 if not step_text else 0
        if body == "*":
            start, end = low, high
        else:
            first, _, last = body.partition("-")
            bounds = [_NAMES.get(x, int(x) if x.isdigit() else -1) for x in (first, last or first)]
            start, end = bounds
            if step_text and not last:
                end = high
        if step <= 0 or not low <= start <= end <= high:
            return None
        values.update(range(start, end + 1, step))
    return frozenset(values)


def parse_cron_d(source: str, text: str) -> list[CronJob]:
    """The jobs of one /etc/cron.d file; bad lines are skipped, as cron skips them."""
    jobs: list[CronJob] = []
    env: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ENV.match(line)
        if match and not line.lstrip()[:1].isdigit() and line.lstrip()[:1] not in "*@":
            env.append((match.group(1), match.group(2).strip().strip("'\"")))
            continue
        parts = line.split(None, 6)
        if len(parts) < 7:
            continue
        fields = [_field(p, lo, hi) for p, (lo, hi) in zip(parts[:5], _RANGES, strict=True)]
        if any(f is None for f in fields):
            continue
        jobs.append(CronJob(source, tuple(f for f in fields if f is not None), parts[5],
                            parts[6], tuple(env)))
    return jobs


def cron_jobs(host: Host) -> list[CronJob]:
    """Every job cron would run now (Debian reads only valid names in /etc/cron.d)."""
    fs = host.fs
    try:
        directory = fs.lookup("/etc/cron.d")
    except FsError:
        return []
    jobs: list[CronJob] = []
    for name in sorted(fs.listdir(directory)):
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            continue
        inode = fs.lookup(f"/etc/cron.d/{name}")
        if inode.is_file and inode.content is not None:
            text = inode.content.read().decode("utf-8", "replace")
            jobs.extend(parse_cron_d(f"/etc/cron.d/{name}", text))
    return jobs


def cron_line(host: Host, job: CronJob, pid: int, t_ms: int) -> str:
    return f"{syslog_stamp(t_ms)} {host.name} CRON[{pid}]: ({job.user}) CMD ({job.command})"


def cron_mail(host: Host, job: CronJob, output: str, t_ms: int) -> str:
    """The message cron mails a job's output in (mbox format, one local MTA hop)."""
    at = _dt.datetime.fromtimestamp(t_ms // 1000, tz=_dt.UTC)
    fqdn = host.name
    env = dict(job.env)
    home = host.users[job.user].home if job.user in host.users else "/"
    cron_env = {"MAILTO": env.get("MAILTO"), "SHELL": env.get("SHELL", "/bin/sh"),
                "HOME": env.get("HOME", home), "PATH": env.get("PATH", "/usr/bin:/bin"),
                "LOGNAME": job.user}
    headers = "".join(f"X-Cron-Env: <{k}={v}>\n" for k, v in cron_env.items() if v is not None)
    return (f"From root@{fqdn}  {at:%a %b %d %H:%M:%S %Y}\n"
            f"From: root@{fqdn} (Cron Daemon)\n"
            f"To: {job.mailto}@{fqdn}\n"
            f"Subject: Cron <{job.user}@{fqdn}> {job.command}\n"
            f"Content-Type: text/plain; charset=UTF-8\n{headers}"
            f"Date: {at:%a, %d %b %Y %H:%M:%S} +0000\n\n{output.rstrip()}\n\n")


@dataclass
class _Cron:
    host: Host
    run: JobRunner
    next_ms: int
    pid: int

    def due(self, world: World) -> bool:
        return world.clock.now_ms >= self.next_ms

    def tick(self, world: World) -> None:
        while self.next_ms <= world.clock.now_ms:
            minute = self.next_ms
            self.next_ms += _MINUTE_MS
            for job in cron_jobs(self.host):
                if job.due(minute):
                    self._start(world, job, minute + 1000)  # cron forks at second :01

    def _start(self, world: World, job: CronJob, t_ms: int) -> None:
        self.pid += 1 + (t_ms // 1000) % 7
        self._append("/var/log/syslog", cron_line(self.host, job, self.pid, t_ms) + "\n")
        self.host.journal.add(JournalEntry(t_ms, "CRON", f"({job.user}) CMD ({job.command})",
                                           "cron.service", self.pid))
        _status, output = self.run(world, self.host, job)
        if output and job.mailto:
            self._append(f"/var/mail/{job.mailto}", cron_mail(self.host, job, output, t_ms))

    def _append(self, path: str, text: str) -> None:
        fs = self.host.fs
        try:
            inode = fs.open_for_write(path, append=True)
            fs.write(inode, text.encode(), path=path)
        except FsError:
            pass  # a full disk loses the line, as rsyslog and the MTA would


def cron_rule(host: Host, run: JobRunner, first_pid: int = 20000) -> Rule:
    """A world rule running the host's /etc/cron.d jobs at every minute boundary."""
    from pagerdrill.world.world import Rule

    now = host.world.clock.now_ms
    cron = _Cron(host, run, (now // _MINUTE_MS + 1) * _MINUTE_MS, first_pid)
    return Rule(f"cron@{host.name}", lambda world, dt: cron.tick(world), cron.due)
