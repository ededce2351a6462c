"""Metrics are sampled per scrape interval; alerts honour ``for``; chat posts once."""

from __future__ import annotations

from pagerdrill.world.telemetry import AlertRule, ChatRule, Gauge
from pagerdrill.world.world import World


def test_gauges_alerts_and_chat(world: World) -> None:
    world.facts["errors"] = 0.0
    tel = world.telemetry
    tel.page_ms = world.clock.now_ms
    tel.add_gauge(Gauge("errors", "Error rate", "%", lambda w: float(w.facts["errors"])))  # type: ignore[arg-type]
    tel.add_alert(AlertRule("HighErrors", "critical", "Error rate above 5%",
                            lambda w: (w.telemetry.latest("errors") or 0) > 5, for_ms=20_000))
    tel.chat_rules.append(ChatRule("vp-eng", "Any update?", at_ms=60_000))
    world.advance(10)
    world.facts["errors"] = 50.0
    world.advance(10)
    assert tel.alerts["HighErrors"].state == "pending"
    world.advance(20)
    assert tel.alerts["HighErrors"].state == "firing"
    world.facts["errors"] = 0.0
    world.advance(30)
    kinds = [e.kind for e in tel.events]
    assert kinds == ["alert-firing", "alert-resolved", "chat"]
    assert len(tel.series["errors"]) == 7
    world.advance(120)
    assert len(tel.chat) == 1


def test_chat_with_time_and_condition_waits_for_both(world: World) -> None:
    world.facts["down"] = True
    tel = world.telemetry
    tel.page_ms = world.clock.now_ms
    tel.chat_rules.append(ChatRule("vp-eng", "ETA?", at_ms=60_000,
                                   when=lambda w: bool(w.facts["down"])))
    tel.chat_rules.append(ChatRule("sam", "still broken", at_ms=30_000,
                                   when=lambda w: bool(w.facts["down"])))
    world.advance(40)
    world.facts["down"] = False
    world.advance(60)
    assert [m.text for m in tel.chat] == ["still broken"]

