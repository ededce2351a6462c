"""memlab (2.0.5) over heap snapshots in the simulated filesystem: growth and retainer traces.

Supported: ``memlab analyze unbound-object --snapshot-dir DIR`` (objects present in
every snapshot whose retained size changed, biggest last size first),
``memlab analyze unbound-shape --snapshot-dir DIR`` (object shapes whose count
only grows, past 1000 instances), ``memlab trace --snapshot FILE
--node-id=@ID`` (the shortest retainer path from the root), ``memlab help``,
``memlab analyze`` (plugin list) and ``memlab version``. The snapshots are parsed
from the files, retained sizes computed from the dominator tree, as memlab does.
Like memlab, everything is printed on standard error; progress lines (which a
terminal overwrites) and colours are left out. Not supported: ``run``,
``find-leaks``, ``diff-leaks``, the interactive ``heap``/``view-heap`` and the
other analysis plugins (they answer as memlab does for a plugin it lacks).
"""

from __future__ import annotations

import posixpath

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.world.errors import FsError
from pagerdrill.world.node.reader import HeapSnapshot, SnapshotError, parse_snapshot

from .memlabhelp import ANALYZE_HELP, MAIN_HELP

__all__ = ["HELP_HINT", "VERSION", "memlab", "readable_bytes"]

VERSION = "2.0.5"
HELP_HINT = "Use `memlab help` or `memlab <COMMAND> -h` to get helper text\n"
_UNBOUND_THRESHOLD = 10 * 1024  # config.unboundSizeThreshold
_SHAPE_MIN_COUNT = 1000
_IGNORED_SHAPES = {"(closure)", "(array)", "(number)", "(system)", "system / Context",
                   "system / Oddball"}
_IGNORED_EDGES = {"__proto__", "map"}
_PLUGINS = ("unbound-collection", "collections-with-stale", "detached-DOM", "global-variable",
            "object", "object-fanout", "object-shallow", "shape", "object-size",
            "unbound-object", "unbound-shape", "string", "unmounted-fiber-node")
_COMMANDS = ("run", "list", "trace", "find-leaks", "analyze", "help", "anonymize", "diff-leaks",
             "heap", "view-heap", "version", "reset", "measure", "warmup",
             "get-default-work-dir", "snapshot", "warmup-and-snapshot")


def readable_bytes(n: int) -> str:
    """memlab's utils.getReadableBytes: decimal units, one decimal truncated."""
    for limit, suffix in ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB")):
        if n >= limit:
            value = int(n / (limit / 10)) / 10
            return f"{value:g}{suffix}"
    return f"{n} bytes" if n > 1 else f"{n} byte"


def _options(args: list[str]) -> tuple[list[str], dict[str, str]]:
    """yargs-style: --name=value, --name value, bare words."""
    words: list[str] = []
    values: dict[str, str] = {}
    items = iter(args)
    for arg in items:
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            if not eq:
                value = next(items, "")
            values[name] = value
        elif arg in ("-h", "-v", "-s"):
            values[{"-h": "help", "-v": "verbose", "-s": "silent"}[arg]] = ""
        else:
            words.append(arg)
    return words, values


def _read(inv: Invocation, path: str) -> bytes | None:
    try:
        inode = inv.host.fs.lookup(path, inv.cwd, cred=inv.host.cred_for(inv.user))
        if not inode.is_file:
            return None
        return b"".join(inv.host.fs.read_stream(inode))
    except FsError:
        return None


def _snapshot_files(inv: Invocation, directory: str) -> list[str] | None:
    fs = inv.host.fs
    try:
        inode = fs.lookup(directory, inv.cwd, cred=inv.host.cred_for(inv.user))
        if not inode.is_dir:
            return None
        names = fs.listdir(inode, cred=inv.host.cred_for(inv.user), path=directory)
    except FsError:
        return None
    base = fs.abspath(directory, inv.cwd)
    return [posixpath.join(base, n) for n in sorted(names) if n.endswith(".heapsnapshot")]


