# expect: mitigated
# The server reaps leaked sessions after 30 s: users are served, but the code still leaks.
psql -c "ALTER SYSTEM SET idle_in_transaction_session_timeout = '30s';"
psql -c 'SELECT pg_reload_conf();'
sleep 60
curl -s localhost:3000/health
sleep 300
curl -s localhost:3000/health
