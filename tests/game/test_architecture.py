"""The architecture map: its format, its layout, and its health as the world changes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pagerdrill.game.architecture import architecture_state
from pagerdrill.game.catalog import builtin_folders, find_scenario
from pagerdrill.game.loader import ScenarioError, load_scenario, validate_scenario
from pagerdrill.game.session import Session

FIXTURES = Path(__file__).parent / "fixtures"
Copy = Callable[..., Path]

# Appended to the minimal fixture (128 lines), so its first line is line 129.
ARCH = """\
architecture:
  components:
    - {id: users, label: Customers, kind: users}
    - id: app
      label: "{{ app }} on {{ host }}"
      kind: service
      healthy: {service_active: {unit: "{{ app }}"}}
    - {id: disk, label: "/ on {{ host }}", kind: storage, healthy: {disk_used_below: {percent: 90}}}
  links:
    - [users, app]
    - [app, disk]
"""
LAST = "    outcome: penalty\n"


def with_arch(copy: Copy, *edits: tuple[str, str]) -> Path:
    block = ARCH
    for old, new in edits:
        assert old in block, old
        block = block.replace(old, new, 1)
    return copy((LAST, LAST + block))


def problems(folder: Path) -> list[str]:
    found = validate_scenario(folder)
    with pytest.raises(ScenarioError):
        load_scenario(folder)
    return found


def test_the_section_loads_with_variables_and_columns(scenario_copy: Copy) -> None:
    scenario = load_scenario(with_arch(scenario_copy))
    arch = scenario.architecture
    assert arch is not None
    assert [(c.id, c.label, c.kind, c.column) for c in arch.components] == [
        ("users", "Customers", "users", 0), ("app", "myapp on web-01", "service", 1),
        ("disk", "/ on web-01", "storage", 2)]
    assert arch.links == [("users", "app"), ("app", "disk")]
    other = scenario.for_seed(5)
    assert other.architecture is not None
    assert other.architecture.components[1].label == \
        f"{other.variables['app']} on {other.variables['host']}"


def test_a_scenario_without_the_section_has_an_empty_map() -> None:
    scenario = load_scenario(FIXTURES / "minimal")
    assert scenario.architecture is None
    assert architecture_state(scenario, scenario.build_world(0)) == {"components": [],
                                                                   "links": []}


def test_explicit_columns_win_and_the_rest_follow_the_links(scenario_copy: Copy) -> None:
    folder = with_arch(scenario_copy, ("kind: service\n", "kind: service\n      column: 4\n"))
    arch = load_scenario(folder).architecture
    assert arch is not None
    assert [c.column for c in arch.components] == [0, 4, 5]


def test_state_is_json_and_follows_the_world(scenario_copy: Copy) -> None:
    scenario = load_scenario(with_arch(scenario_copy))
    world = scenario.build_world(0)
    state = architecture_state(scenario, world)
    assert json.loads(json.dumps(state)) == state
    assert state == {
        "components": [
            {"id": "users", "label": "Customers", "kind": "users", "column": 0,
             "healthy": True},
            {"id": "app", "label": "myapp on web-01", "kind": "service", "column": 1,
             "healthy": True},
            {"id": "disk", "label": "/ on web-01", "kind": "storage", "column": 2,
             "healthy": False},
        ],
        "links": [["users", "app"], ["app", "disk"]],
    }
    host = world.hosts["web-01"]
    host.fs.truncate(host.fs.lookup("/var/log/myapp/app.log"), 0)
    host.services.stop("myapp")
    healthy = {c["id"]: c["healthy"] for c in architecture_state(scenario, world)["components"]}
    assert healthy == {"users": True, "app": False, "disk": True}


@pytest.mark.parametrize(("edit", "expected"), [
    (("kind: service", "kind: microservice"),
     "scenario.yaml:134: architecture.components[1].kind: Input should be 'users', "
     "'loadbalancer', 'service', 'database', 'cache', 'queue', 'cluster', 'storage' or "
     "'external'"),
    (("kind: service", "kind: service\n      colour: red"),
     "scenario.yaml:135: architecture.components[1].colour: unknown key 'colour'"),
    (("    - [app, disk]", "    - [app, dsk]"),
     "scenario.yaml:139: architecture.links[1][1]: no component with id 'dsk' in "
     "architecture.components (have: users, app, disk)"),
    (("    - [app, disk]", "    - [app, disk, users]"),
     "scenario.yaml:139: architecture.links[1]: expected a link [from, to] naming two "
     "component ids (got [app, disk, users])"),
    (("    - [app, disk]", "    - [app, app]"),
     "scenario.yaml:139: architecture.links[1]: component 'app' links to itself"),
    (("    - [app, disk]", "    - [users, app]"),
     "scenario.yaml:139: architecture.links[1]: duplicate link [users, app]"),
    (("- {id: disk,", "- {id: app,"),
     "scenario.yaml:136: architecture.components[2].id: duplicate component id 'app'"),
    (("    - [app, disk]", "    - [app, disk]\n    - [disk, app]"),
     "scenario.yaml:137: architecture.links: the links form a loop through app, disk: give "
     "these components a 'column'"),
    (("label: Customers, ", ""),
     "scenario.yaml:131: architecture.components[0].label: missing required key 'label'"),
    (("links:", "links:"), None),  # the unedited block is valid
    (("{service_active: {unit: \"{{ app }}\"}}", "{http_status: {port: 80}}"),
     "scenario.yaml:135: architecture.components[1].healthy.http_status: a component's health "
     "cannot use http_status: it sends a request to the server"),
    (("{service_active: {unit: \"{{ app }}\"}}", "{servce_active: {unit: x}}"),
     "scenario.yaml:135: architecture.components[1].healthy: unknown predicate "
     "'servce_active'"),
    (("{service_active: {unit: \"{{ app }}\"}}", "{gauge_above: {gauge: nope, value: 1}}"),
     "scenario.yaml:135: architecture.components[1].healthy.gauge_above.gauge: no metric with "
     "id 'nope' in world.metrics"),
    (("{service_active: {unit: \"{{ app }}\"}}", "{hook: \"hooks:ok\"}"),
     "scenario.yaml:135: architecture.components[1].healthy.hook: hook module 'hooks' not "
     "found"),
    (("label: Customers", "label: \"{{ nobody }}\""),
     "scenario.yaml:131: architecture.components[0].label: unknown variable '{{ nobody }}'"),
])
def test_problem_messages(scenario_copy: Copy, edit: tuple[str, str],
                          expected: str | None) -> None:
    folder = with_arch(scenario_copy, edit)
    if expected is None:
        assert validate_scenario(folder) == []
        return
    found = problems(folder)
    assert any(p.startswith(expected) for p in found), found


def test_a_gauge_measured_with_http_ok_is_refused(scenario_copy: Copy) -> None:
    folder = scenario_copy(
        ("  alerts:", "    - {id: up, probe: {http_ok: {port: 80}}}\n  alerts:"),
        (LAST, LAST + ARCH.replace('{service_active: {unit: "{{ app }}"}}',
                                   "{not: {gauge_below: {gauge: up, value: 1}}}")))
    assert any(p.startswith("scenario.yaml:136: architecture.components[1].healthy.not."
                            "gauge_below.gauge: metric 'up' is measured with http_ok")
               for p in problems(folder))


def test_a_failing_health_hook_is_reported_with_its_line(scenario_copy: Copy) -> None:
    folder = with_arch(scenario_copy, ('{service_active: {unit: "{{ app }}"}}',
                                       '{hook: "hooks:broken"}'))
    (folder / "hooks.py").write_text(
        "from pagerdrill.world.world import World\n\n\n"
        "def broken(world: World) -> bool:\n"
        "    raise RuntimeError('no such app')\n")
    assert problems(folder) == ["scenario.yaml:135: architecture.components[1].healthy: "
                                "RuntimeError: no such app"]


# -- the built-in scenarios ------------------------------------------------------------------


def _health(session: Session) -> dict[str, bool]:
    state = architecture_state(session.scenario, session.world)
    return {c["id"]: c["healthy"] for c in state["components"]}


def _solve(session: Session) -> None:
    for line in session.scenario.solution:
        if session.finished:
            break
        session.submit(line)


def test_disk_full_app_turns_healthy_when_the_solution_runs() -> None:
    session = Session(find_scenario("disk-full"), seed=0)
    assert _health(session) == {"users": True, "nginx": True, "app": False,
                                "postgres": False, "disk": False}
    _solve(session)
    assert _health(session) == {"users": True, "nginx": True, "app": True, "postgres": True,
                                "disk": True}


def test_pool_exhaustion_database_stays_healthy_while_the_api_fails() -> None:
    session = Session(find_scenario("pool-exhaustion"), seed=0)
    assert _health(session) == {"users": True, "api": False, "postgres": True,
                                "loyalty": False}
    _solve(session)
    assert _health(session) == {"users": True, "api": True, "postgres": True,
                                "loyalty": False}


@pytest.mark.parametrize("scenario_id", sorted(f.name for f in builtin_folders()))
def test_every_map_shows_the_outage_at_the_page_and_recovers(scenario_id: str) -> None:
    # A map that is green at the page, or still red once the solution ran, misleads.
    session = Session(find_scenario(scenario_id), seed=0)
    at_page = _health(session)
    assert at_page and not all(at_page.values()), at_page
    _solve(session)
    after = _health(session)
    assert sum(after.values()) > sum(at_page.values()), (at_page, after)


@pytest.mark.parametrize("scenario_id", sorted(f.name for f in builtin_folders()))
def test_reading_the_map_does_not_change_the_world(scenario_id: str) -> None:
    scenario = find_scenario(scenario_id)
    looked, untouched = Session(scenario, seed=1), Session(scenario, seed=1)
    for line in scenario.for_seed(1).solution[:3]:
        for _ in range(3):
            architecture_state(looked.scenario, looked.world)
        assert looked.submit(line).output == untouched.submit(line).output
    for name, host in looked.world.hosts.items():
        other = untouched.world.hosts[name]
        assert [m.used_bytes for m in host.fs.mounts] == [m.used_bytes for m in other.fs.mounts]
        assert len(host.journal.entries) == len(other.journal.entries)
