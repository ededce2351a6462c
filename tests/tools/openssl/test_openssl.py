"""openssl x509 / verify / s_client / version, compared with the real /usr/bin/openssl."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from tests.tlsfixture import TlsSite, make_site
from tests.toolkit import run_tool

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="no openssl binary to compare with")


def real(site: TlsSite, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], cwd=site.files, capture_output=True, input=stdin)


@needs_openssl
@pytest.mark.parametrize("options", [
    ["-noout", "-dates"], ["-noout", "-enddate", "-startdate"], ["-noout", "-subject", "-issuer"],
    ["-noout", "-serial"], ["-noout", "-fingerprint"], ["-noout", "-fingerprint", "-sha256"],
    ["-noout", "-text"], ["-noout", "-ext", "subjectAltName,keyUsage"],
    ["-noout", "-ext", "nosuchExtension"], ["-subject"], ["-noout", "-serial", "-dates", "-issuer"],
])
@pytest.mark.parametrize("name", ["cert.pem", "chain.pem", "root.pem"])
def test_x509_matches_openssl(site: TlsSite, options: list[str], name: str) -> None:
    ours = run_tool(site.host, ["openssl", "x509", "-in", f"/root/{name}", *options])
    theirs = real(site, "x509", "-in", name, *options)
    assert (ours.out, ours.status) == (theirs.stdout.decode(), theirs.returncode)


@needs_openssl
@pytest.mark.parametrize(("args", "stdin"), [
    (["x509", "-in", "/root/nope.pem", "-noout"], b""),
    (["x509", "-noout"], b"not a certificate\n"),
    (["x509", "-in", "/root/cert.pem", "-checkend"], b""),
    (["x509", "-in", "/root/cert.pem", "-checkend", "soon"], b""),
    (["s_client", "-bogus"], b""),
    (["verify", "-bogus"], b""),
    (["nosuchcommand"], b""),
])
def test_errors_match_openssl(site: TlsSite, args: list[str], stdin: bytes) -> None:
    ours = run_tool(site.host, ["openssl", *args], stdin)
    real_args = [a.replace("/root/", "") for a in args]
    theirs = real(site, *real_args, stdin=stdin)
    # The error queue's first field is a thread id (ours is fixed); the real files are in
    # the cwd, ours in /root.
    assert [line.split(":", 1)[-1] for line in ours.err.replace("/root/", "").splitlines()] == [
        line.split(":", 1)[-1] for line in theirs.stderr.decode().splitlines()]
    assert ours.status == theirs.returncode


def test_checkend_uses_the_simulated_clock(site: TlsSite, tmp_path: Path) -> None:
    expired = run_tool(site.host, ["openssl", "x509", "-in", "/root/cert.pem", "-checkend", "0"])
    assert (expired.out, expired.status) == ("Certificate will expire\n", 1)
    earlier = make_site(tmp_path / "earlier", "2026-03-01T00:00:00Z")
    ok = run_tool(earlier.host, ["openssl", "x509", "-in", "/root/cert.pem", "-checkend", "86400"])
    assert (ok.out, ok.status) == ("Certificate will not expire\n", 0)


@needs_openssl
@pytest.mark.parametrize("attime", ["2026-04-15T07:42:00Z", "2026-02-01T00:00:00Z",
                                    "2027-06-01T00:00:00Z"])
@pytest.mark.parametrize("untrusted", [True, False])
def test_verify_matches_openssl(tmp_path: Path, attime: str, untrusted: bool) -> None:
    site = make_site(tmp_path, attime)
    extra = ["-untrusted", "chain.pem"] if untrusted else []
    epoch = str(site.host.world.clock.now_ms // 1000)
    theirs = real(site, "verify", "-CAfile", "root.pem", *extra, "-attime", epoch, "cert.pem")
    ours = run_tool(site.host, ["openssl", "verify", "-CAfile", "/root/root.pem",
                                *[e.replace("chain", "/root/chain") for e in extra],
                                "/root/cert.pem"])
    assert ours.status == theirs.returncode
    assert ours.out.replace("/root/", "") == theirs.stdout.decode()
    assert ours.err.replace("/root/", "") == theirs.stderr.decode()


def test_version(site: TlsSite) -> None:
    result = run_tool(site.host, ["openssl", "version"])
    assert result.out == "OpenSSL 3.0.19 27 Jan 2026 (Library: OpenSSL 3.0.19 27 Jan 2026)\n"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@needs_openssl
@pytest.mark.parametrize("attime", ["2026-04-15T07:42:00Z", "2026-03-01T00:00:00Z"])
@pytest.mark.parametrize("extra", [[], ["-brief"], ["-showcerts"]])
def test_s_client_matches_a_real_handshake(tmp_path: Path, attime: str,
                                           extra: list[str]) -> None:
    site = make_site(tmp_path, attime)
    port = _free_port()
    assert OPENSSL is not None
    server = subprocess.Popen([OPENSSL, "s_server", "-accept", str(port), "-cert", "cert.pem",
                               "-key", "privkey.pem", "-cert_chain", "chain.pem", "-quiet",
                               "-www"], cwd=tmp_path, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        epoch = str(site.host.world.clock.now_ms // 1000)
        theirs = real(site, "s_client", "-connect", f"127.0.0.1:{port}", "-servername",
                      "shop.example.com", "-CAfile", "root.pem", "-attime", epoch, *extra)
    finally:
        server.terminate()
        server.wait()
    ours = run_tool(site.host, ["openssl", "s_client", "-connect", "shop.example.com:443",
                                "-servername", "shop.example.com", *extra])
    def norm(text: str) -> str:
        # The real ECDSA handshake signature varies by a byte or two (ours is fixed), and
        # session tickets sometimes arrive before stdin's EOF ends the session (ours never).
        text = text.split("---\nPost-Handshake New Session Ticket arrived:")[0]
        return text.replace("2154 bytes", "2153 bytes").replace("2155 bytes", "2153 bytes")

    assert norm(ours.out) == norm(theirs.stdout.decode())
    assert ours.err == theirs.stderr.decode()
    assert ours.status == theirs.returncode


def test_s_client_quiet_prints_only_the_verify_callbacks(site: TlsSite) -> None:
    # (Not compared live: -quiet implies -ign_eof, so the real one waits for the server.)
    result = run_tool(site.host, ["openssl", "s_client", "-connect", "shop.example.com:443",
                                  "-quiet"])
    assert (result.out, result.status) == ("", 0)
    assert result.err.startswith("depth=2 C = US, O = Internet Security Research Group, "
                                 "CN = ISRG Root X1\nverify return:1\n")
    assert result.err.endswith("depth=0 CN = shop.example.com\nnotAfter=Apr 14 04:41:59 2026 "
                               "GMT\nverify return:1\n")


def test_s_client_without_tls_or_listener(site: TlsSite) -> None:
    plain = run_tool(site.host, ["openssl", "s_client", "-connect", "shop.example.com:80"])
    assert plain.status == 1 and "wrong version number" in plain.err
    assert "no peer certificate available" in plain.out
    closed = run_tool(site.host, ["openssl", "s_client", "-connect", "shop.example.com:8443"])
    assert closed.status == 1 and closed.err.endswith("connect:errno=111\n")
    unknown = run_tool(site.host, ["openssl", "s_client", "-connect", "nosuch.invalid:443"])
    assert "Name or service not known" in unknown.err


@needs_openssl
@pytest.mark.parametrize("args", [[], ["help"]])
def test_help_is_the_real_list(site: TlsSite, args: list[str]) -> None:
    ours = run_tool(site.host, ["openssl", *args])
    theirs = real(site, *args)
    assert (ours.out, ours.err, ours.status) == ("", theirs.stderr.decode(), 0)


def test_real_commands_we_do_not_model_say_so(site: TlsSite) -> None:
    result = run_tool(site.host, ["openssl", "req", "-new"])
    assert result.status == 1 and "not supported in this simulation" in result.err
