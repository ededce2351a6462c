"""A psql session: SQL and backslash commands fed line by line, text out.

``PsqlSession.feed(line)`` returns what psql would print (stdout, stderr) for
one input line, so the shell can drive an interactive ``appdb=#`` prompt later
with exactly the code the one-shot ``-c`` mode uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pagerdrill.world.database import PgError

if TYPE_CHECKING:
    from pagerdrill.world.database import Column, Outcome, SqlSession

from .format import PrintOptions, render

__all__ = ["PsqlSession", "error_position_lines", "error_text"]

_DISPLAY = 60
_MIN_RIGHT_CUT = 10


def error_position_lines(query: str, position: int) -> str:
    """libpq's reportErrorPosition: the ``LINE n:`` excerpt and the caret line."""
    loc = position - 1
    if loc < 0:
        return ""
    text = query.replace("\t", " ")
    line, ibeg, iend = 1, 0, -1
    for cno, ch in enumerate(text):
        if ch in "\r\n":
            if cno < loc:
                if ch == "\r" or cno == 0 or text[cno - 1] != "\r":
                    line += 1
                ibeg = cno + 1
            else:
                iend = cno
                break
    if iend < 0:
        iend = len(text)
    if loc > len(text):
        return ""
    beg_trunc = end_trunc = False
    if iend - ibeg > _DISPLAY:
        if ibeg + _DISPLAY >= loc + _MIN_RIGHT_CUT:
            iend = ibeg + _DISPLAY
            end_trunc = True
        else:
            if loc + _MIN_RIGHT_CUT < iend:
                iend = loc + _MIN_RIGHT_CUT
                end_trunc = True
            if iend - ibeg > _DISPLAY:
                ibeg = iend - _DISPLAY
                beg_trunc = True
    prefix = f"LINE {line}: " + ("..." if beg_trunc else "")
    excerpt = prefix + text[ibeg:iend] + ("..." if end_trunc else "")
    return excerpt + "\n" + " " * (len(prefix) + loc - ibeg) + "^\n"


def error_text(error: PgError, query: str) -> str:
    out = f"{error.severity}:  {error.message}\n"
    if error.position is not None:
        out += error_position_lines(query, error.position)
    if error.detail:
        out += f"DETAIL:  {error.detail}\n"
    if error.hint:
        out += f"HINT:  {error.hint}\n"
    return out


@dataclass
class Feedback:
    """What one input produced: psql's stdout and stderr text, and whether to stop."""

    stdout: str = ""
    stderr: str = ""
    quit: bool = False
    failed: bool = False
    busy_until_us: int | None = None  # a statement holds the session until then


