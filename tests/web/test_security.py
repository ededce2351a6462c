"""Origin checks and the token-bucket rate limiter."""

from __future__ import annotations

from pagerdrill.web.security import RateLimiter, same_origin
from web.kit import FakeClock


def test_only_the_server_s_own_origin_may_open_a_socket() -> None:
    assert same_origin("http://127.0.0.1:8000", "127.0.0.1:8000", "ws")
    assert same_origin("https://drills.example", "drills.example", "wss")
    assert not same_origin("http://evil.example", "127.0.0.1:8000", "ws")
    assert not same_origin("https://127.0.0.1:8000", "127.0.0.1:8000", "ws")
    assert not same_origin(None, "127.0.0.1:8000", "ws")
    assert not same_origin("null", "127.0.0.1:8000", "ws")


def test_a_bucket_allows_bursts_then_refills_at_its_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate=2.0, burst=3.0, clock=clock)
    assert [limiter.allow("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.allow("a") == 0.5
    assert limiter.allow("b") == 0.0  # buckets are per key
    clock.now += 0.5
    assert limiter.allow("a") == 0.0
