"""curl - transfer a URL (HTTP only, against the simulated hosts' listeners).

Usage: curl [options] URL...

Supported: -s/--silent, -S/--show-error, -i/--include, -I/--head, -v/--verbose,
-o/--output FILE, -w/--write-out FORMAT, -f/--fail, -X/--request METHOD,
-H/--header LINE, -m/--max-time SECS, --connect-timeout SECS, -d/--data DATA,
-L/--location, -k/--insecure, -A/--user-agent, --cacert FILE. https:// verifies the
server's chain (what its process loaded) at the simulated time against --cacert or
/etc/ssl/certs/ca-certificates.crt, and the name against the subjectAltName; the
handshake is always TLS 1.3. Names resolve through /etc/hosts, then host names. Not
supported: client certificates, uploads, cookies, proxies, HTTP/2, the progress meter.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass

from pagerdrill.tools import netresolve
from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.openssl.text import asn1_time
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError
from pagerdrill.world.host import Host
from pagerdrill.world.network import HttpRequest, HttpResponse
from pagerdrill.world.programs.stamps import http_date
from pagerdrill.world.tls import (
    CA_BUNDLE,
    load_pem_chain,
    served_certificate,
    trusted_roots,
    verify_chain,
)
from pagerdrill.world.tls.verify import matching_name

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
    Opt("4", "ipv4", "ipv4"), Opt(None, "cacert", "cacert", Arg.REQUIRED),
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


def resolve(inv: Invocation, name: str) -> tuple[Host, str]:
    """The host a name reaches from ``inv.host``, and its address (CurlError 6 if none)."""
    found = netresolve.resolve(inv, name)
    if found is None:
        raise CurlError(6, f"Could not resolve host: {name}")
    return found


def _connect(inv: Invocation, url: Url, host: Host) -> None:
    listener = host.listeners.get(url.port)
    local = host is inv.host
    if listener is None or (listener.address.startswith("127.") and not local):
        raise CurlError(7, f"Failed to connect to {url.host} port {url.port} after "
                           f"{0 if local else 1} ms: Couldn't connect to server")
    if listener.handler is None:
        raise CurlError(52, "Empty reply from server")


_ALERTS = {10: "certificate expired (557)", 9: "bad certificate (554)",
           18: "unknown CA (560)", 19: "unknown CA (560)", 20: "unknown CA (560)",
           21: "unknown CA (560)"}
SSL_HELP = ("More details here: https://curl.se/docs/sslcerts.html\n\n"
            "curl failed to verify the legitimacy of the server and therefore could not\n"
            "establish a secure connection to it. To learn more about this situation and\n"
            "how to fix it, please visit the web page mentioned above.\n")


def _handshake(inv: Invocation, opts: ParsedArgs, url: Url, host: Host) -> list[str]:
    """TLS with the server on ``url``: its verbose lines, or CurlError 35/60."""
    served = served_certificate(host, url.port)
    peer = load_pem_chain(served or b"")
    cafile = opts.get("cacert") or CA_BUNDLE
    lines = ["* ALPN: offers h2,http/1.1", "* TLSv1.3 (OUT), TLS handshake, Client hello (1):",
             f"*  CAfile: {cafile}", "*  CApath: /etc/ssl/certs"]
    if not peer:
        raise CurlError(35, "error:0A00010B:SSL routines::wrong version number")
    lines += ["* TLSv1.3 (IN), TLS handshake, Server hello (2):",
              "* TLSv1.3 (IN), TLS handshake, Encrypted Extensions (8):",
              "* TLSv1.3 (IN), TLS handshake, Certificate (11):"]
    result = verify_chain(peer, trusted_roots(inv.host, cafile), inv.world.clock.now_ms)
    insecure = opts.flag("insecure")
    if result.code and not insecure:
        lines += [f"* TLSv1.3 (OUT), TLS alert, {_ALERTS.get(result.code, 'unknown (628)')}:",
                  f"* SSL certificate problem: {result.message}"]
        raise _TlsFailure(lines, f"SSL certificate problem: {result.message}")
    leaf = peer[0]
    issuer = "; ".join(f"{a.rfc4514_attribute_name}={a.value!s}" for a in leaf.issuer)
    subject = "; ".join(f"{a.rfc4514_attribute_name}={a.value!s}" for a in leaf.subject)
    lines += ["* TLSv1.3 (IN), TLS handshake, CERT verify (15):",
              "* TLSv1.3 (IN), TLS handshake, Finished (20):",
              "* TLSv1.3 (OUT), TLS change cipher, Change cipher spec (1):",
              "* TLSv1.3 (OUT), TLS handshake, Finished (20):",
              "* SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384",
              "* ALPN: server accepted http/1.1", "* Server certificate:",
              f"*  subject: {subject}",
              f"*  start date: {asn1_time(leaf.not_valid_before_utc)}",
              f"*  expire date: {asn1_time(leaf.not_valid_after_utc)}"]
    if not insecure:
        matched = matching_name(leaf, url.host)
        if matched is None:
            lines.append(f"* SSL: no alternative certificate subject name matches target host "
                         f"name '{url.host}'")
            raise _TlsFailure(lines, "SSL: no alternative certificate subject name matches "
                              f"target host name '{url.host}'")
        lines.append(f'*  subjectAltName: host "{url.host}" matched cert\'s "{matched}"')
    lines.append(f"*  issuer: {issuer}")
    lines.append("*  SSL certificate verify ok." if result.code == 0 else
                 f"*  SSL certificate verify result: {result.message} ({result.code}), "
                 "continuing anyway.")
    return lines


class _TlsFailure(CurlError):
    def __init__(self, lines: list[str], message: str) -> None:
        super().__init__(60, message)
        self.lines = lines


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
                inv.stderr.write(f"curl: ({code}) {message}\n"
                                 + (SSL_HELP if code == 60 else ""))
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
    verbose = opts.flag("verbose")
    try:
        url = parse_url(target)
        headers["Host"] = headers.get("Host") or (
            url.host if url.port in (80, 443) else f"{url.host}:{url.port}")
        request = HttpRequest(method, url.path, url.host, headers,
                              (opts.get("data") or "").encode())
        host, ip = resolve(inv, url.host)
        if verbose:
            inv.stderr.write(f"*   Trying {ip}:{url.port}...\n")
        _connect(inv, url, host)
        if verbose:
            inv.stderr.write(f"* Connected to {url.host} ({ip}) port {url.port} (#0)\n")
        if url.scheme == "https":
            tls = _handshake(inv, opts, url, host)
            if verbose:
                inv.stderr.write("".join(line + "\n" for line in tls))
        listener = host.listeners[url.port]
        assert listener.handler is not None
        response = listener.handler(request)
    except CurlError as error:
        if verbose and isinstance(error, _TlsFailure):
            inv.stderr.write("".join(line + "\n" for line in error.lines)
                             + "* Closing connection 0\n")
        if opts.get("write_out"):
            yield _write_out(opts.get("write_out") or "", None, parse_url_or_blank(target),
                             "").encode()
        return error.code, error.message
    lines = _head_lines(inv, response)
    if verbose:
        inv.stderr.write(f"> {method} {url.path} HTTP/1.1\n"
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
