"""One small history built twice: in the git model and with the real git binary."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pagerdrill.world.builder import parse_instant
from pagerdrill.world.git import Repository, Signature

__all__ = ["HISTORY", "build_model", "build_real", "have_git"]

APP_V1 = (b"server:\n  port: 8080\n  workers: 4\nlogging:\n  log_level: info\n  format: json\n"
          b"database:\n  host: localhost\n  pool_size: 20\n")
# (author, email, instant, message, changes)
HISTORY: list[tuple[str, str, str, str, dict[str, bytes | None]]] = [
    ("Priya Natarajan", "priya@example.com", "2025-11-04T09:15:02Z", "Initial commit",
     {"README.md": b"# myapp\n\nCheckout service.\n", "config/app.yaml": APP_V1,
      "requirements.txt": b"flask==3.0.0\npsycopg2-binary==2.9.9\n"}),
    ("Tom Becker", "tom@example.com", "2026-01-12T16:40:11Z", "Raise pool size for peak traffic",
     {"config/app.yaml": APP_V1.replace(b"pool_size: 20", b"pool_size: 40")}),
    ("Dana Kim", "dana@example.com", "2026-03-03T14:12:09Z",
     "Temporarily enable debug logging to chase checkout bug\n\nRevert once CHK-412 is found.",
     {"config/app.yaml": APP_V1.replace(b"pool_size: 20", b"pool_size: 40")
      .replace(b"log_level: info", b"log_level: debug")}),
    ("Dana Kim", "dana@example.com", "2026-03-04T11:02:45Z",
     "Fix rounding in checkout total (CHK-412)",
     {"app/checkout.py": b"def total(items):\n    return round(sum(i.price for i in items), 2)\n",
      "README.md": None}),
]


def build_model(root: str = "/srv/myapp") -> Repository:
    repo = Repository(root, upstream=None)
    for name, email, when, message, changes in HISTORY:
        repo.commit(message, Signature(name, email, parse_instant(when)), changes)
    return repo


def have_git() -> bool:
    return shutil.which("git") is not None


def build_real(path: Path) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
           "TZ": "UTC"}

    def run(*args: str, **extra: str) -> None:
        subprocess.run(["git", *args], cwd=path, check=True, env={**env, **extra},
                       capture_output=True)

    run("init", "-q", "-b", "main")
    for name, email, when, message, changes in HISTORY:
        for rel, data in changes.items():
            target = path / rel
            if data is None:
                run("rm", "-q", rel)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            run("add", rel)
        run("commit", "-q", "-m", message, GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=email,
            GIT_COMMITTER_NAME=name, GIT_COMMITTER_EMAIL=email, GIT_AUTHOR_DATE=when,
            GIT_COMMITTER_DATE=when)
