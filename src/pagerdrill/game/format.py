"""The typed shape of ``scenario.yaml`` (pydantic v2). Unknown keys are errors everywhere.

Only structure and value syntax live here; cross-references (hosts named by
predicates, one correct root cause, hooks that exist) are checked by the loader.
See docs/scenario-format.md for the authoring reference.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from pagerdrill.game.predicates import Predicate, ProbeSpec
from pagerdrill.game.units import (
    When,
    parse_duration,
    parse_fill_size,
    parse_mode,
    parse_offset,
    parse_rate,
    parse_size,
    parse_when,
)

__all__ = [
    "COMPONENT_KINDS",
    "MAX_HISTORY_SAMPLES",
    "AlertSpec",
    "ArchitectureSpec",
    "CandidateSpec",
    "ChatSpec",
    "CommitSpec",
    "ComponentSpec",
    "ConditionSpec",
    "DebriefSpec",
    "DirSpec",
    "DiskSpec",
    "Duration",
    "ExpertStepSpec",
    "FactSet",
    "FileSpec",
    "FillSize",
    "HistorySpec",
    "HookRef",
    "HostSpec",
    "Instant",
    "LinkSpec",
    "MetricSpec",
    "Mode",
    "MountSpec",
    "ObjectiveSpec",
    "Offset",
    "OpaqueSpec",
    "OpenFileSpec",
    "PageSpec",
    "PlayerSpec",
    "ProcessSpec",
    "ProgramSpec",
    "Rate",
    "RepoSpec",
    "RuleSpec",
    "ScenarioFile",
    "ServiceSpec",
    "Size",
    "SourceSpec",
    "Strict",
    "TimeSpec",
    "TrapSpec",
    "UserSpec",
    "WorldSpec",
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


Size = Annotated[int, BeforeValidator(parse_size)]
FillSize = Annotated[int, BeforeValidator(parse_fill_size)]  # a size, or "rest" (REST)
Duration = Annotated[int, BeforeValidator(parse_duration)]  # milliseconds
Offset = Annotated[int, BeforeValidator(parse_offset)]  # signed milliseconds
Rate = Annotated[float, BeforeValidator(parse_rate)]  # bytes per second
Mode = Annotated[int, BeforeValidator(parse_mode)]
Instant = Annotated[When, BeforeValidator(parse_when)]
# "hooks:MyApp": a module file in the scenario folder, and a name in it.
HookRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_]\w*:[A-Za-z_][\w.]*$")]
AbsPath = Annotated[str, StringConstraints(pattern=r"^/")]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
Scalar = str | int | float | bool | None


# -- the world ---------------------------------------------------------------


class SourceSpec(Strict):
    """An endless, seeded stream of log lines (a TextSource): a template or a hook."""

    template: str | None = None  # "${time} DEBUG [${pick:http|db}] took ${int:1-250}ms"
    hook: HookRef | None = None  # fn(rng, t_ms) -> str
    rate: Rate  # bytes per second the writer produces, e.g. 37K/s
    since: Instant = When(offset_ms=-30 * 86_400_000)  # when the stream began

    @model_validator(mode="after")
    def _one_kind(self) -> SourceSpec:
        if (self.template is None) == (self.hook is None):
            raise ValueError("give exactly one of 'template' or 'hook'")
        return self


class DiskSpec(Strict):
    source: str = "/dev/sda1"
    size: Size
    inodes: int = 5_242_880
    fstype: str = "ext4"


class MountSpec(Strict):
    source: str
    target: AbsPath
    size: Size
    inodes: int = 1_310_720
    fstype: str = "ext4"
    options: str = "rw,relatime"


class UserSpec(Strict):
    name: Name
    uid: int
    gid: int | None = None  # default: same as uid (a personal group)
    home: AbsPath | None = None  # default: /home/<name>
    shell: str = "/bin/bash"
    gecos: str = ""
    groups: list[str] = []


class _Owned(Strict):
    mode: Mode | None = None
    owner: str = "root"
    group: str | None = None  # default: the owner's primary group
    mtime: Instant | None = None  # default: the world's start


class DirSpec(_Owned):
    path: AbsPath


class FileSpec(_Owned):
    path: AbsPath
    content: str | None = None
    lines: list[str] | None = None
    size: FillSize | None = None  # "rest": what the mount has left at the end of the build
    generator: str | SourceSpec | None = None  # a name from world.sources, or inline

    @model_validator(mode="after")
    def _one_content(self) -> FileSpec:
        given = [k for k in ("content", "lines") if getattr(self, k) is not None]
        if self.size is not None or self.generator is not None:
            given.append("size/generator")
        if len(given) > 1:
            raise ValueError(f"give only one of 'content', 'lines' or 'size'/'generator' "
                             f"(got {', '.join(given)})")
        return self


class LinkSpec(Strict):
    path: AbsPath
    target: str
    owner: str = "root"


class OpaqueSpec(Strict):
    """Bulk contents the model does not enumerate (the bulk of /usr), for du and df."""

    path: AbsPath
    size: FillSize  # "rest": what the mount has left at the end of the build
    inodes: int = 0


class OpenFileSpec(Strict):
    path: AbsPath
    mode: Literal["r", "w", "u"] = "w"


class ProgramSpec(Strict):
    """What runs in a process: a hook class/factory, or a built-in, with keyword args."""

    hook: HookRef | None = None
    builtin: str | None = None
    args: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: object) -> object:
        if isinstance(value, str):
            return {"hook": value}
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> ProgramSpec:
        if (self.hook is None) == (self.builtin is None):
            raise ValueError("give exactly one of 'hook' or 'builtin'")
        return self


class _Running(Strict):
    user: str = "root"
    program: ProgramSpec | None = None  # omitted: an idle daemon that just sleeps
    rss: Size | None = None
    vsz: Size | None = None
    cpu_percent: float = 0.0
    threads: int = 1
    open_files: list[OpenFileSpec] = []
    env: dict[str, str] = {}
    cwd: AbsPath = "/"


class ServiceSpec(_Running):
    name: Name  # "myapp" or "myapp.service"
    description: str
    exec: str | list[str]
    unit_path: AbsPath | None = None  # default /etc/systemd/system/<name>.service
    unit_content: str | None = None  # default: generated from the fields
    restart: Literal["no", "always", "on-failure"] = "on-failure"
    restart_sec: Duration = 100
    enabled: bool = True
    active: bool = True
    reloadable: bool = True
    since: Instant | None = None  # when the current main process started


class ProcessSpec(_Running):
    """A process not under systemd (a cron job, a stray shell, a batch worker)."""

    argv: str | list[str]
    pid: int | None = None
    ppid: int = 1
    tty: str = "?"
    start: Instant | None = None
    count: int = Field(default=1, ge=1)


class CommitSpec(Strict):
    author: str
    email: str | None = None
    date: Instant
    message: str
    files: dict[str, str | None] = {}  # path -> new content, or null to delete


class RepoSpec(Strict):
    path: AbsPath
    branch: str = "main"
    upstream: bool = True  # has origin/<branch> (git status says "up to date with")
    owner: str = "root"
    commits: list[CommitSpec] = Field(min_length=1)


class HostSpec(Strict):
    name: Name
    ip: str
    cpus: int = Field(default=4, ge=1)
    memory: Size = 16 << 30
    disk: DiskSpec
    uptime: Duration = (41 * 86400 + 3 * 3600 + 17 * 60) * 1000
    domain: str = "prod.internal"
    base_processes: bool = True
    mounts: list[MountSpec] = []
    users: list[UserSpec] = []
    groups: dict[str, int] = {}
    dirs: list[DirSpec] = []
    files: list[FileSpec] = []
    links: list[LinkSpec] = []
    opaque: list[OpaqueSpec] = []
    services: list[ServiceSpec] = []
    processes: list[ProcessSpec] = []
    repos: list[RepoSpec] = []


# A dashboard's history costs 16 bytes a sample per gauge: 2000 is 31 KiB.
MAX_HISTORY_SAMPLES = 2000
# Default steps, finest first: the first that keeps a span within _HISTORY_TARGET samples.
_NICE_STEPS_MS = tuple(parse_duration(d) for d in (
    "10s", "15s", "30s", "1m", "2m", "5m", "10m", "15m", "30m", "1h", "2h", "3h", "6h", "12h",
    "1d"))
_HISTORY_TARGET = 720


def _flow(value: object) -> str:
    """A value as YAML's flow style writes it: [-1h, 400], not Python's ['-1h', 400]."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return str(value)


