# The expert path: the symptom lies (pool timeouts), the database says which statement owns its time.
journalctl -u {{ app }} -n 20 --no-pager
ssh {{ db_host }} top -b -n 1 -o %CPU
# psql reaches {{ db_host }} through PGHOST in ~/.bashrc.
psql -c "SELECT state, wait_event_type, count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1, 2 ORDER BY 3 DESC;"
psql -c "SELECT calls, round(total_exec_time) AS total_ms, round(mean_exec_time::numeric, 1) AS mean_ms, query FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 5;"
psql -c "EXPLAIN ANALYZE SELECT id, {{ owner_col }}, status, total_cents, created_at FROM {{ table }} WHERE {{ owner_col }} = 48213 AND status = 'pending' ORDER BY created_at DESC LIMIT 20;"
psql -c '\d {{ table }}'
# What changed? The migration that dropped the index.
git -C /srv/{{ app }} log --stat -n 2
diagnose 4
# Resolve without blocking writes.
psql -c "CREATE INDEX CONCURRENTLY {{ table }}_{{ owner_col }}_status_created_at_idx ON {{ table }} ({{ owner_col }}, status, created_at);"
psql -c "EXPLAIN SELECT id, {{ owner_col }}, status, total_cents, created_at FROM {{ table }} WHERE {{ owner_col }} = 48213 AND status = 'pending' ORDER BY created_at DESC LIMIT 20;"
# Prevent: slow statements reach the log.
psql -c "ALTER SYSTEM SET log_min_duration_statement = '500ms';" -c "SELECT pg_reload_conf();"
sleep 30
psql -c "SELECT calls, round(mean_exec_time::numeric, 2) AS mean_ms, query FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 3;"
