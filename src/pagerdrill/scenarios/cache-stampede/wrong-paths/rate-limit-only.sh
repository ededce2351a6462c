# expect: mitigated
# Shedding load lets the rebuilds finish and the cache refill; with the limit lifted users are
# served again. The code still rebuilds without a lock and writes every key with the same TTL:
# the next mass expiry (or restart) stampedes again.
sed -i 's/^RATE_LIMIT_RPS=0$/RATE_LIMIT_RPS=2/' /etc/{{ app }}/{{ app }}.env
systemctl restart {{ app }}
sleep 60
redis-cli DBSIZE
sed -i 's/^RATE_LIMIT_RPS=2$/RATE_LIMIT_RPS=0/' /etc/{{ app }}/{{ app }}.env
systemctl restart {{ app }}
sleep 30
curl -s localhost:8000/health
