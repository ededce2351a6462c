"""certbot's files: renewal configurations and certificate lineages under /etc/letsencrypt.

A lineage keeps every issuance in ``archive/NAME/{cert,chain,fullchain,privkey}N.pem``
and points ``live/NAME/*.pem`` at the latest through relative symlinks; the renewal
configuration (``renewal/NAME.conf``, configobj syntax) says how to renew it.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
from dataclasses import dataclass, field

from cryptography import x509

from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import FileSystem, Kind

from .certs import Chain, load_pem_chain

__all__ = [
    "KINDS",
    "LE_DIR",
    "Lineage",
    "RenewalConf",
    "install_lineage",
    "parse_renewal_conf",
    "renewal_confs",
]

LE_DIR = "/etc/letsencrypt"
KINDS = ("cert", "privkey", "chain", "fullchain")


@dataclass
class RenewalConf:
    """The parts of a renewal configuration certbot renew acts on."""

    path: str
    name: str
    top: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    webroot_map: dict[str, str] = field(default_factory=dict)

    def live(self, kind: str) -> str:
        return self.top.get(kind, f"{LE_DIR}/live/{self.name}/{kind}.pem")

    @property
    def authenticator(self) -> str:
        return self.params.get("authenticator", "")

    def webroot_for(self, domain: str) -> str | None:
        if domain in self.webroot_map:
            return self.webroot_map[domain]
        paths = [p.strip() for p in self.params.get("webroot_path", "").split(",") if p.strip()]
        return paths[0] if paths else None


_LINE = re.compile(r"^\s*([^=\s][^=]*?)\s*=\s*(.*?)\s*$")


def parse_renewal_conf(path: str, text: str) -> RenewalConf:
    """configobj's syntax as certbot writes it; raises ValueError on a line it cannot read."""
    name = posixpath.basename(path).removesuffix(".conf")
    conf = RenewalConf(path, name)
    section: dict[str, str] = conf.top
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            title = line.strip("[]").strip()
            section = {"renewalparams": conf.params, "webroot_map": conf.webroot_map}.get(
                title, {})
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"Invalid line ('{raw}') (matched as neither section nor keyword) "
                             f"at line \"{number}\".")
        section[match.group(1)] = match.group(2).strip("\"'")
    return conf


def renewal_confs(fs: FileSystem) -> list[str]:
    """The renewal configuration files, sorted as certbot globs them."""
    try:
        directory = fs.lookup(f"{LE_DIR}/renewal")
    except FsError:
        return []
    if not directory.is_dir:
        return []
    return [f"{LE_DIR}/renewal/{n}" for n in sorted(fs.listdir(directory)) if n.endswith(".conf")]


@dataclass
class Lineage:
    """A lineage as its renewal configuration and live symlinks describe it."""

    conf: RenewalConf
    fs: FileSystem

    def check_links(self) -> str | None:
        """certbot's storage check: every live file is a symlink to an existing target."""
        for kind in KINDS:
            path = self.conf.live(kind)
            try:
                inode = self.fs.lookup(path, follow=False)
            except FsError:
                inode = None
            if inode is None or inode.kind is not Kind.LINK:
                return f"expected {path} to be a symlink"
            if not self.fs.exists(path):
                return f"target {path} of symlink {path} does not exist"
        return None

    def certificate(self) -> x509.Certificate | None:
        data = self.fs.read_bytes(self.conf.live("cert"))
        certs = load_pem_chain(data or b"")
        return certs[0] if certs else None

    def names(self) -> list[str]:
        cert = self.certificate()
        if cert is None:
            return [self.conf.name]
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            return [self.conf.name]
        return list(san.get_values_for_type(x509.DNSName))

    def latest_version(self) -> int:
        archive = self.conf.top.get("archive_dir", f"{LE_DIR}/archive/{self.conf.name}")
        try:
            directory = self.fs.lookup(archive)
        except FsError:
            return 0
        versions = [int(m.group(1)) for n in self.fs.listdir(directory)
                    if (m := re.fullmatch(r"cert(\d+)\.pem", n))]
        return max(versions, default=0)


def install_lineage(fs: FileSystem, name: str, chain: Chain, version: int,
                    mtime_ms: int | None = None) -> None:
    """Write issuance ``version`` into the archive and point the live links at it."""
    archive, live = f"{LE_DIR}/archive/{name}", f"{LE_DIR}/live/{name}"
    data = {"cert": chain.cert, "chain": chain.chain, "fullchain": chain.fullchain,
            "privkey": chain.key}
    fs.mkdir(archive, parents=True, mode=0o755)
    fs.mkdir(live, parents=True, mode=0o755)
    for kind in KINDS:
        fs.put(f"{archive}/{kind}{version}.pem", data[kind],
               mode=0o600 if kind == "privkey" else 0o644, mtime_ms=mtime_ms)
        link = f"{live}/{kind}.pem"
        with contextlib.suppress(FsError):
            fs.unlink(link)
        inode = fs.create(link, kind=Kind.LINK, target=f"../../archive/{name}/{kind}{version}.pem")
        if mtime_ms is not None:
            fs.utime(inode, mtime_ms)