def _point(value: object) -> object:
    """``[-6h, 400]``: an offset before the page (or ``now``) and a value."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"expected a point [offset, value], e.g. [-6h, 400] (got "
                         f"{_flow(value)})")
    offset, number = value
    if isinstance(offset, str) and offset.strip() == "now":
        offset = 0
    return parse_offset(offset), number


HistoryPoint = Annotated[tuple[int, float], BeforeValidator(_point)]


class HistorySpec(Strict):
    """A metric before the page: points joined by straight lines, or a hook ``(world, t_ms)``.

    Sampled every ``step`` over ``span`` before the page. After the last point (if it is
    before the page) the series runs straight to the first live sample.
    """

    points: list[HistoryPoint] | None = None
    hook: HookRef | None = None  # fn(world: World, t_ms: int) -> float
    span: Duration | None = None  # default: back to the first point
    step: Duration | None = None  # default: the finest of 10s, 1m, 5m... giving <= 720 samples
    recent: Duration = 30 * 60_000  # the last part, sampled at the scrape interval
    noise: float = Field(default=0.0, ge=0.0, le=1.0)  # each sample times 1 +- up to this

    @model_validator(mode="after")
    def _check(self) -> HistorySpec:
        if (self.points is None) == (self.hook is None):
            raise ValueError("give exactly one of 'points' or 'hook'")
        if self.points is not None:
            if not self.points:
                raise ValueError("'points' needs at least one point")
            for before, after in itertools.pairwise(self.points):
                if after[0] < before[0]:
                    raise ValueError(f"points must be in time order: {_show(after[0])} comes "
                                     f"after {_show(before[0])}")
            if self.points[-1][0] > 0:
                raise ValueError(f"history ends at the page: point {_show(self.points[-1][0])}"
                                 f" is after it")
            if self.span is None and self.points[0][0] >= 0:
                raise ValueError("give 'span', or start the points before the page")
        elif self.span is None:
            raise ValueError("a history 'hook' needs a 'span' (how far back it goes)")
        if self.span is not None and self.span <= 0:
            raise ValueError("'span' must be more than 0")
        if self.step is not None and self.step <= 0:
            raise ValueError("'step' must be more than 0")
        span, step = self.span_ms, self.step_ms
        if step > span:
            raise ValueError(f"'step' ({_show(step)}) is longer than the span ({_show(span)})")
        return self

    def sample_count(self, scrape_ms: int) -> int:
        """How many samples the history holds, with the world's scrape interval."""
        recent = min(self.recent, self.span_ms)
        return (self.span_ms - recent) // self.step_ms + recent // max(1, scrape_ms)

    def too_many(self, scrape_ms: int) -> str | None:
        """Why this history is too big for a session, or None."""
        count = self.sample_count(scrape_ms)
        if count <= MAX_HISTORY_SAMPLES:
            return None
        return (f"{_show(self.span_ms)} of history every {_show(self.step_ms)}, the last "
                f"{_show(min(self.recent, self.span_ms))} every {_show(scrape_ms)} (the scrape "
                f"interval), is {count} samples; at most {MAX_HISTORY_SAMPLES} (use a coarser "
                f"'step' or a shorter 'recent')")

    @property
    def span_ms(self) -> int:
        if self.span is not None:
            return self.span
        assert self.points is not None
        return -self.points[0][0]

    @property
    def step_ms(self) -> int:
        return self.step if self.step is not None else _default_step(self.span_ms)


