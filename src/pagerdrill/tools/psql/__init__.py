"""psql - PostgreSQL interactive terminal (one-shot mode).

Usage: psql [OPTION]... [DBNAME [USERNAME]]

Supports -h HOST, -p PORT, -U USER, -d DBNAME, -c COMMAND (repeatable, run in
order), -f FILE (messages prefixed ``psql:FILE:LINE:``), -X, -A, -t, -x, -F SEP,
-R SEP, -q, -w, and PGHOST, PGPORT, PGUSER, PGDATABASE. Without -c or -f,
commands are read from standard input, as from a pipe. SQL runs on the
simulated server (DuckDB underneath); backslash commands: \\x [on|off], \\q,
\\conninfo, \\dt, \\di, \\d TABLE (with its Indexes: footer), \\l, \\du.
EXPLAIN [ANALYZE] [(options)] plans single-table SELECTs on the simulated
planner; CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] and DROP INDEX
[CONCURRENTLY] [IF EXISTS] change the simulated catalog, and a build holds psql
for as long as it takes (simulated time passes).

Not supported: passwords and .pgpass, -v variables and :var interpolation,
\\copy, \\watch, \\timing, \\pset, patterns after \\dt/\\di/\\l/\\du, \\d of
views/indexes, pager, HTML/CSV/wrapped output, multi-line column headers, wide
(CJK) characters in alignment, Ctrl-C cancelling a running statement, other
DDL and COPY (refused as in a read-only transaction), EXPLAIN of joins,
subqueries, writes or catalog views.
"""

from __future__ import annotations

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import (
    Arg,
    HelpRequested,
    Opt,
    OptionSpec,
    ParsedArgs,
    UsageError,
)
from pagerdrill.tools.registry import command
from pagerdrill.world.database import PgError, server_at
from pagerdrill.world.errors import FsError
from pagerdrill.world.world import World

from .format import PrintOptions
from .session import Feedback, PsqlSession

__all__ = ["SPEC", "PsqlPrompt", "psql"]

SPEC = OptionSpec("psql", [
    Opt("h", "host", "host", Arg.REQUIRED, metavar="HOSTNAME"),
    Opt("p", "port", "port", Arg.REQUIRED, metavar="PORT"),
    Opt("U", "username", "user", Arg.REQUIRED, metavar="USERNAME"),
    Opt("d", "dbname", "dbname", Arg.REQUIRED, metavar="DBNAME"),
    Opt("c", "command", "command", Arg.REQUIRED, metavar="COMMAND"),
    Opt("f", "file", "file", Arg.REQUIRED, metavar="FILENAME"),
    Opt("X", "no-psqlrc", "no_psqlrc"),
    Opt("A", "no-align", "unaligned"),
    Opt("t", "tuples-only", "tuples_only"),
    Opt("x", "expanded", "expanded"),
    Opt("F", "field-separator", "field_sep", Arg.REQUIRED, metavar="STRING"),
    Opt("R", "record-separator", "record_sep", Arg.REQUIRED, metavar="STRING"),
    Opt("q", "quiet", "quiet"),
    Opt("w", "no-password", "no_password"),
], usage="psql [OPTION]... [DBNAME [USERNAME]]", help_hint=False)

_SOCKET_DIR = "/var/run/postgresql"
_BINARY = "/usr/lib/postgresql/15/bin/psql"


def _connect_error(host: str, port: int, text: str) -> str:
    where = (f'on socket "{_SOCKET_DIR}/.s.PGSQL.{port}"' if not host or host.startswith("/")
             else f'at "{host}", port {port}')
    return f"psql: error: connection to server {where} failed: {text}\n"


def _refused(host: str, port: int) -> str:
    if not host or host.startswith("/"):
        return _connect_error(host, port, "No such file or directory\n\tIs the server running "
                              "locally and accepting connections on that socket?")
    return _connect_error(host, port, "Connection refused\n\tIs the server running on that "
                          "host and accepting TCP/IP connections?")


@command("psql")
def psql(inv: Invocation) -> CommandOutput:
    try:
        parsed = SPEC.parse(inv.args)
    except UsageError as error:
        # Debian's pg_wrapper execs the versioned binary, so getopt names it by full path.
        inv.stderr.write(_BINARY + error.text.removeprefix("psql") +
                         'psql: hint: Try "psql --help" for more information.\n')
        return 1
    except HelpRequested as help_:
        yield help_.text.encode()
        return 0
    return (yield from _run(inv, parsed))


