"""A small host running the WebSocket gateway, for program and tool tests."""

from __future__ import annotations

from pagerdrill.world.builder import add_linux_host, new_world
from pagerdrill.world.host import Host
from pagerdrill.world.programs.wsgateway import WsGateway, WsGatewaySpec
from pagerdrill.world.services import Unit

REPO = "/srv/gw"
LEAKY_WS = """'use strict';
function setupWebSocket(socket, req) {
  // GW-142: tell the client we are going away on shutdown.
  process.on('SIGTERM', () => {
    socket.close(1001, 'server shutting down');
  });
  socket.on('close', () => {
    metrics.connections.dec();
  });
}
module.exports = { setupWebSocket };
"""
FIXED_WS = """'use strict';
function setupWebSocket(socket, req) {
  const cleanup = () => socket.close(1001, 'server shutting down');
  process.on('SIGTERM', cleanup);
  socket.on('close', () => {
    process.removeListener('SIGTERM', cleanup);
  });
}
module.exports = { setupWebSocket };
"""
APP = """'use strict';
const v8 = require('v8');
process.on('SIGUSR2', () => {
  const file = v8.writeHeapSnapshot();
  console.log(`[gateway] heap snapshot written to ${file}`);
});
server.listen(8080, () => {});
"""
UNIT = """[Service]
ExecStart=/usr/bin/node /srv/gw/app.js
Restart=always
MemoryMax=600M
"""
SPEC = WsGatewaySpec(name="gw", repo=REPO, live_target=40, churn_per_min=1.0)


def gateway_host(ws: str = LEAKY_WS, app: str = APP, *, start: bool = True,
                 spec: WsGatewaySpec = SPEC) -> Host:
    """A host with the gateway's working tree and unit; the service started unless told."""
    world = new_world(seed=3)
    host = add_linux_host(world, "ws-01", mem_total_kb=4 * 1024 * 1024)
    host.fs.put(f"{REPO}/app.js", app.encode())
    host.fs.put(f"{REPO}/src/ws.js", ws.encode())
    host.fs.put("/etc/systemd/system/gw.service", UNIT.encode())
    host.services.add(Unit("gw", "gw gateway", ["/usr/bin/node", f"{REPO}/app.js"],
                           unit_path="/etc/systemd/system/gw.service", user="root",
                           restart="always", restart_sec_ms=5000,
                           program_factory=lambda: WsGateway(spec)), start=start)
    return host


def gateway(host: Host) -> WsGateway:
    proc = host.services.main_process(host.services.find("gw"))
    assert proc is not None and isinstance(proc.program, WsGateway)
    return proc.program
