# expect: unresolved
# Restarting the app (or stopping it) changes nothing: the release still listens on the new port.
systemctl restart {{ app }}
sleep 5
systemctl stop {{ app }}
curl -sI localhost/