def _run(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    # Loaded here, not at import: the SQL engine is heavy and most drills never need it.
    from pagerdrill.world.database import SqlSession

    env = inv.env
    operands = list(parsed.operands)
    host = parsed.get("host") or env.get("PGHOST", "")
    port_text = parsed.get("port") or env.get("PGPORT", "5432")
    if not port_text.isdigit():
        inv.stderr.write(f'psql: error: invalid integer value "{port_text}" for connection '
                         'option "port"\n')
        return 2
    port = int(port_text)
    user = parsed.get("user") or (operands[1] if len(operands) > 1 else "") or env.get(
        "PGUSER", inv.user)
    dbname = parsed.get("dbname") or (operands[0] if operands else "") or env.get(
        "PGDATABASE", user)
    server = server_at(inv.world, inv.host, host, port)
    if server is None or not server.running:
        inv.stderr.write(_refused(host, port))
        return 2
    now_us = inv.world.clock.now_ms * 1000
    try:
        backend = server.connect(user, dbname, now_us, application_name="psql",
                                 client_addr=None if not host or host.startswith("/")
                                 else "127.0.0.1", client_port=None if not host else 50312)
    except PgError as error:
        inv.stderr.write(_connect_error(host, port, f"{error.severity}:  {error.message}"))
        return 2
    label = (f'via socket in "{_SOCKET_DIR}" at port "{port}"' if not host or host.startswith("/")
             else f'on host "{host}" at port "{port}"')
    opts = PrintOptions(aligned=not parsed.flag("unaligned"), expanded=parsed.flag("expanded"),
                        tuples_only=parsed.flag("tuples_only"),
                        field_sep=parsed.get("field_sep") or "|",
                        record_sep=parsed.get("record_sep") or "\n")
    session = PsqlSession(SqlSession(server, backend), label, now_us, parsed.flag("quiet"), opts)
    if not _has_script(parsed) and inv.shell.stdin_is_terminal:
        # Typed at a terminal: the banner, then the appdb=# prompt holds the terminal
        # (the backend stays in pg_stat_activity until \q or Ctrl-D).
        yield f'psql ({server.version})\nType "help" for help.\n\n'.encode()
        inv.shell.take_terminal(PsqlPrompt(session, inv.world))
        return 0
    status = 0
    try:
        scripts = _scripts(inv, parsed)
        if scripts is None:
            return 1
        for kind, text in scripts:
            session.now_us = inv.world.clock.now_ms * 1000
            if kind != "c":
                result = _feed_all(session, text, kind[2:] if kind.startswith("f:") else None)
            elif text.lstrip().startswith("\\"):
                result = session.meta(text.strip())
            else:
                result = session.run(text)
            _wait(inv.world, result)
            if result.stdout:
                yield result.stdout.encode()
            inv.stderr.write(result.stderr)
            if result.failed:
                status = 1
                if kind == "c":
                    break
            if result.quit:
                break
    finally:
        server.disconnect(backend.pid)
    return status


def _has_script(parsed: ParsedArgs) -> bool:
    return any(dest in ("command", "file") for dest, _ in parsed.order)


def _wait(world: World, result: Feedback) -> None:
    """A statement that runs for a while (an index build) holds psql, and time passes."""
    if result.busy_until_us is not None:
        until_ms = -(-result.busy_until_us // 1000)  # the whole build, to the millisecond
        world.advance(max(0, until_ms - world.clock.now_ms) / 1000)


class PsqlPrompt:
    """psql's interactive prompt, driven line by line by the shell (a ``Repl``)."""

    def __init__(self, session: PsqlSession, world: World) -> None:
        self.session = session
        self.world = world
        self.closed = False

    @property
    def prompt(self) -> str:
        return self.session.prompt

    def feed(self, line: str) -> str:
        result = self.session.feed(line, self.world.clock.now_ms * 1000)
        _wait(self.world, result)
        if result.quit:
            self._close()
        return result.stdout + result.stderr

    def interrupt(self) -> str:
        self._close()
        return "\\q\n"  # what psql echoes at Ctrl-D

    def _close(self) -> None:
        if not self.closed:
            self.session.close()
            self.closed = True


def _feed_all(session: PsqlSession, text: str, path: str | None) -> Feedback:
    """A script (-f names the file and line in each message); errors do not stop it."""
    total = Feedback()
    for number, line in enumerate(text.splitlines(), 1):
        part = session.feed(line)
        if part.busy_until_us is not None:
            total.busy_until_us = max(total.busy_until_us or 0, part.busy_until_us)
            session.now_us = part.busy_until_us
        total.stdout += part.stdout
        total.stderr += "".join(
            (f"psql:{path}:{number}: {msg}" if path and msg[:1].isupper() and ":  " in msg[:12]
             else msg) for msg in part.stderr.splitlines(keepends=True))
        if part.quit:
            total.quit = True
            break
    return total


def _scripts(inv: Invocation, parsed: ParsedArgs) -> list[tuple[str, str]] | None:
    items: list[tuple[str, str]] = []
    for dest, value in parsed.order:
        if dest == "command":
            items.append(("c", str(value)))
        elif dest == "file":
            path = str(value)
            try:
                inode = inv.host.fs.lookup(path, inv.cwd)
                data = b"".join(inv.host.fs.read_stream(inode, path=path))
            except FsError as error:
                inv.stderr.write(f"psql: error: {path}: {error.strerror}\n")
                return None
            items.append((f"f:{path}", data.decode(errors="replace")))
    if not items:  # no -c/-f: commands come from standard input, as with a pipe
        items.append(("s", inv.stdin.read().decode(errors="replace")))
    return items


psql.__doc__ = __doc__  # the help text is the module's docstring
