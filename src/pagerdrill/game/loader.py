"""Scenario folder -> validated models -> :class:`pagerdrill.game.model.Scenario`.

A scenario is a folder::

    scenario.yaml          the scenario (docs/scenario-format.md)
    hooks.py               optional typed Python hooks, named as hooks:function
    solution.sh            the solution transcript, one command per line
    wrong-paths/NAME.sh    wrong paths, each opening with "# expect: OUTCOME"

Every problem is reported as ``FILE:LINE: keypath: message``. Loading goes in
phases (YAML, variables, structure, cross-references and hooks, transcripts,
building the world); each phase reports all its problems, and a phase runs only
if the ones it depends on passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pagerdrill.game import model as m
from pagerdrill.game.architecture import check_architecture, compile_architecture
from pagerdrill.game.checks import KeyPath, check_scenario
from pagerdrill.game.format import ScenarioFile
from pagerdrill.game.hooks import HookError, HookModules
from pagerdrill.game.predicates import ProbeFn, compile_predicate, compile_probe
from pagerdrill.game.transcripts import parse_transcript
from pagerdrill.game.variables import (
    Scalar,
    VariableSpec,
    draw_variables,
    substitute_data,
    substitute_text,
)
from pagerdrill.game.worldspec import WorldBuildError, build_world
from pagerdrill.game.yamldoc import YamlDoc, format_path, read_yaml
from pagerdrill.world.world import World

__all__ = [
    "SCENARIO_FILE",
    "ScenarioError",
    "load_scenario",
    "scenario_folder",
    "validate_scenario",
]

SCENARIO_FILE = "scenario.yaml"
SOLUTION_FILE = "solution.sh"
WRONG_PATHS_DIR = "wrong-paths"
# Seeds validate_scenario also tries, so variable choices that break a scenario show up.
_EXTRA_SEEDS = (1, 2, 3)


class ScenarioError(Exception):
    """A scenario that does not load; ``problems`` lists every ``file:line: ...`` found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def scenario_folder(path: str | Path) -> Path:
    """The folder of a scenario given the folder or its scenario.yaml."""
    given = Path(path)
    return given.parent if given.is_file() else given


@dataclass
class _Load:
    folder: Path
    seed: int
    problems: list[str] = field(default_factory=list)
    doc: YamlDoc = field(default_factory=lambda: YamlDoc(None))
    variables: dict[str, Scalar] = field(default_factory=dict)

    def report(self, path: KeyPath, message: str, *, line: int | None = None,
               file: str = SCENARIO_FILE) -> None:
        where = line if line is not None else self.doc.line_of(path)
        keys = format_path(path)
        self.problems.append(f"{file}:{where}: {keys + ': ' if keys else ''}{message}")

    # -- phases ---------------------------------------------------------------

    def read(self) -> dict[str, Any] | None:
        path = self.folder / SCENARIO_FILE
        if not path.is_file():
            self.problems.append(f"{path}: no {SCENARIO_FILE} here (a scenario is a folder)")
            return None
        self.doc = read_yaml(path.read_text(encoding="utf-8"))
        for problem in self.doc.problems:
            self.report(problem.path, problem.message, line=problem.line)
        if self.doc.problems:
            return None
        if not isinstance(self.doc.data, dict):
            self.report((), "expected a mapping at the top of the file")
            return None
        return self.doc.data

    def draw(self, raw: dict[str, Any]) -> dict[str, Any] | None:
        specs: dict[str, VariableSpec] = {}
        section = raw.get("variables") or {}
        if not isinstance(section, dict):
            self.report(("variables",), "expected a mapping of variable names")
            return None
        for name, body in section.items():
            if not isinstance(name, str) or not name.isidentifier():
                self.report(("variables", name), f"invalid variable name '{name}'")
                continue
            try:
                specs[name] = VariableSpec.model_validate(body)
            except ValidationError as error:
                self._pydantic(error, ("variables", name))
        if len(specs) != len(section):
            return None
        self.variables = draw_variables(specs, self.seed)

        def unknown(path: KeyPath, name: str) -> None:
            self.report(path, f"unknown variable '{{{{ {name} }}}}' (declared: "
                        f"{', '.join(self.variables) or 'none'})")

        # Unknown references are reported; validation goes on with the text as written.
        return {k: (v if k == "variables" else substitute_data(v, self.variables, unknown, (k,)))
                for k, v in raw.items()}

    def structure(self, data: dict[str, Any]) -> ScenarioFile | None:
        try:
            return ScenarioFile.model_validate(data)
        except ValidationError as error:
            self._pydantic(error, ())
            return None

    def _pydantic(self, error: ValidationError, prefix: KeyPath) -> None:
        located = []
        for item in error.errors():
            found, rest = self.doc.locate((*prefix, *item["loc"]))
            shown = found + (rest[-1:] if item["type"] == "missing" else ())
            located.append((found, shown, bool(rest), item["type"], _message(item)))
        grouped: dict[tuple[KeyPath, int], list[tuple[str, str]]] = {}
        for found, shown, via_union, kind, message in located:
            # A union reports one error per member: "not a string" is noise when the
            # mapping member has something specific to say about the same value.
            if kind.endswith("_type") and via_union and any(
                    other[:len(found)] == found and not other_kind.endswith("_type")
                    for other, _, _, other_kind, _ in located):
                continue
            grouped.setdefault((shown, self.doc.line_of(found)), []).append((kind, message))
        for (path, line), items in grouped.items():
            specific = [msg for kind, msg in items if not kind.endswith("_type")]
            messages = specific or [msg for _, msg in items]
            self.report(path, "; ".join(dict.fromkeys(messages)), line=line)

    def transcripts(self) -> tuple[list[str], dict[str, list[str]], dict[str, str]]:
        solution: list[str] = []
        path = self.folder / SOLUTION_FILE
        if not path.is_file():
            self.problems.append(f"{SOLUTION_FILE}:1: missing solution transcript "
                                 f"(one command per line)")
        else:
            solution = self._transcript(path, SOLUTION_FILE, wrong=False)[0]
        wrong: dict[str, list[str]] = {}
        expect: dict[str, str] = {}
        folder = self.folder / WRONG_PATHS_DIR
        for file in sorted(folder.glob("*.sh")) if folder.is_dir() else []:
            label = f"{WRONG_PATHS_DIR}/{file.name}"
            commands, outcome = self._transcript(file, label, wrong=True)
            wrong[file.stem], expect[file.stem] = commands, outcome or ""
        return solution, wrong, expect

    def _transcript(self, path: Path, label: str, *, wrong: bool) -> tuple[list[str], str | None]:
        parsed = parse_transcript(path.read_text(encoding="utf-8"), wrong_path=wrong)
        for line, message in parsed.problems:
            self.problems.append(f"{label}:{line}: {message}")
        commands = []
        for line, command in zip(parsed.lines, parsed.commands, strict=True):
            def unknown(name: str, line: int = line) -> None:
                self.problems.append(f"{label}:{line}: unknown variable '{{{{ {name} }}}}'")

            commands.append(substitute_text(command, self.variables, unknown))
        return commands, parsed.expect


