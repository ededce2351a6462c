"""``openssl s_client``: a TLS handshake with a simulated server, reported as OpenSSL 3.0 does.

The server's chain is what its process loaded (``served_certificate``); it is
verified at the simulated time against -CAfile or the host's CA bundle. stdin is
read to its end (``</dev/null`` ends the session at once, as with the real one).
"""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.netresolve import resolve
from pagerdrill.world.host import Host
from pagerdrill.world.tls import (
    CA_BUNDLE,
    load_pem_chain,
    pem,
    served_certificate,
    trusted_roots,
    verify_chain,
)
from pagerdrill.world.tls.verify import ERRORS, VerifyResult

from .common import ERR_PREFIX, OpenSSLUsage, parse_options
from .text import asn1_time, key_summary, name_line

__all__ = ["s_client_command"]

_FLAGS = {"showcerts", "brief", "quiet", "noservername", "tls1_3"}
_VALUED = {"connect", "servername", "CAfile", "CApath"}
_READ_OVERHEAD = 375  # handshake bytes besides the certificates (TLS 1.3, X25519)
_WRITTEN = 377  # a ClientHello without SNI; SNI adds 9 bytes plus the name


def _resolve(inv: Invocation, name: str) -> Host | None:
    found = resolve(inv, name)
    return found[0] if found is not None else None


def _sigalg(cert: x509.Certificate) -> str:
    hash_name = cert.signature_hash_algorithm.name.upper() if \
        cert.signature_hash_algorithm else ""
    if cert.signature_algorithm_oid.dotted_string.startswith("1.2.840.113549"):
        return f"RSA-{hash_name}"
    return f"ecdsa-with-{hash_name}"


def _callbacks(result: VerifyResult, quiet: bool) -> str:
    """s_client's verify_callback, once per call, on stderr."""
    out = []
    for event in result.events:
        cert = result.chain[event.depth]
        if not quiet or not event.ok:
            out.append(f"depth={event.depth} {name_line(cert.subject)}\n")
        if not event.ok:
            out.append(f"verify error:num={event.code}:{ERRORS[event.code]}\n")
        if event.code == 9:
            out.append(f"notBefore={asn1_time(cert.not_valid_before_utc)}\n")
        elif event.code == 10:
            out.append(f"notAfter={asn1_time(cert.not_valid_after_utc)}\n")
        if not quiet:
            out.append("verify return:1\n")
    return "".join(out)


def _chain_block(peer: list[x509.Certificate], showcerts: bool) -> str:
    out = ["---\nCertificate chain\n"]
    for i, cert in enumerate(peer):
        algorithm, bits = key_summary(cert)
        out.append(f" {i} s:{name_line(cert.subject)}\n   i:{name_line(cert.issuer)}\n"
                   f"   a:PKEY: {algorithm}, {bits} (bit); sigalg: {_sigalg(cert)}\n"
                   f"   v:NotBefore: {asn1_time(cert.not_valid_before_utc)}; "
                   f"NotAfter: {asn1_time(cert.not_valid_after_utc)}\n")
        if showcerts:
            out.append(pem(cert).decode())
    return "".join(out)


