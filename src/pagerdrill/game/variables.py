"""Seed variation: named variables, drawn per seed, substituted as ``{{ name }}``.

Seed 0 always takes every variable's ``canonical`` value, so it reproduces the
incident exactly as the source tells it. Any other seed draws each variable from
its own stream, ``Rng(seed).child("variables", name)``, so adding a variable
never changes what the others draw.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pagerdrill.game.units import format_size, parse_size
from pagerdrill.world.rng import Rng

__all__ = [
    "REFERENCE",
    "VariableSpec",
    "draw_variables",
    "substitute_data",
    "substitute_text",
]

Scalar = str | int | float | bool
# {{ name }}: plain substitution, no expressions.
REFERENCE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class VariableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    canonical: Scalar  # seed 0's value: the incident as told
    choices: list[Scalar] | None = Field(default=None, min_length=1)
    range: tuple[int, int] | None = None  # inclusive integer range
    size_range: tuple[str | int, str | int] | None = None  # e.g. [40G, 70G]

    @model_validator(mode="after")
    def _one_way(self) -> VariableSpec:
        ways = [w for w in ("choices", "range", "size_range") if getattr(self, w) is not None]
        if len(ways) > 1:
            raise ValueError(f"give at most one of 'choices', 'range', 'size_range' "
                             f"(got {', '.join(ways)})")
        if self.range is not None and self.range[0] > self.range[1]:
            raise ValueError(f"empty range {list(self.range)}")
        if self.size_range is not None:
            low, high = (parse_size(v) for v in self.size_range)
            if low > high:
                raise ValueError(f"empty size range {list(self.size_range)}")
        return self

    def draw(self, rng: Rng) -> Scalar:
        if self.choices is not None:
            return rng.choice(self.choices)
        if self.range is not None:
            return rng.randint(*self.range)
        if self.size_range is not None:
            return _draw_size(rng, *(parse_size(v) for v in self.size_range))
        return self.canonical


def _draw_size(rng: Rng, low: int, high: int) -> str:
    """A size between the bounds, spelt in the largest unit that still gives variety."""
    for unit in (1 << 40, 1 << 30, 1 << 20, 1 << 10, 1):
        first, last = -(-low // unit), high // unit
        if last - first >= 4 or unit == 1:
            return format_size(rng.randint(first, last) * unit)
    raise AssertionError("unreachable")


def draw_variables(specs: dict[str, VariableSpec], seed: int) -> dict[str, Scalar]:
    """Every variable's value for ``seed`` (canonical values for seed 0)."""
    if seed == 0:
        return {name: spec.canonical for name, spec in specs.items()}
    root = Rng(seed)
    return {name: spec.draw(root.child("variables", name)) for name, spec in specs.items()}


def substitute_text(text: str, values: dict[str, Scalar],
                    unknown: Callable[[str], None]) -> str:
    """Replace each ``{{ name }}``; ``unknown(name)`` is told of names with no value."""
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values or not _NAME.match(name):
            unknown(name)
            return match.group(0)
        return str(values[name])

    return REFERENCE.sub(replace, text)


def substitute_data(data: Any, values: dict[str, Scalar],
                    unknown: Callable[[tuple[str | int, ...], str], None],
                    path: tuple[str | int, ...] = ()) -> Any:
    """Substitute in every string of a YAML tree, mapping keys included (file names
    in a repository, group names).

    A string that is exactly one reference takes the variable's own type, so
    ``cpus: "{{ cpus }}"`` stays an integer.
    """
    if isinstance(data, str):
        whole = REFERENCE.fullmatch(data.strip())
        if whole is not None and whole.group(1) in values:
            return values[whole.group(1)]
        return substitute_text(data, values, lambda name: unknown(path, name))
    if isinstance(data, list):
        return [substitute_data(v, values, unknown, (*path, i)) for i, v in enumerate(data)]
    if isinstance(data, dict):
        return {_substitute_key(k, values, unknown, path): substitute_data(v, values, unknown,
                                                                          (*path, k))
                for k, v in data.items()}
    return data


def _substitute_key(key: object, values: dict[str, Scalar],
                    unknown: Callable[[tuple[str | int, ...], str], None],
                    path: tuple[str | int, ...]) -> object:
    if not isinstance(key, str):
        return key
    return substitute_text(key, values, lambda name: unknown((*path, key), name))
