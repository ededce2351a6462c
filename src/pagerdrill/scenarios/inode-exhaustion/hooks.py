"""Hooks for inode-exhaustion: the session store, the app, the broken cron job, the checks.

``setup`` sizes the disk's inode table the way mkfs.ext4 does (one inode per 16
KiB), fills every inode that is left with the app's session files (a generated
directory: a million files cost kilobytes), tops the disk's bytes up to a
harmless 35-45%, and writes the evidence: the cron job whose paths the Python
upgrade broke, a month of cron failure mail, and syslog's CRON lines.
"""

from __future__ import annotations

import datetime as _dt
import re
import shlex
from dataclasses import dataclass

from pagerdrill.game.hookkit import read_text, scenario_vars, variable_host
from pagerdrill.game.programs import unwrap_program
from pagerdrill.shell.executor import E2BIG_FACT
from pagerdrill.world.errors import FsError, errno
from pagerdrill.world.host import Host
from pagerdrill.world.lazydir import LazyEntries, LazySpec
from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.programs import NginxProxy, NginxSpec
from pagerdrill.world.programs.cron import CronJob, cron_jobs, cron_line, cron_mail, cron_rule
from pagerdrill.world.prometheus import alerting_rules
from pagerdrill.world.world import World

__all__ = [
    "Nginx",
    "SessionApp",
    "active_sessions_deleted",
    "app_healthy",
    "argument_list_too_long",
    "cleanup_job_fixed",
    "inode_alert",
    "inodes_history",
    "login_error_percent",
    "session_count",
    "sessions_history",
    "setup",
]

_DAY_MS = 86_400_000
_MIN_MS = 60_000
FILL_AGO_MS = 22 * _MIN_MS  # the last free inode went 22 minutes before the page
COOKIE_AGE_MS = 14 * _DAY_MS  # Django's SESSION_COOKIE_AGE: what clearsessions keeps
ACTIVE_MS = 12 * 3_600_000  # sessions this fresh belong to people using the site now
INODE_BYTES = 16384  # mke2fs's default inode ratio
_STATE = "inode-exhaustion.state"


@dataclass
class _State:
    sessions_dir: str
    spec: LazySpec
    broke: int  # when the cron job started failing
    fill: int
    page: int
    used_at_break: int  # inodes in use when the job broke


def _host(world: World) -> Host:
    return variable_host(world, "host", "app-01")


def _app(world: World) -> str:
    return str(scenario_vars(world).get("app", "shop"))


def _state(world: World) -> _State:
    state = world.facts.get(_STATE)
    assert isinstance(state, _State), "setup has not run"
    return state


def _paths(app: str, breakage: str) -> dict[str, str]:
    """Where the code and the interpreter live after the upgrade, and where cron looks."""
    if breakage == "current":  # the new deploy tool dropped the current symlink
        return {"code": f"/srv/{app}/app", "python": f"/srv/{app}/venv/bin/python",
                "old": f"cd /srv/{app}/current && /srv/{app}/venv/bin/python"}
    return {"code": f"/srv/{app}/current", "python": f"/opt/{app}/venv/bin/python",
            "old": f"cd /srv/{app}/current && /srv/{app}/venv/bin/python"}


# -- the app ------------------------------------------------------------------------------


