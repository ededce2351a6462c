"""Running ``node [options] script.js`` in the foreground, shared by ``node`` and ``clinic``.

The script is recognised when it is the entry point of a Node.js service on the
host (its unit's program knows where its code lives): the foreground run then
is that app, started as a new process, reading the working tree as it is now.
It fails the way Node fails when the app's port is already taken (the service
still runs), and otherwise serves for a bounded stretch of simulated time
before the terminal's Ctrl-C ends it. A script that is no service's entry point
runs as a module with no output (its JavaScript is not executed).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field

from pagerdrill.tools.api import Invocation
from pagerdrill.world.errors import FsError
from pagerdrill.world.host import Host
from pagerdrill.world.node.runtime import inspector_uuid
from pagerdrill.world.process import Process, Signal
from pagerdrill.world.programs.wsgateway import INSPECTOR_PORT, NODE_VERSION, WsGateway

__all__ = ["NodeOptions", "NodeRun", "module_not_found", "parse_node_args", "run_foreground"]

# Options that take their value as the next argument.
_WITH_VALUE = {"-r", "--require", "--import", "--loader", "--experimental-loader", "--title",
               "--input-type", "--conditions", "-C", "--env-file"}


@dataclass
class NodeOptions:
    flags: list[str] = field(default_factory=list)
    script: str | None = None
    args: list[str] = field(default_factory=list)
    version: bool = False
    help: bool = False
    inspect: str | None = None  # "[host:]port" of --inspect/--inspect-brk, "" for the default
    bad: str = ""  # the first unknown short option


def parse_node_args(argv: list[str]) -> NodeOptions:
    """node's own options come before the script; everything after it is the script's."""
    opts = NodeOptions()
    words = iter(argv)
    for word in words:
        if word in ("-v", "--version"):
            opts.version = True
        elif word in ("-h", "--help"):
            opts.help = True
        elif word.startswith(("--inspect", "--inspect-brk")) and not word.startswith(
                "--inspect-port"):
            opts.inspect = word.split("=", 1)[1] if "=" in word else ""
            opts.flags.append(word)
        elif word in _WITH_VALUE:
            opts.flags += [word, next(words, "")]
        elif word == "--":
            opts.script = next(words, None)
            opts.args = list(words)
        elif word.startswith("--"):
            opts.flags.append(word)
        elif word.startswith("-") and word != "-":
            if word not in ("-r", "-C") and not opts.bad:
                opts.bad = word
        else:
            opts.script = word
            opts.args = list(words)
    return opts


def module_not_found(path: str) -> str:
    """Node's error for a missing entry script (v20)."""
    return ("node:internal/modules/cjs/loader:1147\n  throw err;\n  ^\n\n"
            f"Error: Cannot find module '{path}'\n"
            "    at Module._resolveFilename (node:internal/modules/cjs/loader:1144:15)\n"
            "    at Module._load (node:internal/modules/cjs/loader:985:27)\n"
            "    at Function.executeUserEntryPoint [as runMain] "
            "(node:internal/modules/run_main:135:12)\n"
            "    at node:internal/main/run_main_module:28:49 {\n"
            "  code: 'MODULE_NOT_FOUND',\n  requireStack: []\n}\n\n"
            f"Node.js {NODE_VERSION}\n")


def _listen_call(text: str) -> tuple[int, int]:
    """Line and column of the first ``.listen(`` call: where Node's stack points."""
    for number, line in enumerate(text.splitlines(), 1):
        at = line.find(".listen(")
        if at >= 0:
            return number, at + 2
    return 1, 1


def _eaddrinuse(path: str, port: int, where: tuple[int, int]) -> str:
    return ("node:events:496\n      throw er; // Unhandled 'error' event\n      ^\n\n"
            f"Error: listen EADDRINUSE: address already in use :::{port}\n"
            "    at Server.setupListenHandle [as _listen2] (node:net:1872:16)\n"
            "    at listenInCluster (node:net:1920:12)\n"
            "    at Server.listen (node:net:2008:7)\n"
            f"    at Object.<anonymous> ({path}:{where[0]}:{where[1]})\n"
            "    at Module._compile (node:internal/modules/cjs/loader:1376:14)\n"
            "    at Module._extensions..js (node:internal/modules/cjs/loader:1435:10)\n"
            "    at Module.load (node:internal/modules/cjs/loader:1207:32)\n"
            "    at Module._load (node:internal/modules/cjs/loader:1023:12)\n"
            "    at Function.executeUserEntryPoint [as runMain] "
            "(node:internal/modules/run_main:135:12)\n"
            "    at node:internal/main/run_main_module:28:49\n"
            "Emitted 'error' event on Server instance at:\n"
            "    at emitErrorNT (node:net:1899:8)\n"
            "    at process.processTicksAndRejections (node:internal/process/task_queues:82:21)"
            " {\n  code: 'EADDRINUSE',\n  errno: -98,\n  syscall: 'listen',\n"
            f"  address: '::',\n  port: {port}\n}}\n\nNode.js {NODE_VERSION}\n")


