"""Who and where: hostname, whoami, id, uname, w, who, dmesg."""

from __future__ import annotations

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.session import SESSION_TTY
from pagerdrill.tools.system.timefmt import from_ms, uptime_phrase

__all__ = ["dmesg", "hostname", "id_", "uname", "w", "who", "whoami"]

_HOSTNAME_USAGE = (
    "Usage: hostname [-b] {hostname|-F file}         set host name (from file)\n"
    "       hostname [-a|-A|-d|-f|-i|-I|-s|-y]       display formatted name\n"
    "       hostname                                 display host name\n"
)


@command("hostname")
def hostname(inv: Invocation) -> CommandOutput:
    """hostname - show the system's host name (-f -s -d -i -I -A -a).

    Setting the name is refused for non-root and ignored for root (not modelled).
    """
    spec = inv.host.spec
    fqdn = f"{spec.name}.{spec.domain}"
    answers = {"f": fqdn, "s": spec.name, "d": spec.domain, "i": spec.ip, "I": spec.ip + " ",
               "A": fqdn + " ", "a": ""}
    longs = {"--fqdn": "f", "--long": "f", "--short": "s", "--domain": "d",
             "--ip-address": "i", "--all-ip-addresses": "I", "--all-fqdns": "A", "--alias": "a"}
    mode = ""
    for arg in inv.args:
        if arg in longs:
            mode = longs[arg]
        elif arg.startswith("-") and len(arg) > 1:
            for char in arg[1:]:
                if char not in answers:
                    inv.stderr.write(f"hostname: invalid option -- '{char}'\n{_HOSTNAME_USAGE}")
                    return 255
                mode = char
        else:
            if inv.host.uid_of(inv.user) != 0:
                inv.stderr.write("hostname: you must be root to change the host name\n")
                return 1
            return 0
    yield (answers.get(mode, spec.name) + "\n").encode()
    return 0


@command("whoami")
def whoami(inv: Invocation) -> CommandOutput:
    """whoami - print effective user name."""
    if inv.args and inv.args[0] not in ("--help", "--version"):
        inv.stderr.write(f"whoami: extra operand \u2018{inv.args[0]}\u2019\n"
                         "Try 'whoami --help' for more information.\n")
        return 1
    yield f"{inv.user}\n".encode()
    return 0


ID_SPEC = OptionSpec("id", [
    Opt("u", "user", "user"), Opt("g", "group", "group"), Opt("G", "groups", "groups"),
    Opt("n", "name", "name"), Opt("r", "real", "real"), Opt("z", "zero", "zero"),
], usage="id [OPTION]... [USER]...")


