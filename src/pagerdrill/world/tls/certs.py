"""Real X.509 certificates for the simulated web: a Let's Encrypt-like chain, built from the seed.

The root and the intermediate ("R11") use the committed test-only RSA keys of
``keys.py``; a leaf's key is a P-256 key derived from a seed (certbot 2.x's default
key type). RSA PKCS#1 v1.5 signatures are deterministic, so the same seed and
clock give byte-identical PEM files, which the real ``openssl`` reads like ours.
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pagerdrill.world.rng import Rng

from .keys import INTERMEDIATE_KEY_PEM, ROOT_KEY_PEM

__all__ = [
    "Chain",
    "intermediate_certificate",
    "issue_leaf",
    "leaf_key",
    "load_pem_chain",
    "pem",
    "root_certificate",
    "self_signed",
    "to_dt",
    "to_ms",
]

_ROOT_NAME = x509.Name([
    x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Internet Security Research Group"),
    x509.NameAttribute(NameOID.COMMON_NAME, "ISRG Root X1"),
])
_R11_NAME = x509.Name([
    x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Let's Encrypt"),
    x509.NameAttribute(NameOID.COMMON_NAME, "R11"),
])
_DV_POLICY = x509.ObjectIdentifier("2.23.140.1.2.1")
LEAF_LIFETIME = _dt.timedelta(days=90) - _dt.timedelta(seconds=1)


def to_dt(t_ms: int) -> _dt.datetime:
    return _dt.datetime.fromtimestamp(t_ms // 1000, tz=_dt.UTC)


def to_ms(moment: _dt.datetime) -> int:
    return int(moment.timestamp()) * 1000


@functools.cache
def _rsa(pem_bytes: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem_bytes, None,
                                             unsafe_skip_rsa_key_validation=True)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _ski(public: rsa.RSAPublicKey | ec.EllipticCurvePublicKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(public)


@functools.cache
def root_certificate() -> x509.Certificate:
    """The self-signed root every simulated client trusts."""
    key = _rsa(ROOT_KEY_PEM)
    return (x509.CertificateBuilder()
            .subject_name(_ROOT_NAME).issuer_name(_ROOT_NAME)
            .public_key(key.public_key())
            .serial_number(0x8210CFB0D240E3594463E0BB63828B00)
            .not_valid_before(_dt.datetime(2015, 6, 4, 11, 4, 38, tzinfo=_dt.UTC))
            .not_valid_after(_dt.datetime(2035, 6, 4, 11, 4, 38, tzinfo=_dt.UTC))
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_ski(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))


@functools.cache
def intermediate_certificate() -> x509.Certificate:
    """The issuing intermediate ("R11"), signed by the root."""
    key, root_key = _rsa(INTERMEDIATE_KEY_PEM), _rsa(ROOT_KEY_PEM)
    return (x509.CertificateBuilder()
            .subject_name(_R11_NAME).issuer_name(_ROOT_NAME)
            .public_key(key.public_key())
            .serial_number(0x8A7D3E13D62F30EF2386BD29076B34F8)
            .not_valid_before(_dt.datetime(2024, 3, 13, 0, 0, 0, tzinfo=_dt.UTC))
            .not_valid_after(_dt.datetime(2027, 3, 12, 23, 59, 59, tzinfo=_dt.UTC))
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False,
                                         False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH,
                                                  ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_ski(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                root_key.public_key()), critical=False)
            .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                x509.UniformResourceIdentifier("http://x1.i.lencr.org/"))]), critical=False)
            .add_extension(x509.CertificatePolicies([x509.PolicyInformation(
                x509.ObjectIdentifier("2.23.140.1.2.1"), None)]), critical=False)
            .sign(root_key, hashes.SHA256()))


def leaf_key(seed: int) -> ec.EllipticCurvePrivateKey:
    """A P-256 key derived from ``seed`` (deterministic, unlike generate_private_key)."""
    scalar = Rng(seed).getrandbits(255) % (2**256 - 2**224 - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


@dataclass(frozen=True)
class Chain:
    """One issuance as certbot stores it: cert.pem, chain.pem, fullchain.pem, privkey.pem."""

    cert: bytes
    chain: bytes
    key: bytes

    @property
    def fullchain(self) -> bytes:
        return self.cert + self.chain


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def issue_leaf(names: list[str], key: ec.EllipticCurvePrivateKey, not_before_ms: int,
               serial: int) -> Chain:
    """A 90-day certificate for ``names`` from R11, as Let's Encrypt issues it."""
    issuer_key = _rsa(INTERMEDIATE_KEY_PEM)
    start = to_dt(not_before_ms)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(_R11_NAME)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(start).not_valid_after(start + LEAF_LIFETIME)
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False,
                                         False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                  ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_ski(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                issuer_key.public_key()), critical=False)
            .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                x509.UniformResourceIdentifier("http://r11.i.lencr.org/"))]), critical=False)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                           critical=False)
            .add_extension(x509.CertificatePolicies([x509.PolicyInformation(_DV_POLICY, None)]),
                           critical=False)
            .sign(issuer_key, hashes.SHA256(), rsa_padding=padding.PKCS1v15()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return Chain(pem(cert), pem(intermediate_certificate()), key_pem)


def self_signed(name: str, seed: int, not_before_ms: int, days: int) -> Chain:
    """A self-signed certificate like Debian's ssl-cert "snakeoil" (an Ed25519 key derived
    from ``seed``: its signatures are deterministic, unlike ECDSA's)."""
    key = ed25519.Ed25519PrivateKey.from_private_bytes(
        Rng(seed).getrandbits(256).to_bytes(32, "big"))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = to_dt(not_before_ms)
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(Rng(seed).getrandbits(120) | 1 << 119)
            .not_valid_before(start).not_valid_after(start + _dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .sign(key, None))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return Chain(pem(cert), b"", key_pem)


def load_pem_chain(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM bundle, in order; unreadable blocks are skipped."""
    certs: list[x509.Certificate] = []
    marker = b"-----BEGIN CERTIFICATE-----"
    for block in data.split(marker)[1:]:
        end = block.find(b"-----END CERTIFICATE-----")
        if end < 0:
            continue
        try:
            certs.append(x509.load_pem_x509_certificate(marker + block[:end + 25]))
        except ValueError:
            continue
    return certs
