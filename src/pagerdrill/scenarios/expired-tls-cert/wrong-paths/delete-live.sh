# expect: unresolved
# Deleting the live directory to "start fresh" breaks the lineage certbot renews.
rm -rf /etc/letsencrypt/live/{{ domain }}
certbot renew
nginx -t
