"""logrotate's configuration, the bound it puts on a log, and the daily rotation."""

from __future__ import annotations

from pagerdrill.world.builder import GiB, MiB, add_linux_host, new_world
from pagerdrill.world.content import FileContent
from pagerdrill.world.programs import LogPolicy, bound_bytes, parse_config, policy_for
from pagerdrill.world.programs.logrotate import DEBIAN_LOGROTATE_CONF, logrotate_rule, parse_size

DEBUG_PER_DAY = 3 * GiB

MONTHLY = """/var/log/myapp/app.log {
    monthly
    missingok
    notifempty
    compress
    copytruncate
}
"""
FIXED = """/var/log/myapp/app.log {
    daily
    rotate 7
    maxsize 500M
    compress
    copytruncate
}
"""


def test_parse_sizes() -> None:
    assert parse_size("100k") == 100 * 1024
    assert parse_size("500M") == 500 * MiB
    assert parse_size("1G") == GiB
    assert parse_size("12") == 12
    assert parse_size("lots") is None


def test_globals_and_stanzas() -> None:
    _, defaults, includes = parse_config(DEBIAN_LOGROTATE_CONF, LogPolicy())
    assert (defaults.frequency, defaults.rotate, includes) == ("weekly", 4, ["/etc/logrotate.d"])
    [stanza], _, _ = parse_config(MONTHLY + "# comment\n", defaults)
    assert stanza.patterns == ["/var/log/myapp/app.log"]
    policy = stanza.policy
    assert (policy.frequency, policy.rotate, policy.compress, policy.copytruncate) == (
        "monthly", 4, True, True)
    scripted, _, _ = parse_config("/a.log /b.log {\n daily\n postrotate\n  rotate 99\n "
                                  "endscript\n}\n", defaults)
    assert scripted[0].patterns == ["/a.log", "/b.log"] and scripted[0].policy.rotate == 4


def test_monthly_without_size_is_unbounded_in_practice() -> None:
    _, defaults, _ = parse_config(DEBIAN_LOGROTATE_CONF, LogPolicy())
    monthly = parse_config(MONTHLY, defaults)[0][0].policy
    fixed = parse_config(FIXED, defaults)[0][0].policy
    loose = bound_bytes(monthly, DEBUG_PER_DAY)
    tight = bound_bytes(fixed, DEBUG_PER_DAY)
    assert loose is not None and loose > 80 * GiB
    assert tight is not None and tight < 6 * GiB  # 3G live + 7 gzipped days
    assert bound_bytes(None, DEBUG_PER_DAY) is None
    only_size = parse_config("/x {\n size 100M\n rotate 3\n}\n", defaults)[0][0].policy
    assert bound_bytes(only_size, DEBUG_PER_DAY) == (100 * MiB + DEBUG_PER_DAY) * 4


def test_policy_for_reads_the_host() -> None:
    world = new_world()
    host = add_linux_host(world, "web-01")
    host.fs.put("/etc/logrotate.conf", DEBIAN_LOGROTATE_CONF.encode())
    host.fs.put("/etc/logrotate.d/myapp", MONTHLY.encode())
    assert policy_for(host, "/var/log/myapp/app.log") is not None
    assert policy_for(host, "/var/log/other.log") is None


def test_daily_run_rotates_with_copytruncate_and_compress() -> None:
    world = new_world()
    host = add_linux_host(world, "web-01")
    host.fs.put("/etc/logrotate.conf", DEBIAN_LOGROTATE_CONF.encode())
    host.fs.put("/etc/logrotate.d/myapp", FIXED.replace("500M", "1k").encode())
    host.fs.put("/var/log/myapp/app.log", FileContent(b"line\n" * 1000))
    world.rules.append(logrotate_rule(host, {"/var/log/myapp/app.log": world.clock.now_ms}))
    world.advance(24 * 3600)
    assert host.fs.lookup("/var/log/myapp/app.log").size == 0
    assert host.fs.exists("/var/log/myapp/app.log.1.gz")
    assert host.fs.lookup("/var/log/myapp/app.log.1.gz").size == 500  # about 10:1
