"""Hooks for expired-tls-cert: the certificates, certbot's history, and the checks.

``setup`` issues the lineage's real certificates from the simulated Let's Encrypt
(the served one expired ``expired_hours`` before the page), writes the renewal
configuration the Apache-to-nginx migration left broken (``cause``: standalone with
Apache's stop/start hooks, or a webroot that no longer exists), installs certbot's
timer and service, and replays every twice-daily run since the certificate fell due:
the journal and /var/log/letsencrypt hold the real certbot error each time.
"""

from __future__ import annotations

import re

from pagerdrill.game.hookkit import read_text, scenario_vars, variable_host
from pagerdrill.game.programs import unwrap_program
from pagerdrill.tools.certbot import hook_runner
from pagerdrill.world.errors import FsError
from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.process import Process, Program, Signal, SignalAction
from pagerdrill.world.programs import NginxProxy, NginxSpec
from pagerdrill.world.programs.nginx import failed_reloads
from pagerdrill.world.prometheus import alerting_rules
from pagerdrill.world.rng import derive_seed
from pagerdrill.world.services import JournalEntry, Unit
from pagerdrill.world.timers import Oneshot, TimerSpec, next_calendar
from pagerdrill.world.tls import (
    acme_for,
    hostname_matches,
    install_lineage,
    install_trust_store,
    load_pem_chain,
    served_certificate,
    trusted_roots,
    verify_chain,
)
from pagerdrill.world.tls.certbotrun import CertbotRun, journal_lines
from pagerdrill.world.tls.certs import self_signed
from pagerdrill.world.tls.renewal import RenewOptions, renew, renewal_problem, write_log
from pagerdrill.world.world import World

__all__ = [
    "CertbotService",
    "Nginx",
    "StoreApi",
    "clients_connect",
    "error_ratio",
    "expiry_alert",
    "https_probe",
    "https_probe_history",
    "nginx_down",
    "orders_history",
    "orders_per_minute",
    "rate_limited",
    "reload_refused",
    "renewal_fixed",
    "serves_self_signed",
    "setup",
]

_DAY_MS = 86_400_000
_HOUR_MS = 3_600_000
LIFETIME_MS = 90 * _DAY_MS
RUN_EVERY_MS = 12 * _HOUR_MS
RULES_DIR = "/etc/prometheus/rules"


# -- programs -------------------------------------------------------------------------


class StoreApi:
    """The storefront API behind nginx: healthy throughout (the lie the dashboards tell)."""

    def __init__(self, port: int = 8080) -> None:
        self.port = port

    def start(self, host: Host, proc: Process) -> None:
        host.listen(self.port, proc, self.respond)
        proc.rss_kb = 142_000

    def respond(self, request: HttpRequest) -> HttpResponse:
        body = b'{"status":"ok"}\n' if request.path.startswith("/health") else b'{"items":[]}\n'
        return HttpResponse(200, body, {"Content-Type": "application/json"})

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        del host, proc, dt_ms

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        del host, proc
        return SignalAction.HANDLED if sig is Signal.SIGHUP else SignalAction.DEFAULT

    def stop(self, host: Host, proc: Process) -> None:
        del host, proc


def Nginx(server_name: str) -> Program:
    return NginxProxy(NginxSpec(server_name=server_name, listen_port=443,
                                requests_per_second=4.0))


def CertbotService() -> Program:
    return CertbotRun(hook_runner)


# -- reading the world ------------------------------------------------------------------


def _host(world: World) -> Host:
    return variable_host(world, "host", "web-01")


def _domain(world: World) -> str:
    return str(scenario_vars(world).get("domain", "shop.example.com"))


def _served_result(world: World) -> tuple[bool, int]:
    """(the chain on :443 names the domain, OpenSSL's verify code at the world's time)."""
    host = _host(world)
    peer = load_pem_chain(served_certificate(host, 443) or b"")
    if not peer:
        return False, -1
    result = verify_chain(peer, trusted_roots(host), world.clock.now_ms)
    domain = _domain(world)
    named = hostname_matches(peer[0], domain) and hostname_matches(peer[0], f"www.{domain}")
    return named, result.code


def clients_connect(world: World) -> bool:
    """Browsers and the mobile app complete the handshake: a trusted, current chain for the
    site's names, served by a running nginx."""
    named, code = _served_result(world)
    unit = _host(world).services.units.get("nginx.service")
    return named and code == 0 and unit is not None and unit.state == "active"


def serves_self_signed(world: World) -> bool:
    return _served_result(world)[1] in (18, 19)


