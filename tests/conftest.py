"""Shared fixtures: a small world with one ordinary host."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.host import Host
from pagerdrill.world.world import World

# Locally, generated cases explore afresh on every run (that is how the du -a -s
# ordering bug was found); under CI they are derandomized so a run is reproducible.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")


@pytest.fixture
def world() -> World:
    return new_world(seed=0)


@pytest.fixture
def host(world: World) -> Host:
    return add_linux_host(world, "web-01")
