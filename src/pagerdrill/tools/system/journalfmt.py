"""Journal entries as journalctl prints them (short, short-iso, cat, json...)."""

from __future__ import annotations

import json

from pagerdrill.tools.system.timefmt import from_ms
from pagerdrill.world.services import JournalEntry

__all__ = ["FORMATS", "PRIORITIES", "render_entry"]

PRIORITIES = {"emerg": 0, "alert": 1, "crit": 2, "err": 3, "warning": 4, "notice": 5,
              "info": 6, "debug": 7}
FORMATS = ("short", "short-iso", "short-iso-precise", "short-precise", "short-full",
           "short-unix", "cat", "json", "json-pretty", "verbose", "with-unit")


def _ident(entry: JournalEntry) -> str:
    return f"{entry.ident}[{entry.pid}]" if entry.pid else entry.ident


def render_entry(entry: JournalEntry, hostname: str, output: str = "short") -> str:
    """One entry, newline included."""
    moment = from_ms(entry.t_ms)
    prefix = f"{hostname} {_ident(entry)}: " if hostname else f"{_ident(entry)}: "
    if output == "cat":
        return entry.message + "\n"
    if output == "short-iso":
        return f"{moment:%Y-%m-%dT%H:%M:%S}+0000 {prefix}{entry.message}\n"
    if output == "short-iso-precise":
        return f"{moment:%Y-%m-%dT%H:%M:%S.%f}+0000 {prefix}{entry.message}\n"
    if output == "short-precise":
        return f"{moment:%b %d %H:%M:%S.%f} {prefix}{entry.message}\n"
    if output == "short-full":
        return f"{moment:%a %Y-%m-%d %H:%M:%S} UTC {prefix}{entry.message}\n"
    if output == "short-unix":
        return f"{entry.t_ms // 1000}.{entry.t_ms % 1000:03d}000 {prefix}{entry.message}\n"
    if output == "with-unit":
        ident = entry.unit or _ident(entry)
        return f"{moment:%a %Y-%m-%d %H:%M:%S} UTC {hostname} {ident}: {entry.message}\n"
    if output in ("json", "json-pretty", "verbose"):
        record = {"__REALTIME_TIMESTAMP": str(entry.t_ms * 1000), "_HOSTNAME": hostname,
                  "PRIORITY": str(entry.priority), "SYSLOG_IDENTIFIER": entry.ident,
                  "MESSAGE": entry.message}
        if entry.pid:
            record["_PID"] = str(entry.pid)
        if entry.unit:
            key = "UNIT" if entry.ident == "systemd" else "_SYSTEMD_UNIT"
            record[key] = entry.unit
        if output == "json":
            return json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n"
        if output == "json-pretty":
            body = ",\n".join(f"\t{json.dumps(k)} : {json.dumps(v, ensure_ascii=False)}"
                              for k, v in record.items())
            return "{\n" + body + "\n}\n"
        fields = "".join(f"    {k}={v}\n" for k, v in record.items())
        return f"{moment:%a %Y-%m-%d %H:%M:%S.%f} UTC\n{fields}"
    return f"{moment:%b %d %H:%M:%S} {prefix}{entry.message}\n"
