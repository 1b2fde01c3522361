"""Channel rows for the screening-rule tests, written directly (the import itself is tested in tests/channel):
flow files with lines whose every field the test decides, shipments, floors, authorisations and discounts."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.utils import timezone

from liuke.alerts import registry
from liuke.alerts.registry import RunContext
from liuke.channel.choices import ImportStatus
from liuke.channel.models import (
    DiscountAuthorization,
    DistributorAuthorization,
    FlowImport,
    FlowLine,
    PriceFloor,
    Shipment,
)
from liuke.core.changelog import change_context

_keys = itertools.count(1)


def D(value: Any) -> Decimal:
    return Decimal(str(value))


def flow_file(distributor, period: str, lines: list[dict[str, Any]], *, status=ImportStatus.ACTIVE, name=None):
    """An import of ``distributor`` for ``period`` (YYYY-MM) with ``lines``: each a dict of FlowLine fields
    (``product``, ``date``, ``quantity``, ``division``, ``terminal``, ``batch``, ``unit_price``, ``buyer``).
    Rows are numbered from 2 (the header is row 1), as a person sees them in the spreadsheet."""
    year, month = (int(x) for x in period.split("-"))
    with change_context(source="system"):
        record = FlowImport.objects.create(
            distributor=distributor,
            period=dt.date(year, month, 1),
            file_name=name or f"{distributor.code}_{period}.csv",
            sha256=f"{next(_keys):064x}",
            status=status,
            rows=len(lines),
            imported=len(lines),
        )
    objs = []
    for i, spec in enumerate(lines):
        terminal = spec.get("terminal")
        buyer = spec.get("buyer") or (terminal.name if terminal is not None else "某药店")
        objs.append(
            FlowLine(
                flow_import=record,
                distributor=distributor,
                row_no=spec.get("row", i + 2),
                date=spec["date"],
                product=spec["product"],
                batch=spec.get("batch", ""),
                quantity=D(spec.get("quantity", 1)),
                raw_quantity=str(spec.get("quantity", 1)),
                unit=spec.get("unit", ""),
                unit_price=D(spec["unit_price"]) if spec.get("unit_price") is not None else None,
                is_return=D(spec.get("quantity", 1)) < 0,
                buyer_name=buyer,
                buyer_address=spec.get("address", ""),
                buyer_key=spec.get("buyer_key", buyer),
                division_id=spec.get("division"),
                terminal=terminal,
                match_method="exact" if terminal is not None else "none",
                doc_no=spec.get("doc_no", ""),
                dedup_key=next(_keys),
            )
        )
    FlowLine.objects.bulk_create(objs)
    return record


def authorize(distributor, division: str, product=None, valid_from=None, valid_to=None):
    with change_context(source="system"):
        return DistributorAuthorization.objects.create(
            distributor=distributor, product=product, division_id=division, valid_from=valid_from, valid_to=valid_to
        )


def ship(distributor, product, date, quantity, *, batch="B1", unit_price=None, doc_no=""):
    with change_context(source="system"):
        return Shipment.objects.create(
            date=date,
            distributor=distributor,
            product=product,
            batch=batch,
            quantity=D(quantity),
            unit_price=D(unit_price) if unit_price is not None else None,
            doc_no=doc_no,
        )


def floor(product, level, price, valid_from=None, valid_to=None):
    with change_context(source="system"):
        return PriceFloor.objects.create(
            product=product, channel_level=level, floor_price=D(price), valid_from=valid_from, valid_to=valid_to
        )


def discount(customer, product, net_price, valid_from, valid_to, approver, cap=None):
    with change_context(source="system"):
        return DiscountAuthorization.objects.create(
            customer=customer,
            product=product,
            net_price=D(net_price),
            quantity_cap=D(cap) if cap is not None else None,
            valid_from=valid_from,
            valid_to=valid_to,
            approver=approver,
        )


def findings(rule_name: str, *, today: dt.date | None = None, scope=None, **settings) -> dict[str, Any]:
    """What a rule finds now, by key (the rule's ``find`` as the engine calls it)."""
    rule = registry.get(rule_name)
    assert rule is not None, rule_name
    now = timezone.now()
    if today is not None:
        now = timezone.make_aware(dt.datetime.combine(today, dt.time(9)))
    ctx = RunContext(rule=rule, settings=settings, scope=scope, now=now)
    found = {}
    for f in rule.find(ctx):
        assert f.key not in found, f"duplicate key {f.key}"
        found[f.key] = f
    return found


def rows_of(finding) -> set[tuple[str, int]]:
    """The (file, row) pairs a finding's evidence names."""
    return {(e["file"], e["row"]) for e in finding.evidence if e["type"] == "flow_line"}
