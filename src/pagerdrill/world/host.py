"""One machine: its filesystem, processes, services, users and sockets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.world.clock import SimClock
from pagerdrill.world.fs import Cred, FileSystem, Kind, Mount
from pagerdrill.world.network import HttpHandler, Listener
from pagerdrill.world.process import Process, ProcessTable
from pagerdrill.world.procfs import install_procfs
from pagerdrill.world.services import Journal, ServiceManager

if TYPE_CHECKING:
    from pagerdrill.world.database import PgServer
    from pagerdrill.world.world import World

__all__ = ["BASE_GROUPS", "BASE_USERS", "Host", "HostSpec", "User"]


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    home: str
    shell: str = "/bin/bash"
    gecos: str = ""
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class HostSpec:
    """The fixed facts of a machine, as uname, nproc and free report them."""

    name: str
    ip: str
    cpus: int = 4
    mem_total_kb: int = 16 * 1024 * 1024
    kernel: str = "6.1.0-18-amd64"
    kernel_version: str = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"
    os_name: str = "Debian GNU/Linux 12 (bookworm)"
    domain: str = "prod.internal"
    # kernel.pid_max: systemd raises it to 2^22 on Debian 12, which widens ps/top's PID column.
    pid_max: int = 4_194_304


# The accounts and groups every Debian host here has before a scenario adds its own.
BASE_USERS = (
    User("root", 0, 0, "/root", gecos="root"),
    User("daemon", 1, 1, "/usr/sbin", "/usr/sbin/nologin", "daemon"),
    User("www-data", 33, 33, "/var/www", "/usr/sbin/nologin", "www-data"),
    User("nobody", 65534, 65534, "/nonexistent", "/usr/sbin/nologin", "nobody"),
    User("systemd-journal", 999, 999, "/", "/usr/sbin/nologin", "systemd Journal"),
    User("postgres", 105, 111, "/var/lib/postgresql", "/bin/bash", "PostgreSQL administrator"),
)
BASE_GROUPS = {"root": 0, "daemon": 1, "adm": 4, "sudo": 27, "www-data": 33,
                "systemd-journal": 999, "postgres": 111, "nogroup": 65534}


_ROOT_BASHRC = """\
# ~/.bashrc: executed by bash(1) for non-login shells.

# Note: PS1 and umask are already set in /etc/profile. You should not
# need this unless you want different defaults for root.
# PS1='${debian_chroot:+($debian_chroot)}\\h:\\w\\$ '
# umask 022

# You may uncomment the following lines if you want `ls' to be colorized:
# export LS_OPTIONS='--color=auto'
# eval "$(dircolors)"
# alias ls='ls $LS_OPTIONS'
# alias ll='ls $LS_OPTIONS -l'
# alias l='ls $LS_OPTIONS -lA'
#
# Some more alias to avoid making mistakes:
# alias rm='rm -i'
# alias cp='cp -i'
# alias mv='mv -i'
"""
_SKEL_BASHRC = """\
# ~/.bashrc: executed by bash(1) for non-login shells.

HISTCONTROL=ignoreboth
HISTSIZE=1000
HISTFILESIZE=2000

# some more ls aliases
alias ll='ls -l'
alias la='ls -A'
alias l='ls -CF'
"""
_PROFILE = """\
# ~/.profile: executed by Bourne-compatible login shells.

if [ "$BASH" ]; then
  if [ -f ~/.bashrc ]; then
    . ~/.bashrc
  fi
