"""logrotate: its configuration language, the policy for one log, and the daily run.

Enough of logrotate(8) to answer the question a disk-full incident asks: given
this configuration and this write rate, is the log bounded, and by how much?
Directives are read from ``/etc/logrotate.conf`` (global defaults, Debian's
``weekly`` / ``rotate 4``) and every file its ``include`` names. The daily run
rotates what is due (time or size), honouring ``copytruncate``, ``compress``,
``delaycompress``, ``rotate`` and ``maxage``.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pagerdrill.world.content import FileContent, TextSource
from pagerdrill.world.errors import FsError
from pagerdrill.world.rng import Rng, derive_seed

if TYPE_CHECKING:
    from pagerdrill.world.host import Host
    from pagerdrill.world.world import Rule, World

__all__ = [
    "COMPRESSION_RATIO",
    "DEBIAN_LOGROTATE_CONF",
    "GzipContent",
    "LogPolicy",
    "Stanza",
    "bound_bytes",
    "gzip_content",
    "gzip_original",
    "load_stanzas",
    "logrotate_rule",
    "parse_config",
    "parse_size",
    "policy_for",
    "rotate_now",
]

COMPRESSION_RATIO = 0.1  # text logs gzip about 10:1
_DAY_MS = 86_400_000
_PERIOD_DAYS = {"hourly": 1 / 24, "daily": 1.0, "weekly": 7.0, "monthly": 31.0, "yearly": 366.0}

DEBIAN_LOGROTATE_CONF = """\
# see "man logrotate" for details

# global options do not affect preceding include directives

# rotate log files weekly
weekly

# keep 4 weeks worth of backlogs
rotate 4

# create new (empty) log files after rotating old ones
create

# use date as a suffix of the rotated file
#dateext

# uncomment this if you want your log files compressed
#compress

# packages drop log rotation information into this directory
include /etc/logrotate.d

