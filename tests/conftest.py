"""Shared fixtures: a small world with one ordinary host."""

from __future__ import annotations

import pytest

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.host import Host
from pagerdrill.world.world import World


@pytest.fixture
def world() -> World:
    return new_world(seed=0)


@pytest.fixture
def host(world: World) -> Host:
    return add_linux_host(world, "web-01")
