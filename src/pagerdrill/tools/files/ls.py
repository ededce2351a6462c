"""ls: list directory contents, byte for byte as GNU ls 9.1 prints them."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pagerdrill.tools.api import CommandOutput, Invocation
from pagerdrill.tools.files.common import (
    allowed,
    ceil_div,
    child_path,
    cred_of,
    human,
    is_terminal,
    quote,
)
from pagerdrill.tools.files.lsformat import (
    Entry,
    Layout,
    Painter,
    columns,
    commas,
    long_lines,
    one_per_line,
)
from pagerdrill.tools.files.lslazy import lazy_listing, listable
from pagerdrill.tools.options import Arg, Opt, OptionSpec, ParsedArgs, parsed_with
from pagerdrill.tools.registry import command
from pagerdrill.world.errors import FsError
from pagerdrill.world.fs import Cred, Inode, Kind
from pagerdrill.world.lazydir import LazyEntries

__all__ = ["ls"]

_SPEC = OptionSpec("ls", [
    Opt("a", "all", "hidden", const="all", help="do not ignore entries starting with ."),
    Opt("A", "almost-all", "hidden", const="almost", help="do not list implied . and .."),
    Opt("B", "ignore-backups", "ignore_backups", help="do not list implied entries ending with ~"),
    Opt("c", None, "time", const="ctime", help="sort by, and show, ctime"),
    Opt("C", None, "format", const="vertical", help="list entries by columns"),
    Opt(None, "color", "color", Arg.OPTIONAL, "color the output WHEN", "WHEN", const="always"),
    Opt(None, "colour", "color", Arg.OPTIONAL, "", "WHEN", const="always"),
    Opt("d", "directory", "directory", help="list directories themselves, not their contents"),
    Opt("f", None, "unsorted_all", help="list all entries in directory order"),
    Opt("F", "classify", "classify", Arg.OPTIONAL, "append indicator (one of */=>@|)", "WHEN",
        const="always"),
    Opt(None, "file-type", "indicator", const="file-type", help="likewise, except no '*'"),
    Opt(None, "format", "format", Arg.REQUIRED, "across -x, commas -m, long -l, ...", "WORD"),
    Opt(None, "full-time", "full_time", help="like -l --time-style=full-iso"),
    Opt("g", None, "no_owner", help="like -l, but do not list owner"),
    Opt(None, "group-directories-first", "dirs_first", help="group directories before files"),
    Opt("G", "no-group", "no_group", help="in a long listing, don't print group names"),
    Opt("h", "human-readable", "human", const=1024, help="print sizes like 1K 234M 2G etc."),
    Opt(None, "si", "human", const=1000, help="likewise, but use powers of 1000 not 1024"),
    Opt(None, "hide", "hide", Arg.REQUIRED, "do not list implied entries matching PATTERN",
        "PATTERN"),
    Opt(None, "indicator-style", "indicator", Arg.REQUIRED, "append indicator with style WORD",
        "WORD"),
    Opt("i", "inode", "inode", help="print the index number of each file"),
    Opt("I", "ignore", "ignore", Arg.REQUIRED, "do not list implied entries matching PATTERN",
        "PATTERN"),
    Opt("L", "dereference", "dereference", help="show information for the link's target"),
    Opt("H", "dereference-command-line", "deref_args", help="follow command-line links"),
    Opt("k", "kibibytes", "kibibytes", help="default to 1024-byte blocks"),
    Opt("l", None, "format", const="long", help="use a long listing format"),
    Opt("m", None, "format", const="commas", help="fill width with a comma separated list"),
    Opt("n", "numeric-uid-gid", "numeric", help="like -l, but list numeric user and group IDs"),
    Opt("N", "literal", "quoting", const="literal", help="print entry names without quoting"),
    Opt("o", None, "no_group_long", help="like -l, but do not list group information"),
    Opt("p", None, "indicator", const="slash", help="append / indicator to directories"),
    Opt("q", "hide-control-chars", "hide_control", help="print ? instead of nongraphic chars"),
    Opt("r", "reverse", "reverse", help="reverse order while sorting"),
    Opt("R", "recursive", "recursive", help="list subdirectories recursively"),
    Opt("s", "size", "size", help="print the allocated size of each file, in blocks"),
    Opt("S", None, "sort", const="size", help="sort by file size, largest first"),
    Opt(None, "sort", "sort", Arg.REQUIRED, "sort by WORD instead of name", "WORD"),
    Opt(None, "time", "time", Arg.REQUIRED, "change the default of using modification times",
        "WORD"),
    Opt(None, "time-style", "time_style", Arg.REQUIRED, "time/date format", "TIME_STYLE"),
    Opt("t", None, "sort", const="time", help="sort by time, newest first"),
    Opt("T", "tabsize", "tabsize", Arg.REQUIRED, "assume tab stops at each COLS", "COLS"),
    Opt("u", None, "time", const="atime", help="sort by, and show, access time"),
    Opt("U", None, "sort", const="none", help="do not sort; list entries in directory order"),
    Opt("v", None, "sort", const="version", help="natural sort of (version) numbers"),
    Opt("w", "width", "width", Arg.REQUIRED, "set output width to COLS", "COLS"),
    Opt("x", None, "format", const="horizontal", help="list entries by lines"),
    Opt("X", None, "sort", const="extension", help="sort alphabetically by entry extension"),
    Opt("1", None, "one", help="list one file per line"),
], usage="ls [OPTION]... [FILE]...", usage_status=2,
    description="List information about the FILEs (the current directory by default).\n"
                "Sort entries alphabetically if none of -cftuvSUX nor --sort is specified.")

_SORTS = ("none", "time", "size", "extension", "version", "width")
_FORMATS = {"verbose": "long", "long": "long", "commas": "commas", "horizontal": "horizontal",
            "across": "horizontal", "vertical": "vertical", "single-column": "single"}
_TIMES = {"atime": "atime", "access": "atime", "use": "atime", "ctime": "ctime",
          "status": "ctime", "birth": "birth", "creation": "birth"}


class _BadArg(Exception):
    def __init__(self, status: int = 2) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class _Config:
    fmt: str = "single"
    sort: str = "name"
    reverse: bool = False
    hidden: str = "none"
    ignore: list[str] = field(default_factory=list)
    directory: bool = False
    recursive: bool = False
    dirs_first: bool = False
    dereference: bool = False
    time: str = "mtime"
    layout: Layout = field(default_factory=Layout)


def _invalid(inv: Invocation, what: str, value: str, valid: tuple[tuple[str, ...], ...],
             status: int = 1) -> _BadArg:
    """argmatch's complaint: synonyms share a line of the list of valid arguments."""
    inv.error(f"invalid argument {quote(value)} for {quote(what)}")
    lines = ["Valid arguments are:"] + ["  - " + ", ".join(quote(v) for v in group)
                                        for group in valid]
    inv.stderr.write("\n".join(lines) + "\nTry 'ls --help' for more information.\n")
    return _BadArg(status)