def nginx_down(world: World) -> bool:
    unit = _host(world).services.units.get("nginx.service")
    return unit is None or unit.state != "active"


def rate_limited(world: World) -> bool:
    return acme_for(world).refusals > 0


def renewal_fixed(world: World) -> bool:
    """An unattended renewal would succeed now, and the timer that runs it is on."""
    host = _host(world)
    timer = host.services.units.get("certbot.timer")
    return (timer is not None and timer.state == "active" and timer.enabled
            and renewal_problem(host) is None)


_COMPARISON = re.compile(r"<=?\s*([0-9.*/ ()]+?)\s*$")
_ARITHMETIC = re.compile(r"^[0-9.]+(\s*[*/]\s*[0-9.]+)*$")
_EXPIRY_METRICS = ("probe_ssl_earliest_cert_expiry", "ssl_cert_not_after", "x509_cert_not_after")


def _threshold_days(expr: str) -> float | None:
    """The days-left threshold of ``EXPIRY - time() < N`` (in seconds, or per day)."""
    if not any(m in expr for m in _EXPIRY_METRICS) or "time()" not in expr:
        return None
    match = _COMPARISON.search(expr.strip())
    if match is None:
        return None
    text = match.group(1).replace("(", "").replace(")", "").strip()
    if not _ARITHMETIC.match(text):
        return None
    value = float(text.split("*")[0].split("/")[0])
    for op, number in re.findall(r"([*/])\s*([0-9.]+)", text):
        value = value * float(number) if op == "*" else value / float(number)
    per_day = re.search(r"/\s*(86400|3600\s*\*\s*24|60\s*\*\s*60\s*\*\s*24)\b",
                        expr[:match.start()])
    return value if per_day else value / 86_400


def expiry_alert(world: World) -> bool:
    """A rules file that still parses alerts when the certificate has 7 to 30 days left."""
    host = _host(world)
    try:
        names = host.fs.listdir(host.fs.lookup(RULES_DIR))
    except FsError:
        return False
    for name in names:
        for rule in alerting_rules(read_text(host, f"{RULES_DIR}/{name}") or ""):
            days = _threshold_days(rule.expr)
            if days is not None and 7 <= days <= 30:
                return True
    return False


def _proxy(world: World) -> NginxProxy | None:
    unit = _host(world).services.units.get("nginx.service")
    proc = _host(world).services.main_process(unit) if unit is not None else None
    program = unwrap_program(proc) if proc is not None else None
    return program if isinstance(program, NginxProxy) else None


def reload_refused(world: World) -> bool:
    return failed_reloads(_host(world)) > 0


def error_ratio(world: World) -> float:
    """nginx's 5xx share (%): honest, and near zero, since failed handshakes are no requests."""
    proxy = _proxy(world)
    if proxy is None or not proxy.requests:
        return 0.1
    return 100.0 * proxy.errors / proxy.requests


def _daily_orders(t_ms: int) -> float:
    """Orders per minute over a weekday: quiet at night, busy from 08:00 to 22:00 UTC."""
    hour = t_ms % _DAY_MS / _HOUR_MS
    return 6.0 + 44.0 * max(0.0, min(1.0, (hour - 5) / 3, (23 - hour) / 2))


def orders_per_minute(world: World) -> float:
    """Only the clients that get through the handshake can order (a few old app versions
    with their own trust store and HTTP callers, a quarter of the usual)."""
    usual = _daily_orders(world.clock.now_ms)
    return usual if clients_connect(world) else usual * 0.26


def orders_history(world: World, t_ms: int) -> float:
    usual = _daily_orders(t_ms)
    return usual if t_ms < _expired_at(world) else usual * 0.26


def https_probe(world: World) -> float:
    """The synthetic probe: 1 when a client would get through the handshake."""
    return 1.0 if clients_connect(world) else 0.0


def _expired_at(world: World) -> int:
    found = world.facts.get("tls.expired_at")
    return found if isinstance(found, int) else 0


def https_probe_history(world: World, t_ms: int) -> float:
    return 1.0 if t_ms < _expired_at(world) else 0.0


# -- building the world ---------------------------------------------------------------


