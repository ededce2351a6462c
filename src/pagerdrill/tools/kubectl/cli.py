"""kubectl controls the Kubernetes cluster manager.

Usage: kubectl [flags] VERB [TYPE[/NAME] ...] [flags]

Verbs: get, describe, logs, create secret generic, apply -f, diff -f, delete,
rollout restart|status|history|undo, top (no metrics-server: says so),
config current-context|get-contexts|use-context,
version [--client] [-o json|yaml] (the client is kubectl v1.37.1).
Flags: -n/--namespace, -A/--all-namespaces, --context, --kubeconfig,
-o wide|yaml|json|name|jsonpath=TEMPLATE, -l/--selector, --show-labels, --no-headers,
--sort-by, -c/--container, -p/--previous, --tail, -f/--follow (bounded), --from-literal,
--from-file, --from-env-file, --dry-run=client, -f/--filename (file, directory or -),
--revision, --to-revision.
The cluster is the one the kubeconfig's context names (``$KUBECONFIG`` or ~/.kube/config).
apply and diff understand Secret, ConfigMap, Namespace and Deployment manifests.

Not supported: edit, patch, exec, port-forward, scale, server-side apply, apply -k/-R,
-w/--watch, custom-columns, go-template, services and other resource types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.world.cluster import Cluster, find_cluster
from pagerdrill.world.errors import FsError

__all__ = ["Flags", "KubeError", "Target", "kubectl", "parse_flags"]

_VALUE = {"namespace": "n", "context": "", "output": "o", "selector": "l", "sort-by": "",
          "container": "c", "tail": "", "from-literal": "", "from-file": "",
          "from-env-file": "", "type": "", "kubeconfig": "", "timeout": "", "since": "",
          "field-selector": "", "filename": "f", "grace-period": "", "cluster": "", "user": "",
          "revision": "", "to-revision": ""}
_BOOL = {"all-namespaces": "A", "show-labels": "", "previous": "p", "follow": "",
         "watch": "w", "no-headers": "", "all-containers": "", "timestamps": "",
         "force": "", "wait": "", "ignore-not-found": "", "now": "", "help": "h", "client": ""}
_VERB_ONLY = {"client": "version"}  # flags only that verb has
_OPTIONAL = {"dry-run": "unchanged", "validate": "strict"}
_MULTI = {"from-literal", "from-file", "from-env-file", "filename"}


class KubeError(Exception):
    """A message for standard error (already in kubectl's words) and exit status 1."""


@dataclass
class Flags:
    values: dict[str, str] = field(default_factory=dict)
    multi: dict[str, list[str]] = field(default_factory=dict)
    bools: set[str] = field(default_factory=set)
    args: list[str] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)


def _verb_of(args: list[str]) -> str:
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.startswith("--"):
            skip = "=" not in arg and arg[2:] in _VALUE
        elif arg.startswith("-") and len(arg) > 1:
            skip = len(arg) == 2 and arg[1] in {v for v in _VALUE.values() if v}
        else:
            return arg
    return ""


def parse_flags(args: list[str], verb: str) -> Flags:
    flags = Flags()
    short_value = {v: k for k, v in _VALUE.items() if v}
    short_bool = {v: k for k, v in _BOOL.items() if v}
    if verb == "logs":  # -f means --follow for logs, --filename elsewhere
        short_bool["f"] = "follow"
        short_value.pop("f")
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            flags.args += args[i:]
            break
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            if name in _VALUE:
                if not eq:
                    if i >= len(args):
                        raise KubeError(f"error: flag needs an argument: --{name}\n"
                                        f"See 'kubectl {verb} --help' for usage.\n")
                    value = args[i]
                    i += 1
                _store(flags, name, value)
            elif name in _BOOL and _VERB_ONLY.get(name, verb) == verb:
                if eq and value == "false":
                    flags.bools.discard(name)
                else:
                    flags.bools.add(name)
            elif name in _OPTIONAL:
                flags.values[name] = value if eq else _OPTIONAL[name]
            else:
                raise KubeError(f"error: unknown flag: --{name}\n"
                                f"See 'kubectl {verb} --help' for usage.\n")
        elif arg.startswith("-") and len(arg) > 1:
            j = 1
            while j < len(arg):
                char = arg[j]
                if char in short_value:
                    value = arg[j + 1:].removeprefix("=")
                    if not value:
                        if i >= len(args):
                            raise KubeError(f"error: flag needs an argument: '{char}' in -{char}"
                                            f"\nSee 'kubectl {verb} --help' for usage.\n")
                        value = args[i]
                        i += 1
                    _store(flags, short_value[char], value)
                    break
                if char in short_bool:
                    flags.bools.add(short_bool[char])
                    j += 1
                    continue
                raise KubeError(f"error: unknown shorthand flag: '{char}' in {arg}\n"
                                f"See 'kubectl {verb} --help' for usage.\n")
        else:
            flags.args.append(arg)
    return flags


def _store(flags: Flags, name: str, value: str) -> None:
    if name in _MULTI:
        flags.multi.setdefault(name, []).append(value)
    else:
        flags.values[name] = value


@dataclass
class Target:
    """The cluster and namespace a command talks to, from kubeconfig and flags."""

    cluster: Cluster
    namespace: str
    explicit_namespace: bool


