"""Builtins that change who or where the shell is: ``ssh``, ``sudo``, ``su``, ``env``.

They are builtins rather than tools because an interactive ``ssh HOST`` or
``sudo -i`` replaces the prompt the player types at, which only the shell can do.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING

from pagerdrill.shell.builtins import BINARIES, BUILTINS, BuiltinCall, builtin
from pagerdrill.shell.errors import ParseError
from pagerdrill.shell.executor import Executor
from pagerdrill.shell.state import ShellState
from pagerdrill.tools.api import ByteInput, ByteSink, CommandOutput, Tool
from pagerdrill.world.errors import FsError

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["env", "remote_command", "resolve_host", "ssh", "su", "sudo"]

_SSH_ARG_OPTIONS = set("bcDEeFIiJLlmOopQRSWw")
_SUDO_ARG_OPTIONS = set("uCgDhpRrTU")
_DEBIAN_MOTD = (
    "\nThe programs included with the Debian GNU/Linux system are free software;\n"
    "the exact distribution terms for each program are described in the\n"
    "individual files in /usr/share/doc/*/copyright.\n\n"
    "Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent\n"
    "permitted by applicable law.\n"
)


def resolve_host(state: ShellState, name: str) -> Host | None:
    """A host by name, FQDN or IP, also via the current host's /etc/hosts."""
    world = state.host.world
    found = world.host(name)
    if found is not None:
        return found
    try:
        inode = state.host.fs.lookup("/etc/hosts")
        text = inode.content.read().decode("utf-8", "replace") if inode.content else ""
    except FsError:
        return None
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and name in fields[1:]:
            if fields[0].startswith("127.") or fields[0] == "::1":
                return state.host
            return world.host(fields[0])
    return None


def _banner(host: Host) -> bytes:
    spec = host.spec
    uname = f"Linux {host.name} {spec.kernel} {spec.kernel_version} x86_64\n"
    motd = _DEBIAN_MOTD
    try:
        inode = host.fs.lookup("/etc/motd")
        if inode.content is not None:
            motd = inode.content.read().decode("utf-8", "replace")
    except FsError:
        pass
    return (uname + motd + _last_login(host)).encode()


def _last_login(host: Host) -> str:
    """sshd's lastlog line: the previous login, hours ago, from the bastion."""
    hours_ago = host.world.rng.child("lastlog", host.name).uniform(2, 30)
    then = host.clock.now_ms - int(hours_ago * 3_600_000)
    moment = _dt.datetime.fromtimestamp(then / 1000, tz=_dt.UTC)
    when = f"{moment:%a %b} {moment.day:2d} {moment:%H:%M:%S %Y}"
    return f"Last login: {when} from {host.login_from}\n"


def remote_command(
    executor: Executor, state: ShellState, command: str, stdin: ByteInput, stderr: ByteSink
) -> CommandOutput:
    """Run one command line in a fresh non-interactive shell (``ssh HOST CMD``)."""
    from pagerdrill.shell.parser import parse

    try:
        tree = parse(command)
    except ParseError as error:
        for line in error.lines:
            stderr.write(f"bash: -c: line 1: {line}\n")
        return 2
    if tree is None:
        return 0
    state.depth += 1
    return (yield from executor.subshell(tree, state, stdin, stderr))


