# The expert path for "Database Connection Pool Exhaustion" (the seed's queries, then fix and prevention).
# Confirm the symptom and read the app's own errors.
curl -i localhost:3000/health
journalctl -u {{ app }} -n 30 --no-pager
# The database is idle: not a query-load problem.
ssh {{ db_host }} uptime
# The seed's two queries (psql reaches {{ db_host }} through PGHOST in ~/.bashrc).
psql -c 'SELECT state, count(*) FROM pg_stat_activity GROUP BY state;'
psql -c "SELECT pid, now() - pg_stat_activity.query_start AS duration, query, state FROM pg_stat_activity WHERE state != 'idle' ORDER BY duration DESC;"
# Which code leaves a transaction open? The last commit to getUser.
cd /srv/{{ app }}
git log --oneline -n 5
git log -p -n 1 -- src/db/users.js
diagnose 3
# Mitigate: kill the leaked sessions; the pool drops those clients and opens fresh ones.
psql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle in transaction' AND application_name = '{{ app }}';"
curl -s localhost:3000/health
# Resolve: release in a finally (and roll back on error), commit, deploy.
sed -i -e 's/^  const conn = await pool.acquire();$/&\n  try {/' -e '/^  conn.release();$/d' -e "s/^  return { ...rows\[0\], tier };\$/&\n  } catch (err) {\n    await conn.query('ROLLBACK');\n    throw err;\n  } finally {\n    conn.release();\n  }/" src/db/users.js
cat src/db/users.js
# Prevent: the server reclaims sessions left idle in a transaction (pg's per-connection option).
sed -i 's/"acquireTimeoutMillis": 5000,/&\n      "idle_in_transaction_session_timeout": 30000,/' config/production.json
git commit -am "Release the pool connection on every path in getUser; reclaim idle-in-transaction sessions"
systemctl restart {{ app }}
# Prevent: page at 80% of the pool.
printf '%s\n' '      - alert: DbPoolNearlyExhausted' '        expr: db_pool_connections_in_use{service="{{ app }}"} / db_pool_connections_max{service="{{ app }}"} > 0.8' '        for: 2m' '        labels:' '          severity: page' '        annotations:' '          summary: "{{ app }} db pool above 80% in use"' >> /etc/prometheus/rules/{{ app }}.yml
sleep 60
curl -s localhost:3000/health
psql -c 'SELECT state, count(*) FROM pg_stat_activity GROUP BY state;'
