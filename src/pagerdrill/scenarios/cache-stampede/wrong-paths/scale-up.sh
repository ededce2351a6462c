# expect: unresolved
# More app capacity is more concurrent rebuilds against the same database.
sed -i 's/^workers = {{ workers }}$/workers = 32/' /etc/{{ app }}/gunicorn.conf.py
systemctl restart {{ app }}
sleep 60
psql -c 'SELECT state, count(*) FROM pg_stat_activity GROUP BY state;'
sleep 600