def _default_step(span_ms: int) -> int:
    for step in _NICE_STEPS_MS:
        if span_ms // step <= _HISTORY_TARGET:
            return step
    return max(_NICE_STEPS_MS[-1], -(-span_ms // _HISTORY_TARGET))


def _show(ms: int) -> str:
    """An offset or duration as the format spells it: -6h, 10m, 1h30m, 0."""
    sign, rest, parts = "-" if ms < 0 else "", abs(ms), []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000),
                       ("ms", 1)):
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return sign + ("".join(parts) or "0")


class MetricSpec(Strict):
    id: Name
    name: str | None = None  # default: probe{arg=value,...}
    title: str = ""
    unit: str = ""
    probe: ProbeSpec
    history: HistorySpec | None = None  # samples before the page, for the dashboards


_Op = Literal[">", ">=", "<", "<=", "==", "!="]


class ConditionSpec(Strict):
    gauge: str  # a metric id
    op: _Op
    value: float


class AlertSpec(Strict):
    name: str
    severity: str = "critical"
    summary: str
    condition: ConditionSpec | None = None
    when: Predicate | None = None
    for_: Duration = Field(default=0, alias="for")
    firing_since: Instant | None = None  # already firing when the page goes out

    @model_validator(mode="after")
    def _one_condition(self) -> AlertSpec:
        if (self.condition is None) == (self.when is None):
            raise ValueError("give exactly one of 'condition' or 'when'")
        return self


