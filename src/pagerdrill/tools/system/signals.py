"""Sending signals and finding processes: kill (bash's builtin), pgrep, pkill, pidof.

Every signal goes through ``host.procs.kill`` so the target's program decides
what SIGHUP or SIGUSR2 means (reload, heap snapshot...), as a real one would.
"""

from __future__ import annotations

import re

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.tools.system.procfields import comm_of
from pagerdrill.world.errors import ProcessError
from pagerdrill.world.process import Process, Signal

__all__ = ["KILL_USAGE", "SIGNAL_NAMES", "kill", "pgrep", "pidof", "pkill", "signal_list"]

KILL_USAGE = ("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... "
              "or kill -l [sigspec]\n")


def _signal_names() -> dict[int, str]:
    names = ["HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1",
             "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP",
             "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO",
             "PWR", "SYS"]
    table = {i + 1: f"SIG{name}" for i, name in enumerate(names)}
    for number in range(34, 65):
        offset = number - 34
        if number == 34:
            table[number] = "SIGRTMIN"
        elif offset <= 15:
            table[number] = f"SIGRTMIN+{offset}"
        elif number == 64:
            table[number] = "SIGRTMAX"
        else:
            table[number] = f"SIGRTMAX-{64 - number}"
    return table


SIGNAL_NAMES = _signal_names()
_ALIASES = {"SIGIOT": 6, "SIGPOLL": 29, "SIGCLD": 17}


def signal_number(text: str) -> int | None:
    """``9``, ``KILL``, ``SIGKILL``, ``kill``: bash's decode_signal."""
    if text.isdigit():
        number = int(text)
        return number if number == 0 or number in SIGNAL_NAMES else None
    name = text.upper()
    name = name if name.startswith("SIG") else "SIG" + name
    for number, known in SIGNAL_NAMES.items():
        if known == name:
            return number
    return _ALIASES.get(name)


def signal_list() -> str:
    """``kill -l``: five ``NN) SIGNAME`` entries a line, tab separated."""
    out = []
    for count, (number, name) in enumerate(sorted(SIGNAL_NAMES.items()), start=1):
        out.append(f"{number:2d}) {name}" + ("\n" if count % 5 == 0 else "\t"))
    if len(SIGNAL_NAMES) % 5:
        out.append("\n")
    return "".join(out)


def _deliver(inv: Invocation, pid: int, number: int) -> str | None:
    """Send signal ``number``; the errno text on failure (None when it worked)."""
    uid = inv.host.uid_of(inv.user)
    proc = inv.host.procs.get(pid)
    if number == 0 or number not in Signal._value2member_map_:
        # Signal 0 only checks; signals the world does not model change nothing.
        if proc is None:
            return "No such process"
        if uid != 0 and uid != proc.uid:
            return "Operation not permitted"
        return None
    try:
        inv.host.procs.kill(pid, Signal(number), uid=uid)
    except ProcessError as error:
        return error.strerror
    return None


@command("kill")
def kill(inv: Invocation) -> CommandOutput:
    """kill - send a signal to a process (bash's builtin).

    kill [-s sigspec | -n signum | -sigspec] pid ...; kill -l [sigspec].
    Job specs (%1) are the shell's: this command reports them as unknown jobs.
    """
    args = list(inv.args)
    number = int(Signal.SIGTERM)

    def fail(message: str) -> None:
        inv.stderr.write(f"bash: kill: {message}\n")

    if args and args[0] in ("-l", "-L", "--list"):
        if len(args) == 1:
            yield signal_list().encode()
            return 0
        status = 0
        for spec in args[1:]:
            if spec.isdigit():
                value = int(spec)
                value = value - 128 if value > 128 else value
                if value in SIGNAL_NAMES:
                    yield f"{SIGNAL_NAMES[value].removeprefix('SIG')}\n".encode()
                    continue
            else:
                found = signal_number(spec)
                if found is not None:
                    yield f"{found}\n".encode()
                    continue
            fail(f"{spec}: invalid signal specification")
            status = 1
        return status
    if args and args[0] in ("-s", "-n"):
        if len(args) < 2:
            fail(f"{args[0]}: option requires an argument")
            return 1
        found = signal_number(args[1])
        if found is None:
            fail(f"{args[1]}: invalid signal specification")
            return 1
        number, args = found, args[2:]
    elif args and args[0].startswith("-") and args[0] != "--" and len(args[0]) > 1:
        found = signal_number(args[0][1:])
        if found is None:
            fail(f"{args[0][1:]}: invalid signal specification")
            return 1
        number, args = found, args[1:]
    if args and args[0] == "--":
        args = args[1:]
    if not args:
        inv.stderr.write(KILL_USAGE)
        return 2
    status = 0
    for target in args:
        if target.startswith("%"):
            fail(f"{target}: no such job")
            status = 1
            continue
        if not target.lstrip("-").isdigit():
            fail(f"{target}: arguments must be process or job IDs")
            status = 1
            continue
        problem = _deliver(inv, int(target), number)
        if problem is not None:
            fail(f"({target}) - {problem}")
            status = 1
    return status