def s_client_command(inv: Invocation, args: list[str]) -> CommandOutput:
    try:
        parsed = parse_options("s_client", args, _FLAGS, _VALUED)
        if parsed.operands:
            raise OpenSSLUsage(f"s_client: Unknown parameter {parsed.operands[0]}\n"
                               "s_client: Use -help for summary.\n")
    except OpenSSLUsage as error:
        inv.stderr.write(str(error))
        return 1
    target = parsed.get("connect") or "localhost:4433"
    name, _, port_text = target.rpartition(":")
    if not name or not port_text.isdigit():
        inv.stderr.write("s_client: -connect argument or target parameter malformed or "
                         "ambiguous\ns_client: Use -help for summary.\n")
        return 1
    brief = parsed.has("brief")
    quiet = brief or parsed.has("quiet")  # no CONNECTED line, no session report
    host = _resolve(inv, name)
    if host is None:
        inv.stderr.write(f"{ERR_PREFIX}:error:10080002:BIO routines:BIO_lookup_ex:system lib:"
                         "../crypto/bio/bio_addr.c:746:Name or service not known\n"
                         "connect:errno=0\n")
        return 1
    port = int(port_text)
    listener = host.listeners.get(port)
    if listener is None or (listener.address.startswith("127.") and host is not inv.host):
        inv.stderr.write(f"{ERR_PREFIX}:error:8000006F:system library:BIO_connect:Connection "
                         "refused:../crypto/bio/bio_sock2.c:117:calling connect()\n"
                         f"{ERR_PREFIX}:error:10000067:BIO routines:BIO_connect:connect error:"
                         "../crypto/bio/bio_sock2.c:119:\nconnect:errno=111\n")
        return 1
    sni = None if parsed.has("noservername") else parsed.get("servername") or (
        None if name.replace(".", "").isdigit() or ":" in name else name)
    written = _WRITTEN + (9 + len(sni) if sni else 0)
    inv.stdin.read()  # the session ends when stdin does
    served = served_certificate(host, port)
    peer = load_pem_chain(served or b"")
    if not peer:
        if not quiet:
            yield b"CONNECTED(00000003)\n"
        inv.stderr.write(f"{ERR_PREFIX}:error:0A00010B:SSL routines:ssl3_get_record:wrong "
                         "version number:../ssl/record/ssl3_record.c:350:\n")
        if not brief:
            yield (f"---\nno peer certificate available\n---\nNo client certificate CA names "
                   f"sent\n---\nSSL handshake has read 5 bytes and written {written} bytes\n"
                   "Verification: OK\n---\nNew, (NONE), Cipher is (NONE)\nSecure "
                   "Renegotiation IS NOT supported\nCompression: NONE\nExpansion: NONE\n"
                   "No ALPN negotiated\nEarly data was not sent\nVerify return code: 0 (ok)\n"
                   "---\n").encode()
        return 1
    result = verify_chain(peer, trusted_roots(inv.host, parsed.get("CAfile") or CA_BUNDLE),
                          inv.world.clock.now_ms)
    leaf = peer[0]
    verdict = "Verification: OK" if result.code == 0 else f"Verification error: {result.message}"
    algorithm, bits = key_summary(leaf)
    signature = "ECDSA" if algorithm == "id-ecPublicKey" else "RSA-PSS"
    if brief:
        inv.stderr.write(_callbacks(result, True))
        inv.stderr.write(f"CONNECTION ESTABLISHED\nProtocol version: TLSv1.3\nCiphersuite: "
                         f"TLS_AES_256_GCM_SHA384\nPeer certificate: {name_line(leaf.subject)}\n"
                         f"Hash used: SHA256\nSignature type: {signature}\n{verdict}\n"
                         "Server Temp Key: X25519, 253 bits\nDONE\n")
        return 0
    if not quiet:
        yield b"CONNECTED(00000003)\n"
    inv.stderr.write(_callbacks(result, False))
    if quiet:  # -quiet: the verify callbacks only (it also implies -ign_eof)
        return 0
    read = _READ_OVERHEAD + sum(len(c.public_bytes(Encoding.DER)) for c in peer)
    showcerts = parsed.has("showcerts")
    body = _chain_block(peer, showcerts) + "---\nServer certificate\n"
    if not showcerts or len(peer) < 2:
        body += pem(leaf).decode()
    body += (f"subject={name_line(leaf.subject)}\nissuer={name_line(leaf.issuer)}\n---\n"
             "No client certificate CA names sent\nPeer signing digest: SHA256\n"
             f"Peer signature type: {signature}\nServer Temp Key: X25519, 253 bits\n---\n"
             f"SSL handshake has read {read} bytes and written {written} bytes\n{verdict}\n"
             "---\nNew, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384\n"
             f"Server public key is {bits} bit\nSecure Renegotiation IS NOT supported\n"
             "Compression: NONE\nExpansion: NONE\nNo ALPN negotiated\nEarly data was not sent\n"
             f"Verify return code: {result.code} ({result.message})\n---\n")
    yield body.encode()
    inv.stderr.write("DONE\n")
    return 0

