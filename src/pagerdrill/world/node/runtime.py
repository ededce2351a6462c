"""What a Node.js service's process gets from its systemd unit: memory limit and node flags.

A restarted process reads the unit as it is on disk (the unit file and its
``.d/*.conf`` drop-ins, later ones overriding earlier ones): ``MemoryMax=``
(cgroup v2; ``MemoryLimit=`` is the v1 spelling), the node options on
``ExecStart=`` and ``NODE_OPTIONS`` in ``Environment=``.
"""

from __future__ import annotations

import contextlib
import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pagerdrill.world.errors import FsError
from pagerdrill.world.rng import Rng

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["NodeUnit", "inspector_uuid", "max_old_space_mb", "parse_memory", "read_unit"]

_UNITS = {"": 1, "K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}


def parse_memory(value: str, total_kb: int) -> int | None:
    """A MemoryMax= value in KiB; None for ``infinity`` (or an empty assignment)."""
    value = value.strip()
    if value in ("", "infinity"):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)%", value)
    if match:
        return int(total_kb * float(match.group(1)) / 100)
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)", value.upper())
    if match is None:
        return None
    return int(float(match.group(1)) * _UNITS[match.group(2)]) // 1024


@dataclass(frozen=True)
class NodeUnit:
    memory_max_kb: int | None  # the cgroup limit; None = unlimited
    node_flags: tuple[str, ...]  # options between `node` and the script, plus NODE_OPTIONS


def _read(host: Host, path: str) -> str | None:
    try:
        return b"".join(host.fs.read_stream(host.fs.lookup(path))).decode(errors="replace")
    except FsError:
        return None


def _files(host: Host, unit_path: str, unit: str) -> list[str]:
    texts = [t for t in [_read(host, unit_path)] if t is not None]
    for folder in (f"/etc/systemd/system/{unit}.d", f"/run/systemd/system/{unit}.d"):
        try:
            names = sorted(host.fs.listdir(host.fs.lookup(folder)))
        except FsError:
            continue
        texts += [t for name in names if name.endswith(".conf")
                  and (t := _read(host, f"{folder}/{name}")) is not None]
    return texts


def read_unit(host: Host, unit_path: str, unit: str) -> NodeUnit:
    """The settings of ``unit`` as its files say now."""
    memory: int | None = None
    exec_start = ""
    node_options = ""
    for text in _files(host, unit_path, unit):
        for raw in text.splitlines():
            line = raw.strip()
            if "=" not in line or line.startswith(("#", ";")):
                continue
            key, value = (part.strip() for part in line.split("=", 1))
            if key in ("MemoryMax", "MemoryLimit"):
                memory = parse_memory(value, host.spec.mem_total_kb)
            elif key == "ExecStart" and value:
                exec_start = value
            elif key == "Environment":
                for item in shlex.split(value):
                    if item.startswith("NODE_OPTIONS="):
                        node_options = item.split("=", 1)[1]
    flags: list[str] = []
    try:
        argv = shlex.split(exec_start.lstrip("-@+!:"))
    except ValueError:
        argv = []
    for word in argv[1:]:
        if not word.startswith("-"):
            break
        flags.append(word)
    with contextlib.suppress(ValueError):
        flags += shlex.split(node_options)
    return NodeUnit(memory, tuple(flags))


def max_old_space_mb(flags: tuple[str, ...]) -> int | None:
    found: int | None = None
    for flag in flags:
        match = re.fullmatch(r"--max[-_]old[-_]space[-_]size=(\d+)", flag)
        if match:
            found = int(match.group(1))
    return found


def inspector_uuid(rng: Rng) -> str:
    """The inspector's target id: a random v4 UUID, drawn from the world's RNG."""
    value = rng.getrandbits(128)
    value = (value & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
    value = (value & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
