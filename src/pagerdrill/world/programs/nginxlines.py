"""What nginx writes: combined-format access lines for background traffic, its error pages."""

from __future__ import annotations

from pagerdrill.world.content import LineFactory, PadFactory
from pagerdrill.world.rng import Rng

from .stamps import nginx_access

__all__ = ["access_lines", "access_pad", "error_page"]

_UA = ('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) '
       'Chrome/122.0.0.0 Safari/537.36',
       'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 '
       '(KHTML, like Gecko) Version/17.3 Mobile/15E148 Safari/604.1',
       'okhttp/4.12.0', 'kube-probe/1.29')
_REQ = ("GET /api/products/{n} HTTP/1.1", "GET /api/cart/{n} HTTP/1.1",
        "POST /api/checkout HTTP/1.1", "GET /api/orders/{n} HTTP/1.1", "GET /health HTTP/1.1",
        "GET /api/search?q=shoes&page={m} HTTP/1.1")
_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Moved Temporarily",
            400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Temporarily Unavailable"}


def error_page(status: int, version: str) -> bytes:
    """nginx's built-in error page."""
    title = f"{status} {_REASONS.get(status, '')}"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx/{version}</center>\r\n"
            f"</body>\r\n</html>\r\n").encode()


def _client(rng: Rng) -> str:
    return f"10.0.{rng.randint(1, 9)}.{rng.randint(2, 250)}"


def access_lines(status: int) -> LineFactory:
    """Combined-format lines for user traffic while the upstream answers ``status``."""

    def line(rng: Rng, t_ms: int) -> str:
        req = rng.choice(_REQ).format(n=rng.randint(1000, 99999), m=rng.randint(1, 9))
        code = status if status != 200 or rng.randrange(40) else 404
        size = rng.randint(180, 4000) if code == 200 else (157 if code == 502 else 97)
        return (f'{_client(rng)} - - [{nginx_access(t_ms)}] "{req}" {code} {size} "-" '
                f'"{rng.choice(_UA)}"')

    return line


def access_pad(status: int) -> PadFactory:
    """An access line of an exact size: a search with a long query string."""

    def pad(rng: Rng, t_ms: int, size: int) -> str:
        head = f'{_client(rng)} - - [{nginx_access(t_ms)}] "GET /api/search?q='
        tail = f' HTTP/1.1" {status} {rng.randint(180, 4000) if status == 200 else 97} "-" "-"'
        room = size - len(head) - len(tail)
        if room < 1:
            return (head + tail)[:size].ljust(size)
        words: list[str] = []
        used = 0
        while used < room:
            words.append(rng.choice(("red", "shoes", "size", "42", "sale", "men", "running")))
            used += len(words[-1]) + 1
        return head + "+".join(words)[:room].ljust(room, "+") + tail

    return pad
