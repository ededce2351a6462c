# expect: mitigated
# Ten minutes of clockTolerance on every node hides the skew (and accepts expired tokens).
for h in $(awk '$1 == "server" {print $2}' /etc/haproxy/haproxy.cfg); do ssh $h "sed -i 's/clockToleranceSeconds\": 5/clockToleranceSeconds\": 600/' /etc/authsvc/config.json && systemctl restart authsvc"; done
sleep 20
