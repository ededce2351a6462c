"""Reading nginx's configuration files: ``ngx_conf_read_token`` and ``ngx_conf_parse``.

The tokenizer is a port of nginx's, so quoting, escapes, comments and line numbers
behave as nginx's do; ``include`` (with globs) reads further files; each directive is
checked against the table in :mod:`nginxdirectives` as it is read.
"""

from __future__ import annotations

import errno
import fnmatch
import posixpath
from dataclasses import dataclass

from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import FileSystem

from .nginxdirectives import BLOCK_RAW, Context, check_directive

__all__ = ["PREFIX", "ConfigNode", "NginxConfigError", "read_tree"]

PREFIX = "/etc/nginx/"


class NginxConfigError(Exception):
    """A configuration nginx refuses; ``str()`` is its message without ``nginx: ``."""


# -- the tokenizer (ngx_conf_read_token) ---------------------------------------------------

_OK, _BLOCK_START, _BLOCK_DONE, _FILE_DONE = "ok", "{", "}", "eof"
_SPACE = " \t\r\n"


class _Reader:
    def __init__(self, path: str, text: str) -> None:
        self.path, self.text, self.pos, self.line = path, text, 0, 1

    def fail(self, message: str) -> NginxConfigError:
        return NginxConfigError(f"[emerg] {message} in {self.path}:{self.line}")

    def token(self) -> tuple[str, list[str]]:
        """The next statement's words and how it ended (``;``, ``{``, ``}`` or end of file)."""
        text, words = self.text, list[str]()
        need_space = quoted = sharp = variable = d_quoted = s_quoted = False
        last_space = True
        start = 0
        while True:
            if self.pos >= len(text):
                if words or not last_space:
                    raise self.fail('unexpected end of file, expecting ";" or "}"')
                return _FILE_DONE, words
            ch = text[self.pos]
            self.pos += 1
            if ch == "\n":
                self.line += 1
                sharp = False
            if sharp:
                continue
            if quoted:
                quoted = False
                continue
            if need_space:
                if ch in _SPACE:
                    last_space, need_space = True, False
                    continue
                if ch == ";":
                    return _OK, words
                if ch == "{":
                    return _BLOCK_START, words
                if ch == ")":
                    last_space, need_space = True, False
                else:
                    raise self.fail(f'unexpected "{ch}"')
            if last_space:
                if ch in _SPACE:
                    continue
                start = self.pos - 1
                if ch in ";{":
                    if not words:
                        raise self.fail(f'unexpected "{ch}"')
                    return (_BLOCK_START if ch == "{" else _OK), words
                if ch == "}":
                    if words:
                        raise self.fail('unexpected "}"')
                    return _BLOCK_DONE, words
                if ch == "#":
                    sharp = True
                    continue
                last_space = False
                if ch == "\\":
                    quoted = True
                elif ch == '"':
                    start += 1
                    d_quoted = True
                elif ch == "'":
                    start += 1
                    s_quoted = True
                continue
            if ch == "{" and variable:
                continue
            variable = False
            if ch == "\\":
                quoted = True
                continue
            if ch == "$":
                variable = True
                continue
            found = False
            if d_quoted:
                if ch == '"':
                    d_quoted, need_space, found = False, True, True
            elif s_quoted:
                if ch == "'":
                    s_quoted, need_space, found = False, True, True
            elif ch in _SPACE or ch in ";{":
                last_space, found = True, True
            if found:
                words.append(_unescape(text[start:self.pos - 1]))
                if ch == ";":
                    return _OK, words
                if ch == "{":
                    return _BLOCK_START, words


def _unescape(raw: str) -> str:
    out, i = [], 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            if nxt in "\"'\\":
                out.append(nxt)
                i += 2
                continue
            if nxt in "trn":
                out.append({"t": "\t", "r": "\r", "n": "\n"}[nxt])
                i += 2
                continue
        out.append(ch)
        i += 1
    return "".join(out)


# -- the parse: statements into a tree of (name, args, children, file, line) -------------------


@dataclass
class ConfigNode:
    name: str
    args: list[str]
    file: str
    line: int
    children: list[ConfigNode] | None = None
    end_line: int = 0  # the line of a block's closing "}"


class _Parser:
    def __init__(self, fs: FileSystem) -> None:
        self.fs = fs
        self.files: list[tuple[str, str]] = []

    def read(self, path: str, reader: _Reader | None) -> str:
        try:
            inode = self.fs.lookup(path)
            if inode.is_dir:
                raise FsError(errno.EISDIR, path)
            content = inode.content
            text = content.read(0, content.size).decode(errors="replace") if content else ""
        except FsError as error:
            where = f" in {reader.path}:{reader.line}" if reader is not None else ""
            raise NginxConfigError(f'[emerg] open() "{path}" failed ({error.errno}: '
                                   f"{error.strerror}){where}") from None
        self.files.append((path, text))
        return text

    def parse_file(self, path: str, ctx: Context, parent: _Reader | None) -> list[ConfigNode]:
        reader = _Reader(path, self.read(path, parent))
        return self.block(reader, ctx, top=True)

    def block(self, reader: _Reader, ctx: Context, *, top: bool) -> list[ConfigNode]:
        nodes: list[ConfigNode] = []
        while True:
            how, words = reader.token()
            if how == _FILE_DONE:
                if not top:
                    raise reader.fail('unexpected end of file, expecting "}"')
                return nodes
            if how == _BLOCK_DONE:
                if top:
                    raise reader.fail('unexpected "}"')
                return nodes
            name, line = words[0], reader.line
            problem = check_directive(name, ctx, words[1:], block=how == _BLOCK_START)
            if problem is not None:
                raise reader.fail(problem)
            if name == "include":
                nodes.extend(self.include(reader, words[1], ctx))
                continue
            node = ConfigNode(name, words[1:], reader.path, line)
            if how == _BLOCK_START:
                inner = BLOCK_RAW if name in ("types", "map") else _inner_context(name, ctx)
                node.children = self.block(reader, inner, top=False)
                node.end_line = reader.line
            nodes.append(node)

    def include(self, reader: _Reader, pattern: str, ctx: Context) -> list[ConfigNode]:
        path = pattern if pattern.startswith("/") else PREFIX + pattern
        if not any(c in path for c in "*?["):
            return self.parse_file(path, ctx, reader)
        directory, glob = posixpath.split(path)
        try:
            names = self.fs.listdir(self.fs.lookup(directory))
        except FsError:
            names = []  # nginx globs with GLOB_NOCHECK off and tolerates no match
        nodes: list[ConfigNode] = []
        for name in sorted(n for n in names if fnmatch.fnmatchcase(n, glob) and n[0] != "."):
            nodes.extend(self.parse_file(posixpath.join(directory, name), ctx, reader))
        return nodes


def _inner_context(name: str, ctx: Context) -> Context:
    return {"events": Context.EVENTS, "http": Context.HTTP, "server": Context.SERVER,
            "upstream": Context.UPSTREAM, "location": Context.LOCATION,
            "if": Context.LOCATION}.get(name, ctx)


def read_tree(fs: FileSystem, path: str) -> tuple[list[ConfigNode], list[tuple[str, str]]]:
    """The main file's directives (includes expanded) and every file read with its text."""
    parser = _Parser(fs)
    return parser.parse_file(path, Context.MAIN, None), parser.files