class SessionApp:
    """Gunicorn serving the Django app: every login writes a session file.

    Django's file backend writes a session with ``tempfile.mkstemp`` in the session
    directory, then renames it: with no free inode, mkstemp fails with ENOSPC and
    the login answers 500. /health touches no session, so it stays green.
    """

    LOGINS_PER_S = 0.5

    def __init__(self, app: str, port: int = 8080) -> None:
        self.app, self.port = app, port
        self.credit = 0.0
        self.attempts: list[tuple[int, bool]] = []  # (t, ok) over the last minute
        self.last_ok: bool | None = None
        self.serial = 0
        self.where: tuple[Host, Process] | None = None

    def start(self, host: Host, proc: Process) -> None:
        proc.rss_kb, proc.threads = 182_000, 5
        host.listen(self.port, proc, self.handle, "127.0.0.1")
        self.where = (host, proc)

    @property
    def healthy(self) -> bool:
        """The last login's session write worked (before any: whether one would)."""
        if self.last_ok is not None or self.where is None:
            return bool(self.last_ok)
        host, proc = self.where
        try:
            directory = host.fs.lookup(f"/var/lib/{self.app}/sessions")
        except FsError:
            return False
        cred = host.cred_for(proc.user)
        return host.fs.access(directory, 3, cred) and directory.mount.avail_inodes > 0

    def stop(self, host: Host, proc: Process) -> None:
        del host, proc  # the host closes the listener when the process exits

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        return SignalAction.DEFAULT

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        self.credit += self.LOGINS_PER_S * dt_ms / 1000
        now = host.clock.now_ms
        while self.credit >= 1:
            self.credit -= 1
            ok = self._try_session(host, now)
            self.attempts.append((now, ok))
            self.last_ok = ok
        self.attempts = [a for a in self.attempts if a[0] > now - _MIN_MS]

    def _try_session(self, host: Host, now: int) -> bool:
        directory = f"/var/lib/{self.app}/sessions"
        self.serial += 1
        rng = host.world.rng.child("session", self.serial)
        key = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(32))
        temp = f"{directory}/sessionid{key}_out_{key[:8]}"
        cred = host.cred_for(self.app)
        fs = host.fs
        try:
            inode = fs.create(temp, cred=cred, mode=0o600)
            fs.write(inode, f".eJxVjDsOwjAQ{key}:1w{now // 1000:x}".encode(), path=temp)
            fs.rename(temp, f"{directory}/sessionid{key}", cred=cred)
            return True
        except FsError as error:
            self._log_error(host, now, error, temp, directory)
            return False

    def _log_error(self, host: Host, now: int, error: FsError, temp: str, directory: str) -> None:
        stamp = _dt.datetime.fromtimestamp(now / 1000, tz=_dt.UTC)
        head = f"{stamp:%Y-%m-%d %H:%M:%S},{now % 1000:03d} ERROR django.request "
        if error.errno == errno.ENOENT:
            last = (f"django.core.exceptions.ImproperlyConfigured: The session storage path "
                    f"'{directory}' doesn't exist. Please set your SESSION_FILE_PATH setting to "
                    "an existing directory in which Django can store session data.")
        else:
            kind = {errno.EACCES: "PermissionError"}.get(error.errno, "OSError")
            last = f"{kind}: [Errno {error.errno}] {error.strerror}: '{temp}'"
        text = f"{head}Internal Server Error: /accounts/login/\n{last}\n"
        path = f"/var/log/{self.app}/error.log"
        try:
            fs = host.fs
            fs.write(fs.open_for_write(path, append=True), text.encode(), path=path)
        except FsError:
            pass

    def error_percent(self) -> float:
        if not self.attempts:
            return 0.0 if self.healthy else 100.0
        return 100.0 * sum(not ok for _, ok in self.attempts) / len(self.attempts)

    def respond(self, request: HttpRequest) -> HttpResponse:
        headers = {"Content-Type": "text/html; charset=utf-8", "Server": "gunicorn"}
        if request.path.startswith("/health"):
            return HttpResponse(200, b'{"status": "ok"}\n',
                                {**headers, "Content-Type": "application/json"})
        if self.healthy:
            return HttpResponse(200, b"<!doctype html><title>Sign in</title>\n", headers)
        return HttpResponse(500, b"<h1>Server Error (500)</h1>\n", headers)

    def handle(self, request: HttpRequest) -> HttpResponse:
        return self.respond(request)


def Nginx(server_name: str) -> NginxProxy:
    return NginxProxy(NginxSpec(server_name=server_name, upstream_port=8080))


def _running_app(world: World) -> SessionApp | None:
    host = _host(world)
    listener = host.listeners.get(8080)
    proc = host.procs.get(listener.pid) if listener else None
    program = unwrap_program(proc) if proc else None
    return program if isinstance(program, SessionApp) else None


# -- the cron job ---------------------------------------------------------------------------


