"""pg_settings rows: a realistic subset of PostgreSQL 15's parameters, and unit handling.

Values are kept the way pg_settings shows them (``setting`` in the parameter's
base unit); ``SHOW`` and ``current_setting`` print them the way GUC's
``_ShowOption`` does, with the largest unit that divides the value exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_SETTINGS", "Setting", "parse_value", "show_value"]


@dataclass
class Setting:
    name: str
    setting: str
    unit: str | None
    category: str
    short_desc: str
    context: str  # postmaster, sighup, superuser, user, backend
    vartype: str  # integer, string, bool, enum, real
    source: str = "default"
    boot_val: str = ""
    pending: str | None = None  # written by ALTER SYSTEM, applied on reload
    pending_restart: bool = False

    def __post_init__(self) -> None:
        if not self.boot_val:
            self.boot_val = self.setting


def _s(name: str, value: str, unit: str | None, category: str, desc: str, context: str,
       vartype: str = "integer", source: str = "default") -> Setting:
    return Setting(name, value, unit, category, desc, context, vartype, source)


_CONN = "Connections and Authentication / Connection Settings"
_MEM = "Resource Usage / Memory"
_CLIENT = "Client Connection Defaults / Statement Behavior"
_LOG = "Reporting and Logging / When to Log"
_PLAN_COST = "Query Tuning / Planner Cost Constants"

DEFAULT_SETTINGS: tuple[Setting, ...] = (
    _s("max_connections", "100", None, _CONN, "Sets the maximum number of concurrent connections.",
       "postmaster", source="configuration file"),
    _s("superuser_reserved_connections", "3", None, _CONN,
       "Sets the number of connection slots reserved for superusers.", "postmaster"),
    _s("port", "5432", None, _CONN, "Sets the TCP port the server listens on.", "postmaster",
       source="configuration file"),
    _s("shared_buffers", "16384", "8kB", _MEM,
       "Sets the number of shared memory buffers used by the server.", "postmaster",
       source="configuration file"),
    _s("work_mem", "4096", "kB", _MEM,
       "Sets the maximum memory to be used for query workspaces.", "user"),
    _s("maintenance_work_mem", "65536", "kB", _MEM,
       "Sets the maximum memory to be used for maintenance operations.", "user"),
    _s("statement_timeout", "0", "ms", _CLIENT,
       "Sets the maximum allowed duration of any statement.", "user"),
    _s("idle_in_transaction_session_timeout", "0", "ms", _CLIENT,
       "Sets the maximum allowed idle time between queries, when in a transaction.", "user"),
    _s("idle_session_timeout", "0", "ms", _CLIENT,
       "Sets the maximum allowed idle time between queries, when not in a transaction.", "user"),
    _s("lock_timeout", "0", "ms", _CLIENT,
       "Sets the maximum allowed duration of any wait for a lock.", "user"),
    _s("log_min_duration_statement", "-1", "ms", _LOG,
       "Sets the minimum execution time above which all statements will be logged.",
       "superuser"),
    # The planner's cost constants (Query Tuning): pagerdrill's planner reads these.
    _s("seq_page_cost", "1", None, _PLAN_COST,
       "Sets the planner's estimate of the cost of a sequentially fetched disk page.", "user",
       "real"),
    _s("random_page_cost", "4", None, _PLAN_COST,
       "Sets the planner's estimate of the cost of a nonsequentially fetched disk page.",
       "user", "real"),
    _s("cpu_tuple_cost", "0.01", None, _PLAN_COST,
       "Sets the planner's estimate of the cost of processing each tuple (row).", "user",
       "real"),
    _s("cpu_index_tuple_cost", "0.005", None, _PLAN_COST,
       "Sets the planner's estimate of the cost of processing each index entry during an "
       "index scan.", "user", "real"),
    _s("cpu_operator_cost", "0.0025", None, _PLAN_COST,
       "Sets the planner's estimate of the cost of processing each operator or function "
       "call.", "user", "real"),
    _s("effective_cache_size", "524288", "8kB", _PLAN_COST,
       "Sets the planner's assumption about the total size of the data caches.", "user"),
    _s("max_parallel_workers_per_gather", "2", None, "Resource Usage / Asynchronous Behavior",
       "Sets the maximum number of parallel processes per executor node.", "user"),
    _s("TimeZone", "Etc/UTC", None, "Client Connection Defaults / Locale and Formatting",
       "Sets the time zone for displaying and interpreting time stamps.", "user", "string",
       "configuration file"),
    _s("server_version", "15.6 (Debian 15.6-0+deb12u1)", None, "Preset Options",
       "Shows the server version.", "internal", "string"),
)

_TIME = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
_MEMORY = {"kB": 1, "MB": 1024, "GB": 1024 ** 2, "TB": 1024 ** 3}


def _base_factor(unit: str | None) -> tuple[dict[str, int], int] | None:
    """The unit table of a setting and how many of its smallest unit one base unit is."""
    if unit in _TIME:
        return _TIME, _TIME[unit]
    if unit == "8kB":
        return _MEMORY, 8
    if unit in _MEMORY:
        return _MEMORY, _MEMORY[unit]
    return None


def show_value(setting: Setting, raw: str | None = None) -> str:
    """The text SHOW prints: ``128MB``, ``1min``, ``0``, ``-1``."""
    value = setting.setting if raw is None else raw
    table = _base_factor(setting.unit)
    if table is None or not value.lstrip("-").isdigit():
        return value
    units, factor = table
    number = int(value) * factor
    if number <= 0:
        return value
    for name, size in sorted(units.items(), key=lambda item: -item[1]):
        if number % size == 0:
            return f"{number // size}{name}"
    return value  # pragma: no cover - the smallest unit always divides


def parse_value(setting: Setting, text: str) -> str | None:
    """A SET value in the setting's base unit, or None when it is not valid for it."""
    text = text.strip()
    if setting.vartype != "integer":
        return text
    digits = text.lstrip("-")
    cut = len(text) - len(digits) + len(digits) - len(digits.lstrip("0123456789"))
    number, unit = text[:cut], text[cut:].strip()
    if not number or number == "-":
        return None
    table = _base_factor(setting.unit)
    if not unit:
        return str(int(number))
    if table is None or unit not in table[0]:
        return None
    units, factor = table
    return str(int(number) * units[unit] // factor)
