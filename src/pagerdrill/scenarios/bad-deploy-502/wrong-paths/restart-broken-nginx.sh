# expect: unresolved
# A typo in the fix, no nginx -t, and a restart instead of a reload: nginx stops, every site is down.
sed -i 's/127.0.0.1:{{ old_port }};/127.0.0.1:{{ new_port }}/' /etc/nginx/sites-available/{{ app }}
systemctl restart nginx
curl -sI localhost/
