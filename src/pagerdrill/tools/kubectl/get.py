"""``kubectl get``: tables, -o name|json|yaml|jsonpath, selectors and sorting."""

from __future__ import annotations

from typing import Any

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.kubectl.cli import Flags, KubeError, Target
from pagerdrill.tools.kubectl.format import tabwrite
from pagerdrill.tools.kubectl.jsonpath import JsonPathError, evaluate, render
from pagerdrill.tools.kubectl.printers import KINDS, Obj, kind_for, labels_text, wide_headers
from pagerdrill.tools.kubectl.serialize import list_dict, to_dict, to_json, to_yaml
from pagerdrill.world.cluster import Cluster

__all__ = ["ALL_KINDS", "get", "list_objects", "match_selector", "parse_targets"]

ALL_KINDS = ("pods", "deployments", "replicasets")
_FORMATS = ("custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
            "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")


def no_type(verb: str) -> KubeError:
    return KubeError(
        "You must specify the type of resource to get. Use \"kubectl api-resources\" for a "
        "complete list of supported resources.\n\nerror: Required resource not specified.\n"
        "Use \"kubectl explain <resource>\" for a detailed description of that resource "
        f"(e.g. kubectl explain pods).\nSee 'kubectl {verb} -h' for help and examples\n")


def _plural(word: str) -> str:
    plural = kind_for(word)
    if plural is None:
        raise KubeError(f'error: the server doesn\'t have a resource type "{word}"\n')
    return plural


def parse_targets(args: list[str], verb: str) -> list[tuple[str, list[str] | None]]:
    """``pods a b`` / ``pod/a deploy/b`` / ``pods,deploy`` / ``all`` as (plural, names)."""
    if not args:
        raise no_type(verb)
    if "/" in args[0]:
        out: list[tuple[str, list[str] | None]] = []
        for arg in args:
            kind, slash, name = arg.partition("/")
            if not slash:
                raise KubeError("error: there is no need to specify a resource type as a "
                                "separate argument when passing arguments in resource/name "
                                "form (e.g. 'kubectl get resource/<resource_name>' instead of "
                                "'kubectl get resource resource/<resource_name>'\n")
            out.append((_plural(kind), [name]))
        return out
    words = [w for w in args[0].split(",") if w]
    plurals: list[str] = []
    for word in words:
        plurals += list(ALL_KINDS) if word == "all" else [_plural(word)]
    names = args[1:] or None
    return [(p, names) for p in plurals]


def match_selector(labels: dict[str, str], selector: str) -> bool:
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def list_objects(cluster: Cluster, plural: str, namespace: str | None) -> list[Obj]:
    stores: dict[str, dict[Any, Any]] = {
        "pods": cluster.pods, "deployments": cluster.deployments,
        "replicasets": cluster.replicasets, "secrets": cluster.secrets,
        "configmaps": cluster.configmaps,
    }
    store = stores.get(plural, {})
    items: list[Obj]
    if plural == "events":
        items = list(cluster.events)
    elif plural == "namespaces":
        items = list(cluster.namespaces.values())
    elif plural == "nodes":
        items = list(cluster.nodes.values())
    else:
        items = list(store.values())
    if KINDS[plural].namespaced and namespace is not None:
        items = [o for o in items if o.meta.namespace == namespace]
    return sorted(items, key=lambda o: (o.meta.namespace, o.meta.name))


def _sort(cluster: Cluster, items: list[Obj], path: str) -> list[Obj]:
    expr = path if path.startswith("{") else "{" + path + "}"

    def key(obj: Obj) -> tuple[int, Any]:
        try:
            found = evaluate(expr.strip("{}"), to_dict(cluster, obj))
        except JsonPathError:
            found = []
        value = found[0] if found else None
        if value is None:
            return (0, "")
        return (1, value) if isinstance(value, int | float) else (2, str(value))

    return sorted(items, key=key)


