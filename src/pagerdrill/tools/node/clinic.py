"""Clinic.js (13.0.0): ``clinic heapprofiler -- node app.js``, reached through npx.

It runs the app in the foreground (as ``node`` would, so it fails with
EADDRINUSE while the service still holds the port), collects for a bounded
stretch of simulated time (60 s) as if Ctrl-C was pressed then, and writes
``.clinic/<pid>.clinic-heapprofiler`` (the sampling heap profile: where live JS
memory was allocated, by call stack) and its ``.html`` report. Only
``heapprofiler`` collects; ``doctor``, ``flame`` and ``bubbleprof`` print their
help. ``--collect-only``, ``--dest`` and ``--open`` are honoured;
``--autocannon``, ``--on-port``, ``upload`` and ``ask`` are not supported.
"""

from __future__ import annotations

import hashlib
import json
import posixpath

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.world.errors import FsError
from pagerdrill.world.programs.wsgateway import WsGateway

from .runner import NodeRun, parse_node_args, run_foreground

__all__ = ["CLINIC_VERSION", "HEAP_PROFILER_VERSION", "clinic"]

CLINIC_VERSION = "13.0.0"
HEAP_PROFILER_VERSION = "5.0.0"
_RUN_SECONDS = 60
_HEAP_HELP = """
  Clinic.js Heap Profiler - v{version}

  clinic heapprofiler helps you find memory leaks
  by creating a flamegraph visualization that assists in identifying
  function calls that may be leaking memory.

  To run clinic heapprofiler

    clinic heapprofiler -- node server.js

  Once you exit (Ctrl-C) the process, your report will open in a browser window. You can \
disable this behavior:

    clinic heapprofiler --open=false -- node server.js

  If profiling on a server, it can be useful to only do data collection:

    clinic heapprofiler --collect-only -- node server.js

  You can then transfer the data and visualize it locally:

    clinic heapprofiler --visualize-only PID.clinic.heapprofile

  Flags
  -h | --help                Display Help
  -v | --version             Display Version
  --collect-only             Do not process data on termination
  --visualize-only datapath  Build or rebuild visualization from data
  --on-port                  Run a script when the server starts listening on a port.
  --autocannon               Run the autocannon benchmarking tool when the server starts \
listening on a port.
  --open                     Boolean to enable or disable your report opening in your web \
browser.
  --dest                     Destination for the collected data (default .clinic/).
"""
_CLINIC_HELP = f"""
  Clinic.js - v{CLINIC_VERSION}

  Clinic.js helps diagnose and pinpoint performance issues in Node.js applications.

  clinic doctor -- node server.js
  clinic bubbleprof -- node server.js
  clinic flame -- node server.js
  clinic heapprofiler -- node server.js

  Flags
  -h | --help                Display Help
  -v | --version             Display Version
"""


def _frame(name: str, url: str, line: int, node_id: int, size: int,
           children: list[dict[str, object]]) -> dict[str, object]:
    return {"callFrame": {"functionName": name, "scriptId": str(node_id + 100), "url": url,
                          "lineNumber": line, "columnNumber": 2},
            "selfSize": size, "id": node_id, "children": children}


def heap_profile(app: WsGateway, now: int) -> dict[str, object]:
    """A V8 sampling heap profile of the app's live JS allocations at ``now``."""
    repo = app.spec.repo
    sockets = app.live(now) + app.retained(now)
    ws = f"file://{repo}/{app.spec.ws_rel}"
    listener = _frame("setupWebSocket", ws, 6, 5, sockets * 72, [])
    upgrade = _frame("completeUpgrade", f"file://{repo}/node_modules/ws/lib/websocket-server.js",
                     398, 4, sockets * 408, [listener])
    handlers = _frame("handleMessage", f"file://{repo}/src/handlers.js", 5, 6, 96_000, [])
    app_frame = _frame("", f"file://{repo}/{app.spec.entry_rel}", 0, 3, 1_310_000,
                       [upgrade, handlers])
    root = _frame("(root)", "", -1, 1, 0,
                  [_frame("(V8 API)", "", -1, 2, 2_900_000, []), app_frame])
    return {"head": root, "samples": []}


