"""Certificates, verification, the CA and certbot's renewal engine (pagerdrill.world.tls)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.tlsfixture import NAMES, install_renewal, renewal_conf

from pagerdrill.world.host import Host
from pagerdrill.world.tls import (
    acme_for,
    hostname_matches,
    issue_leaf,
    leaf_key,
    load_pem_chain,
    parse_renewal_conf,
    pem,
    root_certificate,
    verify_chain,
)
from pagerdrill.world.tls.acme import AcmeError
from pagerdrill.world.tls.certs import self_signed
from pagerdrill.world.tls.lineage import Lineage
from pagerdrill.world.tls.renewal import RenewOptions, renew, renewal_problem
from pagerdrill.world.world import World

T0 = 1_780_000_000_000  # 2026-05-28
DAY = 86_400_000
OPENSSL = shutil.which("openssl")


def chain(t0: int = T0, seed: int = 1) -> bytes:
    return issue_leaf(NAMES, leaf_key(seed), t0, 0x03 << 136 | seed).fullchain


def codes(data: bytes, now: int) -> list[tuple[int, int]]:
    result = verify_chain(load_pem_chain(data), [root_certificate()], now)
    return [(e.depth, e.code) for e in result.errors]


def test_issuance_is_deterministic() -> None:
    assert chain() == chain()
    assert chain(seed=2) != chain()


def test_verification_over_the_lifetime() -> None:
    data = chain()
    assert codes(data, T0 + DAY) == []
    assert codes(data, T0 - DAY) == [(0, 9)]
    assert codes(data, T0 + 91 * DAY) == [(0, 10)]
    leaf_only = load_pem_chain(data)[0]
    assert codes(pem(leaf_only), T0 + DAY) == [(0, 20), (0, 21)]
    snake = self_signed("web-01", 3, T0, 365)
    assert codes(snake.cert, T0 + DAY) == [(0, 18)]


def test_success_calls_come_top_down_and_the_error_stays_set() -> None:
    result = verify_chain(load_pem_chain(chain()), [root_certificate()], T0 + 91 * DAY)
    assert [(e.depth, e.code, e.ok) for e in result.events] == [
        (2, 0, True), (1, 0, True), (0, 10, False), (0, 10, True)]
    assert result.message == "certificate has expired"


def test_hostname_matching_uses_the_san() -> None:
    leaf = load_pem_chain(chain())[0]
    assert hostname_matches(leaf, "www.shop.example.com")
    assert hostname_matches(leaf, "SHOP.example.com.")
    assert not hostname_matches(leaf, "example.com")
    assert not hostname_matches(leaf, "api.shop.example.com")


@pytest.mark.skipif(OPENSSL is None, reason="no openssl binary to compare with")
@pytest.mark.parametrize(("offset_days", "expected"), [(1, 0), (91, 2)])
def test_real_openssl_agrees(tmp_path: Path, offset_days: int, expected: int) -> None:
    data = chain()
    leaf, intermediate = (pem(c) for c in load_pem_chain(data))
    (tmp_path / "root.pem").write_bytes(pem(root_certificate()))
    (tmp_path / "chain.pem").write_bytes(intermediate)
    (tmp_path / "leaf.pem").write_bytes(leaf)
    attime = str((T0 + offset_days * DAY) // 1000)
    assert OPENSSL is not None
    real = subprocess.run([OPENSSL, "verify", "-CAfile", "root.pem", "-untrusted", "chain.pem",
                           "-attime", attime, "leaf.pem"], cwd=tmp_path, capture_output=True)
    assert real.returncode == expected


def test_rate_limit_counts_the_exact_set(world: World) -> None:
    acme = acme_for(world)
    for k in range(5):
        acme.record(NAMES, T0 - k * DAY)
    with pytest.raises(AcmeError, match=r"too many certificates \(5\) already issued for this "
                       r"exact set of identifiers in the last 168h0m0s, retry after "
                       r"2026-05-31 \d\d:\d\d:\d\d UTC"):
        acme.issue(NAMES, T0 + 1000, 4, staging=False)
    assert acme.refusals == 1
    acme.issue(NAMES[:1], T0 + 1000, 1, staging=False)  # another set of names is fine
    acme.issue(NAMES, T0 + 1000, 4, staging=True)  # so is staging
    acme.issue(NAMES, T0 + 3 * DAY, 4, staging=False)  # once the oldest leaves the window


def lineage_host(host: Host, params: str, issued: int) -> None:
    install_renewal(host, params, issued, key_seed=1, serial=7)


def no_hooks(command: str) -> tuple[int, str, str]:
    return 127, "", f"/bin/sh: 1: {command.split()[0]}: not found\n"


def test_parse_renewal_conf_sections() -> None:
    conf = parse_renewal_conf("/etc/letsencrypt/renewal/x.conf", renewal_conf(
        "authenticator = webroot\nwebroot_path = /var/www/a,\n[[webroot_map]]\n"
               "www.shop.example.com = /var/www/b"))
    assert conf.name == "x" and conf.authenticator == "webroot"
    assert conf.webroot_for("shop.example.com") == "/var/www/a"
    assert conf.webroot_for("www.shop.example.com") == "/var/www/b"
    with pytest.raises(ValueError, match="matched as neither section nor keyword"):
        parse_renewal_conf("/x.conf", "this line is broken\n")


def test_renew_skips_a_certificate_not_yet_due(host: Host) -> None:
    lineage_host(host, "authenticator = standalone", host.clock.now_ms)
    report = renew(host, RenewOptions(), no_hooks)
    assert report.status == 0 and report.renewed == []
    texts = [e.text for e in report.events]
    assert "No renewals were attempted." in texts


def test_standalone_renewal_issues_and_relinks(host: Host) -> None:
    lineage_host(host, "authenticator = standalone", host.clock.now_ms - 80 * DAY)
    report = renew(host, RenewOptions(), no_hooks)
    assert report.status == 0 and report.renewed == ["shop.example.com"]
    lineage = Lineage(parse_renewal_conf(
        "/etc/letsencrypt/renewal/shop.example.com.conf",
        renewal_conf("authenticator = standalone")), host.fs)
    assert lineage.latest_version() == 2 and lineage.check_links() is None
    assert host.fs.lookup("/etc/letsencrypt/live/shop.example.com/cert.pem",
                          follow=False).target == "../../archive/shop.example.com/cert2.pem"
    assert renewal_problem(host) is None


def test_a_busy_port_80_fails_standalone_and_the_hooks_run(host: Host) -> None:
    lineage_host(host, "pre_hook = systemctl stop apache2\nauthenticator = standalone",
                 host.clock.now_ms - 80 * DAY)
    proc = host.procs.spawn(["nginx"])
    host.listen(80, proc)
    ran: list[str] = []

    def hooks(command: str) -> tuple[int, str, str]:
        ran.append(command)
        return 5, "", "Failed to stop apache2.service: Unit apache2.service not loaded.\n"

    report = renew(host, RenewOptions(), hooks)
    assert report.status == 1 and ran == ["systemctl stop apache2"]
    errors = [e.text for e in report.events if e.level == "ERROR"]
    assert errors[0].startswith("Failed to renew certificate shop.example.com with error: "
                                "Could not bind TCP port 80")
    assert "All renewals failed. The following certificates could not be renewed:" in errors
    warnings = [e.text for e in report.events if e.level == "WARNING"]
    assert warnings == ["Hook 'pre-hook' reported error code 5",
                        "Hook 'pre-hook' ran with error output:\n Failed to stop "
                        "apache2.service: Unit apache2.service not loaded."]
    assert renewal_problem(host) is not None and "Could not bind" in str(renewal_problem(host))


def test_a_missing_webroot_fails_before_any_request(host: Host) -> None:
    lineage_host(host, "authenticator = webroot\nwebroot_path = /var/www/old,",
                 host.clock.now_ms - 80 * DAY)
    report = renew(host, RenewOptions(dry_run=True), no_hooks)
    assert report.status == 1
    assert renewal_problem(host) == "/var/www/old does not exist or is not a directory"


def test_deleted_live_links_are_a_parse_failure(host: Host) -> None:
    lineage_host(host, "authenticator = standalone", host.clock.now_ms - 80 * DAY)
    host.fs.unlink("/etc/letsencrypt/live/shop.example.com/cert.pem")
    report = renew(host, RenewOptions(), no_hooks)
    assert report.status == 1
    assert any("expected /etc/letsencrypt/live/shop.example.com/cert.pem to be a symlink"
               in e.text for e in report.events)


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.mark.skipif(NGINX is None, reason="no nginx binary to compare with")
@pytest.mark.parametrize(("cert", "key"), [("cert", "key"), ("cert", "other"), ("junk", "key"),
                                           ("cert", "junk")])
def test_nginx_certificate_checks_match_nginx_t(tmp_path: Path, cert: str, key: str) -> None:
    from cryptography.hazmat.primitives import serialization

    from pagerdrill.world.tls.webserver import check_certificate_pair

    issued = issue_leaf(NAMES, leaf_key(1), T0, 5)
    files = {"cert": issued.cert, "key": issued.key, "junk": b"junk\n",
             "other": leaf_key(2).private_bytes(serialization.Encoding.PEM,
                                                serialization.PrivateFormat.PKCS8,
                                                serialization.NoEncryption())}
    for name, data in files.items():
        (tmp_path / f"{name}.pem").write_bytes(data)
    (tmp_path / "nginx.conf").write_text(
        f"events {{}}\nhttp {{ server {{ listen 18444 ssl; ssl_certificate {tmp_path}/{cert}.pem;"
        f" ssl_certificate_key {tmp_path}/{key}.pem; }} }}\n")
    assert NGINX is not None
    real = subprocess.run([NGINX, "-t", "-c", f"{tmp_path}/nginx.conf"], capture_output=True,
                          text=True, timeout=30, check=False)
    found = re.search(r"\[emerg\] \d+#\d+: (.*)", real.stderr)
    ours = check_certificate_pair(f"{tmp_path}/{cert}.pem", files[cert],
                                  f"{tmp_path}/{key}.pem", files[key])
    assert ours == (found.group(1) if found else None), real.stderr