def _renewal_conf(domain: str, cause: str, legacy_root: str, account: str) -> str:
    live = f"/etc/letsencrypt/live/{domain}"
    head = (f"# renew_before_expiry = 30 days\nversion = 1.21.0\n"
            f"archive_dir = /etc/letsencrypt/archive/{domain}\ncert = {live}/cert.pem\n"
            f"privkey = {live}/privkey.pem\nchain = {live}/chain.pem\n"
            f"fullchain = {live}/fullchain.pem\n\n# Options used in the renewal process\n"
            f"[renewalparams]\naccount = {account}\n")
    if cause == "apache-hooks":
        params = ("pre_hook = systemctl stop apache2\npost_hook = systemctl start apache2\n"
                  "authenticator = standalone\n")
    else:
        params = f"authenticator = webroot\nwebroot_path = {legacy_root},\n"
    return head + params + ("server = https://acme-v02.api.letsencrypt.org/directory\n"
                            "key_type = ecdsa\n")


_TIMER_UNITS = {
    # name: (description, OnCalendar, RandomizedDelaySec in ms, the service it starts)
    "apt-daily.timer": ("Daily apt download activities", "*-*-* 6,18:00", 12 * _HOUR_MS),
    "apt-daily-upgrade.timer": ("Daily apt upgrade and clean activities", "*-*-* 6:00",
                                _HOUR_MS),
    "dpkg-db-backup.timer": ("Daily dpkg database backup timer", "daily", 0),
    "logrotate.timer": ("Daily rotation of log files", "daily", 0),
    "man-db.timer": ("Daily man-db regeneration", "daily", 12 * _HOUR_MS),
    "e2scrub_all.timer": ("Periodic ext4 Online Metadata Check for All Filesystems",
                          "Sun *-*-* 03:10:00", 0),
    "fstrim.timer": ("Discard unused blocks once a week", "weekly", 6000_000),
}


def _last_elapse(spec: TimerSpec, now: int) -> int | None:
    """When a calendar timer last elapsed before ``now`` (with its randomized delay)."""
    found, t = None, now - 8 * _DAY_MS
    while (t := next_calendar(spec.on_calendar, t) or now) < now - spec.delay_ms:
        found = t
    return found + spec.delay_ms if found is not None else None


def _add_timer(host: Host, name: str, description: str, spec: TimerSpec,
               service: Unit, page: int) -> None:
    """A timer and the oneshot service it starts, as if both had run since boot."""
    host.services.add(service, start=False)
    unit = Unit(name=name, description=description, exec_start=[],
                unit_path=f"/lib/systemd/system/{name}", timer=spec, reloadable=False)
    host.services.add(unit)
    unit.since_ms = host.boot_ms
    if spec.on_calendar:
        spec.last_trigger_ms = _last_elapse(spec, page)


