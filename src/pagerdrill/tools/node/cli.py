"""``node`` and ``npx`` (Node.js v20.11.1, npm 10.2.4).

``node [options] script.js [args]``: runs a Node.js service's entry point in the
foreground (see :mod:`.runner`): ``--inspect[=[host:]port]`` prints ``Debugger
listening on ws://...`` (or that the port is taken), the app fails with
``EADDRINUSE`` while the service holds its port, and otherwise serves ten
simulated seconds before Ctrl-C. ``node -v`` prints the version; an unknown
short option is ``node: bad option``. Not supported: the REPL, ``-e``/``-p``
(no JavaScript is evaluated), scripts that are no service's entry point (they
run as modules with no output).

``npx [--yes|-y] [--no-install] <command> [args]``: runs ``clinic`` and ``memlab``
(the gateway's devDependencies); any other package answers as npm does when
the registry has no such package (404).
"""

from __future__ import annotations

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.world.programs.wsgateway import NODE_VERSION

from .clinic import clinic
from .memlab import memlab
from .runner import NodeRun, parse_node_args, run_foreground

__all__ = ["node", "npx"]

_FOREGROUND_SECONDS = 10
# The head of `node --help` and the options this simulation acts on, in Node's wording.
_HELP = """Usage: node [options] [ script.js ] [arguments]
       node inspect [options] [ script.js | host:port ] [arguments]

Options:
  --                          indicate the end of node options
  -h, --help                  print node command line options
                              (currently set)
  --inspect[=[host:]port]     activate inspector on host:port
                              (default: 127.0.0.1:9229)
  --inspect-brk[=[host:]port] activate inspector on host:port and
                              break at start of user script
  --trace-warnings            show stack traces on process warnings
  -v, --version               print Node.js version

Documentation can be found at https://nodejs.org/
"""
_NPM_VERSION = "10.2.4"


@command("node", "nodejs")
def node(inv: Invocation) -> CommandOutput:
    """node - server-side JavaScript runtime (see the module docstring for what runs)."""
    opts = parse_node_args(inv.args)
    if opts.bad:
        inv.stderr.write(f"{inv.name}: bad option: {opts.bad}\n")
        return 9
    if opts.version:
        yield f"{NODE_VERSION}\n".encode()
        return 0
    if opts.help:
        yield _HELP.encode()
        return 0
    if opts.script is None:
        return 0  # no script and no terminal input: node reads an empty program
    run = NodeRun()
    yield from run_foreground(inv, opts, _FOREGROUND_SECONDS, run)
    return run.status


def _not_found(inv: Invocation, package: str) -> int:
    inv.stderr.write(
        "npm ERR! code E404\n"
        f"npm ERR! 404 Not Found - GET https://registry.npmjs.org/{package} - Not found\n"
        "npm ERR! 404\n"
        f"npm ERR! 404  '{package}@*' is not in this registry.\n"
        "npm ERR! 404\n"
        "npm ERR! 404 Note that you can also install from a\n"
        "npm ERR! 404 tarball, folder, http url, or git url.\n\n"
        "npm ERR! A complete log of this run can be found in: "
        f"/root/.npm/_logs/{inv.world.clock.datetime():%Y-%m-%dT%H_%M_%S_%f}"[:-3]
        + "Z-debug-0.log\n")
    return 1


@command("npx")
def npx(inv: Invocation) -> CommandOutput:
    """npx - run a command from a local or remote npm package (clinic, memlab)."""
    args = list(inv.args)
    while args and args[0] in ("-y", "--yes", "--no-install", "--no", "-q", "--quiet"):
        args.pop(0)
    if not args:
        inv.stderr.write("npm ERR! could not determine executable to run\n")
        return 1
    if args[0] in ("-v", "--version"):
        yield f"{_NPM_VERSION}\n".encode()
        return 0
    package, rest = args[0], args[1:]
    name = package.split("@", 1)[0] if not package.startswith("@") else package
    if name in ("clinic", "@clinic/heap-profiler"):
        return (yield from clinic(inv, rest))
    if name in ("memlab", "@memlab/cli"):
        return (yield from memlab(inv, rest))
    return _not_found(inv, package)