# -- pgrep / pkill ---------------------------------------------------------------

_PGREP_HELP_OPTIONS = (
    " -d, --delimiter <string>  specify output delimiter\n"
    " -l, --list-name           list PID and process name\n"
    " -a, --list-full           list PID and full command line\n"
    " -v, --inverse             negates the matching\n"
    " -w, --lightweight         list all TID\n"
)
_PKILL_HELP_OPTIONS = (
    " -<sig>, --signal <sig>    signal to send (either number or name)\n"
    " -q, --queue <value>       integer value to be sent with the signal\n"
    " -e, --echo                display what is killed\n"
)
_COMMON_HELP = (
    " -c, --count               count of matching processes\n"
    " -f, --full                use full process name to match\n"
    " -g, --pgroup <PGID,...>   match listed process group IDs\n"
    " -G, --group <GID,...>     match real group IDs\n"
    " -i, --ignore-case         match case insensitively\n"
    " -n, --newest              select most recently started\n"
    " -o, --oldest              select least recently started\n"
    " -O, --older <seconds>     select where older than seconds\n"
    " -P, --parent <PPID,...>   match only child processes of the given parent\n"
    " -s, --session <SID,...>   match session IDs\n"
    " -t, --terminal <tty,...>  match by controlling terminal\n"
    " -u, --euid <ID,...>       match by effective IDs\n"
    " -U, --uid <ID,...>        match by real IDs\n"
    " -x, --exact               match exactly with the command name\n"
    " -F, --pidfile <file>      read PIDs from file\n"
    " -L, --logpidfile          fail if PID file is not locked\n"
    " -r, --runstates <state>   match runstates [D,S,Z,...]\n"
    " -A, --ignore-ancestors    exclude our ancestors from results\n"
    " --cgroup <grp,...>        match by cgroup v2 names\n"
    " --ns <PID>                match the processes that belong to the same\n"
    "                           namespace as <pid>\n"
    " --nslist <ns,...>         list which namespaces will be considered for\n"
    "                           the --ns option.\n"
    "                           Available namespaces: ipc, mnt, net, pid, user, uts\n"
    "\n"
    " -h, --help     display this help and exit\n"
    " -V, --version  output version information and exit\n"
)


def _pgrep_usage(name: str) -> str:
    specific = _PKILL_HELP_OPTIONS if name == "pkill" else _PGREP_HELP_OPTIONS
    return (f"\nUsage:\n {name} [options] <pattern>\n\nOptions:\n{specific}{_COMMON_HELP}"
            f"\nFor more details see {name}(1).\n")


_LONG = {"list-name": "l", "list-full": "a", "full": "f", "exact": "x", "newest": "n",
         "oldest": "o", "count": "c", "inverse": "v", "ignore-case": "i", "echo": "e",
         "euid": "u", "uid": "U", "parent": "P", "delimiter": "d", "signal": "SIG"}


class _PgrepError(Exception):
    def __init__(self, text: str, status: int = 2) -> None:
        super().__init__(text)
        self.text, self.status = text, status


def _parse_pgrep(inv: Invocation, is_pkill: bool) -> tuple[set[str], dict[str, str], list[str],
                                                           int]:
    flags: set[str] = set()
    values: dict[str, str] = {}
    operands: list[str] = []
    number = int(Signal.SIGTERM)
    args = list(inv.args)
    if is_pkill and args and args[0].startswith("-") and len(args[0]) > 1:
        found = signal_number(args[0][1:])
        if found is not None:
            number, args = found, args[1:]
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            key = _LONG.get(name)
            if key is None:
                raise _PgrepError(f"{inv.name}: unrecognized option '{arg}'\n"
                                  + _pgrep_usage(inv.name))
            if key in ("u", "U", "P", "d", "SIG"):
                if not eq:
                    if i >= len(args):
                        raise _PgrepError(f"{inv.name}: option '--{name}' requires an argument"
                                          "\n" + _pgrep_usage(inv.name))
                    value, i = args[i], i + 1
                if key == "SIG":
                    found = signal_number(value)
                    if found is None:
                        raise _PgrepError(f"{inv.name}: Unknown signal \"{value}\".\n")
                    number = found
                else:
                    values[key] = value
            else:
                flags.add(key)
        elif arg.startswith("-") and len(arg) > 1:
            pos = 1
            while pos < len(arg):
                char = arg[pos]
                pos += 1
                allowed = "lfxnocviae" if not is_pkill else "fxnocvie"
                if char in "uUPd" and (char != "d" or not is_pkill):
                    value = arg[pos:]
                    if not value:
                        if i >= len(args):
                            raise _PgrepError(f"{inv.name}: option requires an argument -- "
                                              f"'{char}'\n" + _pgrep_usage(inv.name))
                        value, i = args[i], i + 1
                    values[char] = value
                    break
                if char not in allowed:
                    raise _PgrepError(f"{inv.name}: invalid option -- '{char}'\n"
                                      + _pgrep_usage(inv.name))
                flags.add(char)
        else:
            operands.append(arg)
    return flags, values, operands, number