def _install_timers(world: World, host: Host, page: int) -> None:
    rng = world.rng.child("expired-tls-cert", "timers")
    for name, (description, calendar, spread) in _TIMER_UNITS.items():
        service = name.replace(".timer", ".service")
        spec = TimerSpec(service, on_calendar=calendar, persistent=True,
                         delay_ms=rng.randint(0, spread) // 1000 * 1000 if spread else 0)
        _add_timer(host, name, description, spec,
                   Unit(name=service, description=description, exec_start=["/bin/true"],
                        restart="no", reloadable=False, program_factory=Oneshot,
                        unit_path=f"/lib/systemd/system/{service}"), page)
    tmpfiles = TimerSpec("systemd-tmpfiles-clean.service", on_unit_active_ms=_DAY_MS)
    _add_timer(host, "systemd-tmpfiles-clean.timer", "Daily Cleanup of Temporary Directories",
               tmpfiles, Unit(name="systemd-tmpfiles-clean.service",
                              description="Cleanup of Temporary Directories",
                              exec_start=["systemd-tmpfiles", "--clean"], restart="no",
                              reloadable=False, program_factory=Oneshot,
                              unit_path="/lib/systemd/system/systemd-tmpfiles-clean.service"),
               page)
    tmpfiles.last_trigger_ms = page - rng.randint(2, 20) * _HOUR_MS
    tmpfiles.schedule(page)


def _issue_history(world: World, host: Host, domain: str, expires: int) -> None:
    """Three issuances, 60 days apart, the last one now expired; the CA remembers them."""
    names = [domain, f"www.{domain}"]
    acme = acme_for(world)
    for version in (1, 2, 3):
        issued = expires - LIFETIME_MS + 3_600_000 - (3 - version) * 60 * _DAY_MS
        chain = acme.issue(names, issued, version, staging=False)
        install_lineage(host.fs, domain, chain, version, mtime_ms=issued)


def _certbot_units(world: World, host: Host, page: int, due: int) -> list[int]:
    """certbot.timer and certbot.service; returns the runs since the certificate fell due."""
    rng = world.rng.child("expired-tls-cert", "certbot")
    delay = rng.randint(0, 43_199) * 1000  # RandomizedDelaySec=43200, drawn once
    spec = TimerSpec("certbot.service", on_calendar="*-*-* 00,12:00:00", delay_ms=delay,
                     persistent=True)
    service = Unit(name="certbot.service", description="Certbot",
                   exec_start=["/usr/bin/certbot", "-q", "renew"], restart="no",
                   reloadable=False, program_factory=CertbotService,
                   unit_path="/lib/systemd/system/certbot.service")
    _add_timer(host, "certbot.timer", "Run certbot twice daily", spec, service, page)
    assert spec.next_ms is not None
    runs = []
    t = spec.next_ms - RUN_EVERY_MS
    while t >= due:
        runs.append(t)
        t -= RUN_EVERY_MS
    spec.last_trigger_ms = runs[0] if runs else spec.last_trigger_ms
    return sorted(runs)


def _replay_runs(host: Host, runs: list[int]) -> None:
    """Every failed run since the certificate fell due: journal, logs, the unit's state."""
    report = renew(host, RenewOptions(arguments=["-q"]), hook_runner(host))
    service = host.services.units["certbot.service"]
    pid = 0
    for n, t in enumerate(runs):
        pid = 310_000 + 7_919 * n % 90_000
        host.journal.add(JournalEntry(t, "systemd", "Starting certbot.service - Certbot...",
                                      "certbot.service", 1))
        journal_lines(host, report, t + 2_400, pid)
        end = t + 2_400 + 30 * 12
        for message, priority in (
                ("certbot.service: Main process exited, code=exited, status=1/FAILURE", 5),
                ("certbot.service: Failed with result 'exit-code'.", 4),
                ("Failed to start certbot.service - Certbot.", 3)):
            host.journal.add(JournalEntry(end, "systemd", message, "certbot.service", 1,
                                          priority))
        if n >= len(runs) - 30:  # certbot keeps a log per run; the last month's are here
            write_log(host, report, t + 2_400)
    host.journal.sort_by_time()
    service.state, service.sub_state, service.result = "failed", "failed", "exit-code"
    service.last_pid, service.last_exit_status = pid, 1
    service.last_argv = list(service.exec_start)
    service.since_ms = runs[-1] + 2_800 if runs else host.boot_ms


def setup(world: World) -> None:
    """Certificates, the broken renewal, certbot's history, and the trust stores."""
    host = _host(world)
    variables = scenario_vars(world)
    domain = _domain(world)
    page = world.clock.now_ms
    expires = page - int(variables.get("expired_hours", 9)) * _HOUR_MS
    world.facts["tls.expired_at"] = expires
    for each in world.hosts.values():
        install_trust_store(each)
    _issue_history(world, host, domain, expires)
    account = f"{derive_seed(world.seed, 'account'):032x}"[:32]
    conf = _renewal_conf(domain, str(variables.get("cause", "apache-hooks")),
                         str(variables.get("legacy_root", "/var/www/html")), account)
    host.fs.put(f"/etc/letsencrypt/renewal/{domain}.conf", conf.encode(),
                mtime_ms=expires - LIFETIME_MS + 3_600_000)
    # Someone renewed by hand on the old Apache VM last week while testing the migration:
    # those issuances count against the same weekly limit.
    acme = acme_for(world)
    for k in range(int(variables.get("recent_issues", 3))):
        acme.record([domain, f"www.{domain}"], page - (k + 2) * _DAY_MS)
    snake = self_signed(f"{host.name}.{host.spec.domain}", derive_seed(world.seed, "snakeoil"),
                        host.boot_ms, 3650)
    host.fs.put("/etc/ssl/certs/ssl-cert-snakeoil.pem", snake.cert, mtime_ms=host.boot_ms)
    host.fs.put("/etc/ssl/private/ssl-cert-snakeoil.key", snake.key, mode=0o640,
                mtime_ms=host.boot_ms)
    unit = host.services.units.get("nginx.service")
    proc = host.services.main_process(unit) if unit is not None else None
    if proc is not None:  # nginx started before the files existed: load them now
        host.procs.kill(proc.pid, Signal.SIGHUP)
    _quiet_error_log(host)
    _install_timers(world, host, page)
    runs = _certbot_units(world, host, page, expires - 30 * _DAY_MS)
    _replay_runs(host, runs)


def _quiet_error_log(host: Host) -> None:
    """nginx started (at build) before setup wrote the certificates and complained; what
    it logged then is an artefact of building the world, not part of the story."""
    inode = host.fs.lookup("/var/log/nginx/error.log")
    host.fs.truncate(inode, 0, path="/var/log/nginx/error.log")
