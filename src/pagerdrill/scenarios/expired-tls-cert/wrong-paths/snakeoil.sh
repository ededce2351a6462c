# expect: unresolved
# A self-signed certificate completes the handshake, and every client still refuses it.
sed -i 's|/etc/letsencrypt/live/{{ domain }}/fullchain.pem|/etc/ssl/certs/ssl-cert-snakeoil.pem|; s|/etc/letsencrypt/live/{{ domain }}/privkey.pem|/etc/ssl/private/ssl-cert-snakeoil.key|' /etc/nginx/sites-available/{{ app }}
nginx -t
systemctl reload nginx
curl -sS -o /dev/null https://{{ domain }}/health