def _put(inv: Invocation, path: str, data: bytes) -> bool:
    fs, user = inv.host.fs, inv.user
    try:
        fs.mkdir(posixpath.dirname(path), parents=True, uid=inv.host.uid_of(user),
                 gid=inv.host.gid_of(user))
        fs.put(path, data, uid=inv.host.uid_of(user), gid=inv.host.gid_of(user))
    except FsError as error:
        inv.stderr.write(f"Error: {error.strerror}, open '{path}'\n")
        return False
    return True


def clinic(inv: Invocation, args: list[str]) -> CommandOutput:
    """The clinic CLI (reached through npx)."""
    if not args or args[0] in ("-h", "--help"):
        yield _CLINIC_HELP.encode()
        return 0 if args else 1
    if args[0] in ("-v", "--version"):
        yield f"v{CLINIC_VERSION}\n".encode()
        return 0
    tool, rest = args[0], args[1:]
    if tool not in ("heapprofiler", "doctor", "flame", "bubbleprof"):
        yield _CLINIC_HELP.encode()
        return 1
    cut = rest.index("--") if "--" in rest else len(rest)
    flags, command = rest[:cut], rest[cut + 1:]
    help_text = _HEAP_HELP.format(version=HEAP_PROFILER_VERSION).encode()
    if "-v" in flags or "--version" in flags:
        yield f"v{HEAP_PROFILER_VERSION}\n".encode()
        return 0
    if tool != "heapprofiler" or "-h" in flags or "--help" in flags:
        yield help_text
        return 0 if tool == "heapprofiler" else 1
    if len(command) < 2 or command[0] != "node":
        yield help_text
        return 1
    dest = ".clinic"
    collect_only = "--collect-only" in flags
    for n, flag in enumerate(flags):
        if flag.startswith("--dest"):
            dest = flag.split("=", 1)[1] if "=" in flag else (flags[n + 1:] or [dest])[0]
    opts = parse_node_args(command[1:])
    if opts.script is None:
        yield help_text
        return 1
    yield (b"To stop data collection press: Ctrl + C\n" if collect_only
           else b"To generate the report press: Ctrl + C\n")
    run = NodeRun()
    yield from run_foreground(inv, opts, _RUN_SECONDS, run)
    if not run.pid:
        return 1
    data_dir = posixpath.join(dest, f"{run.pid}.clinic-heapprofiler")
    base = posixpath.normpath(posixpath.join(inv.cwd, data_dir))
    profile = heap_profile(run.app, inv.world.clock.now_ms) if run.app is not None else {
        "head": _frame("(root)", "", -1, 1, 0, []), "samples": []}
    if not _put(inv, f"{base}/{run.pid}.clinic-heapprofiler-samples",
                json.dumps(profile, separators=(",", ":")).encode()):
        return 1
    _put(inv, f"{base}/{run.pid}.clinic-heapprofiler-systeminfo", json.dumps(
        {"clock": {"hrtime": [0, 0], "unixtime": inv.world.clock.now_ms},
         "nodeVersions": {"node": "20.11.1", "v8": "11.3.244.8-node.17"},
         "toolVersion": HEAP_PROFILER_VERSION}, separators=(",", ":")).encode())
    if collect_only:
        yield f"Output file is {data_dir}\n".encode()
        return 0
    html = (f"<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf8\">\n<title>Clinic Heap "
            f"Profiler</title>\n</head>\n<body>\n<script type=\"application/json\" "
            f"id=\"data\">{json.dumps(profile, separators=(',', ':'))}</script>\n</body>\n"
            "</html>\n")
    digest = hashlib.sha512(b"clinic\n" + html.encode()).hexdigest()
    html += "<!-- " + json.dumps({"tool": "heapprofiler", "toolVersion": HEAP_PROFILER_VERSION,
                                  "hash": digest}, separators=(",", ":")) + " -->\n"
    if not _put(inv, f"{base}.html", html.encode()):
        return 1
    yield (f"Analysing data\nGenerated HTML file is {data_dir}.html\n"
           f"You can use this command to upload it:\nclinic upload {data_dir}\n").encode()
    return 0
