"""Cross-reference checks on a structurally valid scenario.

Pydantic checks each value; these check the scenario as a whole: one correct
root cause among four to six, exactly three hints, unique ids, hosts and
gauges that predicates name, hooks that exist. Each problem carries the key
path of the value at fault.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from pagerdrill.game import predicates as p
from pagerdrill.game.format import (
    ConditionSpec,
    FileSpec,
    ProgramSpec,
    RuleSpec,
    ScenarioFile,
    SourceSpec,
)
from pagerdrill.game.hooks import HookError, HookModules
from pagerdrill.world.host import BASE_USERS

__all__ = ["KeyPath", "check_scenario", "walk_models"]

KeyPath = tuple[str | int, ...]
Problem = tuple[KeyPath, str]

_BASE_USERS = {user.name for user in BASE_USERS}


def walk_models(value: Any, path: KeyPath = ()) -> Iterator[tuple[KeyPath, BaseModel]]:
    """Every model inside ``value`` with its key path (field aliases, as written in YAML)."""
    if isinstance(value, BaseModel):
        yield path, value
        for name, info in type(value).model_fields.items():
            yield from walk_models(getattr(value, name), (*path, info.alias or name))
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from walk_models(item, (*path, i))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from walk_models(item, (*path, key))


def _duplicates(items: list[Any], attr: str, path: KeyPath, what: str) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        value = getattr(item, attr)
        if value in seen:
            yield (*path, i, attr), f"duplicate {what} '{value}'"
        seen.add(value)


def check_scenario(sf: ScenarioFile, hooks: HookModules) -> list[Problem]:
    problems: list[Problem] = []
    problems += _check_drill(sf)
    problems += _check_world(sf)
    problems += _check_refs(sf, hooks)
    return problems


def _check_drill(sf: ScenarioFile) -> list[Problem]:
    problems: list[Problem] = []
    count = len(sf.root_causes)
    if not 4 <= count <= 6:
        problems.append((("root_causes",), f"expected 4 to 6 root causes, got {count}"))
    correct = [c.id for c in sf.root_causes if c.correct]
    if len(correct) != 1:
        problems.append((("root_causes",), "exactly one root cause must be correct: true "
                         f"(got {len(correct)}{': ' + ', '.join(correct) if correct else ''})"))
    if len(sf.hints) != 3:
        problems.append((("hints",), f"expected exactly 3 progressive hints, got "
                         f"{len(sf.hints)}"))
    problems += _duplicates(sf.root_causes, "id", ("root_causes",), "root cause id")
    problems += _duplicates(sf.objectives, "id", ("objectives",), "objective id")
    problems += _duplicates(sf.traps, "id", ("traps",), "trap id")
    hosts = {h.name: h for h in sf.world.hosts}
    host = hosts.get(sf.player.host)
    if host is None:
        problems.append((("player", "host"), f"no host named '{sf.player.host}' in "
                         f"world.hosts (have: {', '.join(hosts)})"))
    elif sf.player.user not in _BASE_USERS | {u.name for u in host.users}:
        problems.append((("player", "user"), f"no user '{sf.player.user}' on host {host.name}"))
    return problems


def _check_world(sf: ScenarioFile) -> list[Problem]:
    world = sf.world
    problems: list[Problem] = []
    problems += _duplicates(world.hosts, "name", ("world", "hosts"), "host name")
    problems += _duplicates(world.hosts, "ip", ("world", "hosts"), "host ip")
    problems += _duplicates(world.metrics, "id", ("world", "metrics"), "metric id")
    problems += _duplicates(world.alerts, "name", ("world", "alerts"), "alert name")
    for i, host in enumerate(world.hosts):
        base = ("world", "hosts", i)
        problems += _duplicates(host.services, "name", (*base, "services"), "service")
        problems += _duplicates(host.files, "path", (*base, "files"), "file path")
        users = _BASE_USERS | {u.name for u in host.users}
        for kind in ("files", "dirs", "links"):
            for j, entry in enumerate(getattr(host, kind)):
                if entry.owner not in users:
                    problems.append(((*base, kind, j, "owner"),
                                     f"no user '{entry.owner}' on host {host.name}"))
        for kind in ("services", "processes"):
            for j, entry in enumerate(getattr(host, kind)):
                if entry.user not in users:
                    problems.append(((*base, kind, j, "user"),
                                     f"no user '{entry.user}' on host {host.name}"))
    return problems


def _regex(pattern: str, path: KeyPath) -> list[Problem]:
    try:
        re.compile(pattern)
    except re.error as error:
        return [(path, f"invalid regular expression '{pattern}': {error}")]
    return []


def _check_refs(sf: ScenarioFile, hooks: HookModules) -> list[Problem]:
    problems: list[Problem] = []
    hosts = {h.name for h in sf.world.hosts}
    gauges = {m.id for m in sf.world.metrics}
    sources = set(sf.world.sources)

    def hook(ref: str | None, path: KeyPath) -> None:
        if ref is None:
            return
        try:
            hooks.resolve(ref)
        except HookError as error:
            problems.append((path, str(error)))

    for path, model in walk_models(sf):
        host = getattr(model, "host", None)
        if isinstance(model, p._Args) and isinstance(host, str) and host not in hosts:
            problems.append(((*path, "host"), f"no host named '{host}' in world.hosts"))
        if isinstance(model, p.GaugeArgs | ConditionSpec) and model.gauge not in gauges:
            problems.append(((*path, "gauge"), f"no metric with id '{model.gauge}' in "
                             f"world.metrics"))
        if isinstance(model, p.ContainsArgs | p.CommandArgs):
            problems += _regex(model.pattern, (*path, "pattern"))
        if isinstance(model, p.ProcessArgs):
            problems += _regex(model.match, (*path, "match"))
        if isinstance(model, p.PredicateHook | p.ProbeHook | SourceSpec | RuleSpec):
            hook(model.hook, (*path, "hook"))
        if isinstance(model, ProgramSpec):
            hook(model.hook, path)
        if isinstance(model, FileSpec) and isinstance(model.generator, str) \
                and model.generator not in sources:
            problems.append(((*path, "generator"), f"no text source named "
                             f"'{model.generator}' in world.sources"))
    for i, ref in enumerate(sf.world.setup):
        hook(ref, ("world", "setup", i))
    return problems
