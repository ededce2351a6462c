"""Metric time series, alert rules and the incident channel.

Metrics are sampled from world state every scrape interval; alerts are rules on
the latest samples with a ``for`` duration, firing and resolving like
Prometheus Alertmanager; chat messages are posted at times or when a condition
first holds. All of it is data the front ends read; none of it renders text.

A gauge may also have a :class:`History`: samples before the page, backfilled
when the world is built so dashboards show how the incident came about. They
sit in the same series, before the live samples; alerts never look at them
(alert conditions read the world, and are only evaluated from the first scrape).
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, overload

if TYPE_CHECKING:
    from pagerdrill.world.rng import Rng
    from pagerdrill.world.world import World

__all__ = [
    "Alert",
    "AlertRule",
    "ChatMessage",
    "ChatRule",
    "Gauge",
    "History",
    "Sample",
    "Series",
    "Telemetry",
    "WorldEvent",
    "piecewise_linear",
]

Probe = Callable[["World"], float]
Condition = Callable[["World"], bool]


@dataclass(frozen=True)
class Sample:
    t_ms: int
    value: float


class Series(Sequence[Sample]):
    """A gauge's samples in time order, stored as two arrays: 16 bytes a sample.

    Reads like a list of :class:`Sample` (index, slice, iterate, ``len``); a day of
    minutely history costs 24 KiB instead of the 224 KiB a list of Sample objects takes.
    """

    __slots__ = ("_t", "_v")

    def __init__(self, samples: Iterable[Sample] = ()) -> None:
        self._t = array("q")
        self._v = array("d")
        for sample in samples:
            self.append(sample)

    def append(self, sample: Sample) -> None:
        self.add(sample.t_ms, sample.value)

    def add(self, t_ms: int, value: float) -> None:
        if self._t and t_ms < self._t[-1]:
            raise ValueError(f"sample at {t_ms} is before the last one ({self._t[-1]})")
        self._t.append(t_ms)
        self._v.append(value)

    def __len__(self) -> int:
        return len(self._t)

    @overload
    def __getitem__(self, index: int) -> Sample: ...

    @overload
    def __getitem__(self, index: slice) -> list[Sample]: ...

    def __getitem__(self, index: int | slice) -> Sample | list[Sample]:
        if isinstance(index, slice):
            return [Sample(t, v) for t, v in zip(self._t[index], self._v[index], strict=True)]
        return Sample(self._t[index], self._v[index])

    def __iter__(self) -> Iterator[Sample]:
        return (Sample(t, v) for t, v in zip(self._t, self._v, strict=True))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Series):
            return self._t == other._t and self._v == other._v
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Series({list(self)!r})"

    def since(self, t_ms: int) -> list[Sample]:
        """The samples at or after ``t_ms`` (a dashboard's window)."""
        return self[bisect.bisect_left(self._t, t_ms):]


@dataclass(frozen=True)
class History:
    """How a gauge looked before the page, sampled every ``step_ms`` over ``span_ms``.

    The samples fall on a grid that ends one step before the page; the last
    ``recent_ms`` before the page are sampled at the scrape interval instead, as a
    TSDB keeps recent data at full resolution and older data downsampled, so the
    last minutes look like the live samples that follow them. ``value_at``
    gives each value; with ``join_from`` (an instant and value before the page),
    it is asked only up to that instant and the series then runs in a straight
    line to the gauge's first live sample, so past and present meet. ``noise``
    scales each sample by a factor drawn in ``1 ± noise`` from the RNG given to
    :meth:`Telemetry.backfill`; ``low``/``high`` clamp the result (0-100 for %).
    """

    span_ms: int
    step_ms: int
    value_at: Callable[[int], float]
    join_from: tuple[int, float] | None = None
    noise: float = 0.0
    low: float | None = None
    high: float | None = None
    recent_ms: int = 0

    def times(self, page_ms: int, scrape_ms: int) -> list[int]:
        """The instants sampled, in order: coarse over the span, fine over ``recent_ms``."""
        recent = min(self.recent_ms, self.span_ms)
        fine_from = page_ms - recent
        coarse = [page_ms - k * self.step_ms for k in range(self.span_ms // self.step_ms, 0, -1)
                  if page_ms - k * self.step_ms < fine_from]
        fine = [page_ms - k * scrape_ms for k in range(recent // scrape_ms, 0, -1)] \
            if recent and scrape_ms > 0 else []
        return coarse + fine

    def clamp(self, value: float) -> float:
        if self.low is not None:
            value = max(self.low, value)
        if self.high is not None:
            value = min(self.high, value)
        return value


def piecewise_linear(points: Sequence[tuple[int, float]]) -> Callable[[int], float]:
    """``t_ms -> value`` through ``points`` (in time order): flat before the first and
    after the last, a straight line between neighbours; two points at the same
    instant make a step (a restart that drops memory at once)."""
    if not points:
        raise ValueError("piecewise_linear needs at least one point")
    times = [t for t, _ in points]
    if any(b < a for a, b in itertools.pairwise(times)):
        raise ValueError("points must be in time order")

    def value_at(t_ms: int) -> float:
        i = bisect.bisect_right(times, t_ms)
        if i == 0:
            return points[0][1]
        if i == len(points):
            return points[-1][1]
        (t0, v0), (t1, v1) = points[i - 1], points[i]
        return v0 + (v1 - v0) * (t_ms - t0) / (t1 - t0)

    return value_at


@dataclass
class _Join:
    """Backfilled instants still waiting for the first live sample to be joined to it."""

    t_ms: int  # the last known point
    value: float
    times: array[int]
    factors: array[float]
    history: History


@dataclass(frozen=True)
class Gauge:
    name: str  # "disk_used_percent{host=web-01,mount=/}"
    title: str
    unit: str
    probe: Probe


@dataclass(frozen=True)
class AlertRule:
    name: str
    severity: str
    summary: str
    condition: Condition
    for_ms: int = 0


@dataclass
class Alert:
    rule: AlertRule
    state: str = "inactive"  # inactive | pending | firing
    pending_since_ms: int | None = None
    fired_at_ms: int | None = None
    resolved_at_ms: int | None = None
    history: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class ChatMessage:
    t_ms: int
    author: str
    text: str


@dataclass
class ChatRule:
    author: str
    text: str
    at_ms: int | None = None  # offset from the page
    when: Condition | None = None
    posted: bool = False


@dataclass(frozen=True)
class WorldEvent:
    """Something the player should be told about between commands."""

    t_ms: int
    kind: str  # "alert-firing" | "alert-resolved" | "chat"
    text: str
    source: str = ""


class Telemetry:
    def __init__(self, scrape_ms: int = 10_000) -> None:
        self.scrape_ms = scrape_ms
        self.gauges: dict[str, Gauge] = {}
        self.series: dict[str, Series] = {}
        self.alerts: dict[str, Alert] = {}
        self.chat_rules: list[ChatRule] = []
        self.chat: list[ChatMessage] = []
        self.events: list[WorldEvent] = []
        self.page_ms = 0
        self._last_scrape_ms: int | None = None
        self._joins: dict[str, _Join] = {}

    def add_gauge(self, gauge: Gauge) -> None:
        self.gauges[gauge.name] = gauge
        self.series.setdefault(gauge.name, Series())

    def backfill(self, name: str, history: History, rng: Rng) -> None:
        """Fill ``name``'s series with its past, before any live sample.

        Deterministic: the values come from ``history`` and the noise from ``rng``
        (give each gauge its own child stream). Raises ValueError if the gauge is
        unknown or already has samples.
        """
        if name not in self.gauges:
            raise ValueError(f"no gauge named {name!r}")
        series = self.series[name]
        if len(series) or name in self._joins:
            raise ValueError(f"gauge {name!r} already has samples: backfill it before the "
                             f"first scrape")
        if history.step_ms <= 0 or history.span_ms < history.step_ms:
            raise ValueError(f"history of gauge {name!r} needs 0 < step <= span")
        join = None
        if history.join_from is not None:
            join = _Join(*history.join_from, array("q"), array("d"), history)
        for t in history.times(self.page_ms, self.scrape_ms):
            factor = 1.0 + history.noise * rng.uniform(-1.0, 1.0) if history.noise else 1.0
            if join is not None and t > join.t_ms:
                join.times.append(t)
                join.factors.append(factor)
            else:
                series.add(t, history.clamp(history.value_at(t) * factor))
        if join is not None and join.times:
            self._joins[name] = join

    def add_alert(self, rule: AlertRule) -> None:
        self.alerts[rule.name] = Alert(rule)

    def latest(self, name: str) -> float | None:
        series = self.series.get(name)
        return series[-1].value if series else None

    def firing(self) -> list[Alert]:
        return [a for a in self.alerts.values() if a.state == "firing"]

    def post(self, t_ms: int, author: str, text: str) -> None:
        self.chat.append(ChatMessage(t_ms, author, text))
        self.events.append(WorldEvent(t_ms, "chat", text, author))

    def tick(self, world: World) -> None:
        now = world.clock.now_ms
        if self._last_scrape_ms is not None and now - self._last_scrape_ms < self.scrape_ms:
            return
        self._last_scrape_ms = now
        for gauge in self.gauges.values():
            value = gauge.probe(world)
            join = self._joins.pop(gauge.name, None)
            if join is not None:
                self._join(self.series[gauge.name], join, now, value)
            self.series[gauge.name].add(now, value)
        self._evaluate_alerts(world, now)
        self._run_chat(world, now)

    @staticmethod
    def _join(series: Series, join: _Join, now: int, value: float) -> None:
        """The backfilled instants after the last known point: a line to the live value."""
        slope = (value - join.value) / (now - join.t_ms) if now > join.t_ms else 0.0
        for t, factor in zip(join.times, join.factors, strict=True):
            series.add(t, join.history.clamp((join.value + slope * (t - join.t_ms)) * factor))

    def _evaluate_alerts(self, world: World, now: int) -> None:
        for alert in self.alerts.values():
            active = alert.rule.condition(world)
            if active and alert.state == "inactive":
                alert.state, alert.pending_since_ms = "pending", now
            if active and alert.state == "pending" and alert.pending_since_ms is not None \
                    and now - alert.pending_since_ms >= alert.rule.for_ms:
                alert.state, alert.fired_at_ms, alert.resolved_at_ms = "firing", now, None
                alert.history.append((now, "firing"))
                self.events.append(WorldEvent(now, "alert-firing", alert.rule.summary,
                                              alert.rule.name))
            if not active and alert.state != "inactive":
                if alert.state == "firing":
                    alert.resolved_at_ms = now
                    alert.history.append((now, "resolved"))
                    self.events.append(WorldEvent(now, "alert-resolved", alert.rule.summary,
                                                  alert.rule.name))
                alert.state, alert.pending_since_ms = "inactive", None

    def _run_chat(self, world: World, now: int) -> None:
        for rule in self.chat_rules:
            if rule.posted:
                continue
            # Both given: from ``at`` on, once ``when`` holds ("still down at +12m").
            due = rule.at_ms is None or now >= self.page_ms + rule.at_ms
            if due and (rule.when is None or rule.when(world)):
                rule.posted = True
                self.post(now, rule.author, rule.text)
