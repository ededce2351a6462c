# expect: unresolved
# Restarting the service that logs the errors: it comes back on the same wrong clock.
ssh {{ node }}-0{{ bad }} journalctl -u authsvc -n 1 --no-pager
ssh {{ node }}-0{{ bad }} systemctl restart authsvc
sleep 30
ssh {{ node }}-0{{ bad }} journalctl -u authsvc -n 1 --no-pager
