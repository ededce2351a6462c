"""Seed variation: canonical values for seed 0, independent draws, substitution."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pagerdrill.game.units import parse_size
from pagerdrill.game.variables import (
    VariableSpec,
    draw_variables,
    substitute_data,
    substitute_text,
)

SPECS = {
    "host": VariableSpec(canonical="web-01", choices=["web-01", "web-02", "api-03"]),
    "days": VariableSpec(canonical=21, range=(14, 28)),
    "size": VariableSpec(canonical="64G", size_range=("40G", "70G")),
    "fixed": VariableSpec(canonical="myapp"),
}


def test_seed_zero_is_canonical() -> None:
    assert draw_variables(SPECS, 0) == {"host": "web-01", "days": 21, "size": "64G",
                                        "fixed": "myapp"}


@settings(deadline=None)  # cheap, but the suite may share a busy machine
@given(st.integers(min_value=1, max_value=10**9))
def test_draws_are_deterministic_and_in_range(seed: int) -> None:
    values = draw_variables(SPECS, seed)
    assert values == draw_variables(SPECS, seed)
    assert values["host"] in ("web-01", "web-02", "api-03")
    assert isinstance(values["days"], int) and 14 <= values["days"] <= 28
    assert 40 << 30 <= parse_size(values["size"]) <= 70 << 30
    assert values["fixed"] == "myapp"


def test_each_variable_has_its_own_stream() -> None:
    alone = draw_variables({"days": SPECS["days"]}, 5)
    assert draw_variables(SPECS, 5)["days"] == alone["days"]


def test_seeds_vary() -> None:
    assert len({str(draw_variables(SPECS, seed)) for seed in range(1, 20)}) > 5


def test_spec_validation() -> None:
    with pytest.raises(ValidationError, match="at most one"):
        VariableSpec.model_validate({"canonical": 1, "choices": [1], "range": [1, 2]})
    with pytest.raises(ValidationError, match="empty range"):
        VariableSpec.model_validate({"canonical": 1, "range": [3, 2]})
    with pytest.raises(ValidationError):
        VariableSpec.model_validate({"canonical": 1, "choices": []})
    with pytest.raises(ValidationError):
        VariableSpec.model_validate({"canonical": 1, "colour": "red"})


def test_substitution() -> None:
    values: dict[str, Any] = {"host": "web-01", "cpus": 8}
    unknown: list[tuple[tuple[str | int, ...], str]] = []
    data = {"a": "on {{ host }} and {{host}}", "b": ["{{ cpus }}", " {{ cpus }} "],
            "c": {"d": "{{ nope }}", "e": 3}, "{{ host }}.conf": "keys too"}
    result = substitute_data(data, values, lambda path, name: unknown.append((path, name)))
    assert result == {"a": "on web-01 and web-01", "b": [8, 8], "c": {"d": "{{ nope }}", "e": 3},
                      "web-01.conf": "keys too"}
    assert unknown == [(("c", "d"), "nope")]
    missing: list[str] = []
    assert substitute_text("x {{ a.b }} {{ cpus }}", values, missing.append) == "x {{ a.b }} 8"
    assert missing == ["a.b"]
