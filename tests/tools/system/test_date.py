"""date: formats and -d strings, compared with GNU date 9.1 run with TZ=UTC."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.toolkit import run_tool

from pagerdrill.world.host import Host

NOW = "@1773716820"  # the fixture's clock: Tue 2026-03-17 03:07:00 UTC

needs_gnu_date = pytest.mark.skipif(shutil.which("date") is None, reason="no GNU date here")


def gnu_date(*args: str) -> tuple[str, str, int]:
    proc = subprocess.run(["date", *args], capture_output=True, text=True,
                          env={**os.environ, "TZ": "UTC", "LC_ALL": "C.UTF-8"}, check=False)
    return proc.stdout, proc.stderr, proc.returncode


def test_default(prod: Host) -> None:
    assert run_tool(prod, ["date"]).out == "Tue Mar 17 03:07:00 UTC 2026\n"


@needs_gnu_date
@pytest.mark.parametrize("args", [
    ["-d", "2026-03-17 03:07:12"], ["-d", "@0", "-R"], ["-d", "@1773716832", "-Iseconds"],
    ["-d", "@1773716832", "-Ins"], ["-d", "@1773716832", "-I"], ["-d", "@1773716832", "-Ih"],
    ["-d", "@1773716832", "--rfc-3339=seconds"], ["-d", "2026-03-17T03:00:00Z"],
    ["-u", "-d", "2026-02-28", "+%s %j %u %V %e %k %l %p %P %D %T %F %c %x %X %%"],
    ["-d", "@1773716832.5", "+%N %s %:z %z %Z %-d %_m %y"], ["-d", "garbage"],
    ["-d", "2026-13-45"], ["extra"], ["-Iweeks"], ["-Q"],
])
def test_matches_gnu_date(prod: Host, args: list[str]) -> None:
    ours = run_tool(prod, ["date", *args])
    out, err, status = gnu_date(*args)
    assert (ours.out, ours.err, ours.status) == (out, err, status)


@needs_gnu_date
@pytest.mark.parametrize("spec", ["10 min ago", "1 hour ago", "yesterday", "tomorrow",
                                  "-2 days", "+1 hour", "2 days", "03:00", "now", "today"])
def test_relative_strings_match_gnu_date(prod: Host, spec: str) -> None:
    # GNU date has no fixed "now": anchor both at the fixture's instant via -d "@N + spec"
    # is not GNU syntax, so compare the offset from now instead.
    ours = run_tool(prod, ["date", "-d", spec, "+%s"]).out
    theirs, _, _ = gnu_date("-d", spec, "+%s")
    now_theirs, _, _ = gnu_date("+%s")
    ours_offset = int(ours) - 1773716820
    their_offset = int(theirs) - int(now_theirs)
    if spec in ("03:00", "today"):
        ours_offset %= 86400 if spec == "03:00" else 1
        their_offset %= 86400 if spec == "03:00" else 1
        if spec == "03:00":
            assert int(ours) % 86400 == int(theirs) % 86400 == 10800
            return
    assert abs(ours_offset - their_offset) <= 2


@needs_gnu_date
@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=4_102_444_800),
       st.sampled_from(["+%a %b %e %H:%M:%S %Z %Y", "+%F %T", "+%s", "-R", "-Iseconds",
                        "+%j %U %W %G %g %C %h %I %M %n%t%%"]))
def test_any_instant_formats_like_gnu(prod: Host, epoch: int, fmt: str) -> None:
    ours = run_tool(prod, ["date", "-d", f"@{epoch}", fmt]).out
    assert ours == gnu_date("-d", f"@{epoch}", fmt)[0]


def test_set_is_refused_to_other_users_but_still_prints(prod: Host) -> None:
    result = run_tool(prod, ["date", "-s", "2020-01-01"], user="nobody")
    assert (result.err, result.status) == ("date: cannot set date: Operation not permitted\n", 1)
    assert result.out == "Wed Jan  1 00:00:00 UTC 2020\n"
    assert prod.now_ms() == prod.world.clock.now_ms


def test_root_sets_the_host_clock_only(prod: Host) -> None:
    result = run_tool(prod, ["date", "-s", "@1773716700", "+%s"])
    assert (result.out, result.status) == ("1773716700\n", 0)
    assert prod.now_ms() == 1773716700_000
    assert run_tool(prod, ["date", "+%s"]).out == "1773716700\n"
    assert prod.clock_offset_ms == 1773716700_000 - prod.world.clock.now_ms


def test_set_and_date_together_is_a_usage_error(prod: Host) -> None:
    result = run_tool(prod, ["date", "-s", "now", "-d", "now"])
    assert result.status == 1
    assert result.err.startswith("date: the options to print and set the time may not be used")


@needs_gnu_date
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=-9 * 60_000, max_value=9 * 60_000),
       st.sampled_from(["+%a %b %e %H:%M:%S %Z %Y", "+%F %T.%N", "+%s", "-R"]))
def test_a_skewed_host_shows_its_own_clock_like_gnu_date(prod: Host, offset_ms: int,
                                                         fmt: str) -> None:
    """What `date` prints on a host whose clock is off is GNU date at that instant."""
    prod.clock_offset_ms = float(offset_ms)
    shown = prod.world.clock.now_ms + offset_ms
    ours = run_tool(prod, ["date", fmt]).out
    whole, millis = divmod(shown, 1000)
    assert ours == gnu_date("-d", f"@{whole}.{millis:03d}", fmt)[0]
