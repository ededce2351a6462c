"""git - the read side of git: log, show, diff, blame, status (plus add/commit/restore).

Usage: git [-C PATH] [--no-pager] COMMAND [ARGS]

  log [--oneline] [-n N | -N] [-p] [--stat] [--since=WHEN] [REV] [-- PATH...]
  show [--stat] [REV | REV:PATH]
  diff [--stat] [--name-only] [--cached] [REV[..REV] | REV REV] [-- PATH...]
  blame FILE
  status
  add PATH...            commit [-a] -m MESSAGE          restore PATH...

Output matches git 2.39 (no pager, no colour). Not supported: merges, branches
other than the current one, remotes (fetch, pull, push), rebase, stash, and
most formatting options (--format, --graph, --decorate).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError
from pagerdrill.world.git import (
    Commit,
    FileDiff,
    Repository,
    RevisionError,
    Signature,
    diff_trees,
    find_repository,
    parse_since,
)

__all__ = ["NOT_A_REPO", "git"]

NOT_A_REPO = "fatal: not a git repository (or any of the parent directories): .git\n"
_USAGE = ("usage: git [--version] [--help] [-C <path>] [-c <name>=<value>]\n"
          "           [--exec-path[=<path>]] [--html-path] [--man-path] [--info-path]\n"
          "           [-p | --paginate | -P | --no-pager] [--no-replace-objects] [--bare]\n"
          "           [--git-dir=<path>] [--work-tree=<path>] [--namespace=<name>]\n"
          "           [--super-prefix=<path>] [--config-env=<name>=<envvar>]\n"
          "           <command> [<args>]\n")


def _ambiguous(rev: str) -> str:
    return (f"fatal: ambiguous argument '{rev}': unknown revision or path not in the working "
            "tree.\nUse '--' to separate paths from revisions, like this:\n"
            "'git <command> [<revision>...] -- [<file>...]'\n")


class _Fatal(Exception):
    def __init__(self, text: str, status: int = 128) -> None:
        super().__init__(text)
        self.text = text
        self.status = status


def _options(args: list[str], usage: str, flags: dict[str, str],
             valued: dict[str, str] | None = None) -> tuple[dict[str, str | bool], list[str]]:
    """Git's parse-options: ``-qam msg`` clusters, ``--long``, ``--long=v``; the rest are
    operands. ``flags``/``valued`` map ``-x``/``--xyz`` to a destination."""
    valued = valued or {}
    found: dict[str, str | bool] = {}
    rest: list[str] = []
    i = 0

    def unknown(what: str, name: str) -> _Fatal:
        return _Fatal(f"error: unknown {what} `{name}'\n{usage}", 129)

    while i < len(args):
        arg, i = args[i], i + 1
        if arg == "--":
            rest += args[i:]
            break
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if name in valued:
                if not eq:
                    if i >= len(args):
                        raise _Fatal(f"error: option `{name[2:]}' requires a value\n", 129)
                    value, i = args[i], i + 1
                found[valued[name]] = value
            elif name in flags and not eq:
                found[flags[name]] = True
            else:
                raise unknown("option", arg[2:])
        elif arg.startswith("-") and len(arg) > 1:
            for j, char in enumerate(arg[1:], 1):
                if f"-{char}" in valued:
                    value = arg[j + 1:]
                    if not value:
                        if i >= len(args):
                            raise _Fatal(f"error: switch `{char}' requires a value\n", 129)
                        value, i = args[i], i + 1
                    found[valued[f"-{char}"]] = value
                    break
                if f"-{char}" not in flags:
                    raise unknown("switch", char)
                found[flags[f"-{char}"]] = True
        else:
            rest.append(arg)
    return found, rest


class _Ctx:
    def __init__(self, inv: Invocation, repo: Repository, cwd: str) -> None:
        self.inv = inv
        self.repo = repo
        self.cwd = cwd

    def rel(self, path: str) -> str:
        """A user path as a path inside the repository."""
        full = posixpath.normpath(posixpath.join(self.cwd, path))
        rel = posixpath.relpath(full, self.repo.root)
        if rel.startswith(".."):
            raise _Fatal(f"fatal: {path}: '{path}' is outside repository at "
                         f"'{self.repo.root}'\n")
        return "" if rel == "." else rel

    def shown(self, repo_path: str) -> str:
        """A repository path as git prints it relative to the current directory."""
        return posixpath.relpath(posixpath.join(self.repo.root, repo_path), self.cwd)

    def resolve(self, rev: str) -> Commit:
        try:
            return self.repo.resolve(rev)
        except RevisionError:
            raise _Fatal(_ambiguous(rev)) from None


def _date(sig: Signature) -> str:
    when = sig.when
    return f"{when:%a %b} {when.day} {when:%H:%M:%S %Y} {sig.tz}"


def _header(commit: Commit) -> str:
    body = "".join(f"    {line}".rstrip(" ") + "\n" if line else "    \n"
                   for line in commit.message.rstrip("\n").split("\n"))
    return (f"commit {commit.sha}\nAuthor: {commit.author.name} <{commit.author.email}>\n"
            f"Date:   {_date(commit.author)}\n\n{body}")


def _patch(diffs: list[FileDiff]) -> str:
    out: list[str] = []
    for d in diffs:
        out.append(f"diff --git a/{d.path} b/{d.path}\n")
        if d.status == "A":
            out.append(f"new file mode {d.mode}\nindex 0000000..{d.new_id[:7]}\n"
                       f"--- /dev/null\n+++ b/{d.path}\n")
        elif d.status == "D":
            out.append(f"deleted file mode {d.mode}\nindex {d.old_id[:7]}..0000000\n"
                       f"--- a/{d.path}\n+++ /dev/null\n")
        else:
            out.append(f"index {d.old_id[:7]}..{d.new_id[:7]} {d.mode}\n"
                       f"--- a/{d.path}\n+++ b/{d.path}\n")
        out.extend(d.lines)
    return "".join(out)


def _stat(diffs: list[FileDiff], width: int = 80) -> str:
    if not diffs:
        return ""
    name_w = max(len(d.path) for d in diffs)
    changes = [d.insertions + d.deletions for d in diffs]
    count_w = len(str(max(changes)))
    room = max(width - name_w - count_w - 5, 10)
    biggest = max(changes)
    lines = []
    for d, total in zip(diffs, changes, strict=True):
        plus, minus = d.insertions, d.deletions
        if biggest > room:  # scale the bar as git does, keeping at least one mark
            plus = max(1, plus * room // biggest) if plus else 0
            minus = max(1, minus * room // biggest) if minus else 0
        lines.append(f" {d.path.ljust(name_w)} | {str(total).rjust(count_w)} "
                     f"{'+' * plus}{'-' * minus}".rstrip() + "\n")
    ins, dels = sum(d.insertions for d in diffs), sum(d.deletions for d in diffs)
    summary = f" {len(diffs)} file{'s' if len(diffs) != 1 else ''} changed"
    if ins or not dels:
        summary += f", {ins} insertion{'s' if ins != 1 else ''}(+)"
    if dels:
        summary += f", {dels} deletion{'s' if dels != 1 else ''}(-)"
    return "".join(lines) + summary + "\n"


def _split_paths(args: list[str]) -> tuple[list[str], list[str] | None]:
    if "--" in args:
        cut = args.index("--")
        return args[:cut], args[cut + 1:]
    return args, None


# -- subcommands --------------------------------------------------------------


def _log(ctx: _Ctx, args: list[str]) -> Iterator[str]:
    args, paths = _split_paths(args)
    oneline = patch = stat = False
    limit: int | None = None
    since: int | None = None
    revs: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--oneline":
            oneline = True
        elif arg in ("-p", "-u", "--patch"):
            patch = True
        elif arg == "--stat":
            stat = True
        elif arg in ("-n", "--max-count") and i < len(args):
            limit, i = _int(args[i]), i + 1
        elif arg.startswith("--max-count="):
            limit = _int(arg.partition("=")[2])
        elif re.fullmatch(r"-n?\d+", arg):
            limit = _int(arg.lstrip("-n"))
        elif arg.startswith(("--since=", "--after=")):
            since = _since(ctx, arg.partition("=")[2])
        elif arg in ("--since", "--after") and i < len(args):
            since, i = _since(ctx, args[i]), i + 1
        elif arg in ("--no-decorate", "--no-color", "--abbrev-commit", "--no-merges"):
            continue
        elif arg.startswith("-"):
            raise _Fatal(f"fatal: unrecognized argument: {arg}\n")
        else:
            revs.append(arg)
    if paths is None:
        paths = _revs_or_paths(ctx, revs)
    start = ctx.resolve(revs[0]) if revs else None
    rel_paths = [ctx.rel(p) for p in paths]
    commits = ctx.repo.log(start, rel_paths, since)
    if limit is not None:
        commits = commits[:limit]
    for n, commit in enumerate(commits):
        diffs = (diff_trees(ctx.repo.parent_files(commit), commit.files, rel_paths,
                            modes=ctx.repo.modes) if patch or stat else [])
        if oneline:
            yield f"{commit.short} {commit.subject}\n"
            if stat:
                yield _stat(diffs)
            if patch:
                yield _patch(diffs)
            continue
        yield ("\n" if n else "") + _header(commit)
        if stat and diffs:
            yield "\n" + _stat(diffs)
        if patch and diffs:
            yield "\n" + _patch(diffs)


def _int(text: str) -> int:
    if not text.lstrip("-").isdigit():
        raise _Fatal(f"fatal: '{text}': not an integer\n")
    return int(text)


def _since(ctx: _Ctx, text: str) -> int:
    value = parse_since(text, ctx.inv.world.clock.now_ms)
    return 0 if value is None else value


def _revs_or_paths(ctx: _Ctx, words: list[str]) -> list[str]:
    """Without ``--``, words that are not revisions must be existing paths."""
    paths: list[str] = []
    for word in list(words):
        try:
            ctx.repo.resolve(word)
        except RevisionError:
            if not ctx.inv.host.fs.exists(posixpath.join(ctx.cwd, word)):
                raise _Fatal(_ambiguous(word)) from None
            words.remove(word)
            paths.append(word)
    return paths


def _show(ctx: _Ctx, args: list[str]) -> Iterator[str]:
    stat = "--stat" in args
    revs = [a for a in args if not a.startswith("-")]
    for rev in revs or ["HEAD"]:
        if ":" in rev:
            commit_rev, _, path = rev.partition(":")
            commit = ctx.resolve(commit_rev or "HEAD")
            rel = path.removeprefix("./")
            rel = ctx.rel(rel) if path.startswith("./") else rel
            if rel not in commit.files:
                raise _Fatal(f"fatal: path '{rel}' does not exist in '{commit_rev or 'HEAD'}'\n")
            yield commit.files[rel].decode(errors="replace")
            continue
        commit = ctx.resolve(rev)
        diffs = diff_trees(ctx.repo.parent_files(commit), commit.files, modes=ctx.repo.modes)
        yield _header(commit)
        if diffs:
            yield "\n" + (_stat(diffs) if stat else _patch(diffs))


def _diff(ctx: _Ctx, args: list[str]) -> Iterator[str]:
    args, paths = _split_paths(args)
    stat = "--stat" in args
    names = "--name-only" in args
    cached = "--cached" in args or "--staged" in args
    words = [a for a in args if not a.startswith("-")]
    for arg in args:
        if arg.startswith("-") and arg not in ("--stat", "--name-only", "--cached", "--staged",
                                               "--no-color", "-p", "-u"):
            raise _Fatal(f"error: invalid option: {arg}\n", 129)
    if paths is None:
        revs = [w for w in words if ".." in w]
        paths = _revs_or_paths(ctx, [w for w in words if ".." not in w])
        words = revs + [w for w in words if ".." not in w and w not in paths]
    work = ctx.repo.worktree(ctx.inv.host.fs)
    head = ctx.repo.head_files()
    if len(words) == 1 and ".." in words[0]:
        left, _, right = words[0].partition("..")
        old = ctx.resolve(left or "HEAD").files
        new = ctx.resolve(right or "HEAD").files
    elif len(words) == 2:
        old, new = ctx.resolve(words[0]).files, ctx.resolve(words[1]).files
    elif len(words) == 1:
        old = ctx.resolve(words[0]).files
        new = head if cached else {p: d for p, d in work.items() if p in head or p in old}
    else:
        old = head
        new = head if cached else {p: d for p, d in work.items() if p in head}
    diffs = diff_trees(old, new, [ctx.rel(p) for p in paths], modes=ctx.repo.modes)
    if names:
        yield "".join(d.path + "\n" for d in diffs)
    elif stat:
        yield _stat(diffs)
    else:
        yield _patch(diffs)


def _blame(ctx: _Ctx, args: list[str]) -> Iterator[str]:
    files = [a for a in args if not a.startswith("-")]
    if not files:
        raise _Fatal("usage: git blame [<options>] [<rev-opts>] [<rev>] [--] <file>\n", 129)
    rel = ctx.rel(files[-1])
    rev = ctx.resolve(files[0]) if len(files) > 1 else None
    try:
        lines = ctx.repo.blame(rel, rev)
    except RevisionError:
        raise _Fatal(f"fatal: no such path '{rel}' in HEAD\n") from None
    author_w = max((len(b.commit.author.name) for b in lines), default=0)
    num_w = len(str(len(lines)))
    for n, line in enumerate(lines, 1):
        sig = line.commit.author
        sha = f"^{line.commit.sha[:7]}" if not line.commit.parents else line.commit.sha[:8]
        text = line.text if line.text.endswith("\n") else line.text + "\n"
        yield (f"{sha} ({sig.name.ljust(author_w)} {sig.when:%Y-%m-%d %H:%M:%S} {sig.tz} "
               f"{str(n).rjust(num_w)}) {text}")


_STATUS_USAGE = "usage: git status [<options>] [--] [<pathspec>...]\n"
_STATUS_FLAGS = {"-s": "short", "--short": "short", "-b": "branch", "--branch": "branch",
                 "--porcelain": "porcelain", "--long": "long", "-z": "nul"}


def _short_status(ctx: _Ctx, porcelain: bool, branch: bool, end: str) -> str:
    """``git status -s``: ``XY path``, X the index against HEAD, Y the work tree."""
    repo = ctx.repo
    status = repo.status(ctx.inv.host.fs)
    codes: dict[str, list[str]] = {}
    for path, kind in status.to_commit:
        codes.setdefault(path, [" ", " "])[0] = kind
    for path in status.modified:
        codes.setdefault(path, [" ", " "])[1] = "M"
    for path in status.deleted:
        codes.setdefault(path, [" ", " "])[1] = "D"
    def shown(path: str) -> str:  # porcelain: from the top of the work tree, as given
        return path if porcelain else ctx.shown(path) + ("/" if path.endswith("/") else "")

    lines = []
    if branch:
        upstream = f"...{repo.upstream}" if repo.upstream else ""
        lines.append(f"## {repo.branch}{upstream}")
    lines += [f"{''.join(codes[p])} {shown(p)}" for p in sorted(codes)]
    lines += [f"?? {shown(p)}" for p in status.untracked]
    return "".join(line + end for line in lines)


def _status(ctx: _Ctx, args: list[str]) -> Iterator[str]:
    found, _paths = _options(args, _STATUS_USAGE, _STATUS_FLAGS)
    short, porcelain = bool(found.get("short")), bool(found.get("porcelain"))
    if short or porcelain or found.get("nul"):
        yield _short_status(ctx, porcelain or not short, bool(found.get("branch")),
                            "\0" if found.get("nul") else "\n")
        return
    repo = ctx.repo
    status = repo.status(ctx.inv.host.fs)
    out = [f"On branch {repo.branch}\n"]
    if repo.upstream:
        out.append(f"Your branch is up to date with '{repo.upstream}'.\n")
    sections: list[str] = []
    kinds = {"A": "new file:   ", "M": "modified:   ", "D": "deleted:    "}
    if status.to_commit:
        sections.append("Changes to be committed:\n"
                        '  (use "git restore --staged <file>..." to unstage)\n'
                        + "".join(f"\t{kinds[k]}{ctx.shown(p)}\n" for p, k in status.to_commit)
                        + "\n")
    changed = status.modified + status.deleted
    if changed:
        verb = "add/rm" if status.deleted else "add"
        sections.append(
            "Changes not staged for commit:\n"
            f'  (use "git {verb} <file>..." to update what will be committed)\n'
            '  (use "git restore <file>..." to discard changes in working directory)\n'
            + "".join(f"\t{kinds['D' if p in status.deleted else 'M']}{ctx.shown(p)}\n"
                      for p in sorted(changed)) + "\n")
    if status.untracked:
        sections.append("Untracked files:\n"
                        '  (use "git add <file>..." to include in what will be committed)\n'
                        + "".join(f"\t{ctx.shown(p)}{'/' if p.endswith('/') else ''}\n"
                                  for p in status.untracked) + "\n")
    if sections and repo.upstream:
        out.append("\n")
    out.extend(sections)
    if status.to_commit:
        pass
    elif changed:
        out.append('no changes added to commit (use "git add" and/or "git commit -a")\n')
    elif status.untracked:
        out.append('nothing added to commit but untracked files present (use "git add" to '
                   "track)\n")
    else:
        out.append(("\n" if repo.upstream else "") + "nothing to commit, working tree clean\n")
    yield "".join(out)


_COMMIT_USAGE = "usage: git commit [<options>] [--] <pathspec>...\n"
_COMMIT_FLAGS = {"-a": "all", "--all": "all", "-q": "quiet", "--quiet": "quiet",
                 "-v": "verbose", "--verbose": "verbose", "--no-verify": "no_verify",
                 "-n": "no_verify", "--no-edit": "no_edit"}


def _commit(ctx: _Ctx, args: list[str]) -> Iterator[str]:
    found, _paths = _options(args, _COMMIT_USAGE, _COMMIT_FLAGS,
                             {"-m": "message", "--message": "message"})
    message = str(found.get("message", ""))
    all_ = bool(found.get("all"))
    repo = ctx.repo
    staged: dict[str, bytes | None] = dict(repo.staged)
    if all_:
        status = repo.status(ctx.inv.host.fs)
        work = repo.worktree(ctx.inv.host.fs)
        staged.update({p: work[p] for p in status.modified})
        staged.update(dict.fromkeys(status.deleted))
    if not staged:
        yield from _status(ctx, [])
        raise _Fatal("", 1)
    if not message:
        raise _Fatal("Aborting commit due to empty commit message.\n", 1)
    env = ctx.inv.env
    user = ctx.inv.user
    sig = Signature(env.get("GIT_AUTHOR_NAME", user),
                    env.get("GIT_AUTHOR_EMAIL", f"{user}@{ctx.inv.host.name}"),
                    ctx.inv.world.clock.now_ms)
    commit = repo.commit(message, sig, staged)
    repo.staged.clear()
    diffs = diff_trees(repo.parent_files(commit), commit.files)
    summary = _stat(diffs).splitlines()[-1] if diffs else ""
    if not found.get("quiet"):
        yield f"[{repo.branch} {commit.short}] {commit.subject}\n{summary}\n"


def _add(ctx: _Ctx, args: list[str]) -> Iterator[str]:
    work = ctx.repo.worktree(ctx.inv.host.fs)
    for arg in (a for a in args if not a.startswith("-")):
        rel = ctx.rel(arg)
        matched = {p: d for p, d in work.items() if p == rel or p.startswith(rel + "/") or not rel}
        if not matched and rel not in ctx.repo.head_files():
            raise _Fatal(f"fatal: pathspec '{arg}' did not match any files\n")
        ctx.repo.staged.update(matched)
    yield ""


def _restore(ctx: _Ctx, args: list[str]) -> Iterator[str]:
    fs = ctx.inv.host.fs
    for arg in (a for a in args if not a.startswith("-") and a != "--"):
        rel = ctx.rel(arg)
        head = ctx.repo.head_files()
        if rel not in head:
            raise _Fatal(f"error: pathspec '{arg}' did not match any file(s) known to git\n", 1)
        path = posixpath.join(ctx.repo.root, rel)
        try:
            inode = fs.lookup(path) if fs.exists(path) else fs.create(path)
            fs.write(inode, head[rel], append=False, path=path)
        except FsError as error:
            raise _Fatal(f"error: unable to write file {rel}: {error.strerror}\n", 1) from None
    yield ""


_SUBCOMMANDS: dict[str, Callable[[_Ctx, list[str]], Iterator[str]]] = {
    "log": _log, "show": _show, "diff": _diff, "blame": _blame, "status": _status,
    "commit": _commit, "add": _add, "restore": _restore,
}
_NO_REPO_OK = ("version", "--version", "help", "--help")


@command("git")
def git(inv: Invocation) -> CommandOutput:
    """git - the stupid content tracker (log, show, diff, blame, status)."""
    args = list(inv.args)
    cwd = inv.cwd
    while args and args[0] in ("-C", "--no-pager", "-P", "-c"):
        flag = args.pop(0)
        if flag in ("-C", "-c") and not args:
            inv.stderr.write(f"error: switch `{flag[1]}' requires a value\n" + _USAGE)
            return 129
        if flag == "-C":
            cwd = posixpath.normpath(posixpath.join(cwd, args.pop(0)))
        elif flag == "-c":
            args.pop(0)
    if not args:
        inv.stderr.write(_USAGE)
        return 1
    sub, rest = args[0], args[1:]
    if sub in ("version", "--version"):
        yield b"git version 2.39.5\n"
        return 0
    if sub not in _SUBCOMMANDS:
        inv.stderr.write(f"git: '{sub}' is not a git command. See 'git --help'.\n")
        return 1
    if inv.host.fs.exists(cwd) is False:
        inv.stderr.write(f"fatal: cannot change to '{cwd}': No such file or directory\n")
        return 128
    repo = find_repository(inv.host, cwd)
    if repo is None:
        inv.stderr.write(NOT_A_REPO)
        return 128
    ctx = _Ctx(inv, repo, cwd)
    try:
        for text in _SUBCOMMANDS[sub](ctx, rest):
            if text:
                yield text.encode()
    except _Fatal as fatal:
        inv.stderr.write(fatal.text)
        return fatal.status
    return 0
