# expect: unresolved
# Raising the listener limit silences Node's warning; nothing is deployed and the leak stays.
cd /srv/{{ app }}
sed -i "s/^'use strict';$/&\nprocess.setMaxListeners(0);/" app.js
git commit -am "Silence MaxListenersExceededWarning"
sleep 120
curl -s localhost:8080/metrics | grep process_resident
