# expect: unresolved
# The renewal is fixed, but forced again and again (burning the rate limit), and nginx
# is never reloaded: it keeps serving the expired certificate it loaded at start.
sed -i '/^pre_hook\|^post_hook\|^authenticator\|^webroot_path/d' /etc/letsencrypt/renewal/{{ domain }}.conf
sed -i 's|^\[renewalparams\]$|[renewalparams]\nauthenticator = webroot\nwebroot_path = {{ acme_root }},|' /etc/letsencrypt/renewal/{{ domain }}.conf
certbot renew --force-renewal
certbot renew --force-renewal
certbot renew --force-renewal
certbot renew --force-renewal
curl -sS -o /dev/null https://{{ domain }}/health