@builtin("ssh")
def ssh(call: BuiltinCall) -> CommandOutput:
    """ssh: ssh [-l login_name] [-p port] [user@]hostname [command]
    Log in to another host (exit comes back), or run one command there."""
    args = list(call.args)
    user = call.state.user
    destination = None
    while args:
        arg = args.pop(0)
        if destination is None and arg.startswith("-") and len(arg) > 1:
            flag = arg[1]
            if flag in _SSH_ARG_OPTIONS and len(arg) == 2:
                value = args.pop(0) if args else ""
                if flag == "l":
                    user = value
            elif flag == "l":
                user = arg[2:]
            continue
        destination = arg
        break
    if destination is None:
        call.stderr.write(
            "usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n"
            "           [-c cipher_spec] [-D [bind_address:]port] [-E log_file]\n"
            "           [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]\n"
            "           [-J destination] [-L address] [-l login_name] [-m mac_spec]\n"
            "           [-O ctl_cmd] [-o option] [-P tag] [-p port] [-Q query_option]\n"
            "           [-R address] [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n"
            "           destination [command [argument ...]]\n"
        )
        return 255
    if "@" in destination:
        user, destination = destination.rsplit("@", 1)
    host = resolve_host(call.state, destination)
    if host is None:
        call.stderr.write(
            f"ssh: Could not resolve hostname {destination}: Name or service not known\n"
        )
        return 255
    if user not in host.users:
        call.stderr.write(f"{user}@{destination}: Permission denied (publickey).\n")
        return 255
    shell = call.shell
    if args:
        remote = shell.new_state(host, user, pid=0)
        return (
            yield from remote_command(
                call.executor, remote, " ".join(args), call.stdin, call.stderr
            )
        )
    shell.push(shell.new_state(host, user), "ssh")
    yield _banner(host)
    return 0


def _may_sudo(state: ShellState) -> bool:
    if state.user == "root":
        return True
    account = state.host.users.get(state.user)
    return account is not None and ("sudo" in account.groups or "wheel" in account.groups)


def _as_user(state: ShellState, user: str) -> ShellState:
    """The state a command sees under ``sudo -u user``: same cwd, that user's identity."""
    child = state.copy()
    account = state.host.users[user]
    child.user = user
    for name, value in (
        ("USER", user),
        ("LOGNAME", user),
        ("HOME", account.home),
        ("SUDO_USER", state.user),
    ):
        child.set_var(name, value, export=True)
    return child


def _program(call: BuiltinCall, name: str, state: ShellState) -> Tool | str:
    """A program (not a shell builtin) for sudo and env; BINARIES builtins count."""
    if name in BINARIES and "/" not in name and name in BUILTINS:
        return name
    found = call.executor.find_tool(name, state)
    return found


def _run_program(
    call: BuiltinCall,
    argv: list[str],
    state: ShellState,
    who: str,
    env: dict[str, str] | None = None,
) -> CommandOutput:
    program = _program(call, argv[0], state)
    if isinstance(program, str) and program in BUILTINS:
        if env is not None:
            state = state.copy()
            state.vars = dict(env)
            state.exported = set(env)
        run = call.executor.resolve(argv, state, [], call.stderr)
        return (yield from run(call.stdin, call.stderr))
    if isinstance(program, str):
        if who == "env":
            call.stderr.write(f"env: \u2018{argv[0]}\u2019: No such file or directory\n")
            return 127
        call.stderr.write(f"sudo: {argv[0]}: command not found\n")
        return 1
    env = state.env if env is None else env
    return (yield from call.executor.run_tool(program, argv, state, env, call.stdin, call.stderr))