def _run_job(world: World, host: Host, job: CronJob, *, dry: bool = False) -> tuple[int, str]:
    """What /bin/sh -c makes of the two command shapes this host's jobs take:
    ``cd DIR && PYTHON manage.py clearsessions`` and ``find DIR ... -delete``."""
    cwd = host.users[job.user].home if job.user in host.users else "/"
    for step in job.command.split("&&"):
        try:
            words = shlex.split(step)
        except ValueError:
            return 2, "/bin/sh: 1: Syntax error: Unterminated quoted string"
        if not words:
            return 2, '/bin/sh: 1: Syntax error: "&&" unexpected'
        if words[0] == "cd":
            target = host.fs.abspath(words[1] if len(words) > 1 else cwd, cwd)
            if not host.fs.exists(target) or not host.fs.lookup(target).is_dir:
                return 2, f"/bin/sh: 1: cd: can't cd to {words[1]}"
            cwd = target
        elif words[0].endswith(("/python", "/python3")):
            if not host.fs.exists(words[0]):
                return 127, f"/bin/sh: 1: {words[0]}: not found"
            script = host.fs.abspath(words[1] if len(words) > 1 else "", cwd)
            if len(words) < 3 or not host.fs.exists(script):
                return 2, (f"{words[0]}: can't open file '{script}': [Errno 2] "
                           "No such file or directory")
            if words[1:3] != ["manage.py", "clearsessions"]:
                return 1, f"Unknown command: {' '.join(words[2:3])!r}"
            if not dry:
                _expire(world, host, _state(world).sessions_dir, COOKIE_AGE_MS)
        elif words[0] in ("find", "/usr/bin/find") and "-delete" in words:
            age = _find_age(words)
            if age is None or len(words) < 2:
                return 1, "find: unsupported expression in the cleanup job"
            if not dry:
                _expire(world, host, words[1], age)
        else:
            return 127, f"/bin/sh: 1: {words[0]}: not found"
    return 0, ""


def _find_age(words: list[str]) -> int | None:
    for flag, unit in (("-mmin", _MIN_MS), ("-mtime", _DAY_MS)):
        if flag in words:
            index = words.index(flag) + 1
            value = words[index] if index < len(words) else ""
            return int(value[1:]) * unit if re.fullmatch(r"\+\d+", value) else None
    return None


def _expire(world: World, host: Host, directory: str, age_ms: int) -> None:
    """Delete the session files older than ``age_ms`` (one range for the generated ones)."""
    try:
        inode = host.fs.lookup(directory)
    except FsError:
        return
    entries = inode.entries
    cutoff = world.clock.now_ms - age_ms
    if isinstance(entries, LazyEntries):
        host.fs.delete_lazy(inode, 0, entries.spec.first_newer(cutoff))
        for name, child in list(entries.extra.items()):
            if child.mtime_ms < cutoff:
                host.fs.unlink(f"{directory}/{name}")


def _cron(world: World, host: Host, job: CronJob) -> tuple[int, str]:
    """The session jobs run as modelled; the host's other jobs succeed quietly."""
    if job.user != _app(world) and _state(world).sessions_dir not in job.command:
        return 0, ""
    return _run_job(world, host, job)


# -- setup ------------------------------------------------------------------------------------


