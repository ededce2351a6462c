"""An HAProxy-like load balancer in front of authsvc nodes, and the logins flowing through it.

It reads the ``server NAME HOST:PORT ...`` lines of the backend section of
``/etc/haproxy/haproxy.cfg`` at start and on reload (SIGHUP); a line marked
``disabled`` or commented out takes the node out of rotation. Health checks are
``GET /health``, which a node passes while its process runs.

Real users log in all the time: a login is issued by one node (round robin) and
its session checked by another, so each second every (issuer, verifier) pair of
healthy nodes carries an equal share. A pair fails when the verifier's clock
says the token is not active yet (or already expired); that share of the
checks is answered 401 and the verifier logs a rejection. The p99 latency grows
as the remaining nodes' utilisation nears 1.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.rng import Rng, derive_seed

from .authsvc import AuthService

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["CONFIG_PATH", "AuthBalancer", "Backend", "parse_backends"]

CONFIG_PATH = "/etc/haproxy/haproxy.cfg"
BASELINE_401 = 0.004  # mistyped passwords: the 401s there always are


@dataclass(frozen=True)
class Backend:
    name: str
    address: str
    port: int


def parse_backends(text: str) -> list[Backend]:
    """The enabled ``server`` lines of the ``backend`` sections."""
    found: list[Backend] = []
    in_backend = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if raw[:1].strip() and words[0] in ("global", "defaults", "frontend", "backend",
                                            "listen"):
            in_backend = words[0] in ("backend", "listen")
            continue
        if in_backend and words[0] == "server" and len(words) >= 3 and "disabled" not in words:
            address, _, port = words[2].rpartition(":")
            if port.isdigit():
                found.append(Backend(words[1], address, int(port)))
    return found


class AuthBalancer:
    """The Program behind haproxy.service's main pid."""

    def __init__(self, logins_per_second: float = 60.0, node_capacity: float = 34.0,
                 base_latency_ms: float = 42.0, config_path: str = CONFIG_PATH) -> None:
        self.logins_per_second = logins_per_second
        self.node_capacity = node_capacity
        self.base_latency_ms = base_latency_ms
        self.config_path = config_path
        self.backends: list[Backend] = []
        self.host: Host
        self.logins = 0.0
        self.unauthorized = 0.0
        self.skew_failures = 0.0  # the share of logins failing for clock reasons, last second
        self._next = 0
        self._rng: Rng

    def start(self, host: Host, proc: Process) -> None:
        self.host = host
        self._rng = Rng(derive_seed(host.world.seed, host.name, "haproxy", proc.pid))
        proc.argv = ["/usr/sbin/haproxy", "-Ws", "-f", self.config_path, "-p",
                     "/run/haproxy.pid", "-S", "/run/haproxy-master.sock"]
        proc.rss_kb, proc.vsz_kb = 14_000, 96_000
        self.load_config()
        host.listen(80, proc, self.handle)

    def stop(self, host: Host, proc: Process) -> None:
        self.backends = []

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        if sig is Signal.SIGHUP or sig is Signal.SIGUSR2:
            self.load_config()
            return SignalAction.HANDLED
        return SignalAction.DEFAULT

    def load_config(self) -> None:
        """(Re)read the backend servers, as at start and on reload."""
        self.backends = parse_backends(self.host.fs.read_text(self.config_path) or "")

    # -- the nodes ------------------------------------------------------------------

    def service(self, backend: Backend) -> AuthService | None:
        """The authsvc answering on a backend, if its process runs."""
        node = self.host.world.host(backend.address)
        listener = node.listeners.get(backend.port) if node else None
        proc = node.procs.get(listener.pid) if node and listener else None
        program = proc.program if proc else None
        inner = getattr(program, "inner", program)  # ConfiguredProgram wraps scenario programs
        return inner if isinstance(inner, AuthService) else None

    def healthy(self) -> list[AuthService]:
        return [s for b in self.backends if (s := self.service(b)) is not None]

    def failing_share(self, log: bool = False) -> float:
        """The share of session checks one node rejects for another's tokens."""
        nodes = self.healthy()
        if not nodes:
            return 1.0
        failed = 0
        logged: set[int] = set()
        for issuer in nodes:
            issued = issuer.now_s()
            for verifier in nodes:
                error = verifier.check_claims(issued, issuer.config.ttl_s)
                if error is not None:
                    failed += 1
                    if log and id(verifier) not in logged:  # one sample line a second
                        logged.add(id(verifier))
                        claims = {"sub": f"user-{self._rng.randint(10000, 99999)}",
                                  "iat": issued, "nbf": issued,
                                  "exp": issued + issuer.config.ttl_s}
                        verifier.log_rejection(error, claims, "/v1/session")
        return failed / (len(nodes) ** 2)

    def utilisation(self) -> float:
        nodes = len(self.healthy())
        return self.logins_per_second / (nodes * self.node_capacity) if nodes else 1.0

    def latency_p99_ms(self) -> float:
        return self.base_latency_ms / (1 - min(self.utilisation(), 0.97)) * 0.6

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        share = self.failing_share(log=True)
        logins = self.logins_per_second * dt_ms / 1000
        self.skew_failures = share
        self.logins += logins
        self.unauthorized += logins * (BASELINE_401 + (1 - BASELINE_401) * share)

    # -- HTTP -------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        nodes = [(b, s) for b in self.backends if (s := self.service(b)) is not None]
        if not nodes:
            return HttpResponse(503, b"<html><body><h1>503 Service Unavailable</h1>\n"
                                b"No server is available to handle this request.\n"
                                b"</body></html>\n", {"Content-Type": "text/html"})
        self._next = (self._next + 1) % len(nodes)
        return nodes[self._next][1].handle(request)
