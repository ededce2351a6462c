"""openssl - OpenSSL command line tool (3.0), over the simulated certificates and servers.

Usage: openssl COMMAND [options]
  x509     -in FILE [-noout] [-dates] [-startdate] [-enddate] [-subject] [-issuer]
           [-serial] [-fingerprint [-sha1|-sha256|-md5]] [-text] [-ext NAMES] [-checkend SECS]
  s_client -connect HOST:PORT [-servername NAME] [-noservername] [-showcerts] [-brief]
           [-quiet] [-CAfile FILE]   (the handshake is TLS 1.3 with X25519, always)
  verify   [-CAfile FILE] [-untrusted FILE] [-attime EPOCH] FILE...
  version  [-a]
  help     the command list (OpenSSL's own)
Not supported: the other commands of the list (req, genpkey, rsa, pkcs12, dgst, enc,
s_server...: they say so), CRL/OCSP checking, -verify_return_error, -starttls, TLS 1.2
handshakes; s_client sends no data; x509 reads any other -WORD as a digest name, as the
real one does, and ignores it. Times are the simulated clock's.
"""

from __future__ import annotations

from cryptography import x509

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.world.tls import CA_BUNDLE, ERRORS, load_pem_chain, trusted_roots, verify_chain

from .common import OpenSSLUsage, parse_options, read_input
from .helptext import COMMANDS, HELP
from .sclient import s_client_command
from .text import name_line
from .x509cmd import x509_command

__all__ = ["openssl"]

VERSION = "OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)"
_VERSION_ALL = f"""{VERSION}
built on: Fri Apr  3 12:29:32 2026 UTC
platform: debian-amd64
options:  bn(64,64)
compiler: gcc -fPIC -pthread -m64 -Wa,--noexecstack -Wall -fzero-call-used-regs=used-gpr \
-DOPENSSL_TLS_SECURITY_LEVEL=2 -Wa,--noexecstack -g -O2 \
-ffile-prefix-map=/build/reproducible-path/openssl-3.0.19=. -fstack-protector-strong -Wformat \
-Werror=format-security -DOPENSSL_USE_NODELETE -DL_ENDIAN -DOPENSSL_PIC \
-DOPENSSL_BUILDING_OPENSSL -DNDEBUG -Wdate-time -D_FORTIFY_SOURCE=2
OPENSSLDIR: "/usr/lib/ssl"
ENGINESDIR: "/usr/lib/x86_64-linux-gnu/engines-3"
MODULESDIR: "/usr/lib/x86_64-linux-gnu/ossl-modules"
Seeding source: os-specific
"""
_CONTINUE = {10, 18}  # verify's callback carries on after these, stops at the others


def _verify(inv: Invocation, args: list[str]) -> CommandOutput:
    try:
        parsed = parse_options("verify", args, set(), {"CAfile", "untrusted", "attime",
                                                       "CApath"})
    except OpenSSLUsage as error:
        inv.stderr.write(str(error))
        return 1
    roots = trusted_roots(inv.host, parsed.get("CAfile") or CA_BUNDLE)
    untrusted: list[x509.Certificate] = []
    if parsed.get("untrusted") is not None:
        data = read_input(inv, parsed.get("untrusted"))
        if data is None:
            return 2
        untrusted = load_pem_chain(data)
    attime = parsed.get("attime")
    now = int(attime) * 1000 if attime and attime.isdigit() else inv.world.clock.now_ms
    status = 0
    for path in parsed.operands or ["-"]:
        label = "<stdin>" if path == "-" else path
        data = read_input(inv, None if path == "-" else path)
        certs = load_pem_chain(data or b"")
        if not certs:
            if data is not None:
                inv.stderr.write(f"Could not read certificate file from {label}\n")
            inv.stderr.write("Unable to load certificate file\n")
            status = 2
            continue
        result = verify_chain([certs[0], *untrusted], roots, now)
        failed = False
        for event in result.errors:
            inv.stderr.write(f"{name_line(result.chain[event.depth].subject)}\n"
                             f"error {event.code} at {event.depth} depth lookup: "
                             f"{ERRORS[event.code]}\n")
            failed = True
            if event.code not in _CONTINUE:
                break
        if failed:
            inv.stderr.write(f"error {label}: verification failed\n")
            status = 2
        else:
            yield f"{label}: OK\n".encode()
    return status


@command("openssl")
def openssl(inv: Invocation) -> CommandOutput:
    """openssl - x509, s_client, verify and version over the simulated certificates."""
    sub, args = (inv.argv[1], inv.argv[2:]) if len(inv.argv) > 1 else ("help", [])
    if sub == "help":
        inv.stderr.write(HELP)
        return 0
    if sub == "x509":
        return (yield from x509_command(inv, args))
    if sub == "s_client":
        return (yield from s_client_command(inv, args))
    if sub == "verify":
        return (yield from _verify(inv, args))
    if sub == "version":
        yield (_VERSION_ALL if "-a" in args else VERSION + "\n").encode()
        return 0
    if sub in COMMANDS:
        inv.stderr.write(f"openssl {sub}: not supported in this simulation (x509, s_client, "
                         "verify and version are)\n")
        return 1
    inv.stderr.write(f"Invalid command '{sub}'; type \"help\" for a list.\n")
    return 1
