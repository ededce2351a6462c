"""nginx - HTTP and reverse proxy server (nginx 1.22.1, Debian 12's build).

Usage: nginx [-?hvVtTq] [-s signal] [-p prefix]
             [-e filename] [-c filename] [-g directives]

  -t / -T      test the configuration (-T also dumps every file it read to stdout)
  -q           only errors during the test
  -s SIGNAL    stop, quit, reopen or reload the running master (pid from the pid file);
               the configuration is read and checked first, as nginx does
  -v / -V      version (and build options)
  -c FILE      another configuration file
  (no option)  start a master outside systemd when none is running

The configuration is parsed for real (pagerdrill.world.programs.nginxconf) with nginx's
own messages and line numbers. Like Debian's build (--error-log-path=stderr), messages
from before the configuration is read are log lines on stderr, and nothing is written to
error.log until a master has loaded its error_log. Not supported: -p and -e change
nothing, -g is accepted but its directives are not applied, and only the core, events,
http, upstream, proxy, ssl, gzip and log directives are known. A user other than root
gets the errors real nginx gives (pid file, error log, kill).
"""

from __future__ import annotations

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError, ProcessError
from pagerdrill.world.process import Signal
from pagerdrill.world.programs.nginx import (
    CONF_PATH,
    NginxProxy,
    NginxSpec,
    load_config,
    log_line,
    note_failed_reload,
)
from pagerdrill.world.programs.nginxconf import NginxConfig, NginxConfigError
from pagerdrill.world.programs.stamps import nginx_error

__all__ = ["nginx"]

VERSION = "nginx version: nginx/1.22.1\n"
HELP = (VERSION
        + "Usage: nginx [-?hvVtTq] [-s signal] [-p prefix]\n"
        "             [-e filename] [-c filename] [-g directives]\n\n"
        "Options:\n"
        "  -?,-h         : this help\n"
        "  -v            : show version and exit\n"
        "  -V            : show version and configure options then exit\n"
        "  -t            : test configuration and exit\n"
        "  -T            : test configuration, dump it and exit\n"
        "  -q            : suppress non-error messages during configuration testing\n"
        "  -s signal     : send signal to a master process: stop, quit, reopen, reload\n"
        "  -p prefix     : set prefix path (default: /usr/share/nginx/)\n"
        "  -e filename   : set error log file (default: stderr)\n"
        "  -c filename   : set configuration file (default: /etc/nginx/nginx.conf)\n"
        "  -g directives : set global directives out of configuration file\n\n")
BUILD = (VERSION
         + "built with OpenSSL 3.0.9 30 May 2023 (running with OpenSSL 3.0.11 19 Sep 2023)\n"
         "TLS SNI support enabled\n"
         "configure arguments: --with-cc-opt='-g -O2 -ffile-prefix-map=/build/reproducible-path/"
         "nginx-1.22.1=. -fstack-protector-strong -Wformat -Werror=format-security -fPIC "
         "-Wdate-time -D_FORTIFY_SOURCE=2' --with-ld-opt='-Wl,-z,relro -Wl,-z,now -fPIC' "
         "--prefix=/usr/share/nginx --conf-path=/etc/nginx/nginx.conf "
         "--http-log-path=/var/log/nginx/access.log --error-log-path=stderr "
         "--lock-path=/var/lock/nginx.lock --pid-path=/run/nginx.pid "
         "--modules-path=/usr/lib/nginx/modules --http-client-body-temp-path=/var/lib/nginx/body "
         "--http-fastcgi-temp-path=/var/lib/nginx/fastcgi --http-proxy-temp-path=/var/lib/nginx/"
         "proxy --http-scgi-temp-path=/var/lib/nginx/scgi --http-uwsgi-temp-path=/var/lib/nginx/"
         "uwsgi --with-compat --with-debug --with-pcre-jit --with-http_ssl_module "
         "--with-http_stub_status_module --with-http_realip_module --with-http_auth_request_module "
         "--with-http_v2_module --with-http_dav_module --with-http_slice_module --with-threads "
         "--with-http_addition_module --with-http_flv_module --with-http_gunzip_module "
         "--with-http_gzip_static_module --with-http_mp4_module --with-http_random_index_module "
         "--with-http_secure_link_module --with-http_sub_module --with-mail_ssl_module "
         "--with-stream_ssl_module --with-stream_ssl_preread_module --with-stream_realip_module "
         "--with-http_geoip_module=dynamic --with-http_image_filter_module=dynamic "
         "--with-http_perl_module=dynamic --with-http_xslt_module=dynamic "
         "--with-mail=dynamic --with-stream=dynamic --with-stream_geoip_module=dynamic\n")
_SIGNALS = {"stop": Signal.SIGTERM, "quit": Signal.SIGQUIT, "reopen": Signal.SIGUSR1,
            "reload": Signal.SIGHUP}
_NEEDS = {"c": "file name", "e": "file name", "g": "parameter", "p": "directory name",
          "s": "parameter"}


class _Options:
    def __init__(self) -> None:
        self.flags: set[str] = set()
        self.values: dict[str, str] = {}


def _parse(args: list[str]) -> _Options | str:
    """ngx_get_options: single-letter flags, values attached or in the next word."""
    options = _Options()
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("-"):
            return f'invalid option: "{arg}"'
        j = 1
        while j < len(arg):
            char = arg[j]
            j += 1
            if char in "?hvVtTq":
                options.flags.add("h" if char == "?" else char)
                continue
            if char not in _NEEDS:
                return f'invalid option: "{char}"'
            value = arg[j:]
            if not value:
                i += 1
                if i >= len(args):
                    return f'option "-{char}" requires {_NEEDS[char]}'
                value = args[i]
            if char == "s" and value not in _SIGNALS:
                return f'invalid option: "-s {value}"'
            options.values[char] = value
            break
        i += 1
    return options


