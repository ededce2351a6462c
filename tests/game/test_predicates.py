"""The predicate and probe vocabularies, evaluated on built worlds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from pagerdrill.game.loader import load_scenario
from pagerdrill.game.predicates import (
    PREDICATE_KINDS,
    Predicate,
    ProbeFn,
    ProbeSpec,
    compile_predicate,
    compile_probe,
    default_gauge_name,
    iter_predicate_refs,
)
from pagerdrill.world.world import World

FIXTURES = Path(__file__).parent / "fixtures"
PREDICATE: TypeAdapter[Any] = TypeAdapter(Predicate)
PROBE: TypeAdapter[Any] = TypeAdapter(ProbeSpec)


def custom(world: World) -> bool:
    return world.seed == 0


@dataclass
class Context:
    default_host: str = "web-01"
    gauges: dict[str, ProbeFn] = field(default_factory=dict)

    def hook(self, ref: str) -> Any:
        assert ref == "hooks:custom"
        return custom

    def gauge(self, metric_id: str) -> ProbeFn:
        return self.gauges[metric_id]


@pytest.fixture
def world() -> World:
    return load_scenario(FIXTURES / "minimal").build_world(0)


def holds(world: World, data: Any, ctx: Context | None = None) -> bool:
    return compile_predicate(PREDICATE.validate_python(data), ctx or Context())(world)


def probe(world: World, data: Any) -> float:
    return compile_probe(PROBE.validate_python(data), Context())(world)


def test_disk_predicates(world: World) -> None:
    assert holds(world, {"disk_used_above": {"percent": 99.9}})
    assert not holds(world, {"disk_used_below": {"host": "web-01", "mount": "/", "percent": 90}})
    host = world.hosts["web-01"]
    host.fs.truncate(host.fs.lookup("/var/log/myapp/app.log"), 0)
    assert holds(world, {"disk_used_below": {"percent": 90}})


def test_file_predicates(world: World) -> None:
    assert holds(world, {"file_exists": {"path": "/etc/myapp/config.yaml"}})
    assert holds(world, {"file_absent": {"path": "/etc/prometheus/rules/disk.yml"}})
    assert holds(world, {"file_contains": {"path": "/etc/myapp/config.yaml",
                                           "pattern": "^listen: 0.0.0.0"}})
    assert not holds(world, {"file_contains": {"path": "/etc/myapp/config.yaml",
                                               "pattern": "listen", "max_bytes": 10}})
    assert not holds(world, {"file_contains": {"path": "/nope", "pattern": "x"}})
    assert holds(world, {"file_size_below": {"path": "/etc/myapp/config.yaml", "size": 4096}})
    assert not holds(world, {"file_size_below": {"path": "/nope", "size": 4096}})


def test_combinators(world: World) -> None:
    yes, no = {"file_exists": {"path": "/etc"}}, {"file_exists": {"path": "/nope"}}
    assert holds(world, {"all": [yes, yes]}) and not holds(world, {"all": [yes, no]})
    assert holds(world, {"any": [no, yes]}) and not holds(world, {"any": [no, no]})
    assert holds(world, {"not": no}) and not holds(world, {"not": yes})


def test_service_and_process_predicates(world: World) -> None:
    assert holds(world, {"service_active": {"unit": "myapp"}})
    assert holds(world, {"service_enabled": {"unit": "myapp.service"}})
    assert not holds(world, {"service_active": {"unit": "nginx"}})
    assert holds(world, {"process_running": {"match": r"myapp --config"}})
    world.hosts["web-01"].services.stop("myapp")
    assert not holds(world, {"service_active": {"unit": "myapp"}})
    assert not holds(world, {"process_running": {"match": r"myapp --config"}})


def test_http_predicates() -> None:
    world = load_scenario(FIXTURES / "hooked").build_world(0)
    ctx = Context(default_host="db-01")
    assert holds(world, {"http_status": {"port": 9100, "path": "/health"}}, ctx)
    assert holds(world, {"http_status": {"port": 9100, "path": "/x", "status": 404}}, ctx)
    assert not holds(world, {"http_status": {"port": 80}}, ctx)
    ok = PROBE.validate_python({"http_ok": {"port": 9100, "path": "/health"}})
    assert compile_probe(ok, ctx)(world) == 1.0


def test_gauges_facts_and_hooks(world: World) -> None:
    ctx = Context(gauges={"disk": compile_probe(
        PROBE.validate_python({"disk_used_percent": {}}), Context())})
    assert holds(world, {"gauge_above": {"gauge": "disk", "value": 99}}, ctx)
    assert not holds(world, {"gauge_below": {"gauge": "disk", "value": 99}}, ctx)
    world.facts["flag"] = "on"
    assert holds(world, {"fact": {"name": "flag", "equals": "on"}})
    assert not holds(world, {"fact": {"name": "missing"}})
    assert holds(world, {"hook": "hooks:custom"})


def test_deleted_open_elapsed_and_history(world: World) -> None:
    assert not holds(world, {"deleted_open": {}})
    world.hosts["web-01"].fs.unlink("/var/log/myapp/app.log")
    assert holds(world, {"deleted_open": {"path": "/var/log/myapp/app.log"}})
    assert not holds(world, {"deleted_open": {"path": "/var/log/other.log"}})
    assert not holds(world, {"elapsed": {"at_least": "2m"}})
    world.advance(120)
    assert holds(world, {"elapsed": {"at_least": "2m"}})
    assert not holds(world, {"command_ran": {"pattern": r"^rm "}})
    world.facts["history"] = ["df -h", "rm /var/log/myapp/app.log"]
    assert holds(world, {"command_ran": {"pattern": r"^rm "}})


def test_probes(world: World) -> None:
    assert probe(world, {"disk_used_percent": {"mount": "/"}}) == 100.0
    assert probe(world, {"disk_avail_bytes": {}}) == 0.0
    assert 0 < probe(world, {"inodes_used_percent": {}}) < 100
    assert probe(world, {"service_active": {"unit": "myapp"}}) == 1.0
    assert 0 < probe(world, {"mem_used_percent": {}}) < 100
    assert probe(world, {"process_rss_kb": {"match": "myapp"}}) == 220 * 1024
    assert probe(world, {"file_size": {"path": "/var/log/myapp/app.log"}}) == 64 << 30
    world.facts["depth"] = 7
    assert probe(world, {"fact": {"name": "depth"}}) == 7.0
    assert probe(world, {"load1": {}}) == 0.08


def test_gauge_names_and_refs() -> None:
    spec = PROBE.validate_python({"disk_used_percent": {"mount": "/data"}})
    assert default_gauge_name(spec, "web-01") == "disk_used_percent{host=web-01,mount=/data}"
    nested = PREDICATE.validate_python({"all": [{"not": {"file_exists": {"path": "/a"}}},
                                                {"fact": {"name": "x"}}]})
    refs = [(path, kind) for path, kind, _ in iter_predicate_refs(nested)]
    assert refs == [(("all", 0, "not", "file_exists"), "file_exists"), (("all", 1, "fact"),
                                                                         "fact")]


def test_every_kind_is_documented() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "scenario-format.md").read_text()
    for kind in PREDICATE_KINDS:
        assert f"`{kind}`" in doc, kind
