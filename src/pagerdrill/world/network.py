"""Listening sockets and the HTTP exchanges that reach them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["HttpRequest", "HttpResponse", "Listener"]


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    host: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    client: str = ""  # the peer's address, as the server sees it ("" : a local client)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    reason: str = ""


HttpHandler = Callable[[HttpRequest], HttpResponse]


@dataclass(eq=False)
class Listener:
    """A TCP socket in LISTEN state owned by a process (what ``ss -tlnp`` shows)."""

    port: int
    pid: int
    address: str = "0.0.0.0"
    handler: HttpHandler | None = None
