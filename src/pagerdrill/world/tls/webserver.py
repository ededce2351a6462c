"""What the web server contributes to TLS: the CA's HTTP-01 fetch of a challenge file, and
nginx's own checks of the certificate files it is pointed at.

The CA fetches ``http://NAME/.well-known/acme-challenge/TOKEN`` from the host's port 80
(the domain's address is the host's), through the listener's handler, as curl does: the
web server answers it as it answers anyone, with its access and error logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization

from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.programs.nginx import NginxProxy
from pagerdrill.world.programs.nginxconf import CERTIFICATE_VALIDATORS

from .certs import load_pem_chain

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["CHALLENGE_PREFIX", "VALIDATION_AGENT", "VALIDATION_CLIENT", "check_certificate_pair",
           "fetch_challenge"]

CHALLENGE_PREFIX = "/.well-known/acme-challenge/"
# Let's Encrypt's validation servers, as a web server's access log shows them.
VALIDATION_CLIENT = "66.133.109.36"
VALIDATION_AGENT = ("Mozilla/5.0 (compatible; Let's Encrypt validation server; "
                    "+https://www.letsencrypt.org)")


def fetch_challenge(host: Host, name: str, token: str, *,
                    imagine: Mapping[str, bytes] | None = None) -> HttpResponse | None:
    """The answer to the CA's request for ``token`` (None: the connection is refused).

    With ``imagine`` (path -> bytes) it is a probe that leaves no trace: no log line, no
    atime, and the files given count as written (what a renewal would find right now)."""
    listener = host.listeners.get(80)
    if listener is None or listener.address.startswith("127."):
        return None  # nothing answers the CA from outside
    request = HttpRequest("GET", CHALLENGE_PREFIX + token, name,
                          {"Host": name, "User-Agent": VALIDATION_AGENT, "Accept": "*/*",
                           "Accept-Encoding": "gzip", "Connection": "close"},
                          client=VALIDATION_CLIENT)
    if imagine is not None:
        proc = host.procs.get(listener.pid)
        program = proc.program if proc else None
        program = getattr(program, "inner", program)  # a scenario's ConfiguredProgram wrapper
        if isinstance(program, NginxProxy):
            return program.respond(request, 80, virtual=imagine)
    if listener.handler is None:
        return None
    return listener.handler(request)


def check_certificate_pair(cert_path: str, cert: bytes, key_path: str, key: bytes) -> str | None:
    """nginx's (OpenSSL 3) complaint about a certificate and key it cannot use together."""
    certs = load_pem_chain(cert)
    if not certs:
        return (f'cannot load certificate "{cert_path}": PEM_read_bio_X509_AUX() failed (SSL: '
                "error:0480006C:PEM routines::no start line:Expecting: TRUSTED CERTIFICATE)")
    try:
        private = serialization.load_pem_private_key(key, None,
                                                     unsafe_skip_rsa_key_validation=True)
    except (ValueError, TypeError):
        return (f'cannot load certificate key "{key_path}": PEM_read_bio_PrivateKey() failed '
                "(SSL: error:1E08010C:DECODER routines::unsupported:No supported data to "
                "decode. Input type: PEM)")
    mine = private.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
    theirs = certs[0].public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if mine != theirs:
        return (f'SSL_CTX_use_PrivateKey("{key_path}") failed (SSL: error:05800074:x509 '
                "certificate routines::key values mismatch)")
    return None


def _register() -> None:
    if check_certificate_pair not in CERTIFICATE_VALIDATORS:
        CERTIFICATE_VALIDATORS.append(check_certificate_pair)


_register()