def get(inv: Invocation, target: Target, flags: Flags) -> CommandOutput:
    cluster = target.cluster
    now = inv.world.clock.now_ms
    output = flags.get("output")
    all_ns = "all-namespaces" in flags.bools
    if output and output not in ("wide", "yaml", "json", "name") and not output.startswith(
            ("jsonpath=", "jsonpath-as-json=")):
        raise KubeError(f"error: unable to match a printer suitable for the output format "
                        f"\"{output}\", allowed formats are: {_FORMATS}\n")
    groups = parse_targets(flags.args[1:], "get")
    ns = None if all_ns else target.namespace
    errors: list[str] = []
    results: list[tuple[str, list[Obj]]] = []
    named = any(names for _, names in groups)
    for plural, names in groups:
        items = list_objects(cluster, plural, ns if names is None else target.namespace)
        if names is not None:
            by_name = {o.meta.name: o for o in items}
            chosen = []
            for name in names:
                if name in by_name:
                    chosen.append(by_name[name])
                else:
                    errors.append(f'Error from server (NotFound): {KINDS[plural].plural} '
                                  f'"{name}" not found\n')
            items = chosen
        if flags.get("selector"):
            items = [o for o in items if match_selector(o.meta.labels, flags.get("selector"))]
        if flags.get("sort-by"):
            items = _sort(cluster, items, flags.get("sort-by"))
        results.append((plural, items))
    total = sum(len(items) for _, items in results)
    if output in ("json", "yaml") or output.startswith("jsonpath"):
        docs = [to_dict(cluster, o) for _, items in results for o in items]
        doc: Any = docs[0] if named and len(groups) == 1 and len(docs) == 1 and len(
            groups[0][1] or []) == 1 else list_dict(docs)
        if output == "json":
            yield to_json(doc).encode()
        elif output == "yaml":
            yield to_yaml(doc).encode()
        else:
            try:
                yield render(output.split("=", 1)[1], doc).encode()
            except JsonPathError as err:
                raise KubeError(f"error: error parsing jsonpath {output.split('=', 1)[1]}, "
                                f"{err}\n") from None
    elif output == "name":
        for plural, items in results:
            for obj in items:
                yield f"{KINDS[plural].name_prefix}/{obj.meta.name}\n".encode()
    else:
        yield from _tables(cluster, now, results, flags, all_ns, len(groups) > 1)
    for error in errors:
        inv.stderr.write(error)
    if total == 0 and not errors:
        if all_ns or not any(KINDS[p].namespaced for p, _ in groups):
            inv.stderr.write("No resources found\n")
        else:
            inv.stderr.write(f"No resources found in {target.namespace} namespace.\n")
    return 1 if errors else 0


def _tables(cluster: Cluster, now: int, results: list[tuple[str, list[Obj]]], flags: Flags,
            all_ns: bool, prefixed: bool) -> CommandOutput:
    wide = flags.get("output") == "wide"
    first = True
    for plural, items in results:
        if not items:
            continue
        kind = KINDS[plural]
        headers = list(wide_headers(plural) if wide else kind.headers)
        namespaced = kind.namespaced and all_ns
        if namespaced:
            headers.insert(0, "NAMESPACE")
        if "show-labels" in flags.bools:
            headers.append("LABELS")
        rows = [] if "no-headers" in flags.bools else ["\t".join(headers)]
        for obj in items:
            cells = kind.row(cluster, obj, now, wide)
            if prefixed and plural != "events":
                cells[0] = f"{kind.name_prefix}/{cells[0]}"
            if namespaced:
                cells.insert(0, obj.meta.namespace)
            if "show-labels" in flags.bools:
                cells.append(labels_text(obj.meta.labels))
            rows.append("\t".join(cells))
        if not first:
            yield b"\n"
        first = False
        yield tabwrite("\n".join(rows) + "\n", minwidth=6, padding=3).encode()
    return 0
