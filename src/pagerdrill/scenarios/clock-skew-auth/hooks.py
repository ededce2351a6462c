"""Hooks for clock-skew-auth: the programs, the skewed node's past, and the checks.

The YAML declares the load balancer, five auth nodes (all alike), telemetry and the
story's text. ``setup`` does what data cannot: it keeps the first ``nodes`` nodes
(the rest are retired from the world), writes the load balancer's backend list,
and gives the faulty node its past: chrony upgraded and left stopped and disabled,
a reboot whose clock came from a drifted RTC, and the journal that follows, every
line stamped with that node's own (wrong) clock.
"""

from __future__ import annotations

import re

from pagerdrill.game.hookkit import read_text, scenario_vars, variable_host
from pagerdrill.game.programs import unwrap_program
from pagerdrill.tools.system.timefmt import strftime
from pagerdrill.world.host import Host, User
from pagerdrill.world.process import Program
from pagerdrill.world.programs.app import BOOTING
from pagerdrill.world.programs.authlb import BASELINE_401, AuthBalancer
from pagerdrill.world.programs.authsvc import AuthService, read_config
from pagerdrill.world.programs.chrony import Chronyd
from pagerdrill.world.prometheus import alerting_rules
from pagerdrill.world.services import Journal, JournalEntry
from pagerdrill.world.world import Rule, World

__all__ = [
    "Auth",
    "Balancer",
    "Chrony",
    "clock_alert",
    "clock_fixed",
    "latency_p99_ms",
    "leeway_raised",
    "login_401_history",
    "login_401_percent",
    "logins_ok",
    "node_drained",
    "setup",
]

_MIN = 60_000
NODE_CAPACITY = 34.0  # logins per second one node serves before queueing
UTILISATION = 0.6  # the pool's load with every node in rotation
SAFE_TOLERANCE_S = 60  # a clockTolerance above this is a security regression


# -- programs -------------------------------------------------------------------------


def Auth() -> Program:
    return AuthService()


def Chrony() -> Program:
    return Chronyd()


def Balancer(nodes: int = 3) -> Program:
    return AuthBalancer(logins_per_second=UTILISATION * nodes * NODE_CAPACITY,
                        node_capacity=NODE_CAPACITY)


# -- reading the world -------------------------------------------------------------------


def _vars(world: World) -> dict[str, object]:
    return dict(scenario_vars(world))


def _lb(world: World) -> Host:
    return variable_host(world, "lb", "lb-01")


def node_name(world: World, index: int) -> str:
    return f"{scenario_vars(world).get('node', 'auth')}-{index:02d}"


def _bad(world: World) -> Host:
    host = world.host(node_name(world, int(str(_vars(world).get("bad", 3)))))
    assert host is not None
    return host


def _balancer(world: World) -> AuthBalancer | None:
    lb = _lb(world)
    try:
        unit = lb.services.find("haproxy")
    except Exception:
        return None
    proc = lb.services.main_process(unit)
    program = unwrap_program(proc) if proc is not None else None
    return program if isinstance(program, AuthBalancer) else None


def _auth(host: Host) -> AuthService | None:
    unit = host.services.units.get("authsvc.service")
    proc = host.services.main_process(unit) if unit else None
    program = unwrap_program(proc) if proc is not None else None
    return program if isinstance(program, AuthService) else None


# -- objectives, traps and the map --------------------------------------------------------


def logins_ok(world: World) -> bool:
    """No session check fails for clock reasons, with the pool still serving."""
    balancer = _balancer(world)
    return balancer is not None and bool(balancer.healthy()) and balancer.failing_share() == 0


def node_drained(world: World) -> bool:
    """The faulty node is out of the load balancer's rotation."""
    balancer = _balancer(world)
    bad = _bad(world)
    return balancer is not None and all(b.name != bad.name and b.address != bad.name
                                        for b in balancer.backends)


def clock_fixed(world: World) -> bool:
    """chrony runs and is enabled on the faulty node, its clock is within 100 ms,
    and the node serves in the pool again."""
    bad = _bad(world)
    unit = bad.services.units.get("chrony.service")
    return (unit is not None and unit.state == "active" and unit.enabled
            and abs(bad.clock_offset_ms) < 100 and not node_drained(world)
            and _auth(bad) is not None)


