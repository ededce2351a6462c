"""The real psql and PostgreSQL on 127.0.0.1:5432 (database test, trust auth) for the
fidelity tests.

Each test module loads its rows into a throw-away schema, which the real psql finds
through ``PGOPTIONS=-c search_path=...``. Without a server those tests skip, except
under CI=true, where a missing server is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

__all__ = ["BASE", "real_psql", "real_schema"]

BASE = ["psql", "-X", "-h", "127.0.0.1", "-U", "postgres", "-d", "test"]


def real_psql(schema: str, args: list[str], *, options: str = "", stdin: bytes | None = None,
              timeout: int = 20) -> subprocess.CompletedProcess[bytes]:
    """The real ``psql`` with ``args``, ``schema`` first on its search_path, and any other
    ``-c name=value`` server options."""
    env = dict(os.environ, PGOPTIONS=" ".join(filter(None, (f"-c search_path={schema}",
                                                            options))))
    return subprocess.run(BASE + args, input=stdin, capture_output=True, env=env,
                          timeout=timeout, check=False)


def _server_up() -> bool:
    if shutil.which("psql") is None:
        return False
    probe = subprocess.run([*BASE, "-Atc", "select 1"], capture_output=True, timeout=20,
                           check=False)
    return probe.returncode == 0


def real_schema(schema: str, setup: str, *, timeout: int = 20) -> Iterator[None]:
    """The body of a module fixture: skip without a server (fail under CI=true); else
    create ``schema`` afresh, run ``setup`` (SQL naming ``schema.table``), and drop the
    schema when the module is done."""
    if not _server_up():
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL on 127.0.0.1:5432 is required in CI")
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 (database test, trust auth)")
    subprocess.run([*BASE, "-q", "-c", f"DROP SCHEMA IF EXISTS {schema} CASCADE; "
                    f"CREATE SCHEMA {schema}; {setup}"], check=True, capture_output=True,
                   timeout=timeout)
    yield
    subprocess.run([*BASE, "-q", "-c", f"DROP SCHEMA {schema} CASCADE"], check=False,
                   capture_output=True, timeout=20)