def _message(item: Any) -> str:
    kind, ctx = item["type"], item.get("ctx") or {}
    loc = item["loc"]
    if kind == "extra_forbidden":
        return f"unknown key '{loc[-1]}'"
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    what = "probe" if "probe" in str(ctx.get("discriminator", "")) else "predicate"
    if kind == "union_tag_invalid":
        tags = str(ctx.get("expected_tags", "")).replace("'", "")
        return f"unknown {what} '{ctx.get('tag')}' (expected one of: {tags})"
    if kind == "union_tag_not_found":
        return f"expected a {what}: a mapping with exactly one key naming its kind"
    return str(item["msg"]).removeprefix("Value error, ")


@dataclass
class _Compiler:
    """The CompileContext for predicates: default host, hooks, gauges by metric id."""

    default_host: str
    hooks: HookModules
    gauges: dict[str, ProbeFn]

    def hook(self, ref: str) -> Any:
        return self.hooks.resolve(ref)

    def gauge(self, metric_id: str) -> ProbeFn:
        return self.gauges[metric_id]


def _load(folder: Path, seed: int, *, build: bool) -> tuple[_Load, m.Scenario | None]:
    state = _Load(folder, seed)
    raw = state.read()
    data = state.draw(raw) if raw is not None else None
    sf = state.structure(data) if data is not None else None
    hooks = HookModules(folder)
    if sf is not None:
        for path, message in check_scenario(sf, hooks) + _check_additions(sf, hooks):
            state.report(path, message)
    if data is None:  # without the variables, transcripts cannot be read
        return state, None
    solution, wrong, expect = state.transcripts()
    if sf is None or state.problems:
        return state, None
    scenario = _compile(sf, state, hooks, solution, wrong, expect)
    if build:
        try:
            world = scenario.build_world(seed)
        except WorldBuildError as error:
            for problem in error.problems:
                state.report(problem.path, problem.message)
        except HookError as error:
            state.report(("world",), str(error))
        else:
            _try_health(state, scenario, world)
    return state, (None if state.problems else scenario)


