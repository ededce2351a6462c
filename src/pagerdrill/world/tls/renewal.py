"""``certbot renew`` as certbot 2.x runs it: lineages, hooks, challenges, issuance, its report.

The engine is shared by the ``certbot`` command and by ``certbot.service`` when its
timer fires. Hook commands are run through a ``HookRunner`` the caller provides
(the tools layer runs them as commands), so the world never imports a shell.
Every message is recorded as an ``Event``: what certbot prints and what it
writes to /var/log/letsencrypt/letsencrypt.log both come from it.
"""

from __future__ import annotations

import base64
import datetime as _dt
import errno
import hashlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pagerdrill.world.errors import FsError
from pagerdrill.world.network import HttpResponse

from .acme import AcmeError, acme_for
from .certs import to_ms
from .lineage import Lineage, install_lineage, parse_renewal_conf, renewal_confs
from .webserver import CHALLENGE_PREFIX, fetch_challenge

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["Event", "HookRunner", "RenewOptions", "RenewReport", "renew", "renewal_problem",
           "write_log"]

VERSION = "2.1.0"
SIDE_FRAME = "- " * 39 + "-"
RENEW_BEFORE_MS = 30 * 86_400_000
LOG_PATH = "/var/log/letsencrypt/letsencrypt.log"
HELP = ("Ask for help or search for solutions at https://community.letsencrypt.org. See the "
        f"logfile {LOG_PATH} or re-run Certbot with -v for more details.")

# command line -> (exit status, stdout, stderr)
HookRunner = Callable[[str], tuple[int, str, str]]


@dataclass(frozen=True)
class Event:
    """One message: ``notify`` goes to stdout; log levels go to stderr when loud enough."""

    level: str  # notify | DEBUG | INFO | WARNING | ERROR
    logger: str
    text: str


@dataclass
class RenewOptions:
    dry_run: bool = False
    force: bool = False
    cert_name: str | None = None
    arguments: list[str] = field(default_factory=list)


@dataclass
class RenewReport:
    events: list[Event] = field(default_factory=list)
    status: int = 0
    renewed: list[str] = field(default_factory=list)

    def notify(self, text: str) -> None:
        self.events.append(Event("notify", "certbot._internal.display.obj", text))

    def log(self, level: str, logger: str, text: str) -> None:
        self.events.append(Event(level, logger, text))


class _Failed(Exception):
    pass


