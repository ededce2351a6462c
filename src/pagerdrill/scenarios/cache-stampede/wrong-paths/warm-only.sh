# expect: mitigated
# Warming the cache brings users back; the code would stampede again on the next mass expiry.
systemctl start {{ app }}-cache-warm
sleep 200
redis-cli INFO keyspace