def _name(snapshot: HeapSnapshot, n: int) -> str:
    """summarizeNodeShape: plain Objects by their property names, others by name."""
    if snapshot.types[n] in ("string", "concatenated string", "sliced string"):
        return "string"
    if snapshot.names[n] != "Object":
        return snapshot.names[n]
    props = [str(e.name) for e in snapshot.edges[n]
             if e.type != "internal" and str(e.name) not in _IGNORED_EDGES]
    keys = sorted(props[:5]) + (["..."] if len(props) > 5 else [])
    return "Object { " + ", ".join(keys) + " }"


def _load(inv: Invocation, files: list[str]) -> list[HeapSnapshot] | str:
    loaded: list[HeapSnapshot] = []
    for path in files:
        data = _read(inv, path)
        if data is None:
            return f"Invalid snapshot file: {path}\n{HELP_HINT}"
        try:
            loaded.append(parse_snapshot(data))
        except SnapshotError:
            # The terminal keeps what overwrote the "parsing ..." progress line.
            return f"{HELP_HINT}Error parsing heap snapshot\n" \
                   "Please pass in a valid heap snapshot file\n"
    return loaded


def _unbound_object(snapshots: list[HeapSnapshot]) -> str:
    first = snapshots[0]
    tracked: dict[int, list[int]] = {}
    kinds: dict[int, tuple[str, str]] = {}
    sizes = first.retained_sizes()
    for n, node_id in enumerate(first.ids):
        if first.types[n] in ("object", "closure", "regexp"):
            tracked[node_id] = [sizes[n]]
            kinds[node_id] = (first.types[n], first.names[n])
    for snapshot in snapshots[1:]:
        sizes = snapshot.retained_sizes()
        present = set()
        for n, node_id in enumerate(snapshot.ids):
            history = tracked.get(node_id)
            if history is None:
                continue
            if kinds[node_id] != (snapshot.types[n], snapshot.names[n]):
                del tracked[node_id]
                continue
            history.append(sizes[n])
            present.add(node_id)
        for node_id in [i for i in tracked if i not in present]:
            del tracked[node_id]
    last = snapshots[-1]
    rows = [(node_id, h) for node_id, h in tracked.items()
            if len(h) == len(snapshots) and min(h) != max(h) and h[-1] >= _UNBOUND_THRESHOLD]
    if not rows:
        return "No increasing objects found.\n"
    rows.sort(key=lambda row: -row[1][-1])
    lines = ["Top growing objects in sizes:", " (Use `memlab trace --node-id=@ID` to get trace)",
             ""]
    for node_id, history in rows[:20]:
        n = last.index_of[node_id]
        sizes_text = " > ".join(readable_bytes(v) for v in history)
        lines.append(f"· {_name(last, n)} [{last.types[n]}](@{node_id}):  {sizes_text}")
    return "\n".join(lines) + "\n"


def _unbound_shape(snapshots: list[HeapSnapshot]) -> str:
    series: dict[str, dict[str, list[int]]] = {}
    broken: set[str] = set()
    for snapshot in snapshots:
        sizes = snapshot.retained_sizes()
        counts: dict[str, list[int]] = {}
        for n in range(len(snapshot)):
            kind = snapshot.types[n]
            if (kind != "object" and kind not in ("string", "concatenated string",
                                                   "sliced string")) \
                    or snapshot.names[n] in _IGNORED_SHAPES:
                continue
            row = counts.setdefault(_name(snapshot, n), [0, 0, snapshot.ids[n]])
            row[0] += 1
            row[1] += sizes[n]
        for shape, (count, size, example) in counts.items():
            if shape in broken:
                continue
            entry = series.setdefault(shape, {"counts": [], "sizes": [], "examples": []})
            if entry["counts"] and entry["counts"][-1] > count:
                broken.add(shape)
                continue
            entry["counts"].append(count)
            entry["sizes"].append(size)
            entry["examples"].append(example)
    found = [(shape, e) for shape, e in series.items() if shape not in broken
             and len(e["counts"]) > 1 and e["counts"][-1] > e["counts"][0]
             and e["counts"][-1] >= _SHAPE_MIN_COUNT]
    found.sort(key=lambda item: -item[1]["counts"][-1])
    lines = []
    for shape, e in found:
        stats = " > ".join(f"{c} ({readable_bytes(s)})" for c, s in zip(e["counts"], e["sizes"],
                                                                         strict=True))
        examples = ", ".join(f"@{v}" for v in e["examples"])
        lines.append(f"· {shape}: {stats}: {examples}\n")
    return "".join(lines)