def _names_phrase(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _run_hook(report: RenewReport, run: HookRunner, which: str, command: str) -> None:
    report.log("INFO", "certbot.compat.misc", f"Running {which} command: {command}")
    status, out, err = run(command)
    name = f"Hook '{which}'"
    if status:
        report.log("WARNING", "certbot.compat.misc", f"{name} reported error code {status}")
    if out.strip():
        report.notify(f"{name} ran with output:\n" + _indent(out.strip()))
    if err.strip():
        report.log("WARNING", "certbot.compat.misc",
                   f"{name} ran with error output:\n" + _indent(err.strip()))


def _indent(text: str) -> str:
    return "\n".join(" " + line for line in text.splitlines())


def _webroot_refusal(lineage: Lineage, host: Host, name: str) -> str | None:
    """Why certbot's webroot plugin refuses ``name`` before writing anything, or None."""
    root = lineage.conf.webroot_for(name)
    if root is None:
        return ("Missing parts of webroot configuration; please set either --webroot-path "
                "and --domains, or --webroot-map. Run with  --help webroot for examples.")
    try:
        is_dir = host.fs.lookup(root).is_dir
    except FsError:
        is_dir = False
    return None if is_dir else f"{root} does not exist or is not a directory"


def _challenge_dir(lineage: Lineage, name: str) -> str:
    root = posixpath.normpath(lineage.conf.webroot_for(name) or "/")
    return posixpath.join(root, CHALLENGE_PREFIX.strip("/"))


def _key_authorization(lineage: Lineage, token: str) -> str:
    """``TOKEN.THUMBPRINT``: what the challenge file holds (the account key's thumbprint
    stands in as a digest of the account id)."""
    account = lineage.conf.params.get("account", "")
    thumb = base64.urlsafe_b64encode(hashlib.sha256(account.encode()).digest()).rstrip(b"=")
    return f"{token}.{thumb.decode()}"


def _validation_error(host: Host, name: str, token: str, expected: str,
                      response: HttpResponse | None) -> tuple[str, str] | None:
    """The CA's verdict on what it fetched: (problem type, detail), or None when valid."""
    url = f"http://{name}{CHALLENGE_PREFIX}{token}"
    if response is None:
        return "connection", f"{host.spec.ip}: Fetching {url}: Connection refused"
    if response.status != 200:
        return "unauthorized", f"{host.spec.ip}: Invalid response from {url}: {response.status}"
    got = response.body.decode(errors="replace").rstrip()  # Boulder trims trailing space
    if got != expected:
        return "unauthorized", (f"{host.spec.ip}: The key authorization file from the server "
                                f'did not match this challenge. Expected "{expected}" '
                                f'(got "{got[:128]}")')
    return None


def _webroot_problem(host: Host, lineage: Lineage, name: str) -> str | None:
    """What an unattended renewal would meet for ``name`` now: asks the web server what it
    would answer if certbot wrote the challenge file, without writing it or leaving a log."""
    refusal = _webroot_refusal(lineage, host, name)
    if refusal is not None:
        return refusal
    token = acme_for(host.world).token(name, host.clock.now_ms)
    expected = _key_authorization(lineage, token)
    response = fetch_challenge(host, name, token, imagine={
        f"{_challenge_dir(lineage, name)}/{token}": expected.encode()})
    found = _validation_error(host, name, token, expected, response)
    if found is None:
        return None
    return "Connection refused" if found[0] == "connection" else "Invalid response"


def _stops_holder(host: Host, command: str | None, port: int) -> bool:
    """Whether a pre-hook like ``systemctl stop nginx`` frees ``port``."""
    listener = host.listeners.get(port)
    words = (command or "").replace("&&", ";").split(";")
    for part in words:
        args = part.split()
        unit = (args[2] if len(args) > 2 and args[:2] == ["systemctl", "stop"] else
                args[1] if len(args) > 2 and args[0] == "service" and args[2] == "stop" else "")
        if unit and listener is not None:
            found = host.services.units.get(unit if "." in unit else unit + ".service")
            if found is not None and found.main_pid == listener.pid:
                return True
    return False


def renewal_problem(host: Host) -> str | None:
    """Why an unattended ``certbot renew`` would fail now (None: it would succeed). Reads
    the world only: the checks the renewal makes, without running hooks or the CA."""
    for path in renewal_confs(host.fs):
        try:
            conf = parse_renewal_conf(path, host.fs.read_text(path) or "")
        except ValueError as error:
            return str(error)
        lineage = Lineage(conf, host.fs)
        broken = lineage.check_links()
        if broken:
            return broken
        if conf.authenticator == "standalone":
            if host.listeners.get(80) is not None and not _stops_holder(
                    host, conf.params.get("pre_hook"), 80):
                return _BIND_ERROR
        elif conf.authenticator == "webroot":
            for name in lineage.names():
                problem = _webroot_problem(host, lineage, name)
                if problem is not None:
                    return problem
        else:
            return f"The requested {conf.authenticator} plugin does not appear to be installed"
    return None


_BIND_ERROR = ("Could not bind TCP port 80 because it is already in use by another process on "
               "this system (such as a web server). Please stop the program in question and "
               "then try again.")


def _authenticate(host: Host, lineage: Lineage, names: list[str], report: RenewReport,
                  now_ms: int) -> None:
    """HTTP-01 for every name, through the configured authenticator."""
    auth = lineage.conf.authenticator
    if auth == "standalone":
        if host.listeners.get(80) is not None:
            report.log("DEBUG", "acme.standalone", "Failed to bind to :80 using IPv6")
            report.log("DEBUG", "acme.standalone", "Failed to bind to :80 using IPv4")
            raise _Failed(_BIND_ERROR)
        return
    if auth != "webroot":
        raise _Failed(f"The requested {auth} plugin does not appear to be installed")
    for name in names:
        refusal = _webroot_refusal(lineage, host, name)
        if refusal is not None:
            raise _Failed(refusal)
    acme = acme_for(host.world)
    tokens = {name: acme.token(name, now_ms) for name in names}
    report.log("INFO", "certbot._internal.auth_handler", "Performing the following challenges:")
    for name in names:
        report.log("INFO", "certbot._internal.auth_handler", f"http-01 challenge for {name}")
    created: list[str] = []
    written: list[str] = []
    problems: list[str] = []
    try:
        for name in names:
            written.append(_write_challenge(host, lineage, name, tokens[name], report, created))
        report.log("INFO", "certbot._internal.auth_handler", "Waiting for verification...")
        for name in names:
            expected = _key_authorization(lineage, tokens[name])
            found = _validation_error(host, name, tokens[name], expected,
                                      fetch_challenge(host, name, tokens[name]))
            if found is not None:
                problems.append(f"  Domain: {name}\n  Type:   {found[0]}\n  Detail: {found[1]}")
    finally:
        _cleanup(host, report, written, created)
    if problems:
        report.log("ERROR", "certbot._internal.auth_handler",
                   "Certbot failed to authenticate some domains (authenticator: webroot). The "
                   "Certificate Authority reported these problems:\n" + "\n\n".join(problems)
                   + "\n\nHint: The Certificate Authority failed to download the temporary "
                   "challenge files created by Certbot. Ensure that the listed domains serve "
                   "their content from the provided --webroot-path/-w and that files created "
                   "there can be downloaded from the internet.\n")
        raise _Failed("Some challenges have failed.")


def _write_challenge(host: Host, lineage: Lineage, name: str, token: str,
                     report: RenewReport, created: list[str]) -> str:
    """Write ``name``'s challenge file as the webroot plugin does (root, 0644), creating
    the missing directories (0755); returns the file's path."""
    prefix = _challenge_dir(lineage, name)
    root = posixpath.normpath(lineage.conf.webroot_for(name) or "/")
    path, announced = root.rstrip("/"), False
    try:
        for part in prefix[len(root):].strip("/").split("/"):
            path = f"{path}/{part}"
            if not host.fs.exists(path):
                if not announced:
                    announced = True
                    report.log("DEBUG", "certbot._internal.plugins.webroot",
                               f"Creating root challenges validation dir at {prefix}")
                host.fs.mkdir(path, mode=0o755)
                created.append(path)
        target = f"{prefix}/{token}"
        report.log("DEBUG", "certbot._internal.plugins.webroot",
                   f"Attempting to save validation to {target}")
        inode = host.fs.create(target, mode=0o644)
        host.fs.write(inode, _key_authorization(lineage, token).encode(), append=False,
                      path=target)
    except FsError as error:
        raise _Failed(f"Couldn't create root for {name} http-01 challenge responses: [Errno "
                      f"{error.errno}] {error.strerror}: '{error.path}'") from None
    return target


def _cleanup(host: Host, report: RenewReport, written: list[str], created: list[str]) -> None:
    """Remove the challenge files, then the directories certbot made, if empty."""
    report.log("INFO", "certbot._internal.auth_handler", "Cleaning up challenges")
    for path in written:
        report.log("DEBUG", "certbot._internal.plugins.webroot", f"Removing {path}")
        try:
            host.fs.unlink(path)
        except FsError:
            continue
    for path in reversed(created):
        try:
            host.fs.rmdir(path)
        except FsError as error:
            if error.errno != errno.ENOTEMPTY:
                report.log("DEBUG", "certbot._internal.plugins.webroot",
                           f"Error while removing {path}: [Errno {error.errno}] "
                           f"{error.strerror}")
    report.log("DEBUG", "certbot._internal.plugins.webroot", "All challenges cleaned up")


def _renew_one(host: Host, lineage: Lineage, opts: RenewOptions, run: HookRunner,
               report: RenewReport, hooks_done: set[str], post_hooks: list[str]) -> bool:
    """True when renewed; False when not due; raises _Failed."""
    now = host.clock.now_ms
    cert = lineage.certificate()
    names = lineage.names()
    due = cert is None or to_ms(cert.not_valid_after_utc) - now < RENEW_BEFORE_MS
    if not (due or opts.force or opts.dry_run):
        report.log("INFO", "certbot._internal.renewal", "Certificate not yet due for renewal")
        return False
    report.log("INFO", "certbot._internal.renewal",
               "Certificate is due for renewal, auto-renewing...")
    pre = lineage.conf.params.get("pre_hook")
    if pre and pre not in hooks_done:
        _run_hook(report, run, "pre-hook", pre)
        hooks_done.add(pre)
    post = lineage.conf.params.get("post_hook")
    if post and post not in post_hooks:  # run once, after every lineage was tried
        post_hooks.append(post)
    verb = "Simulating renewal of" if opts.dry_run else "Renewing"
    report.notify(f"{verb} an existing certificate for {_names_phrase(names)}")
    _authenticate(host, lineage, names, report, now)
    try:
        chain = acme_for(host.world).issue(names, now, lineage.latest_version() + 1,
                                           staging=opts.dry_run)
    except AcmeError as error:
        raise _Failed(str(error)) from None
    deploy = lineage.conf.params.get("renew_hook") or lineage.conf.params.get("deploy_hook")
    if not opts.dry_run:
        install_lineage(host.fs, lineage.conf.name, chain, lineage.latest_version() + 1, now)
        if deploy:
            _run_hook(report, run, "deploy-hook", deploy)
    elif deploy:
        report.log("WARNING", "certbot._internal.hooks",
                   f"Dry run: skipping deploy hook command: {deploy}")
    return True


def renew(host: Host, opts: RenewOptions, run: HookRunner) -> RenewReport:
    """Renew every lineage that is due (or the one named), as ``certbot renew`` does."""
    report = RenewReport()
    report.log("DEBUG", "certbot._internal.main", f"certbot version: {VERSION}")
    report.log("DEBUG", "certbot._internal.main", f"Arguments: {opts.arguments!r}")
    paths = renewal_confs(host.fs)
    if opts.cert_name is not None:
        paths = [p for p in paths if posixpath.basename(p) == f"{opts.cert_name}.conf"]
    successes, failures, skipped, parse_failures = [], [], [], []
    hooks_done: set[str] = set()
    post_hooks: list[str] = []
    noun = "simulated renewal" if opts.dry_run else "renewal"
    for path in paths:
        report.notify(f"\n{SIDE_FRAME}\nProcessing {path}\n{SIDE_FRAME}")
        name = posixpath.basename(path).removesuffix(".conf")
        try:
            conf = parse_renewal_conf(path, host.fs.read_text(path) or "")
            lineage = Lineage(conf, host.fs)
            broken = lineage.check_links()
            if broken:
                raise ValueError(broken)
        except ValueError as error:
            report.log("ERROR", "certbot._internal.renewal",
                       f"Renewal configuration file {path} (cert: {name}) produced an "
                       f"unexpected error: {error}. Skipping.")
            parse_failures.append(path)
            continue
        fullchain = conf.live("fullchain")
        try:
            if _renew_one(host, lineage, opts, run, report, hooks_done, post_hooks):
                successes.append(fullchain)
                report.renewed.append(name)
            else:
                cert = lineage.certificate()
                assert cert is not None  # a missing certificate is always due
                skipped.append(f"{fullchain} expires on {cert.not_valid_after_utc:%Y-%m-%d}")
        except _Failed as error:
            report.log("ERROR", "certbot._internal.renewal",
                       f"Failed to renew certificate {name} with error: {error}")
            failures.append(fullchain)
    _describe(report, noun, successes, failures, skipped, parse_failures)
    for command in post_hooks:
        _run_hook(report, run, "post-hook", command)
    if failures or parse_failures:
        report.log("ERROR", "certbot._internal.main",
                   f"{len(failures)} renew failure(s), {len(parse_failures)} parse failure(s)")
        report.log("ERROR", "certbot._internal.main", HELP)
        report.status = 1
    return report


def _lines(paths: list[str], category: str) -> str:
    return "\n".join(f"  {p} ({category})" for p in paths)


def _describe(report: RenewReport, noun: str, successes: list[str], failures: list[str],
              skipped: list[str], parse_failures: list[str]) -> None:
    """certbot's _renew_describe_results."""
    report.notify(f"\n{SIDE_FRAME}")
    if skipped:
        report.notify("The following certificates are not due for renewal yet:")
        report.notify(_lines(skipped, "skipped"))
    if not successes and not failures:
        report.notify(f"No {noun}s were attempted.")
    elif successes and not failures:
        report.notify(f"Congratulations, all {noun}s succeeded: ")
        report.notify(_lines(successes, "success"))
    elif failures and not successes:
        report.log("ERROR", "certbot._internal.renewal",
                   f"All {noun}s failed. The following certificates could not be renewed:")
        report.log("ERROR", "certbot._internal.renewal", _lines(failures, "failure"))
    else:
        report.notify(f"The following {noun}s succeeded:")
        report.notify(_lines(successes, "success") + "\n")
        report.log("ERROR", "certbot._internal.renewal", f"The following {noun}s failed:")
        report.log("ERROR", "certbot._internal.renewal", _lines(failures, "failure"))
    if parse_failures:
        report.notify("\nAdditionally, the following renewal configurations were invalid: ")
        report.notify(_lines(parse_failures, "parsefail"))
    report.notify(SIDE_FRAME)


def _stamp(t_ms: int) -> str:
    moment = _dt.datetime.fromtimestamp(t_ms / 1000, tz=_dt.UTC)
    return f"{moment:%Y-%m-%d %H:%M:%S},{t_ms % 1000:03d}"


def write_log(host: Host, report: RenewReport, t_ms: int) -> None:
    """Write the run's debug log, rotating the previous ones (letsencrypt.log.1, .2...)."""
    fs = host.fs
    directory = posixpath.dirname(LOG_PATH)
    fs.mkdir(directory, parents=True, mode=0o700)
    if fs.exists(LOG_PATH):
        names = set(fs.listdir(fs.lookup(directory)))
        n = 1
        while f"letsencrypt.log.{n}" in names:
            n += 1
        for k in range(n, 1, -1):
            fs.rename(f"{LOG_PATH}.{k - 1}", f"{LOG_PATH}.{k}")
        fs.rename(LOG_PATH, f"{LOG_PATH}.1")
    lines = []
    for i, event in enumerate(report.events):
        level = "DEBUG" if event.level == "notify" else event.level
        text = f"Notifying user: {event.text.strip()}" if event.level == "notify" else event.text
        lines.append(f"{_stamp(t_ms + 40 * i)}:{level}:{event.logger}:{text}\n")
    fs.put(LOG_PATH, "".join(lines).encode(), mtime_ms=t_ms + 40 * len(lines))
