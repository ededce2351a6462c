"""Timestamps as each program prints them (every simulated host runs in UTC)."""

from __future__ import annotations

import datetime as _dt

__all__ = ["http_date", "iso_ms", "nginx_access", "nginx_error", "pg_stamp", "syslog_stamp"]


def _at(t_ms: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(t_ms / 1000, tz=_dt.UTC)


def iso_ms(t_ms: int) -> str:
    """``2026-03-24T03:07:01.123Z``: structured application logs."""
    return _at(t_ms).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t_ms % 1000:03d}Z"


def pg_stamp(t_ms: int) -> str:
    """``2026-03-24 03:07:01.123 UTC``: PostgreSQL's ``%m``."""
    return _at(t_ms).strftime("%Y-%m-%d %H:%M:%S.") + f"{t_ms % 1000:03d} UTC"


def nginx_access(t_ms: int) -> str:
    """``24/Mar/2026:03:07:01 +0000``: nginx's ``$time_local``."""
    return _at(t_ms).strftime("%d/%b/%Y:%H:%M:%S +0000")


def nginx_error(t_ms: int) -> str:
    """``2026/03/24 03:07:01``: nginx's error log."""
    return _at(t_ms).strftime("%Y/%m/%d %H:%M:%S")


def http_date(t_ms: int) -> str:
    """``Tue, 24 Mar 2026 03:07:01 GMT``: the HTTP Date header."""
    return _at(t_ms).strftime("%a, %d %b %Y %H:%M:%S GMT")


def syslog_stamp(t_ms: int) -> str:
    """``Mar 24 03:07:01``: classic syslog files."""
    return _at(t_ms).strftime("%b %d %H:%M:%S")