@dataclass
class PsqlSession:
    sql: SqlSession
    host_label: str  # how \conninfo names the connection
    now_us: int = 0
    quiet: bool = False
    opts: PrintOptions = field(default_factory=PrintOptions)
    buffer: str = ""

    @property
    def prompt(self) -> str:
        db = self.sql.backend.datname or ""
        role = self.sql.server.roles.get(self.sql.backend.usename or "")
        mark = "#" if role and role.superuser else ">"
        return f"{db}={mark} " if not self.buffer else f"{db}-{mark} "

    def feed(self, line: str, now_us: int | None = None) -> Feedback:
        """One line of interactive input: a backslash command, or SQL up to a semicolon.

        ``now_us`` is the simulated clock when the line is entered (the shell passes it).
        """
        if now_us is not None:
            self.now_us = now_us
        stripped = line.strip()
        if not self.buffer and stripped.startswith("\\"):
            return self.meta(stripped)
        self.buffer += line + "\n"
        if not stripped.endswith(";"):
            return Feedback()
        query, self.buffer = self.buffer.rstrip("\n"), ""
        return self.run(query)

    def close(self) -> None:
        """End the session: the server forgets the backend (\\q, end of input, exit)."""
        self.sql.server.disconnect(self.sql.backend.pid)

    def run(self, query: str) -> Feedback:
        """Execute one query string (``-c`` or a complete interactive statement)."""
        result = Feedback()
        for outcome in self.sql.execute(query, self.now_us):
            self._print(outcome, query, result)
            if outcome.busy_until_us is not None:
                result.busy_until_us = max(result.busy_until_us or 0, outcome.busy_until_us)
        return result

    def _print(self, outcome: Outcome, query: str, result: Feedback) -> None:
        for notice in outcome.notices:
            result.stderr += notice + "\n"
        if outcome.error is not None:
            result.stderr += error_text(outcome.error, query)
            result.failed = True
            return
        if outcome.has_rows:
            result.stdout += render(outcome.columns, outcome.rows, self.opts)
        elif not self.quiet:
            result.stdout += outcome.tag + "\n"

    def meta(self, command: str) -> Feedback:
        name, _, arg = command.partition(" ")
        arg = arg.strip()
        if name == "\\q":
            return Feedback(quit=True)
        if name == "\\x":
            self.opts.expanded = (not self.opts.expanded if not arg else arg in ("on", "1"))
            return Feedback(f"Expanded display is {'on' if self.opts.expanded else 'off'}.\n")
        if name == "\\conninfo":
            b = self.sql.backend
            return Feedback(f'You are connected to database "{b.datname}" as user "{b.usename}" '
                            f"{self.host_label}.\n")
        if name in ("\\dt", "\\di", "\\l", "\\du") and not arg:
            return self._listing(name)
        if name == "\\d" and arg:
            return self._describe(arg)
        return Feedback(stderr=f"invalid command {name}\nTry \\? for help.\n", failed=True)

    def _listing(self, name: str) -> Feedback:
        server = self.sql.server
        opts = PrintOptions(aligned=self.opts.aligned, tuples_only=self.opts.tuples_only,
                            field_sep=self.opts.field_sep, record_sep=self.opts.record_sep)
        rows: list[tuple[object, ...]]
        database = self.sql.backend.datname or ""
        if name in ("\\dt", "\\di"):
            tables = server.tables_in(database)
            if name == "\\dt":
                rows = [(t.schema, t.name, "table", t.owner) for t in tables]
            else:
                rows = sorted((i.schema, i.name, "index", t.owner, t.name) for t in tables
                              for i in server.indexes_on(database, t.name))
            if not rows:
                return Feedback(stderr="Did not find any relations.\n")
            cols = _text_columns("Schema", "Name", "Type", "Owner", "Table")[:len(rows[0])]
            return Feedback(render(cols, rows, opts, "List of relations"))
        if name == "\\l":
            rows = [(d.name, d.owner, d.encoding, d.collate, d.collate, "", "libc",
                     "=c/postgres\npostgres=CTc/postgres"
                     if d.name.startswith("template") else "")
                    for d in sorted(server.databases.values(), key=lambda d: d.name)]
            cols = _text_columns("Name", "Owner", "Encoding", "Collate", "Ctype", "ICU Locale",
                                 "Locale Provider", "Access privileges")
            return Feedback(render(cols, rows, opts, "List of databases"))
        rows = [(r.name, _attributes(r.name == "postgres", r.superuser, r.login), "{}")
                for r in sorted(server.roles.values(), key=lambda r: r.name)]
        cols = _text_columns("Role name", "Attributes", "Member of")
        return Feedback(render(cols, rows, opts, "List of roles", footer=False))

    def _describe(self, name: str) -> Feedback:
        table = self.sql.server.tables.get((self.sql.backend.datname or "", name))
        if table is None:
            return Feedback(stderr=f'Did not find any relation named "{name}".\n', failed=True)
        rows: list[tuple[object, ...]] = [
            (col, kind, "", "not null" if col in table.not_null else "", "")
            for col, kind in table.columns]
        cols = _text_columns("Column", "Type", "Collation", "Nullable", "Default")
        opts = PrintOptions(aligned=self.opts.aligned, tuples_only=self.opts.tuples_only)
        text = render(cols, rows, opts, f'Table "{table.schema}.{table.name}"', footer=False)
        indexes = self.sql.server.indexes_on(table.database, table.name)
        if indexes and opts.aligned and not opts.tuples_only:
            text = text[:-1] + "Indexes:\n" + "".join(i.footer() + "\n" for i in indexes) + "\n"
        return Feedback(text)


def _text_columns(*names: str) -> list[Column]:
    from pagerdrill.world.database import Column  # the engine is loaded by now

    return [Column(name, "text") for name in names]


def _attributes(bootstrap: bool, superuser: bool, login: bool) -> str:
    if bootstrap:
        return "Superuser, Create role, Create DB, Replication, Bypass RLS"
    parts = ["Superuser"] if superuser else []
    if not login:
        parts.append("Cannot login")
    return ", ".join(parts)