def _session_text(spec: LazySpec, index: int) -> bytes:
    token = spec.name(index)[-32:]
    size = spec.size(index)
    body = (f".eJxVjDsOwjAQRO_iOpV{token}" * (size // 40 + 2))[: size - 20]
    return f"{body}:1w{spec.mtime(index) // 1000:x}:{token[:10]}".encode()[:size]


def setup(world: World) -> None:
    host = _host(world)
    variables = scenario_vars(world)
    app = _app(world)
    page = world.clock.now_ms
    mount = host.fs.mount_for_path("/")
    mount.inodes_total = mount.size_bytes // INODE_BYTES
    broke = page - int(variables.get("broke_days", 31)) * _DAY_MS - 9 * 3_600_000
    fill = page - FILL_AGO_MS
    _red_herring(world, host, str(variables.get("herring", "none")))
    _install_code(host, app, str(variables.get("breakage", "venv")))
    last_pid = _history(world, host, broke, fill, page)
    # Every inode left goes to the session files.
    directory = f"/var/lib/{app}/sessions"
    count = mount.avail_inodes
    spec = LazySpec(count, world.seed * 7919 + 17, prefix="sessionid", mode=0o600,
                    uid=host.uid_of(app), gid=host.groups.get(app, 0),
                    mtime_first_ms=broke - COOKIE_AGE_MS, mtime_last_ms=fill,
                    size_min=180, size_max=420)
    host.fs.add_lazy_dir(directory, spec, mode=0o700, uid=host.uid_of(app),
                         gid=host.groups.get(app, 0),
                         content=lambda i: _session_text(spec, i))
    used_at_break = mount.used_inodes - (count - spec.first_newer(broke))
    world.facts[_STATE] = _State(directory, spec, broke, fill, page, used_at_break)
    # Bytes: what uploads and the database hold, to the seed's harmless percentage.
    target = int(mount.size_bytes * int(variables.get("used_pct", 40)) / 100)
    host.fs.set_opaque(f"/srv/{app}/media", max(0, target - mount.used_bytes), 0)
    world.rules.append(cron_rule(host, _cron, first_pid=last_pid + 40))


def _red_herring(world: World, host: Host, kind: str) -> None:
    """Many files that are supposed to be there: they show up in du --inodes too."""
    rng = world.rng.child("inode-exhaustion", "herring")
    fs = host.fs
    if kind == "docker":
        fs.mkdir("/var/lib/docker/overlay2", parents=True, mode=0o710)
        size = host.fs.mount_for_path("/").size_bytes
        fs.set_opaque("/var/lib/docker/overlay2", size * rng.randint(20, 40) // 1000,
                      rng.randint(150_000, 260_000))
    elif kind == "kernels":
        for abi in range(rng.randint(18, 20), 22):  # 2-4 kernels autoremove never removed
            path = f"/usr/lib/modules/6.1.0-{abi}-amd64"
            fs.mkdir(path, parents=True)
            fs.set_opaque(path, rng.randint(300, 330) << 20, rng.randint(4200, 4400))


def _install_code(host: Host, app: str, breakage: str) -> None:
    """The upgraded layout (what the unit runs) and the cron job still on the old one."""
    paths = _paths(app, breakage)
    uid, gid = host.uid_of(app), host.groups.get(app, 0)
    fs = host.fs
    fs.put(f"{paths['code']}/manage.py", b"#!/usr/bin/env python\nimport os\nimport sys\n\n"
           b"if __name__ == \"__main__\":\n    os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", "
           + f'"{app}.settings")\n'.encode() + b"    from django.core.management import "
           b"execute_from_command_line\n    execute_from_command_line(sys.argv)\n",
           mode=0o755, uid=uid, gid=gid)
    venv = paths["python"].rsplit("/bin/", 1)[0]
    for tool in ("python", "gunicorn"):
        fs.put(f"{venv}/bin/{tool}", b"\x7fELF" + bytes(60), mode=0o755)
    fs.put(f"/usr/local/bin/{app}-serve", (
        f"#!/bin/sh\n# Since the Python 3.11 upgrade (see /srv/{app}/deploy/CHANGELOG.md)\n"
        f"cd {paths['code']}\n"
        f"exec {venv}/bin/gunicorn {app}.wsgi:application --bind 127.0.0.1:8080 --workers 3 \\\n"
        f"    --access-logfile /var/log/{app}/access.log --error-logfile /var/log/{app}/error.log\n"
    ).encode(), mode=0o755)
    fs.put(f"/etc/cron.d/{app}-sessions", (
        f"# Expired Django sessions ({app} uses the file session backend).\n"
        "MAILTO=root\n"
        f"15 * * * * {app} {paths['old']} manage.py clearsessions\n").encode())


def _history(world: World, host: Host, broke: int, fill: int, page: int) -> int:
    """A month of hourly failure mail, and syslog's last week of CRON lines; returns
    the last pid cron used."""
    job = next(j for j in cron_jobs(host) if j.user == _app(world))
    status, output = _run_job(world, host, job, dry=True)
    assert status != 0, "the job must be broken at the page"
    mail: list[str] = []
    syslog: list[str] = []
    first = (broke // 3_600_000 + 1) * 3_600_000 + 15 * _MIN_MS
    pid = 20000 + world.rng.child("cron").randrange(5000)
    for t in range(first, page, 3_600_000):
        pid += 3 + (t // 3_600_000) % 11
        mail.append(cron_mail(host, job, output, t + 1000))
        if t >= page - 7 * _DAY_MS:
            hourly = f"{cron_line(host, job, pid, t + 1000)}\n"
            when = cron_line(host, job, pid + 1, t + 2 * _MIN_MS + 1000).split(" CRON")[0]
            syslog.append(hourly + f"{when} CRON[{pid + 1}]: (root) CMD (   cd / && "
                          "run-parts --report /etc/cron.hourly)\n")
    host.fs.put("/var/mail/root", "".join(mail).encode(), mode=0o660,
                gid=host.groups.get("mail", 8), mtime_ms=page - 52 * _MIN_MS)
    host.fs.put("/var/log/syslog", "".join(syslog).encode(), mode=0o640,
                gid=host.groups.get("adm", 4), mtime_ms=page - 50 * _MIN_MS)
    errors: list[str] = []
    for t in range(fill, page, 2000):
        stamp = _dt.datetime.fromtimestamp(t / 1000, tz=_dt.UTC)
        key = f"{(t * 2654435761) % (1 << 64):016x}"[:16] + "k3v9q2"
        errors.append(f"{stamp:%Y-%m-%d %H:%M:%S},{t % 1000:03d} ERROR django.request Internal "
                      f"Server Error: /accounts/login/\nOSError: [Errno 28] No space left on "
                      f"device: '/var/lib/{_app(world)}/sessions/sessionid{key}_out_{key[:8]}'\n")
    path = f"/var/log/{_app(world)}/error.log"
    host.fs.put(path, "".join(errors).encode(), mode=0o640, uid=host.uid_of(_app(world)),
                gid=host.groups.get("adm", 4), mtime_ms=page)
    return pid


# -- checks -------------------------------------------------------------------------------------


def app_healthy(world: World) -> bool:
    """Logins work: the running app's last session write succeeded."""
    app = _running_app(world)
    return app is not None and app.healthy


def login_error_percent(world: World) -> float:
    app = _running_app(world)
    return 100.0 if app is None else app.error_percent()


def session_count(world: World) -> float:
    try:
        inode = _host(world).fs.lookup(_state(world).sessions_dir)
    except FsError:
        return 0.0
    return float(len(inode.entries or ()))


def argument_list_too_long(world: World) -> bool:
    """A command line failed with E2BIG (``rm DIR/*`` over the session files)."""
    count = world.facts.get(E2BIG_FACT, 0)
    return isinstance(count, int) and count > 0


def active_sessions_deleted(world: World) -> bool:
    """Most of the sessions of people using the site right now were deleted."""
    state = _state(world)
    try:
        inode = _host(world).fs.lookup(state.sessions_dir)
    except FsError:
        return True
    entries = inode.entries
    if not isinstance(entries, LazyEntries):
        return True  # the generated directory itself was removed
    lo = entries.spec.first_newer(state.fill - ACTIVE_MS)
    alive = entries.alive.count(1, lo, entries.spec.count)
    return alive < (entries.spec.count - lo) // 2


def cleanup_job_fixed(world: World) -> bool:
    """Some job in /etc/cron.d that runs at least daily would now clean the sessions."""
    host = _host(world)
    for job in cron_jobs(host):
        minute, hour = job.fields[0], job.fields[1]
        daily = len(job.fields[2]) == 31 and len(job.fields[3]) == 12 and len(job.fields[4]) >= 7
        targets = _state(world).sessions_dir in job.command or "clearsessions" in job.command
        if minute and hour and daily and targets and _run_job(world, host, job, dry=True)[0] == 0:
            return True
    return False


_COMPARISON = re.compile(r"([<>]=?)\s*([0-9.]+)\s*$")


def inode_alert(world: World) -> bool:
    """node.yml alerts when a filesystem's free inodes fall under 3-25% (or used above 75-97%)."""
    text = read_text(_host(world), "/etc/prometheus/rules/node.yml")
    for rule in alerting_rules(text or ""):
        expr = " ".join(rule.expr.split())
        match = _COMPARISON.search(expr)
        if not match or "node_filesystem_files_free" not in expr \
                or not re.search(r"node_filesystem_files\b(?!_)", expr):
            continue
        value = float(match.group(2))
        value = value / 100 if value > 1 else value
        if match.group(1).startswith("<") and 0.03 <= value <= 0.25:
            return True
        if match.group(1).startswith(">") and 0.75 <= value <= 0.97:
            return True
    return False


# -- dashboards before the page -------------------------------------------------------------------


def inodes_history(world: World, t_ms: int) -> float:
    """Inodes used on / (%): flat while the job cleaned, climbing since it broke."""
    state = _state(world)
    total = _host(world).fs.mount_for_path("/").inodes_total
    if t_ms <= state.broke:
        return 100.0 * state.used_at_break / total
    grown = (total - state.used_at_break) * min(1.0, (t_ms - state.broke)
                                                 / (state.fill - state.broke))
    return 100.0 * (state.used_at_break + grown) / total


def sessions_history(world: World, t_ms: int) -> float:
    """Session files: two weeks' worth while the job ran, growing since it broke."""
    state = _state(world)
    rate = state.spec.count / (state.fill - state.broke + COOKIE_AGE_MS)
    return rate * (COOKIE_AGE_MS + max(0, min(t_ms, state.fill) - state.broke))