def leeway_raised(world: World) -> bool:
    """Some node accepts tokens more than a minute outside their validity (on disk or live)."""
    for host in _nodes(world):
        running = _auth(host)
        if running is not None and running.config.tolerance_s > SAFE_TOLERANCE_S:
            return True
        try:
            if read_config(host).tolerance_s > SAFE_TOLERANCE_S:
                return True
        except (ValueError, TypeError):
            continue
    return False


_COMPARE = re.compile(r"([<>]=?)\s*([0-9]*\.?[0-9]+(?:e-?[0-9]+)?)\s*$")
_OFFSET_METRICS = ("node_timex_offset_seconds", "chrony_tracking_system_time_seconds",
                   "chrony_tracking_last_offset_seconds", "node_timex_maxerror_seconds")


def clock_alert(world: World) -> bool:
    """A rules file on the monitoring host alerts on the clock offset: abs(...) of an
    offset metric above a threshold of at most 0.1 s, held for a while."""
    lb = _lb(world)
    for path in ("/etc/prometheus/rules/auth.yml", "/etc/prometheus/rules/node.yml",
                 "/etc/prometheus/rules/clock.yml", "/etc/prometheus/rules/time.yml"):
        for rule in alerting_rules(read_text(lb, path) or ""):
            expr = rule.expr.strip()
            match = _COMPARE.search(expr)
            if (match and match.group(1).startswith(">") and "abs(" in expr
                    and any(m in expr for m in _OFFSET_METRICS)
                    and 0 < float(match.group(2)) <= 0.1 and rule.for_):
                return True
    return False


def login_401_percent(world: World) -> float:
    balancer = _balancer(world)
    if balancer is None:
        return 100.0
    share = balancer.failing_share()
    return round(100 * (BASELINE_401 + (1 - BASELINE_401) * share), 2)


def latency_p99_ms(world: World) -> float:
    balancer = _balancer(world)
    return round(balancer.latency_p99_ms(), 1) if balancer is not None else 0.0


def login_401_history(world: World, t_ms: int) -> float:
    """401s before the page: the baseline, then the skewed node's share from its return."""
    back = world.facts.get("clock-skew.rejoined_ms")
    share = world.facts.get("clock-skew.share")
    assert isinstance(back, int) and isinstance(share, float), "setup has not run"
    return 100 * (BASELINE_401 + ((1 - BASELINE_401) * share if t_ms >= back else 0.0))


def _nodes(world: World) -> list[Host]:
    nodes = int(str(_vars(world).get("nodes", 3)))
    return [h for i in range(1, nodes + 1) if (h := world.host(node_name(world, i)))]


# -- the world before the page -------------------------------------------------------------

_CFG_HEAD = """\
global
    log /dev/log local0
    log /dev/log local1 notice
    chroot /var/lib/haproxy
    stats socket /run/haproxy/admin.sock mode 660 level admin
    user haproxy
    group haproxy
    daemon

defaults
    log global
    mode http
    option httplog
    option dontlognull
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend auth_front
    bind *:80
    default_backend auth_nodes

backend auth_nodes
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
"""


def _retire_extra_nodes(world: World, keep: int) -> None:
    """The YAML declares five nodes; this seed's pool has ``keep``."""
    gone = [name for i in range(keep + 1, 6) if (name := node_name(world, i)) in world.hosts]
    for name in gone:
        del world.hosts[name]
    for host in world.hosts.values():
        text = read_text(host, "/etc/hosts") or ""
        lines = [line for line in text.splitlines() if not any(f"\t{n}" in line for n in gone)]
        host.fs.put("/etc/hosts", ("\n".join(lines) + "\n").encode())


def _quiet_journal(host: Host) -> None:
    """Forget what building the world wrote: setup writes this node's real past."""
    host.journal = Journal()