_SORT_ARGS = (("none",), ("time",), ("size",), ("extension",), ("version",), ("width",))
_TIME_ARGS = (("atime", "access", "use"), ("ctime", "status"), ("birth", "creation"))
_FORMAT_ARGS = (("verbose", "long"), ("commas",), ("horizontal", "across"), ("vertical",),
                ("single-column",))
_COLOR_ARGS = (("always", "yes", "force"), ("never", "no", "none"), ("auto", "tty", "if-tty"))
_INDICATOR_ARGS = (("none",), ("slash",), ("file-type",), ("classify",))


def _configure(inv: Invocation, parsed: ParsedArgs) -> _Config:
    cfg = _Config()
    tty = is_terminal(inv)
    cfg.fmt = "vertical" if tty else "single"
    layout = cfg.layout
    layout.quote_names = tty
    explicit_sort = False
    for dest, value in parsed.order:
        text = str(value)
        if dest == "format":
            if text not in _FORMATS.values() and text not in _FORMATS:
                raise _invalid(inv, "--format", text, _FORMAT_ARGS)
            cfg.fmt = _FORMATS.get(text, text)
        elif dest == "one":
            if cfg.fmt != "long":  # GNU: -1 has no effect after -l
                cfg.fmt = "single"
        elif dest in ("no_owner", "no_group_long", "numeric", "full_time"):
            cfg.fmt = "long"
        elif dest == "sort":
            if text not in _SORTS:
                raise _invalid(inv, "--sort", text, _SORT_ARGS)
            cfg.sort, explicit_sort = text, True
        elif dest == "time":
            if text not in _TIMES:
                raise _invalid(inv, "--time", text, _TIME_ARGS)
            cfg.time = _TIMES[text]
        elif dest == "unsorted_all":
            cfg.sort, cfg.hidden, explicit_sort = "none", "all", True
            layout.color = False
            if cfg.fmt == "long":
                cfg.fmt = "vertical" if tty else "single"
        elif dest == "hidden":
            cfg.hidden = text
        elif dest == "indicator":
            if text not in ("none", "slash", "file-type", "classify"):
                raise _invalid(inv, "--indicator-style", text, _INDICATOR_ARGS)
            layout.indicator = text
        elif dest == "classify":
            layout.indicator = "classify" if text in ("always", "yes", "force") or (
                text in ("auto", "tty", "if-tty") and tty) else "none"
        elif dest == "color":
            if text not in ("always", "yes", "force", "never", "no", "none", "auto", "tty",
                            "if-tty"):
                raise _invalid(inv, "--color", text, _COLOR_ARGS)
            layout.color = text in ("always", "yes", "force") or (
                text in ("auto", "tty", "if-tty") and tty)
    cfg.reverse = parsed.flag("reverse")
    cfg.directory = parsed.flag("directory")
    cfg.recursive = parsed.flag("recursive") and not cfg.directory
    cfg.dirs_first = parsed.flag("dirs_first")
    cfg.dereference = parsed.flag("dereference")
    cfg.ignore = parsed.all("ignore")
    if cfg.hidden == "none":
        cfg.ignore += parsed.all("hide")
    if parsed.flag("ignore_backups"):
        cfg.ignore += ["*~", ".*~"]
    if cfg.time != "mtime" and not explicit_sort and cfg.fmt != "long":
        cfg.sort = "time"
    layout.inode = parsed.flag("inode")
    layout.size_blocks = parsed.flag("size")
    layout.human_base = int(str(parsed.values.get("human", 0)))
    layout.owner = not parsed.flag("no_owner")
    layout.group = not (parsed.flag("no_group_long") or parsed.flag("no_group"))
    layout.numeric = parsed.flag("numeric")
    style = "locale"
    for dest, value in parsed.order:  # the later of --time-style and --full-time wins
        if dest == "time_style" and isinstance(value, str):
            style = value
        elif dest == "full_time":
            style = "full-iso"
    style = style.removeprefix("posix-")
    if style not in ("full-iso", "long-iso", "iso", "locale") and cfg.fmt == "long":
        inv.error(f"invalid argument {quote(style)} for 'time style'")
        inv.stderr.write(
            "Valid arguments are:\n  - [posix-]full-iso\n  - [posix-]long-iso\n"
            "  - [posix-]iso\n  - [posix-]locale\n"
            "  - +FORMAT (e.g., +%H:%M) for a 'date'-style format\n"
            "Try 'ls --help' for more information.\n")
        raise _BadArg(2)
    layout.time_style = style
    attr = {"mtime": "mtime_ms", "atime": "atime_ms", "ctime": "ctime_ms", "birth": "mtime_ms"}
    key = attr[cfg.time]
    layout.time_of = lambda inode: int(getattr(inode, key))
    layout.now_ms = inv.world.clock.now_ms
    layout.user_name = inv.host.user_name
    layout.group_name = inv.host.group_name
    layout.width = _number(inv, parsed.get("width") or inv.env.get("COLUMNS", ""), 80,
                           "line width", bool(parsed.get("width")))
    layout.tabsize = _number(inv, parsed.get("tabsize") or "8", 8, "tab size", True)
    return cfg