@builtin("sudo")
def sudo(call: BuiltinCall) -> CommandOutput:
    """sudo: sudo [-u user] [-i | -s] [command [arg ...]]
    Run a command as root (or another user); -i or -s opens a shell as them."""
    args = list(call.args)
    target = "root"
    login = shell_mode = False
    while args and args[0].startswith("-") and args[0] != "-":
        arg = args.pop(0)
        if arg == "--":
            break
        for i, flag in enumerate(arg[1:]):
            if flag in _SUDO_ARG_OPTIONS:
                value = arg[i + 2 :] or (args.pop(0) if args else "")
                if flag == "u":
                    target = value
                break
            login = login or flag == "i"
            shell_mode = shell_mode or flag == "s"
    state = call.state
    if not _may_sudo(state):
        call.stderr.write(
            f"{state.user} is not in the sudoers file.  This incident will be reported.\n"
        )
        return 1
    if target not in state.host.users:
        call.stderr.write(f"sudo: unknown user {target}\n")
        return 1
    shell = call.shell
    if not args and (login or shell_mode):
        new = shell.new_state(state.host, target)
        if shell_mode and not login:
            new.cwd = state.cwd
            new.set_var("PWD", state.cwd, export=True)
        shell.push(new, "sudo")
        return 0
    if not args:
        call.stderr.write(
            "usage: sudo -h | -K | -k | -V\n"
            "usage: sudo -v [-ABknS] [-g group] [-h host] [-p prompt] [-u user]\n"
            "usage: sudo -l [-ABknS] [-g group] [-h host] [-p prompt] [-U user]"
            " [-u user] [command [arg ...]]\n"
            "usage: sudo [-ABbEHknPS] [-r role] [-t type] [-C num] [-D directory]"
            " [-g group] [-h host] [-p prompt] [-R directory] [-T timeout]"
            " [-u user] [VAR=value] [-i | -s] [command [arg ...]]\n"
            "usage: sudo -e [-ABknS] [-r role] [-t type] [-C num] [-D directory]"
            " [-g group] [-h host] [-p prompt] [-R directory] [-T timeout]"
            " [-u user] file ...\n"
        )
        return 1
    if args[0] in ("su", "bash", "sh", "-bash"):
        if args[0] == "su":
            target = next((a for a in args[1:] if not a.startswith("-")), "root")
            if target not in state.host.users:
                call.stderr.write(
                    f"su: user {target} does not exist or the user entry does not "
                    "contain all the required fields\n"
                )
                return 1
        shell.push(shell.new_state(state.host, target), "sudo")
        return 0
    return (yield from _run_program(call, args, _as_user(state, target), "sudo"))


@builtin("su")
def su(call: BuiltinCall) -> CommandOutput:
    """su: su [-] [-l] [user] [-c command]
    Become another user (root may do so without a password)."""
    args = list(call.args)
    command = None
    if "-c" in args:
        i = args.index("-c")
        command = args[i + 1] if i + 1 < len(args) else ""
        del args[i : i + 2]
    names = [a for a in args if not a.startswith("-")]
    target = names[0] if names else "root"
    state = call.state
    if state.user != "root":
        call.stderr.write("Password: \nsu: Authentication failure\n")
        return 1
    account = state.host.users.get(target)
    if account is None:
        call.stderr.write(
            f"su: user {target} does not exist or the user entry does not contain "
            "all the required fields\n"
        )
        return 1
    if account.shell.endswith("nologin"):
        call.stderr.write("This account is currently not available.\n")
        return 1
    if command is not None:
        remote = call.shell.new_state(state.host, target, pid=0)
        return (yield from remote_command(call.executor, remote, command, call.stdin, call.stderr))
    call.shell.push(call.shell.new_state(state.host, target), "su")
    return 0


@builtin("env", "printenv")
def env(call: BuiltinCall) -> CommandOutput:
    """env: env [-i] [-u name] [NAME=VALUE]... [COMMAND [ARG]...]
    Print the environment, or run COMMAND in a modified environment."""
    args = list(call.args)
    environ = dict(call.state.env)
    while args:
        arg = args[0]
        if arg in ("-i", "-", "--ignore-environment"):
            environ.clear()
        elif arg == "-u" and len(args) > 1:
            environ.pop(args[1], None)
            args.pop(0)
        elif "=" in arg and not arg.startswith("="):
            name, _, value = arg.partition("=")
            environ[name] = value
        else:
            break
        args.pop(0)
    if call.name == "printenv":
        if args:
            missing = [a for a in args if a not in environ]
            for name in args:
                if name in environ:
                    yield (environ[name] + "\n").encode("utf-8", "surrogateescape")
            return 1 if missing else 0
        args = []
    if not args:
        for name, value in environ.items():
            yield f"{name}={value}\n".encode("utf-8", "surrogateescape")
        return 0
    return (yield from _run_program(call, args, call.state, "env", environ))
