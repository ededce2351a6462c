"""Fixtures for the scenario format tests: fixture folders and a writable copy of one."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL = FIXTURES / "minimal"
HOOKED = FIXTURES / "hooked"


@pytest.fixture
def scenario_copy(tmp_path: Path) -> Callable[..., Path]:
    """Copy a fixture scenario to tmp_path, applying (old, new) text edits to scenario.yaml."""

    def make(*edits: tuple[str, str], source: Path = MINIMAL) -> Path:
        target = tmp_path / source.name
        shutil.copytree(source, target)
        yaml_path = target / "scenario.yaml"
        text = yaml_path.read_text()
        for old, new in edits:
            assert old in text, f"fixture has no {old!r}"
            text = text.replace(old, new, 1)
        yaml_path.write_text(text)
        return target

    return make
