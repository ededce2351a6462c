"""The predicate and probe vocabularies: typed YAML shapes and what they compile to.

A predicate is a mapping with one key naming its kind, e.g.
``{disk_used_below: {host: web-01, mount: /, percent: 80}}``; it compiles to a
``Callable[[World], bool]``. A probe (what a gauge measures) is the same shape
and compiles to ``Callable[[World], float]``. ``hook: module:function`` covers
what data cannot express.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag

from pagerdrill.game.units import parse_duration
from pagerdrill.world.errors import FsError
from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpRequest
from pagerdrill.world.world import World

__all__ = [
    "PREDICATE_KINDS",
    "PROBE_KINDS",
    "CompileContext",
    "Predicate",
    "ProbeFn",
    "ProbeSpec",
    "compile_predicate",
    "compile_probe",
    "default_gauge_name",
    "http_get",
    "iter_predicate_refs",
]

ProbeFn = Callable[[World], float]
PredicateFn = Callable[[World], bool]
_MAX_READ = 1 << 20  # file_contains reads at most this much by default


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# -- argument shapes ------------------------------------------------------------


class DiskArgs(_Args):
    host: str | None = None  # default: the player's host
    mount: str = "/"
    percent: float


class PathArgs(_Args):
    host: str | None = None
    path: str


class ContainsArgs(_Args):
    host: str | None = None
    path: str
    pattern: str  # a Python regex, searched in the (bounded) content
    max_bytes: int = _MAX_READ


class SizeArgs(_Args):
    host: str | None = None
    path: str
    size: Annotated[int, Field(ge=0)]


class UnitArgs(_Args):
    host: str | None = None
    unit: str


class ProcessArgs(_Args):
    host: str | None = None
    match: str  # a regex searched in the full command line


class HttpArgs(_Args):
    host: str | None = None
    port: int
    path: str = "/"
    status: int = 200


class GaugeArgs(_Args):
    gauge: str  # a metric id
    value: float


class FactArgs(_Args):
    name: str
    equals: Any = True


class DeletedOpenArgs(_Args):
    host: str | None = None
    path: str | None = None  # the deleted file's last name; omitted: any


class ElapsedArgs(_Args):
    at_least: Annotated[int, BeforeValidator(parse_duration)]  # ms after the page


class CommandArgs(_Args):
    pattern: str  # a regex searched in each command line of world.facts["history"]


# -- predicate wrappers: one key each -----------------------------------------------


class All(_Args):
    all: list[Predicate] = Field(min_length=1)


class AnyOf(_Args):
    any: list[Predicate] = Field(min_length=1)


class Not(_Args):
    not_: Predicate = Field(alias="not")


class DiskUsedBelow(_Args):
    disk_used_below: DiskArgs


class DiskUsedAbove(_Args):
    disk_used_above: DiskArgs


class FileExists(_Args):
    file_exists: PathArgs


class FileAbsent(_Args):
    file_absent: PathArgs


class FileContains(_Args):
    file_contains: ContainsArgs


class FileSizeBelow(_Args):
    file_size_below: SizeArgs


class ServiceActive(_Args):
    service_active: UnitArgs


class ServiceEnabled(_Args):
    service_enabled: UnitArgs


class ProcessRunning(_Args):
    process_running: ProcessArgs


class HttpStatus(_Args):
    http_status: HttpArgs


class GaugeBelow(_Args):
    gauge_below: GaugeArgs


class GaugeAbove(_Args):
    gauge_above: GaugeArgs


class Fact(_Args):
    fact: FactArgs


class DeletedOpen(_Args):
    deleted_open: DeletedOpenArgs


class Elapsed(_Args):
    elapsed: ElapsedArgs


class CommandRan(_Args):
    command_ran: CommandArgs


class PredicateHook(_Args):
    hook: Annotated[str, Field(pattern=r"^[A-Za-z_]\w*:[A-Za-z_][\w.]*$")]


_PREDICATES: dict[str, type[_Args]] = {
    "all": All, "any": AnyOf, "not": Not,
    "disk_used_below": DiskUsedBelow, "disk_used_above": DiskUsedAbove,
    "file_exists": FileExists, "file_absent": FileAbsent, "file_contains": FileContains,
    "file_size_below": FileSizeBelow, "service_active": ServiceActive,
    "service_enabled": ServiceEnabled, "process_running": ProcessRunning,
    "http_status": HttpStatus, "gauge_below": GaugeBelow, "gauge_above": GaugeAbove,
    "fact": Fact, "deleted_open": DeletedOpen, "elapsed": Elapsed,
    "command_ran": CommandRan, "hook": PredicateHook,
}
PREDICATE_KINDS = tuple(_PREDICATES)


def predicate_kind(value: object) -> str | None:
    if isinstance(value, dict):
        return str(next(iter(value))) if len(value) == 1 else None
    for kind, cls in _PREDICATES.items():
        if type(value) is cls:
            return kind
    return None


Predicate = Annotated[
    Annotated[All, Tag("all")] | Annotated[AnyOf, Tag("any")] | Annotated[Not, Tag("not")]
    | Annotated[DiskUsedBelow, Tag("disk_used_below")]
    | Annotated[DiskUsedAbove, Tag("disk_used_above")]
    | Annotated[FileExists, Tag("file_exists")] | Annotated[FileAbsent, Tag("file_absent")]
    | Annotated[FileContains, Tag("file_contains")]
    | Annotated[FileSizeBelow, Tag("file_size_below")]
    | Annotated[ServiceActive, Tag("service_active")]
    | Annotated[ServiceEnabled, Tag("service_enabled")]
    | Annotated[ProcessRunning, Tag("process_running")]
    | Annotated[HttpStatus, Tag("http_status")]
    | Annotated[GaugeBelow, Tag("gauge_below")] | Annotated[GaugeAbove, Tag("gauge_above")]
    | Annotated[Fact, Tag("fact")] | Annotated[DeletedOpen, Tag("deleted_open")]
    | Annotated[Elapsed, Tag("elapsed")] | Annotated[CommandRan, Tag("command_ran")]
    | Annotated[PredicateHook, Tag("hook")],
    Discriminator(predicate_kind),
]

for _cls in (All, AnyOf, Not):
    _cls.model_rebuild()


# -- probes ---------------------------------------------------------------------


class HostArgs(_Args):
    host: str | None = None


class MountArgs(_Args):
    host: str | None = None
    mount: str = "/"


class HttpOkArgs(_Args):
    host: str | None = None
    port: int
    path: str = "/"


class FileArgs(_Args):
    host: str | None = None
    path: str


class FactNameArgs(_Args):
    name: str


class DiskUsedPercent(_Args):
    disk_used_percent: MountArgs


class DiskAvailBytes(_Args):
    disk_avail_bytes: MountArgs


class InodesUsedPercent(_Args):
    inodes_used_percent: MountArgs


class ServiceActiveProbe(_Args):
    service_active: UnitArgs


class HttpOk(_Args):
    http_ok: HttpOkArgs


class MemUsedPercent(_Args):
    mem_used_percent: HostArgs


class Load1(_Args):
    load1: HostArgs


class ProcessRss(_Args):
    process_rss_kb: ProcessArgs


class FileSize(_Args):
    file_size: FileArgs


class FactValue(_Args):
    fact: FactNameArgs


class ProbeHook(_Args):
    hook: Annotated[str, Field(pattern=r"^[A-Za-z_]\w*:[A-Za-z_][\w.]*$")]


_PROBES: dict[str, type[_Args]] = {
    "disk_used_percent": DiskUsedPercent, "disk_avail_bytes": DiskAvailBytes,
    "inodes_used_percent": InodesUsedPercent, "service_active": ServiceActiveProbe,
    "http_ok": HttpOk, "mem_used_percent": MemUsedPercent, "load1": Load1,
    "process_rss_kb": ProcessRss, "file_size": FileSize, "fact": FactValue, "hook": ProbeHook,
}
PROBE_KINDS = tuple(_PROBES)


def probe_kind(value: object) -> str | None:
    if isinstance(value, dict):
        return str(next(iter(value))) if len(value) == 1 else None
    for kind, cls in _PROBES.items():
        if type(value) is cls:
            return kind
    return None


ProbeSpec = Annotated[
    Annotated[DiskUsedPercent, Tag("disk_used_percent")]
    | Annotated[DiskAvailBytes, Tag("disk_avail_bytes")]
    | Annotated[InodesUsedPercent, Tag("inodes_used_percent")]
    | Annotated[ServiceActiveProbe, Tag("service_active")]
    | Annotated[HttpOk, Tag("http_ok")] | Annotated[MemUsedPercent, Tag("mem_used_percent")]
    | Annotated[Load1, Tag("load1")] | Annotated[ProcessRss, Tag("process_rss_kb")]
    | Annotated[FileSize, Tag("file_size")] | Annotated[FactValue, Tag("fact")]
    | Annotated[ProbeHook, Tag("hook")],
    Discriminator(probe_kind),
]


# -- compiling ------------------------------------------------------------------


class CompileContext(Protocol):
    """What compiling needs from the loader: defaults, hooks and gauges."""

    default_host: str

    def hook(self, ref: str) -> Any: ...

    def gauge(self, metric_id: str) -> ProbeFn: ...


def _kind_and_args(spec: BaseModel) -> tuple[str, Any]:
    (field_name,) = type(spec).model_fields
    info = type(spec).model_fields[field_name]
    return (info.alias or field_name), getattr(spec, field_name)


def _host(world: World, name: str) -> Host:
    host = world.hosts.get(name)
    if host is None:
        raise KeyError(f"no host named {name!r} in the world")
    return host


def _mount_of(world: World, host_name: str, target: str) -> Any:
    host = _host(world, host_name)
    for mount in host.fs.mounts:
        if mount.target == target:
            return mount
    raise KeyError(f"host {host_name!r} has no mount at {target!r}")


def _read(world: World, host_name: str, path: str, limit: int) -> bytes | None:
    return _host(world, host_name).fs.read_bytes(path, limit)


def http_get(world: World, host_name: str, port: int, path: str) -> int | None:
    """The status a GET to ``host:port/path`` gets, or None when nothing listens."""
    host = _host(world, host_name)
    listener = host.listeners.get(port)
    if listener is None or listener.handler is None:
        return None
    return listener.handler(HttpRequest("GET", path, host_name)).status


def _exists(world: World, host_name: str, path: str) -> bool:
    return _host(world, host_name).fs.exists(path)


def _deleted_open(world: World, host_name: str, path: str | None) -> bool:
    host = _host(world, host_name)
    for proc in host.procs:
        for handle in proc.open_files():
            if handle.inode.deleted and (path is None or handle.path == path):
                return True
    return False


def compile_predicate(spec: BaseModel, ctx: CompileContext) -> PredicateFn:
    """Turn a validated predicate into ``world -> bool``."""
    kind, args = _kind_and_args(spec)
    host = getattr(args, "host", None) or ctx.default_host
    if kind == "all":
        parts = [compile_predicate(p, ctx) for p in args]
        return lambda w: all(p(w) for p in parts)
    if kind == "any":
        parts = [compile_predicate(p, ctx) for p in args]
        return lambda w: any(p(w) for p in parts)
    if kind == "not":
        inner = compile_predicate(args, ctx)
        return lambda w: not inner(w)
    if kind == "hook":
        fn: Callable[[World], object] = ctx.hook(args)
        return lambda w: bool(fn(w))
    if kind in ("disk_used_below", "disk_used_above"):
        compare = operator.lt if kind == "disk_used_below" else operator.gt
        return lambda w: bool(compare(_mount_of(w, host, args.mount).percent_used, args.percent))
    if kind == "file_exists":
        return lambda w: _exists(w, host, args.path)
    if kind == "file_absent":
        return lambda w: not _exists(w, host, args.path)
    if kind == "file_contains":
        regex = re.compile(args.pattern, re.MULTILINE)

        def contains(w: World) -> bool:
            data = _read(w, host, args.path, args.max_bytes)
            return data is not None and regex.search(data.decode(errors="replace")) is not None

        return contains
    if kind == "file_size_below":
        def small(w: World) -> bool:
            try:
                inode = _host(w, host).fs.lookup(args.path)
            except FsError:
                return False
            return inode.size < int(args.size)

        return small
    if kind == "service_active":
        return lambda w: _service_active(w, host, args.unit) > 0
    if kind == "service_enabled":
        return lambda w: _service_enabled(w, host, args.unit)
    if kind == "process_running":
        regex = re.compile(args.match)
        return lambda w: any(regex.search(p.cmdline) for p in _host(w, host).procs)
    if kind == "http_status":
        return lambda w: http_get(w, host, args.port, args.path) == args.status
    if kind in ("gauge_below", "gauge_above"):
        probe = ctx.gauge(args.gauge)
        compare = operator.lt if kind == "gauge_below" else operator.gt
        return lambda w: bool(compare(probe(w), args.value))
    if kind == "fact":
        return lambda w: w.facts.get(args.name) == args.equals
    if kind == "deleted_open":
        return lambda w: _deleted_open(w, host, args.path)
    if kind == "elapsed":
        after = int(args.at_least)
        return lambda w: w.clock.now_ms - w.telemetry.page_ms >= after
    if kind == "command_ran":
        regex = re.compile(args.pattern)

        def ran(w: World) -> bool:
            history = w.facts.get("history", [])
            return isinstance(history, list) and any(regex.search(str(c)) for c in history)

        return ran
    raise ValueError(f"unknown predicate kind {kind!r}")


def _service_active(world: World, host_name: str, unit: str) -> float:
    services = _host(world, host_name).services
    full = unit if "." in unit else unit + ".service"
    found = services.units.get(full)
    return 1.0 if found is not None and found.state == "active" else 0.0


def _service_enabled(world: World, host_name: str, unit: str) -> bool:
    full = unit if "." in unit else unit + ".service"
    found = _host(world, host_name).services.units.get(full)
    return found is not None and found.enabled


def compile_probe(spec: BaseModel, ctx: CompileContext) -> ProbeFn:
    """Turn a validated probe into ``world -> float``."""
    kind, args = _kind_and_args(spec)
    host = getattr(args, "host", None) or ctx.default_host
    if kind == "hook":
        fn: Callable[[World], float] = ctx.hook(args)
        return lambda w: float(fn(w))
    if kind == "disk_used_percent":
        return lambda w: float(_mount_of(w, host, args.mount).percent_used)
    if kind == "disk_avail_bytes":
        return lambda w: float(_mount_of(w, host, args.mount).avail_bytes)
    if kind == "inodes_used_percent":
        def inodes(w: World) -> float:
            mount = _mount_of(w, host, args.mount)
            return 100.0 * mount.used_inodes / mount.inodes_total if mount.inodes_total else 0.0

        return inodes
    if kind == "service_active":
        return lambda w: _service_active(w, host, args.unit)
    if kind == "http_ok":
        def ok(w: World) -> float:
            status = http_get(w, host, args.port, args.path)
            return 1.0 if status is not None and 200 <= status < 400 else 0.0

        return ok
    if kind == "mem_used_percent":
        def mem(w: World) -> float:
            h = _host(w, host)
            return 100.0 * h.mem_used_kb() / h.spec.mem_total_kb

        return mem
    if kind == "load1":
        return lambda w: float(_host(w, host).load[0])
    if kind == "process_rss_kb":
        regex = re.compile(args.match)
        return lambda w: float(sum(p.rss_kb for p in _host(w, host).procs
                                   if regex.search(p.cmdline)))
    if kind == "file_size":
        def size(w: World) -> float:
            try:
                return float(_host(w, host).fs.lookup(args.path).size)
            except FsError:
                return 0.0

        return size
    if kind == "fact":
        def fact(w: World) -> float:
            value = w.facts.get(args.name, 0)
            return float(value) if isinstance(value, int | float) else 0.0

        return fact
    raise ValueError(f"unknown probe kind {kind!r}")


def default_gauge_name(spec: BaseModel, default_host: str) -> str:
    """``disk_used_percent{host=web-01,mount=/}``: the series name front ends show."""
    kind, args = _kind_and_args(spec)
    if kind == "hook":
        return str(args).split(":", 1)[1]
    values = args.model_dump(exclude_none=True)
    if "host" in type(args).model_fields:
        values = {"host": values.pop("host", None) or default_host, **values}
    inner = ",".join(f"{k}={v}" for k, v in values.items())
    return f"{kind}{{{inner}}}"


def iter_predicate_refs(spec: BaseModel) -> list[tuple[tuple[str | int, ...], str, Any]]:
    """Every leaf of a predicate as (relative path, kind, args), for cross-checks."""
    kind, args = _kind_and_args(spec)
    if kind in ("all", "any"):
        found: list[tuple[tuple[str | int, ...], str, Any]] = []
        for i, part in enumerate(args):
            found += [((kind, i, *p), k, a) for p, k, a in iter_predicate_refs(part)]
        return found
    if kind == "not":
        return [(("not", *p), k, a) for p, k, a in iter_predicate_refs(args)]
    return [((kind,), kind, args)]
