"""certbot - Let's Encrypt's ACME client (2.x), over the simulated CA and /etc/letsencrypt.

Usage: certbot renew [--dry-run] [--force-renewal] [--cert-name NAME] [-q]
       certbot certificates [--cert-name NAME]
Renewal reads /etc/letsencrypt/renewal/*.conf (authenticator standalone or webroot,
webroot_path / [[webroot_map]], pre_hook, post_hook, renew_hook) and runs the hooks
as shell commands, like the real one. The debug log goes to
/var/log/letsencrypt/letsencrypt.log (rotated on every run). Not supported: certonly,
run, delete, revoke, register, install, the nginx/apache plugins, DNS challenges,
--webroot-path on the command line, interactive prompts.
"""

from __future__ import annotations

import datetime as _dt
import shlex
from collections.abc import Generator
from dataclasses import dataclass, field

from pagerdrill.tools.api import ByteInput, ByteSink, CommandOutput, Editor, Invocation, Repl
from pagerdrill.tools.registry import command, lookup
from pagerdrill.world.host import Host
from pagerdrill.world.tls import LE_DIR, Lineage, parse_renewal_conf
from pagerdrill.world.tls.certs import to_ms
from pagerdrill.world.tls.lineage import renewal_confs
from pagerdrill.world.tls.renewal import (
    LOG_PATH,
    SIDE_FRAME,
    HookRunner,
    RenewOptions,
    RenewReport,
    renew,
    write_log,
)

__all__ = ["certbot", "hook_runner"]

# argparse's usage text (its two trailing spaces are certbot's own).
_USAGE = ("usage: \n  certbot [SUBCOMMAND] [options] [-d DOMAIN] [-d DOMAIN] ...\n\n"
          "Certbot can obtain and install HTTPS/TLS/SSL certificates.  By default,\n"
          "it will attempt to use a webserver both for obtaining and installing the\n"
          "certificate. \n")
_FLAGS = {"--dry-run": "dry_run", "--force-renewal": "force", "--renew-by-default": "force",
          "-q": "quiet", "--quiet": "quiet", "-n": "", "--non-interactive": "",
          "--no-random-sleep-on-renew": "", "-v": "", "--verbose": "", "--agree-tos": ""}
_KNOWN = {"renew", "certificates"}
_UNSUPPORTED = {"certonly", "run", "delete", "revoke", "register", "install", "enhance",
                "update_account", "unregister", "reconfigure", "rollback", "plugins",
                "update_symlinks", "show_account"}


