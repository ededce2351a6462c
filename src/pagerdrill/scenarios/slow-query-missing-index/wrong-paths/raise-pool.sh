# expect: unresolved
# The log blames the pool; a bigger pool sends more copies of the slow query to a saturated database.
journalctl -u {{ app }} -n 10 --no-pager
sed -i 's/pool_size: {{ pool }}/pool_size: 80/' /srv/{{ app }}/config/settings.yaml
systemctl restart {{ app }}
sleep 60
