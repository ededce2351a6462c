"""Building a World from a validated ``world:`` section.

Everything here is a pure function of (spec, seed, hooks): two builds with the
same seed give identical worlds. Problems found while building (a file under a
path that is a file, a hook that raises) are collected as
:class:`BuildProblem`s with the key path of the entry that caused them, so the
loader can report them as ``scenario.yaml:LINE: keypath: message``.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from pagerdrill.game.format import (
    AlertSpec,
    FileSpec,
    HistorySpec,
    HostSpec,
    MetricSpec,
    ProgramSpec,
    RepoSpec,
    ServiceSpec,
    SourceSpec,
    WorldSpec,
    _Running,
)
from pagerdrill.game.linetemplate import compile_template
from pagerdrill.game.predicates import (
    ProbeFn,
    compile_predicate,
    compile_probe,
    default_gauge_name,
)
from pagerdrill.game.programs import (
    BUILTIN_PROGRAMS,
    ConfiguredProgram,
    ProcessSettings,
    register_source,
    text_source,
)
from pagerdrill.game.units import REST
from pagerdrill.world.builder import add_linux_host
from pagerdrill.world.content import FileContent, LineFactory, TextSource
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Kind, Mount
from pagerdrill.world.git import Repository, Signature
from pagerdrill.world.host import Host, User
from pagerdrill.world.process import Program
from pagerdrill.world.rng import Rng, derive_seed
from pagerdrill.world.services import Unit
from pagerdrill.world.telemetry import AlertRule, ChatRule, Gauge, History, piecewise_linear
from pagerdrill.world.world import Rule, World

__all__ = ["BuildProblem", "WorldBuildError", "build_world", "text_source"]

KeyPath = tuple[str | int, ...]
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


@dataclass(frozen=True)
class BuildProblem:
    path: KeyPath  # from the scenario's root, e.g. ("world", "hosts", 0, "files", 3)
    message: str


class WorldBuildError(Exception):
    def __init__(self, problems: list[BuildProblem]) -> None:
        super().__init__("; ".join(f"{p.path}: {p.message}" for p in problems))
        self.problems = problems


@dataclass
class _Builder:
    spec: WorldSpec
    seed: int
    hook: Callable[[str], Any]
    default_host: str
    variables: dict[str, object]
    world: World = field(init=False)
    gauges: dict[str, ProbeFn] = field(default_factory=dict)
    gauge_names: dict[str, str] = field(default_factory=dict)  # metric id -> series name
    problems: list[BuildProblem] = field(default_factory=list)

    # CompileContext for predicates and probes.
    def gauge(self, metric_id: str) -> ProbeFn:
        return self.gauges[metric_id]

    @contextmanager
    def at(self, *path: str | int) -> Iterator[None]:
        """Record any failure inside as a problem of the entry at ``path``."""
        try:
            yield
        except FsError as error:
            self.problems.append(BuildProblem(("world", *path),
                                              f"{error.path}: {error.strerror}"))
        except (ValueError, KeyError) as error:
            self.problems.append(BuildProblem(("world", *path), str(error.args[0])))
        except Exception as error:  # a hook that raised: report it, keep building
            self.problems.append(BuildProblem(("world", *path),
                                              f"{type(error).__name__}: {error}"))


def build_world(spec: WorldSpec, seed: int, *, hook: Callable[[str], Any],
                default_host: str, variables: dict[str, object] | None = None) -> World:
    """A fresh world at the instant of the page; raises WorldBuildError listing all problems."""
    builder = _Builder(spec, seed, hook, default_host, dict(variables or {}))
    world = builder.world = World(seed, spec.start.resolve(0))
    world.telemetry.page_ms = world.clock.now_ms
    world.telemetry.scrape_ms = spec.scrape
    world.facts.update(spec.facts)
    world.facts["variables"] = dict(builder.variables)
    for name, source in spec.sources.items():
        with builder.at("sources", name):
            register_source(world, name, _text_source(builder, name, source))
    hosts: list[tuple[int, HostSpec, Host]] = []
    for i, host_spec in enumerate(spec.hosts):
        with builder.at("hosts", i):
            hosts.append((i, host_spec, _new_host(world, host_spec)))
    for i, host_spec, host in hosts:
        # Again, now that every host and user exists: /etc/hosts, passwd, group, homes.
        host.install_base_system()
        _populate(builder, i, host_spec, host)
    _telemetry(builder)
    for i, ref in enumerate(spec.setup):
        with builder.at("setup", i):
            builder.hook(ref)(world)
    for i, host_spec, host in hosts:
        _fill_rest(builder, i, host_spec, host)
        _check_space(builder, i, host_spec, host)
    for i, metric in enumerate(spec.metrics):
        if metric.history is not None and metric.id in builder.gauge_names:
            with builder.at("metrics", i, "history"):
                _backfill(builder, metric, metric.history)
    if builder.problems:
        raise WorldBuildError(builder.problems)
    return world


def _line_factory(builder: _Builder, source: SourceSpec) -> LineFactory:
    if source.template is not None:
        return compile_template(source.template)
    factory: LineFactory = builder.hook(source.hook or "")
    return factory


def _text_source(builder: _Builder, name: str, source: SourceSpec) -> TextSource:
    start = builder.world.clock.now_ms
    return TextSource(name, derive_seed(builder.seed, "source", name),
                      _line_factory(builder, source), t0_ms=source.since.resolve(start),
                      bytes_per_second=source.rate)


def _noise(rng: Rng, t_ms: int) -> str:
    """Filler for files given only a size (archives, binaries): printable noise."""
    del t_ms
    return "".join(chr(rng.randrange(33, 127)) for _ in range(rng.randint(40, 120)))


def _new_host(world: World, spec: HostSpec) -> Host:
    host = add_linux_host(world, spec.name, spec.ip, disk_source=spec.disk.source,
                          disk_bytes=spec.disk.size, disk_inodes=spec.disk.inodes,
                          uptime_s=spec.uptime // 1000, cpus=spec.cpus,
                          mem_total_kb=spec.memory // 1024, domain=spec.domain)
    host.fs.mounts[0].fstype = spec.disk.fstype
    host.groups.update(spec.groups)
    for user in spec.users:
        gid = user.uid if user.gid is None else user.gid
        host.add_user(User(user.name, user.uid, gid, user.home or f"/home/{user.name}",
                           user.shell, user.gecos, tuple(user.groups)))
    return host


def _ids(host: Host, owner: str, group: str | None) -> tuple[int, int]:
    if owner not in host.users:
        raise ValueError(f"no user '{owner}' on host {host.name}")
    uid = host.uid_of(owner)
    if group is None:
        return uid, host.gid_of(owner)
    if group not in host.groups:
        raise ValueError(f"no group '{group}' on host {host.name}")
    return uid, host.groups[group]


def _populate(b: _Builder, i: int, spec: HostSpec, host: Host) -> None:
    fs, now = host.fs, host.clock.now_ms
    if spec.base_processes:
        with b.at("hosts", i, "base_processes"):
            _base_processes(b, host)
    for j, mount in enumerate(spec.mounts):
        with b.at("hosts", i, "mounts", j):
            fs.mkdir(mount.target, parents=True)
            fs.add_mount(Mount(mount.source, mount.target, mount.fstype, mount.size,
                               mount.inodes, mount.options))
    for j, opaque in enumerate(spec.opaque):
        with b.at("hosts", i, "opaque", j):
            fs.mkdir(opaque.path, parents=True)
            if opaque.size != REST:
                fs.set_opaque(opaque.path, opaque.size, opaque.inodes)
    for j, directory in enumerate(spec.dirs):
        with b.at("hosts", i, "dirs", j):
            uid, gid = _ids(host, directory.owner, directory.group)
            mode = 0o755 if directory.mode is None else directory.mode
            inode = fs.mkdir(directory.path, parents=True, mode=mode, uid=uid, gid=gid)
            inode.mode, inode.uid, inode.gid = mode, uid, gid
            if directory.mtime is not None:
                fs.utime(inode, directory.mtime.resolve(now))
    for j, file in enumerate(spec.files):
        with b.at("hosts", i, "files", j):
            _file(b, host, file)
    for j, link in enumerate(spec.links):
        with b.at("hosts", i, "links", j):
            fs.mkdir(posixpath.dirname(link.path), parents=True)
            uid, gid = _ids(host, link.owner, None)
            fs.create(link.path, kind=Kind.LINK, target=link.target, uid=uid, gid=gid)
    for j, service in enumerate(spec.services):
        with b.at("hosts", i, "services", j):
            _service(b, host, service)
    for j, process in enumerate(spec.processes):
        with b.at("hosts", i, "processes", j):
            argv = shlex.split(process.argv) if isinstance(process.argv, str) else process.argv
            start = process.start.resolve(now) if process.start is not None else None
            for n in range(process.count):
                host.procs.spawn(argv, user=process.user, ppid=process.ppid,
                                 program=_program(b, process),
                                 pid=None if process.pid is None else process.pid + n,
                                 start_ms=start, rss_kb=(process.rss or 1 << 20) // 1024,
                                 vsz_kb=(process.vsz or 8 << 20) // 1024).tty = process.tty
    for j, repo in enumerate(spec.repos):
        with b.at("hosts", i, "repos", j):
            _repo(host, repo)


def _repo(host: Host, spec: RepoSpec) -> None:
    """Commit the history in order, then check HEAD out into the filesystem."""
    repo = Repository(spec.path, spec.branch,
                      upstream=f"origin/{spec.branch}" if spec.upstream else None)
    now = host.clock.now_ms
    for commit in spec.commits:
        email = commit.email or f"{commit.author.split()[0].lower()}@example.com"
        author = Signature(commit.author, email, commit.date.resolve(now))
        changes = {path.lstrip("/"): None if data is None else data.encode()
                   for path, data in commit.files.items()}
        repo.commit(commit.message, author, changes)
    uid, gid = _ids(host, spec.owner, None)
    repo.checkout(host, uid, gid)


def _file(b: _Builder, host: Host, spec: FileSpec) -> None:
    now = host.clock.now_ms
    uid, gid = _ids(host, spec.owner, spec.group)
    mtime = spec.mtime.resolve(now) if spec.mtime is not None else now
    mode = 0o644 if spec.mode is None else spec.mode
    content: bytes | FileContent
    if spec.content is not None:
        content = spec.content.encode()
    elif spec.lines is not None:
        content = "".join(line + "\n" for line in spec.lines).encode()
    elif spec.size == REST:
        content = b""  # sized by _fill_rest once everything else is in place
    elif spec.generator is not None or spec.size is not None:
        content = _generated(b, spec, mtime)
    else:
        content = b""
    host.fs.put(spec.path, content, mode=mode, uid=uid, gid=gid, mtime_ms=mtime)


def _source_for(b: _Builder, spec: FileSpec) -> TextSource:
    if isinstance(spec.generator, str):
        return text_source(b.world, spec.generator)
    if isinstance(spec.generator, SourceSpec):
        return _text_source(b, f"file:{spec.path}", spec.generator)
    return TextSource(f"noise:{spec.path}", derive_seed(b.seed, "noise", spec.path), _noise,
                      t0_ms=0, bytes_per_second=1.0)


def _generated(b: _Builder, spec: FileSpec, mtime: int) -> FileContent:
    """The window of the source that ends at the file's mtime."""
    source = _source_for(b, spec)
    if spec.generator is None:
        return FileContent.generated(source, 0, spec.size or 0)
    end = source.offset_at(mtime)
    size = end if spec.size is None else spec.size
    if size > end:
        raise ValueError(f"size {_human(size)} is more than source '{source.name}' wrote by the "
                         f"file's mtime ({_human(end)}); raise its rate or move its 'since' "
                         f"earlier")
    return FileContent.generated(source, end - size, size)


