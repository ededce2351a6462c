"""A tiny hand-built scenario and a stub shell for the game tests.

The world: a job queue on web-01 grows by 1 a second until ``/etc/app/fixed``
exists. Objectives are files: ``/run/app.up`` (mitigate), ``/etc/app/fixed``
(resolve), ``/etc/app/alert`` (prevent). ``/tmp/restarted-db`` springs a
penalty trap; removing ``/srv/data`` is a destructive fail trap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pagerdrill.game.model import (
    Candidate,
    Debrief,
    Difficulty,
    ExpertStep,
    Objective,
    ObjectiveKind,
    Page,
    PlayerStart,
    Scenario,
    Trap,
    TrapOutcome,
)
from pagerdrill.game.session import Editor, Session
from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.errors import FsError
from pagerdrill.world.host import Host
from pagerdrill.world.telemetry import AlertRule, ChatRule, Gauge
from pagerdrill.world.world import Rule, World

__all__ = ["StubResult", "StubShell", "build_world", "make_scenario", "new_session"]

SOLUTION = ["touch /run/app.up", "touch /etc/app/fixed", "touch /etc/app/alert"]


def _queue(world: World) -> float:
    value = world.facts.get("queue", 0.0)
    assert isinstance(value, float)
    return value


def _grow(world: World, step_ms: int) -> None:
    if not world.hosts["web-01"].fs.exists("/etc/app/fixed"):
        world.facts["queue"] = _queue(world) + step_ms / 1000


def build_world(seed: int) -> World:
    world = new_world(seed)
    host = add_linux_host(world, "web-01")
    host.fs.put("/srv/data/orders.db", b"orders\n")
    host.fs.mkdir("/etc/app", parents=True)
    world.facts["queue"] = float(40 + seed % 3)
    world.rules.append(Rule("queue grows", _grow))
    t = world.telemetry
    t.add_gauge(Gauge("queue_depth{host=web-01}", "Job queue depth", "jobs", _queue))
    t.add_gauge(Gauge("cpu{host=web-01}", "CPU busy", "%", lambda w: 50.0))
    t.add_alert(AlertRule("QueueBacklog", "critical", "Job queue above 50",
                          lambda w: _queue(w) > 50, for_ms=20_000))
    t.chat_rules.append(ChatRule("vp-eng", "Any update? Customers are asking.", at_ms=60_000))
    t.page_ms = world.clock.now_ms
    world.advance(1)  # the first scrape happens before the page
    return world


def make_scenario(**overrides: object) -> Scenario:
    def exists(path: str):  # type: ignore[no-untyped-def]
        return lambda w: w.hosts["web-01"].fs.exists(path)

    fields: dict[str, object] = dict(
        id="tiny-queue",
        title="The queue that would not drain",
        difficulty=Difficulty.BEGINNER,
        teaser="Jobs pile up.",
        estimated_minutes=2,
        page=Page("QueueBacklog on web-01", "Job queue above 50 for 20s."),
        player=PlayerStart("web-01"),
        objectives=[
            Objective("up", ObjectiveKind.MITIGATE, "The app serves again", exists("/run/app.up")),
            Objective("fixed", ObjectiveKind.RESOLVE, "The stuck consumer is fixed",
                      exists("/etc/app/fixed")),
            Objective("alert", ObjectiveKind.PREVENT, "A backlog alert exists",
                      exists("/etc/app/alert")),
        ],
        candidates=[
            Candidate("disk", "The disk is full", False, "df shows plenty of space."),
            Candidate("consumer", "The consumer is stuck", True, "The consumer hung on a lock."),
        ],
        hints=["Look at the queue.", "Who consumes it?", "touch /etc/app/fixed"],
        debrief=Debrief("A consumer hung on a lock.",
                        [ExpertStep("status", "see what is wrong"),
                         ExpertStep("touch /etc/app/fixed", "fix the consumer")],
                        "Watch your consumers."),
        traps=[
            Trap("restart-db", "Restarted the database", "Nothing changed for long.",
                 exists("/tmp/restarted-db")),
            Trap("rm-data", "Deleted /srv/data", "The orders are gone.",
                 lambda w: not w.hosts["web-01"].fs.exists("/srv/data"),
                 TrapOutcome.FAIL, destructive=True),
        ],
        solution=list(SOLUTION),
        build_world=build_world,
        wrong_paths={"failed": ["rm /srv/data"],
                     "restart only:unresolved": ["touch /tmp/restarted-db"]},
    )
    fields.update(overrides)
    return Scenario(**fields)  # type: ignore[arg-type]


@dataclass(frozen=True)
class StubResult:
    output: bytes
    exit_status: int


@dataclass
class StubShell:
    """Enough of a shell for the game: touch, rm, echo, sleep, edit, exit."""

    world: World
    host: Host
    user: str
    cwd: str = "/root"
    editor: Editor | None = None
    exited: bool = False
    history: list[str] = field(default_factory=list)

    def prompt(self) -> str:
        return f"{self.user}@{self.host.name}:~# "

    def complete(self, line: str) -> list[str]:
        word = line.split()[-1] if line.split() else ""
        return [n for n in ("touch", "echo", "sleep") if n.startswith(word)]

    def is_incomplete(self, line: str) -> bool:
        return line.count("'") % 2 == 1

    def run(self, line: str) -> StubResult:
        self.history.append(line)
        words = line.split()
        name, args = words[0], words[1:]
        fs = self.host.fs
        try:
            if name == "touch":
                for path in args:
                    if not fs.exists(path):
                        fs.create(path)
                return StubResult(b"", 0)
            if name == "rm":
                for path in args:
                    inode = fs.lookup(path)
                    if inode.is_dir:
                        for child, _ in list(fs.children(inode)):
                            fs.unlink(f"{path}/{child}")
                        fs.rmdir(path)
                    else:
                        fs.unlink(path)
                return StubResult(b"", 0)
        except FsError as error:
            return StubResult(f"{name}: {error}\n".encode(), 1)
        if name == "echo":
            return StubResult((" ".join(args) + "\n").encode(), 0)
        if name == "sleep":
            self.world.advance(int(args[0]))
            return StubResult(b"", 0)
        if name == "edit":
            saved = self.editor(args[0], b"old\n") if self.editor else None
            return StubResult(b"saved\n" if saved else b"edit: not a terminal\n", 0)
        if name == "exit":
            self.exited = True
            return StubResult(b"logout\n", 0)
        if name == "boom":
            raise RuntimeError("tool bug")
        return StubResult(f"bash: {name}: command not found\n".encode(), 127)


def stub_factory(world: World, host: Host, user: str, cwd: str,
                 editor: Editor | None) -> StubShell:
    return StubShell(world, host, user, cwd or "/root", editor)


def new_session(seed: int = 0, scenario: Scenario | None = None, **kwargs: object) -> Session:
    return Session(scenario or make_scenario(), seed, shell_factory=stub_factory,
                   **kwargs)  # type: ignore[arg-type]


class StubCatalog:
    """Stands in for ``pagerdrill.game.catalog`` in the CLI tests.

    Built-ins: the tiny scenario (with a real-shell solution) and a second one. A
    path ending in ``bad.yaml`` has problems; any other existing path loads the tiny one.
    """

    REAL_SOLUTION = ["echo up > /run/app.up", "echo fixed > /etc/app/fixed",
                     "echo rule > /etc/app/alert"]

    @staticmethod
    def _builtins() -> list[Scenario]:
        return [make_scenario(solution=list(StubCatalog.REAL_SOLUTION), wrong_paths={}),
                make_scenario(id="a-longer-id", title="Another one",
                              difficulty=Difficulty.ADVANCED)]

    @staticmethod
    def builtin_folders() -> list[Path]:
        return [Path("/pkg/scenarios/tiny-queue"), Path("/pkg/scenarios/a-longer-id"),
                Path("/pkg/scenarios/broken")]

    @staticmethod
    def find_scenario(id_or_path: str, seed: int = 0) -> Scenario:
        for scenario in StubCatalog._builtins():
            if scenario.id == id_or_path:
                return scenario
        problems = StubCatalog.validate_scenario(id_or_path)
        if problems:
            raise StubScenarioError(problems)
        if Path(id_or_path).exists():
            return StubCatalog._builtins()[0]
        raise LookupError(f"no scenario '{id_or_path}': not a built-in id (built-in: "
                          "a-longer-id, tiny-queue) and not a folder with a scenario.yaml")

    @staticmethod
    def validate_scenario(path: str) -> list[str]:
        if path.endswith("bad.yaml") or path == "broken":
            return [f"{path}:3: objectives[0].kind: must be one of mitigate, resolve, prevent",
                    f"{path}:9: hints: at most 3"]
        return []


class StubScenarioError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
