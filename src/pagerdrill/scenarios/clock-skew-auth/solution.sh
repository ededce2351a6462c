# The expert path for "logged out right after signing in": one node lives in another time.
# The pool behind the load balancer, and what the failures look like.
cat /etc/haproxy/haproxy.cfg
curl -s localhost/health
ssh {{ node }}-01 journalctl -u authsvc -n 2 --no-pager
ssh {{ node }}-0{{ bad }} journalctl -u authsvc -n 2 --no-pager
# The token was refused for its time claims: compare the nodes' clocks.
date
ssh {{ node }}-0{{ bad }} date
ssh {{ node }}-0{{ bad }} timedatectl
ssh {{ node }}-0{{ bad }} systemctl status chrony
ssh {{ node }}-0{{ bad }} cat /root/.bash_history
diagnose 2
# Resolve: the time daemon back on, enabled; makestep steps the clock at its first update.
ssh {{ node }}-0{{ bad }} systemctl enable --now chrony
sleep 10
ssh {{ node }}-0{{ bad }} chronyc tracking
ssh {{ node }}-0{{ bad }} timedatectl
# Prevent: page on clock offset before tokens start failing.
printf '  - name: clock\n    rules:\n      - alert: HostClockSkew\n        expr: abs(node_timex_offset_seconds) > 0.05\n        for: 5m\n        labels:\n          severity: page\n        annotations:\n          summary: Clock is more than 50 ms off\n' >> /etc/prometheus/rules/node.yml
sleep 5
