"""INFO: the sections and field names of Redis 7.0.15, in its order, with ``\\r\\n`` endings.

The template holds every field a real 7.0.15 prints (captured from one); the fields
a reader acts on are computed from the server's state, the rest keep idle values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pagerdrill.world.cache.server import RedisServer

__all__ = ["DEFAULT_SECTIONS", "render_info"]

DEFAULT_SECTIONS = ("server", "clients", "memory", "persistence", "stats", "replication", "cpu",
                    "modules", "errorstats", "cluster", "keyspace")

_TEMPLATE: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ('Server', (
        ('redis_version', '7.0.15'),
        ('redis_git_sha1', '00000000'),
        ('redis_git_dirty', '0'),
        ('redis_build_id', 'ae4d7c971a948f0'),
        ('redis_mode', 'standalone'),
        ('os', 'Linux 6.18.44-fc-v669 x86_64'),
        ('arch_bits', '64'),
        ('monotonic_clock', 'POSIX clock_gettime'),
        ('multiplexing_api', 'epoll'),
        ('atomicvar_api', 'c11-builtin'),
        ('gcc_version', '12.2.0'),
        ('process_id', '2209'),
        ('process_supervised', 'no'),
        ('run_id', '8245ff0b981dfcd0ddd4dfd8cc42193dd34bf745'),
        ('tcp_port', '6379'),
        ('server_time_usec', '1795628788406630'),
        ('uptime_in_seconds', '3955'),
        ('uptime_in_days', '0'),
        ('hz', '10'),
        ('configured_hz', '10'),
        ('lru_clock', '466676'),
        ('executable', '/redis-server'),
        ('config_file', ''),
        ('io_threads_active', '0'),
    )),
    ('Clients', (
        ('connected_clients', '1'),
        ('cluster_connections', '0'),
        ('maxclients', '10000'),
        ('client_recent_max_input_buffer', '0'),
        ('client_recent_max_output_buffer', '0'),
        ('blocked_clients', '0'),
        ('tracking_clients', '0'),
        ('clients_in_timeout_table', '0'),
    )),
    ('Memory', (
        ('used_memory', '1485008'),
        ('used_memory_human', '1.42M'),
        ('used_memory_rss', '7188480'),
        ('used_memory_rss_human', '6.86M'),
        ('used_memory_peak', '1485008'),
        ('used_memory_peak_human', '1.42M'),
        ('used_memory_peak_perc', '100.00%'),
        ('used_memory_overhead', '876464'),
        ('used_memory_startup', '876264'),
        ('used_memory_dataset', '608544'),
        ('used_memory_dataset_perc', '99.97%'),
        ('allocator_allocated', '2055408'),
        ('allocator_active', '2367488'),
        ('allocator_resident', '5181440'),
        ('total_system_memory', '25276502016'),
        ('total_system_memory_human', '23.54G'),
        ('used_memory_lua', '32768'),
        ('used_memory_vm_eval', '32768'),
        ('used_memory_lua_human', '32.00K'),
        ('used_memory_scripts_eval', '0'),
        ('number_of_cached_scripts', '0'),
        ('number_of_functions', '0'),
        ('number_of_libraries', '0'),
        ('used_memory_vm_functions', '33792'),
        ('used_memory_vm_total', '66560'),
        ('used_memory_vm_total_human', '65.00K'),
        ('used_memory_functions', '200'),
        ('used_memory_scripts', '200'),
        ('used_memory_scripts_human', '200B'),
        ('maxmemory', '0'),
        ('maxmemory_human', '0B'),
        ('maxmemory_policy', 'noeviction'),
        ('allocator_frag_ratio', '1.15'),
        ('allocator_frag_bytes', '312080'),
        ('allocator_rss_ratio', '2.19'),
        ('allocator_rss_bytes', '2813952'),
        ('rss_overhead_ratio', '1.39'),
        ('rss_overhead_bytes', '2007040'),
        ('mem_fragmentation_ratio', '4.98'),
        ('mem_fragmentation_bytes', '5744072'),
        ('mem_not_counted_for_evict', '0'),
        ('mem_replication_backlog', '0'),
        ('mem_total_replication_buffers', '0'),
        ('mem_clients_slaves', '0'),
        ('mem_clients_normal', '0'),
        ('mem_cluster_links', '0'),
        ('mem_aof_buffer', '0'),
        ('mem_allocator', 'jemalloc-5.3.0'),
        ('active_defrag_running', '0'),
        ('lazyfree_pending_objects', '0'),
        ('lazyfreed_objects', '0'),
    )),
    ('Persistence', (
        ('loading', '0'),
        ('async_loading', '0'),
        ('current_cow_peak', '0'),
        ('current_cow_size', '0'),
        ('current_cow_size_age', '0'),
        ('current_fork_perc', '0.00'),
        ('current_save_keys_processed', '0'),
        ('current_save_keys_total', '0'),
        ('rdb_changes_since_last_save', '25'),
        ('rdb_bgsave_in_progress', '0'),
        ('rdb_last_save_time', '1795624833'),
        ('rdb_last_bgsave_status', 'ok'),
        ('rdb_last_bgsave_time_sec', '-1'),
        ('rdb_current_bgsave_time_sec', '-1'),
        ('rdb_saves', '0'),
        ('rdb_last_cow_size', '0'),
        ('rdb_last_load_keys_expired', '0'),
        ('rdb_last_load_keys_loaded', '0'),
        ('aof_enabled', '0'),
        ('aof_rewrite_in_progress', '0'),
        ('aof_rewrite_scheduled', '0'),
        ('aof_last_rewrite_time_sec', '-1'),
        ('aof_current_rewrite_time_sec', '-1'),
        ('aof_last_bgrewrite_status', 'ok'),
        ('aof_rewrites', '0'),
        ('aof_rewrites_consecutive_failures', '0'),
        ('aof_last_write_status', 'ok'),
        ('aof_last_cow_size', '0'),
        ('module_fork_in_progress', '0'),
        ('module_fork_last_cow_size', '0'),
    )),
    ('Stats', (
        ('total_connections_received', '54'),
        ('total_commands_processed', '102'),
        ('instantaneous_ops_per_sec', '0'),
        ('total_net_input_bytes', '2782'),
        ('total_net_output_bytes', '7267'),
        ('total_net_repl_input_bytes', '0'),
        ('total_net_repl_output_bytes', '0'),
        ('instantaneous_input_kbps', '0.00'),
        ('instantaneous_output_kbps', '0.00'),
        ('instantaneous_input_repl_kbps', '0.00'),
        ('instantaneous_output_repl_kbps', '0.00'),
        ('rejected_connections', '0'),
        ('sync_full', '0'),
        ('sync_partial_ok', '0'),
        ('sync_partial_err', '0'),
        ('expired_keys', '0'),
        ('expired_stale_perc', '0.00'),
        ('expired_time_cap_reached_count', '0'),
        ('expire_cycle_cpu_milliseconds', '95'),
        ('evicted_keys', '0'),
        ('evicted_clients', '0'),
        ('total_eviction_exceeded_time', '0'),
        ('current_eviction_exceeded_time', '0'),
        ('keyspace_hits', '8'),
        ('keyspace_misses', '9'),
        ('pubsub_channels', '0'),
        ('pubsub_patterns', '0'),
        ('pubsubshard_channels', '0'),
        ('latest_fork_usec', '0'),
        ('total_forks', '0'),
        ('migrate_cached_sockets', '0'),
        ('slave_expires_tracked_keys', '0'),
        ('active_defrag_hits', '0'),
        ('active_defrag_misses', '0'),
        ('active_defrag_key_hits', '0'),
        ('active_defrag_key_misses', '0'),
        ('total_active_defrag_time', '0'),
        ('current_active_defrag_time', '0'),
        ('tracking_total_keys', '0'),
        ('tracking_total_items', '0'),
        ('tracking_total_prefixes', '0'),
        ('unexpected_error_replies', '0'),
        ('total_error_replies', '10'),
        ('dump_payload_sanitizations', '0'),
        ('total_reads_processed', '159'),
        ('total_writes_processed', '106'),
        ('io_threaded_reads_processed', '0'),
        ('io_threaded_writes_processed', '0'),
        ('reply_buffer_shrinks', '0'),
        ('reply_buffer_expands', '0'),
    )),
    ('Replication', (
        ('role', 'master'),
        ('connected_slaves', '0'),
        ('master_failover_state', 'no-failover'),
        ('master_replid', '9dc7dfb36d76df7027853fe0372eb5cd712816cc'),
        ('master_replid2', '0000000000000000000000000000000000000000'),
        ('master_repl_offset', '0'),
        ('second_repl_offset', '-1'),
        ('repl_backlog_active', '0'),
        ('repl_backlog_size', '1048576'),
        ('repl_backlog_first_byte_offset', '0'),
        ('repl_backlog_histlen', '0'),
    )),
    ('CPU', (
        ('used_cpu_sys', '3.493517'),
        ('used_cpu_user', '3.051731'),
        ('used_cpu_sys_children', '0.000000'),
        ('used_cpu_user_children', '0.000000'),
        ('used_cpu_sys_main_thread', '3.492537'),
        ('used_cpu_user_main_thread', '3.052400'),
    )),
    ('Modules', (
    )),
    ('Errorstats', (
    )),
    ('Cluster', (
        ('cluster_enabled', '0'),
    )),
    ('Keyspace', (
    )),
)


def _human(size: int) -> str:
    """bytesToHuman: B, K, M, G with two decimals."""
    for unit, scale in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.2f}{unit}"
    return f"{size}B"


def _live_fields(server: RedisServer) -> dict[str, str]:
    now = server.now_ms()
    used = server.used_memory()
    peak = max(server.peak_memory, used)
    maxmemory = int(server.config["maxmemory"])
    stats = server.stats
    return {
        "os": "Linux 6.1.0-18-amd64 x86_64",
        "process_id": str(server.pid),
        "run_id": server.run_id,
        "tcp_port": str(server.port),
        "server_time_usec": str(now * 1000),
        "uptime_in_seconds": str(server.uptime_s),
        "uptime_in_days": str(server.uptime_s // 86400),
        "lru_clock": str((now // 1000) & ((1 << 24) - 1)),
        "executable": "/usr/bin/redis-server",
        "config_file": "/etc/redis/redis.conf",
        "connected_clients": str(len(server.clients)),
        "maxclients": server.config["maxclients"],
        "used_memory": str(used),
        "used_memory_human": _human(used),
        "used_memory_rss": str(used + 6_000_000),
        "used_memory_rss_human": _human(used + 6_000_000),
        "used_memory_peak": str(peak),
        "used_memory_peak_human": _human(peak),
        "used_memory_peak_perc": f"{used * 100 / peak:.2f}%",
        "used_memory_dataset": str(used - 876_464),
        "maxmemory": str(maxmemory),
        "maxmemory_human": _human(maxmemory),
        "maxmemory_policy": server.config["maxmemory-policy"],
        "total_system_memory": "16777216000",
        "total_system_memory_human": "15.62G",
        "rdb_changes_since_last_save": str(server.dirty),
        "rdb_last_save_time": str(server.started_ms // 1000),
        "total_connections_received": str(stats.total_connections_received),
        "total_commands_processed": str(stats.total_commands_processed),
        "instantaneous_ops_per_sec": str(server.instantaneous_ops_per_sec),
        "total_net_input_bytes": str(stats.total_net_input_bytes),
        "expired_keys": str(stats.expired_keys),
        "evicted_keys": str(stats.evicted_keys),
        "keyspace_hits": str(stats.keyspace_hits),
        "keyspace_misses": str(stats.keyspace_misses),
        "total_error_replies": str(stats.total_error_replies),
        "master_replid": server.run_id[::-1],
    }


def _keyspace(server: RedisServer) -> list[tuple[str, str]]:
    rows = []
    now = server.now_ms()
    for db in server.dbs:
        db.sweep()
        if not len(db):
            continue
        ttls = [when - now for when in db.expires.values()]
        avg = sum(ttls) // len(ttls) if ttls else 0
        rows.append((f"db{db.index}", f"keys={len(db)},expires={len(ttls)},avg_ttl={avg}"))
    return rows


def _section(server: RedisServer, title: str, live: dict[str, str]) -> str:
    if title == "Keyspace":
        fields = _keyspace(server)
    elif title == "Errorstats":
        fields = [(f"errorstat_{prefix}", f"count={count}")
                  for prefix, count in sorted(server.stats.error_counts.items())]
    else:
        fields = [(name, live.get(name, value)) for name, value in _FIELDS[title]]
    return f"# {title}\r\n" + "".join(f"{k}:{v}\r\n" for k, v in fields)


_FIELDS = dict(_TEMPLATE)


def render_info(server: RedisServer, sections: list[str]) -> str:
    """The INFO reply for the requested sections (``default``, ``all``, ``everything``...)."""
    wanted: set[str] = set()
    for name in sections or ["default"]:
        if name in ("default", "all", "everything"):
            wanted.update(DEFAULT_SECTIONS)
        else:
            wanted.add(name)
    live = _live_fields(server)
    parts = [_section(server, title, live) for title, _ in _TEMPLATE if title.lower() in wanted]
    return "\r\n".join(parts)
