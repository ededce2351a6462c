"""What the openssl subcommands share: option parsing, file loading, error lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from pagerdrill.tools.api import Invocation
from pagerdrill.world.errors import FsError

__all__ = ["ERR_PREFIX", "OpenSSLUsage", "Parsed", "parse_options", "read_input"]

# OpenSSL prefixes its error-queue lines with the thread id; the simulation's is fixed.
ERR_PREFIX = "40F7794B357F0000"


class OpenSSLUsage(Exception):
    """A usage error, already worded as the subcommand prints it."""


@dataclass
class Parsed:
    options: list[tuple[str, str]] = field(default_factory=list)
    operands: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return any(n == name for n, _ in self.options)

    def get(self, name: str) -> str | None:
        found = [v for n, v in self.options if n == name]
        return found[-1] if found else None


def parse_options(prog: str, args: list[str], flags: set[str], valued: set[str], *,
                  lenient: bool = False) -> Parsed:
    """openssl's own style: single-dash words, a value in the next argument.
    ``lenient`` keeps unknown words as flags (x509 reads any -NAME as a digest name)."""
    parsed = Parsed()
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--" or not arg.startswith("-") or arg == "-":
            parsed.operands += args[i + (arg == "--"):]
            break
        name = arg.lstrip("-")
        if name in valued:
            if i + 1 >= len(args):
                raise OpenSSLUsage(f"{prog}: Option -{name} needs a value\n"
                                   f"{prog}: Use -help for summary.\n")
            parsed.options.append((name, args[i + 1]))
            i += 2
            continue
        if name not in flags and not lenient:
            raise OpenSSLUsage(f"{prog}: Unknown option: {arg}\n{prog}: Use -help for summary.\n")
        parsed.options.append((name, ""))
        i += 1
    return parsed


def read_input(inv: Invocation, path: str | None) -> bytes | None:
    """The bytes of ``path`` (or stdin), or None after printing openssl's open error."""
    if path is None or path == "-":
        return inv.stdin.read()
    try:
        inode = inv.host.fs.lookup(path, inv.cwd, cred=inv.host.cred_for(inv.user))
        if inode.is_dir:
            raise FsError(21, path)
        content = inode.content
        return content.read(0, content.size) if content is not None else b""
    except FsError as error:
        inv.stderr.write(
            f"Could not open file or uri for loading certificate from {path}\n"
            f"{ERR_PREFIX}:error:16000069:STORE routines:ossl_store_get0_loader_int:"
            "unregistered scheme:../crypto/store/store_register.c:237:scheme=file\n"
            f"{ERR_PREFIX}:error:80000002:system library:file_open:{error.strerror}:"
            "../providers/implementations/storemgmt/file_store.c:266:"
            f"calling stat({path})\n")
        return None

