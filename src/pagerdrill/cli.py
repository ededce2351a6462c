"""The ``pagerdrill`` command: list, play, daily, run, serve, validate and test scenarios.

No error reaches the user as a traceback: a missing or broken scenario, a bad
argument, or a closed pipe (``pagerdrill run ... | head``) each end with a
short message and an exit status.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any, TextIO

from pagerdrill import __version__
from pagerdrill.game.debrief import build_report, render_debrief
from pagerdrill.game.model import Scenario
from pagerdrill.game.replay import DEFAULT_SEEDS, check_scenario, render_check
from pagerdrill.game.session import Session

__all__ = ["CliError", "build_parser", "catalog", "load_scenario", "main", "start_session",
           "validate"]

USAGE_ERROR = 2


class CliError(Exception):
    """A failure to report as ``pagerdrill: <message>`` with an exit status."""

    def __init__(self, message: str, status: int = USAGE_ERROR) -> None:
        super().__init__(message)
        self.status = status


def catalog() -> ModuleType:
    """The scenario catalog (a seam: tests substitute their own)."""
    return importlib.import_module("pagerdrill.game.catalog")


def validate(path: str) -> list[str]:
    """Every problem of the scenario at ``path`` (``file:line: keypath: message``)."""
    check = getattr(catalog(), "validate_scenario", None)
    if check is None:  # the loader owns it; the catalog may re-export it
        check = importlib.import_module("pagerdrill.game.loader").validate_scenario
    return list(check(path))


def _looks_like_path(name: str) -> bool:
    return os.sep in name or name.endswith((".yaml", ".yml"))


def load_scenario(name: str, seed: int = 0) -> Scenario:
    """A built-in scenario by id, or the scenario in a folder (or its scenario.yaml)."""
    if _looks_like_path(name) and not os.path.exists(name):
        raise CliError(f"{name}: No such file or directory")
    try:
        scenario: Scenario = catalog().find_scenario(name, seed)
    except LookupError as exc:  # ScenarioNotFound: its message lists the built-in ids
        raise CliError(str(exc)) from exc
    except Exception as exc:
        problems = getattr(exc, "problems", None)
        if problems:  # ScenarioError: every file:line: keypath: message
            raise CliError("\n".join([f"{name}: invalid scenario", *problems])) from exc
        raise CliError(f"{name}: cannot load scenario: {exc}") from exc
    return scenario


def start_session(scenario: Scenario, seed: int, **session_args: Any) -> Session:
    try:
        return Session(scenario, seed, **session_args)
    except Exception as exc:  # a world that does not build for this seed
        raise CliError(f"{scenario.id}: cannot start with seed {seed}: {exc}", 1) from exc


def _cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    rows = []
    for folder in catalog().builtin_folders():
        try:
            scenario = catalog().find_scenario(folder.name)
            rows.append((scenario.id, scenario.difficulty.value, scenario.title))
        except Exception:  # one broken built-in must not hide the others
            rows.append((folder.name, "?", f"(does not load: pagerdrill validate {folder})"))
    if not rows:
        out.write("No scenarios installed.\n")
        return 0
    id_width = max(len(r[0]) for r in rows)
    level_width = max(len(r[1]) for r in rows)
    for scenario_id, level, title in sorted(rows):
        out.write(f"{scenario_id:<{id_width}}  {level:<{level_width}}  {title}\n")
    return 0


def _cmd_play(args: argparse.Namespace, out: TextIO) -> int:
    from pagerdrill.terminal.client import play, setup_readline
    from pagerdrill.terminal.editor import external_editor

    scenario = load_scenario(args.scenario, args.seed)
    session = start_session(scenario, args.seed, editor=external_editor)
    if sys.stdin.isatty():
        setup_readline(session)
    play(session)
    return 0


def _script_lines(session: Session, source: TextIO) -> Iterator[str]:
    """Command lines from a script; an open quote or trailing ``|`` joins the next line."""
    pending: str | None = None
    for raw in source:
        text = raw.rstrip("\n")
        line = text if pending is None else pending + "\n" + text
        if session.is_incomplete(line):
            pending = line
            continue
        pending = None
        if line.strip():
            yield line
    if pending is not None:
        yield pending  # the shell reports the unexpected end of file, as bash would


def _cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    from pagerdrill.terminal.client import CONTINUATION_PROMPT
    from pagerdrill.terminal.render import format_banner, format_events

    scenario = load_scenario(args.scenario, args.seed)
    session = start_session(scenario, args.seed)
    if not args.json:
        out.write(format_banner(session))
    for line in _script_lines(session, sys.stdin):
        if session.finished:
            break
        turn = session.submit(line)
        if not args.json:
            output = turn.output
            if output and not output.endswith("\n") and turn.events:
                output += "\n"
            typed = turn.input.replace("\n", "\n" + CONTINUATION_PROMPT)
            out.write(f"{turn.prompt}{typed}\n{output}{format_events(turn.events)}")
            out.flush()
    session.stop("eof")
    if args.json:
        json.dump(session.to_json(), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        out.write("\n" + render_debrief(build_report(session)))
    return 0


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    if not os.path.exists(args.path):
        raise CliError(f"{args.path}: No such file or directory")
    problems = validate(args.path)
    for problem in problems:
        out.write(problem + "\n")
    if problems:
        return 1
    scenario = load_scenario(args.path)
    out.write(f"OK: {scenario.id}\n")
    return 0


def _cmd_test(args: argparse.Namespace, out: TextIO) -> int:
    if args.seeds < 1:
        raise CliError("--seeds must be at least 1")
    names = args.paths or [folder.name for folder in catalog().builtin_folders()]
    failed = []
    for name in names:
        try:
            scenario = load_scenario(name)
        except CliError as exc:
            if len(names) == 1:
                raise
            out.write(f"{exc}\n")  # one broken scenario does not hide the others' results
            failed.append(name)
            continue
        check = check_scenario(scenario, args.seeds)
        out.write(render_check(check))
        if not check.ok:
            failed.append(check.scenario_id)
    if len(names) > 1:
        out.write(f"FAILED: {', '.join(failed)}\n" if failed
                  else f"OK: {len(names)} scenarios, {args.seeds} seed(s) each\n")
    return 1 if failed else 0


def _cmd_serve(args: argparse.Namespace, out: TextIO) -> int:
    from pagerdrill.web.serve import ServeError, run_server

    try:
        run_server(args.host, args.port, args.db)
    except ServeError as exc:
        raise CliError(str(exc), 1) from None
    return 0


def _cmd_daily(args: argparse.Namespace, out: TextIO) -> int:
    import datetime

    from pagerdrill.game.daily import daily_challenge

    ids = [folder.name for folder in catalog().builtin_folders()]
    if not ids:
        raise CliError("no scenarios installed", 1)
    today = datetime.datetime.now(datetime.UTC).date()  # the UTC date, as for everyone
    daily = daily_challenge(today, ids)
    out.write(f"Daily challenge #{daily.number} ({today.isoformat()}, UTC)\n")
    args.scenario, args.seed = daily.scenario_id, daily.seed
    return _cmd_play(args, out)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pagerdrill",
        description="A flight simulator for on-call engineers.")
    parser.add_argument("--version", action="version", version=f"pagerdrill {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="list the built-in scenarios")
    listing.set_defaults(handler=_cmd_list)

    play = commands.add_parser("play", help="play a scenario in this terminal")
    play.add_argument("scenario", metavar="SCENARIO", help="a scenario id or path")
    play.add_argument("--seed", type=int, default=0, help="the world's seed (default 0)")
    play.set_defaults(handler=_cmd_play)

    run = commands.add_parser(
        "run", help="run command lines from stdin (10 simulated seconds each)")
    run.add_argument("scenario", metavar="SCENARIO", help="a scenario id or path")
    run.add_argument("--seed", type=int, default=0, help="the world's seed (default 0)")
    run.add_argument("--json", action="store_true", help="print one JSON document")
    run.set_defaults(handler=_cmd_run)

    serve = commands.add_parser("serve", help="the browser war room (http://127.0.0.1:8000)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--db", metavar="URL", default=None,
                       help="SQLAlchemy database URL (default: SQLite under "
                            "$XDG_DATA_HOME/pagerdrill; postgresql+psycopg://... to share)")
    serve.set_defaults(handler=_cmd_serve)

    daily = commands.add_parser("daily", help="play today's daily challenge in this terminal")
    daily.set_defaults(handler=_cmd_daily)

    validate = commands.add_parser("validate", help="check a scenario file")
    validate.add_argument("path", metavar="PATH")
    validate.set_defaults(handler=_cmd_validate)

    test = commands.add_parser(
        "test", help="replay a scenario's solution and wrong paths over many seeds")
    test.add_argument("paths", metavar="PATH", nargs="*",
                      help="scenario ids or paths (default: every built-in scenario)")
    test.add_argument("--seeds", type=int, default=DEFAULT_SEEDS,
                      help=f"how many seeds (default {DEFAULT_SEEDS})")
    test.set_defaults(handler=_cmd_test)
    return parser


def _silence_stdout() -> None:
    """After EPIPE: point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args, sys.stdout)
        sys.stdout.flush()
        return status
    except CliError as error:
        sys.stderr.write("".join(f"pagerdrill: {line}\n" if i == 0 else f"{line}\n"
                                 for i, line in enumerate(str(error).split("\n"))))
        return error.status
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
    except Exception as exc:  # a bug: one line, never a traceback, and a status to notice
        sys.stderr.write(f"pagerdrill: internal error: {type(exc).__name__}: {exc}\n")
        return 70