def _check_additions(sf: ScenarioFile, hooks: HookModules) -> list[tuple[KeyPath, str]]:
    """Cross-checks of the architecture map and of metric history hooks."""
    problems: list[tuple[KeyPath, str]] = []
    if sf.architecture is not None:
        problems += check_architecture(sf.architecture, sf.world.metrics)
    for i, metric in enumerate(sf.world.metrics):
        history = metric.history
        if history is None:
            continue
        too_many = history.too_many(sf.world.scrape)
        if too_many is not None:
            problems.append((("world", "metrics", i, "history"), too_many))
        if history.hook is not None:
            try:
                hooks.resolve(history.hook)
            except HookError as error:
                problems.append((("world", "metrics", i, "history", "hook"), str(error)))
    return problems


def _try_health(state: _Load, scenario: m.Scenario, world: World) -> None:
    """Evaluate each component's health once, so a failing hook shows at validation."""
    if scenario.architecture is None:
        return
    for i, component in enumerate(scenario.architecture.components):
        if component.healthy is None:
            continue
        try:
            component.healthy(world)
        except Exception as error:  # a hook or predicate that fails: report it with its line
            state.report(("architecture", "components", i, "healthy"),
                         f"{type(error).__name__}: {error}")


def _compile(sf: ScenarioFile, state: _Load, hooks: HookModules, solution: list[str],
             wrong: dict[str, list[str]], expect: dict[str, str]) -> m.Scenario:
    default_host = sf.player.host
    ctx = _Compiler(default_host, hooks, {})
    for metric in sf.world.metrics:
        ctx.gauges[metric.id] = compile_probe(metric.probe, ctx)
    variables: dict[str, object] = dict(state.variables)
    folder, load_seed = state.folder, state.seed

    def make_world(seed: int) -> World:
        return build_world(sf.world, seed, hook=hooks.resolve, default_host=default_host,
                           variables=variables)

    def reseed(seed: int) -> m.Scenario:
        # The world is built by whoever asked for the seed; `pagerdrill test` builds
        # many seeds, so a seed whose world does not build is still caught.
        state, scenario = _load(folder, seed, build=False)
        if scenario is None:
            raise ScenarioError(state.problems)
        return scenario

    return m.Scenario(
        id=sf.id,
        title=sf.title,
        difficulty=m.Difficulty(sf.difficulty),
        teaser=sf.teaser,
        estimated_minutes=sf.estimated_minutes,
        page=m.Page(sf.page.title, sf.page.text, sf.page.severity, sf.page.source),
        player=m.PlayerStart(sf.player.host, sf.player.user, sf.player.cwd),
        objectives=[m.Objective(o.id, m.ObjectiveKind(o.kind), o.description,
                                compile_predicate(o.predicate, ctx)) for o in sf.objectives],
        candidates=[m.Candidate(c.id, c.text, c.correct, c.explanation)
                    for c in sf.root_causes],
        hints=list(sf.hints),
        debrief=m.Debrief(sf.debrief.summary,
                          [m.ExpertStep(s.command, s.why) for s in sf.debrief.expert_path],
                          sf.debrief.takeaway),
        traps=[m.Trap(t.id, t.description, t.consequence, compile_predicate(t.predicate, ctx),
                      m.TrapOutcome(t.outcome), t.destructive) for t in sf.traps],
        solution=solution,
        build_world=make_world,
        source_path=str(folder),
        wrong_paths=wrong,
        wrong_path_outcomes={k: v for k, v in expect.items()  # type: ignore[misc]
                             if v in ("failed", "unresolved", "mitigated")},
        time=m.TimeRules(sf.time.limit, sf.time.per_command, sf.time.speed),
        seed=load_seed,
        variables=variables,
        reseed=reseed,
        architecture=None if sf.architecture is None
        else compile_architecture(sf.architecture, ctx),
    )


def load_scenario(path: str | Path, seed: int = 0) -> m.Scenario:
    """Load and validate a scenario folder (or its scenario.yaml) with variables for ``seed``.

    Builds the world once to check it. Raises :class:`ScenarioError` listing every
    problem. ``build_world(s)`` of the
    result builds with these variables and world seed ``s``; use
    ``scenario.for_seed(s)`` to vary the names and figures too.
    """
    state, scenario = _load(scenario_folder(path), seed, build=True)
    if scenario is None:
        raise ScenarioError(state.problems)
    return scenario


def validate_scenario(path: str | Path) -> list[str]:
    """Every problem, as ``file:line: keypath: message``; empty when the scenario is sound.

    Checks seed 0 fully (including building its world), then a few other seeds
    so that variable choices that break the scenario are found too.
    """
    folder = scenario_folder(path)
    state, scenario = _load(folder, 0, build=True)
    problems = list(state.problems)
    if scenario is None or not scenario.variables:
        return problems
    for seed in _EXTRA_SEEDS:
        other, _ = _load(folder, seed, build=True)
        for problem in other.problems:
            tagged = f"{problem} (with the variables of seed {seed}: " + ", ".join(
                f"{k}={v}" for k, v in other.variables.items()) + ")"
            if problem not in problems:
                problems.append(tagged)
    return problems
