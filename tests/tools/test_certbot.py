"""certbot renew and certbot certificates, with certbot 2.x's wording."""

from __future__ import annotations

import pytest
from tests.tlsfixture import RENEWAL, install_renewal, renewal_conf
from tests.toolkit import run_tool

from pagerdrill.world.host import Host
from pagerdrill.world.tls import acme_for

DAY = 86_400_000
FRAME = "- " * 39 + "-"
APACHE = "pre_hook = systemctl stop apache2\npost_hook = systemctl start apache2\n" \
         "authenticator = standalone"


@pytest.fixture
def le_host(host: Host) -> Host:
    """A certificate issued 80 days ago (due), renewed by standalone with Apache's hooks,
    while something else holds port 80."""
    install_renewal(host, APACHE, host.clock.now_ms - 80 * DAY, key_seed=5, serial=99)
    host.listen(80, host.procs.spawn(["nginx: master process"]))
    return host


def test_renew_failure_as_certbot_prints_it(le_host: Host) -> None:
    result = run_tool(le_host, ["certbot", "renew"])
    assert result.status == 1
    assert result.out == (f"\n{FRAME}\nProcessing /etc/letsencrypt/renewal/shop.example.com.conf\n"
                          f"{FRAME}\nRenewing an existing certificate for shop.example.com and "
                          f"www.shop.example.com\n\n{FRAME}\n{FRAME}\n")
    assert result.err == (
        "Saving debug log to /var/log/letsencrypt/letsencrypt.log\n"
        "Hook 'pre-hook' reported error code 5\n"
        "Hook 'pre-hook' ran with error output:\n"
        " Failed to stop apache2.service: Unit apache2.service not loaded.\n"
        "Failed to renew certificate shop.example.com with error: Could not bind TCP port 80 "
        "because it is already in use by another process on this system (such as a web "
        "server). Please stop the program in question and then try again.\n"
        "All renewals failed. The following certificates could not be renewed:\n"
        "  /etc/letsencrypt/live/shop.example.com/fullchain.pem (failure)\n"
        "Hook 'post-hook' reported error code 5\n"
        "Hook 'post-hook' ran with error output:\n"
        " Failed to start apache2.service: Unit apache2.service not found.\n"
        "1 renew failure(s), 0 parse failure(s)\n"
        "Ask for help or search for solutions at https://community.letsencrypt.org. See the "
        "logfile /var/log/letsencrypt/letsencrypt.log or re-run Certbot with -v for more "
        "details.\n")
    log = le_host.fs.lookup("/var/log/letsencrypt/letsencrypt.log").content
    assert log is not None and b":ERROR:certbot._internal.renewal:Failed to renew" in log.read()


def test_quiet_prints_only_errors(le_host: Host) -> None:
    result = run_tool(le_host, ["certbot", "-q", "renew"])
    assert result.out == "" and result.status == 1
    assert result.err.startswith("Failed to renew certificate shop.example.com with error: ")
    assert "Hook" not in result.err


def test_hooks_that_free_port_80_make_it_work(le_host: Host) -> None:
    le_host.fs.put(RENEWAL, renewal_conf("authenticator = standalone").encode())
    del le_host.listeners[80]
    dry = run_tool(le_host, ["certbot", "renew", "--dry-run"])
    assert dry.status == 0
    assert "Simulating renewal of an existing certificate for shop.example.com and " \
           "www.shop.example.com\n" in dry.out
    assert "Congratulations, all simulated renewals succeeded: \n" \
           "  /etc/letsencrypt/live/shop.example.com/fullchain.pem (success)\n" in dry.out
    assert not le_host.fs.exists("/etc/letsencrypt/archive/shop.example.com/cert2.pem")
    real = run_tool(le_host, ["certbot", "renew"])
    assert real.status == 0 and "Congratulations, all renewals succeeded: \n" in real.out
    assert le_host.fs.exists("/etc/letsencrypt/archive/shop.example.com/cert2.pem")
    again = run_tool(le_host, ["certbot", "renew"])
    assert "The following certificates are not due for renewal yet:\n" in again.out
    assert "No renewals were attempted.\n" in again.out


def test_forced_renewals_hit_the_rate_limit(le_host: Host) -> None:
    le_host.fs.put(RENEWAL, renewal_conf("authenticator = standalone").encode())
    del le_host.listeners[80]
    for _ in range(5):
        assert run_tool(le_host, ["certbot", "renew", "--force-renewal"]).status == 0
    refused = run_tool(le_host, ["certbot", "renew", "--force-renewal"])
    assert refused.status == 1
    assert ("Failed to renew certificate shop.example.com with error: too many certificates "
            "(5) already issued for this exact set of identifiers in the last 168h0m0s, retry "
            "after 2026-03-24 03:07:00 UTC: see https://letsencrypt.org/docs/rate-limits/"
            "#new-certificates-per-exact-set-of-hostnames\n") in refused.err
    assert acme_for(le_host.world).refusals == 1


def test_certificates_lists_the_expiry(le_host: Host) -> None:
    result = run_tool(le_host, ["certbot", "certificates"])
    assert result.out == (
        f"\n{FRAME}\nFound the following certs:\n"
        "  Certificate Name: shop.example.com\n    Serial Number: 63\n    Key Type: ECDSA\n"
        "    Domains: shop.example.com www.shop.example.com\n"
        "    Expiry Date: 2026-03-27 03:06:59+00:00 (VALID: 9 days)\n"
        "    Certificate Path: /etc/letsencrypt/live/shop.example.com/fullchain.pem\n"
        "    Private Key Path: /etc/letsencrypt/live/shop.example.com/privkey.pem\n"
        f"{FRAME}\n")
    le_host.world.advance(10 * 86_400)
    assert "(INVALID: EXPIRED)" in run_tool(le_host, ["certbot", "certificates"]).out


def test_usage_errors(le_host: Host) -> None:
    bad = run_tool(le_host, ["certbot", "renew", "--bogus"])
    assert bad.status == 2 and bad.err.endswith("certbot: error: unrecognized arguments: "
                                                "--bogus\n")
    missing = run_tool(le_host, ["certbot", "renew", "--cert-name", "nope.example"])
    assert missing.status == 1 and "No certificate found with name nope.example" in missing.err
    user = run_tool(le_host, ["certbot", "renew"], user="nobody")
    assert user.status == 1 and "Either run as root" in user.err