def _kubeconfig_path(inv: Invocation, flags: Flags) -> str:
    if flags.get("kubeconfig"):
        return flags.get("kubeconfig")
    env = inv.env.get("KUBECONFIG", "")
    if env:
        return env.split(":")[0]
    return inv.env.get("HOME", "/root").rstrip("/") + "/.kube/config"


def load_kubeconfig(inv: Invocation, flags: Flags) -> dict[str, Any]:
    path = _kubeconfig_path(inv, flags)
    try:
        inode = inv.host.fs.lookup(path, inv.cwd, cred=inv.host.cred_for(inv.user))
        data = b"".join(inv.host.fs.read_stream(inode, path=path))
    except FsError:
        if flags.get("kubeconfig"):
            raise KubeError(f"error: stat {path}: no such file or directory\n") from None
        return {}
    try:
        doc = yaml.safe_load(data.decode("utf-8", "replace"))
    except yaml.YAMLError:
        raise KubeError(f"error: error loading config file \"{path}\": yaml: line 1: "
                        "did not find expected key\n") from None
    return doc if isinstance(doc, dict) else {}


def _named(doc: dict[str, Any], section: str, name: str) -> dict[str, Any] | None:
    for entry in doc.get(section) or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            body = entry.get(section[:-1])
            return body if isinstance(body, dict) else {}
    return None


def resolve_target(inv: Invocation, flags: Flags) -> Target:
    doc = load_kubeconfig(inv, flags)
    context_name = flags.get("context") or str(doc.get("current-context") or "")
    context = _named(doc, "contexts", context_name) if context_name else None
    if flags.get("context") and context is None:
        raise KubeError(f"error: context was not found for specified context: "
                        f"{flags.get('context')}\n")
    if context is None:
        raise KubeError("The connection to the server localhost:8080 was refused - did you "
                        "specify the right host or port?\n")
    cluster_name = str(flags.get("cluster") or context.get("cluster") or "")
    cluster = find_cluster(inv.world, cluster_name)
    if cluster is None:
        server = (_named(doc, "clusters", cluster_name) or {}).get("server", cluster_name)
        host = str(server).split("//")[-1].split(":")[0].split("/")[0]
        raise KubeError(f"Unable to connect to the server: dial tcp: lookup {host} on "
                        "127.0.0.53:53: no such host\n")
    explicit = "namespace" in flags.values
    namespace = flags.get("namespace") or str(context.get("namespace") or "") or "default"
    return Target(cluster, namespace, explicit)


def _config(inv: Invocation, flags: Flags) -> CommandOutput:
    sub = flags.args[1] if len(flags.args) > 1 else ""
    doc = load_kubeconfig(inv, flags)
    current = str(doc.get("current-context") or "")
    if sub == "current-context":
        if not current:
            raise KubeError("error: current-context is not set\n")
        yield f"{current}\n".encode()
        return 0
    if sub == "get-contexts":
        from pagerdrill.tools.kubectl.format import tabwrite

        rows = ["CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE"]
        wanted = flags.args[2:]
        for entry in sorted(doc.get("contexts") or [], key=lambda e: str(e.get("name"))):
            name = str(entry.get("name"))
            if wanted and name not in wanted:
                continue
            ctx = entry.get("context") or {}
            rows.append("\t".join(["*" if name == current else "", name,
                                   str(ctx.get("cluster", "")), str(ctx.get("user", "")),
                                   str(ctx.get("namespace", ""))]))
        for name in wanted:
            if _named(doc, "contexts", name) is None:
                raise KubeError(f"error: context {name} not found\n")
        yield tabwrite("\n".join(rows) + "\n", minwidth=6, padding=3).encode()
        return 0
    if sub == "use-context" and len(flags.args) > 2:
        name = flags.args[2]
        if _named(doc, "contexts", name) is None:
            raise KubeError(f"error: no context exists with the name: \"{name}\"\n")
        doc["current-context"] = name
        path = _kubeconfig_path(inv, flags)
        inv.host.fs.put(path, yaml.safe_dump(doc, sort_keys=False).encode(), mode=0o600)
        yield f'Switched to context "{name}".\n'.encode()
        return 0
    raise KubeError(f"error: unknown command \"{sub}\" for \"kubectl config\"\n")


@command("kubectl")
def kubectl(inv: Invocation) -> CommandOutput:
    from pagerdrill.tools.kubectl import verbs
    from pagerdrill.tools.kubectl.version import version

    verb = _verb_of(inv.args)
    try:
        flags = parse_flags(inv.args, verb)
        if not verb or "help" in flags.bools:
            yield (__doc__ or "").encode()
            return 0
        if verb == "config":
            return (yield from _config(inv, flags))
        if verb == "version":
            return (yield from version(inv, flags.args[1:], flags.get("output"),
                                       "client" in flags.bools,
                                       lambda: resolve_target(inv, flags).cluster))
        handler = verbs.VERBS.get(verb)
        if handler is None:
            raise KubeError(f"error: unknown command \"{verb}\" for \"kubectl\"\n")
        target = resolve_target(inv, flags)
        return (yield from handler(inv, target, flags))
    except KubeError as err:
        inv.stderr.write(str(err))
        return 1