def _human(nbytes: int) -> str:
    for unit, size in (("T", 1 << 40), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if nbytes >= size:
            return f"{nbytes / size:.1f}{unit}"
    return str(nbytes)


def _check_space(b: _Builder, i: int, spec: HostSpec, host: Host) -> None:
    """A disk cannot hold more than its size: that is a scenario mistake, not a full disk."""
    for mount in host.fs.mounts:
        if mount.used_bytes > mount.size_bytes or mount.used_inodes > mount.inodes_total:
            extra = [j for j, m in enumerate(spec.mounts) if m.target == mount.target]
            where = ("hosts", i, "mounts", extra[0]) if extra else ("hosts", i, "disk")
            b.problems.append(BuildProblem(("world", *where), (
                f"{mount.target} on {host.name} holds {_human(mount.used_bytes)} in "
                f"{mount.used_inodes} inodes but its size is {_human(mount.size_bytes)} with "
                f"{mount.inodes_total} inodes")))


def _fill_rest(b: _Builder, i: int, spec: HostSpec, host: Host) -> None:
    """Give each ``size: rest`` entry what its mount has left: the disk ends up full."""
    for j, opaque in enumerate(spec.opaque):
        if opaque.size == REST:
            with b.at("hosts", i, "opaque", j):
                inode = host.fs.lookup(opaque.path)
                room = inode.mount.avail_bytes + inode.opaque_bytes
                host.fs.set_opaque(opaque.path, room, opaque.inodes)
    for j, file in enumerate(spec.files):
        if file.size == REST:
            with b.at("hosts", i, "files", j):
                inode = host.fs.lookup(file.path)
                room = (inode.mount.avail_bytes + inode.charged_bytes) // 4096 * 4096
                source = _source_for(b, file)
                mtime = inode.mtime_ms
                if file.generator is None:
                    content = FileContent.generated(source, 0, room)
                else:
                    end = source.offset_at(mtime)
                    content = FileContent.generated(source, max(0, end - room), room)
                host.fs.put(file.path, content, mode=inode.mode, uid=inode.uid, gid=inode.gid,
                            mtime_ms=mtime)


def _base_processes(b: _Builder, host: Host) -> None:
    """PID 1 and the daemons every Debian host runs, started at boot."""
    boot = host.boot_ms
    procs = host.procs
    procs.spawn(["/sbin/init"], pid=1, ppid=0, start_ms=boot, rss_kb=12_288, vsz_kb=168_000)
    procs.skip_pids(b.world.rng.child("pids", host.name, "boot").randint(180, 320))
    for argv, user, rss in (
        (["/lib/systemd/systemd-journald"], "root", 24_576),
        (["/lib/systemd/systemd-udevd"], "root", 7_168),
        (["/usr/sbin/cron", "-f"], "root", 2_816),
        (["/usr/sbin/rsyslogd", "-n", "-iNONE"], "root", 4_608),
        (["sshd:", "/usr/sbin/sshd", "-D", "[listener]", "0", "of", "10-100", "startups"],
         "root", 9_216),
        (["/sbin/agetty", "-o", "-p -- \\u", "--noclear", "-", "linux"], "root", 1_920),
    ):
        procs.spawn(argv, user=user, start_ms=boot + 2000, rss_kb=rss, vsz_kb=rss * 4)
        procs.skip_pids(b.world.rng.child("pids", host.name, argv[0]).randint(1, 40))


def _settings(spec: _Running) -> ProcessSettings:
    return ProcessSettings(
        rss_kb=None if spec.rss is None else spec.rss // 1024,
        vsz_kb=None if spec.vsz is None else spec.vsz // 1024,
        cpu_percent=spec.cpu_percent, threads=spec.threads, env=dict(spec.env), cwd=spec.cwd,
        open_files=tuple((f.path, f.mode) for f in spec.open_files))


def _program_factory(b: _Builder, spec: _Running) -> Callable[[], Program] | None:
    program: ProgramSpec | None = spec.program
    inner: Callable[..., Program] | None = None
    if program is not None:
        if program.builtin is not None:
            if program.builtin not in BUILTIN_PROGRAMS:
                raise ValueError(f"unknown built-in program '{program.builtin}' (expected one "
                                 f"of: {', '.join(BUILTIN_PROGRAMS)})")
            inner = BUILTIN_PROGRAMS[program.builtin]
        else:
            inner = b.hook(program.hook or "")
    args = dict(program.args) if program is not None else {}
    settings = _settings(spec)
    if settings == ProcessSettings():
        return None if inner is None else (lambda: inner(**args))

    def make() -> Program:
        return ConfiguredProgram(settings, None if inner is None else inner(**args))

    return make


def _program(b: _Builder, spec: _Running) -> Program | None:
    factory = _program_factory(b, spec)
    return None if factory is None else factory()


def _unit_file(spec: ServiceSpec, name: str, argv: list[str]) -> str:
    lines = ["[Unit]", f"Description={spec.description}", "After=network.target", "",
             "[Service]", "Type=simple", f"User={spec.user}",
             f"ExecStart={shlex.join(argv)}"]
    if spec.reloadable:
        lines.append("ExecReload=/bin/kill -HUP $MAINPID")
    lines += [f"Restart={spec.restart}", f"RestartSec={max(spec.restart_sec // 1000, 1)}", "",
              "[Install]", "WantedBy=multi-user.target"]
    del name
    return "\n".join(lines) + "\n"


def _service(b: _Builder, host: Host, spec: ServiceSpec) -> None:
    name = spec.name if "." in spec.name else spec.name + ".service"
    argv = shlex.split(spec.exec) if isinstance(spec.exec, str) else list(spec.exec)
    unit_path = spec.unit_path or f"/etc/systemd/system/{name}"
    text = spec.unit_content if spec.unit_content is not None else _unit_file(spec, name, argv)
    host.fs.put(unit_path, text.encode(), mtime_ms=host.clock.now_ms)
    if spec.enabled:
        wants = "/etc/systemd/system/multi-user.target.wants"
        host.fs.mkdir(wants, parents=True)
        host.fs.create(f"{wants}/{name}", kind=Kind.LINK, target=unit_path)
    unit = Unit(name, spec.description, argv, unit_path=unit_path, user=spec.user,
                program_factory=_program_factory(b, spec), enabled=spec.enabled,
                restart=spec.restart, restart_sec_ms=spec.restart_sec,
                reloadable=spec.reloadable)
    host.services.add(unit, start=spec.active)
    if spec.since is not None:
        since = spec.since.resolve(host.clock.now_ms)
        unit.since_ms = since
        proc = host.services.main_process(unit)
        if proc is not None:
            proc.start_ms = since


def _telemetry(b: _Builder) -> None:
    world, spec = b.world, b.spec
    for i, metric in enumerate(spec.metrics):
        with b.at("metrics", i):
            probe = compile_probe(metric.probe, b)
            b.gauges[metric.id] = probe
            name = metric.name or default_gauge_name(metric.probe, b.default_host)
            b.gauge_names[metric.id] = name
            world.telemetry.add_gauge(Gauge(name, metric.title or name, metric.unit, probe))
    for i, alert in enumerate(spec.alerts):
        with b.at("alerts", i):
            _alert(b, alert)
    for i, chat in enumerate(spec.chat):
        with b.at("chat", i):
            when = None if chat.when is None else compile_predicate(chat.when, b)
            world.telemetry.chat_rules.append(ChatRule(chat.author, chat.text, chat.at, when))
    for i, rule in enumerate(spec.rules):
        with b.at("rules", i):
            world.rules.append(_rule(b, rule))


def _backfill(b: _Builder, metric: MetricSpec, spec: HistorySpec) -> None:
    """The metric's past, once the world stands as it does at the page (after setup)."""
    world = b.world
    page = world.clock.now_ms
    join_from: tuple[int, float] | None = None
    if spec.points is not None:
        points = [(page + offset, value) for offset, value in spec.points]
        value_at = piecewise_linear(points)
        if points[-1][0] < page:  # the rest of the way, a line to the first live sample
            join_from = points[-1]
    else:
        hook: Callable[[World, int], float] = b.hook(spec.hook or "")

        def value_at(t_ms: int) -> float:
            return float(hook(world, t_ms))
    percent = metric.unit == "%"
    history = History(spec.span_ms, spec.step_ms, value_at, join_from, spec.noise,
                      low=0.0 if percent else None, high=100.0 if percent else None,
                      recent_ms=spec.recent)
    world.telemetry.backfill(b.gauge_names[metric.id], history,
                             world.rng.child("history", metric.id))


def _alert(b: _Builder, spec: AlertSpec) -> None:
    telemetry = b.world.telemetry
    if spec.condition is not None:
        probe, compare = b.gauges[spec.condition.gauge], _OPS[spec.condition.op]
        threshold = spec.condition.value

        def condition(w: World) -> bool:
            return compare(probe(w), threshold)
    else:
        condition = compile_predicate(_require(spec.when), b)  # type: ignore[assignment]
    rule = AlertRule(spec.name, spec.severity, spec.summary, condition, spec.for_)
    telemetry.add_alert(rule)
    if spec.firing_since is not None:
        alert = telemetry.alerts[spec.name]
        since = spec.firing_since.resolve(b.world.clock.now_ms)
        alert.state, alert.fired_at_ms = "firing", since
        alert.pending_since_ms = since - spec.for_
        alert.history.append((since, "firing"))


def _require(value: BaseModel | None) -> BaseModel:
    assert value is not None
    return value


def _rule(b: _Builder, spec: Any) -> Rule:
    applies = (lambda w: True) if spec.when is None else compile_predicate(spec.when, b)
    done = [False]
    action: Callable[[World, int], None]
    if spec.hook is not None:
        action = b.hook(spec.hook)
    else:
        name, value = spec.set_fact.name, spec.set_fact.value

        def action(w: World, dt_ms: int) -> None:
            w.facts[name] = value

    def apply(w: World, dt_ms: int) -> None:
        if spec.once:
            if done[0]:
                return
            done[0] = True
        action(w, dt_ms)

    return Rule(spec.name, apply, applies)
