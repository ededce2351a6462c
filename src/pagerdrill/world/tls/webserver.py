"""What the web server contributes to TLS: where it serves HTTP-01 challenges from, and
nginx's own checks of the certificate files it is pointed at.

The challenge directory is read from the configuration nginx loaded (``proxy.config``):
the server block for the name on port 80, the location matching
``/.well-known/acme-challenge/``, and that location's (or the server's) ``root``.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import serialization

from pagerdrill.world.programs.nginxconf import CERTIFICATE_VALIDATORS, NginxConfig
from pagerdrill.world.programs.nginxroute import find_location, find_server

from .certs import load_pem_chain

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["CHALLENGE_PREFIX", "challenge_root", "check_certificate_pair"]

CHALLENGE_PREFIX = "/.well-known/acme-challenge/"


def _config(host: Host, port: int) -> NginxConfig | None:
    listener = host.listeners.get(port)
    proc = host.procs.get(listener.pid) if listener else None
    program = proc.program if proc else None
    config = getattr(getattr(program, "inner", program), "config", None)
    return config if isinstance(config, NginxConfig) else None


def challenge_root(host: Host, name: str) -> str | None:
    """The directory port 80 serves ``/.well-known/acme-challenge/`` from for ``name``, or
    None when those requests are proxied, redirected or answered by nginx itself."""
    config = _config(host, 80)
    server = find_server(config, 80, name) if config is not None else None
    if server is None:
        return None
    location = find_location(server, CHALLENGE_PREFIX + "probe")
    if location is not None and (location.proxy_pass or location.ret):
        return None
    if location is None and server.ret:
        return None
    root = (location.root if location is not None else None) or server.root
    return posixpath.normpath(root) if root else None


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
