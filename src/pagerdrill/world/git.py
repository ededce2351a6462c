"""A git repository model: commits of small text trees, diffs, blame and status.

Object ids are real git object ids (blob, tree and commit objects hashed as git
hashes them), so a history built here has the same shas as the same history
built by git itself. Diffs are unified diffs computed with difflib, rendered by
the git tool; the working tree is the host's filesystem under the repository's
root, compared with HEAD for ``git status``.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pagerdrill.world.errors import FsError
from pagerdrill.world.world import Registry

if TYPE_CHECKING:
    from pagerdrill.world.fs import FileSystem
    from pagerdrill.world.host import Host

__all__ = [
    "EMPTY_BLOB",
    "BlameLine",
    "Commit",
    "FileDiff",
    "Repository",
    "RevisionError",
    "Signature",
    "Status",
    "attach",
    "blob_id",
    "diff_trees",
    "find_repository",
    "parse_since",
]

EMPTY_BLOB = "0" * 40
# Repositories by (host name, working-tree root).
REPOSITORIES: Registry[tuple[str, str], Repository] = Registry("git.repositories")


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _tree_id(files: Mapping[str, bytes], modes: Mapping[str, str], prefix: str = "") -> str:
    entries: dict[str, tuple[str, str]] = {}
    subdirs: set[str] = set()
    for path in files:
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix):]
        if "/" in rest:
            subdirs.add(rest.split("/", 1)[0])
        else:
            entries[rest] = (modes.get(path, "100644"), blob_id(files[path]))
    for name in subdirs:
        entries[name] = ("40000", _tree_id(files, modes, f"{prefix}{name}/"))
    # git sorts tree entries as if directory names ended with "/".
    order = sorted(entries, key=lambda n: n + "/" if entries[n][0] == "40000" else n)
    body = b"".join(f"{entries[n][0]} {n}".encode() + b"\0" + bytes.fromhex(entries[n][1])
                    for n in order)
    return hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()


@dataclass(frozen=True)
class Signature:
    name: str
    email: str
    t_ms: int
    tz: str = "+0000"

    def raw(self) -> str:
        return f"{self.name} <{self.email}> {self.t_ms // 1000} {self.tz}"

    @property
    def when(self) -> _dt.datetime:
        return _dt.datetime.fromtimestamp(self.t_ms // 1000, tz=_dt.UTC)


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Signature
    committer: Signature
    message: str  # as stored, ending in a newline
    files: Mapping[str, bytes]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]

    @property
    def short(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class FileDiff:
    path: str
    status: str  # "M" modified, "A" added, "D" deleted
    old_id: str
    new_id: str
    mode: str
    lines: list[str]  # hunk headers and +/-/space lines, each ending in "\n"
    insertions: int
    deletions: int


@dataclass(frozen=True)
class BlameLine:
    commit: Commit
    orig_line: int
    text: str


@dataclass(frozen=True)
class Status:
    modified: list[str]
    deleted: list[str]
    untracked: list[str]
    to_commit: list[tuple[str, str]] = field(default_factory=list)  # (path, A/M/D)

    @property
    def clean(self) -> bool:
        return not (self.modified or self.deleted or self.untracked or self.to_commit)


class RevisionError(Exception):
    """A revision that does not name a commit (git's ``unknown revision``)."""

    def __init__(self, rev: str) -> None:
        super().__init__(rev)
        self.rev = rev


@dataclass
class Repository:
    """One repository: its commits, branch, and where its working tree lives."""

    root: str
    branch: str = "main"
    upstream: str | None = "origin/main"
    commits: dict[str, Commit] = field(default_factory=dict)
    head: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    modes: dict[str, str] = field(default_factory=dict)
    # The index as changes against HEAD (``git add``): path -> content, None removes.
    staged: dict[str, bytes | None] = field(default_factory=dict)

    # -- building history ----------------------------------------------------

    def commit(self, message: str, author: Signature, changes: Mapping[str, bytes | None],
               committer: Signature | None = None) -> Commit:
        """Record a commit on the branch: ``changes`` maps paths to content (None deletes)."""
        files = dict(self.commits[self.head].files) if self.head else {}
        for path, data in changes.items():
            if data is None:
                files.pop(path, None)
            else:
                files[path] = data
        committer = committer or author
        message = message if message.endswith("\n") else message + "\n"
        tree = _tree_id(files, self.modes)
        parents = (self.head,) if self.head else ()
        raw = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents)
        raw += f"author {author.raw()}\ncommitter {committer.raw()}\n\n{message}"
        body = raw.encode()
        sha = hashlib.sha1(b"commit %d\0" % len(body) + body).hexdigest()
        commit = Commit(sha, tree, parents, author, committer, message, files)
        self.commits[sha] = commit
        self.head = sha
        return commit

    # -- reading history -----------------------------------------------------

    def resolve(self, rev: str) -> Commit:
        """HEAD, branch, tag, sha prefix, with ``~N`` and ``^`` suffixes."""
        match = re.fullmatch(r"(.*?)((?:[~^]\d*)*)", rev)
        base, suffix = (match.group(1), match.group(2)) if match else (rev, "")
        sha: str | None
        if base in ("HEAD", "@", self.branch, f"refs/heads/{self.branch}") or (
                self.upstream and base in (self.upstream, f"refs/remotes/{self.upstream}")):
            sha = self.head
        elif base in self.tags:
            sha = self.tags[base]
        elif re.fullmatch(r"[0-9a-f]{4,40}", base):
            found = [s for s in self.commits if s.startswith(base)]
            sha = found[0] if len(found) == 1 else None
        else:
            sha = None
        if sha is None:
            raise RevisionError(rev)
        for op, count in re.findall(r"([~^])(\d*)", suffix):
            steps = int(count) if count else 1
            if op == "^" and steps == 0:
                continue
            for _ in range(steps if op == "~" else 1):
                parents = self.commits[sha].parents
                if not parents:
                    raise RevisionError(rev)
                sha = parents[0]
            if op == "^" and steps > 1:
                raise RevisionError(rev)
        return self.commits[sha]

    def history(self, start: Commit | None = None) -> list[Commit]:
        """Commits reachable from ``start`` (default HEAD), newest first."""
        out: list[Commit] = []
        sha = start.sha if start else self.head
        while sha:
            commit = self.commits[sha]
            out.append(commit)
            sha = commit.parents[0] if commit.parents else None
        return out

    def parent_files(self, commit: Commit) -> Mapping[str, bytes]:
        return self.commits[commit.parents[0]].files if commit.parents else {}

    def changed_paths(self, commit: Commit) -> list[str]:
        old, new = self.parent_files(commit), commit.files
        return sorted(p for p in set(old) | set(new) if old.get(p) != new.get(p))

    def log(self, start: Commit | None = None, paths: Iterable[str] = (),
            since_ms: int | None = None) -> list[Commit]:
        wanted = [p.rstrip("/") for p in paths]
        out = []
        for commit in self.history(start):
            if since_ms is not None and commit.committer.t_ms < since_ms:
                continue
            if wanted and not any(_under(p, w) for p in self.changed_paths(commit)
                                  for w in wanted):
                continue
            out.append(commit)
        return out

    def blame(self, path: str, rev: Commit | None = None) -> list[BlameLine]:
        """Which commit last changed each line of ``path`` at ``rev``."""
        chain = [c for c in reversed(self.history(rev)) if path in c.files]
        if not chain:
            raise RevisionError(path)
        lines: list[BlameLine] = []
        previous: list[str] = []
        for commit in chain:
            current = commit.files[path].decode(errors="replace").splitlines(keepends=True)
            if current == previous:
                continue
            updated: list[BlameLine] = []
            matcher = difflib.SequenceMatcher(None, previous, current, autojunk=False)
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                if tag == "equal":
                    updated.extend(lines[i1:i2])
                elif tag in ("replace", "insert"):
                    updated.extend(BlameLine(commit, j + 1, current[j]) for j in range(j1, j2))
            lines, previous = updated, current
        return lines

    # -- the working tree ----------------------------------------------------

    def head_files(self) -> Mapping[str, bytes]:
        return self.commits[self.head].files if self.head else {}

    def worktree(self, fs: FileSystem) -> dict[str, bytes]:
        """Every regular file under the root except .git, as bytes."""
        out: dict[str, bytes] = {}
        try:
            top = fs.lookup(self.root)
        except FsError:
            return out
        stack = [("", top)]
        while stack:
            prefix, node = stack.pop()
            for name, child in fs.children(node):
                rel = f"{prefix}{name}"
                if rel == ".git":
                    continue
                if child.is_dir:
                    stack.append((rel + "/", child))
                elif child.is_file and child.content is not None and child.size < 1 << 20:
                    out[rel] = child.content.read()
        return out

    def index_files(self) -> dict[str, bytes]:
        files = dict(self.head_files())
        for path, data in self.staged.items():
            if data is None:
                files.pop(path, None)
            else:
                files[path] = data
        return files

    def status(self, fs: FileSystem) -> Status:
        head, index, work = self.head_files(), self.index_files(), self.worktree(fs)
        modified = sorted(p for p in index if p in work and work[p] != index[p])
        deleted = sorted(p for p in index if p not in work)
        untracked = _untracked_entries(set(work) - set(index), set(index))
        to_commit = [(p, "A" if p not in head else "D" if p not in index else "M")
                     for p in sorted(set(head) | set(index)) if head.get(p) != index.get(p)]
        return Status(modified, deleted, untracked, to_commit)

    def checkout(self, host: Host, uid: int = 0, gid: int = 0, mtime_ms: int | None = None) -> None:
        """Write HEAD's files and a ``.git`` directory into the host's filesystem."""
        fs = host.fs
        when = mtime_ms if mtime_ms is not None else (
            self.commits[self.head].committer.t_ms if self.head else None)
        for path, data in self.head_files().items():
            mode = 0o755 if self.modes.get(path) == "100755" else 0o644
            fs.put(posixpath.join(self.root, path), data, mode=mode, uid=uid, gid=gid,
                   mtime_ms=when)
        git = posixpath.join(self.root, ".git")
        fs.put(f"{git}/HEAD", f"ref: refs/heads/{self.branch}\n".encode(), uid=uid, gid=gid)
        fs.put(f"{git}/config", b"[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n"
               b"\tbare = false\n\tlogallrefs = true\n", uid=uid, gid=gid)
        if self.head:
            fs.put(f"{git}/refs/heads/{self.branch}", f"{self.head}\n".encode(), uid=uid, gid=gid)
        fs.mkdir(f"{git}/objects", parents=True)
        fs.set_opaque(f"{git}/objects", 180_000 + 2_400 * len(self.commits),
                      20 + 6 * len(self.commits))
        attach(host, self)