def _log(host: Host, t_ms: int, ident: str, message: str, unit: str = "", pid: int = 0,
         priority: int = 6) -> None:
    host.journal.add(JournalEntry(t_ms, ident, message, unit, pid, priority))


def _stamp(t_ms: int) -> str:
    return strftime("%Y-%m-%d  %H:%M:%S", t_ms)


def _upgrade_files(host: Host, upgrade: int, engineer: str) -> None:
    """apt's and dpkg's record of the upgrade, and the engineer's shell history."""
    end = upgrade + 94_000
    history = (
        (read_text(host, "/var/log/apt/history.log") or "")
        + f"\nStart-Date: {_stamp(upgrade)}\n"
        "Commandline: apt-get -y -o Dpkg::Options::=--force-confold dist-upgrade\n"
        f"Requested-By: {engineer.split()[0].lower()} (1000)\n"
        "Install: linux-image-6.1.0-27-amd64:amd64 (6.1.115-1, automatic)\n"
        "Upgrade: chrony:amd64 (4.3-2+deb12u1, 4.3-2+deb12u2), "
        "linux-image-amd64:amd64 (6.1.76-1, 6.1.115-1), "
        "openssl:amd64 (3.0.11-1~deb12u2, 3.0.15-1~deb12u1), "
        "libssl3:amd64 (3.0.11-1~deb12u2, 3.0.15-1~deb12u1), "
        "nodejs:amd64 (18.19.0+dfsg-6~deb12u1, 18.19.0+dfsg-6~deb12u2)\n"
        f"End-Date: {_stamp(end)}\n")
    host.fs.put("/var/log/apt/history.log", history.encode(), mtime_ms=end)
    steps = [f"{_stamp(upgrade + 2000).replace('  ', ' ')} startup archives unpack"]
    t = upgrade + 3000
    for pkg, old, new in (("libssl3:amd64", "3.0.11-1~deb12u2", "3.0.15-1~deb12u1"),
                          ("openssl:amd64", "3.0.11-1~deb12u2", "3.0.15-1~deb12u1"),
                          ("chrony:amd64", "4.3-2+deb12u1", "4.3-2+deb12u2"),
                          ("nodejs:amd64", "18.19.0+dfsg-6~deb12u1", "18.19.0+dfsg-6~deb12u2")):
        stamp = _stamp(t).replace("  ", " ")
        steps += [f"{stamp} upgrade {pkg} {old} {new}",
                  f"{stamp} status half-configured {pkg} {old}",
                  f"{stamp} status unpacked {pkg} {new}"]
        t += 7000
    for pkg, new in (("libssl3:amd64", "3.0.15-1~deb12u1"), ("openssl:amd64", "3.0.15-1~deb12u1"),
                     ("chrony:amd64", "4.3-2+deb12u2"), ("nodejs:amd64", "18.19.0+dfsg-6~deb12u2")):
        stamp = _stamp(t).replace("  ", " ")
        steps += [f"{stamp} configure {pkg} {new} <none>",
                  f"{stamp} status half-configured {pkg} {new}",
                  f"{stamp} status installed {pkg} {new}"]
        t += 4000
    old = read_text(host, "/var/log/dpkg.log") or ""
    host.fs.put("/var/log/dpkg.log", (old + "\n".join(steps) + "\n").encode(), mtime_ms=t)
    host.fs.put("/root/.bash_history", (
        b"uptime\napt-get update\napt list --upgradable\n"
        b"# chrony gets upgraded too: stop it so it does not step the clock mid-upgrade\n"
        b"systemctl disable --now chrony\n"
        b"apt-get -y -o Dpkg::Options::=--force-confold dist-upgrade\n"
        b"systemctl is-active authsvc\nreboot\n"), mode=0o600, mtime_ms=end + 60_000)


