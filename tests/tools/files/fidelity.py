"""Run a command on a real tree and on the same tree simulated; compare bytes.

A :class:`Tree` is materialised twice: on disk under a temporary directory (mtimes
set with ``os.utime`` to the very instants the simulation uses) and in a fresh
world under ``/fid/top``. Both commands run with ``LC_ALL=C TZ=UTC`` from the
tree's root, and stdout, stderr and the exit status are compared.

What cannot match and is therefore kept out of the comparisons, not normalised:
inode numbers and st_dev (ls -i, find -ls, stat's Device/Inode lines), ctime and
birth time (the kernel sets them to the wall clock), and directory atime (reading
a directory updates it under relatime). Files are root-owned on both sides, so
owners need no normalising; the only rewrite is the temporary path prefix, for
commands that print absolute paths.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.toolkit import Result, StubShell

from pagerdrill.tools.api import ByteInput, ByteSink, Invocation
from pagerdrill.tools.registry import lookup
from pagerdrill.world.builder import add_linux_host
from pagerdrill.world.content import FileContent
from pagerdrill.world.fs import Kind
from pagerdrill.world.host import Host
from pagerdrill.world.world import World

__all__ = ["SIM_ROOT", "Node", "Tree", "compare", "compare_steps", "run_real", "run_sim",
           "sim_host"]

SIM_ROOT = "/fid/top"


@dataclass(frozen=True)
class Node:
    """One entry: ``kind`` is "f" (file), "d" (directory), "l" (symlink) or "h"
    (a hard link to the file named by ``target``)."""

    path: str
    kind: str = "f"
    size: int = 0
    mode: int = -1  # -1: 0644 for files, 0755 for directories
    age_s: int = 3600  # how long before "now" it was last modified
    target: str = ""


    def __post_init__(self) -> None:
        if self.mode < 0:
            object.__setattr__(self, "mode", 0o755 if self.kind == "d" else 0o644)


@dataclass
class Tree:
    nodes: list[Node] = field(default_factory=list)
    root_age_s: int = 1800

    def dirs_deepest_first(self) -> list[Node]:
        dirs = [n for n in self.nodes if n.kind == "d"]
        return sorted(dirs, key=lambda n: -n.path.count("/"))


def _content(node: Node) -> bytes:
    return (node.path.encode() * (node.size // max(1, len(node.path)) + 1))[: node.size]


def materialise(tree: Tree, base: Path, now_s: int) -> Path:
    """Write ``tree`` under ``base/top``; returns the tree's root."""
    root = base / "top"
    root.mkdir()
    for node in tree.nodes:
        path = root / node.path
        if node.kind == "d":
            path.mkdir()
        elif node.kind == "f":
            path.write_bytes(_content(node))
        elif node.kind == "l":
            path.symlink_to(node.target)
        else:
            os.link(root / node.target, path)
    for node in tree.nodes:
        if node.kind == "f":
            os.chmod(root / node.path, node.mode)
            stamp = now_s - node.age_s
            os.utime(root / node.path, (stamp, stamp))
    for node in tree.nodes:
        if node.kind == "l":
            stamp = now_s - node.age_s
            os.utime(root / node.path, (stamp, stamp), follow_symlinks=False)
    for node in tree.dirs_deepest_first():
        os.chmod(root / node.path, node.mode)
        stamp = now_s - node.age_s
        os.utime(root / node.path, (stamp, stamp))
    for path in (root, base):
        os.chmod(path, 0o755)
        os.utime(path, (now_s - tree.root_age_s, now_s - tree.root_age_s))
    return root


