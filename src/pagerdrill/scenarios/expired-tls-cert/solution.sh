# The expert path for the expired certificate: see it as a client, find why renewal failed, fix, prevent.
# Clients fail in the TLS handshake, before any HTTP request: nginx and the app look fine.
curl -sS -o /dev/null https://{{ domain }}/health
openssl s_client -connect {{ domain }}:443 -servername {{ domain }} </dev/null
openssl x509 -noout -dates -in /etc/letsencrypt/live/{{ domain }}/cert.pem
# Renewal runs from a timer: it ran, so it failed. Read what it said.
systemctl list-timers
systemctl status certbot.service
journalctl -u certbot.service --no-pager -n 12
cat /etc/letsencrypt/renewal/{{ domain }}.conf
grep -A2 acme-challenge /etc/nginx/sites-available/{{ app }}
diagnose 3
# Renew through the webroot nginx serves challenges from, without Apache's hooks; reload nginx on renewal.
sed -i '/^pre_hook\|^post_hook\|^authenticator\|^webroot_path/d' /etc/letsencrypt/renewal/{{ domain }}.conf
sed -i 's|^\[renewalparams\]$|[renewalparams]\nauthenticator = webroot\nwebroot_path = {{ acme_root }},\nrenew_hook = systemctl reload nginx|' /etc/letsencrypt/renewal/{{ domain }}.conf
certbot renew --dry-run
certbot renew
nginx -t
systemctl reload nginx
curl -sS -o /dev/null -w '%{http_code}\n' https://{{ domain }}/health
# Prevent: alert two weeks before the certificate users see expires.
printf '      - alert: TLSCertificateExpiringSoon\n        expr: probe_ssl_earliest_cert_expiry{job="blackbox-https"} - time() < 86400 * 14\n        for: 1h\n        labels:\n          severity: page\n' >> /etc/prometheus/rules/blackbox.yml
systemctl is-enabled certbot.timer
