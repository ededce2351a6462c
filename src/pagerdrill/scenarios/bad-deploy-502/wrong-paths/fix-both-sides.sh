# expect: mitigated
# nginx is pointed at the new port, and PORT is also pinned to the old one in shared/.env without a
# restart: users are served now, but the next restart of the app moves it back to the old port.
sed -i 's/127.0.0.1:{{ old_port }}/127.0.0.1:{{ new_port }}/' /etc/nginx/sites-available/{{ app }}
nginx -t
systemctl reload nginx
echo PORT={{ old_port }} >> /srv/{{ app }}/shared/.env
