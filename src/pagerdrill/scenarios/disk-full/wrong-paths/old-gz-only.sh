# expect: unresolved
# The seed's "immediate relief" alone: the app's queued log records eat it at once.
find /var/log -name "*.gz" -mtime +7 -delete
sleep 30
df -h /
curl -s -o /dev/null -w '%{http_code}\n' localhost/health
