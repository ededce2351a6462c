"""authsvc: a Node.js login service that issues and verifies JWTs (jsonwebtoken 9).

It reads ``/etc/authsvc/config.json`` at start (``port``, ``accessTokenTtlSeconds``,
``clockToleranceSeconds``, ``secretFile``) and answers:
- ``POST /v1/login``: a signed access token (iat/nbf/exp from this host's clock);
- ``GET /v1/session`` with ``Authorization: Bearer TOKEN``: 200 with the claims, or
  401 with jsonwebtoken's message, logged with the token's iat/nbf/exp and "now";
- ``GET /health``: 200 while the process runs: it checks nothing about tokens.

It logs pino JSON lines to stdout, so they land in the journal stamped with this
host's clock. A config that is not JSON kills it at start, as ``require`` would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.services import JournalEntry

from .app import BOOTING
from .jwt import JwtError, decode_unverified, sign, verify
from .stamps import iso_ms

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["CONFIG_PATH", "AuthConfig", "AuthService", "read_config"]

CONFIG_PATH = "/etc/authsvc/config.json"
_STACK = {"NotBeforeError": "verify.js:165:21", "TokenExpiredError": "verify.js:190:21",
          "JsonWebTokenError": "verify.js:133:19"}


@dataclass(frozen=True)
class AuthConfig:
    port: int = 8080
    ttl_s: int = 300
    tolerance_s: int = 0
    secret_file: str = "/etc/authsvc/jwt.key"


def read_config(host: Host, path: str = CONFIG_PATH) -> AuthConfig:
    """The service's settings; ValueError (with JSON's message) when it cannot parse."""
    data = json.loads(host.fs.read_text(path) or "{}")
    if not isinstance(data, dict):
        raise ValueError("config is not an object")
    return AuthConfig(port=int(data.get("port", 8080)),
                      ttl_s=int(data.get("accessTokenTtlSeconds", 300)),
                      tolerance_s=int(data.get("clockToleranceSeconds", 0)),
                      secret_file=str(data.get("secretFile", "/etc/authsvc/jwt.key")))


class AuthService:
    """The Program behind authsvc.service's main pid."""

    def __init__(self, config_path: str = CONFIG_PATH) -> None:
        self.config_path = config_path
        self.config = AuthConfig()
        self.secret = b""
        self.host: Host
        self._pid = 0
        self._unit = ""
        self._crash: str | None = None
        self._req = 0
        self.rejected = 0

    def start(self, host: Host, proc: Process) -> None:
        self.host = host
        self._pid, self._unit = proc.pid, proc.unit
        proc.rss_kb, proc.vsz_kb = 88_000, 1_020_000
        try:
            self.config = read_config(host, self.config_path)
        except (ValueError, TypeError) as error:
            self._crash = f"SyntaxError: {self.config_path}: {error}"
            return
        self.secret = (host.fs.read_text(self.config.secret_file) or "").strip().encode()
        host.listen(self.config.port, proc, self.handle)
        if not host.world.facts.get(BOOTING):  # started long before the page: no fresh line
            self.log_listening()

    def log_slow_pool(self, waited_ms: int, at_ms: int | None = None) -> None:
        """pg's pool took long to hand out a client (a warning the service shrugs off)."""
        self._log(40, {"poolSize": 20, "waitingCount": waited_ms // 250, "waitedMs": waited_ms},
                  "pg pool: slow client acquisition", at_ms)

    def log_listening(self, at_ms: int | None = None) -> None:
        """The start line (``at_ms`` of this host's clock, for history)."""
        self._log(30, {"port": self.config.port}, f"authsvc listening on :{self.config.port}",
                  at_ms)

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        if self._crash is not None:
            host.journal.add(JournalEntry(host.now_ms(), "node", self._crash, self._unit,
                                          self._pid, 3))
            host.procs.exit(proc.pid, 1)

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        self._log(30, {}, "received SIGTERM, shutting down")

    # -- tokens ------------------------------------------------------------------

    def now_s(self) -> int:
        """Date.now() / 1000, floored: this host's clock."""
        return self.host.now_ms() // 1000

    def issue(self, subject: str) -> str:
        return sign({"sub": subject, "scope": "shop"}, self.secret, self.now_s(),
                    self.config.ttl_s)

    def check(self, token: str) -> JwtError | None:
        """None when this node accepts the token."""
        try:
            verify(token, self.secret, self.now_s(), self.config.tolerance_s)
        except JwtError as error:
            return error
        return None

    def check_claims(self, issued_s: int, ttl_s: int,
                     now_s: int | None = None) -> JwtError | None:
        """The time checks alone, for a token issued at ``issued_s`` (load-balanced
        traffic, without signing every request), at this host's ``now_s``."""
        now = self.now_s() if now_s is None else now_s
        tolerance = self.config.tolerance_s
        if issued_s > now + tolerance:
            return JwtError("NotBeforeError", "jwt not active", issued_s)
        if now >= issued_s + ttl_s + tolerance:
            return JwtError("TokenExpiredError", "jwt expired", issued_s + ttl_s)
        return None

    def log_rejection(self, error: JwtError, claims: dict[str, Any], path: str,
                      at_ms: int | None = None) -> None:
        """A pino warning for a refused token, stamped with this host's clock (or
        ``at_ms`` of it, for history written before the page)."""
        self.rejected += 1
        self._req += 1
        when = error.date_s or 0
        err = {"type": error.name, "message": error.message,
               "stack": f"{error}\n    at /opt/authsvc/node_modules/jsonwebtoken/"
                        f"{_STACK.get(error.name, 'verify.js:133:19')}",
               ("expiredAt" if error.name == "TokenExpiredError" else "date"):
                   iso_ms(when * 1000)}
        fields = {"req": {"id": self._req, "method": "GET", "url": path}, "err": err,
                  "token": {k: claims[k] for k in ("sub", "iat", "nbf", "exp") if k in claims},
                  "now": (self.host.now_ms() if at_ms is None else at_ms) // 1000}
        self._log(40, fields, "token rejected", at_ms)

    # -- HTTP --------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        json_type = {"Content-Type": "application/json; charset=utf-8",
                     "X-Powered-By": "Express"}
        if request.path == "/health":
            return HttpResponse(200, b'{"status":"ok"}', json_type)
        if request.path == "/v1/login" and request.method == "POST":
            token = self.issue("user-" + str(self._req + 1000))
            self._req += 1
            body = {"access_token": token, "token_type": "Bearer",
                    "expires_in": self.config.ttl_s}
            return HttpResponse(200, json.dumps(body, separators=(",", ":")).encode(), json_type)
        if request.path == "/v1/session":
            auth = request.headers.get("Authorization", "")
            token = auth.removeprefix("Bearer ").strip()
            error = (self.check(token) if token
                     else JwtError("JsonWebTokenError", "jwt must be provided"))
            if error is None:
                self._req += 1
                return HttpResponse(200, json.dumps(decode_unverified(token),
                                                    separators=(",", ":")).encode(), json_type)
            try:
                claims = decode_unverified(token)
            except JwtError:
                claims = {}
            self.log_rejection(error, claims, request.path)
            body = {"error": "invalid_token", "message": error.message}
            return HttpResponse(401, json.dumps(body, separators=(",", ":")).encode(), json_type)
        return HttpResponse(404, f"Cannot {request.method} {request.path}".encode(), json_type)

    def _log(self, level: int, fields: dict[str, Any], message: str,
             at_ms: int | None = None) -> None:
        stamp = self.host.now_ms() if at_ms is None else at_ms
        record = {"level": level, "time": stamp, "pid": self._pid,
                  "hostname": self.host.name, **fields, "msg": message}
        self.host.journal.add(JournalEntry(stamp, "node",
                                           json.dumps(record, separators=(",", ":")),
                                           self._unit, self._pid, 4 if level >= 40 else 6))
