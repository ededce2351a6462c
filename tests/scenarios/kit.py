"""What every scenario test repeats: the scenario's folder and its seed-0 load, its hooks,
scripted runs and what they reached (objectives, traps, outcome), files read off a host.

The three checks every scenario passes the same way (it validates, its solution resolves
every seed, its wrong paths reach the outcome they declare) are made here as test functions;
a test module binds them to its own test names, so each module keeps only its scenario's
figures::

    FOLDER = kit.folder("disk-full")
    scenario = kit.scenario_fixture(FOLDER)
    test_validates = kit.validates_test(FOLDER)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import ModuleType

import pytest

from pagerdrill.game.hooks import HookModules
from pagerdrill.game.loader import load_scenario, validate_scenario
from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import expected_outcome, run_script
from pagerdrill.game.session import Session
from pagerdrill.world.host import Host
from pagerdrill.world.world import World

__all__ = [
    "SCENARIOS",
    "assert_candidates_and_hints",
    "assert_resolves",
    "assert_wrong_path",
    "folder",
    "hooks",
    "load",
    "met",
    "objectives",
    "output",
    "player_host",
    "read_bytes",
    "scenario_fixture",
    "solution_test",
    "trap_ids",
    "validates_test",
    "wrong_paths_test",
    "wrong_paths_with_traps_test",
]

SCENARIOS = Path(__file__).parents[2] / "src/pagerdrill/scenarios"


def folder(name: str) -> Path:
    """The built-in scenario ``name``'s folder."""
    return SCENARIOS / name


@functools.cache
def load(path: Path) -> Scenario:
    """The scenario in ``path`` as drawn for seed 0 (loaded once; a Scenario is frozen and
    builds a fresh world on every call, so tests can share it)."""
    return load_scenario(path, 0)


def scenario_fixture(path: Path) -> object:
    """A module-scoped ``scenario`` fixture: the scenario in ``path`` for seed 0. Bind it
    to a module name (``scenario = kit.scenario_fixture(FOLDER)``) for pytest to find."""

    @pytest.fixture(scope="module", name="scenario")
    def scenario() -> Scenario:
        return load(path)

    return scenario


def hooks(path: Path) -> ModuleType:
    """The very hooks module the scenario runs (its classes are what isinstance sees)."""
    return HookModules(path).module("hooks")


def player_host(world: World, scenario: Scenario) -> Host:
    """The host the player starts on."""
    host = world.host(scenario.player.host)
    assert host is not None, f"no host {scenario.player.host!r}"
    return host


def read_bytes(host: Host, path: str) -> bytes:
    """The content of the regular file at ``path`` (the test fails if it has none)."""
    content = host.fs.lookup(path).content
    assert content is not None, f"{path} has no content"
    return content.read()


def output(session: Session, line: str) -> str:
    """Submit ``line`` as the player and return what it printed."""
    return session.submit(line).output


def objectives(session: Session) -> list[tuple[str, bool]]:
    """Each objective's id and whether it is met, in the scenario's order."""
    return [(o.objective.id, o.met) for o in session.objectives]


def met(session: Session) -> dict[str, bool]:
    """Whether each objective is met, by id."""
    return dict(objectives(session))


def trap_ids(session: Session) -> set[str]:
    """The ids of the traps the session has sprung."""
    return {hit.trap.id for hit in session.traps}


def assert_candidates_and_hints(scenario: Scenario) -> None:
    """Four to six diagnosis candidates, exactly one correct, and three hints."""
    assert len(scenario.candidates) in range(4, 7)
    assert sum(c.correct for c in scenario.candidates) == 1
    assert len(scenario.hints) == 3


def assert_resolves(scenario: Scenario, seed: int, objective_ids: Sequence[str]) -> Session:
    """Play the solution as drawn for ``seed``: every objective (exactly ``objective_ids``,
    in order) met, the drill resolved, no trap sprung. Returns the session."""
    variant = scenario.for_seed(seed)
    session = run_script(variant, seed, variant.solution)
    assert objectives(session) == [(objective, True) for objective in objective_ids]
    assert session.outcome.value == "resolved" and not session.traps
    return session


def assert_wrong_path(scenario: Scenario, seed: int, name: str,
                      traps: set[str] | None = None) -> Session:
    """Play wrong path ``name`` as drawn for ``seed``: it reaches the outcome it declares
    (and springs exactly ``traps``, unless None). Returns the session."""
    variant = scenario.for_seed(seed)
    expected = variant.wrong_path_outcomes.get(name) or expected_outcome(name)
    assert expected is not None, f"wrong path {name!r} declares no outcome"
    session = run_script(variant, seed, variant.wrong_paths[name])
    assert session.outcome.value == expected, f"{name} on seed {seed}"
    if traps is not None:
        assert trap_ids(session) == traps
    return session


def validates_test(path: Path) -> Callable[[], None]:
    """A test: the scenario in ``path`` loads with no validation problem."""

    def test_validates() -> None:
        assert validate_scenario(path) == []

    return test_validates


def solution_test(path: Path, seeds: Iterable[int],
                  objective_ids: Sequence[str]) -> Callable[[int], None]:
    """A test per seed: the solution meets ``objective_ids`` and resolves the drill."""

    @pytest.mark.parametrize("seed", seeds)
    def test_the_solution_resolves(seed: int) -> None:
        assert_resolves(load(path), seed, objective_ids)

    return test_the_solution_resolves


def wrong_paths_test(path: Path, seeds: Iterable[int],
                     names: Iterable[str]) -> Callable[[int, str], None]:
    """A test per seed and wrong path: each reaches the outcome it declares."""

    @pytest.mark.parametrize("seed", seeds)
    @pytest.mark.parametrize("name", names)
    def test_wrong_paths_reach_their_outcome(seed: int, name: str) -> None:
        assert_wrong_path(load(path), seed, name)

    return test_wrong_paths_reach_their_outcome


def wrong_paths_with_traps_test(
        path: Path, seeds: Iterable[int],
        trap_sets: Mapping[str, set[str]]) -> Callable[[int, str, set[str]], None]:
    """A test per seed and wrong path: each reaches its outcome and springs exactly the
    traps ``trap_sets`` gives for its name."""

    @pytest.mark.parametrize("seed", seeds)
    @pytest.mark.parametrize(("name", "traps"), list(trap_sets.items()))
    def test_wrong_paths_reach_their_outcome(seed: int, name: str, traps: set[str]) -> None:
        assert_wrong_path(load(path), seed, name, traps)

    return test_wrong_paths_reach_their_outcome
