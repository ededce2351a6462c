# The expert path for "The Node.js Memory Leak (WebSocket Edition)".
# Confirm: memory near MemoryMax, OOM kills in the kernel log, Node's own warning.
systemctl status {{ app }}
journalctl -k --no-pager | grep -i 'out of memory' | tail -n 3
journalctl -u {{ app }} --no-pager | grep -A1 MaxListeners | tail -n 2
curl -s localhost:8080/metrics | grep -E '^(ws_connections_active|process_resident)'
# Two heap snapshots a few minutes apart (the app dumps its heap on SIGUSR2), compared.
cd /srv/{{ app }}
kill -USR2 $(pidof node)
sleep 240
kill -USR2 $(pidof node)
ls -l *.heapsnapshot
npx memlab analyze unbound-object --snapshot-dir /srv/{{ app }}
npx memlab analyze unbound-shape --snapshot-dir /srv/{{ app }}
npx memlab trace --snapshot $(ls *.heapsnapshot | tail -n 1) --node-id=@31
# Heap snapshots hold whatever the heap held (tokens, messages): do not leave them around.
rm -f /srv/{{ app }}/*.heapsnapshot
git log -p -n 1 -- src/ws.js
diagnose 2
# Mitigate: a fresh process (memory back to baseline; it would creep again).
systemctl restart {{ app }}
# Resolve: keep the listener, remove it when the socket closes; commit and deploy.
printf '%s\n' "'use strict';" "const metrics = require('./metrics');" "const { handleMessage } = require('./handlers');" "" "function setupWebSocket(socket, req) {" "  metrics.connections.inc();" "  // GW-142: tell the client we are going away on shutdown." "  const cleanup = () => socket.close(1001, 'server shutting down');" "  process.on('SIGTERM', cleanup);" "  socket.on('message', (data) => handleMessage(socket, data));" "  socket.on('close', () => {" "    metrics.connections.dec();" "    // Remove the listener when the connection closes" "    process.removeListener('SIGTERM', cleanup);" "  });" "}" "" "module.exports = { setupWebSocket };" > src/ws.js
git diff
git commit -am "Remove the per-connection SIGTERM listener when the socket closes (GW-142 follow-up)"
systemctl restart {{ app }}
# Prevent: page on the slope of resident memory, hours before the OOM kill.
printf '%s\n' '      - alert: GatewayMemoryGrowing' '        expr: predict_linear(process_resident_memory_bytes{job="{{ app }}"}[2h], 6 * 3600) > 550 * 1024 * 1024' '        for: 30m' '        labels:' '          severity: page' '        annotations:' '          summary: "{{ app }} resident memory will reach 550MB within 6h"' >> /etc/prometheus/rules/{{ app }}.yml
sleep 600
curl -s localhost:8080/metrics | grep -E '^(ws_connections_active|process_resident)'
