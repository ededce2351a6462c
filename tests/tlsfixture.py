"""A host serving a Let's Encrypt-like chain on :443, and the same files for the real openssl
(shared by the openssl, curl and certbot tests); certbot's lineage and renewal configuration
for shop.example.com (shared by the certbot and renewal tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pagerdrill.world.builder import add_linux_host, new_world, parse_instant
from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpResponse
from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.tls import (
    Chain,
    install_lineage,
    install_trust_store,
    issue_leaf,
    leaf_key,
    pem,
    root_certificate,
)

NAMES = ["shop.example.com", "www.shop.example.com"]
ISSUED = "2026-01-14T04:42:00Z"  # expires 2026-04-14T04:41:59Z


class TlsServer:
    """Just enough of a web server: a certificate per port and 200 for every request."""

    def __init__(self, served: bytes) -> None:
        self.certificates = {443: served}

    def start(self, host: Host, proc: Process) -> None:
        host.listen(443, proc, lambda _request: HttpResponse(200, b"ok\n"))
        host.listen(80, proc, lambda _request: HttpResponse(301, b""))

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        del host, proc, dt_ms

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        return SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        del host, proc


@dataclass
class TlsSite:
    host: Host
    chain: Chain
    files: Path

    def at(self, iso: str) -> None:
        """Move the world's clock (as -attime moves the real openssl's)."""
        self.host.world.clock.advance(parse_instant(iso) - self.host.world.clock.now_ms)


def make_site(tmp_path: Path, now: str) -> TlsSite:
    tmp_path.mkdir(parents=True, exist_ok=True)
    world = new_world(seed=0, start=ISSUED)
    chain = issue_leaf(NAMES, leaf_key(11), parse_instant(ISSUED), 0x03 << 136 | 0xBEEF)
    host = add_linux_host(world, "web-01")
    install_trust_store(host)
    host.fs.put("/etc/hosts", b"127.0.0.1 localhost\n10.0.1.10 shop.example.com "
                              b"www.shop.example.com\n")
    host.fs.put("/root/cert.pem", chain.cert)
    host.fs.put("/root/chain.pem", chain.chain)
    host.fs.put("/root/fullchain.pem", chain.fullchain)
    host.fs.put("/root/root.pem", pem(root_certificate()))
    host.procs.spawn(["nginx"], program=TlsServer(chain.fullchain))
    for name, data in (("cert.pem", chain.cert), ("chain.pem", chain.chain),
                       ("fullchain.pem", chain.fullchain), ("privkey.pem", chain.key),
                       ("root.pem", pem(root_certificate()))):
        (tmp_path / name).write_bytes(data)
    site = TlsSite(host, chain, tmp_path)
    site.at(now)
    return site


EXPIRED = "2026-04-15T07:42:00Z"  # a day after the certificate expired



RENEWAL = "/etc/letsencrypt/renewal/shop.example.com.conf"
_RENEWAL_CONF = """# renew_before_expiry = 30 days
version = 2.1.0
archive_dir = /etc/letsencrypt/archive/shop.example.com
cert = /etc/letsencrypt/live/shop.example.com/cert.pem
privkey = /etc/letsencrypt/live/shop.example.com/privkey.pem
chain = /etc/letsencrypt/live/shop.example.com/chain.pem
fullchain = /etc/letsencrypt/live/shop.example.com/fullchain.pem

[renewalparams]
account = 0123456789abcdef
key_type = ecdsa
{params}
server = https://acme-v02.api.letsencrypt.org/directory
"""


def renewal_conf(params: str) -> str:
    """shop.example.com's renewal configuration as certbot 2.1 writes it, with ``params``
    (authenticator, hooks, webroot...) among its [renewalparams]."""
    return _RENEWAL_CONF.format(params=params)


def install_renewal(host: Host, params: str, issued_ms: int, *, key_seed: int,
                    serial: int) -> None:
    """Certbot's lineage for shop.example.com on ``host``: issuance 1 of NAMES (issued at
    ``issued_ms``, key ``leaf_key(key_seed)``) and its renewal configuration."""
    chain = issue_leaf(NAMES, leaf_key(key_seed), issued_ms, serial)
    install_lineage(host.fs, "shop.example.com", chain, 1)
    host.fs.put(RENEWAL, renewal_conf(params).encode())
