"""Finding scenarios: the built-in ones shipped in the package, or one at a path."""

from __future__ import annotations

from pathlib import Path

from pagerdrill.game.loader import SCENARIO_FILE, load_scenario
from pagerdrill.game.model import Scenario

__all__ = [
    "BUILTIN_DIR",
    "ScenarioNotFound",
    "builtin_folders",
    "builtin_scenarios",
    "find_scenario",
]

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "scenarios"


class ScenarioNotFound(LookupError):
    """Neither a built-in scenario id nor a scenario folder."""


def builtin_folders() -> list[Path]:
    """Folders under ``pagerdrill/scenarios/`` holding a scenario.yaml, sorted by id."""
    if not BUILTIN_DIR.is_dir():
        return []
    return sorted(p for p in BUILTIN_DIR.iterdir() if (p / SCENARIO_FILE).is_file())


def builtin_scenarios() -> list[Scenario]:
    """Every built-in scenario, loaded for seed 0. Raises ScenarioError if one is broken."""
    return [load_scenario(folder) for folder in builtin_folders()]


def find_scenario(id_or_path: str | Path, seed: int = 0) -> Scenario:
    """A built-in scenario by id, or the scenario in a folder (or at its scenario.yaml)."""
    text = str(id_or_path)
    for folder in builtin_folders():
        if folder.name == text:
            return load_scenario(folder, seed)
    path = Path(id_or_path)
    if (path / SCENARIO_FILE).is_file() or (path.is_file() and path.name == SCENARIO_FILE):
        return load_scenario(path, seed)
    known = ", ".join(f.name for f in builtin_folders()) or "none"
    raise ScenarioNotFound(f"no scenario '{text}': not a built-in id (built-in: {known}) and "
                           f"not a folder with a {SCENARIO_FILE}")