def _number(inv: Invocation, text: str, default: int, what: str, strict: bool) -> int:
    if text.isdigit():
        return int(text)
    if strict:
        inv.error(f"invalid {what}: {quote(text)}")
        raise _BadArg(2)
    return default


def _natural(name: str) -> list[tuple[int, int | str]]:
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", name) if p]


def _sorter(cfg: _Config) -> Callable[[list[Entry]], list[Entry]]:
    def by_name(e: Entry) -> bytes:
        return e.name.encode()

    def key(e: Entry) -> tuple[object, ...]:
        inode = e.inode
        if cfg.sort == "time":
            return (-cfg.layout.time_of(inode), by_name(e))
        if cfg.sort == "size":
            return (-inode.size, by_name(e))
        if cfg.sort == "extension":
            base = e.name.lstrip(".") if False else e.name
            dot = base.rfind(".")
            ext = base[dot:] if dot > 0 else ""
            return (ext.encode(), by_name(e))
        if cfg.sort == "version":
            return (_natural(e.name), by_name(e))
        return (by_name(e),)

    def apply(entries: list[Entry]) -> list[Entry]:
        result = list(entries)
        if cfg.sort != "none":
            result.sort(key=key, reverse=cfg.reverse)
        elif cfg.reverse:
            result.reverse()
        if cfg.dirs_first:
            result.sort(key=lambda e: not _is_dir(e))
        return result

    return apply