def _scratch_pid(inv: Invocation) -> int:
    """The short-lived nginx process this command is (for its log lines)."""
    proc = inv.host.procs.spawn(list(inv.argv), user=inv.user)
    inv.host.procs.exit(proc.pid, 0)
    return proc.pid


def _stamp(inv: Invocation, pid: int, level: str, message: str) -> str:
    return f"{nginx_error(inv.world.clock.now_ms)} [{level}] {pid}#{pid}: {message}\n"


@command("nginx")
def nginx(inv: Invocation) -> CommandOutput:
    """nginx - HTTP and reverse proxy server (see module docstring)."""
    options = _parse(inv.args)
    if isinstance(options, str):
        inv.stderr.write(f"nginx: {options}\n")
        return 1
    flags = options.flags
    if "h" in flags or "v" in flags or "V" in flags:
        inv.stderr.write(HELP if "h" in flags else BUILD if "V" in flags else VERSION)
        return 0
    path = options.values.get("c", CONF_PATH)
    path = path if path.startswith("/") else "/usr/share/nginx/" + path
    root = inv.host.uid_of(inv.user) == 0
    pid = _scratch_pid(inv)
    testing = "t" in flags or "T" in flags
    if "s" in options.values and not testing:
        # The signaller announces itself first, then reads the configuration.
        inv.stderr.write(_stamp(inv, pid, "notice", "signal process started"))
    try:
        config = load_config(inv.host, path)
    except NginxConfigError as error:
        # Debian builds log to stderr until the configuration's error_log is open.
        if options.values.get("s") == "reload":
            note_failed_reload(inv.host)
        level, _, message = str(error).partition("] ")
        inv.stderr.write(_stamp(inv, pid, level.lstrip("["), message))
        if testing:
            inv.stderr.write(f"nginx: configuration file {path} test failed\n")
        return 1
    if not root and "s" not in options.values and config.user_directive:
        inv.stderr.write(_stamp(inv, pid, "warn", 'the "user" directive makes sense only '
                                "if the master process runs with super-user privileges, "
                                f"ignored in {config.user_directive}"))
    if testing:
        return (yield from _test(inv, config, pid, root, quiet="q" in flags, dump="T" in flags))
    if "s" in options.values:
        return _signal(inv, config, _SIGNALS[options.values["s"]], pid)
    if not root:
        inv.stderr.write(_stamp(inv, pid, "emerg", f'open() "{config.error_log}" failed '
                                "(13: Permission denied)"))
        return 1
    return _start(inv, config, pid)


def _test(inv: Invocation, config: NginxConfig, pid: int, root: bool, *, quiet: bool,
          dump: bool) -> CommandOutput:
    path = config.path
    if not quiet:
        inv.stderr.write(f"nginx: the configuration file {path} syntax is ok\n")
    if not root:
        inv.stderr.write(_stamp(inv, pid, "emerg", f'open() "{config.pid}" failed '
                                "(13: Permission denied)"))
        inv.stderr.write(f"nginx: configuration file {path} test failed\n")
        return 1
    if not quiet:
        inv.stderr.write(f"nginx: configuration file {path} test is successful\n")
    if dump:
        yield "".join(f"# configuration file {name}:\n{text}\n"
                      for name, text in config.files).encode()
    return 0


def _master_pid(inv: Invocation, config: NginxConfig) -> int | str:
    try:
        content = inv.host.fs.lookup(config.pid).content
    except FsError as error:
        return f'open() "{config.pid}" failed ({error.errno}: {error.strerror})'
    text = content.read(0, content.size).decode(errors="replace").strip() if content else ""
    if not text.isdigit():
        return f'invalid PID number "{text}" in "{config.pid}"'
    return int(text)


def _signal(inv: Invocation, config: NginxConfig, sig: Signal, pid: int) -> int:
    master = _master_pid(inv, config)
    if isinstance(master, str):
        inv.stderr.write(_stamp(inv, pid, "error", master))
        return 1
    try:
        inv.host.procs.kill(master, sig, uid=inv.host.uid_of(inv.user))
    except ProcessError as error:
        inv.stderr.write(_stamp(inv, pid, "alert", f"kill({master}, {int(sig)}) failed "
                                f"({error.errno}: {error.strerror})"))
        return 1
    return 0


def _start(inv: Invocation, config: NginxConfig, pid: int) -> int:
    """A master outside systemd; once the configuration is read, errors go both to its
    error_log and, prefixed, to the terminal."""
    taken = [port for port in config.ports if port in inv.host.listeners]
    if taken:
        messages = [f"bind() to 0.0.0.0:{port} failed (98: Address already in use)"
                    for _ in range(5) for port in taken] + ["still could not bind()"]
        for message in messages:
            log_line(inv.host, pid, "emerg", message, config.error_log)
            inv.stderr.write(f"nginx: [emerg] {message}\n")
        return 1
    unit = inv.host.services.units.get("nginx.service")
    program = unit.program_factory() if unit is not None and unit.program_factory else None
    if not isinstance(program, NginxProxy):  # the packaged defaults
        program = NginxProxy(NginxSpec())
    inv.host.procs.spawn(list(inv.argv), program=program)
    return 0
