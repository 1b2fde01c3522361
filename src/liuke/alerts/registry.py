"""The one rule registry: each app's ``rules.py`` registers its screening rules here.

A rule is a set-based query that yields :class:`Finding` s. The engine (:mod:`liuke.alerts.engine`) turns
findings into alerts: one per ``(rule, key)``, never duplicated; a finding that no longer holds moves its
live alert to ``no_longer_observed``; a resolved or dismissed finding stays closed unless its evidence
changes.

A rule's thresholds are :class:`Threshold` s: an admin changes them on the rules page (stored in
``RuleSetting.params``); :meth:`RunContext.value` reads the current value.

Incremental screening: a rule that can look at a part of the data says which scopes it understands
(``scopes={"flow_imports"}``, ``{"customers"}``); after an import the engine runs those rules with
``RunContext.scope`` set, and they only look at the rows named there. Only a full run closes alerts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class Threshold:
    key: str
    label: Any  # translatable
    default: int | float | Decimal
    help: Any = ""
    minimum: int | float | Decimal = 0


@dataclass
class Finding:
    """One thing a rule found. ``key`` is stable across runs (the deduplication key)."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)  # fills the rule's ``summary``
    evidence: list[dict[str, Any]] = field(default_factory=list)  # INTERFACES.md: records a person can look up
    evidence_count: int | None = None  # records behind it when ``evidence`` lists only the first ones
    severity: str | None = None  # None: the rule's
    customer_id: int | None = None
    employee_id: int | None = None
    distributor_id: int | None = None
    division_id: str | None = None
    product_code: str = ""


@dataclass
class RunContext:
    rule: Rule
    settings: dict[str, Any]
    scope: dict[str, list[int]] | None = None  # None: everything
    now: dt.datetime = field(default_factory=timezone.now)

    @property
    def today(self) -> dt.date:
        return timezone.localdate(self.now)

    def value(self, key: str) -> Any:
        default = next(t.default for t in self.rule.thresholds if t.key == key)
        raw = self.settings.get(key)
        if raw is None or raw == "":
            return default
        return type(default)(str(raw)) if isinstance(default, Decimal) else type(default)(raw)


@dataclass
class Rule:
    name: str  # stable machine name (INTERFACES.md)
    title: Any  # translated title: "Cross-region sale"
    summary: Any  # translated, filled with a finding's params: "%(distributor)s sold %(product)s in %(region)s"
    description: Any  # what it means, when it fires (shown on the rules page and each alert)
    area: str
    find: Callable[[RunContext], Iterable[Finding]]
    severity: str = "medium"
    thresholds: tuple[Threshold, ...] = ()
    scopes: frozenset[str] = frozenset()  # the incremental scopes the rule understands
    info_only: bool = False  # always ``info``, whatever the settings say (resale prices)
    info_reason: Any = ""  # why, shown on the page
    order: int = 50

    def title_for(self, params: dict[str, Any]) -> str:
        try:
            return str(self.summary) % params
        except (KeyError, TypeError, ValueError):
            return str(self.title)


_rules: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    _rules[rule.name] = rule
    return rule


def get(name: str) -> Rule | None:
    return _rules.get(name)


def all_rules() -> list[Rule]:
    return sorted(_rules.values(), key=lambda r: (r.order, r.name))


def names() -> list[str]:
    return [r.name for r in all_rules()]