@dataclass
class _HookShell:
    """The /bin/sh certbot runs a hook in: root, in /, no terminal."""

    host: Host
    user: str = "root"
    cwd: str = "/"
    env: dict[str, str] = field(default_factory=lambda: {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root"})
    pid: int = 0
    editor: Editor | None = None
    history: list[str] = field(default_factory=list)
    stdout_is_terminal: bool = False
    stdin_is_terminal: bool = False

    def take_terminal(self, repl: Repl) -> None:
        raise NotImplementedError("a hook has no terminal")

    def run_nested(self, host: Host, user: str, command: str | None) -> CommandOutput:
        raise NotImplementedError("hooks do not log in elsewhere")


def _run_simple(host: Host, argv: list[str]) -> tuple[int, str, str]:
    tool = lookup(argv[0].rsplit("/", 1)[-1])
    if tool is None:
        return 127, "", f"/bin/sh: 1: {argv[0]}: not found\n"
    sink = ByteSink()
    inv = Invocation(argv, host.world, host, _HookShell(host), ByteInput.empty(), sink)
    gen = tool(inv)
    out: list[bytes] = []
    try:
        while True:
            out.append(next(gen))
    except StopIteration as stop:
        status = int(stop.value or 0)
    return status, b"".join(out).decode(errors="replace"), sink.getvalue().decode(
        errors="replace")


def hook_runner(host: Host) -> HookRunner:
    """Run a hook as ``/bin/sh -c``: simple commands joined by ``&&``, ``||`` or ``;``."""

    def run(command_line: str) -> tuple[int, str, str]:
        status, out, err = 0, "", ""
        try:
            tokens = shlex.split(command_line, posix=True)
        except ValueError:
            return 2, "", "/bin/sh: 1: Syntax error: Unterminated quoted string\n"
        argv: list[str] = []
        skip = False
        for token in [*tokens, ";"]:
            if token not in ("&&", "||", ";"):
                argv.append(token)
                continue
            if argv and not skip:
                status, o, e = _run_simple(host, argv)
                out, err = out + o, err + e
            skip = (token == "&&" and status != 0) or (token == "||" and status == 0)
            argv = []
        return status, out, err

    return run


def _parse(args: list[str]) -> tuple[str, dict[str, object]] | str:
    """The subcommand and options, or argparse's error text."""
    sub = ""
    opts: dict[str, object] = {"dry_run": False, "force": False, "quiet": False,
                               "cert_name": None}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in _FLAGS:
            if _FLAGS[arg]:
                opts[_FLAGS[arg]] = True
        elif arg == "--cert-name" or arg.startswith("--cert-name="):
            if "=" in arg:
                opts["cert_name"] = arg.split("=", 1)[1]
            elif i + 1 < len(args):
                opts["cert_name"] = args[i + 1]
                i += 1
            else:
                return "certbot: error: argument --cert-name: expected one argument\n"
        elif not arg.startswith("-") and not sub:
            sub = arg
        else:
            return f"certbot: error: unrecognized arguments: {arg}\n"
        i += 1
    return sub or "run", opts


def _certificates(inv: Invocation, cert_name: str | None) -> str:
    now = inv.world.clock.now_ms
    blocks = []
    for path in renewal_confs(inv.host.fs):
        conf = parse_renewal_conf(path, inv.host.fs.read_text(path) or "")
        if cert_name is not None and conf.name != cert_name:
            continue
        lineage = Lineage(conf, inv.host.fs)
        cert = lineage.certificate()
        if cert is None:
            continue
        left = to_ms(cert.not_valid_after_utc) - now
        days = left // 86_400_000
        status = ("INVALID: EXPIRED" if left <= 0 else "VALID: 1 day" if days == 1 else
                  f"VALID: {left // 3_600_000} hour(s)" if days < 1 else f"VALID: {days} days")
        expiry = _dt.datetime.fromtimestamp(to_ms(cert.not_valid_after_utc) // 1000, tz=_dt.UTC)
        blocks.append(f"  Certificate Name: {conf.name}\n"
                      f"    Serial Number: {cert.serial_number:x}\n    Key Type: ECDSA\n"
                      f"    Domains: {' '.join(lineage.names())}\n"
                      f"    Expiry Date: {expiry:%Y-%m-%d %H:%M:%S}+00:00 ({status})\n"
                      f"    Certificate Path: {conf.live('fullchain')}\n"
                      f"    Private Key Path: {conf.live('privkey')}\n")
    if not blocks:
        return f"\n{SIDE_FRAME}\nNo certificates found.\n{SIDE_FRAME}\n"
    return f"\n{SIDE_FRAME}\nFound the following certs:\n" + "".join(blocks) + SIDE_FRAME + "\n"


def _render(inv: Invocation, report: RenewReport, quiet: bool) -> Generator[bytes, None, None]:
    for event in report.events:
        if event.level == "notify" and not quiet:
            yield (event.text + "\n").encode()
        elif event.level == "ERROR" or (event.level == "WARNING" and not quiet):
            inv.stderr.write(event.text + "\n")


@command("certbot")
def certbot(inv: Invocation) -> CommandOutput:
    """certbot - renew and list Let's Encrypt certificates (see the module docstring)."""
    parsed = _parse(inv.args)
    if isinstance(parsed, str):
        inv.stderr.write(_USAGE + parsed)
        return 2
    sub, opts = parsed
    if sub not in _KNOWN:
        if sub in _UNSUPPORTED or sub == "run":
            inv.stderr.write(f"certbot: '{sub}' is not supported in this simulation "
                             "(renew and certificates are)\n")
            return 1
        inv.stderr.write(_USAGE + f"certbot: error: unrecognized arguments: {sub}\n")
        return 2
    if inv.host.uid_of(inv.user) != 0:
        inv.stderr.write("The following error was encountered:\n[Errno 13] Permission denied: "
                         f"'{LOG_PATH.rsplit('/', 1)[0]}/.certbot.lock'\nEither run as root, or "
                         "set --config-dir, --work-dir, and --logs-dir to writeable paths.\n")
        return 1
    quiet = bool(opts["quiet"])
    if not quiet:
        inv.stderr.write(f"Saving debug log to {LOG_PATH}\n")
    cert_name = opts["cert_name"] if isinstance(opts["cert_name"], str) else None
    if sub == "certificates":
        yield _certificates(inv, cert_name).encode()
        return 0
    if cert_name is not None and not inv.host.fs.exists(f"{LE_DIR}/renewal/{cert_name}.conf"):
        inv.stderr.write(f"No certificate found with name {cert_name} (expected "
                         f"{LE_DIR}/renewal/{cert_name}.conf).\n"
                         f"Ask for help or search for solutions at https://community."
                         f"letsencrypt.org. See the logfile {LOG_PATH} or re-run Certbot "
                         "with -v for more details.\n")
        return 1
    options = RenewOptions(dry_run=bool(opts["dry_run"]), force=bool(opts["force"]),
                           cert_name=cert_name, arguments=list(inv.args[1:]))
    report = renew(inv.host, options, hook_runner(inv.host))
    write_log(inv.host, report, inv.world.clock.now_ms)
    yield from _render(inv, report, quiet)
    return report.status
