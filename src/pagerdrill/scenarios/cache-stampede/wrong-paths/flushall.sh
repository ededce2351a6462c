# expect: unresolved
# Warm the cache, then "clear stale keys" with FLUSHALL: every request misses at once again.
systemctl start {{ app }}-cache-warm
sleep 150
redis-cli DBSIZE
redis-cli FLUSHALL
sleep 60
redis-cli DBSIZE
psql -c 'SELECT state, count(*) FROM pg_stat_activity GROUP BY state;'
sleep 300
