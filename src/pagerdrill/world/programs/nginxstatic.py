"""How nginx serves files from disk: ``root``/``alias``, ``try_files``, ``index``, the static
module, and what each refusal writes to error.log.

Files are opened as nginx's workers run (``www-data``), through the simulated filesystem's
permission checks. The phases follow nginx 1.22: ``try_files`` (location level, or the
server's for requests no location matches), then the index module for URIs ending in
``/`` (an internal redirect to the first index file that exists), then the static module
(a directory without the slash is a 301 to it; no index and ``autoindex`` off is a 403).
Not modelled: ``autoindex on`` listings, regex captures in ``alias``, nested locations,
``error_page``, ranges and conditional requests (If-Modified-Since).
"""

from __future__ import annotations

import errno
import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from urllib.parse import unquote

from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Inode
from pagerdrill.world.network import HttpRequest, HttpResponse

from .nginxconf import Location, NginxConfig, ServerBlock
from .nginxlines import error_page
from .nginxroute import find_location
from .stamps import http_date

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["StaticResponse", "normalize_uri", "serve_static"]

WORKER_USER = "www-data"
DEFAULT_ROOT = "/usr/share/nginx/html"
# nginx's built-in types, used when the configuration has no ``types {}`` block.
_BUILTIN_TYPES = {"html": "text/html", "gif": "image/gif", "jpg": "image/jpeg"}
_MAX_REDIRECTS = 10  # nginx's limit on internal redirects (NGX_HTTP_MAX_URI_CHANGES)


@dataclass(frozen=True)
class StaticResponse(HttpResponse):
    """nginx's own answer, headers complete: passed to the client as it is."""

    log: list[tuple[str, str]] = field(default_factory=list)  # (level, message) for error.log


@dataclass(frozen=True)
class _Ctx:
    host: Host
    config: NginxConfig
    server: ServerBlock
    request: HttpRequest
    version: str
    live: bool  # a real request (atime, logs) rather than a probe
    # files a probe treats as present (path -> bytes): "what if this file were written"
    virtual: Mapping[str, bytes] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)  # logged on the way

    def imagined(self, path: str) -> bytes | None:
        return self.virtual.get(posixpath.normpath(path)) if self.virtual else None


def normalize_uri(path: str) -> str | None:
    """The URI nginx works on: no query, %XX decoded, dot segments resolved (None: a 400)."""
    uri = unquote(path.split("?", 1)[0]) or "/"
    if not uri.startswith("/"):
        return None
    segments = uri.split("/")
    parts: list[str] = []
    for part in segments[1:]:  # merge_slashes: empty segments go
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    out = "/" + "/".join(parts)
    return out + "/" if parts and segments[-1] in ("", ".", "..") else out


