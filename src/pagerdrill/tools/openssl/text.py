"""How OpenSSL 3.0 prints certificates: names, times, serials, ``-text`` and ``-ext``."""

from __future__ import annotations

import datetime as _dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

__all__ = ["asn1_time", "cert_text", "extension_block", "key_summary", "name_line",
           "serial_hex"]

_SHORT = {NameOID.COUNTRY_NAME: "C", NameOID.STATE_OR_PROVINCE_NAME: "ST",
          NameOID.LOCALITY_NAME: "L", NameOID.ORGANIZATION_NAME: "O",
          NameOID.ORGANIZATIONAL_UNIT_NAME: "OU", NameOID.COMMON_NAME: "CN",
          NameOID.EMAIL_ADDRESS: "emailAddress"}
_EKU = {ExtendedKeyUsageOID.SERVER_AUTH: "TLS Web Server Authentication",
        ExtendedKeyUsageOID.CLIENT_AUTH: "TLS Web Client Authentication",
        ExtendedKeyUsageOID.CODE_SIGNING: "Code Signing",
        ExtendedKeyUsageOID.EMAIL_PROTECTION: "E-mail Protection",
        ExtendedKeyUsageOID.OCSP_SIGNING: "OCSP Signing"}
_EXT_NAMES = {"keyUsage": x509.KeyUsage, "extendedKeyUsage": x509.ExtendedKeyUsage,
              "basicConstraints": x509.BasicConstraints,
              "subjectKeyIdentifier": x509.SubjectKeyIdentifier,
              "authorityKeyIdentifier": x509.AuthorityKeyIdentifier,
              "authorityInfoAccess": x509.AuthorityInformationAccess,
              "subjectAltName": x509.SubjectAlternativeName,
              "certificatePolicies": x509.CertificatePolicies}
_SIGNATURES = {"1.2.840.113549.1.1.11": "sha256WithRSAEncryption",
               "1.2.840.113549.1.1.12": "sha384WithRSAEncryption",
               "1.2.840.10045.4.3.2": "ecdsa-with-SHA256", "1.3.101.112": "ED25519"}
_TITLES: dict[type[x509.ExtensionType], str] = {
    x509.KeyUsage: "X509v3 Key Usage", x509.ExtendedKeyUsage: "X509v3 Extended Key Usage",
    x509.BasicConstraints: "X509v3 Basic Constraints",
    x509.SubjectKeyIdentifier: "X509v3 Subject Key Identifier",
    x509.AuthorityKeyIdentifier: "X509v3 Authority Key Identifier",
    x509.AuthorityInformationAccess: "Authority Information Access",
    x509.SubjectAlternativeName: "X509v3 Subject Alternative Name",
    x509.CertificatePolicies: "X509v3 Certificate Policies"}


def name_line(name: x509.Name) -> str:
    """The default -nameopt (oneline): ``C = US, O = Let's Encrypt, CN = R11``."""
    return ", ".join(f"{_SHORT.get(a.oid, a.oid.dotted_string)} = {a.value!s}" for a in name)


def asn1_time(moment: _dt.datetime) -> str:
    """ASN1_TIME_print: ``Nov 20 12:00:00 2026 GMT`` (day padded with a space)."""
    return f"{moment:%b} {moment.day:2d} {moment:%H:%M:%S %Y} GMT"


def serial_hex(cert: x509.Certificate) -> str:
    """``-serial``: upper-case hex, an even number of digits."""
    digits = f"{cert.serial_number:X}"
    return digits if len(digits) % 2 == 0 else "0" + digits


def _colons(data: bytes, per_line: int, indent: int, upper: bool = False) -> list[str]:
    text = [f"{b:02X}" if upper else f"{b:02x}" for b in data]
    rows = [text[i:i + per_line] for i in range(0, len(text), per_line)]
    return [" " * indent + ":".join(row) + (":" if i < len(rows) - 1 else "")
            for i, row in enumerate(rows)]


