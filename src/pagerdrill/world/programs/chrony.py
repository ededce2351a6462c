"""chronyd: the NTP daemon that disciplines a host's system clock.

It reads ``/etc/chrony/chrony.conf`` at start (``server``/``pool`` lines and
``makestep THRESHOLD LIMIT``), takes its first clock update a few seconds after
starting (``iburst``), then one every poll interval. Within the first LIMIT
updates an offset above THRESHOLD is stepped at once (logging "System clock wrong
by" and "System clock was stepped by", as chronyd 4.3 does); later offsets are
slewed at chronyd's default maximum rate (83333 ppm). While running it also
cancels the host's frequency error, so the clock stays within microseconds.
When it stops, the host's clock drifts again and the kernel's sync flag clears.
Started while the world is being built (the ``booting`` fact), it is a daemon that
has run for weeks: synchronised, no start banner.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pagerdrill.world.process import Process, Signal, SignalAction
from pagerdrill.world.rng import Rng, derive_seed
from pagerdrill.world.services import JournalEntry

from .app import BOOTING

if TYPE_CHECKING:
    from pagerdrill.world.host import Host

__all__ = ["CONFIG_PATH", "ChronyConfig", "ChronySource", "Chronyd", "parse_config"]

CONFIG_PATH = "/etc/chrony/chrony.conf"
VERSION = "4.3"
_FEATURES = ("+CMDMON +NTP +REFCLOCK +RTC +PRIVDROP +SCFILTER +SIGND +ASYNCDNS +NTS +SECHASH "
             "+IPV6 -DEBUG")
_FIRST_UPDATE_MS = 6_000  # iburst: four quick samples, then the first clock update
_POLL_S = 64  # poll 6 (2^6 s), where a stable client settles
_MAX_SLEW = 83_333.333e-6  # seconds of correction per second (chronyd's maxslewrate)


@dataclass(frozen=True)
class ChronySource:
    name: str
    ip: str
    stratum: int = 2


@dataclass(frozen=True)
class ChronyConfig:
    sources: tuple[str, ...] = ()
    makestep_threshold_s: float | None = None  # None: never step after the start
    makestep_limit: int = 0


def parse_config(text: str) -> ChronyConfig:
    """The directives chronyd acts on here; unknown ones are ignored, as chronyd warns."""
    sources: list[str] = []
    threshold: float | None = None
    limit = 0
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].split("!", 1)[0].strip()
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if len(words) >= 2 and words[0] in ("server", "pool", "peer"):
            sources.append(words[1])
        elif len(words) >= 3 and words[0] == "makestep":
            try:
                threshold, limit = float(words[1]), int(words[2])
            except ValueError:
                continue
    return ChronyConfig(tuple(sources), threshold, limit)


@dataclass
class _Tracking:
    """What ``chronyc tracking`` reports (times in the host's clock, ms)."""

    ref_time_ms: int = 0
    last_offset_s: float = 0.0
    rms_offset_s: float = 0.0
    updates: int = 0
    samples: int = 0
    last_rx_ms: int = 0
    history: list[float] = field(default_factory=list)


class Chronyd:
    """The Program behind chrony.service's main pid."""

    def __init__(self, config_path: str = CONFIG_PATH, stratum: int = 3) -> None:
        self.config_path = config_path
        self.stratum = stratum
        self.config = ChronyConfig()
        self.sources: list[ChronySource] = []
        self.tracking = _Tracking()
        self.host: Host
        self._pid = 0
        self._unit = ""
        self._started_ms = 0
        self._slew_s = 0.0  # correction still to slew in (seconds; positive: clock is slow)
        self._rng: Rng

    # -- Program -------------------------------------------------------------------

    def start(self, host: Host, proc: Process) -> None:
        self.host = host
        self._pid, self._unit = proc.pid, proc.unit
        proc.argv = ["/usr/sbin/chronyd", "-F", "1"]
        proc.user = "_chrony"
        proc.rss_kb, proc.vsz_kb = 3_400, 18_900
        self._started_ms = host.clock.now_ms
        self._rng = Rng(derive_seed(host.world.seed, host.name, "chronyd", proc.pid))
        self.config = parse_config(self._read(host, self.config_path))
        self.sources = [self._source(host, name) for name in self.config.sources]
        if host.world.facts.get(BOOTING) and self.sources:
            self._settle(host)  # built as running for weeks: no start banner, synchronised
            return
        freq = self._drift_file_ppm(host)
        for message in (f"chronyd version {VERSION} starting ({_FEATURES})",
                        f"Frequency {freq:.3f} +/- {0.012 + self._rng.random() / 10:.3f} ppm "
                        f"read from /var/lib/chrony/chrony.drift",
                        "Using right/UTC timezone to obtain leap second data",
                        "Loaded seccomp filter (level 1)"):
            self._log(message)

    def stop(self, host: Host, proc: Process) -> None:
        self._log("chronyd exiting")
        host.clock_synchronized = False

    def on_signal(self, host: Host, proc: Process, sig: Signal) -> SignalAction:
        return SignalAction.DEFAULT

    def tick(self, host: Host, proc: Process, dt_ms: int) -> None:
        now = host.clock.now_ms
        if not self.sources:
            return
        elapsed = now - self._started_ms
        due = (elapsed >= _FIRST_UPDATE_MS if self.tracking.updates == 0 else
               now - self.tracking.last_rx_ms >= _POLL_S * 1000)
        if self.tracking.updates and host.clock_synchronized:
            # Disciplined: the frequency error is cancelled, the remaining offset slewed.
            host.clock_offset_ms -= dt_ms * host.clock_drift_ppm / 1e6
            self._slew(host, dt_ms)
        if due:
            self._update(host)

    # -- the clock ---------------------------------------------------------------------

    @property
    def synchronised(self) -> bool:
        return self.tracking.updates > 0

    @property
    def selected(self) -> ChronySource | None:
        return self.sources[0] if self.sources and self.synchronised else None

    def offset_s(self) -> float:
        """How far the host's clock is from true time (positive: ahead)."""
        return self.host.clock_offset_ms / 1000

    def makestep(self) -> None:
        """``chronyc makestep``: step away whatever offset remains, now."""
        correction = -self.offset_s()
        if self.synchronised and abs(correction) > 0:
            self._step(self.host, correction)

    def _update(self, host: Host) -> None:
        track = self.tracking
        correction = -self.offset_s()
        if track.updates == 0:
            source = self.sources[0]
            self._log(f"Selected source {source.ip} ({source.name})")
        threshold = self.config.makestep_threshold_s
        if (threshold is not None and track.updates < self.config.makestep_limit
                and abs(correction) > threshold):
            self._log(f"System clock wrong by {correction:.6f} seconds", 4)
            self._step(host, correction)
        elif abs(correction) > 1.0:
            self._log(f"System clock wrong by {correction:.6f} seconds, adjustment started", 4)
            self._slew_s = correction
        else:
            self._slew_s = correction
        track.updates += 1
        track.samples = min(track.samples + (4 if track.updates == 1 else 1), 64)
        track.last_rx_ms = host.clock.now_ms
        track.ref_time_ms = host.now_ms()
        # After a step the next sample sees only the daemon's own noise.
        track.last_offset_s = (-correction if abs(correction) < 1.0
                               else (self._rng.random() - 0.5) * 4e-5)
        track.history = [*track.history, track.last_offset_s][-16:]
        track.rms_offset_s = math.sqrt(sum(x * x for x in track.history) / len(track.history))
        host.clock_synchronized = True

    def _step(self, host: Host, correction: float) -> None:
        residual_ms = (self._rng.random() - 0.5) * 0.05
        host.set_time_ms(host.clock.now_ms)
        host.clock_offset_ms += residual_ms
        self._slew_s = 0.0
        self._log(f"System clock was stepped by {correction:.6f} seconds", 4)

    def _slew(self, host: Host, dt_ms: int) -> None:
        if self._slew_s == 0.0:
            return
        limit = _MAX_SLEW * dt_ms / 1000
        step = max(-limit, min(limit, self._slew_s))
        host.clock_offset_ms += step * 1000
        self._slew_s -= step
        if abs(self._slew_s) < 1e-7:
            self._slew_s = 0.0

    def _settle(self, host: Host) -> None:
        """A daemon that has run for weeks: synchronised, offset in microseconds."""
        track = self.tracking
        track.updates, track.samples = 500, 12
        track.last_rx_ms = host.clock.now_ms - self._rng.randint(5, 60) * 1000
        track.ref_time_ms = host.now_ms() - self._rng.randint(60, 900) * 1000
        track.last_offset_s = (self._rng.random() - 0.5) * 4e-5
        track.rms_offset_s = abs(track.last_offset_s) * 1.7 + 1e-6
        track.history = [track.last_offset_s]
        host.clock_offset_ms = (self._rng.random() - 0.5) * 0.04
        host.clock_synchronized = True

    # -- details ---------------------------------------------------------------------

    def _drift_file_ppm(self, host: Host) -> float:
        """The frequency the last run saved (``driftfile``), as chronyd reads it at start."""
        words = self._read(host, "/var/lib/chrony/chrony.drift").split()
        try:
            return float(words[0]) if words else 0.0
        except ValueError:
            return 0.0

    def _read(self, host: Host, path: str) -> str:
        return host.fs.read_text(path) or ""

    def _source(self, host: Host, name: str) -> ChronySource:
        known = host.world.host(name)
        if known is not None:
            return ChronySource(name, known.spec.ip)
        seed = derive_seed(0, "ntp", name)
        return ChronySource(name, f"10.0.0.{2 + seed % 200}")

    def _log(self, message: str, priority: int = 6) -> None:
        self.host.journal.add(JournalEntry(self.host.now_ms(), "chronyd", message, self._unit,
                                           self._pid, priority))
