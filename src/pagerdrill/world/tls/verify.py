"""Certificate chain verification at a simulated instant, the way OpenSSL 3.0 reports it.

OpenSSL builds the chain from the peer's certificates and the trust store, then
checks signatures and validity from the trust anchor down to the leaf; with a
callback that keeps going (s_client's), every problem is reported and the last
one becomes the verify result. ``verify_chain`` returns those events in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes

from .certs import to_ms

_SHA = hashes.SHA256()

__all__ = ["ERRORS", "VerifyEvent", "VerifyResult", "hostname_matches", "matching_name",
           "verify_chain"]

ERRORS = {
    0: "ok",
    7: "certificate signature failure",
    9: "certificate is not yet valid",
    10: "certificate has expired",
    18: "self-signed certificate",
    19: "self-signed certificate in certificate chain",
    20: "unable to get local issuer certificate",
    21: "unable to verify the first certificate",
}


@dataclass(frozen=True)
class VerifyEvent:
    """One call of the verify callback: a failure (``ok`` False) or the success signal
    for a depth. ``code`` is the context's error at the time, which stays set after a
    failure: s_client prints notAfter= again on the later success call."""

    depth: int
    code: int
    ok: bool = False


@dataclass
class VerifyResult:
    """The chain OpenSSL built (leaf first) and the callback calls on the way."""

    chain: list[x509.Certificate]
    events: list[VerifyEvent] = field(default_factory=list)

    @property
    def errors(self) -> list[VerifyEvent]:
        return [e for e in self.events if not e.ok]

    @property
    def code(self) -> int:
        errors = self.errors
        return errors[-1].code if errors else 0

    @property
    def message(self) -> str:
        return ERRORS[self.code]

    def fail(self, depth: int, code: int) -> None:
        self.events.append(VerifyEvent(depth, code))

    def succeed(self, depth: int) -> None:
        self.events.append(VerifyEvent(depth, self.code, True))


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    if cert.issuer != issuer.subject:
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _self_signed(cert: x509.Certificate) -> bool:
    return cert.subject == cert.issuer and _signed_by(cert, cert)


def _build(result: VerifyResult, peer: list[x509.Certificate],
           trusted: list[x509.Certificate]) -> bool:
    """Extend the chain up to a trust anchor (True) or as far as the peer's certs go."""
    while len(result.chain) <= 10:
        top = result.chain[-1]
        anchor = next((t for t in trusted if _signed_by(top, t)), None)
        if anchor is not None:
            if anchor.fingerprint(_SHA) != top.fingerprint(_SHA):
                result.chain.append(anchor)
            return True
        if _self_signed(top):
            return False
        issuer = next((c for c in peer[1:] if c not in result.chain and _signed_by(top, c)),
                      None)
        if issuer is None:
            return False
        result.chain.append(issuer)
    return False


def verify_chain(peer: list[x509.Certificate], trusted: list[x509.Certificate],
                 now_ms: int) -> VerifyResult:
    """Verify the peer's chain (leaf first) against ``trusted`` at ``now_ms``, calling
    back in the order OpenSSL 3.0's build_chain and internal_verify do."""
    result = VerifyResult([peer[0]])
    anchored = _build(result, peer, trusted)
    top = len(result.chain) - 1
    self_signed = _self_signed(result.chain[top])
    if not anchored:
        result.fail(top, (18 if top == 0 else 19) if self_signed else 20)
    start = top
    if not self_signed:
        if top == 0:  # nothing to check the leaf's signature with
            result.fail(0, 21)
            return result
        start = top - 1  # an untrusted, unverifiable top: checking starts below it
    for depth in range(start, -1, -1):
        cert = result.chain[depth]
        if to_ms(cert.not_valid_before_utc) > now_ms:
            result.fail(depth, 9)
        if to_ms(cert.not_valid_after_utc) < now_ms:
            result.fail(depth, 10)
        result.succeed(depth)
    return result


def matching_name(cert: x509.Certificate, host: str) -> str | None:
    """The subjectAltName DNS entry that covers ``host`` (RFC 6125: exact, or one leftmost
    wildcard label), or None."""
    try:
        names = cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    host = host.lower().rstrip(".")
    for name in names:
        lowered = name.lower()
        if lowered == host or (lowered.startswith("*.") and "." in host
                               and host.split(".", 1)[1] == lowered[2:]):
            return name
    return None


def hostname_matches(cert: x509.Certificate, host: str) -> bool:
    return matching_name(cert, host) is not None
