"""deploy - the team's release tool (/usr/local/bin/deploy): Capistrano-style releases.

Usage: deploy [-a APP] COMMAND [RELEASE]

Commands:
  list               releases on this host, newest first ("current" marks the live one)
  status             the live release, its revision, the service and the health check
  rollback [RELEASE] point current at RELEASE (default: the release before the live one),
                     restart the service, then run the health check if one is set
  check              run the post-deploy health check (HEALTHCHECK_URL) now

Options:
  -a, --app APP      the application (default: the only one in /etc/deploy)
  -h, --help         this help

Settings come from /etc/deploy/APP.conf (APP, DEPLOY_TO, SERVICE, KEEP_RELEASES,
HEALTHCHECK_URL). Rollback and check need root. Deploying a new release happens from
CI and is not available here.
"""

from __future__ import annotations

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.timefmt import systemd_relative
from pagerdrill.tools.system.unitview import timestamp
from pagerdrill.world.errors import FsError
from pagerdrill.world.programs.releases import (
    DeployConfig,
    Release,
    deploy_configs,
    health_check,
    releases,
    repoint_current,
)
from pagerdrill.world.services import ServiceError

__all__ = ["deploy"]

SPEC = OptionSpec(
    "deploy",
    [Opt("a", "app", "app", Arg.REQUIRED, metavar="APP",
         help="the application (default: the only one in /etc/deploy)"),
     Opt("h", None, "help", help="display this help and exit")],
    usage="deploy [-a APP] COMMAND [RELEASE]",
    description="Capistrano-style releases of the apps in /etc/deploy/APP.conf.\n\n"
                "Commands:\n"
                "  list                        releases, newest first (current marked)\n"
                "  status                      live release, service, health check, history\n"
                "  rollback [RELEASE]          point current at RELEASE (default: the one\n"
                "                              before it), restart the service, health check\n"
                "  check                       run the post-deploy health check now",
    usage_status=2,
)
_COMMANDS = ("list", "status", "rollback", "check")


def _config(inv: Invocation, app: str | None) -> DeployConfig | None:
    configs = deploy_configs(inv.host.fs)
    if app is not None:
        found = next((c for c in configs if c.app == app), None)
        if found is None:
            inv.error(f"no such app '{app}' (no /etc/deploy/{app}.conf)")
        return found
    if len(configs) == 1:
        return configs[0]
    if not configs:
        inv.error("no apps configured in /etc/deploy")
    else:
        inv.error("several apps configured, choose one with -a: "
                  + ", ".join(c.app for c in configs))
    return None


def _list(config: DeployConfig, found: list[Release]) -> str:
    lines = [f"{'RELEASE':<16} {'REVISION':<9} STATE"]
    for release in found:
        lines.append(f"{release.name:<16} {release.revision[:7]:<9} "
                     f"{'current' if release.current else ''}".rstrip())
    return "\n".join(lines) + "\n"


def _last_deploys(inv: Invocation, config: DeployConfig, count: int) -> list[str]:
    text = inv.host.fs.read_text(f"{config.root}/revisions.log") or ""
    return text.splitlines()[-count:]


def _status(inv: Invocation, config: DeployConfig, found: list[Release]) -> str:
    live = next((r for r in found if r.current), None)
    unit = inv.host.services.units.get(config.service if "." in config.service
                                       else config.service + ".service")
    service = "not found"
    if unit is not None:
        ago = systemd_relative(inv.world.clock.now_ms, unit.since_ms)
        since = f"{timestamp(unit.since_ms)}; {ago}"
        service = f"{unit.name} {unit.state} ({unit.sub_state}) since {since}"
    lines = [f"app:          {config.app}",
             f"deploy to:    {config.root}",
             f"current:      {live.name + ' (' + live.revision[:7] + ')' if live else 'none'}",
             f"releases:     {len(found)} kept (KEEP_RELEASES={config.keep})",
             f"service:      {service}",
             f"health check: {config.healthcheck_url or 'none (HEALTHCHECK_URL is empty)'}",
             "", "recent deploys (revisions.log):"]
    lines += [f"  {line}" for line in _last_deploys(inv, config, 5)]
    return "\n".join(lines) + "\n"


def _check(inv: Invocation, config: DeployConfig) -> tuple[str, bool]:
    if not config.healthcheck_url:
        return "health check: skipped (HEALTHCHECK_URL is empty)\n", True
    result = health_check(inv.host, config.healthcheck_url)
    if isinstance(result, str):
        return f"health check {config.healthcheck_url}: FAILED ({result})\n", False
    ok = 200 <= result.status < 300
    word = "ok" if ok else "FAILED"
    return f"health check {config.healthcheck_url}: {word} (HTTP {result.status})\n", ok


def _rollback(inv: Invocation, config: DeployConfig, found: list[Release],
              wanted: str | None) -> CommandOutput:
    live = next((i for i, r in enumerate(found) if r.current), None)
    if wanted is not None:
        target = next((r for r in found if r.name == wanted), None)
        if target is None:
            inv.error(f"no release {wanted} in {config.root}/releases")
            return 1
    elif live is None or live + 1 >= len(found):
        inv.error("nothing to roll back to: no release older than the current one")
        return 1
    else:
        target = found[live + 1]
    if target.current:
        inv.error(f"release {target.name} is already current")
        return 1
    previous = found[live].name if live is not None else "none"
    yield (f"rolling back {config.app}: {previous} -> {target.name} "
           f"({target.revision[:7]})\n").encode()
    try:
        repoint_current(inv.host.fs, config, target)
    except FsError as error:
        inv.error(f"cannot repoint {config.root}/current: {error.strerror}")
        return 1
    yield f"  ln -sfn {target.path} {config.root}/current\n".encode()
    try:
        inv.host.services.restart(config.service)
    except ServiceError:
        inv.error(f"Failed to restart {config.service}.service")
        return 1
    yield f"  systemctl restart {config.service}\n".encode()
    log = f"{config.root}/revisions.log"
    if inv.host.fs.exists(log):  # Capistrano's record of every deploy and rollback
        inv.host.fs.write(inv.host.fs.lookup(log),
                          f"{inv.user} rolled back to release {target.name}\n".encode(), path=log)
    text, healthy = _check(inv, config)
    yield f"  {text}".encode()
    return 0 if healthy else 1


@command("deploy")
@parsed_with(SPEC)
def deploy(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """deploy - the team's release tool (see module docstring)."""
    words = parsed.operands
    if parsed.flag("help"):
        yield SPEC.help_text().encode()
        return 0
    if not words:
        inv.error("missing command (list, status, rollback, check)")
        inv.stderr.write("Try 'deploy --help' for more information.\n")
        return 2
    verb, rest = words[0], words[1:]
    if verb not in _COMMANDS:
        inv.error(f"unknown command '{verb}'")
        inv.stderr.write("Try 'deploy --help' for more information.\n")
        return 2
    if len(rest) > (1 if verb == "rollback" else 0):
        inv.error(f"too many arguments for '{verb}'")
        return 2
    config = _config(inv, parsed.get("app"))
    if config is None:
        return 1
    found = releases(inv.host.fs, config)
    if verb == "list":
        yield _list(config, found).encode()
        return 0
    if verb == "status":
        yield _status(inv, config, found).encode()
        return 0
    if inv.host.uid_of(inv.user) != 0:
        inv.error(f"{verb} needs root (try: sudo deploy {verb})")
        return 1
    if verb == "check":
        text, ok = _check(inv, config)
        yield text.encode()
        return 0 if ok else 1
    return (yield from _rollback(inv, config, found, rest[0] if rest else None))
