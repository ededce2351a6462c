# expect: unresolved
# Restarting the web server loads the same expired certificate again.
systemctl restart nginx
systemctl reload nginx
curl -sS -o /dev/null https://{{ domain }}/health
