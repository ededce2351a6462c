"""Reusable simulated programs: what runs behind a pid in scenario worlds.

Each implements :class:`pagerdrill.world.process.Program` and keeps its state
on the instance, so a restarted service gets a fresh program that re-reads its
configuration, exactly as a restarted daemon does.
"""

from __future__ import annotations

from .app import BOOTING, AppSpec, LogLevel, WebApp, database_at, read_log_level
from .logrotate import LogPolicy, bound_bytes, logrotate_rule, parse_config, policy_for
from .logstream import LogStream
from .nginx import NginxProxy, NginxSpec
from .postgres import PostgresServer, PostgresSpec

__all__ = [
    "BOOTING",
    "AppSpec",
    "LogLevel",
    "LogPolicy",
    "LogStream",
    "NginxProxy",
    "NginxSpec",
    "PostgresServer",
    "PostgresSpec",
    "WebApp",
    "bound_bytes",
    "database_at",
    "logrotate_rule",
    "parse_config",
    "policy_for",
    "read_log_level",
]
