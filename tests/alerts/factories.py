"""Alerts for page, API and chart tests: toy rules whose findings the test controls, and alerts made directly.

The world (tests/fixtures/world.py): rep_a covers CA, rep_a2 CA2, rep_b CB (Jiangsu), nobody CX.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils import timezone

from liuke.alerts import registry
from liuke.alerts.choices import AlertStatus, Area, Severity
from liuke.alerts.models import Alert
from liuke.core.changelog import change_context

FOUND: dict[str, list[registry.Finding]] = {}
INFO_REASON = "Resale prices are the distributor's own: shown for information only."


def _find(name: str):
    def find(ctx: registry.RunContext):
        yield from FOUND.get(name, [])

    return find


TOY_RULES = (
    registry.Rule(
        name="toy_cover",
        title="Toy coverage",
        summary="%(customer)s has nobody on its team",
        description="A customer rule for tests.",
        area=Area.CUSTOMERS,
        find=_find("toy_cover"),
        severity=Severity.MEDIUM,
        thresholds=(registry.Threshold("days", "Days", 30, help="how long", minimum=1),),
        order=1,
    ),
    registry.Rule(
        name="toy_cross",
        title="Toy cross-region",
        summary="%(distributor)s sold %(product)s outside its area",
        description="A channel rule for tests.",
        area=Area.CHANNEL,
        find=_find("toy_cross"),
        severity=Severity.HIGH,
        order=2,
    ),
    registry.Rule(
        name="toy_resale",
        title="Toy resale price",
        summary="%(distributor)s resold below the floor",
        description="An information-only rule for tests.",
        area=Area.CHANNEL,
        find=_find("toy_resale"),
        info_only=True,
        info_reason=INFO_REASON,
        order=3,
    ),
)


@contextmanager
def toy_rules() -> Iterator[None]:
    saved = dict(registry._rules)
    for rule in TOY_RULES:
        registry.register(rule)
    try:
        yield
    finally:
        registry._rules.clear()
        registry._rules.update(saved)
        FOUND.clear()


_keys = itertools.count(1)


def make_alert(
    *,
    rule: str = "toy_cover",
    customer=None,
    employee=None,
    distributor=None,
    division: str | None = None,
    product_code: str = "",
    severity: str = Severity.MEDIUM,
    status: str = AlertStatus.OPEN,
    area: str | None = None,
    params: dict[str, Any] | None = None,
    evidence: list[dict[str, Any]] | None = None,
    evidence_count: int | None = None,
    days_old: int = 0,
    assignee=None,
) -> Alert:
    opened = timezone.now() - dt.timedelta(days=days_old)
    definition = registry.get(rule)
    who = customer or distributor
    evidence = evidence if evidence is not None else ([{"type": "customer", "code": who.code}] if who else [])
    with change_context(source="system"):
        return Alert.objects.create(
            rule=rule,
            key=f"k{next(_keys)}",
            area=area or (definition.area if definition else Area.CUSTOMERS),
            severity=severity,
            status=status,
            params=params
            or {"customer": getattr(who, "name", ""), "distributor": getattr(who, "name", ""), "product": "P"},
            customer=customer,
            employee=employee,
            distributor=distributor,
            division_id=division,
            product_code=product_code,
            evidence=evidence,
            evidence_count=len(evidence) if evidence_count is None else evidence_count,
            fingerprint="x",
            opened_at=opened,
            last_seen_at=opened,
            assignee=assignee,
        )