def _under(path: str, wanted: str) -> bool:
    return wanted in ("", ".") or path == wanted or path.startswith(wanted + "/")


def _untracked_entries(paths: set[str], tracked: set[str]) -> list[str]:
    """git status collapses an untracked directory to ``dir/``."""
    tracked_dirs = {posixpath.dirname(p) for p in tracked}
    tracked_dirs |= {d for p in tracked for d in _parents(p)}
    out: set[str] = set()
    for path in paths:
        shown = path
        for parent in reversed(_parents(path)):
            if parent not in tracked_dirs:
                shown = parent + "/"
                break
        out.add(shown)
    return sorted(out)


def _parents(path: str) -> list[str]:
    parts = path.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def _hunk_context(old: list[str], start: int) -> str:
    """git's default funcname: the last line before the hunk that starts a definition."""
    for line in reversed(old[: max(0, start - 1)]):
        if line[:1].isalpha() or line[:1] in ("_", "$"):
            return " " + line.rstrip()[:80]
    return ""


def _split(data: bytes) -> list[str]:
    return data.decode(errors="replace").splitlines(keepends=True)


def diff_trees(old: Mapping[str, bytes], new: Mapping[str, bytes], paths: Iterable[str] = (),
               context: int = 3, modes: Mapping[str, str] | None = None) -> list[FileDiff]:
    """File-by-file unified diffs between two trees, in path order."""
    wanted = list(paths)
    out: list[FileDiff] = []
    for path in sorted(set(old) | set(new)):
        if wanted and not any(_under(path, w.rstrip("/")) for w in wanted):
            continue
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        status = "A" if before is None else "D" if after is None else "M"
        a, b = _split(before or b""), _split(after or b"")
        lines: list[str] = []
        plus = minus = 0
        for line in difflib.unified_diff(a, b, n=context, lineterm="\n"):
            if line.startswith(("---", "+++")):
                continue
            if line.startswith("@@"):
                match = re.match(r"@@ -(\d+)", line)
                start = int(match.group(1)) if match else 0
                lines.append(line.rstrip("\n") + _hunk_context(a, start) + "\n")
                continue
            if line.startswith("+"):
                plus += 1
            elif line.startswith("-"):
                minus += 1
            if not line.endswith("\n"):
                line += "\n\\ No newline at end of file\n"
            lines.append(line)
        mode = (modes or {}).get(path, "100644")
        out.append(FileDiff(path, status, blob_id(before) if before is not None else EMPTY_BLOB,
                            blob_id(after) if after is not None else EMPTY_BLOB, mode, lines,
                            plus, minus))
    return out


def attach(host: Host, repo: Repository) -> None:
    host.world.registered(REPOSITORIES)[(host.name, repo.root)] = repo


def find_repository(host: Host, cwd: str) -> Repository | None:
    """The repository whose working tree contains ``cwd`` and whose .git still exists."""
    registry = host.world.registered(REPOSITORIES)
    path = posixpath.normpath(cwd)
    while True:
        repo = registry.get((host.name, path))
        if repo is not None and host.fs.exists(posixpath.join(path, ".git")):
            return repo
        if path == "/":
            return None
        path = posixpath.dirname(path)


_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400,
          "month": 30 * 86400, "year": 365 * 86400}


def parse_since(text: str, now_ms: int) -> int | None:
    """A subset of git's approxidate: ``3 weeks ago``, ``2.weeks``, ``yesterday``, ISO dates."""
    value = text.strip().lower().replace(".", " ")
    if value == "yesterday":
        return now_ms - 86_400_000
    match = re.fullmatch(r"(\d+)\s*(second|minute|hour|day|week|month|year)s?(\s+ago)?", value)
    if match:
        return now_ms - int(match.group(1)) * _UNITS[match.group(2)] * 1000
    try:
        moment = _dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return int(moment.timestamp() * 1000)
