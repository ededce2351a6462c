"""The ``pagerdrill`` command line, driven in-process (and once through a real pipe)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from game.kit import StubCatalog
from pagerdrill import __version__, cli

TESTS = Path(__file__).parent


@pytest.fixture(autouse=True)
def stub_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "catalog", StubCatalog)


def run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = "",
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"pagerdrill {__version__}\n"


def test_list_aligns_columns(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["list"], capsys)
    assert status == 0
    assert out == ("a-longer-id  advanced  Another one\n"
                   "broken       ?         (does not load: pagerdrill validate "
                   "/pkg/scenarios/broken)\n"
                   "tiny-queue   beginner  The queue that would not drain\n")


def test_unknown_scenario_lists_the_known_ids(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["run", "nope"], capsys)
    assert (status, out) == (2, "")
    assert err == ("pagerdrill: no scenario 'nope': not a built-in id (built-in: a-longer-id, "
                   "tiny-queue) and not a folder with a scenario.yaml\n")


def test_missing_scenario_file(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["play", "./missing.yaml"], capsys)
    assert (status, err) == (2, "pagerdrill: ./missing.yaml: No such file or directory\n")


def test_bad_scenario_file_shows_its_problems(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n")
    status, _, err = run(["run", str(bad)], capsys)
    assert status == 2
    assert err.splitlines() == [
        f"pagerdrill: {bad}: invalid scenario",
        f"{bad}:3: objectives[0].kind: must be one of mitigate, resolve, prevent",
        f"{bad}:9: hints: at most 3",
    ]


def test_validate(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("id: tiny-queue\n")
    bad.write_text("id: x\n")
    assert run(["validate", str(good)], capsys)[:2] == (0, "OK: tiny-queue\n")
    status, out, _ = run(["validate", str(bad)], capsys)
    assert status == 1 and out.startswith(f"{bad}:3: objectives[0].kind:")
    assert run(["validate", str(tmp_path / "none")], capsys)[0] == 2


def test_run_prints_the_transcript_with_prompts(capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    script = "echo hello\n\ncd /tmp\nprintf 'a\nb'\nprintf c\nstatus\n"
    status, out, _ = run(["run", "tiny-queue"], capsys, script, monkeypatch)
    assert status == 0
    assert out.startswith("*** PAGE *** [critical] PagerDuty, Tue 17 Mar 03:07 UTC\n"
                          "QueueBacklog on web-01\n")
    assert "root@web-01:~# echo hello\nhello\nroot@web-01:~# cd /tmp\nroot@web-01:/tmp# " \
           "printf 'a\n> b'\na\nb\n[+00:30] ALERT FIRING" in out  # blank lines are skipped
    assert "root@web-01:/tmp# printf c\ncroot@web-01:/tmp# status\n" in out
    assert "DEBRIEF: The queue that would not drain" in out


def test_run_shows_events_between_commands(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    script = "sleep 60\necho up > /run/app.up\n"
    _, out, _ = run(["run", "tiny-queue"], capsys, script, monkeypatch)
    assert "] ALERT FIRING (critical) QueueBacklog: Job queue above 50\n" in out
    assert "] #incident <vp-eng> Any update? Customers are asking.\n" in out
    assert "[+01:20] ✓ Objective met (mitigate): The app serves again\n" in out


def test_run_json(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    script = "diagnose 2\n" + "\n".join(StubCatalog.REAL_SOLUTION) + "\necho ignored\n"
    status, out, _ = run(["run", "tiny-queue", "--seed", "5", "--json"], capsys, script,
                         monkeypatch)
    assert status == 0
    doc = json.loads(out)
    assert (doc["scenario"], doc["seed"], doc["outcome"], doc["score"]) == \
        ("tiny-queue", 5, "resolved", 100)
    assert doc["diagnosis"] == {"choice": 2, "candidate": "consumer", "correct": True,
                                "first_try": True}
    assert [t["input"] for t in doc["transcript"]] == ["diagnose 2", *StubCatalog.REAL_SOLUTION]
    assert doc["transcript"][1] == {"input": "echo up > /run/app.up", "output": "",
                                    "exit_status": 0, "t": 20.0}
    assert [(o["id"], o["met"], o["met_at"]) for o in doc["objectives"]] == \
        [("up", True, 20.0), ("fixed", True, 30.0), ("alert", True, 40.0)]


def test_run_json_is_deterministic(capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    script = "sleep 30\nhint\ndashboard\necho up > /run/app.up\ndiagnose 1\n"
    first = run(["run", "tiny-queue", "--json"], capsys, script, monkeypatch)[1]
    second = run(["run", "tiny-queue", "--json"], capsys, script, monkeypatch)[1]
    assert first == second and json.loads(first)["outcome"] == "mitigated"


def test_run_joins_continued_lines(capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    script = "echo 'one\ntwo'\necho 'never closed\n"
    _, out, _ = run(["run", "tiny-queue", "--json"], capsys, script, monkeypatch)
    transcript = json.loads(out)["transcript"]
    assert transcript[0]["output"] == "one\ntwo\n"
    assert transcript[1]["exit_status"] == 2  # bash: unexpected EOF while looking for `''


def test_test_command(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["test", "tiny-queue", "--seeds", "2"], capsys)
    assert status == 0 and out.endswith("OK: tiny-queue (2 runs)\n")
    status, out, _ = run(["test", "a-longer-id", "--seeds", "1"], capsys)
    assert status == 1  # its solution uses the stub shell's `touch`, not in the real shell
    assert run(["test", "tiny-queue", "--seeds", "0"], capsys)[0] == 2


def test_test_command_without_a_scenario_checks_every_builtin(
        capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["test", "--seeds", "1"], capsys)
    assert status == 1
    assert "OK: tiny-queue (1 runs)\n" in out and "FAIL" in out  # a-longer-id fails
    assert "broken: invalid scenario\n" in out  # reported, and the others still ran
    assert out.endswith("FAILED: a-longer-id, broken\n")
    status, out, _ = run(["test", "tiny-queue", "tiny-queue", "--seeds", "1"], capsys)
    assert status == 0 and out.endswith("OK: 2 scenarios, 1 seed(s) each\n")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["play"])
    assert exit_.value.code == 2
    assert "the following arguments are required: SCENARIO" in capsys.readouterr().err


_PIPE_SCRIPT = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from game.kit import StubCatalog
from pagerdrill import cli
cli.catalog = StubCatalog
sys.exit(cli.main(sys.argv[1:]))
"""


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    script = tmp_path / "script"
    script.write_text(("echo " + "x" * 5000 + "\n") * 200)  # ~1 MB: more than a pipe holds
    with script.open("rb") as stdin:
        writer = subprocess.Popen(  # `pagerdrill run tiny-queue < script | head -c 10`
            [sys.executable, "-c", _PIPE_SCRIPT, "run", "tiny-queue"],
            stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert writer.stdout is not None and writer.stderr is not None
        assert writer.stdout.read(10) == b"*** PAGE *"
        writer.stdout.close()  # the reader goes away before the writer is done
        assert writer.wait(timeout=120) == 0
        assert writer.stderr.read() == b""


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "pagerdrill", "--version"],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(TESTS.parent / "src")})
    assert (done.returncode, done.stdout) == (0, f"pagerdrill {__version__}\n")


