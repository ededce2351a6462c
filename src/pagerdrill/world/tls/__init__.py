"""TLS in the simulated world: real certificates, the CA, certbot's renewal, what servers serve.

``served_certificate(host, port)`` is the PEM bundle the process listening on
``port`` loaded (an nginx-like program exposes ``certificates: dict[int, bytes]``,
filled from its ``ssl_certificate`` file at start and on every successful reload).
Clients trust the roots in the host's ``/etc/ssl/certs/ca-certificates.crt``.
Importing the package registers nginx's certificate/key checks (``webserver``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography import x509

from .acme import Acme, AcmeError, acme_for
from .certs import (
    Chain,
    intermediate_certificate,
    issue_leaf,
    leaf_key,
    load_pem_chain,
    pem,
    root_certificate,
)
from .lineage import LE_DIR, Lineage, RenewalConf, install_lineage, parse_renewal_conf
from .verify import ERRORS, VerifyResult, hostname_matches, verify_chain
from .webserver import fetch_challenge

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = [
    "CA_BUNDLE",
    "ERRORS",
    "LE_DIR",
    "Acme",
    "AcmeError",
    "Chain",
    "Lineage",
    "RenewalConf",
    "VerifyResult",
    "acme_for",
    "fetch_challenge",
    "hostname_matches",
    "install_lineage",
    "install_trust_store",
    "intermediate_certificate",
    "issue_leaf",
    "leaf_key",
    "load_pem_chain",
    "parse_renewal_conf",
    "pem",
    "root_certificate",
    "served_certificate",
    "trusted_roots",
    "verify_chain",
]

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def served_certificate(host: Host, port: int) -> bytes | None:
    """The PEM bundle the server on ``port`` presents, or None when it speaks no TLS there."""
    listener = host.listeners.get(port)
    proc = host.procs.get(listener.pid) if listener else None
    program = proc.program if proc else None
    program = getattr(program, "inner", program)  # a scenario's ConfiguredProgram wrapper
    certificates = getattr(program, "certificates", None)
    if not isinstance(certificates, dict):
        return None
    found = certificates.get(port)
    return found if isinstance(found, bytes) and found else None


def install_trust_store(host: Host) -> None:
    """Put the simulated root in the host's CA bundle (what curl and openssl trust)."""
    host.fs.put(CA_BUNDLE, pem(root_certificate()))


def trusted_roots(host: Host, bundle: str = CA_BUNDLE) -> list[x509.Certificate]:
    return load_pem_chain(host.fs.read_bytes(bundle) or b"")