def _is_dir(entry: Entry) -> bool:
    return entry.inode.is_dir or (entry.target is not None and entry.target.is_dir)


def _link_target(inv: Invocation, inode: Inode, path: str) -> Inode | None:
    if inode.kind is not Kind.LINK:
        return None
    try:
        return inv.host.fs.lookup(path, inv.cwd, cred=cred_of(inv))
    except FsError:
        return None


@dataclass
class _Run:
    inv: Invocation
    cfg: _Config
    cred: Cred
    painter: Painter
    sort: Callable[[list[Entry]], list[Entry]]
    out: list[str | Iterator[str]] = field(default_factory=list)  # iterators: big listings
    status: int = 0
    first_dir: bool = True

    def render(self, entries: list[Entry], total: str | None) -> None:
        layout = self.cfg.layout
        if total is not None:
            self.out.append(f"total {total}\n")
        fmt = self.cfg.fmt
        if fmt == "long":
            lines = long_lines(entries, layout, self.painter)
        elif fmt in ("vertical", "horizontal"):
            lines = columns(entries, layout, self.painter, fmt == "vertical")
        elif fmt == "commas":
            lines = commas(entries, layout, self.painter)
        else:
            lines = one_per_line(entries, layout, self.painter)
        self.out.extend(line + "\n" for line in lines)

    def visible(self, name: str) -> bool:
        if name.startswith(".") and self.cfg.hidden == "none":
            return False
        return not any(fnmatch.fnmatchcase(name, p) for p in self.cfg.ignore)

    def list_dir(self, path: str, inode: Inode, header: bool, command_line: bool) -> None:
        if header:
            if not self.first_dir:
                self.out.append("\n")
            self.out.append(f"{path}:\n")
        self.first_dir = False
        if not allowed(inode, self.cred, 4):
            self.inv.error(f"cannot open directory {quote(path)}: Permission denied")
            self.status = 2 if command_line else max(self.status, 1)
            return
        cfg = self.cfg
        fmt = listable(cfg.fmt, cfg.sort, cfg.layout, inode.entries, not (
            cfg.ignore or cfg.recursive or cfg.dirs_first)) if isinstance(
            inode.entries, LazyEntries) else ""
        if fmt:
            self.out.append(lazy_listing(inode, fmt, cfg.sort, cfg.reverse, cfg.hidden == "all",
                                         cfg.layout, self.painter, self.visible))
            return
        entries: list[Entry] = []
        if self.cfg.hidden == "all":
            entries += [Entry(".", inode), Entry("..", inode.parent or inode)]
        for name, child in (inode.entries or {}).items():
            if self.visible(name):
                target = _link_target(self.inv, child, child_path(path, name))
                if target is not None and self.cfg.dereference:
                    child, target = target, None
                entries.append(Entry(name, child, target))
        entries = self.sort(entries)
        total = None
        if self.cfg.fmt == "long" or self.cfg.layout.size_blocks:
            total = self.total(entries)
        self.render(entries, total)
        if self.cfg.recursive:
            for entry in entries:
                if entry.inode.is_dir and entry.name not in (".", ".."):
                    self.list_dir(child_path(path, entry.name), entry.inode, True, False)

    def total(self, entries: list[Entry]) -> str:
        usage = sum(e.inode.usage_bytes for e in entries)
        if self.cfg.layout.human_base:
            return human(usage, base=self.cfg.layout.human_base)
        return str(ceil_div(usage, 1024))