def _int_bytes(n: int) -> bytes:
    data = n.to_bytes((n.bit_length() + 7) // 8 or 1, "big")
    return b"\x00" + data if data[0] & 0x80 else data


def key_summary(cert: x509.Certificate) -> tuple[str, int]:
    """The public key's algorithm name (as s_client's a: line says it) and size."""
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "rsaEncryption", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "id-ecPublicKey", key.curve.key_size
    return "ED25519", 256


def _key_lines(cert: x509.Certificate) -> list[str]:
    key = cert.public_key()
    pad = " " * 16
    if isinstance(key, rsa.RSAPublicKey):
        numbers = key.public_numbers()
        return [f"{pad}Public-Key: ({key.key_size} bit)", f"{pad}Modulus:",
                *_colons(_int_bytes(numbers.n), 15, 20),
                f"{pad}Exponent: {numbers.e} (0x{numbers.e:x})"]
    if isinstance(key, ec.EllipticCurvePublicKey):
        point = key.public_bytes(serialization.Encoding.X962,
                                 serialization.PublicFormat.UncompressedPoint)
        curve = {"secp256r1": ("prime256v1", "P-256"), "secp384r1": ("secp384r1", "P-384")}
        oid, nist = curve.get(key.curve.name, (key.curve.name, ""))
        return [f"{pad}Public-Key: ({key.curve.key_size} bit)", f"{pad}pub:",
                *_colons(point, 15, 20), f"{pad}ASN1 OID: {oid}",
                *([f"{pad}NIST CURVE: {nist}"] if nist else [])]
    if isinstance(key, ed25519.Ed25519PublicKey):
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return [f"{pad}ED25519 Public-Key:", f"{pad}pub:", *_colons(raw, 15, 20)]
    return []


def _general_name(name: x509.GeneralName) -> str:
    if isinstance(name, x509.DNSName):
        return f"DNS:{name.value}"
    if isinstance(name, x509.UniformResourceIdentifier):
        return f"URI:{name.value}"
    if isinstance(name, x509.IPAddress):
        return f"IP Address:{name.value}"
    return f"othername:{name.value}"


def _ext_value(value: x509.ExtensionType) -> list[str]:
    if isinstance(value, x509.KeyUsage):
        flags = [("Digital Signature", value.digital_signature),
                 ("Non Repudiation", value.content_commitment),
                 ("Key Encipherment", value.key_encipherment),
                 ("Data Encipherment", value.data_encipherment),
                 ("Key Agreement", value.key_agreement),
                 ("Certificate Sign", value.key_cert_sign), ("CRL Sign", value.crl_sign)]
        return [", ".join(n for n, on in flags if on)]
    if isinstance(value, x509.ExtendedKeyUsage):
        return [", ".join(_EKU.get(o, o.dotted_string) for o in value)]
    if isinstance(value, x509.BasicConstraints):
        text = "CA:TRUE" if value.ca else "CA:FALSE"
        return [text + (f", pathlen:{value.path_length}" if value.path_length is not None
                        else "")]
    if isinstance(value, x509.SubjectKeyIdentifier):
        return [":".join(f"{b:02X}" for b in value.digest)]
    if isinstance(value, x509.AuthorityKeyIdentifier):
        return [":".join(f"{b:02X}" for b in value.key_identifier or b"")]
    if isinstance(value, x509.AuthorityInformationAccess):
        kinds = {AuthorityInformationAccessOID.OCSP: "OCSP",
                 AuthorityInformationAccessOID.CA_ISSUERS: "CA Issuers"}
        return [f"{kinds.get(d.access_method, '')} - {_general_name(d.access_location)}"
                for d in value]
    if isinstance(value, x509.SubjectAlternativeName):
        return [", ".join(_general_name(n) for n in value)]
    if isinstance(value, x509.CertificatePolicies):
        return [f"Policy: {p.policy_identifier.dotted_string}" for p in value]
    return ["<unsupported extension>"]


def _ext_lines(ext: x509.Extension[x509.ExtensionType], indent: int) -> list[str]:
    title = _TITLES.get(type(ext.value), ext.oid.dotted_string)
    head = " " * indent + f"{title}: " + ("critical" if ext.critical else "")
    return [head] + [" " * (indent + 4) + line for line in _ext_value(ext.value)]


def _selected(cert: x509.Certificate,
              names: list[str] | None) -> list[x509.Extension[x509.ExtensionType]]:
    if names is None:
        return list(cert.extensions)
    wanted = [_EXT_NAMES[n] for n in names if n in _EXT_NAMES]
    return [ext for ext in cert.extensions if type(ext.value) in wanted]


def extension_block(cert: x509.Certificate, names: list[str]) -> str:
    """``-ext keyUsage,subjectAltName``: the named extensions the certificate has, in its
    own order ("" when it has none of them)."""
    lines = [line for ext in _selected(cert, names) for line in _ext_lines(ext, 0)]
    return "\n".join(lines) + "\n" if lines else ""


def cert_text(cert: x509.Certificate, ext_names: list[str] | None = None) -> str:
    """``openssl x509 -text``, for the certificate kinds the simulation issues. With -ext,
    OpenSSL 3.0 drops the other extensions before printing: ``ext_names`` does the same."""
    serial = cert.serial_number
    oid = cert.signature_algorithm_oid.dotted_string
    sig = _SIGNATURES.get(oid, oid)
    lines = ["Certificate:", "    Data:", f"        Version: {cert.version.value + 1} "
             f"(0x{cert.version.value:x})"]
    if serial < 2**63:
        lines.append(f"        Serial Number: {serial} (0x{serial:x})")
    else:
        magnitude = ":".join(f"{b:02x}" for b in _int_bytes(serial).lstrip(b"\x00"))
        lines += ["        Serial Number:", f"            {magnitude}"]
    algorithm, _ = key_summary(cert)
    lines += [f"        Signature Algorithm: {sig}", f"        Issuer: {name_line(cert.issuer)}",
              "        Validity",
              f"            Not Before: {asn1_time(cert.not_valid_before_utc)}",
              f"            Not After : {asn1_time(cert.not_valid_after_utc)}",
              f"        Subject: {name_line(cert.subject)}",
              "        Subject Public Key Info:",
              f"            Public Key Algorithm: {algorithm}", *_key_lines(cert)]
    extensions = _selected(cert, ext_names)
    if extensions:
        lines.append("        X509v3 extensions:")
        for ext in extensions:
            lines += _ext_lines(ext, 12)
    lines += [f"    Signature Algorithm: {sig}", "    Signature Value:"]
    lines += _colons(cert.signature, 18, 8)
    return "\n".join(lines) + "\n"