# -- against the real catalog and loader, with the loader's fixture scenario ----------------

REAL_CATALOG = cli.catalog
FIXTURE = TESTS / "game" / "fixtures" / "minimal"


def test_real_validate_and_run(capsys: pytest.CaptureFixture[str],
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "catalog", REAL_CATALOG)
    assert run(["validate", str(FIXTURE)], capsys)[:2] == (0, "OK: tiny-disk-full\n")
    status, out, _ = run(["run", str(FIXTURE), "--seed", "2", "--json"], capsys,
                         "df -h /\ndiagnose 1\nend\n", monkeypatch)
    doc = json.loads(out)
    assert status == 0 and doc["scenario"] == "tiny-disk-full" and doc["seed"] == 2
    assert doc["transcript"][0]["output"].endswith(" 100% /\n")
    assert doc["diagnosis"] == {"choice": 1, "candidate": "debug", "correct": True,
                                "first_try": True}
    assert (doc["outcome"], doc["end_reason"]) == ("unresolved", "end")
    assert [o["id"] for o in doc["objectives"]] == ["space", "level", "alert"]


def test_real_broken_scenario_folder(capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import shutil

    monkeypatch.setattr(cli, "catalog", REAL_CATALOG)
    broken = tmp_path / "broken"
    shutil.copytree(FIXTURE, broken)
    yaml = broken / "scenario.yaml"
    yaml.write_text(yaml.read_text().replace("kind: mitigate", "kind: mitgate"))
    status, out, _ = run(["validate", str(broken)], capsys)
    assert status == 1 and out.startswith("scenario.yaml:")
    status, _, err = run(["play", str(broken)], capsys)
    assert status == 2 and err.startswith(f"pagerdrill: {broken}: invalid scenario\n")


def test_serve_reports_what_stops_it_in_one_line(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    assert cli.main(["serve", "--port", "70000"]) == 1
    assert capsys.readouterr().err == "pagerdrill: --port must be 1-65535, not 70000\n"
    assert cli.main(["serve", "--db", "nosuchdb://x/y"]) == 1
    assert capsys.readouterr().err.startswith("pagerdrill: cannot use nosuchdb://x/y: ")
    assert cli.main(["serve", "--db", "not a url"]) == 1
    assert capsys.readouterr().err.startswith("pagerdrill: not a database URL: 'not a url'")


def test_serve_defaults_to_sqlite_under_the_user_data_dir(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    from pagerdrill.web import serve

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert serve.data_dir() == tmp_path / "pagerdrill"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert serve.data_dir() == tmp_path / ".local" / "share" / "pagerdrill"
