"""Shell builtins: commands the shell runs itself. Each docstring is its ``help`` text.

A builtin has the tool signature's shape (a generator yielding stdout and
returning a status) but receives a :class:`BuiltinCall`, because builtins change
the shell itself: its cwd, variables, aliases and functions.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.shell.errors import ExitShell, LoopControl, ParseError, ReturnFromFunction
from pagerdrill.shell.state import ShellState
from pagerdrill.tools import registry
from pagerdrill.tools.api import ByteInput, ByteSink, CommandOutput
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import FileSystem

if TYPE_CHECKING:
    from pagerdrill.shell.executor import Executor
    from pagerdrill.shell.session_shell import Shell

__all__ = ["BINARIES", "BUILTINS", "KEYWORDS", "Builtin", "BuiltinCall", "builtin", "command_path"]


@dataclass
class BuiltinCall:
    argv: list[str]
    state: ShellState
    executor: Executor
    stdin: ByteInput
    stderr: ByteSink
    # Set when the builtin reported a non-fatal error and must exit 1 (printf's
    # "invalid number" still prints the rest, as bash does).
    failed: bool = False

    @property
    def name(self) -> str:
        return self.argv[0]

    @property
    def args(self) -> list[str]:
        return self.argv[1:]

    @property
    def shell(self) -> Shell:
        return self.executor.shell

    def error(self, message: str) -> None:
        self.stderr.write(f"bash: {self.name}: {message}\n")


Builtin = Callable[[BuiltinCall], CommandOutput]
BUILTINS: dict[str, Builtin] = {}
KEYWORDS = frozenset(
    {
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "case",
        "esac",
        "for",
        "select",
        "while",
        "until",
        "do",
        "done",
        "in",
        "function",
        "time",
        "{",
        "}",
        "!",
        "[[",
        "]]",
        "coproc",
    }
)
# Builtins that also exist as programs, so ``which`` and ``env`` find them.
BINARIES = {
    "echo": "/usr/bin/echo", "printf": "/usr/bin/printf", "true": "/usr/bin/true",
    "false": "/usr/bin/false", "test": "/usr/bin/test", "[": "/usr/bin/[", "pwd": "/usr/bin/pwd",
    "sleep": "/usr/bin/sleep", "env": "/usr/bin/env", "which": "/usr/bin/which",
    "clear": "/usr/bin/clear", "ssh": "/usr/bin/ssh", "sudo": "/usr/bin/sudo", "su": "/usr/bin/su",
}  # fmt: skip
_SBIN = frozenset(
    {
        "ip",
        "sysctl",
        "iptables",
        "fdisk",
        "mkfs",
        "fsck",
        "logrotate",
        "nginx",
        "sshd",
        "cron",
        "useradd",
        "usermod",
        "reboot",
        "shutdown",
        "service",
        "ifconfig",
        "route",
        "arp",
        "tcpdump",
        "swapon",
        "swapoff",
        "blkid",
        "parted",
        "lvs",
        "vgs",
        "pvs",
        "modprobe",
        "nft",
        "ss-sbin",
    }
)


def builtin(*names: str) -> Callable[[Builtin], Builtin]:
    def register(fn: Builtin) -> Builtin:
        for name in names:
            BUILTINS[name] = fn
        return fn

    return register


def _done(status: int = 0) -> CommandOutput:
    return status
    yield b""  # a generator that writes nothing


def _out(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def is_identifier(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) is not None


def command_path(name: str, state: ShellState) -> str | None:
    """Where ``name`` lives on PATH (what ``which`` and ``type`` print)."""
    if "/" in name:
        return name if state.host.fs.exists(name, state.cwd) else None
    if registry.lookup(name) is None and name not in BINARIES:
        return None
    dirs = [d for d in state.vars.get("PATH", "").split(":") if d]
    for directory in dirs:
        candidate = posixpath.join(directory, name)
        try:
            if state.host.fs.lookup(candidate).is_file:
                return candidate
        except FsError:
            continue
    default = BINARIES.get(name) or (f"/usr/sbin/{name}" if name in _SBIN else f"/usr/bin/{name}")
    return default if posixpath.dirname(default) in dirs else None


# -- trivial --------------------------------------------------------------------


@builtin("true", ":")
def true(call: BuiltinCall) -> CommandOutput:
    """true: true
    Return a successful result."""
    return _done(0)


@builtin("false")
def false(call: BuiltinCall) -> CommandOutput:
    """false: false
    Return an unsuccessful result."""
    return _done(1)


@builtin("jobs", "wait", "disown")
def jobs(call: BuiltinCall) -> CommandOutput:
    """jobs: jobs [-lnprs] [jobspec ...]
    Display status of jobs. Jobs here finish before the prompt returns."""
    return _done(0)


@builtin("fg", "bg")
def fg(call: BuiltinCall) -> CommandOutput:
    """fg: fg [job_spec]
    Move job to the foreground."""
    call.error("current: no such job")
    return _done(1)


# -- directories ----------------------------------------------------------------


@builtin("cd")
def cd(call: BuiltinCall) -> CommandOutput:
    """cd: cd [-L|[-P [-e]] [-@]] [dir]
    Change the shell working directory."""
    args = [a for a in call.args if a not in ("-L", "-P", "--")]
    state = call.state
    if len(args) > 1:
        call.error("too many arguments")
        return 1
    show = False
    if not args:
        target = state.vars.get("HOME", "")
        if not target:
            call.error("HOME not set")
            return 1
    elif args[0] == "-":
        target = state.vars.get("OLDPWD", "")
        if not target:
            call.error("OLDPWD not set")
            return 1
        show = True
    else:
        target = args[0]
    if target == "":
        return 0
    path = posixpath.normpath(posixpath.join(state.cwd, target))
    path = "/" if path.startswith("//") else path
    host = state.host
    cred = host.cred_for(state.user)
    try:
        inode = host.fs.lookup(path, cred=cred)
    except FsError as error:
        call.error(f"{target}: {error.strerror}")
        return 1
    if not inode.is_dir:
        call.error(f"{target}: Not a directory")
        return 1
    if not FileSystem.access(inode, 1, cred):
        call.error(f"{target}: Permission denied")
        return 1
    state.set_var("OLDPWD", state.cwd)
    state.cwd = path
    state.set_var("PWD", path)
    if show:
        yield _out(path + "\n")
    return 0


@builtin("pwd")
def pwd(call: BuiltinCall) -> CommandOutput:
    """pwd: pwd [-LP]
    Print the name of the current working directory."""
    yield _out(call.state.cwd + "\n")
    return 0


# -- variables ------------------------------------------------------------------


def _quote_value(value: str) -> str:
    return '"' + re.sub(r'(["\\$`])', r"\\\1", value) + '"'


@builtin("export")
def export(call: BuiltinCall) -> CommandOutput:
    """export: export [-fn] [name[=value] ...] or export -p
    Set export attribute for shell variables."""
    state = call.state
    args = [a for a in call.args if a != "--"]
    unexport = "-n" in args
    args = [a for a in args if a not in ("-n", "-p", "-f")]
    if not args:
        for name in sorted(state.exported):
            if name in state.vars:
                yield _out(f"declare -x {name}={_quote_value(state.vars[name])}\n")
            else:
                yield _out(f"declare -x {name}\n")
        return 0
    status = 0
    for arg in args:
        name, eq, value = arg.partition("=")
        if not is_identifier(name):
            call.error(f"`{arg}': not a valid identifier")
            status = 1
            continue
        if unexport:
            state.exported.discard(name)
        elif eq:
            state.set_var(name, value, export=True)
        else:
            state.exported.add(name)
    return status


@builtin("unset")
def unset(call: BuiltinCall) -> CommandOutput:
    """unset: unset [-f] [-v] [-n] [name ...]
    Unset values and attributes of shell variables and functions."""
    functions = "-f" in call.args
    variables_only = "-v" in call.args
    status = 0
    for name in (a for a in call.args if not a.startswith("-")):
        if functions:
            call.state.functions.pop(name, None)
        elif not is_identifier(name):
            # Without -v the name may be a function's, which bash checks silently.
            if variables_only:
                call.error(f"`{name}': not a valid identifier")
                status = 1
        elif name in call.state.vars or variables_only:
            call.state.unset_var(name)
        else:
            call.state.functions.pop(name, None)
    return _done(status)


@builtin("local", "declare", "typeset", "readonly")
def local(call: BuiltinCall) -> CommandOutput:
    """local: local [option] name[=value] ...
    Define local variables (here: ordinary shell variables)."""
    status = 0
    for arg in call.args:
        if arg.startswith("-"):
            continue
        name, eq, value = arg.partition("=")
        if not is_identifier(name):
            call.error(f"`{arg}': not a valid identifier")
            status = 1
        elif eq:
            call.state.set_var(name, value)
        else:
            call.state.vars.setdefault(name, "")
    return _done(status)


@builtin("set")
def set_(call: BuiltinCall) -> CommandOutput:
    """set: set [-abefhkmnptuvxBCEHPT] [-o option-name] [--] [-] [arg ...]
    Set or unset values of shell options and positional parameters."""
    args = call.args
    if not args:
        for name in sorted(call.state.vars):
            value = call.state.vars[name]
            shown = value if re.fullmatch(r"[\w@%+=:,./-]*", value) and value else f"'{value}'"
            yield _out(f"{name}={shown}\n")
        return 0
    if "--" in args:
        call.state.positional = args[args.index("--") + 1 :]
    return 0  # options such as -e, -x, -o pipefail are accepted and ignored


@builtin("shift")
def shift(call: BuiltinCall) -> CommandOutput:
    """shift: shift [n]
    Shift positional parameters."""
    count = int(call.args[0]) if call.args and call.args[0].isdigit() else 1
    if count > len(call.state.positional):
        return _done(1)
    call.state.positional = call.state.positional[count:]
    return _done(0)


@builtin("read")
def read(call: BuiltinCall) -> CommandOutput:
    """read: read [-r] [-p prompt] [name ...]
    Read a line from the standard input and split it into fields."""
    args = list(call.args)
    raw = False
    names: list[str] = []
    while args:
        arg = args.pop(0)
        if arg == "-r":
            raw = True
        elif arg == "-p" and args:
            call.stderr.write(args.pop(0))
        elif arg.startswith("-") and arg != "-":
            if arg[1:] in ("t", "n", "d", "u", "a") and args:
                args.pop(0)
        else:
            names.append(arg)
    data = call.stdin.readline()
    if not data:
        return _done(1)
    line = data.decode("utf-8", "surrogateescape").removesuffix("\n")
    if not raw:
        line = re.sub(r"\\(.)", r"\1", line)
    if not names:
        call.state.set_var("REPLY", line)
        return _done(0)
    ifs = call.state.vars.get("IFS", " \t\n")
    fields = (
        line.strip(ifs).split(None, len(names) - 1)
        if ifs == " \t\n"
        else line.split(ifs[:1], len(names) - 1)
        if ifs
        else [line]
    )
    for i, name in enumerate(names):
        call.state.set_var(name, fields[i] if i < len(fields) else "")
    return _done(0)


# -- aliases ----------------------------------------------------------------------


def _alias_line(name: str, value: str) -> str:
    return f"alias {name}='" + value.replace("'", "'\\''") + "'\n"


@builtin("alias")
def alias(call: BuiltinCall) -> CommandOutput:
    """alias: alias [-p] [name[=value] ... ]
    Define or display aliases."""
    aliases = call.state.aliases
    args = [a for a in call.args if a != "-p"]
    if not args:
        for name in sorted(aliases):
            yield _out(_alias_line(name, aliases[name]))
        return 0
    status = 0
    for arg in args:
        name, eq, value = arg.partition("=")
        if eq:
            aliases[name] = value
        elif name in aliases:
            yield _out(_alias_line(name, aliases[name]))
        else:
            call.error(f"{name}: not found")
            status = 1
    return status


@builtin("unalias")
def unalias(call: BuiltinCall) -> CommandOutput:
    """unalias: unalias [-a] name [name ...]
    Remove each NAME from the list of defined aliases."""
    if "-a" in call.args:
        call.state.aliases.clear()
        return _done(0)
    status = 0
    for name in call.args:
        if call.state.aliases.pop(name, None) is None:
            call.error(f"{name}: not found")
            status = 1
    return _done(status)


# -- control flow -------------------------------------------------------------------


def _status_arg(call: BuiltinCall) -> int | None:
    if not call.args:
        return call.state.last_status
    try:
        return int(call.args[0]) & 0xFF
    except ValueError:
        call.error(f"{call.args[0]}: numeric argument required")
        return None


@builtin("exit", "logout")
def exit_(call: BuiltinCall) -> CommandOutput:
    """exit: exit [n]
    Exit the shell with a status of N (on a remote host: back to where you came from)."""
    status = _status_arg(call)
    raise ExitShell(2 if status is None else status)
    yield b""


@builtin("return")
def return_(call: BuiltinCall) -> CommandOutput:
    """return: return [n]
    Return from a shell function."""
    status = _status_arg(call)
    raise ReturnFromFunction(2 if status is None else status)
    yield b""


@builtin("break", "continue")
def break_(call: BuiltinCall) -> CommandOutput:
    """break: break [n]
    Exit for, while, or until loops."""
    levels = int(call.args[0]) if call.args and call.args[0].isdigit() else 1
    raise LoopControl(call.name, max(1, levels))
    yield b""


@builtin("eval")
def eval_(call: BuiltinCall) -> CommandOutput:
    """eval: eval [arg ...]
    Execute arguments as a shell command."""
    from pagerdrill.shell.parser import parse

    try:
        tree = parse(" ".join(call.args))
    except ParseError as error:
        call.executor.report(call.stderr, error)
        return 2
    if tree is None:
        return 0
    return (yield from call.executor.execute(tree, call.state, call.stdin, call.stderr))


@builtin("source", ".")
def source(call: BuiltinCall) -> CommandOutput:
    """source: source filename [arguments]
    Execute commands from a file in the current shell."""
    from pagerdrill.shell.parser import parse

    if not call.args:
        call.error("filename argument required")
        call.stderr.write(f"{call.name}: usage: {call.name} filename [arguments]\n")
        return 2
    state = call.state
    path = call.args[0]
    try:
        inode = state.host.fs.lookup(path, state.cwd, cred=state.host.cred_for(state.user))
        if inode.is_dir:
            call.error(f"{path}: is a directory")
            return 1
        text = inode.content.read().decode("utf-8", "surrogateescape") if inode.content else ""
    except FsError as error:
        call.stderr.write(f"bash: {path}: {error.strerror}\n")
        return 1
    try:
        tree = parse(text)
    except ParseError as error:
        for line in error.lines:
            call.stderr.write(f"{path}: line 1: {line}\n")
        return 2
    if tree is None:
        return 0
    saved = state.positional
    if call.args[1:]:
        state.positional = call.args[1:]
    try:
        return (yield from call.executor.execute(tree, state, call.stdin, call.stderr))
    except ReturnFromFunction as ret:
        return ret.status
    finally:
        state.positional = saved


# -- the terminal -------------------------------------------------------------------


@builtin("history")
def history(call: BuiltinCall) -> CommandOutput:
    """history: history [-c] [n]
    Display the history list with line numbers."""
    lines = call.shell.history
    if "-c" in call.args:
        lines.clear()
        return 0
    start = 0
    if call.args:
        if not call.args[0].isdigit():
            call.error(f"{call.args[0]}: numeric argument required")
            return 1
        start = max(0, len(lines) - int(call.args[0]))
    for number, line in enumerate(lines[start:], start + 1):
        yield _out(f"{number:5d}  {line}\n")
    return 0


@builtin("clear")
def clear(call: BuiltinCall) -> CommandOutput:
    """clear: clear
    Clear the terminal screen."""
    yield b"\x1b[H\x1b[2J\x1b[3J"
    return 0


_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)")


@builtin("sleep")
def sleep(call: BuiltinCall) -> CommandOutput:
    """sleep: sleep NUMBER[SUFFIX]...
    Pause for NUMBER seconds of simulated time (s, m, h or d)."""
    if not call.args:
        call.stderr.write("sleep: missing operand\nTry 'sleep --help' for more information.\n")
        return 1
    total = 0.0
    for arg in call.args:
        match = _DURATION.fullmatch(arg)
        if match is None:
            call.stderr.write(
                f"sleep: invalid time interval \u2018{arg}\u2019\n"
                "Try 'sleep --help' for more information.\n"
            )
            return 1
        total += (
            float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]
        )
    allowed = call.executor.budget.sleep(total)
    if allowed > 0:
        call.shell.world.advance(allowed)
    if allowed < total:
        from pagerdrill.shell.limits import LimitExceeded

        raise LimitExceeded(
            f"pagerdrill: stopped after {int(call.executor.limits.max_sleep_seconds)} seconds "
            "of simulated time in one command line",
            status=130,
            prefixed=True,
        )
    return 0
    yield b""


# -- finding commands -----------------------------------------------------------------


def _describe(name: str, state: ShellState) -> tuple[str, str] | None:
    """(kind, text) for ``type``: alias, keyword, function, builtin or file."""
    if name in state.aliases:
        return "alias", f"{name} is aliased to `{state.aliases[name]}'"
    if name in KEYWORDS:
        return "keyword", f"{name} is a shell keyword"
    if name in state.functions:
        return "function", f"{name} is a function"
    if name in BUILTINS and name not in ("which", "ssh", "sudo", "su", "clear", "env", "sleep"):
        return "builtin", f"{name} is a shell builtin"
    path = command_path(name, state)
    if path is not None:
        return "file", f"{name} is {path}"
    return None


@builtin("type")
def type_(call: BuiltinCall) -> CommandOutput:
    """type: type [-afptP] name [name ...]
    Display information about command type."""
    terse = any(a.startswith("-") and "t" in a for a in call.args)
    status = 0
    for name in (a for a in call.args if not a.startswith("-")):
        found = _describe(name, call.state)
        if found is None:
            if not terse:
                call.error(f"{name}: not found")
            status = 1
            continue
        yield _out((found[0] if terse else found[1]) + "\n")
    return status


@builtin("command")
def command(call: BuiltinCall) -> CommandOutput:
    """command: command [-pVv] command [arg ...]
    Execute a simple command or display information about commands."""
    args = call.args
    if args and args[0] in ("-v", "-V"):
        status = 0
        for name in args[1:]:
            found = _describe(name, call.state)
            if found is None:
                status = 1
                if args[0] == "-V":
                    call.error(f"{name}: not found")
                continue
            kind, text = found
            if args[0] == "-V":
                yield _out(text + "\n")
            elif kind == "alias":
                yield _out(_alias_line(name, call.state.aliases[name]))
            elif kind == "file":
                yield _out(text.split(" is ", 1)[1] + "\n")
            else:
                yield _out(name + "\n")
        return status
    if not args:
        return 0
    saved = call.state.functions
    call.state.functions = {}
    try:
        run = call.executor.resolve(args, call.state, [], call.stderr)
        return (yield from run(call.stdin, call.stderr))
    finally:
        call.state.functions = saved


@builtin("which")
def which(call: BuiltinCall) -> CommandOutput:
    """which: which [-a] filename ...
    Locate a command on PATH."""
    status = 0
    names = [a for a in call.args if not a.startswith("-")]
    if not names:
        return 1
    for name in names:
        path = command_path(name, call.state)
        if path is None:
            status = 1
        else:
            yield _out(path + "\n")
    return status


@builtin("help")
def help_(call: BuiltinCall) -> CommandOutput:
    """help: help [pattern ...]
    Display information about builtin commands."""
    if not call.args:
        for name in sorted(BUILTINS):
            doc = BUILTINS[name].__doc__ or name
            yield _out(" " + doc.splitlines()[0] + "\n")
        return 0
    status = 0
    for name in call.args:
        fn = BUILTINS.get(name)
        if fn is None or not fn.__doc__:
            call.error(
                f"no help topics match `{name}'.  Try `help help' or `man -k {name}' "
                f"or `info {name}'."
            )
            status = 1
            continue
        first, *rest = fn.__doc__.splitlines()
        yield _out(first + "\n" + "".join(f"    {line.strip()}\n" for line in rest))
    return status


from pagerdrill.shell import login as _login  # noqa: E402  (registers ssh, sudo, su, env)
from pagerdrill.shell import text_builtins as _text  # noqa: E402  (echo, printf, test)

_ = (_login, _text)