def _answer(ctx: _Ctx, status: int, log: list[tuple[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> StaticResponse:
    body = error_page(status, ctx.version)
    head = {"Server": f"nginx/{ctx.version}", "Content-Type": "text/html",
            "Content-Length": str(len(body)), "Connection": "keep-alive", **(headers or {})}
    return StaticResponse(status, body, head, log=log or [])


def _map(ctx: _Ctx, location: Location | None, uri: str) -> str:
    """The file path for ``uri``: alias replaces the location's prefix, root prepends."""
    if location is not None and location.files.alias is not None and \
            location.modifier in ("", "^~", "=") and uri.startswith(location.pattern):
        return location.files.alias + uri[len(location.pattern):]
    root = (location.root if location is not None else None) or ctx.server.root or \
        ctx.config.http_files.root or DEFAULT_ROOT
    return root + uri


def _lookup(ctx: _Ctx, path: str) -> Inode:
    return ctx.host.fs.lookup(path, cred=ctx.host.cred_for(WORKER_USER))


def _errno_text(code: int) -> str:
    return f"({code}: {os.strerror(code)})"


def _content_type(ctx: _Ctx, location: Location | None, uri: str) -> str:
    name = uri.rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[1].lower() if "." in name else ""
    levels = [location.files if location else None, ctx.server.files, ctx.config.http_files]
    types = next((f.types for f in levels if f is not None and f.types is not None),
                 _BUILTIN_TYPES)
    if ext and ext in types:
        return types[ext]
    for files in levels:
        if files is not None and files.default_type is not None:
            return files.default_type
    return "text/plain"


def _index_names(ctx: _Ctx, location: Location | None) -> list[str]:
    for files in (location.files if location else None, ctx.server.files, ctx.config.http_files):
        if files is not None and files.index is not None:
            return files.index
    return ["index.html"]


def _try_files(ctx: _Ctx, location: Location | None,
               uri: str) -> tuple[str, bool] | StaticResponse:
    """The URI ``try_files`` settles on and whether it is an internal redirect to re-match;
    or nginx's answer (``=404``)."""
    args = location.files.try_files if location is not None else ctx.server.files.try_files
    if not args:
        return uri, False
    for arg in args[:-1]:
        candidate = arg.replace("$uri", uri)
        path = _map(ctx, location, candidate)
        if not candidate.endswith("/") and ctx.imagined(path) is not None:
            return candidate, False
        try:
            inode = _lookup(ctx, path)
        except FsError as error:
            if error.errno not in (errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG):
                # logged, and the next alternative is tried (ngx_http_core_try_files_phase)
                ctx.notes.append(("crit", f'stat() "{path}" failed '
                                          f"{_errno_text(error.errno)}"))
            continue
        if inode.is_dir == candidate.endswith("/"):
            return candidate, False
    last = args[-1]
    if last.startswith("=") and last[1:].isdigit():
        return _answer(ctx, int(last[1:]))
    return last.replace("$uri", uri), True


def _file(ctx: _Ctx, location: Location | None, uri: str) -> StaticResponse:
    """The static module: the file itself, or why not."""
    path = _map(ctx, location, uri)
    imagined = ctx.imagined(path)
    if imagined is not None:
        return StaticResponse(200, imagined, {"Server": f"nginx/{ctx.version}", "Content-Type":
                                              _content_type(ctx, location, uri)})
    try:
        inode = _lookup(ctx, path)
    except FsError as error:
        status = 403 if error.errno == errno.EACCES else 404
        return _answer(ctx, status, [("error", f'open() "{path}" failed '
                                               f"{_errno_text(error.errno)}")])
    if inode.is_dir:
        host = ctx.request.headers.get("Host") or ctx.request.host
        return _answer(ctx, 301, headers={"Location": f"http://{host}{uri}/"})
    content = inode.content
    if content is None or not ctx.host.fs.access(inode, 4, ctx.host.cred_for(WORKER_USER)):
        return _answer(ctx, 403, [("error", f'open() "{path}" failed '
                                             f"{_errno_text(errno.EACCES)}")])
    if ctx.live:
        data = b"".join(ctx.host.fs.read_stream(inode, path=path))
    else:  # probes leave no trace (no atime)
        data = content.read(0, content.size)
    mtime_s = inode.mtime_ms // 1000
    headers = {"Server": f"nginx/{ctx.version}", "Content-Type": _content_type(ctx, location, uri),
               "Content-Length": str(len(data)), "Last-Modified": http_date(mtime_s * 1000),
               "Connection": "keep-alive", "ETag": f'"{mtime_s:x}-{len(data):x}"',
               "Accept-Ranges": "bytes"}
    return StaticResponse(200, data, headers)


def _index(ctx: _Ctx, location: Location | None, uri: str) -> StaticResponse | str:
    """The index module for ``uri`` ending in ``/``: the index file's URI, or an answer."""
    base = _map(ctx, location, uri)
    for name in _index_names(ctx, location):
        path = base + name
        try:
            _lookup(ctx, path)
        except FsError as error:
            if error.errno == errno.ENOENT:
                continue
            if error.errno == errno.EACCES:
                return _answer(ctx, 403, [("error", f'"{path}" is forbidden '
                                                     f"{_errno_text(error.errno)}")])
            return _answer(ctx, 404, [("error", f'"{path}" is not found '
                                                 f"{_errno_text(error.errno)}")])
        return uri + name
    try:
        directory = _lookup(ctx, base)
    except FsError as error:
        first = base + _index_names(ctx, location)[0]
        status = 403 if error.errno == errno.EACCES else 404
        what = "is forbidden" if status == 403 else "is not found"
        return _answer(ctx, status, [("error", f'"{first}" {what} {_errno_text(error.errno)}')])
    if not directory.is_dir:
        return _answer(ctx, 404)
    return _answer(ctx, 403, [("error", f'directory index of "{base}" is forbidden')])


def serve_static(host: Host, config: NginxConfig, server: ServerBlock, request: HttpRequest,
                 version: str, *, live: bool,
                 virtual: Mapping[str, bytes] | None = None) -> StaticResponse | Location:
    """nginx's answer for a request no ``proxy_pass`` or ``return`` handles, or the
    location (proxied, or answering with ``return``) an internal redirect hands it to.
    A probe (``live`` false) leaves no trace; ``virtual`` files count as present for it."""
    ctx = _Ctx(host, config, server, request, version, live, virtual or {})
    answer = _serve(ctx)
    if isinstance(answer, Location) or not ctx.notes:
        return answer
    return replace(answer, log=ctx.notes + answer.log)


def _named(server: ServerBlock, uri: str) -> Location | None:
    """``@name`` locations are reached by name only; other URIs are matched as usual."""
    if uri.startswith("@"):
        return next((x for x in server.locations if x.pattern == uri), None)
    return find_location(server, uri)


def _serve(ctx: _Ctx) -> StaticResponse | Location:
    request, server = ctx.request, ctx.server
    uri = normalize_uri(request.path)
    if uri is None:
        return _answer(ctx, 400)
    for _ in range(_MAX_REDIRECTS):
        location = _named(server, uri)
        if location is not None and (location.proxy_pass or location.ret):
            return location  # nginx.py proxies it or answers its return
        if location is None and uri.startswith("@"):
            return _answer(ctx, 500, [("error", f'could not find named location "{uri}"')])
        tried = _try_files(ctx, location, uri)
        if isinstance(tried, StaticResponse):
            return tried
        uri, redirect = tried
        if redirect:
            continue
        if not uri.endswith("/"):
            return _file(ctx, location, uri)
        found = _index(ctx, location, uri)
        if isinstance(found, StaticResponse):
            return found
        uri = found  # an internal redirect: the index file's URI is matched again
    return _answer(ctx, 500, [("error", "rewrite or internal redirection cycle while "
                                        f'internally redirecting to "{uri}"')])
