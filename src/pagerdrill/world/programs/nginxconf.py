"""nginx's configuration as nginx 1.22 reads it: servers, listens, locations, upstreams.

Files are read by :mod:`nginxlex` (nginx's tokenizer, includes, the directive table);
every error is nginx's own ``[emerg]`` message with the file and line nginx reports.
What nginx checks after parsing is checked here too: listen addresses, duplicate
default servers, upstream hosts that do not resolve, servers without a certificate
for ``listen ... ssl``, certificate files that cannot be opened. Certificate
*contents* are left to validators registered in :data:`CERTIFICATE_VALIDATORS`.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass, field

from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import FileSystem

from .nginxlex import PREFIX, ConfigNode, NginxConfigError, read_tree

__all__ = [
    "CERTIFICATE_VALIDATORS",
    "CertificateValidator",
    "Files",
    "Listen",
    "Location",
    "NginxConfig",
    "NginxConfigError",
    "ServerBlock",
    "Upstream",
    "UpstreamServer",
    "hosts_file_resolver",
    "parse_config",
    "split_host_port",
]

HTML_PREFIX = "/usr/share/nginx/"

# (certificate path, its bytes, key path, its bytes) -> an [emerg] message, or None if fine.
CertificateValidator = Callable[[str, bytes, str, bytes], "str | None"]
CERTIFICATE_VALIDATORS: list[CertificateValidator] = []


@dataclass(frozen=True)
class Listen:
    address: str  # "*" for every IPv4 address, "[::]" for IPv6
    port: int
    ssl: bool = False
    default_server: bool = False


@dataclass
class Files:
    """The static-file directives set at one level (None: not set here, inherited)."""

    root: str | None = None
    alias: str | None = None
    index: list[str] | None = None
    try_files: list[str] | None = None
    default_type: str | None = None
    autoindex: bool | None = None
    types: dict[str, str] | None = None  # extension -> type, from ``types {}``


@dataclass
class Location:
    modifier: str  # "", "=", "^~", "~", "~*"
    pattern: str
    proxy_pass: str | None = None
    root: str | None = None
    ret: tuple[int, str] | None = None  # return CODE [TEXT|URL]
    files: Files = field(default_factory=Files)


@dataclass
class ServerBlock:
    file: str
    line: int
    listens: list[Listen] = field(default_factory=list)
    server_names: list[str] = field(default_factory=list)
    ssl_certificate: str | None = None
    ssl_certificate_key: str | None = None
    locations: list[Location] = field(default_factory=list)
    root: str | None = None
    ret: tuple[int, str] | None = None
    files: Files = field(default_factory=Files)


@dataclass(frozen=True)
class UpstreamServer:
    host: str
    port: int


@dataclass
class Upstream:
    name: str
    file: str
    line: int
    servers: list[UpstreamServer] = field(default_factory=list)


@dataclass
class NginxConfig:
    path: str
    files: list[tuple[str, str]]  # every file read, in order, with its text (nginx -T)
    servers: list[ServerBlock]
    upstreams: dict[str, Upstream]
    error_log: str = "/var/log/nginx/error.log"
    error_log_level: str = "error"  # nginx's default: [notice] lines are not written
    user_directive: str = ""  # "FILE:LINE" of ``user``, which a non-root nginx warns about
    pid: str = "/run/nginx.pid"
    http_files: Files = field(default_factory=Files)  # the http level's static directives

    @property
    def ports(self) -> list[int]:
        return sorted({listen.port for server in self.servers for listen in server.listens})


Resolver = Callable[[str], bool]


# -- the http model ---------------------------------------------------------------------------


def _emerg(message: str, node: ConfigNode) -> NginxConfigError:
    return NginxConfigError(f"[emerg] {message} in {node.file}:{node.line}")


_UPSTREAM_PARAMS = ("weight", "max_fails", "fail_timeout", "max_conns", "slow_start")
_LISTEN_PARAMS = ("http2", "reuseport", "proxy_protocol", "deferred", "bind", "backlog",
                  "ipv6only", "rcvbuf", "sndbuf", "so_keepalive")


def _parse_listen(node: ConfigNode, resolve: Resolver) -> Listen:
    spec = node.args[0]
    address, port_text = "*", spec
    if spec.startswith("["):
        end = spec.find("]")
        has_port = spec[end + 1:end + 2] == ":"
        address, port_text = spec[:end + 1], spec[end + 2:] if has_port else "80"
    elif ":" in spec:
        address, port_text = spec.rsplit(":", 1)
    elif not spec.isdigit():  # a bare word is a host on port 80
        if not _resolves(spec, resolve):
            raise _emerg(f'host not found in "{spec}" of the "listen" directive', node)
        address, port_text = spec, "80"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise _emerg(f'invalid port in "{spec}" of the "listen" directive', node)
    ssl = default = False
    for param in node.args[1:]:
        if param == "ssl":
            ssl = True
        elif param in ("default_server", "default"):
            default = True
        elif param.split("=", 1)[0] in _LISTEN_PARAMS:
            continue
        else:
            raise _emerg(f'invalid parameter "{param}"', node)
    return Listen(address, int(port_text), ssl, default)


def split_host_port(text: str, default_port: int) -> tuple[str, int | None]:
    """``host:port``, ``[v6]:port`` or ``host``; None for a port that is not a number."""
    if text.startswith("["):  # [::1]:8080
        host, _, rest = text.partition("]")
        host, port = host + "]", rest.removeprefix(":")
    else:
        host, _, port = text.partition(":")
    if not port:
        return host, default_port
    return host, int(port) if port.isdigit() else None


def _resolves(host: str, resolve: Resolver) -> bool:
    parts = host.split(".")
    is_ip = len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)
    return is_ip or host.startswith("[") or host == "localhost" or resolve(host)


def _files(node: ConfigNode, files: Files) -> None:
    """Note a static-file directive (the last one wins where nginx would refuse a repeat)."""
    if node.name == "root":
        files.root = _full(node.args[0], HTML_PREFIX)
    elif node.name == "alias":
        files.alias = _full(node.args[0], HTML_PREFIX)
    elif node.name == "index":
        files.index = (files.index or []) + node.args  # several index lines add up
    elif node.name == "try_files":
        files.try_files = list(node.args)
    elif node.name == "default_type":
        files.default_type = node.args[0]
    elif node.name == "autoindex":
        files.autoindex = node.args[0].lower() == "on"
    elif node.name == "types":
        files.types = files.types or {}
        for entry in node.children or []:
            for ext in entry.args:
                files.types[ext.lower()] = entry.name


def _return(node: ConfigNode) -> tuple[int, str]:
    code = node.args[0]
    if not code.isdigit():
        return 302, code
    return int(code), node.args[1] if len(node.args) > 1 else ""


class _Builder:
    def __init__(self, fs: FileSystem, resolve: Resolver) -> None:
        self.fs, self.resolve = fs, resolve
        self.servers: list[ServerBlock] = []
        self.upstreams: dict[str, Upstream] = {}
        self.defaults: set[tuple[str, int]] = set()
        # proxy_pass hosts, resolved once every file is read
        self.implicit: list[tuple[str, int, ConfigNode]] = []

    def http(self, nodes: list[ConfigNode]) -> None:
        for node in nodes:
            if node.name == "upstream":
                self.upstream(node)
            elif node.name == "server":
                self.server(node)

    def upstream(self, node: ConfigNode) -> None:
        name = node.args[0]
        if name in self.upstreams:
            raise _emerg(f'duplicate upstream "{name}"', node)
        upstream = Upstream(name, node.file, node.line)
        for child in node.children or []:
            if child.name != "server":
                continue
            host, port = split_host_port(child.args[0], 80)
            if port is None:
                raise _emerg(f'invalid port in upstream "{child.args[0]}"', child)
            for param in child.args[1:]:
                key, _, value = param.partition("=")
                if param not in ("backup", "down") and (key not in _UPSTREAM_PARAMS or not value):
                    raise _emerg(f'invalid parameter "{param}"', child)
            if not _resolves(host, self.resolve):
                raise _emerg(f'host not found in upstream "{child.args[0]}"', child)
            upstream.servers.append(UpstreamServer(host, port))
        if not upstream.servers:  # checked as the block closes
            raise NginxConfigError("[emerg] no servers are inside upstream in "
                                   f"{node.file}:{node.end_line}")
        self.upstreams[name] = upstream

    def server(self, node: ConfigNode) -> None:
        block = ServerBlock(node.file, node.line)
        ssl_listen: ConfigNode | None = None
        for child in node.children or []:
            if child.name == "listen":
                listen = _parse_listen(child, self.resolve)
                self.check_default(listen, child)
                block.listens.append(listen)
                ssl_listen = ssl_listen or (child if listen.ssl else None)
            elif child.name == "server_name":
                block.server_names.extend(child.args)
            elif child.name == "ssl_certificate":
                block.ssl_certificate = _full(child.args[0])
            elif child.name == "ssl_certificate_key":
                block.ssl_certificate_key = _full(child.args[0])
            elif child.name == "root":
                block.root = _full(child.args[0], HTML_PREFIX)
            elif child.name == "return":
                block.ret = _return(child)
            elif child.name == "location":
                block.locations.append(self.location(child))
            _files(child, block.files)
        if not block.listens:
            block.listens.append(Listen("*", 80))
        if ssl_listen is not None and block.ssl_certificate is None:
            raise NginxConfigError('[emerg] no "ssl_certificate" is defined for the "listen ... '
                                   f'ssl" directive in {ssl_listen.file}:{ssl_listen.line}')
        self.servers.append(block)

    def check_default(self, listen: Listen, node: ConfigNode) -> None:
        """Two default servers for one address and port: refused at the second listen."""
        key = (listen.address, listen.port)
        if listen.default_server and key in self.defaults:
            shown = f"0.0.0.0:{listen.port}" if listen.address == "*" else \
                f"{listen.address}:{listen.port}"
            raise _emerg(f"a duplicate default server for {shown}", node)
        if listen.default_server:
            self.defaults.add(key)

    def location(self, node: ConfigNode) -> Location:
        modifier, pattern = ("", node.args[0]) if len(node.args) == 1 else node.args[:2]
        location = Location(modifier, pattern)
        for child in node.children or []:
            if child.name == "proxy_pass":
                location.proxy_pass = self.proxy_pass(child)
            elif child.name == "root":
                location.root = _full(child.args[0], HTML_PREFIX)
            elif child.name == "return":
                location.ret = _return(child)
            _files(child, location.files)
        return location

    def proxy_pass(self, node: ConfigNode) -> str:
        url = node.args[0]
        scheme, sep, rest = url.partition("://")
        if not sep or scheme not in ("http", "https"):
            raise _emerg("invalid URL prefix", node)
        authority = rest.split("/", 1)[0]
        if "$" not in authority:
            host, port = split_host_port(authority, 443 if scheme == "https" else 80)
            if port is None:
                raise _emerg(f'invalid port in upstream "{authority}"', node)
            self.implicit.append((host, port, node))
        return url

    def finish(self) -> None:
        """What ngx_http_upstream_init_main_conf checks once every file is read."""
        for host, _port, node in self.implicit:
            if host not in self.upstreams and not _resolves(host, self.resolve):
                raise _emerg(f'host not found in upstream "{host}"', node)
        for server in self.servers:
            self.certificate(server)

    def certificate(self, server: ServerBlock) -> None:
        if server.ssl_certificate is None or not any(x.ssl for x in server.listens):
            return
        cert = self._pem(server.ssl_certificate, "certificate")
        key_path = server.ssl_certificate_key or ""
        if not key_path:
            raise NginxConfigError('[emerg] no "ssl_certificate_key" is defined for certificate '
                                   f'"{server.ssl_certificate}"')
        key = self._pem(key_path, "certificate key")
        for validate in CERTIFICATE_VALIDATORS:
            problem = validate(server.ssl_certificate, cert, key_path, key)
            if problem is not None:
                raise NginxConfigError(f"[emerg] {problem}")

    def _pem(self, path: str, what: str) -> bytes:
        try:
            inode = self.fs.lookup(path)
            content = inode.content
            if inode.is_dir or content is None:
                raise FsError(errno.EISDIR, path)
            return content.read(0, content.size)
        except FsError:
            raise NginxConfigError(
                f'[emerg] cannot load {what} "{path}": BIO_new_file() failed (SSL: '
                f"error:80000002:system library::No such file or directory:calling fopen("
                f"{path}, r) error:10000080:BIO routines::no such file)") from None


def _full(path: str, prefix: str = PREFIX) -> str:
    return path if path.startswith("/") else prefix + path


def hosts_file_resolver(fs: FileSystem) -> Resolver:
    """Whether a name is in the host's /etc/hosts (what nginx's resolver finds first)."""
    try:
        inode = fs.lookup("/etc/hosts")
        content = inode.content
        text = content.read(0, content.size).decode(errors="replace") if content else ""
    except FsError:
        text = ""
    names = {name for line in text.splitlines() for name in line.split("#")[0].split()[1:]}
    return names.__contains__


def parse_config(fs: FileSystem, path: str = "/etc/nginx/nginx.conf", *,
                 resolve: Resolver | None = None) -> NginxConfig:
    """Read and check nginx's configuration as ``nginx -t`` does.

    ``resolve(name)`` says whether a host name resolves (default: /etc/hosts only).
    Raises :class:`NginxConfigError` with nginx's message.
    """
    nodes, files = read_tree(fs, path)
    if not any(n.name == "events" for n in nodes):
        raise NginxConfigError('[emerg] no "events" section in configuration')
    builder = _Builder(fs, resolve or hosts_file_resolver(fs))
    config = NginxConfig(path, files, builder.servers, builder.upstreams)
    http = [child for node in nodes if node.name == "http" for child in node.children or []]
    for node in [*nodes, *http]:
        if node.name == "error_log":  # the main or http level: what the master logs
            config.error_log = _full(node.args[0], "/usr/share/nginx/")
            config.error_log_level = node.args[1] if len(node.args) > 1 else "error"
        elif node.name == "user":
            config.user_directive = f"{node.file}:{node.line}"
        elif node.name == "pid":
            config.pid = _full(node.args[0], "/usr/share/nginx/")
    for node in http:
        _files(node, config.http_files)
    builder.http(http)
    builder.finish()
    return config
