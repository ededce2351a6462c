"""stat -f: file system status (statfs(2)) of the mount holding each FILE."""

from __future__ import annotations

import hashlib
import re

from pagerdrill.world.fs import BLOCK, Mount

__all__ = ["DEFAULT", "TERSE", "render_statfs"]

DEFAULT = ('  File: "%n"\n    ID: %-8i Namelen: %-7l Type: %T\n'
           "Block size: %-10s Fundamental block size: %S\n"
           "Blocks: Total: %-10b Free: %-10f Available: %a\n"
           "Inodes: Total: %-10c Free: %d\n")
TERSE = "%n %i %l %t %s %S %b %f %a %c %d\n"
_TYPES = {"ext4": ("ef53", "ext2/ext3"), "ext3": ("ef53", "ext2/ext3"),
          "ext2": ("ef53", "ext2/ext3"), "xfs": ("58465342", "xfs"),
          "tmpfs": ("1021994", "tmpfs"), "overlay": ("794c7630", "overlayfs")}
_DIRECTIVE = re.compile(r"%(-?)(\d*)(.?)")


def render_statfs(fmt: str, path: str, mount: Mount) -> str:
    """Expand ``fmt``'s directives for ``mount``, as GNU stat -f does."""
    fsid = hashlib.sha256(mount.source.encode()).hexdigest()[:16]
    magic, name = _TYPES.get(mount.fstype, ("0", mount.fstype))
    values = {"n": path, "i": fsid, "l": "255", "t": magic, "T": name,
              "s": str(BLOCK), "S": str(BLOCK), "b": str(mount.size_bytes // BLOCK),
              "f": str(mount.avail_bytes // BLOCK), "a": str(mount.avail_bytes // BLOCK),
              "c": str(mount.inodes_total), "d": str(mount.avail_inodes), "%": "%"}

    def replace(match: re.Match[str]) -> str:
        left, width, code = match.groups()
        if code not in values:
            return "?" if code else match.group(0)
        text = values[code]
        size = int(width or 0)
        return text.ljust(size) if left else text.rjust(size)

    return _DIRECTIVE.sub(replace, fmt)
