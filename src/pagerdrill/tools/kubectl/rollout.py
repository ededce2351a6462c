"""``kubectl rollout restart|status|history|undo`` for Deployments."""

from __future__ import annotations

from dataclasses import replace

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.kubectl.cli import Flags, KubeError, Target
from pagerdrill.tools.kubectl.describe import pod_template_lines
from pagerdrill.tools.kubectl.format import tabwrite
from pagerdrill.world.cluster import (
    CHANGE_CAUSE,
    ApiError,
    Cluster,
    Deployment,
    RolloutError,
    rollout_history,
    rollout_undo,
)

__all__ = ["rollout"]

_ROLLOUT_BOUND_S = 60
_SUBCOMMANDS = ("history", "pause", "restart", "resume", "status", "undo")
_HELP = ("Manage the rollout of one or many resources.\n\n"
         " Valid resource types include:\n\n"
         "  *  deployments\n  *  daemonsets\n  *  statefulsets\n\n"
         "Examples:\n  # Rollback to the previous deployment\n"
         "  kubectl rollout undo deployment/abc\n\n"
         "  # Check the rollout status of a daemonset\n"
         "  kubectl rollout status daemonset/foo\n\n"
         "  # Restart a deployment\n  kubectl rollout restart deployment/abc\n\n"
         "  # Restart deployments with the 'app=nginx' label\n"
         "  kubectl rollout restart deployment --selector=app=nginx\n\n"
         "Available Commands:\n"
         "  history       View rollout history\n"
         "  pause         Mark the provided resource as paused\n"
         "  restart       Restart a resource\n"
         "  resume        Resume a paused resource\n"
         "  status        Show the status of the rollout\n"
         "  undo          Undo a previous rollout\n\n"
         "Usage:\n  kubectl rollout SUBCOMMAND [options]\n\n"
         "Use \"kubectl rollout <command> --help\" for more information about a given command.\n"
         "Use \"kubectl options\" for a list of global command-line options (applies to all "
         "commands).\n")


def _deployment_arg(args: list[str]) -> str:
    if not args:
        raise KubeError("error: required resource not specified\n")
    kind, slash, name = args[0].partition("/")
    if not slash:
        if len(args) < 2:
            raise KubeError("error: required resource not specified\n")
        kind, name = args[0], args[1]
    if kind not in ("deployment", "deployments", "deploy", "deployment.apps"):
        raise KubeError(f'error: the server doesn\'t have a resource type "{kind}"\n')
    return name


def _rollout_message(cluster: Cluster, dep: Deployment) -> tuple[str, bool]:
    rss = cluster.replicasets_of(dep)
    new = rss[-1]
    updated = len(cluster.pods_of(new))
    total = sum(len(cluster.pods_of(rs)) for rs in rss)
    available = sum(1 for p in cluster.pods_of(new) if p.ready)
    name = dep.meta.name
    if updated < dep.replicas:
        return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of '
                f"{dep.replicas} new replicas have been updated...\n", False)
    if total > updated:
        return (f'Waiting for deployment "{name}" rollout to finish: {total - updated} old '
                "replicas are pending termination...\n", False)
    if available < updated:
        return (f'Waiting for deployment "{name}" rollout to finish: {available} of '
                f"{updated} updated replicas are available...\n", False)
    return f'deployment "{name}" successfully rolled out\n', True


def _revision(flags: Flags, name: str) -> int:
    text = flags.get(name, "0")
    try:
        value = int(text)
    except ValueError:
        raise KubeError(f'error: invalid argument "{text}" for "--{name}" flag: strconv.'
                        f'ParseInt: parsing "{text}": invalid syntax\n') from None
    if value < 0:
        raise KubeError(f"error: revision must be a positive integer: {value}\n")
    return value


def _history(inv: Invocation, target: Target, flags: Flags, name: str) -> CommandOutput:
    revision = _revision(flags, "revision")
    entries = rollout_history(target.cluster, target.namespace, name)
    if not entries:
        body = "No rollout history found."
    elif revision:
        dep = target.cluster.get_deployment(target.namespace, name)
        rs = next((r for r in target.cluster.replicasets_of(dep) if r.revision == revision),
                  None)
        if rs is None:
            raise KubeError("error: unable to find the specified revision\n")
        # The viewer copies the change cause into the template it prints, and printTemplate
        # writes through a PrefixWriter with no tabwriter: tabs stay raw.
        cause = dict(entries).get(revision, "")
        annotations = dict(rs.template.annotations, **({CHANGE_CAUSE: cause} if cause else {}))
        template = replace(rs.template, annotations=annotations)
        body = "\n".join(["Pod Template:", *pod_template_lines(template)]) + "\n"
    else:
        rows = ["REVISION\tCHANGE-CAUSE"] + [f"{rev}\t{cause or '<none>'}"
                                             for rev, cause in entries]
        body = tabwrite("\n".join(rows) + "\n", minwidth=0, padding=2)
    with_revision = f"with revision #{revision}" if revision else ""
    yield f"deployment.apps/{name} {with_revision}\n{body}\n".encode()
    return 0


def rollout(inv: Invocation, target: Target, flags: Flags) -> CommandOutput:
    args = flags.args[1:]
    sub = args[0] if args else ""
    if not sub:
        yield _HELP.encode()
        return 0
    if sub not in _SUBCOMMANDS:
        raise KubeError(f'error: unknown command "{sub}" for "kubectl rollout"\n')
    name = _deployment_arg(args[1:])
    cluster = target.cluster
    try:
        if sub == "restart":
            cluster.rollout_restart(target.namespace, name)
            yield f"deployment.apps/{name} restarted\n".encode()
            return 0
        if sub == "history":
            return (yield from _history(inv, target, flags, name))
        if sub == "undo":
            to_revision = _revision(flags, "to-revision")
            if flags.get("dry-run") in ("client", "server", "unchanged"):
                cluster.get_deployment(target.namespace, name)
                yield f"deployment.apps/{name} Pod Template:\n".encode()
                return 0
            result = rollout_undo(cluster, target.namespace, name, to_revision)
            yield f"deployment.apps/{name} {result}\n".encode()
            return 0
        if sub == "status":
            dep = cluster.get_deployment(target.namespace, name)
            last = ""
            for _ in range(_ROLLOUT_BOUND_S + 1):
                message, done = _rollout_message(cluster, dep)
                if message != last:
                    yield message.encode()
                    last = message
                if done:
                    return 0
                inv.world.advance(1)
            raise KubeError("error: timed out waiting for the condition\n")
    except ApiError as err:
        raise KubeError(f"Error from server ({err.reason}): {err.message}\n") from None
    except RolloutError as err:
        raise KubeError(f"error: {err}\n") from None
    raise KubeError(f'error: {sub} is not supported here for deployments\n')
