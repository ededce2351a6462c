"""The simulated Let's Encrypt: orders, challenge tokens and the duplicate-certificate limit.

One CA serves the whole world (``acme_for(world)``). It remembers every certificate
it issued so that its rate limit behaves like Let's Encrypt's: at most five
certificates for the same exact set of names in 168 hours.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pagerdrill.world.rng import Rng, derive_seed

from .certs import Chain, issue_leaf, leaf_key

if TYPE_CHECKING:
    from pagerdrill.world.world import World

__all__ = ["Acme", "AcmeError", "acme_for"]

RATE_LIMIT = 5
RATE_WINDOW_MS = 168 * 3_600_000
BACKDATE_MS = 3_600_000  # Let's Encrypt backdates notBefore by an hour
_FACT = "tls.acme"


class AcmeError(Exception):
    """An error document from the CA, as certbot shows it."""


@dataclass
class Acme:
    seed: int
    issued: list[tuple[frozenset[str], int]] = field(default_factory=list)
    refusals: int = 0  # orders refused by the rate limit

    def record(self, names: list[str], t_ms: int) -> None:
        """An issuance that happened before the drill (rate limits count it)."""
        self.issued.append((frozenset(names), t_ms))

    def check_rate_limit(self, names: list[str], now_ms: int) -> None:
        """New orders for an exact set of names stop after five issuances in a week."""
        key = frozenset(names)
        recent = sorted(t for n, t in self.issued if n == key and now_ms - t < RATE_WINDOW_MS)
        if len(recent) >= RATE_LIMIT:
            self.refusals += 1
            retry = _dt.datetime.fromtimestamp((recent[0] + RATE_WINDOW_MS) // 1000, tz=_dt.UTC)
            raise AcmeError(
                f"too many certificates ({RATE_LIMIT}) already issued for this exact set of "
                f"identifiers in the last 168h0m0s, retry after {retry:%Y-%m-%d %H:%M:%S} UTC: "
                "see https://letsencrypt.org/docs/rate-limits/"
                "#new-certificates-per-exact-set-of-hostnames")

    def token(self, name: str, now_ms: int) -> str:
        rng = Rng(derive_seed(self.seed, "acme-token", name, now_ms))
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "".join(rng.choice(alphabet) for _ in range(43))

    def issue(self, names: list[str], now_ms: int, version: int, *, staging: bool) -> Chain:
        """Sign a certificate (staging's issuances count against no production limit)."""
        if not staging:
            self.check_rate_limit(names, now_ms)
        serial_rng = Rng(derive_seed(self.seed, "serial", names[0], version, now_ms))
        serial = (0x03 << 136) | serial_rng.getrandbits(136)
        key = leaf_key(derive_seed(self.seed, "leaf-key", names[0], version, now_ms))
        chain = issue_leaf(names, key, now_ms - BACKDATE_MS, serial)
        if not staging:
            self.issued.append((frozenset(names), now_ms))
        return chain


def acme_for(world: World) -> Acme:
    """The world's certificate authority, created on first use."""
    found = world.facts.get(_FACT)
    if isinstance(found, Acme):
        return found
    acme = Acme(derive_seed(world.seed, "acme"))
    world.facts[_FACT] = acme
    return acme
