# expect: unresolved
# Terminating the busy sessions frees nothing for long: the app sends the same query again.
psql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'active' AND application_name = '{{ app }}';"
psql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle in transaction';"
sleep 60
