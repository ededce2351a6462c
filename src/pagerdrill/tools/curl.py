"""curl - transfer a URL (HTTP only, against the simulated hosts' listeners).

Usage: curl [options] URL...

Supported: -s/--silent, -S/--show-error, -i/--include, -I/--head, -v/--verbose,
-o/--output FILE, -w/--write-out FORMAT, -f/--fail, -X/--request METHOD,
-H/--header LINE, -m/--max-time SECS, --connect-timeout SECS, -d/--data DATA,
-L/--location, -k/--insecure, -A/--user-agent. Not supported: TLS (an https URL is
answered in plain HTTP), uploads, cookies, proxies, HTTP/2, the progress meter.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError
from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.programs.stamps import http_date

__all__ = ["REASONS", "curl"]

VERSION = "7.88.1"
REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently",
           302: "Found", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}

SPEC = OptionSpec("curl", [
    Opt("s", "silent", "silent"), Opt("S", "show-error", "show_error"),
    Opt("i", "include", "include"), Opt("I", "head", "head"), Opt("v", "verbose", "verbose"),
    Opt("o", "output", "output", Arg.REQUIRED), Opt("w", "write-out", "write_out", Arg.REQUIRED),
    Opt("f", "fail", "fail"), Opt("X", "request", "request", Arg.REQUIRED),
    Opt("H", "header", "header", Arg.REQUIRED), Opt("m", "max-time", "max_time", Arg.REQUIRED),
    Opt(None, "connect-timeout", "connect_timeout", Arg.REQUIRED),
    Opt("d", "data", "data", Arg.REQUIRED), Opt("L", "location", "location"),
    Opt("k", "insecure", "insecure"), Opt("A", "user-agent", "agent", Arg.REQUIRED),
    Opt("4", "ipv4", "ipv4"),
], usage="curl [options...] <url>", usage_status=2, help_hint=False)


@dataclass(frozen=True)
class Url:
    scheme: str
    host: str
    port: int
    path: str

    @property
    def text(self) -> str:
        default = 443 if self.scheme == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}{self.path}"


class CurlError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def parse_url(text: str) -> Url:
    match = re.fullmatch(r"(?:(\w+)://)?([^/:?#]*)(?::(\d*))?([/?#].*)?", text)
    if not match or not match.group(2):
        raise CurlError(3, "URL using bad/illegal format or missing URL")
    scheme = (match.group(1) or "http").lower()
    if scheme not in ("http", "https"):
        raise CurlError(1, f'Protocol "{scheme}" not supported or disabled in libcurl')
    port = int(match.group(3)) if match.group(3) else (443 if scheme == "https" else 80)
    path = match.group(4) or "/"
    if path.startswith(("?", "#")):
        path = "/" + path
    return Url(scheme, match.group(2), port, path.split("#", 1)[0])


def _resolve(inv: Invocation, name: str) -> tuple[Host, str]:
    if name in ("localhost", "127.0.0.1", "::1", inv.host.name,
                f"{inv.host.name}.{inv.host.spec.domain}"):
        return inv.host, "127.0.0.1" if name != inv.host.name else inv.host.spec.ip
    host = inv.world.host(name)
    if host is None:
        raise CurlError(6, f"Could not resolve host: {name}")
    return host, host.spec.ip


def _exchange(inv: Invocation, url: Url, request: HttpRequest) -> tuple[HttpResponse, str]:
    host, ip = _resolve(inv, url.host)
    listener = host.listeners.get(url.port)
    local = host is inv.host
    if listener is None or (listener.address.startswith("127.") and not local):
        raise CurlError(7, f"Failed to connect to {url.host} port {url.port} after "
                           f"{0 if local else 1} ms: Couldn't connect to server")
    if listener.handler is None:
        raise CurlError(52, "Empty reply from server")
    return listener.handler(request), ip


def _head_lines(inv: Invocation, response: HttpResponse) -> list[str]:
    headers = dict(response.headers)
    headers.setdefault("Date", http_date(inv.world.clock.now_ms))
    headers.setdefault("Content-Length", str(len(response.body)))
    ordered = ["Server", "Date", "Content-Type", "Content-Length", "Connection"]
    keys = [k for k in ordered if k in headers] + [k for k in headers if k not in ordered]
    reason = response.reason or REASONS.get(response.status, "")
    return [f"HTTP/1.1 {response.status} {reason}"] + [f"{k}: {headers[k]}" for k in keys]


def _write_out(fmt: str, response: HttpResponse | None, url: Url, ip: str) -> str:
    status = response.status if response else 0
    values = {"http_code": f"{status:03d}", "response_code": str(status),
              "url_effective": url.text, "remote_ip": ip, "remote_port": str(url.port),
              "size_download": str(len(response.body) if response else 0),
              "content_type": response.headers.get("Content-Type", "") if response else "",
              "time_total": "0.001823", "time_connect": "0.000412",
              "time_starttransfer": "0.001790", "exitcode": "0", "method": "GET"}
    out = re.sub(r"%\{(\w+)\}", lambda m: values.get(m.group(1), ""), fmt)
    return out.replace("\\n", "\n").replace("\\t", "\t").replace("\\r", "\r").replace("%%", "%")


@command("curl")
@parsed_with(SPEC)
def curl(inv: Invocation, opts: ParsedArgs) -> CommandOutput:
    """curl - transfer a URL (HTTP against the simulated hosts)."""
    if not opts.operands:
        inv.stderr.write("curl: try 'curl --help' or 'curl --manual' for more information\n")
        return 2
    silent = opts.flag("silent") and not opts.flag("verbose")
    show_error = not silent or opts.flag("show_error")
    status = 0
    for target in opts.operands:
        code, message = yield from _one(inv, opts, target)
        if code:
            status = code
            if show_error:
                inv.stderr.write(f"curl: ({code}) {message}\n")
    return status


def _one(inv: Invocation, opts: ParsedArgs,
         target: str) -> Generator[bytes, None, tuple[int, str]]:
    head_only = opts.flag("head")
    method = opts.get("request") or ("HEAD" if head_only else "POST" if opts.get("data")
                                     else "GET")
    headers = {"Host": "", "User-Agent": opts.get("agent") or f"curl/{VERSION}", "Accept": "*/*"}
    for line in opts.all("header"):
        name, _, value = line.partition(":")
        headers[name.strip()] = value.strip()
    response: HttpResponse | None = None
    ip = ""
    try:
        url = parse_url(target)
        headers["Host"] = headers.get("Host") or (
            url.host if url.port in (80, 443) else f"{url.host}:{url.port}")
        request = HttpRequest(method, url.path, url.host, headers,
                              (opts.get("data") or "").encode())
        if opts.flag("verbose"):
            inv.stderr.write(f"*   Trying {'127.0.0.1' if url.host == 'localhost' else url.host}"
                             f":{url.port}...\n")
        response, ip = _exchange(inv, url, request)
    except CurlError as error:
        if opts.get("write_out"):
            yield _write_out(opts.get("write_out") or "", None, parse_url_or_blank(target),
                             "").encode()
        return error.code, error.message
    lines = _head_lines(inv, response)
    if opts.flag("verbose"):
        inv.stderr.write(f"* Connected to {url.host} ({ip}) port {url.port} (#0)\n"
                         f"> {method} {url.path} HTTP/1.1\n"
                         + "".join(f"> {k}: {v}\n" for k, v in headers.items()) + ">\n"
                         + "".join(f"< {line}\n" for line in lines) + "<\n")
    failed = opts.flag("fail") and response.status >= 400
    out = b""
    if (opts.flag("include") or head_only) and not failed:
        out += ("\r\n".join(lines) + "\r\n\r\n").encode()
    if not head_only and not failed:
        out += response.body
    if opts.get("output") not in (None, "-"):
        try:
            _save(inv, opts.get("output") or "", out)
        except FsError as error:
            return 23, ("Failure writing output to destination" if error.errno == 28 else
                        f"Failed to open the file {error.path}: {error.strerror}")
    elif out:
        yield out
    if opts.flag("verbose"):
        inv.stderr.write(f"* Connection #0 to host {url.host} left intact\n")
    if opts.get("write_out"):
        yield _write_out(opts.get("write_out") or "", response, url, ip).encode()
    if failed:
        return 22, f"The requested URL returned error: {response.status}"
    return 0, ""


def parse_url_or_blank(text: str) -> Url:
    try:
        return parse_url(text)
    except CurlError:
        return Url("http", "", 80, "/")


def _save(inv: Invocation, path: str, data: bytes) -> None:
    fs = inv.host.fs
    cred = inv.host.cred_for(inv.user)
    try:
        inode = fs.lookup(path, inv.cwd, cred=cred)
    except FsError:
        inode = fs.create(path, inv.cwd, cred=cred)
    fs.write(inode, data, append=False, path=path)
