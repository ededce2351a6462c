from __future__ import annotations

from pagerdrill.tools.text.tail import FOLLOW_SECONDS
from pagerdrill.world.world import Rule

from .helpers import make_host, sh

TEN = b"".join(b"%d\n" % i for i in range(1, 13))


def test_tail_last_lines_and_from_line() -> None:
    host = make_host({"/root/f": TEN})
    assert sh(host, "tail", "-n", "2", "f").out == "11\n12\n"
    assert sh(host, "tail", "-n", "+11", "f").out == "11\n12\n"
    assert sh(host, "tail", "-3", "f").out == "10\n11\n12\n"
    assert sh(host, "tail", "-c", "3", "f").out == "12\n"


def test_tail_of_stdin() -> None:
    assert sh(make_host(), "tail", "-n1", stdin=b"a\nb\n").out == "b\n"


def test_tail_follow_shows_the_file_growing() -> None:
    host = make_host({"/var/log/app.log": b"start\n"})
    inode = host.fs.lookup("/var/log/app.log")
    ticks = []

    def grow(world: object, step_ms: int) -> None:
        ticks.append(step_ms)
        host.fs.write(inode, b"tick %d\n" % len(ticks))

    host.world.rules.append(Rule("grow", grow))
    start = host.world.clock.now_ms
    result = sh(host, "tail", "-f", "/var/log/app.log")
    assert result.out.splitlines()[:3] == ["start", "tick 1", "tick 2"]
    assert len(result.out.splitlines()) == 1 + FOLLOW_SECONDS
    assert host.world.clock.now_ms - start == FOLLOW_SECONDS * 1000


def test_tail_follow_reports_truncation() -> None:
    host = make_host({"/root/f": b"a\nb\n"})
    inode = host.fs.lookup("/root/f")
    host.world.rules.append(Rule("truncate", lambda w, dt: host.fs.truncate(inode, 0),
                                 applies=lambda w: inode.size > 0))
    assert "tail: f: file truncated\n" in sh(host, "tail", "-f", "f").err
