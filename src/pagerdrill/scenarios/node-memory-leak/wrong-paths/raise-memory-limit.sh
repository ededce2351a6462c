# expect: mitigated
# More memory only moves the OOM kill later; the restart is what brought memory down.
mkdir -p /etc/systemd/system/{{ app }}.service.d
printf '%s\n' '[Service]' 'MemoryMax=2G' > /etc/systemd/system/{{ app }}.service.d/memory.conf
systemctl daemon-reload
systemctl restart {{ app }}
sleep 300
curl -s localhost:8080/metrics | grep process_resident
