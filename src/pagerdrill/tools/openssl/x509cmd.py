"""``openssl x509``: print what a certificate says, as OpenSSL 3.0 does."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.world.tls import load_pem_chain, pem

from .common import OpenSSLUsage, parse_options, read_input
from .text import asn1_time, cert_text, extension_block, name_line, serial_hex

__all__ = ["x509_command"]

_PRINTS = {"dates", "enddate", "startdate", "subject", "issuer", "serial", "fingerprint",
           "text", "noout"}
_VALUED = {"in", "inform", "checkend", "ext", "nameopt", "out", "outform"}
_DIGESTS: dict[str, hashes.HashAlgorithm] = {
    "sha1": hashes.SHA1(), "sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(), "md5": hashes.MD5()}


def x509_command(inv: Invocation, args: list[str]) -> CommandOutput:
    try:
        parsed = parse_options("x509", args, _PRINTS, _VALUED, lenient=True)
        checkend = parsed.get("checkend")
        if checkend is not None and not checkend.lstrip("-").isdigit():
            raise OpenSSLUsage(f'x509: Can\'t parse "{checkend}" as a number\n'
                               "x509: Use -help for summary.\n")
    except OpenSSLUsage as error:
        inv.stderr.write(str(error))
        return 1
    path = parsed.get("in")
    data = read_input(inv, path)
    if data is None:
        inv.stderr.write("Unable to load certificate\n")
        return 1
    certs = load_pem_chain(data)
    if not certs:
        inv.stderr.write(f"Could not read certificate from {path or '<stdin>'}\n"
                         "Unable to load certificate\n")
        return 1
    cert = certs[0]
    digest_name = next((n for n, _ in parsed.options if n in _DIGESTS), "sha1")
    ext_names = [e.strip() for n, v in parsed.options if n == "ext" for e in v.split(",")]
    out: list[str] = []
    for name, value in parsed.options:
        if name == "subject":
            out.append(f"subject={name_line(cert.subject)}\n")
        elif name == "issuer":
            out.append(f"issuer={name_line(cert.issuer)}\n")
        elif name == "serial":
            out.append(f"serial={serial_hex(cert)}\n")
        elif name in ("dates", "startdate"):
            out.append(f"notBefore={asn1_time(cert.not_valid_before_utc)}\n")
        if name in ("dates", "enddate"):
            out.append(f"notAfter={asn1_time(cert.not_valid_after_utc)}\n")
        elif name == "fingerprint":
            digest = cert.fingerprint(_DIGESTS[digest_name])
            label = "SHA1" if digest_name == "sha1" else digest_name
            out.append(f"{label} Fingerprint=" + ":".join(f"{b:02X}" for b in digest) + "\n")
        elif name == "ext":
            block = extension_block(cert, [e.strip() for e in value.split(",")])
            out.append(block)
            if not block:
                inv.stderr.write("No extensions in certificate\n")
        elif name == "text":
            out.append(cert_text(cert, ext_names if parsed.has("ext") else None))
    status = 0
    if checkend is not None:
        expires = int(cert.not_valid_after_utc.timestamp())
        if expires < inv.world.clock.now_ms // 1000 + int(checkend):
            out.append("Certificate will expire\n")
            status = 1
        else:
            out.append("Certificate will not expire\n")
    if checkend is None and not parsed.has("noout"):  # -checkend answers and stops
        out.append(pem(cert).decode())
    yield "".join(out).encode()
    return status
