"""The directives nginx 1.22 (Debian's nginx-core) knows: where each may appear, whether it
opens a block, how many arguments it takes. ``check_directive`` applies them in the order
``ngx_conf_handler`` does and returns nginx's message for the first problem.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["BLOCK_RAW", "Context", "check_directive"]


class Context(enum.Flag):
    MAIN = enum.auto()
    EVENTS = enum.auto()
    HTTP = enum.auto()
    SERVER = enum.auto()
    LOCATION = enum.auto()
    UPSTREAM = enum.auto()
    RAW = enum.auto()  # inside types {} and map {}: any words


BLOCK_RAW = Context.RAW
_M, _E, _H, _S, _L, _U = (Context.MAIN, Context.EVENTS, Context.HTTP, Context.SERVER,
                          Context.LOCATION, Context.UPSTREAM)
_HSL = _H | _S | _L
_ANY = _M | _E | _H | _S | _L | _U
_MORE = 99  # "1MORE" and friends: no upper bound


@dataclass(frozen=True)
class _Directive:
    contexts: Context
    low: int
    high: int
    block: bool = False
    flag: bool = False


def _d(contexts: Context, low: int, high: int | None = None, *, block: bool = False,
       flag: bool = False) -> _Directive:
    return _Directive(contexts, low, low if high is None else high, block, flag)


def _flag(contexts: Context) -> _Directive:
    return _Directive(contexts, 1, 1, flag=True)


_TABLE: dict[str, tuple[_Directive, ...]] = {
    # core and events
    "include": (_d(_ANY, 1),),
    "user": (_d(_M, 1, 2),),
    "worker_processes": (_d(_M, 1),),
    "worker_rlimit_nofile": (_d(_M, 1),),
    "worker_cpu_affinity": (_d(_M, 1, _MORE),),
    "pid": (_d(_M, 1),),
    "daemon": (_flag(_M),),
    "master_process": (_flag(_M),),
    "pcre_jit": (_flag(_M),),
    "env": (_d(_M, 1),),
    "load_module": (_d(_M, 1),),
    "error_log": (_d(_M | _HSL, 1, _MORE),),
    "events": (_d(_M, 0, block=True),),
    "worker_connections": (_d(_E, 1),),
    "multi_accept": (_flag(_E),),
    "use": (_d(_E, 1),),
    "http": (_d(_M, 0, block=True),),
    # http core
    "server": (_d(_H, 0, block=True), _d(_U, 1, _MORE)),
    "upstream": (_d(_H, 1, block=True),),
    "location": (_d(_S | _L, 1, 2, block=True),),
    "if": (_d(_S | _L, 1, _MORE, block=True),),
    "types": (_d(_HSL, 0, block=True),),
    "map": (_d(_H, 2, block=True),),
    "listen": (_d(_S, 1, _MORE),),
    "server_name": (_d(_S, 1, _MORE),),
    "root": (_d(_HSL, 1),),
    "alias": (_d(_L, 1),),
    "index": (_d(_HSL, 1, _MORE),),
    "try_files": (_d(_S | _L, 2, _MORE),),
    "return": (_d(_S | _L, 1, 2),),
    "rewrite": (_d(_S | _L, 2, 3),),
    "internal": (_d(_L, 0),),
    "sendfile": (_flag(_HSL),),
    "tcp_nopush": (_flag(_HSL),),
    "tcp_nodelay": (_flag(_HSL),),
    "keepalive_timeout": (_d(_HSL, 1, 2), _d(_U, 1)),
    "keepalive": (_d(_U, 1),),
    "keepalive_requests": (_d(_HSL | _U, 1),),
    "least_conn": (_d(_U, 0),),
    "ip_hash": (_d(_U, 0),),
    "types_hash_max_size": (_d(_HSL, 1),),
    "server_names_hash_bucket_size": (_d(_H, 1),),
    "server_tokens": (_d(_HSL, 1),),
    "default_type": (_d(_HSL, 1),),
    "client_max_body_size": (_d(_HSL, 1),),
    "client_body_timeout": (_d(_HSL, 1),),
    "send_timeout": (_d(_HSL, 1),),
    "charset": (_d(_HSL, 1),),
    "error_page": (_d(_HSL, 2, _MORE),),
    "expires": (_d(_HSL, 1, 2),),
    "add_header": (_d(_HSL, 2, 3),),
    "autoindex": (_flag(_HSL),),
    "allow": (_d(_HSL, 1),),
    "deny": (_d(_HSL, 1),),
    "resolver": (_d(_HSL, 1, _MORE),),
    "stub_status": (_d(_S | _L, 0, 1),),
    "real_ip_header": (_d(_HSL, 1),),
    "set_real_ip_from": (_d(_HSL, 1),),
    "limit_req_zone": (_d(_H, 3, 4),),
    "limit_req": (_d(_HSL, 1, 3),),
    # logs
    "access_log": (_d(_HSL, 1, _MORE),),
    "log_format": (_d(_H, 2, _MORE),),
    # proxy
    "proxy_pass": (_d(_L, 1),),
    "proxy_set_header": (_d(_HSL, 2),),
    "proxy_http_version": (_d(_HSL, 1),),
    "proxy_connect_timeout": (_d(_HSL, 1),),
    "proxy_read_timeout": (_d(_HSL, 1),),
    "proxy_send_timeout": (_d(_HSL, 1),),
    "proxy_buffering": (_flag(_HSL),),
    "proxy_redirect": (_d(_HSL, 1, 2),),
    "proxy_next_upstream": (_d(_HSL, 1, _MORE),),
    "proxy_intercept_errors": (_flag(_HSL),),
    # ssl
    "ssl_certificate": (_d(_H | _S, 1),),
    "ssl_certificate_key": (_d(_H | _S, 1),),
    "ssl_protocols": (_d(_H | _S, 1, _MORE),),
    "ssl_ciphers": (_d(_H | _S, 1),),
    "ssl_prefer_server_ciphers": (_flag(_H | _S),),
    "ssl_session_cache": (_d(_H | _S, 1, 2),),
    "ssl_session_timeout": (_d(_H | _S, 1),),
    "ssl_session_tickets": (_flag(_H | _S),),
    "ssl_dhparam": (_d(_H | _S, 1),),
    "ssl_stapling": (_flag(_H | _S),),
    "ssl_trusted_certificate": (_d(_H | _S, 1),),
    # gzip
    "gzip": (_flag(_HSL),),
    "gzip_vary": (_flag(_HSL),),
    "gzip_proxied": (_d(_HSL, 1, _MORE),),
    "gzip_comp_level": (_d(_HSL, 1),),
    "gzip_buffers": (_d(_HSL, 2),),
    "gzip_http_version": (_d(_HSL, 1),),
    "gzip_min_length": (_d(_HSL, 1),),
    "gzip_types": (_d(_HSL, 1, _MORE),),
}


def check_directive(name: str, ctx: Context, args: list[str], *, block: bool) -> str | None:
    """nginx's complaint about ``name`` with ``args`` here, or None."""
    if ctx is Context.RAW:
        return None
    entries = _TABLE.get(name)
    if entries is None:
        return f'unknown directive "{name}"'
    for entry in entries:
        if not entry.contexts & ctx:
            continue
        if not entry.block and block:
            return f'directive "{name}" is not terminated by ";"'
        if entry.block and not block:
            return f'directive "{name}" has no opening "{{"'
        if not entry.low <= len(args) <= entry.high:
            return f'invalid number of arguments in "{name}" directive'
        if entry.flag and args[0].lower() not in ("on", "off"):
            return (f'invalid value "{args[0]}" in "{name}" directive, '
                    'it must be "on" or "off"')
        return None
    return f'"{name}" directive is not allowed here'
