"""curl over https: verification against the simulated trust store, as curl 7.88 reports it."""

from __future__ import annotations

from pathlib import Path

from tests.tlsfixture import EXPIRED, make_site
from tests.toolkit import run_tool

CA_TEXT = ("More details here: https://curl.se/docs/sslcerts.html\n\ncurl failed to verify the "
           "legitimacy of the server and therefore could not\nestablish a secure connection to "
           "it. To learn more about this situation and\nhow to fix it, please visit the web page "
           "mentioned above.\n")


def test_an_expired_certificate_is_refused(tmp_path: Path) -> None:
    site = make_site(tmp_path, EXPIRED)
    result = run_tool(site.host, ["curl", "-sS", "https://shop.example.com/"])
    assert result.status == 60 and result.out == ""
    assert result.err == ("curl: (60) SSL certificate problem: certificate has expired\n"
                          + CA_TEXT)
    silent = run_tool(site.host, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                  "https://shop.example.com/"])
    assert (silent.out, silent.err, silent.status) == ("000", "", 60)


def test_verbose_shows_the_handshake_and_the_alert(tmp_path: Path) -> None:
    site = make_site(tmp_path, EXPIRED)
    err = run_tool(site.host, ["curl", "-v", "https://www.shop.example.com/"]).err
    assert "*  CAfile: /etc/ssl/certs/ca-certificates.crt\n" in err
    assert ("* TLSv1.3 (OUT), TLS alert, certificate expired (557):\n"
            "* SSL certificate problem: certificate has expired\n* Closing connection 0\n") in err


def test_insecure_continues_and_says_why(tmp_path: Path) -> None:
    site = make_site(tmp_path, EXPIRED)
    result = run_tool(site.host, ["curl", "-vk", "https://shop.example.com/"])
    assert result.status == 0 and result.out == "ok\n"
    assert "*  expire date: Apr 14 04:41:59 2026 GMT\n" in result.err
    assert ("*  SSL certificate verify result: certificate has expired (10), continuing "
            "anyway.\n") in result.err


def test_a_valid_certificate_and_a_wrong_name(tmp_path: Path) -> None:
    site = make_site(tmp_path, "2026-03-01T00:00:00Z")
    ok = run_tool(site.host, ["curl", "-v", "https://shop.example.com/"])
    assert ok.status == 0 and ok.out == "ok\n"
    assert ('*  subjectAltName: host "shop.example.com" matched cert\'s "shop.example.com"\n'
            "*  issuer: C=US; O=Let's Encrypt; CN=R11\n*  SSL certificate verify ok.\n") in ok.err
    wrong = run_tool(site.host, ["curl", "-sS", "https://localhost/"])
    assert wrong.status == 60
    assert wrong.err.startswith("curl: (60) SSL: no alternative certificate subject name "
                                "matches target host name 'localhost'\n")


def test_an_untrusted_root_and_plain_http_on_a_tls_url(tmp_path: Path) -> None:
    site = make_site(tmp_path, "2026-03-01T00:00:00Z")
    site.host.fs.put("/root/empty.pem", b"")
    untrusted = run_tool(site.host, ["curl", "-sS", "--cacert", "/root/empty.pem",
                                     "https://shop.example.com/"])
    assert untrusted.err.startswith("curl: (60) SSL certificate problem: unable to get local "
                                    "issuer certificate\n")
    plain = run_tool(site.host, ["curl", "-sS", "https://shop.example.com:80/"])
    assert (plain.status, plain.err) == (
        35, "curl: (35) error:0A00010B:SSL routines::wrong version number\n")
