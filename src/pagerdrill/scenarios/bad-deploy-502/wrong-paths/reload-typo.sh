# expect: unresolved
# A typo reloaded without nginx -t: nginx refuses the config and keeps serving the old one (502s).
sed -i 's/proxy_pass /proxy_pas /' /etc/nginx/sites-available/{{ app }}
nginx -s reload
sleep 10
curl -sI localhost/
