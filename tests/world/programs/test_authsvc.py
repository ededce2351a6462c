"""authsvc and its tokens: real HS256 JWTs judged by each host's own clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pagerdrill.world.builder import add_linux_host
from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpRequest
from pagerdrill.world.programs.authlb import AuthBalancer, parse_backends
from pagerdrill.world.programs.authsvc import AuthService
from pagerdrill.world.programs.jwt import JwtError, sign, verify
from pagerdrill.world.services import Unit
from pagerdrill.world.world import World

SECRET = b"s3cret"
CONFIG = b'{"port": 8080, "accessTokenTtlSeconds": 300, "clockToleranceSeconds": 5}\n'


def test_tokens_are_standard_hs256_jwts() -> None:
    token = sign({"sub": "u1"}, SECRET, 1_700_000_000, 300)
    head, payload, mac = token.split(".")
    pad = "=" * (-len(payload) % 4)
    assert json.loads(base64.urlsafe_b64decode(head + "==")) == {"alg": "HS256", "typ": "JWT"}
    assert json.loads(base64.urlsafe_b64decode(payload + pad)) == {
        "sub": "u1", "iat": 1_700_000_000, "nbf": 1_700_000_000, "exp": 1_700_000_300}
    expected = hmac.new(SECRET, f"{head}.{payload}".encode(), hashlib.sha256).digest()
    assert mac == base64.urlsafe_b64encode(expected).rstrip(b"=").decode()


@pytest.mark.parametrize(("now", "tolerance", "error"), [
    (1_700_000_000, 0, None), (1_699_999_990, 0, "NotBeforeError: jwt not active"),
    (1_699_999_996, 5, None), (1_700_000_300, 0, "TokenExpiredError: jwt expired"),
    (1_700_000_304, 5, None), (1_700_000_305, 5, "TokenExpiredError: jwt expired"),
])
def test_verify_judges_time_claims_like_jsonwebtoken(now: int, tolerance: int,
                                                     error: str | None) -> None:
    token = sign({"sub": "u1"}, SECRET, 1_700_000_000, 300)
    try:
        verify(token, SECRET, now, tolerance)
        got = None
    except JwtError as failure:
        got = str(failure)
    assert got == error


@pytest.mark.parametrize(("token", "message"), [
    ("abc", "jwt malformed"), ("a.!!!.c", "invalid token"),
])
def test_bad_tokens_give_jsonwebtokens_messages(token: str, message: str) -> None:
    with pytest.raises(JwtError) as caught:
        verify(token, SECRET, 0)
    assert (caught.value.name, caught.value.message) == ("JsonWebTokenError", message)


def test_a_wrong_key_is_an_invalid_signature() -> None:
    token = sign({"sub": "u1"}, b"other", 1_700_000_000, 300)
    with pytest.raises(JwtError, match="invalid signature"):
        verify(token, SECRET, 1_700_000_000)


def node(world: World, name: str, ip: str, offset_ms: float = 0.0) -> tuple[Host, AuthService]:
    host = add_linux_host(world, name, ip)
    host.fs.put("/etc/authsvc/config.json", CONFIG)
    host.fs.put("/etc/authsvc/jwt.key", SECRET + b"\n")
    service = AuthService()
    host.services.add(Unit("authsvc", "authsvc", ["/usr/bin/node", "server.js"],
                           program_factory=lambda: service))
    host.clock_offset_ms = offset_ms
    return host, service


def test_a_node_behind_refuses_tokens_from_a_node_on_time(world: World) -> None:
    _, good = node(world, "auth-01", "10.0.2.11")
    bad_host, bad = node(world, "auth-02", "10.0.2.12", offset_ms=-240_000)
    login = good.handle(HttpRequest("POST", "/v1/login", "auth-01"))
    token = json.loads(login.body)["access_token"]
    check = HttpRequest("GET", "/v1/session", "auth-02", {"Authorization": f"Bearer {token}"})
    response = bad.handle(check)
    assert (response.status, json.loads(response.body)["message"]) == (401, "jwt not active")
    assert good.handle(check).status == 200
    logged = json.loads(bad_host.journal.entries[-1].message)
    assert logged["err"]["type"] == "NotBeforeError" and logged["msg"] == "token rejected"
    assert logged["token"]["nbf"] - logged["now"] == 240
    assert bad_host.journal.entries[-1].t_ms == world.clock.now_ms - 240_000
    assert bad.handle(HttpRequest("GET", "/health", "auth-02")).status == 200


def test_a_config_that_is_not_json_kills_the_service(world: World) -> None:
    host, _ = node(world, "auth-01", "10.0.2.11")
    host.fs.put("/etc/authsvc/config.json", b'{"port": 8080,,}\n')
    host.services.restart("authsvc")
    world.advance(1)
    assert any("SyntaxError: /etc/authsvc/config.json" in e.message for e in host.journal.entries)
    assert 8080 not in host.listeners


def test_the_balancer_counts_cross_node_rejections(world: World) -> None:
    lb = add_linux_host(world, "lb-01", "10.0.2.5")
    for i in range(1, 4):
        node(world, f"auth-0{i}", f"10.0.2.1{i}", offset_ms=-200_000 if i == 2 else 0)
    lb.fs.put("/etc/haproxy/haproxy.cfg", b"frontend f\n    bind *:80\nbackend auth_nodes\n"
              + b"".join(f"    server auth-0{i} 10.0.2.1{i}:8080 check\n".encode()
                         for i in range(1, 4)))
    balancer = AuthBalancer(logins_per_second=60)
    lb.services.add(Unit("haproxy", "HAProxy", ["/usr/sbin/haproxy"],
                         program_factory=lambda: balancer))
    assert balancer.failing_share() == pytest.approx(2 / 9)  # auth-02 refuses two issuers
    world.advance(10)
    assert balancer.unauthorized / balancer.logins == pytest.approx(0.004 + 0.996 * 2 / 9)
    assert lb.listeners[80].handler is not None


def test_parse_backends_skips_disabled_and_commented_servers() -> None:
    text = ("backend b\n    server a 10.0.0.1:8080 check\n    server b 10.0.0.2:8080 disabled\n"
            "#   server c 10.0.0.3:8080\nfrontend f\n    server d 10.0.0.4:80\n")
    assert [b.name for b in parse_backends(text)] == ["a"]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2_000_000_000), st.integers(-1000, 1000), st.integers(0, 60),
       st.integers(1, 3600))
def test_a_token_is_valid_exactly_inside_its_window(issued: int, delta: int, tolerance: int,
                                                    ttl: int) -> None:
    token = sign({"sub": "u"}, SECRET, issued, ttl)
    now = issued + delta
    try:
        verify(token, SECRET, now, tolerance)
        valid = True
    except JwtError:
        valid = False
    assert valid == (issued - tolerance <= now < issued + ttl + tolerance)