def _node_label(snapshot: HeapSnapshot, n: int, retained: list[int]) -> str:
    name = snapshot.names[n]
    if name == "system / Context":
        name = "<function scope>"
    elif name == "":
        name = f"<{snapshot.types[n]}>"
    return f"[{name}] ({snapshot.types[n]}) @{snapshot.ids[n]} [{readable_bytes(retained[n])}]"


def _trace(inv: Invocation, values: dict[str, str]) -> tuple[str, int]:
    node_text = values.get("node-id", "").lstrip("@")
    if "node-id" not in values:
        return "command line argument --node-id is required\n" + HELP_HINT, 1
    if not values.get("snapshot"):
        return "snapshot meta data invalid or missing\n" + HELP_HINT, 1
    loaded = _load(inv, [values["snapshot"]])
    header = f"Generating report for node @{node_text}\n"
    if isinstance(loaded, str):
        return (loaded if loaded.startswith("Invalid") else header + loaded), 1
    snapshot = loaded[0]
    index = snapshot.index_of.get(int(node_text)) if node_text.isdigit() else None
    path = snapshot.retainer_path(index) if index is not None else None
    if index is None or path is None:
        return header + "\n", 0
    retained = snapshot.retained_sizes()
    lines = [_node_label(snapshot, 0, retained)]
    for edge, n in path:
        assert edge is not None
        kind = "variable" if edge.type == "context" else edge.type
        name = str(edge.name).replace("[", "").replace("]", "").replace("(", "").replace(")", "")
        lines.append(f"  --{name} ({kind})--->  {_node_label(snapshot, n, retained)}")
    return header + "\n".join(lines) + "\n\n", 0


def _analyze(inv: Invocation, words: list[str], values: dict[str, str]) -> tuple[str, int]:
    if not words:
        return ANALYZE_HELP, 1
    plugin = words[0]
    if plugin not in _PLUGINS:
        rest = ANALYZE_HELP.split("\n", 2)[2]
        return f"\n  Invalid command `memlab analyze {plugin}`\n{rest}", 1
    if plugin not in ("unbound-object", "unbound-shape"):
        return f"\n  Invalid command `memlab analyze {plugin}`\n" \
               + ANALYZE_HELP.split("\n", 2)[2], 1
    directory = values.get("snapshot-dir", "")
    if not directory:
        return "snapshot meta data invalid or missing\n" + HELP_HINT, 1
    files = _snapshot_files(inv, directory)
    if files is None:
        return f"Invalid directory: {directory}\n" + HELP_HINT, 1
    if len(files) < 2:
        return f"Directory has < 2 snapshot files: {directory}\n" + HELP_HINT, 1
    loaded = _load(inv, files)
    if isinstance(loaded, str):
        return loaded, 1
    if plugin == "unbound-object":
        return _unbound_object(loaded), 0
    return _unbound_shape(loaded), 0


def memlab(inv: Invocation, args: list[str]) -> CommandOutput:
    """The memlab CLI (reached through npx); writes to standard error like memlab."""
    words, values = _options(args)
    command = words[0] if words else "help"
    if command == "help" or (not words and "help" in values):
        text, status = MAIN_HELP, 0
    elif command == "version":
        text = "\n" + "".join(f" @memlab/{p}@{VERSION}\n"
                              for p in ("heap-analysis", "e2e", "core", "cli", "api")) + "\n"
        status = 0
    elif command == "analyze":
        text, status = _analyze(inv, words[1:], values)
    elif command == "trace":
        text, status = _trace(inv, values)
    elif command in _COMMANDS:
        text, status = f"memlab {command}: not available here (no browser on this host)\n", 1
    else:
        text, status = f"Could not find command: memlab {command}\n" + HELP_HINT, 1
    inv.stderr.write(text)
    return status
    yield b""
