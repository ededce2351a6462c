"""The architecture map: a scenario's components, their links, and their health now.

A scenario's optional ``architecture:`` section (docs/scenario-format.md) names
the boxes the war room draws (users, load balancer, services, database...) and
the links between them; each component's health is a predicate on the world, the
same language objectives and traps use. :func:`architecture_state` is what a
front end calls after each turn: plain JSON-ready data, computed from the world.

Reading the map must not change the world: a front end may ask at any moment
(a page reload), and a session is replayed from its command log alone. So a
health predicate may not send requests (``http_status``, or a gauge measured
with ``http_ok``: both go through the server's request handler, which logs and
counts). Hooks named by a health predicate must only read the world.
"""

from __future__ import annotations

from typing import Any

from pagerdrill.game.format import ArchitectureSpec, MetricSpec
from pagerdrill.game.model import Architecture, Component, Scenario
from pagerdrill.game.predicates import (
    CompileContext,
    HttpOk,
    compile_predicate,
    iter_predicate_refs,
)
from pagerdrill.world.world import World

__all__ = [
    "architecture_state",
    "check_architecture",
    "compile_architecture",
    "component_columns",
]

KeyPath = tuple[str | int, ...]
Problem = tuple[KeyPath, str]
_BASE: KeyPath = ("architecture",)
_WRITES = ("sends a request to the server (its handler logs and counts it), and reading the "
           "map must not change the world; use service_active, process_running, a gauge, a "
           "fact or a hook that only reads")


def component_columns(spec: ArchitectureSpec) -> tuple[dict[str, int], list[str]]:
    """Each component's column, and the ids left without one because links loop.

    A component without ``column`` sits one column right of the furthest component
    linking to it (0 when nothing links to it): users -> lb -> app -> db reads 0-3.
    """
    ids = [c.id for c in spec.components]
    fixed = {c.id: c.column for c in spec.components if c.column is not None}
    callers: dict[str, list[str]] = {cid: [] for cid in ids}
    for source, target in spec.links:
        if source in callers and target in callers:
            callers[target].append(source)
    depth = {cid: 0 for cid in ids if cid not in fixed}

    def column(cid: str) -> int:
        return fixed[cid] if cid in fixed else depth[cid]

    for _ in range(len(ids) + 1):
        changed = False
        for cid in depth:
            best = max((column(c) + 1 for c in callers[cid]), default=0)
            if best != depth[cid]:
                depth[cid], changed = best, True
        if not changed:
            return {cid: column(cid) for cid in ids}, []
    # Still growing after as many rounds as there are components: a loop of links.
    looping = [cid for cid in depth if depth[cid] > len(ids)]
    return {cid: column(cid) for cid in ids}, looping


def check_architecture(spec: ArchitectureSpec, metrics: list[MetricSpec]) -> list[Problem]:
    """Cross-references: unique ids, links between declared components, a column for
    each, and health predicates that only read the world."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, component in enumerate(spec.components):
        if component.id in seen:
            problems.append(((*_BASE, "components", i, "id"),
                             f"duplicate component id '{component.id}'"))
        seen.add(component.id)
    declared = ", ".join(dict.fromkeys(c.id for c in spec.components))
    links: set[tuple[str, str]] = set()
    for i, link in enumerate(spec.links):
        for j, end in enumerate(link):
            if end not in seen:
                problems.append(((*_BASE, "links", i, j), f"no component with id '{end}' "
                                 f"in architecture.components (have: {declared})"))
        if link[0] == link[1]:
            problems.append(((*_BASE, "links", i), f"component '{link[0]}' links to itself"))
        elif link in links:
            problems.append(((*_BASE, "links", i), f"duplicate link [{link[0]}, {link[1]}]"))
        links.add(link)
    _, looping = component_columns(spec)
    if looping:
        problems.append(((*_BASE, "links"), f"the links form a loop through "
                         f"{', '.join(looping)}: give these components a 'column'"))
    http_metrics = {m.id for m in metrics if isinstance(m.probe, HttpOk)}
    for i, component in enumerate(spec.components):
        if component.healthy is None:
            continue
        path = (*_BASE, "components", i, "healthy")
        for rel, kind, args in iter_predicate_refs(component.healthy):
            if kind == "http_status":
                problems.append(((*path, *rel), f"a component's health cannot use "
                                 f"http_status: it {_WRITES}"))
            elif kind in ("gauge_below", "gauge_above") and args.gauge in http_metrics:
                problems.append(((*path, *rel, "gauge"), f"metric '{args.gauge}' is measured "
                                 f"with http_ok, which {_WRITES}"))
    return problems


def compile_architecture(spec: ArchitectureSpec, ctx: CompileContext) -> Architecture:
    """The validated section as model objects, health predicates compiled."""
    columns, _ = component_columns(spec)
    components = [Component(c.id, c.label, c.kind, columns[c.id],
                            None if c.healthy is None else compile_predicate(c.healthy, ctx))
                  for c in spec.components]
    return Architecture(components, [(a, b) for a, b in spec.links])


def architecture_state(scenario: Scenario, world: World) -> dict[str, Any]:
    """The map as the world stands now, JSON-ready::

        {"components": [{"id", "label", "kind", "column", "healthy": bool}, ...],
         "links": [[from, to], ...]}

    Empty lists for a scenario without an architecture section. Evaluating it only
    reads the world.
    """
    arch = scenario.architecture
    if arch is None:
        return {"components": [], "links": []}
    return {
        "components": [{"id": c.id, "label": c.label, "kind": c.kind, "column": c.column,
                        "healthy": True if c.healthy is None else bool(c.healthy(world))}
                       for c in arch.components],
        "links": [[a, b] for a, b in arch.links],
    }
