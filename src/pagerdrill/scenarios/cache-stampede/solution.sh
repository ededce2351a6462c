# The expert path for "Cache Stampede After Redis Restart".
# The cliff, and what changed at that minute.
dashboard
cat /srv/ops/changes.log
# Redis restarted minutes ago, empty, every read a miss, and nothing on disk to reload.
redis-cli INFO server | grep -E 'uptime_in_seconds|redis_version'
redis-cli INFO stats | grep keyspace
redis-cli INFO keyspace
redis-cli DBSIZE
redis-cli CONFIG GET save
# The database: hundreds of sessions, all running the same rebuild query.
psql -c 'SELECT state, count(*) FROM pg_stat_activity GROUP BY state;'
psql -c "SELECT count(*), left(query, 60) AS query FROM pg_stat_activity WHERE state = 'active' GROUP BY 2;"
journalctl -u {{ app }} -n 12 --no-pager
diagnose 1
# Mitigate: warm the cache (batches over one connection, no statement timeout).
systemctl start {{ app }}-cache-warm
sleep 120
journalctl -u {{ app }}-cache-warm -n 3 --no-pager
redis-cli DBSIZE
# Resolve: one rebuild per key under a SET NX EX lock, and a jittered TTL.
cd /srv/{{ app }}
cat app/cache.py
printf '%s\n' '"""Read-through cache for product pages: Redis in front of PostgreSQL."""' 'import json' 'import os' 'import random' 'import time' '' 'import redis' '' 'r = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))' 'CACHE_TTL = int(os.environ.get("CACHE_TTL_SECONDS", "300"))' '' '' 'def get_cached(key, fetch_fn, ttl=CACHE_TTL):' '    value = r.get(key)' '    if value is not None:' '        return json.loads(value)' '    lock_key = f"lock:{key}"' '    if r.set(lock_key, "1", nx=True, ex=10):' '        try:' '            value = fetch_fn()' '            jitter = random.randint(-30, 30)' '            r.setex(key, ttl + jitter, json.dumps(value, default=str))' '            return value' '        finally:' '            r.delete(lock_key)' '    time.sleep(0.1)' '    value = r.get(key)' '    return json.loads(value) if value is not None else None' > app/cache.py
git commit -am "Rebuild cache misses under a SET NX EX lock; jitter TTLs"
systemctl restart {{ app }}
# Prevent: warming the cache is a step of the maintenance procedure.
sed -i '/systemctl restart redis-server/a 3a. Warm the cache before closing the change: `systemctl start {{ app }}-cache-warm` on {{ app_host }}, then check `redis-cli -h {{ cache_host }} INFO keyspace` shows the keys.' /srv/ops/runbooks/redis-maintenance.md
cat /srv/ops/runbooks/redis-maintenance.md
sleep 60
dashboard
