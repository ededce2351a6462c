"""Our redis-cli against the real redis-cli + Redis 7.0 on 127.0.0.1:6379, byte for byte.

Both run in database 9 on keys under ``pdtest:`` and delete them afterwards (never a
FLUSHALL). Real redis-cli formats for a tty only when stdout is one, so ``--no-raw``
forces that form; ``--raw`` gives the other. KEYS/SCAN order is Redis's dict hash order,
which we do not reproduce, so sequences list at most one key at a time.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.tools.rediscli.helpers import cli, redis_host

from pagerdrill.world.host import Host

KEYS = ["pdtest:a", "pdtest:b", "pdtest:c"]
DB = "9"


def _real_available() -> bool:
    if shutil.which("redis-cli") is None:
        return False
    try:
        done = subprocess.run(["redis-cli", "ping"], capture_output=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.stdout == b"PONG\n"


_AVAILABLE = _real_available()
pytestmark = pytest.mark.skipif(
    not _AVAILABLE and os.environ.get("CI") != "true",
    reason="no Redis server answering on 127.0.0.1:6379 (and redis-cli installed)")


def _real(mode: str, argv: list[str]) -> bytes:
    done = subprocess.run(["redis-cli", "-n", DB, mode, *argv], capture_output=True,
                          timeout=10, check=False)
    return done.stdout + done.stderr


def _ours(host: Host, mode: str, argv: list[str]) -> bytes:
    result = cli(host, "-n", DB, mode, *argv)
    return result.stdout + result.stderr


def _clean() -> None:
    """Delete only our own keys (pdtest:*) in database 9."""
    listed = subprocess.run(["redis-cli", "-n", DB, "--scan", "--pattern", "pdtest:*"],
                            capture_output=True, timeout=10, check=False).stdout
    keys = [k for k in listed.decode(errors="surrogateescape").split("\n") if k]
    if keys:
        subprocess.run(["redis-cli", "-n", DB, "del", *keys], capture_output=True, timeout=10,
                       check=False)


def _compare(sequence: list[list[str]]) -> None:
    assert _AVAILABLE, "CI=true requires a Redis server on 127.0.0.1:6379"
    host, _ = redis_host()
    _clean()
    try:
        for argv in sequence:
            for mode in ("--no-raw", "--raw"):
                # Run in both modes only when the command is read-only; writes run once.
                if mode == "--raw" and _writes(argv):
                    continue
                assert _ours(host, mode, argv) == _real(mode, argv), (mode, argv)
    finally:
        _clean()


def _writes(argv: list[str]) -> bool:
    return argv[0].lower() not in {"get", "mget", "exists", "ttl", "type", "strlen", "hget",
                                   "hgetall", "lrange", "llen", "smembers", "scard", "zrange",
                                   "zcard", "echo", "ping", "keys", "scan", "dbsize",
                                   "config", "foo"}


HAND_PICKED = [
    [["set", "pdtest:a", 'x"y\\z'], ["get", "pdtest:a"], ["strlen", "pdtest:a"],
     ["append", "pdtest:a", "!"], ["get", "pdtest:a"], ["type", "pdtest:a"]],
    [["get"], ["set", "pdtest:a"], ["foo", "x", "y"], ["FOO"], ["set", "pdtest:a", "b", "ex", "0"],
     ["set", "pdtest:a", "b", "ex", "x"], ["set", "pdtest:a", "b", "nx", "xx"],
     ["setex", "pdtest:a", "0", "v"], ["echo"], ["ping", "a", "b"], ["scan", "x"],
     ["scan", "0", "count", "0"], ["mset", "pdtest:a"], ["hset", "pdtest:h", "a"]],
    [["incr", "pdtest:b"], ["incrby", "pdtest:b", "9223372036854775807"],
     ["incrby", "pdtest:b", "x"], ["decr", "pdtest:b"], ["set", "pdtest:c", "abc"],
     ["incr", "pdtest:c"], ["lpush", "pdtest:c", "x"], ["lrange", "pdtest:c", "0", "x"]],
    [["hset", "pdtest:h", "f1", "v1", "f2", "v2"], ["hgetall", "pdtest:h"],
     ["hget", "pdtest:h", "f2"], ["hdel", "pdtest:h", "f1", "nope"], ["hgetall", "pdtest:h"],
     ["hgetall", "pdtest:nope"]],
    [["rpush", "pdtest:l", "a", "b", "c"], ["lpush", "pdtest:l", "z"],
     ["lrange", "pdtest:l", "0", "-1"], ["lrange", "pdtest:l", "-2", "100"], ["llen", "pdtest:l"]],
    [["sadd", "pdtest:a", "3", "1", "2", "10"], ["smembers", "pdtest:a"], ["scard", "pdtest:a"],
     ["zadd", "pdtest:b", "1.5", "a", "0.1", "b", "inf", "c", "-3", "d"],
     ["zrange", "pdtest:b", "0", "-1", "withscores"], ["zrange", "pdtest:b", "0", "1"],
     ["zcard", "pdtest:b"], ["zadd", "pdtest:b", "x", "a"],
     ["zadd", "pdtest:b", "nx", "xx", "1", "a"]],
    [["set", "pdtest:a", "v", "ex", "100"], ["ttl", "pdtest:a"], ["persist", "pdtest:a"],
     ["ttl", "pdtest:a"], ["ttl", "pdtest:nope"], ["expire", "pdtest:a", "abc"],
     ["expire", "pdtest:a", "10", "nx", "xx"], ["exists", "pdtest:a", "pdtest:a", "pdtest:b"],
     ["mget", "pdtest:a", "pdtest:b"], ["keys", "pdtest:*"], ["scan", "0", "match", "pdtest:*"],
     ["set", "pdtest:a", "new", "get"], ["del", "pdtest:a", "pdtest:b"]],
    [["config", "get", "maxmemory"], ["config", "get"], ["config", "foo"],
     ["config", "set", "maxmemory", "abc"], ["config", "set", "nope", "1"],
     ["config", "get", "nope"], ["slowlog", "foo"], ["client", "setname", "a b"],
     ["select", "x"], ["set", "pdtest:a", "a\tb\x01é"], ["get", "pdtest:a"]],
]


@pytest.mark.parametrize("sequence", HAND_PICKED)
def test_hand_picked(sequence: list[list[str]]) -> None:
    _compare(sequence)


def test_info_layout_matches() -> None:
    """INFO values differ (uptime, memory); the sections and field names must not."""
    assert _AVAILABLE
    host, _ = redis_host()

    def names(text: bytes) -> list[bytes]:
        return [line.split(b":", 1)[0] for line in text.split(b"\r\n")
                if not line.startswith(b"errorstat_") and not line.startswith(b"db")]

    real = subprocess.run(["redis-cli", "info"], capture_output=True, timeout=10,
                          check=False).stdout
    ours = cli(host, "info").stdout
    assert names(ours) == names(real)
    assert ours.endswith(b"\r\n") and b"\r\n\r\n# Clients\r\n" in ours


_key = st.sampled_from(KEYS)
_value = st.sampled_from(["1", "-7", "abc", "x y", "10", "0.5", ""])
_int = st.sampled_from(["1", "-2", "0", "x", "100"])
# Expiry amounts: immediate, invalid or far away, never near enough for wall time to matter.
_ttl = st.sampled_from(["1000000", "-2", "0", "x"])
_command = st.one_of(
    st.tuples(st.just("get"), _key), st.tuples(st.just("set"), _key, _value),
    st.tuples(st.just("set"), _key, _value, st.sampled_from(["nx", "xx", "get"])),
    st.tuples(st.just("del"), _key), st.tuples(st.just("incr"), _key),
    st.tuples(st.just("incrby"), _key, _int), st.tuples(st.just("append"), _key, _value),
    st.tuples(st.just("strlen"), _key), st.tuples(st.just("type"), _key),
    st.tuples(st.just("exists"), _key, _key), st.tuples(st.just("hset"), _key, _value, _value),
    st.tuples(st.just("hgetall"), _key), st.tuples(st.just("hget"), _key, _value),
    st.tuples(st.just("rpush"), _key, _value), st.tuples(st.just("lpush"), _key, _value, _value),
    st.tuples(st.just("lrange"), _key, _int, _int), st.tuples(st.just("llen"), _key),
    st.tuples(st.just("sadd"), _key, _int, _int), st.tuples(st.just("smembers"), _key),
    st.tuples(st.just("zadd"), _key, _value, _value),
    st.tuples(st.just("zrange"), _key, _int, _int, st.just("withscores")),
    st.tuples(st.just("ttl"), _key), st.tuples(st.just("expire"), _key, _ttl),
    st.tuples(st.just("mget"), _key, _key),
    st.tuples(st.just("setnx"), _key, _value), st.tuples(st.just("setex"), _key, _ttl, _value),
    st.tuples(st.just("persist"), _key), st.tuples(st.just("pexpire"), _key, _ttl),
    st.tuples(st.just("decrby"), _key, _int), st.tuples(st.just("hdel"), _key, _value),
    st.tuples(st.just("scard"), _key), st.tuples(st.just("zcard"), _key),
    st.tuples(st.just("zadd"), _key, st.sampled_from(["nx", "xx", "ch", "gt", "incr"]),
              _value, _value),
    st.tuples(st.just("mset"), _key, _value, _key, _value),
    st.tuples(st.just("set"), _key, _value, st.sampled_from(["ex", "px", "keepttl"]), _ttl),
    st.tuples(st.just("echo"), _value), st.tuples(st.just("keys"), _key),
)


_EXAMPLES = int(os.environ.get("PD_REDIS_EXAMPLES", "40"))


@settings(max_examples=_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_command.map(list), min_size=1, max_size=8))
def test_generated_sequences(sequence: list[list[str]]) -> None:
    _compare(sequence)


@pytest.mark.parametrize("flag", ["--help", "--version", "-v"])
def test_help_and_version(flag: str) -> None:
    assert _AVAILABLE
    host, _ = redis_host()
    real = subprocess.run(["redis-cli", flag], capture_output=True, timeout=10, check=False)
    ours = cli(host, flag)
    assert (ours.stdout, ours.stderr, ours.status) == (real.stdout, real.stderr, real.returncode)


def test_connection_refused_matches() -> None:
    assert _AVAILABLE
    host, _ = redis_host()
    real = subprocess.run(["redis-cli", "-p", "6390", "ping"], capture_output=True, timeout=10,
                          check=False)
    ours = cli(host, "-p", "6390", "ping")
    assert (ours.stdout, ours.stderr, ours.status) == (real.stdout, real.stderr, real.returncode)


@settings(max_examples=_EXAMPLES, deadline=None)
@given(st.text("ab*?[]^-\\", min_size=1, max_size=6), st.text("ab-^]", min_size=0, max_size=3))
def test_glob_patterns(pattern: str, suffix: str) -> None:
    """KEYS with one key: stringmatchlen's globbing, classes and escapes."""
    _compare([["set", "pdtest:" + suffix, "v"], ["keys", "pdtest:" + pattern],
              ["del", "pdtest:" + suffix]])
