"""vmstat and watch."""

from __future__ import annotations

from .helpers import Session

HEAD = ("procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----\n"
        " r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st\n")


def test_vmstat_one_line() -> None:
    s = Session()
    out = s("vmstat")
    assert out.startswith(HEAD)
    assert len(out.splitlines()) == 3


def test_vmstat_samples_advance_simulated_time() -> None:
    s = Session()
    before = s.world.clock.now_ms
    out = s("vmstat 5 3")
    assert len(out.splitlines()) == 5
    assert s.world.clock.now_ms - before == 10_000


def test_vmstat_errors() -> None:
    s = Session()
    assert s("vmstat x") == "vmstat: failed to parse argument: 'x'\n"
    assert s("vmstat 0") == "vmstat: delay must be positive integer\n"
    assert s("vmstat -z").startswith("vmstat: invalid option -- 'z'\n\nUsage:\n")


def test_watch_runs_once_under_a_header() -> None:
    s = Session()
    out = s("watch -n 1 'echo a; echo b'")
    head, blank, *rest = out.splitlines()
    assert head.startswith("Every 1.0s: echo a; echo b ")
    assert head.endswith("web-01: Tue Mar 17 03:07:00 2026") and len(head) == 80
    assert (blank, rest) == ("", ["a", "b"])
