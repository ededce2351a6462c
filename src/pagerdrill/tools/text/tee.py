"""tee: copy standard input to standard output and to files (through the simulated fs).

A full disk shows up as it does on Linux: ``tee: FILE: No space left on device``,
exit status 1, while standard output and the other files keep receiving data.
"""

from __future__ import annotations

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.options import Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.tools.text.common import open_for_write
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Inode

__all__ = ["tee"]

TEE_SPEC = OptionSpec(
    "tee",
    [
        Opt("a", "append", "append", help="append to the given FILEs, do not overwrite"),
        Opt("i", "ignore-interrupts", "ignored", help="ignore interrupt signals"),
        Opt("p", None, "ignored", help="diagnose errors writing to non pipes"),
    ],
    usage="tee [OPTION]... [FILE]...",
    description="Copy standard input to each FILE, and also to standard output.",
)


@command("tee")
@parsed_with(TEE_SPEC)
def tee(inv: Invocation, p: ParsedArgs) -> CommandOutput:
    """Usage: tee [OPTION]... [FILE]...

    Copy standard input to standard output and each FILE; -a appends. -i and -p
    are accepted (no signals to ignore here). Unsupported: --output-error.
    """
    status = 0
    targets: list[tuple[str, Inode]] = []
    for path in p.operands:
        if path == "-":  # GNU tee writes '-' as a file named '-'... to stdout in 9.1
            continue
        try:
            targets.append((path, open_for_write(inv, path, append=p.flag("append"))))
        except FsError as error:
            inv.error(f"{path}: {error.strerror}")
            status = 1
    for chunk in inv.stdin.chunks():
        for path, inode in list(targets):
            try:
                inv.host.fs.write(inode, chunk, path=path)
            except FsError as error:
                inv.error(f"{path}: {error.strerror}")
                targets.remove((path, inode))
                status = 1
        yield chunk
    return status