# system-specific logs may also be configured here.
"""


def parse_size(text: str) -> int | None:
    """``100k``, ``100M``, ``1G`` or bytes, as logrotate reads sizes."""
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", text.strip())
    if not match:
        return None
    unit = match.group(2).lower()
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit]


@dataclass
class LogPolicy:
    """The effective directives for one log file."""

    frequency: str = "weekly"
    rotate: int = 0
    size: int | None = None  # rotate when bigger, instead of by time
    maxsize: int | None = None  # rotate when bigger, even before the period
    minsize: int | None = None
    maxage: int | None = None
    compress: bool = False
    delaycompress: bool = False
    copytruncate: bool = False
    missingok: bool = False
    notifempty: bool = False

    @property
    def period_days(self) -> float:
        return _PERIOD_DAYS.get(self.frequency, 7.0)


@dataclass
class Stanza:
    patterns: list[str]
    policy: LogPolicy
    source: str = ""


_BOOLEANS = {"compress": ("compress", True), "nocompress": ("compress", False),
             "delaycompress": ("delaycompress", True),
             "nodelaycompress": ("delaycompress", False),
             "copytruncate": ("copytruncate", True), "nocopytruncate": ("copytruncate", False),
             "missingok": ("missingok", True), "nomissingok": ("missingok", False),
             "notifempty": ("notifempty", True), "ifempty": ("notifempty", False)}


def _apply(policy: LogPolicy, words: list[str]) -> None:
    key = words[0].lower()
    arg = words[1] if len(words) > 1 else ""
    if key in _PERIOD_DAYS:
        policy.frequency = key
        return
    if key in _BOOLEANS:
        attr, value = _BOOLEANS[key]
        setattr(policy, attr, value)
        return
    if key == "rotate" and re.fullmatch(r"-?\d+", arg):
        policy.rotate = int(arg)
    elif key == "maxage" and arg.isdigit():
        policy.maxage = int(arg)
    elif key in ("size", "maxsize", "minsize"):
        size = parse_size(arg)
        if size is not None:
            setattr(policy, key, size)
            if key == "size":
                policy.frequency = "size"


def parse_config(text: str, defaults: LogPolicy, source: str = "") -> tuple[list[Stanza],
                                                                             LogPolicy, list[str]]:
    """Stanzas, the globals after the file, and the paths it ``include``s."""
    globals_ = replace(defaults)
    stanzas: list[Stanza] = []
    includes: list[str] = []
    current: Stanza | None = None
    pending: list[str] = []
    in_script = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if in_script:
            in_script = line != "endscript"
            continue
        if line in ("postrotate", "prerotate", "firstaction", "lastaction", "preremove"):
            in_script = True
            continue
        if current is None and "{" in line:
            head = line.split("{", 1)[0].split()
            current = Stanza([*pending, *head], replace(globals_), source)
            pending = []
            continue
        if current is None and line.startswith("/"):
            pending.extend(line.split())
            continue
        if line == "}":
            if current is not None:
                stanzas.append(current)
            current = None
            continue
        words = re.split(r"\s+", line.replace("=", " "))
        if current is not None:
            _apply(current.policy, words)
        elif words[0] == "include" and len(words) > 1:
            includes.append(words[1])
        else:
            _apply(globals_, words)
    return stanzas, globals_, includes


def load_stanzas(host: Host) -> list[Stanza]:
    """Every stanza logrotate would see on ``host``, main file first."""
    fs = host.fs

    def read(path: str) -> str | None:
        try:
            return b"".join(fs.read_stream(fs.lookup(path))).decode(errors="replace")
        except FsError:
            return None

    stanzas: list[Stanza] = []
    main = read("/etc/logrotate.conf")
    defaults = LogPolicy()
    found, defaults, includes = parse_config(main or "include /etc/logrotate.d", defaults,
                                             "/etc/logrotate.conf")
    stanzas.extend(found)
    for include in includes:
        try:
            inode = fs.lookup(include)
        except FsError:
            continue
        names = sorted(fs.listdir(inode)) if inode.is_dir else [""]
        for name in names:
            path = posixpath.join(include, name) if name else include
            if name.startswith(".") or name.endswith((".dpkg-old", ".dpkg-dist", "~")):
                continue
            text = read(path)
            if text is not None:
                stanzas.extend(parse_config(text, defaults, path)[0])
    return stanzas


def policy_for(host: Host, log_path: str) -> LogPolicy | None:
    """The policy logrotate applies to ``log_path`` (the last matching stanza wins)."""
    found: LogPolicy | None = None
    for stanza in load_stanzas(host):
        if any(fnmatch.fnmatchcase(log_path, pattern) for pattern in stanza.patterns):
            found = stanza.policy
    return found


def bound_bytes(policy: LogPolicy | None, bytes_per_day: float) -> float | None:
    """Worst-case bytes the log and its rotations hold at this rate; None if unbounded.

    logrotate runs once a day, so a size threshold is only checked daily: the
    live file can reach the threshold plus a day's output before it rotates.
    """
    if policy is None:
        return None
    period = policy.period_days
    if policy.frequency == "size":
        period = float("inf")
    live = bytes_per_day * max(period, 1.0) if period != float("inf") else float("inf")
    threshold = policy.maxsize if policy.maxsize is not None else policy.size
    if threshold is not None:
        live = min(live, threshold + bytes_per_day)
    if live == float("inf"):
        return None
    keep = max(policy.rotate, 0)
    if policy.maxage is not None:
        per_day_files = max(1.0, 1 / max(period, 1 / 24))
        keep = min(keep, int(policy.maxage * per_day_files) + 1) if keep else 0
    ratio = COMPRESSION_RATIO if policy.compress else 1.0
    return live + keep * live * ratio


# -- the daily run -------------------------------------------------------------


def _binary_line(rng: Rng, t_ms: int) -> str:
    del t_ms
    return "".join(chr(rng.randrange(0x21, 0x7F)) for _ in range(rng.randint(40, 120)))


def _binary_pad(rng: Rng, t_ms: int, size: int) -> str:
    del t_ms
    return "".join(chr(rng.randrange(0x21, 0x7F)) for _ in range(size))


class GzipContent(FileContent):
    """A compressed log's stand-in bytes that remember the text they compress.

    ``original`` is the uncompressed content when the model knows it (a rotation
    made it), so ``zcat`` can stream real log text; None for archives whose text
    was never modelled. ``original_name`` is the name gzip records in its header.
    """

    original: FileContent | None = None
    original_name: str = ""


def gzip_content(seed: int, name: str, size: int, t_ms: int,
                 original: FileContent | None = None) -> FileContent:
    """Stand-in bytes for a compressed log of ``size`` bytes (generated, never stored)."""
    source = TextSource(name, seed, _binary_line, t0_ms=t_ms, bytes_per_second=1e9,
                        pad_line=_binary_pad)
    content = GzipContent.generated(source, 0, size)
    assert isinstance(content, GzipContent)
    content.original = original
    base = posixpath.basename(name)
    content.original_name = base[:-3] if base.endswith(".gz") else base
    return content


def gzip_original(content: FileContent | None) -> FileContent | None:
    """The uncompressed text behind a modelled .gz, when the model knows it."""
    return content.original if isinstance(content, GzipContent) else None


def _rotated(base: str, n: int, compress: bool, delay: bool) -> str:
    gz = compress and not (delay and n == 1)
    return f"{base}.{n}{'.gz' if gz else ''}"


def rotate_now(host: Host, log_path: str, policy: LogPolicy) -> bool:
    """Rotate one log as logrotate would; False if it could not (missing, no space)."""
    fs = host.fs
    try:
        live = fs.lookup(log_path)
    except FsError:
        return False
    if live.content is None or (policy.notifempty and live.size == 0):
        return False
    keep = max(policy.rotate, 0)
    for n in range(keep, 0, -1):  # drop the oldest, shift the rest up
        for name in (f"{log_path}.{n}", f"{log_path}.{n}.gz"):
            if not fs.exists(name):
                continue
            if n >= keep:
                fs.unlink(name)
                continue
            target = _rotated(log_path, n + 1, policy.compress, policy.delaycompress)
            if target.endswith(".gz") and not name.endswith(".gz"):  # delaycompress catches up
                plain = fs.lookup(name)
                size = int(plain.size * COMPRESSION_RATIO)
                fs.unlink(name)
                seed = derive_seed(host.world.seed, target, host.clock.now_ms)
                fs.put(target, gzip_content(seed, target, size, host.clock.now_ms,
                                            original=plain.content))
            else:
                fs.rename(name, target)
    if keep == 0:
        if policy.copytruncate:
            fs.truncate(live, 0, path=log_path)
        else:
            fs.unlink(log_path)
            fs.create(log_path, uid=live.uid, gid=live.gid, mode=live.mode)
        return True
    first = _rotated(log_path, 1, policy.compress, policy.delaycompress)
    try:
        if policy.copytruncate:
            copy = live.content.copy()
            if first.endswith(".gz"):
                seed = derive_seed(host.world.seed, first, host.clock.now_ms)
                copy = gzip_content(seed, first, int(live.size * COMPRESSION_RATIO),
                                    host.clock.now_ms, original=copy)
            inode = fs.create(first, uid=live.uid, gid=live.gid, mode=live.mode)
            fs.set_content(inode, copy, path=first)
            fs.truncate(live, 0, path=log_path)
        else:
            fs.rename(log_path, first)
            fs.create(log_path, uid=live.uid, gid=live.gid, mode=live.mode)
    except FsError:
        return False
    return True


@dataclass
class _Daily:
    """The logrotate timer: every day at midnight, rotate what is due."""

    last: dict[str, int] = field(default_factory=dict)
    next_run_ms: int = 0

    def due(self, world: World) -> bool:
        return world.clock.now_ms >= self.next_run_ms

    def run(self, world: World, host: Host) -> None:
        now = world.clock.now_ms
        self.next_run_ms = (now // _DAY_MS + 1) * _DAY_MS
        for stanza in load_stanzas(host):
            for log_path in _matches(host, stanza.patterns):
                policy = stanza.policy
                inode = host.fs.lookup(log_path)
                age_days = (now - self.last.get(log_path, 0)) / _DAY_MS
                by_size = next((t for t in (policy.maxsize, policy.size) if t is not None), None)
                due = (by_size is not None and inode.size > by_size) or (
                    policy.frequency != "size" and age_days >= policy.period_days)
                if due and rotate_now(host, log_path, policy):
                    self.last[log_path] = now
                if policy.maxage is not None:
                    _expire(host, log_path, now - policy.maxage * _DAY_MS)


def _expire(host: Host, log_path: str, cutoff_ms: int) -> None:
    """maxage: remove rotated copies older than the cutoff."""
    directory, base = posixpath.split(log_path)
    for name in host.fs.listdir(host.fs.lookup(directory)):
        if re.fullmatch(re.escape(base) + r"\.\d+(\.gz)?", name):
            path = posixpath.join(directory, name)
            if host.fs.lookup(path).mtime_ms < cutoff_ms:
                host.fs.unlink(path)


def _matches(host: Host, patterns: list[str]) -> list[str]:
    out: list[str] = []
    for pattern in patterns:
        directory, name = posixpath.split(pattern)
        try:
            inode = host.fs.lookup(directory)
            names = host.fs.listdir(inode)
        except FsError:
            continue
        out += [posixpath.join(directory, n) for n in sorted(names)
                if fnmatch.fnmatchcase(n, name) and not re.search(r"\.\d+(\.gz)?$", n)]
    return out


def logrotate_rule(host: Host, last_runs: dict[str, int] | None = None) -> Rule:
    """A world rule running logrotate on ``host`` once a day at midnight UTC."""
    from pagerdrill.world.world import Rule

    daily = _Daily(dict(last_runs or {}))
    daily.next_run_ms = (host.clock.now_ms // _DAY_MS + 1) * _DAY_MS
    return Rule(f"logrotate@{host.name}", lambda world, dt: daily.run(world, host), daily.due)