def _matches(inv: Invocation, flags: set[str], values: dict[str, str],
             operands: list[str]) -> list[Process]:
    if len(operands) > 1:
        raise _PgrepError(f"{inv.name}: only one pattern can be provided\n"
                          f"Try `{inv.name} --help' for more information.\n")
    if not operands and not values.keys() & {"u", "U", "P"}:
        raise _PgrepError(f"{inv.name}: no matching criteria specified\n"
                          f"Try `{inv.name} --help' for more information.\n")
    uids: set[int] = set()
    for key in ("u", "U"):
        for name in values.get(key, "").split(",") if key in values else []:
            if name.isdigit():
                uids.add(int(name))
            elif name in inv.host.users:
                uids.add(inv.host.uid_of(name))
            else:
                raise _PgrepError(f"{inv.name}: invalid user name: {name}\n")
    parents = {int(p) for p in values.get("P", "").split(",") if p.isdigit()}
    pattern = None
    if operands:
        try:
            pattern = re.compile(operands[0], re.IGNORECASE if "i" in flags else 0)
        except re.error:
            raise _PgrepError(f"{inv.name}: invalid regular expression\n") from None
    found: list[Process] = []
    for proc in inv.host.procs:
        if proc.argv[:1] == [inv.name] and proc.tty != "?":
            continue  # pgrep never reports itself
        text = proc.cmdline if "f" in flags else comm_of(proc)
        hit = True
        if pattern is not None:
            hit = bool(pattern.fullmatch(text) if "x" in flags else pattern.search(text))
        if (uids and proc.uid not in uids) or (parents and proc.ppid not in parents):
            hit = False
        if hit != ("v" in flags):
            found.append(proc)
    if "n" in flags and found:
        found = [max(found, key=lambda p: (p.start_ms, p.pid))]
    if "o" in flags and found:
        found = [min(found, key=lambda p: (p.start_ms, p.pid))]
    return found


@command("pgrep")
def pgrep(inv: Invocation) -> CommandOutput:
    """pgrep - look up processes by name (-f -l -a -u -U -P -x -n -o -c -d -i -v).

    Not supported: -g -G -s -t -F -L -r -A -w --ns --cgroup.
    """
    try:
        flags, values, operands, _ = _parse_pgrep(inv, False)
        found = _matches(inv, flags, values, operands)
    except _PgrepError as error:
        inv.stderr.write(error.text)
        return error.status
    if "c" in flags:
        yield f"{len(found)}\n".encode()
    else:
        delimiter = values.get("d", "\n")
        items = []
        for proc in found:
            if "a" in flags:
                items.append(f"{proc.pid} {proc.cmdline}")
            elif "l" in flags:
                items.append(f"{proc.pid} {comm_of(proc)}")
            else:
                items.append(str(proc.pid))
        if items:
            yield (delimiter.join(items) + "\n").encode()
    return 0 if found else 1


@command("pkill")
def pkill(inv: Invocation) -> CommandOutput:
    """pkill - signal processes by name (-SIGNAL, --signal, -f -x -u -U -P -n -o -e -c).

    Not supported: -q, -g -G -s -t -F -L -r -A --ns --cgroup.
    """
    try:
        flags, values, operands, number = _parse_pgrep(inv, True)
        found = _matches(inv, flags, values, operands)
    except _PgrepError as error:
        inv.stderr.write(error.text)
        return error.status
    killed = 0
    for proc in found:
        name = comm_of(proc)
        problem = _deliver(inv, proc.pid, number)
        if problem is not None:
            inv.stderr.write(f"pkill: killing pid {proc.pid} failed: {problem}\n")
            continue
        killed += 1
        if "e" in flags:
            yield f"{name} killed (pid {proc.pid})\n".encode()
    if "c" in flags:
        yield f"{killed}\n".encode()
    return 0 if killed else 1


@command("pidof")
def pidof(inv: Invocation) -> CommandOutput:
    """pidof - find the process IDs of running programs (-s single shot, -x accepted).

    Not supported: -o omit lists, -c, -n, -q.
    """
    single = False
    names: list[str] = []
    for arg in inv.args:
        if arg.startswith("-") and len(arg) > 1:
            single |= "s" in arg
            continue
        names.append(arg)
    pids: list[int] = []
    for name in names:
        base = name.rsplit("/", 1)[-1]
        matching = [p.pid for p in inv.host.procs
                    if comm_of(p) == base[:15] or (p.argv and p.argv[0] == name)]
        for pid in sorted(matching, reverse=True):
            if pid not in pids:
                pids.append(pid)
    if single:
        pids = pids[:1]
    if not pids:
        return 1
    yield (" ".join(str(p) for p in pids) + "\n").encode()
    return 0