@command("id")
@parsed_with(ID_SPEC)
def id_(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """id - print real and effective user and group IDs (-u -g -G -n -r)."""
    host = inv.host
    names = parsed.operands or [inv.user]
    status = 0
    for name in names:
        user = host.users.get(name)
        if user is None and name.isdigit():
            user = next((u for u in host.users.values() if u.uid == int(name)), None)
        if user is None:
            inv.stderr.write(f"id: \u2018{name}\u2019: no such user\n")
            status = 1
            continue
        gids = [user.gid] + [host.groups[g] for g in user.groups if g in host.groups
                             and host.groups[g] != user.gid]
        named = parsed.flag("name")
        if parsed.flag("user"):
            text = user.name if named else str(user.uid)
        elif parsed.flag("group"):
            text = host.group_name(user.gid) if named else str(user.gid)
        elif parsed.flag("groups"):
            text = " ".join(host.group_name(g) if named else str(g) for g in gids)
        else:
            groups = ",".join(f"{g}({host.group_name(g)})" for g in gids)
            text = (f"uid={user.uid}({user.name}) gid={user.gid}({host.group_name(user.gid)}) "
                    f"groups={groups}")
        yield f"{text}\n".encode()
    return status


UNAME_SPEC = OptionSpec("uname", [
    Opt("a", "all", "all"), Opt("s", "kernel-name", "s"), Opt("n", "nodename", "n"),
    Opt("r", "kernel-release", "r"), Opt("v", "kernel-version", "v"),
    Opt("m", "machine", "m"), Opt("p", "processor", "p"),
    Opt("i", "hardware-platform", "i"), Opt("o", "operating-system", "o"),
], usage="uname [OPTION]...")


@command("uname")
@parsed_with(UNAME_SPEC)
def uname(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """uname - print system information (-a -s -n -r -v -m -p -i -o)."""
    if parsed.operands:
        inv.stderr.write(f"uname: extra operand \u2018{parsed.operands[0]}\u2019\n"
                         "Try 'uname --help' for more information.\n")
        return 1
    spec = inv.host.spec
    fields = {"s": "Linux", "n": spec.name, "r": spec.kernel, "v": spec.kernel_version,
              "m": "x86_64", "p": "unknown", "i": "unknown", "o": "GNU/Linux"}
    if parsed.flag("all"):
        chosen = ["s", "n", "r", "v", "m", "o"]
    else:
        chosen = [k for k in fields if parsed.flag(k)] or ["s"]
    yield (" ".join(fields[k] for k in chosen) + "\n").encode()
    return 0


W_SPEC = OptionSpec("w", [
    Opt("h", "no-header", "no_header"), Opt("s", "short", "short"),
    Opt("f", "from", "from"), Opt("i", "ip-addr", "ip"), Opt("u", "no-current", "u"),
    Opt("o", "old-style", "old"),
], usage=" w [options] [user]", help_hint=False)


@command("w")
@parsed_with(W_SPEC)
def w(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """w - show who is logged on and what they are doing (-h -s; one session on pts/0)."""
    host = inv.host
    now = inv.world.clock.now_ms
    lines = []
    if not parsed.flag("no_header"):
        lines.append(uptime_phrase(now, host.boot_ms, 1, host.load))
        lines.append("USER     TTY      FROM             " + (
            "   IDLE WHAT" if parsed.flag("short") else "LOGIN@   IDLE   JCPU   PCPU WHAT"))
    if not parsed.operands or inv.user in parsed.operands:
        login = from_ms(host.login_ms)
        stamp = f"{login:%H:%M}" if now - host.login_ms < 86_400_000 else f"{login:%d%b%y}"
        what = " ".join(inv.argv)
        row = f"{inv.user:<8} {SESSION_TTY:<8} {host.login_from:<16} "
        if parsed.flag("short"):
            row += f"{'0.00s':>7} {what}"
        else:
            row += f"{stamp:<7}{'0.00s':>7}{'0.02s':>7}{'0.00s':>7} {what}"
        lines.append(row)
    yield ("\n".join(lines) + "\n").encode()
    return 0


WHO_SPEC = OptionSpec("who", [
    Opt("b", "boot", "boot"), Opt("H", "heading", "heading"), Opt("q", "count", "count"),
    Opt("a", "all", "all"), Opt("u", "users", "users"), Opt("m", None, "me"),
    Opt("s", "short", "short"),
], usage="who [OPTION]... [ FILE | ARG1 ARG2 ]")


@command("who")
@parsed_with(WHO_SPEC)
def who(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """who - show who is logged on (-b -H -q -m, and ``who am i``)."""
    host = inv.host
    if parsed.flag("count"):
        yield f"{inv.user}\n# users=1\n".encode()
        return 0
    lines = []
    if parsed.flag("heading"):
        lines.append("NAME     LINE         TIME             COMMENT")
    if parsed.flag("boot") or parsed.flag("all"):
        lines.append(f"         system boot  {from_ms(host.boot_ms):%Y-%m-%d %H:%M}")
    if not parsed.flag("boot") or parsed.flag("all"):
        lines.append(f"{inv.user:<8} {SESSION_TTY:<12} {from_ms(host.login_ms):%Y-%m-%d %H:%M} "
                     f"({host.login_from})")
    yield ("\n".join(lines) + "\n").encode()
    return 0


DMESG_SPEC = OptionSpec("dmesg", [
    Opt("T", "ctime", "ctime"), Opt("H", "human", "human"), Opt("L", "color", "color"),
    Opt("x", "decode", "decode"), Opt("k", "kernel", "kernel"), Opt("w", "follow", "follow"),
], usage="dmesg [options]")


@command("dmesg")
@parsed_with(DMESG_SPEC)
def dmesg(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """dmesg - print the kernel ring buffer (-T human timestamps; -H/-L/-k accepted).

    Reading it needs root (Debian sets kernel.dmesg_restrict=1). Not supported:
    -w follow (prints once), -l/-f level and facility filters, -c clear.
    """
    host = inv.host
    if host.uid_of(inv.user) != 0:
        inv.stderr.write("dmesg: read kernel buffer failed: Operation not permitted\n")
        return 1
    spec = host.spec
    boot = [(host.boot_ms, f"Linux version {spec.kernel} (debian-kernel@lists.debian.org) "
                           "(gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) "
                           f"2.40) {spec.kernel_version}"),
            (host.boot_ms, f"Command line: BOOT_IMAGE=/boot/vmlinuz-{spec.kernel} "
                           "root=/dev/sda1 ro quiet")]
    out = []
    for t_ms, message in [*boot, *sorted(host.kernel_log, key=lambda e: e[0])]:
        if parsed.flag("ctime"):
            stamp = f"[{from_ms(t_ms):%a %b %e %H:%M:%S %Y}]"
        else:
            since = max(0, t_ms - host.boot_ms) * 1000  # microseconds
            stamp = f"[{since // 1_000_000:5d}.{since % 1_000_000:06d}]"
        out.append(f"{stamp} {message}\n")
    yield "".join(out).encode()
    return 0
