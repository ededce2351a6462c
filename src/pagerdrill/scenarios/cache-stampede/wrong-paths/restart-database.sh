# expect: unresolved
# Restarting the drowning database: every app worker reconnects at once into a cold buffer cache.
psql -c 'SELECT state, count(*) FROM pg_stat_activity GROUP BY state;'
ssh {{ db_host }} systemctl restart postgresql
sleep 30
psql -c 'SELECT state, count(*) FROM pg_stat_activity GROUP BY state;'
sleep 600
