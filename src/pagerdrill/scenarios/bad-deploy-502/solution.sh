# The expert path for "502 Bad Gateway right after a deploy".
# See it as users do, then ask nginx why.
curl -sI localhost/
tail -n 3 /var/log/nginx/error.log
# Where does the app listen, and what went out just before the errors began?
ss -tlnp
deploy status
git -C /srv/{{ app }}/repo log --stat -1
diagnose 2
# Fix forward: point the upstream at the new port, in the real file (sites-enabled is a symlink).
sed -i 's/127.0.0.1:{{ old_port }}/127.0.0.1:{{ new_port }}/' /etc/nginx/sites-available/{{ app }}
nginx -t
systemctl reload nginx
curl -s -o /dev/null -w '%{http_code}\n' localhost/health
# Prevent: the deploy's smoke test goes through nginx, as users do.
sed -i 's|^HEALTHCHECK_URL=$|HEALTHCHECK_URL=http://127.0.0.1/health|' /etc/deploy/{{ app }}.conf
deploy check