fi
"""


class Host:
    def __init__(self, world: World, spec: HostSpec, root_mount: Mount, *,
                 boot_ms: int, first_pid: int = 1) -> None:
        self.world = world
        self.spec = spec
        self.boot_ms = boot_ms
        self.fs = FileSystem(world.clock, world.rng.child("fs", spec.name), root_mount)
        self.procs = ProcessTable(self, first_pid)
        self.services = ServiceManager(self)
        self.journal = Journal()
        self.users: dict[str, User] = {u.name: u for u in BASE_USERS}
        self.groups: dict[str, int] = dict(BASE_GROUPS)
        self.listeners: dict[int, Listener] = {}
        # PostgreSQL servers by TCP port (world.database.attach), for psql and scenario rules.
        self.pg_servers: dict[int, PgServer] = {}
        # Memory the kernel uses for page cache and buffers (free's buff/cache).
        self.cache_kb = spec.mem_total_kb // 5
        self.buffers_kb = spec.mem_total_kb // 60
        # Load averages, moved by scenario rules (uptime, top).
        self.load = (0.08, 0.05, 0.01)
        # The kernel ring buffer (dmesg, journalctl -k): (time in ms since the epoch, message).
        self.kernel_log: list[tuple[int, str]] = []
        # The player's ssh login (w, who): when, and from where.
        self.login_ms = world.clock.now_ms
        self.login_from = "10.0.0.5"
        # The host's own system clock: the world clock is true time; this machine reads it
        # off by ``clock_offset_ms``, which drifts by ``clock_drift_ppm`` unless a time
        # daemon disciplines it (and sets ``clock_synchronized``, the kernel's sync flag).
        self.clock_offset_ms = 0.0
        self.clock_drift_ppm = 0.0
        self.clock_synchronized = True

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def clock(self) -> SimClock:
        return self.world.clock

    def now_ms(self) -> int:
        """The time this host's system clock shows (what date prints and logs are stamped
        with): the world's time plus the host's offset."""
        return self.world.clock.now_ms + round(self.clock_offset_ms)

    def set_time_ms(self, t_ms: int) -> None:
        """Step the system clock to ``t_ms`` (settimeofday: date -s, a time daemon's step)."""
        self.clock_offset_ms = float(t_ms - self.world.clock.now_ms)

    # -- users ---------------------------------------------------------------

    def add_user(self, user: User) -> None:
        self.users[user.name] = user
        self.groups.setdefault(user.name, user.gid)

    def uid_of(self, name: str) -> int:
        user = self.users.get(name)
        return user.uid if user else 65534

    def gid_of(self, name: str) -> int:
        user = self.users.get(name)
        return user.gid if user else 65534

    def user_name(self, uid: int) -> str:
        for user in self.users.values():
            if user.uid == uid:
                return user.name
        return str(uid)

    def group_name(self, gid: int) -> str:
        for name, value in self.groups.items():
            if value == gid:
                return name
        return str(gid)

    def cred_for(self, name: str) -> Cred:
        user = self.users.get(name)
        if user is None:
            return Cred(65534, (65534,))
        extra = tuple(self.groups[g] for g in user.groups if g in self.groups)
        return Cred(user.uid, (user.gid, *extra))

    # -- processes and sockets -----------------------------------------------

    def listen(self, port: int, proc: Process, handler: HttpHandler | None = None,
               address: str = "0.0.0.0") -> Listener:
        listener = Listener(port, proc.pid, address, handler)
        self.listeners[port] = listener
        return listener

    def on_process_exit(self, proc: Process) -> None:
        for port, listener in list(self.listeners.items()):
            if listener.pid == proc.pid:
                del self.listeners[port]
        self.services.on_process_exit(proc)

    def mem_used_kb(self) -> int:
        return sum(p.rss_kb for p in self.procs) + self.spec.mem_total_kb // 40

    def tick(self, dt_ms: int) -> None:
        self.clock_offset_ms += dt_ms * self.clock_drift_ppm / 1e6
        self.procs.tick(dt_ms)
        self.services.tick()

    # -- base system ---------------------------------------------------------

    def install_base_system(self) -> None:
        """The files every Debian host has, so ordinary commands find them."""
        fs = self.fs
        for path, mode in (("/usr/bin", 0o755), ("/usr/sbin", 0o755), ("/usr/lib", 0o755),
                           ("/usr/lib64", 0o755), ("/usr/share", 0o755), ("/usr/local/bin", 0o755),
                           ("/etc", 0o755), ("/home", 0o755), ("/root", 0o700), ("/tmp", 0o1777),
                           ("/var/log", 0o755), ("/var/lib", 0o755), ("/var/cache", 0o755),
                           ("/var/spool", 0o755), ("/var/backups", 0o755), ("/var/tmp", 0o1777),
                           ("/run", 0o755), ("/opt", 0o755), ("/srv", 0o755), ("/dev", 0o755),
                           ("/proc", 0o555), ("/sys", 0o555), ("/boot", 0o755), ("/mnt", 0o755),
                           ("/media", 0o755)):
            fs.mkdir(path, parents=True, mode=mode).mode = mode
        for link in ("bin", "sbin", "lib", "lib64"):  # Debian 12 is usr-merged
            if not fs.exists(f"/{link}"):
                fs.create(f"/{link}", kind=Kind.LINK, target=f"usr/{link}")
        for device, mode in (("null", 0o666), ("zero", 0o666), ("full", 0o666),
                             ("random", 0o666), ("urandom", 0o666), ("tty", 0o666)):
            if not fs.exists(f"/dev/{device}"):
                fs.create(f"/dev/{device}", kind=Kind.CHAR, mode=mode, device=device)
        passwd = "".join(f"{u.name}:x:{u.uid}:{u.gid}:{u.gecos}:{u.home}:{u.shell}\n"
                         for u in sorted(self.users.values(), key=lambda u: u.uid))
        fs.put("/etc/passwd", passwd.encode())
        members: dict[str, list[str]] = {}
        for user in self.users.values():
            for group in user.groups:
                members.setdefault(group, []).append(user.name)
        group = "".join(f"{name}:x:{gid}:{','.join(members.get(name, []))}\n"
                        for name, gid in sorted(self.groups.items(), key=lambda g: g[1]))
        fs.put("/etc/group", group.encode())
        fs.put("/etc/hostname", f"{self.name}\n".encode())
        hosts = ["127.0.0.1\tlocalhost", f"127.0.1.1\t{self.name}.{self.spec.domain}\t{self.name}"]
        hosts += [f"{h.spec.ip}\t{h.name}.{h.spec.domain}\t{h.name}"
                  for h in self.world.hosts.values() if h is not self]
        hosts += ["", "# The following lines are desirable for IPv6 capable hosts",
                  "::1     localhost ip6-localhost ip6-loopback",
                  "ff02::1 ip6-allnodes", "ff02::2 ip6-allrouters"]
        fs.put("/etc/hosts", ("\n".join(hosts) + "\n").encode())
        fs.put("/etc/os-release", (
            b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
            b'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n'
            b'HOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\n'
            b'BUG_REPORT_URL="https://bugs.debian.org/"\n'))
        install_procfs(self)
        for user in self.users.values():
            if user.uid == 0 or 1000 <= user.uid < 65534:
                self._install_home(user)

    def _install_home(self, user: User) -> None:
        """A home with Debian's dot files: root's from base-files, others' from /etc/skel."""
        fs = self.fs
        fs.mkdir(user.home, parents=True, uid=user.uid, gid=user.gid,
                 mode=0o700 if user.uid == 0 else 0o755)
        rc = _ROOT_BASHRC if user.uid == 0 else _SKEL_BASHRC
        for name, text in ((".bashrc", rc), (".profile", _PROFILE)):
            path = f"{user.home.rstrip('/')}/{name}"
            if not fs.exists(path):
                fs.put(path, text.encode(), uid=user.uid, gid=user.gid,
                       mtime_ms=self.boot_ms - 200 * 86_400_000)
