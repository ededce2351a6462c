"""Loading scenario folders: every problem as file:line: keypath: message."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from pagerdrill.game.catalog import (
    ScenarioNotFound,
    builtin_folders,
    builtin_scenarios,
    find_scenario,
)
from pagerdrill.game.loader import ScenarioError, load_scenario, validate_scenario
from pagerdrill.game.model import Difficulty, ObjectiveKind, TrapOutcome

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL = FIXTURES / "minimal"
HOOKED = FIXTURES / "hooked"
Copy = Callable[..., Path]


def test_fixtures_are_valid() -> None:
    assert validate_scenario(MINIMAL) == []
    assert validate_scenario(HOOKED) == []
    assert validate_scenario(MINIMAL / "scenario.yaml") == []


def test_loaded_scenario_fields() -> None:
    scenario = load_scenario(MINIMAL)
    assert scenario.id == "tiny-disk-full"
    assert scenario.difficulty is Difficulty.BEGINNER
    assert scenario.page.title == "[FIRING] HTTP 5xx rate high on web-01"
    assert scenario.page.source == "PagerDuty"
    assert scenario.player.host == "web-01" and scenario.player.cwd == "/root"
    assert [o.kind for o in scenario.objectives] == [
        ObjectiveKind.MITIGATE, ObjectiveKind.RESOLVE, ObjectiveKind.PREVENT]
    assert [c.correct for c in scenario.candidates] == [True, False, False, False]
    assert scenario.candidate(1) is scenario.candidates[0] and scenario.candidate(5) is None
    assert len(scenario.hints) == 3
    assert scenario.debrief.expert_path[0].command == "df -h"
    assert scenario.traps[0].outcome is TrapOutcome.PENALTY
    assert scenario.solution == [
        "df -h", "du -sh /var/log/*", "truncate -s 0 /var/log/myapp/app.log",
        "sed -i 's/^log_level: DEBUG.*/log_level: INFO/' /etc/myapp/config.yaml"]
    assert scenario.wrong_paths == {"rm-log": ["rm /var/log/myapp/app.log"]}
    assert scenario.wrong_path_outcomes == {"rm-log": "unresolved"}
    assert scenario.time.limit_ms == 45 * 60_000 and scenario.time.per_command_ms == 2000
    assert scenario.seed == 0 and scenario.variables["log_size"] == "64G"


def _problems(path: Path) -> list[str]:
    problems = validate_scenario(path)
    assert problems, "expected problems"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems
    return problems


@pytest.mark.parametrize(("edit", "expected"), [
    (("size: 120M", "size: 64Q"), "scenario.yaml:48: world.hosts[0].files[1].size: invalid size "
     "'64Q' (expected e.g. 512, 4K, 1.5M, 64G, or rest)"),
    (("cpus: 4", "cpus: 4\n      colour: red"),
     "scenario.yaml:34: world.hosts[0].colour: unknown key 'colour'"),
    (("percent: 90}}", "percent: 90, colour: red}}"),
     "scenario.yaml:91: objectives[0].predicate.disk_used_below.colour: unknown key 'colour'"),
    (("{disk_used_below: {mount: /", "{disk_used_blow: {mount: /"),
     "scenario.yaml:91: objectives[0].predicate: unknown predicate 'disk_used_blow' (expected "
     "one of: all, any, not, "),
    (("for: 2m", "for: 2 minutes"),
     "scenario.yaml:79: world.alerts[0].for: invalid duration '2 minutes' (expected e.g. 30s, "
     "2m, 1h30m, 9d)"),
    (("mode: \"0755\"", "mode: \"0855\""),
     "scenario.yaml:40: world.hosts[0].dirs[0].mode: invalid mode '0855'"),
    (("teaser: Every service on {{ host }}", "teaser: Every service on {{ hots }}"),
     "scenario.yaml:5: teaser: unknown variable '{{ hots }}' (declared: host, app, log_size)"),
    (("builtin: log_writer", "hook: hooks:Nope"),
     "scenario.yaml:67: world.hosts[0].services[0].program: hook module 'hooks' not found "
     "(no hooks.py in the scenario folder)"),
    (("  - {id: inode, text: \"Inode exhaustion from session files\"}\n", ""),
     "scenario.yaml:105: root_causes: expected 4 to 6 root causes, got 3"),
    (("  - \"What does df -h say?\"\n", ""),
     "scenario.yaml:111: hints: expected exactly 3 progressive hints, got 2"),
    (("  - {id: db, text:", "  - {id: db, correct: true, text:"),
     "root_causes: exactly one root cause must be correct: true (got 2: debug, db)"),
    (("difficulty: beginner", "difficulty: easy"),
     "scenario.yaml:4: difficulty: Input should be 'beginner', 'intermediate' or 'advanced'"),
    (("title: \"No space left on device\"\n", ""), "scenario.yaml:1: title: missing required key "
     "'title'"),
    (("cpus: 4", "cpus: 4\n      cpus: 8"), "scenario.yaml:34: world.hosts[0].cpus: duplicate key "
     "'cpus' (first on line 33)"),
    (("player: {host: \"{{ host }}\"", "player: {host: db-09"),
     "scenario.yaml:17: player.host: no host named 'db-09' in world.hosts (have: web-01)"),
    (("{gauge_below: {gauge: disk_root", "{gauge_below: {gauge: disk_rot"),
     "world.chat[1].when.gauge_below.gauge: no metric with id 'disk_rot' in world.metrics"),
    (("generator: app-debug", "generator: app-dbg"),
     "world.hosts[0].files[0].generator: no text source named 'app-dbg' in world.sources"),
    (("percent: 90}}", "percent: 90, host: nowhere}}"),
     "objectives[0].predicate.disk_used_below.host: no host named 'nowhere' in world.hosts"),
    (("owner: www-data, group", "owner: nobody2, group"),
     "scenario.yaml:40: world.hosts[0].dirs[0].owner: no user 'nobody2' on host web-01"),
    (("pattern: \"^log_level: DEBUG\"", "pattern: \"(unclosed\""),
     "objectives[1].predicate.not.file_contains.pattern: invalid regular expression"),
    (("title: \"No space left on device\"", "title: [unclosed"), "scenario.yaml:"),
    (("exec: \"/usr/bin/{{ app }}", "exec: 5\n          x: \"/usr/bin/{{ app }}"),
     "scenario.yaml:63: world.hosts[0].services[0].exec: Input should be a valid string; Input "
     "should be a valid list"),
])
def test_problem_messages(scenario_copy: Copy, edit: tuple[str, str], expected: str) -> None:
    problems = _problems(scenario_copy(edit))
    assert any(expected in p for p in problems), problems


def test_union_noise_is_dropped(scenario_copy: Copy) -> None:
    problems = _problems(scenario_copy(("generator: app-debug", "generator: {templat: x}")))
    assert sorted(problems) == [
        "scenario.yaml:44: world.hosts[0].files[0].generator.rate: missing required key 'rate'",
        "scenario.yaml:44: world.hosts[0].files[0].generator.templat: unknown key 'templat'",
    ], problems


def test_all_problems_of_a_phase_are_reported(scenario_copy: Copy) -> None:
    problems = _problems(scenario_copy(("size: 120M", "size: 64Q"), ("cpus: 4", "cpus: many"),
                                       ("for: 2m", "for: soon")))
    assert sorted(int(p.split(":")[1]) for p in problems) == [33, 48, 79], problems


def test_yaml_syntax_error_has_line(scenario_copy: Copy) -> None:
    problems = _problems(scenario_copy(("teaser: Every", "teaser: [Every")))
    assert problems[0].startswith("scenario.yaml:")
    assert "YAML syntax error" in problems[0]


def test_world_build_problems_have_lines(scenario_copy: Copy) -> None:
    # A file bigger than its source can have written by its mtime.
    problems = _problems(scenario_copy(("rate: 40K/s", "rate: 1K/s")))
    assert problems[0].startswith(
        "scenario.yaml:42: world.hosts[0].files[0]: size 64.0G is more than source")


def test_missing_hook_attribute(scenario_copy: Copy) -> None:
    folder = scenario_copy(("program: {hook: \"hooks:Worker\"", "program: {hook: \"hooks:Wrker\""),
                           source=HOOKED)
    problems = _problems(folder)
    assert any("hook 'hooks:Wrker' not found: hooks.py has no 'Wrker'" in p for p in problems)


def test_transcript_problems(scenario_copy: Copy) -> None:
    folder = scenario_copy()
    (folder / "wrong-paths" / "rm-log.sh").write_text("rm /var/log/{{ app }}/app.log\n")
    (folder / "wrong-paths" / "bad.sh").write_text("# expect: maybe\nls\n")
    (folder / "solution.sh").write_text("# nothing\n\ndf -h\nls {{ nope }}\n")
    problems = _problems(folder)
    assert "wrong-paths/rm-log.sh:1: missing header '# expect: failed|unresolved|mitigated' " \
           "before the first command" in problems
    assert "wrong-paths/bad.sh:1: invalid expectation 'maybe' (expected failed, unresolved or " \
           "mitigated)" in problems
    assert "solution.sh:4: unknown variable '{{ nope }}'" in problems


def test_missing_solution(scenario_copy: Copy) -> None:
    folder = scenario_copy()
    (folder / "solution.sh").unlink()
    assert "solution.sh:1: missing solution transcript (one command per line)" in _problems(folder)


def test_not_a_scenario(tmp_path: Path) -> None:
    assert "no scenario.yaml here" in validate_scenario(tmp_path)[0]


def test_variables_problems(scenario_copy: Copy) -> None:
    problems = _problems(scenario_copy(("choices: [web-01, web-02, api-03]",
                                        "choices: [web-01], range: [1, 2]")))
    assert any(p.startswith("scenario.yaml:9: variables.host: give at most one of") for p in
               problems), problems


def test_other_seeds_are_validated(scenario_copy: Copy) -> None:
    # The canonical size fits; some drawn sizes do not fit what the source wrote.
    problems = validate_scenario(scenario_copy(("rate: 40K/s", "rate: 38K/s"),
                                               ("[40G, 70G]", "[60G, 900G]")))
    assert problems and all("with the variables of seed" in p for p in problems), problems


def test_for_seed_redraws_everything() -> None:
    scenario = load_scenario(MINIMAL)
    other = scenario.for_seed(5)
    assert other.seed == 5 and scenario.for_seed(0) is scenario
    host = other.variables["host"]
    assert other.player.host == host and host in other.page.title
    assert other.build_world(5).host(str(host)) is not None
    assert f"/var/log/{other.variables['app']}/app.log" in other.solution[2]


def test_find_scenario(tmp_path: Path) -> None:
    assert find_scenario(MINIMAL).id == "tiny-disk-full"
    assert find_scenario(str(MINIMAL / "scenario.yaml")).id == "tiny-disk-full"
    with pytest.raises(ScenarioNotFound, match="no scenario 'nope'"):
        find_scenario("nope")
    with pytest.raises(ScenarioNotFound):
        find_scenario(tmp_path)


def test_every_builtin_scenario_validates() -> None:
    # The shipped library: a scenario that is lost from the package fails here.
    assert {f.name for f in builtin_folders()} >= {"disk-full"}
    for folder in builtin_folders():
        assert validate_scenario(folder) == [], folder.name
    for scenario in builtin_scenarios():
        assert scenario.id == scenario.source_path.rsplit("/", 1)[-1]
        assert find_scenario(scenario.id).id == scenario.id


def test_the_library_spans_three_tiers() -> None:
    # Ten incidents at least: three for beginners, four intermediate, three advanced.
    tiers = Counter(scenario.difficulty for scenario in builtin_scenarios())
    assert sum(tiers.values()) >= 10
    assert tiers[Difficulty.BEGINNER] >= 3
    assert tiers[Difficulty.INTERMEDIATE] >= 4
    assert tiers[Difficulty.ADVANCED] >= 3


@pytest.mark.parametrize("folder", builtin_folders(), ids=lambda f: f.name)
def test_builtin_journals_are_in_time_order_at_the_page(folder: Path) -> None:
    # journalctl shows write order (as journald's seqnums do): history written out of order
    # must be sorted by the scenario, except on a host whose clock really jumped back.
    world = load_scenario(folder).build_world(0)
    for host in world.hosts.values():
        times = [entry.t_ms for entry in host.journal.entries]
        if host.clock_offset_ms == 0:
            assert times == sorted(times), host.name


def test_documented_example_is_the_minimal_fixture() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "scenario-format.md").read_text()
    example = doc.rsplit("```yaml\n", 1)[1].split("```", 1)[0]
    fixture = (MINIMAL / "scenario.yaml").read_text().split("\n", 1)[1]  # minus the comment
    assert example == fixture
