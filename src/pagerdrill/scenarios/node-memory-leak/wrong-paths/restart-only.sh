# expect: mitigated
# A restart brings memory back to baseline, but the leak is still there: it creeps again.
systemctl restart {{ app }}
sleep 600
curl -s localhost:8080/metrics | grep process_resident
