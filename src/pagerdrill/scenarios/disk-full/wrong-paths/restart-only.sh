# expect: unresolved
# Restarting while the disk is full changes nothing.
systemctl restart {{ app }}
systemctl restart postgresql
sleep 30
curl -s -o /dev/null -w '%{http_code}\n' localhost/health