@command("ls", "dir", "vdir")
@parsed_with(_SPEC)
def ls(inv: Invocation, parsed: ParsedArgs) -> CommandOutput:
    """Usage: ls [OPTION]... [FILE]...
    List information about the FILEs (the current directory by default).
    Plain ``ls`` lays names out in columns (COLUMNS wide, default 80) when standard
    output is a terminal, one per line otherwise. Entries of an unsorted (-U)
    listing come in directory insertion order. Huge generated directories (a
    million session files) stream a chunk at a time when sorted by name or time
    or unsorted, without colour or -F. Not supported: -Z, -D,
    -b/-Q/--quoting-style, --hyperlink, --block-size; birth time shows mtime.
    """
    try:
        cfg = _configure(inv, parsed)
    except _BadArg as bad:
        return bad.status
    if inv.argv[0] == "vdir" and not any(d == "format" for d, _ in parsed.order):
        cfg.fmt = "long"
    run = _Run(inv, cfg, cred_of(inv), Painter(cfg.layout.color), _sorter(cfg))
    operands = parsed.operands or ["."]
    files: list[Entry] = []
    dirs: list[Entry] = []
    deref = not (cfg.fmt == "long" or cfg.directory or cfg.layout.indicator == "classify")
    follow_all = cfg.dereference or parsed.flag("deref_args")
    for path in operands:
        try:
            inode = inv.host.fs.lookup(path, inv.cwd, follow=False, cred=run.cred)
        except FsError as error:
            inv.error(f"cannot access {quote(path)}: {error.strerror}")
            run.status = 2
            continue
        target = _link_target(inv, inode, path)
        if target is not None and (follow_all or (
                (deref or path.endswith("/")) and target.is_dir)):
            inode, target = target, None
        entry = Entry(path, inode, target)
        (dirs if inode.is_dir and not cfg.directory else files).append(entry)
    files, dirs = run.sort(files), run.sort(dirs)
    if files:
        run.render(files, None)
        if dirs:
            run.out.append("\n")
    header = len(operands) > 1 or cfg.recursive
    for entry in dirs:
        run.list_dir(entry.name, entry.inode, header, True)
    text: list[str] = []
    for item in run.out:
        if isinstance(item, str):
            text.append(item)
            continue
        if text:
            yield "".join(text).encode()
            text.clear()
        for chunk in item:
            yield chunk.encode()
    if text:
        yield "".join(text).encode()
    return run.status
