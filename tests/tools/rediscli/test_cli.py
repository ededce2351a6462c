"""redis-cli over the simulated server: one line per behaviour."""

from __future__ import annotations

from tests.tools.rediscli.helpers import cli, redis_host

from pagerdrill.tools.rediscli import RedisCliSession
from pagerdrill.tools.rediscli.session import split_args
from pagerdrill.world.builder import add_linux_host


def test_tty_and_pipe_forms() -> None:
    host, _ = redis_host()
    assert cli(host, "set", "k", "v").out == "OK\n"
    assert cli(host, "get", "k", tty=True).out == '"v"\n'
    assert cli(host, "get", "k").out == "v\n"
    assert cli(host, "get", "nope", tty=True).out == "(nil)\n"
    assert cli(host, "incr", "n", tty=True).out == "(integer) 1\n"
    assert cli(host, "--no-raw", "keys", "zz*").out == "(empty array)\n"
    assert cli(host, "--raw", "incr", "n", tty=True).out == "2\n"


def test_errors_render_and_exit_zero() -> None:
    host, _ = redis_host()
    result = cli(host, "foo", "x", tty=True)
    assert result.out == "(error) ERR unknown command 'foo', with args beginning with: 'x' \n"
    assert result.status == 0
    assert cli(host, "get").out == "ERR wrong number of arguments for 'get' command\n\n"


def test_nested_arrays_are_indented() -> None:
    host, _ = redis_host()
    cli(host, "set", "a", "1")
    assert cli(host, "--no-raw", "scan", "0").out == '1) "0"\n2) 1) "a"\n'


def test_connection_refused_and_unknown_host() -> None:
    host, _ = redis_host()
    result = cli(host, "-p", "6390", "ping")
    assert result.err == "Could not connect to Redis at 127.0.0.1:6390: Connection refused\n"
    assert result.status == 1
    result = cli(host, "-h", "nohost", "ping")
    assert result.err == "Could not connect to Redis at nohost:6379: Name or service not known\n"


def test_restart_empties_the_keyspace() -> None:
    host, server = redis_host()
    cli(host, "set", "a", "1")
    server.restart()
    assert cli(host, "dbsize").out == "0\n"


def test_stopped_server_refuses() -> None:
    host, server = redis_host()
    server.stop()
    assert "Connection refused" in cli(host, "ping").err


def test_repeat_with_interval_uses_simulated_time() -> None:
    host, _ = redis_host()
    cli(host, "set", "t", "v", "ex", "10")
    assert cli(host, "-r", "3", "-i", "2", "ttl", "t").out == "10\n8\n6\n"


def test_scan_option_lists_keys() -> None:
    host, _ = redis_host()
    for key in ("user:1", "user:2", "session:1"):
        cli(host, "set", key, "x")
    out = cli(host, "--scan", "--pattern", "user:*").out
    assert sorted(out.split()) == ["user:1", "user:2"]


def test_monitor_prints_other_clients_for_a_few_seconds() -> None:
    host, server = redis_host()
    app = server.connect("10.0.1.20:51000")

    def traffic(srv: object, dt: int) -> None:
        server.execute(app, [b"GET", b"user:42"])

    server.tick_hooks.append(traffic)
    out = cli(host, "monitor").out.splitlines()
    assert out[0] == "OK"
    assert len(out) == 6
    assert out[1].endswith(' [0 10.0.1.20:51000] "GET" "user:42"')


def test_commands_from_stdin() -> None:
    host, _ = redis_host()
    out = cli(host, "--no-raw", stdin=b'set "a b" "x\\ny"\nget "a b"\nget "bad\n').out
    assert out == 'OK\n"x\\ny"\nInvalid argument(s)\n'


def test_info_is_verbatim() -> None:
    host, _ = redis_host()
    cli(host, "set", "a", "1")
    out = cli(host, "info", "keyspace", tty=True).stdout
    assert out == b"# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n"


def test_select_failure_is_reported() -> None:
    host, _ = redis_host()
    result = cli(host, "-n", "99", "ping")
    assert result.err == "SELECT 99 failed: ERR DB index is out of range\n"
    assert result.out == "PONG\n"


def test_unrecognized_option() -> None:
    host, _ = redis_host()
    result = cli(host, "--foo", "get", "a")
    assert result.err == "Unrecognized option or bad number of args for: '--foo'\n"
    assert result.status == 1


def test_session_feed_and_prompt() -> None:
    _, server = redis_host()
    session = RedisCliSession(server, "127.0.0.1", 6379)
    assert session.prompt == "127.0.0.1:6379> "
    assert session.feed("select 9") == "OK\n"
    assert session.prompt == "127.0.0.1:6379[9]> "
    assert session.feed('set k "hello world"') == "OK\n"
    assert session.feed("get k") == '"hello world"\n'
    assert session.feed("hset h f1 v1 f2 v2") == "(integer) 2\n"
    assert session.feed("hgetall h") == '1) "f1"\n2) "v1"\n3) "f2"\n4) "v2"\n'
    assert session.feed("") == ""
    assert session.feed("quit") == ""
    assert session.closed


def test_split_args() -> None:
    assert split_args('a "b c" \'d e\' "\\x41\\n"') == [b"a", b"b c", b"d e", b"A\n"]
    assert split_args('"unterminated') is None
    assert split_args('"a"b') is None


def test_interactive_prompt_through_the_shell() -> None:
    from pagerdrill.shell.session_shell import Shell
    from pagerdrill.world.builder import add_linux_host, new_world
    from pagerdrill.world.cache import install_redis

    world = new_world()
    host = add_linux_host(world, "cache-01")
    install_redis(world, host)
    shell = Shell(world, host, "root")
    assert shell.run("redis-cli").output == b""
    assert shell.prompt() == "127.0.0.1:6379> "
    assert shell.run("set k v").output == b"OK\n"
    assert shell.run("select 2").output == b"OK\n"
    assert shell.prompt() == "127.0.0.1:6379[2]> "
    assert shell.run("get k").output == b"(nil)\n"
    assert shell.run("quit").output == b""
    assert shell.prompt() == "root@cache-01:~# "
    # Piped in: a batch, not the prompt; still formatted for the terminal it prints to.
    assert shell.run("echo 'get k' | redis-cli").output == b'"v"\n'


def test_a_server_on_another_host_by_name_ip_or_fqdn() -> None:
    cache, server = redis_host()
    app = add_linux_host(cache.world, "app-01", "10.0.1.11")
    cli(cache, "set", "k", "v")
    for name in ("cache-01", cache.spec.ip, f"cache-01.{cache.spec.domain}"):
        assert cli(app, "-h", name, "get", "k").out == "v\n", name
    assert cli(app, "get", "k").err == (
        "Could not connect to Redis at 127.0.0.1:6379: Connection refused\n")
    server.stop()
    assert cli(app, "-h", "cache-01", "ping").err == (
        "Could not connect to Redis at cache-01:6379: Connection refused\n")
