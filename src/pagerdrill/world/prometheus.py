"""Prometheus alerting-rule files, read the way Prometheus loads them.

Scenario objectives ask "is there an alert on X" after every command, so the parse of
a rules file is cached by its text: the YAML is read once per version of the file,
not once per turn.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import yaml

__all__ = ["AlertingRule", "alerting_rules"]


@dataclass(frozen=True)
class AlertingRule:
    name: str
    expr: str
    for_: str = ""


@functools.lru_cache(maxsize=256)
def alerting_rules(text: str) -> tuple[AlertingRule, ...]:
    """The alerting rules in a rules file (``groups[].rules[]`` with ``alert:``); none
    when the file is not valid YAML of that shape, as Prometheus would refuse it."""
    try:
        document = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return ()
    if not isinstance(document, dict):
        return ()
    found: list[AlertingRule] = []
    groups = document.get("groups")
    for group in groups if isinstance(groups, list) else []:
        rules = group.get("rules") if isinstance(group, dict) else None
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, dict) and "alert" in rule:
                found.append(AlertingRule(str(rule["alert"]), str(rule.get("expr", "")),
                                          str(rule.get("for", ""))))
    return tuple(found)
