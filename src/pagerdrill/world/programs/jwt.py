"""JSON Web Tokens as node-jsonwebtoken 9 signs and verifies them (HS256 only).

A token is ``base64url(header).base64url(payload).base64url(HMAC-SHA256)``; the
payload's ``iat``/``nbf``/``exp`` are whole seconds of the *signing host's*
clock, and verification compares them with the *verifying host's* clock, give
or take ``clockTolerance`` seconds: exactly why a skewed node rejects good tokens.
Errors carry jsonwebtoken's class names and messages (``NotBeforeError: jwt not
active``, ``TokenExpiredError: jwt expired``, ``JsonWebTokenError: invalid
signature``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["JwtError", "decode_unverified", "sign", "verify"]


@dataclass(frozen=True)
class JwtError(Exception):
    """A verification failure: ``name`` is the error class, ``date`` the claim (seconds)
    that failed for the time-based errors (jsonwebtoken's ``date``/``expiredAt``)."""

    name: str
    message: str
    date_s: int | None = None

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json(value: object) -> bytes:
    # JSON.stringify: no spaces, insertion order kept.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def sign(claims: dict[str, Any], secret: bytes, now_s: int, ttl_s: int) -> str:
    """``jwt.sign(claims, secret, {expiresIn: ttl, notBefore: 0})`` at ``now_s``."""
    payload = {**claims, "iat": now_s, "nbf": now_s, "exp": now_s + ttl_s}
    head = _b64(_json({"alg": "HS256", "typ": "JWT"})) + "." + _b64(_json(payload))
    mac = hmac.new(secret, head.encode(), hashlib.sha256).digest()
    return head + "." + _b64(mac)


def decode_unverified(token: str) -> dict[str, Any]:
    """The payload without checking anything (``jwt.decode``); raises JwtError."""
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError("JsonWebTokenError", "jwt malformed")
    try:
        payload = json.loads(_unb64(parts[1]))
    except (binascii.Error, ValueError):
        raise JwtError("JsonWebTokenError", "invalid token") from None
    if not isinstance(payload, dict):
        raise JwtError("JsonWebTokenError", "invalid token")
    return payload


def verify(token: str, secret: bytes, now_s: int, tolerance_s: int = 0) -> dict[str, Any]:
    """``jwt.verify(token, secret, {clockTolerance})`` at ``now_s``: the payload, or
    JwtError in the order jsonwebtoken checks (signature, then nbf, then exp)."""
    payload = decode_unverified(token)
    head, _, mac = token.rpartition(".")
    expected = _b64(hmac.new(secret, head.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(mac, expected):
        raise JwtError("JsonWebTokenError", "invalid signature")
    nbf = payload.get("nbf")
    if isinstance(nbf, int) and nbf > now_s + tolerance_s:
        raise JwtError("NotBeforeError", "jwt not active", nbf)
    exp = payload.get("exp")
    if isinstance(exp, int) and now_s >= exp + tolerance_s:
        raise JwtError("TokenExpiredError", "jwt expired", exp)
    return payload
