"""Metric time series, alert rules and the incident channel.

Metrics are sampled from world state every scrape interval; alerts are rules on
the latest samples with a ``for`` duration, firing and resolving like
Prometheus Alertmanager; chat messages are posted at times or when a condition
first holds. All of it is data the front ends read; none of it renders text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pagerdrill.world.world import World

__all__ = [
    "Alert",
    "AlertRule",
    "ChatMessage",
    "ChatRule",
    "Gauge",
    "Sample",
    "Telemetry",
    "WorldEvent",
]

Probe = Callable[["World"], float]
Condition = Callable[["World"], bool]


@dataclass(frozen=True)
class Sample:
    t_ms: int
    value: float


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
        self.series: dict[str, list[Sample]] = {}
        self.alerts: dict[str, Alert] = {}
        self.chat_rules: list[ChatRule] = []
        self.chat: list[ChatMessage] = []
        self.events: list[WorldEvent] = []
        self.page_ms = 0
        self._last_scrape_ms: int | None = None

    def add_gauge(self, gauge: Gauge) -> None:
        self.gauges[gauge.name] = gauge
        self.series.setdefault(gauge.name, [])

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
            self.series[gauge.name].append(Sample(now, gauge.probe(world)))
        self._evaluate_alerts(world, now)
        self._run_chat(world, now)

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
