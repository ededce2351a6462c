# expect: mitigated
# Turning the account page's widget off stops the slow query: users are served, the index is still missing.
sed -i 's/recent_orders: true/recent_orders: false/' /srv/{{ app }}/config/settings.yaml
systemctl restart {{ app }}
sleep 60
