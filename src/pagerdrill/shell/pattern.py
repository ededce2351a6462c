"""Shell patterns (``* ? [...]``): pathname expansion and ``${x#pattern}`` matching.

A pattern arrives as characters tagged quoted or not, because ``"*".log`` and
``*.log`` differ only in quoting: quoted characters always match themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pagerdrill.shell.limits import ARG_MAX, ArgListTooLong
from pagerdrill.world.errors import FsError

if TYPE_CHECKING:
    from pagerdrill.world.fs import Cred, FileSystem

__all__ = ["PatternChar", "glob_paths", "has_glob", "pattern_regex"]

PatternChar = tuple[str, bool]  # (character, quoted)

_CLASSES = {
    "alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "digit": "0-9", "lower": "a-z", "upper": "A-Z",
    "space": " \\t\\n\\r\\f\\v", "blank": " \\t",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "xdigit": "0-9a-fA-F", "cntrl": "\\x00-\\x1f\\x7f", "print": "\\x20-\\x7e",
    "graph": "\\x21-\\x7e",
}  # fmt: skip


def has_glob(chars: Sequence[PatternChar]) -> bool:
    return any(c in "*?[" and not quoted for c, quoted in chars)


def _bracket(chars: Sequence[PatternChar], i: int) -> tuple[str, int] | None:
    """Translate ``[...]`` starting at ``chars[i]``; None when it never closes."""
    j = i + 1
    negate = False
    if j < len(chars) and chars[j][0] in "!^" and not chars[j][1]:
        negate = True
        j += 1
    out: list[str] = []
    first = True
    while j < len(chars):
        c, quoted = chars[j]
        if c == "]" and not quoted and not first:
            body = "".join(out)
            return ("[^" if negate else "[") + body + "]", j + 1
        first = False
        if c == "[" and not quoted and j + 1 < len(chars) and chars[j + 1][0] == ":":
            rest = "".join(ch for ch, _ in chars[j + 2 :])
            end = rest.find(":]")
            if end >= 0 and rest[:end] in _CLASSES:
                out.append(_CLASSES[rest[:end]])
                j += 2 + end + 2
                continue
        if c == "-" and not quoted and out and j + 1 < len(chars) and chars[j + 1][0] != "]":
            out.append("-")
        else:
            out.append(re.escape(c) if c in "\\]^-[" else c)
        j += 1
    return None


def pattern_regex(chars: Sequence[PatternChar], *, slash: bool = True) -> str:
    """The regular expression for a pattern; ``slash=False`` keeps ``*`` within a name."""
    any_char = "." if slash else "[^/]"
    out: list[str] = []
    i = 0
    while i < len(chars):
        c, quoted = chars[i]
        if quoted:
            out.append(re.escape(c))
        elif c == "*":
            out.append(any_char + "*")
        elif c == "?":
            out.append(any_char)
        elif c == "[":
            bracket = _bracket(chars, i)
            if bracket is None:
                out.append(re.escape(c))
            else:
                out.append(bracket[0])
                i = bracket[1]
                continue
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _split_components(chars: Sequence[PatternChar]) -> list[list[PatternChar]]:
    parts: list[list[PatternChar]] = [[]]
    for c, quoted in chars:
        if c == "/":
            parts.append([])
        else:
            parts[-1].append((c, quoted))
    return parts


def glob_paths(chars: Sequence[PatternChar], fs: FileSystem, cwd: str, cred: Cred) -> list[str]:
    """Existing paths matching the pattern, sorted in C-locale order."""
    components = _split_components(chars)
    absolute = not components[0] and len(components) > 1
    if absolute:
        components = components[1:]
    # (text as the player will see it, directory path to look things up)
    found: list[str] = ["/" if absolute else ""]
    for index, component in enumerate(components):
        last = index == len(components) - 1
        if not component:
            # ``dir/`` or ``a//b``: a trailing slash keeps only directories.
            found = [p + "/" for p in found if _is_dir(fs, p or ".", cwd, cred)] if last else found
            continue
        nxt: list[str] = []
        if has_glob(component):
            regex = re.compile(pattern_regex(component, slash=False), re.DOTALL)
            hidden_ok = component[0] == (".", False) or component[0][0] == "."
            size = 0  # what execve would need: stop before a million names exist
            for prefix in found:
                for name in _list(fs, prefix or ".", cwd, cred):
                    if name.startswith(".") and not hidden_ok:
                        continue
                    if regex.fullmatch(name):
                        nxt.append(_join(prefix, name))
                        size += len(nxt[-1]) + 9
                        if size > ARG_MAX:
                            raise ArgListTooLong
        else:
            name = "".join(c for c, _ in component)
            for prefix in found:
                path = _join(prefix, name)
                if _exists(fs, path, cwd, cred):
                    nxt.append(path)
        found = nxt
        if not found:
            return []
    return sorted(found, key=lambda p: p.encode())


def _join(prefix: str, name: str) -> str:
    if not prefix:
        return name
    return prefix + name if prefix.endswith("/") else prefix + "/" + name


def _list(fs: FileSystem, path: str, cwd: str, cred: Cred) -> Iterable[str]:
    try:
        inode = fs.lookup(path, cwd, cred=cred)
        if inode.is_lazy and fs.access(inode, 4, cred):
            return iter(inode.entries or ())  # names one at a time, never all at once
        return fs.listdir(inode, cred=cred, path=path)
    except FsError:
        return []


def _exists(fs: FileSystem, path: str, cwd: str, cred: Cred) -> bool:
    try:
        fs.lookup(path, cwd, follow=False, cred=cred)
    except FsError:
        return False
    return True


def _is_dir(fs: FileSystem, path: str, cwd: str, cred: Cred) -> bool:
    try:
        return fs.lookup(path, cwd, cred=cred).is_dir
    except FsError:
        return False
