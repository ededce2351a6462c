"""The World: a simulated clock, a seeded RNG, hosts, rules and telemetry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from pagerdrill.world.clock import SimClock
from pagerdrill.world.host import Host
from pagerdrill.world.rng import Rng
from pagerdrill.world.telemetry import Telemetry

__all__ = ["Registry", "Rule", "World"]

_STEP_MS = 1000

K = TypeVar("K")
V = TypeVar("V")


class Registry(Generic[K, V]):
    """A typed slot on the world for one kind of simulated service (git repositories,
    Redis servers, clusters...), declared by the module that owns that kind."""

    def __init__(self, name: str) -> None:
        self.name = name


@dataclass
class Rule:
    """A time-driven change: when ``applies`` holds, ``apply`` runs each step."""

    name: str
    apply: Callable[[World, int], None]
    applies: Callable[[World], bool] = lambda world: True


class World:
    def __init__(self, seed: int, start_ms: int) -> None:
        self.seed = seed
        self.clock = SimClock(start_ms)
        self.rng = Rng(seed)
        self.hosts: dict[str, Host] = {}
        self.rules: list[Rule] = []
        self.telemetry = Telemetry()
        # Facts scenario code keeps about the world beyond hosts (flags, counters).
        self.facts: dict[str, object] = {}
        self._registries: dict[str, dict[Any, Any]] = {}

    def registered(self, registry: Registry[K, V]) -> dict[K, V]:
        """The world's entries of one kind, keyed as their module chooses."""
        return cast(dict[K, V], self._registries.setdefault(registry.name, {}))

    def add_host(self, host: Host) -> Host:
        self.hosts[host.name] = host
        return host

    def host(self, name: str) -> Host | None:
        """A host by short name, FQDN or IP address, as a resolver would find it."""
        short = name.split(".", 1)[0]
        found = self.hosts.get(name) or self.hosts.get(short)
        if found is not None:
            return found
        return next((h for h in self.hosts.values() if h.spec.ip == name), None)

    def advance(self, seconds: float) -> None:
        """Move time forward, running every rule and process in 1-second steps."""
        remaining = int(seconds * 1000)
        while remaining > 0:
            step = min(_STEP_MS, remaining)
            self.clock.advance(step)
            for host in self.hosts.values():
                host.tick(step)
            for rule in self.rules:
                if rule.applies(self):
                    rule.apply(self, step)
            self.telemetry.tick(self)
            remaining -= step
