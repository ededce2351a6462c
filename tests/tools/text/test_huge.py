"""A 64G generated log must never be read whole: head/tail/wc use offsets, scans stop."""

from __future__ import annotations

import pytest

from pagerdrill.tools.text import common

from .helpers import GIB, huge_log, make_host, sh

LOG = "/var/log/app/debug.log"


def test_head_tail_and_wc_are_instant_on_64g() -> None:
    host = make_host()
    huge_log(host)
    assert len(sh(host, "head", "-n", "3", LOG).out.splitlines()) == 3
    assert len(sh(host, "tail", "-n", "5", LOG).out.splitlines()) == 5
    assert sh(host, "wc", "-c", LOG).out == f"{64 * GIB} {LOG}\n"
    lines = int(sh(host, "wc", "-l", LOG).out.split()[0])
    assert lines > 100_000_000


def test_grep_stops_early_with_max_count() -> None:
    host = make_host()
    huge_log(host)
    result = sh(host, "grep", "-m1", "INFO", LOG)
    assert (result.out.count("\n"), result.status) == (1, 0)


def test_full_scan_hits_the_scan_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "SCAN_LIMIT", 4 << 20)  # the real 64 MiB takes seconds
    host = make_host()
    huge_log(host)
    for argv, status in ((["grep", "-c", "no-such-text", LOG], 2), (["sort", LOG], 2),
                         (["cat", LOG], 1), (["awk", "END { print NR }", LOG], 2)):
        result = sh(host, *argv)
        assert result.status == status
        limit = "stopped after reading 4 MiB (pagerdrill scan limit)"
        assert result.err == f"{argv[0]}: {LOG}: {limit}\n"