def _service_app(host: Host, path: str) -> WsGateway | None:
    """A fresh program for the service whose entry point is ``path``, if any."""
    for unit in host.services.units.values():
        if unit.program_factory is None:
            continue
        program = unit.program_factory()
        program = getattr(program, "inner", program)  # settings wrappers delegate
        if isinstance(program, WsGateway):
            entry = posixpath.join(program.spec.repo, program.spec.entry_rel)
            if posixpath.normpath(entry) == posixpath.normpath(path):
                return program
    return None


@dataclass
class NodeRun:
    """The outcome of a foreground run: the pid it had, and how it ended."""

    pid: int = 0
    status: int = 0
    app: WsGateway | None = None


def _inspector_lines(inv: Invocation, opts: NodeOptions, pid: int) -> tuple[str, bool]:
    """What --inspect prints, and whether the inspector port could be bound."""
    where = opts.inspect or ""
    host_part, _, port_part = where.rpartition(":") if ":" in where else ("", "", where)
    address = host_part or "127.0.0.1"
    port = int(port_part) if port_part.isdigit() else INSPECTOR_PORT
    if port in inv.host.listeners:
        return f"Starting inspector on {address}:{port} failed: address already in use\n", False
    uuid = inspector_uuid(inv.world.rng.child("inspector", pid))
    return (f"Debugger listening on ws://{address}:{port}/{uuid}\n"
            "For help, see: https://nodejs.org/en/docs/inspector\n"), True


def run_foreground(inv: Invocation, opts: NodeOptions, seconds: int, run: NodeRun,
                   argv0: str = "node") -> Iterator[bytes]:
    """Run the script for up to ``seconds`` of simulated time; yields its standard output
    (its standard error goes to ``inv.stderr``). Sets ``run.status``."""
    assert opts.script is not None
    path = posixpath.normpath(posixpath.join(inv.cwd, opts.script))
    try:
        inode = inv.host.fs.lookup(path, cred=inv.host.cred_for(inv.user))
        if inode.is_dir:
            raise FsError(21, path)
    except FsError:
        inv.stderr.write(module_not_found(path))
        run.status = 1
        return
    host = inv.host
    app = _service_app(host, path)
    proc = host.procs.spawn(["node", *opts.flags, opts.script, *opts.args], user=inv.user,
                            ppid=inv.shell.pid, program=None)
    proc.cwd, proc.tty = inv.cwd, "pts/0"
    run.pid, run.app = proc.pid, app
    if opts.inspect is not None:
        text, bound = _inspector_lines(inv, opts, proc.pid)
        inv.stderr.write(text)
        if bound:
            host.listen(INSPECTOR_PORT, proc, None, "127.0.0.1")
    if app is None:
        host.procs.exit(proc.pid, 0)
        return
    if app.spec.port in host.listeners:
        code = b"".join(host.fs.read_stream(inode)).decode(errors="replace")
        inv.stderr.write(_eaddrinuse(path, app.spec.port, _listen_call(code)))
        host.procs.exit(proc.pid, 1)
        run.status = 1
        return
    proc.program = app
    app.start(host, proc)
    if app.problem:
        inv.stderr.write(f"{path}\n{app.problem}\n\nNode.js {NODE_VERSION}\n")
        host.procs.exit(proc.pid, 1)
        run.status = 1
        return
    yield from _serve(inv, app, proc, seconds, run)


def _serve(inv: Invocation, app: WsGateway, proc: Process, seconds: int,
           run: NodeRun) -> Iterator[bytes]:
    host = inv.host
    seen = len(host.journal) - 3  # the start banner it just wrote
    ended = False
    for _ in range(seconds):
        inv.world.advance(1)
        if host.procs.get(proc.pid) is None:
            ended = True
            break
    for entry in host.journal.entries[max(0, seen):]:
        if entry.pid != proc.pid or entry.ident != "node":
            continue
        line = entry.message + "\n"
        if entry.priority <= 4:
            inv.stderr.write(line)
        else:
            yield line.encode()
    if ended:
        run.status = proc.exit_status or 0
        return
    yield b"^C\n"
    host.procs.kill(proc.pid, Signal.SIGINT)
    run.status = 130