class ChatSpec(Strict):
    author: str
    text: str
    at: Offset | None = None  # after the page: +3m
    when: Predicate | None = None  # with ``at``: posted from then on, once this holds

    @model_validator(mode="after")
    def _a_trigger(self) -> ChatSpec:
        if self.at is None and self.when is None:
            raise ValueError("give 'at', 'when', or both")
        return self


class FactSet(Strict):
    name: str
    value: Scalar


class RuleSpec(Strict):
    """Runs every simulated second while ``when`` holds (``once``: only the first time)."""

    name: str
    when: Predicate | None = None
    hook: HookRef | None = None  # fn(world, dt_ms) -> None
    set_fact: FactSet | None = None
    once: bool = False

    @model_validator(mode="after")
    def _one_action(self) -> RuleSpec:
        if (self.hook is None) == (self.set_fact is None):
            raise ValueError("give exactly one of 'hook' or 'set_fact'")
        return self


class WorldSpec(Strict):
    start: Instant  # the instant of the page
    scrape: Duration = 10_000
    hosts: list[HostSpec] = Field(min_length=1)
    sources: dict[str, SourceSpec] = {}
    metrics: list[MetricSpec] = []
    alerts: list[AlertSpec] = []
    chat: list[ChatSpec] = []
    rules: list[RuleSpec] = []
    facts: dict[str, Scalar] = {}
    setup: list[HookRef] = []  # fn(world) -> None, run last: the escape hatch


# -- the drill ---------------------------------------------------------------


class PageSpec(Strict):
    title: str
    text: str
    severity: str = "critical"
    source: str = "PagerDuty"


class PlayerSpec(Strict):
    host: str
    user: str = "root"
    cwd: str = ""


class TimeSpec(Strict):
    limit: Duration | None = None  # simulated time after the page before the drill ends
    per_command: Duration = 2000  # simulated time each command costs at least
    speed: float = Field(default=1.0, ge=0)  # simulated seconds per wall-clock second


class ObjectiveSpec(Strict):
    id: Name
    kind: Literal["mitigate", "resolve", "prevent"]
    description: str
    predicate: Predicate


class CandidateSpec(Strict):
    id: Name
    text: str
    correct: bool = False
    explanation: str = ""


class ExpertStepSpec(Strict):
    command: str
    why: str


class DebriefSpec(Strict):
    summary: str
    expert_path: list[ExpertStepSpec] = Field(min_length=1)
    takeaway: str


class TrapSpec(Strict):
    id: Name
    description: str
    consequence: str
    predicate: Predicate
    outcome: Literal["penalty", "fail"] = "penalty"
    destructive: bool = False


# -- the architecture map ------------------------------------------------------------

COMPONENT_KINDS = ("users", "loadbalancer", "service", "database", "cache", "queue", "cluster",
                   "storage", "external")
ComponentKind = Literal["users", "loadbalancer", "service", "database", "cache", "queue",
                        "cluster", "storage", "external"]


def _link(value: object) -> object:
    if isinstance(value, list | tuple) and len(value) == 2:
        return tuple(value)
    raise ValueError(f"expected a link [from, to] naming two component ids (got "
                     f"{_flow(value)})")


Link = Annotated[tuple[str, str], BeforeValidator(_link)]


class ComponentSpec(Strict):
    """One box on the architecture map; ``healthy`` is a predicate (absent: always healthy)."""

    id: Name
    label: str
    kind: ComponentKind
    column: int | None = Field(default=None, ge=0)  # default: its depth along the links
    healthy: Predicate | None = None


class ArchitectureSpec(Strict):
    """The system as the war room draws it: components, and links caller -> callee."""

    components: list[ComponentSpec] = Field(min_length=1)
    links: list[Link] = []


class ScenarioFile(Strict):
    id: Slug
    title: str
    difficulty: Literal["beginner", "intermediate", "advanced"]
    teaser: str
    estimated_minutes: int = Field(ge=1)
    variables: dict[str, Any] = {}  # checked separately (see variables.py), before the rest
    page: PageSpec
    player: PlayerSpec
    time: TimeSpec = TimeSpec()
    world: WorldSpec
    objectives: list[ObjectiveSpec] = Field(min_length=1)
    root_causes: list[CandidateSpec]
    hints: list[str]
    debrief: DebriefSpec
    traps: list[TrapSpec] = []
    architecture: ArchitectureSpec | None = None