def _bad_node_past(world: World, bad: Host, offset_ms: float, reboot: int, upgrade: int,
                   engineer: str) -> None:
    """chrony stopped and disabled for the upgrade, then a reboot onto the RTC's time."""
    chrony = bad.services.find("chrony")
    auth = bad.services.find("authsvc")
    bad.services.stop("chrony")
    bad.services.disable("chrony")
    _quiet_journal(bad)
    pid = chrony.last_pid or 0
    # Stopped in the previous boot: this boot systemd never ran it.
    chrony.last_pid, chrony.last_exit_status, chrony.last_argv = None, None, []
    _log(bad, upgrade - 40_000, "systemd", f"Stopping {chrony.label}...", chrony.name, 1)
    _log(bad, upgrade - 40_000, "chronyd", "chronyd exiting", chrony.name, pid)
    _log(bad, upgrade - 39_900, "systemd", f"{chrony.name}: Deactivated successfully.",
         chrony.name, 1)
    _log(bad, upgrade - 39_900, "systemd", f"Stopped {chrony.label}.", chrony.name, 1)
    _log(bad, upgrade - 39_800, "systemd", "Reloading.", "", 1)
    # From here the kernel took its time from the RTC, minutes off, and nothing corrected it.
    skewed = round(offset_ms)
    _log(bad, reboot + skewed, "kernel", "Linux version 6.1.0-27-amd64 "
         "(debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU "
         "Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)",
         "", 0, 5)
    _log(bad, reboot + skewed + 1_200, "systemd", "systemd 252.33-1~deb12u1 running in system "
         "mode (+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL "
         "+ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK "
         "+PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK "
         "-XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified)", "", 1)
    _log(bad, reboot + skewed + 1_900, "systemd", f"Starting {auth.label}...", auth.name, 1)
    _log(bad, reboot + skewed + 2_000, "systemd", f"Started {auth.label}.", auth.name, 1)
    bad.boot_ms = reboot
    chrony.since_ms = reboot + 1_500
    for proc in bad.procs:
        if proc.start_ms < reboot:
            proc.start_ms = reboot + (0 if proc.pid == 1 else 1_500 + proc.pid % 900)
    auth.since_ms = reboot + 2_000
    running = _auth(bad)
    assert running is not None
    main = bad.services.main_process(auth)
    assert main is not None
    main.start_ms = auth.since_ms
    running.log_listening(reboot + skewed + 2_400)
    _upgrade_files(bad, upgrade, engineer)