def sim_host(tree: Tree, now_s: int) -> Host:
    """A fresh world at ``now_s`` whose ``/fid/top`` holds ``tree``."""
    world = World(0, now_s * 1000)
    host = add_linux_host(world, "fid")
    fs = host.fs
    fs.mkdir(SIM_ROOT, parents=True)
    for node in tree.nodes:
        path = f"{SIM_ROOT}/{node.path}"
        if node.kind == "d":
            fs.mkdir(path, mode=node.mode)
        elif node.kind == "f":
            inode = fs.create(path, mode=node.mode)
            fs.set_content(inode, FileContent(_content(node)))
        elif node.kind == "l":
            fs.create(path, kind=Kind.LINK, target=node.target)
        else:
            fs.link(f"{SIM_ROOT}/{node.target}", path)
    for node in [*[n for n in tree.nodes if n.kind in "fl"], *tree.dirs_deepest_first()]:
        inode = fs.lookup(f"{SIM_ROOT}/{node.path}", follow=False)
        inode.mode = node.mode if node.kind != "l" else inode.mode
        stamp = (now_s - node.age_s) * 1000
        inode.mtime_ms = inode.atime_ms = stamp
    for path in (SIM_ROOT, "/fid"):
        inode = fs.lookup(path)
        inode.mtime_ms = inode.atime_ms = (now_s - tree.root_age_s) * 1000
    return host


def run_real(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    full_env = {"LC_ALL": "C", "TZ": "UTC", "PATH": "/usr/bin:/bin", **(env or {})}
    proc = subprocess.run(argv, cwd=cwd, env=full_env, capture_output=True, timeout=20,
                          check=False)
    return Result(proc.stdout, proc.stderr, proc.returncode)


def run_sim(host: Host, argv: list[str], env: dict[str, str] | None = None, *,
            cwd: str = SIM_ROOT, terminal: bool = False) -> Result:
    """Run a simulated tool with an environment (and, optionally, a terminal)."""
    tool = lookup(argv[0])
    assert tool is not None, argv[0]
    shell = StubShell(host, "root", cwd, {"HOME": "/root", "PATH": "/usr/bin", **(env or {})},
                      stdout_is_terminal=terminal)
    sink = ByteSink()
    gen = tool(Invocation(argv, host.world, host, shell, ByteInput.empty(), sink))  # type: ignore[arg-type]
    out: list[bytes] = []
    try:
        while True:
            out.append(next(gen))
    except StopIteration as stop:
        return Result(b"".join(out), sink.getvalue(), int(stop.value))


def _normal(result: Result, prefix: str, sort: bool) -> Result:
    # Only the temporary directory's path differs between the two trees.
    out = result.stdout.replace(prefix.encode(), SIM_ROOT.encode())
    err = result.stderr.replace(prefix.encode(), SIM_ROOT.encode())
    if sort:
        sep = b"\0" if b"\0" in out else b"\n"
        out = sep.join(sorted(out.split(sep)))
        err = b"\n".join(sorted(err.split(b"\n")))
    return Result(out, err, result.status)


def compare(tree: Tree, argv: list[str], *, sort: bool = False,
            env: dict[str, str] | None = None) -> tuple[Result, Result]:
    """(real, simulated) results of ``argv`` run at the root of ``tree``."""
    now_s = int(time.time())
    with tempfile.TemporaryDirectory() as tmp:
        root = materialise(tree, Path(tmp), now_s)
        real = _normal(run_real(argv, root, env), str(root), sort)
    host = sim_host(tree, now_s)
    sim = _normal(run_sim(host, argv, env), SIM_ROOT, sort)
    return real, sim


def compare_steps(tree: Tree, steps: list[list[str]], *, sort: bool = False
                  ) -> list[tuple[list[str], Result, Result]]:
    """Run several commands in turn on one real and one simulated tree (for
    commands that change the tree); every step's results, real then simulated."""
    now_s = int(time.time())
    host = sim_host(tree, now_s)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        root = materialise(tree, Path(tmp), now_s)
        for argv in steps:
            real = _normal(run_real(argv, root), str(root), sort)
            sim = _normal(run_sim(host, argv), SIM_ROOT, sort)
            results.append((argv, real, sim))
    return results