def _logs_before_page(world: World, nodes: list[Host], since: int, page: int) -> None:
    """What the pool logged in the last hour, in true-time order: a sample rejection every
    2 s on each node that refuses another's tokens (from the node's return to the pool),
    and the database's slow-acquire warnings on every node alike (a red herring)."""
    services = [(h, s) for h in nodes if (s := _auth(h)) is not None]
    rng = world.rng.child("clock-skew", "history")
    slow = 14 if scenario_vars(world).get("herring") == "db" else 3
    warnings = sorted((rng.randint(page - 60 * _MIN, page - 1000), i)
                      for i in range(len(services)) for _ in range(slow))
    for t in range(since - 2_000 * ((since - page + 60 * _MIN) // 2_000), page, 2_000):
        while warnings and warnings[0][0] < t:
            at, i = warnings.pop(0)
            host, service = services[i]
            if abs(host.clock_offset_ms) < 1000 or at >= since:  # the skewed node was down
                service.log_slow_pool(rng.randint(600, 1900), at + round(host.clock_offset_ms))
        if t < since:
            continue
        for verifier_host, verifier in services:
            for issuer_host, issuer in services:
                issued = (t + round(issuer_host.clock_offset_ms)) // 1000
                local = t + round(verifier_host.clock_offset_ms)
                error = verifier.check_claims(issued, issuer.config.ttl_s, local // 1000)
                if error is not None:
                    claims = {"sub": f"user-{rng.randint(10000, 99999)}", "iat": issued,
                              "nbf": issued, "exp": issued + issuer.config.ttl_s}
                    verifier.log_rejection(error, claims, "/v1/session", at_ms=local)
                    break
    for host in nodes:
        if abs(host.clock_offset_ms) < 1000:
            host.journal.sort_by_time()


def _watch_traps(world: World, bad: Host) -> None:
    """Facts the traps read: authsvc restarted while skewed, the clock set by hand."""
    state = {"pid": 0, "offset": bad.clock_offset_ms}
    unit = bad.services.find("authsvc")
    state["pid"] = unit.main_pid or 0

    def watch(world: World, dt_ms: int) -> None:
        pid = unit.main_pid or 0
        if pid and pid != state["pid"]:
            running = _auth(bad)
            # A restart that loads a wider leeway is the other trap, not this one.
            if (abs(bad.clock_offset_ms) > 1000 and running is not None
                    and running.config.tolerance_s <= SAFE_TOLERANCE_S):
                world.facts["clock-skew.restarted_while_skewed"] = True
            state["pid"] = pid
        chrony = bad.services.units.get("chrony.service")
        jump = abs(bad.clock_offset_ms - state["offset"]) - dt_ms * abs(bad.clock_drift_ppm) / 1e6
        if jump > 500 and (chrony is None or chrony.state != "active"):
            world.facts["clock-skew.clock_set_by_hand"] = True
        state["offset"] = bad.clock_offset_ms

    world.rules.append(Rule("clock-skew-traps", watch))


def _chrony_user(host: Host) -> None:
    """Debian's ``_chrony`` system account (its name is outside the YAML's user syntax)."""
    host.add_user(User("_chrony", 107, 113, "/var/lib/chrony", "/usr/sbin/nologin",
                       "Chrony daemon,,,"))
    for path, line in (("/etc/passwd", "_chrony:x:107:113:Chrony daemon,,,:/var/lib/chrony:"
                        "/usr/sbin/nologin\n"), ("/etc/group", "_chrony:x:113:\n")):
        host.fs.put(path, ((read_text(host, path) or "") + line).encode())
    for path in ("/var/lib/chrony", "/var/log/chrony", "/var/lib/chrony/chrony.drift"):
        if not host.fs.exists(path):
            continue
        inode = host.fs.lookup(path)
        inode.uid, inode.gid = 107, 113


def setup(world: World) -> None:
    variables = _vars(world)
    page = world.clock.now_ms
    count = int(str(variables.get("nodes", 3)))
    _retire_extra_nodes(world, count)
    nodes = _nodes(world)
    for host in [*nodes, _lb(world)]:
        _chrony_user(host)
    world.facts[f"clock-skew.herring_{variables.get('herring', 'config')}"] = True
    lb = _lb(world)
    servers = "".join(f"    server {h.name} {h.spec.ip}:8080 check inter 2s fall 3 rise 2\n"
                      for h in nodes)
    lb.fs.put("/etc/haproxy/haproxy.cfg", (_CFG_HEAD + servers).encode(),
              mtime_ms=page - 34 * 86_400_000)
    balancer = _balancer(world)
    assert balancer is not None
    balancer.load_config()
    bad = _bad(world)
    rng = world.rng.child("clock-skew", "clock")
    ttl = read_config(bad).ttl_s
    tolerance = read_config(bad).tolerance_s
    skew_s = int(str(variables.get("skew_s", 312)))
    ahead = variables.get("direction", "behind") == "ahead"
    if ahead:  # ahead, the node must be past a token's lifetime to refuse good tokens
        skew_s = max(skew_s, ttl + tolerance + 35)
    offset_ms = (1 if ahead else -1) * (skew_s * 1000 + rng.randint(0, 999) + rng.random())
    reboot = page - int(str(variables.get("reboot_min", 19))) * _MIN
    upgrade = reboot - rng.randint(4, 7) * _MIN
    _bad_node_past(world, bad, offset_ms, reboot, upgrade, str(variables.get("engineer", "")))
    bad.clock_offset_ms = offset_ms
    # A clock that fell behind runs slow; one that ran ahead runs fast.
    bad.clock_drift_ppm = (1 if ahead else -1) * float(str(variables.get("drift_ppm", 380)))
    bad.clock_synchronized = False
    rejoined = reboot + 45_000
    _logs_before_page(world, nodes, rejoined, page)
    world.facts["clock-skew.rejoined_ms"] = rejoined
    world.facts["clock-skew.share"] = balancer.failing_share()
    world.facts["clock-skew.skew_s"] = skew_s
    world.facts[BOOTING] = False
    _watch_traps(world, bad)
