"""The demo company's channel: products, price floors, distributors' authorisations, sell-in and a few
months of flow, imported through the real flow import (so the demo shows what a user would see).

Deterministic for a seed. Small on purpose: a handful of distributors, three months, a few hundred lines
each, with some cross-region lines, some price cutting, and some buyers left for the review queue.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from liuke.channel import services
from liuke.channel.models import PriceFloor, Shipment
from liuke.core import changelog
from liuke.customers.models import Customer
from liuke.org.models import Employee

from .catalogue import CATALOGUE

MONTHS = (dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1))
STRANGERS = ("个体诊所（王）", "员工内购", "某某药店", "城东大药房二店")


@dataclass
class ChannelReport:
    products: int = 0
    authorizations: int = 0
    shipments: int = 0
    flow_lines: int = 0
    to_review: int = 0


def _variant(rng: random.Random, name: str) -> str:
    """How a distributor's clerk writes a terminal's name."""
    roll = rng.random()
    if roll < 0.55:
        return name
    if roll < 0.7:
        return name + ("药剂科" if "医院" in name else "")
    if roll < 0.8:
        return name.replace("（", "(").replace("）", ")")
    if roll < 0.9:
        return " ".join(name[i : i + 4] for i in range(0, len(name), 4))
    return name + "(本部)"


def build_channel(*, seed: int, distributors: int = 4, lines_per_month: int = 120) -> ChannelReport:
    """Build the channel of the demo company (call once, after the customers exist)."""
    rng = random.Random(seed * 7919 + 5)
    report = ChannelReport()
    products = []
    for item in CATALOGUE:
        product = services.product_save(
            data={"code": item.code, "name": item.name, "spec": item.spec, "base_unit": item.base_unit,
                  "units": dict(item.units)}
        )  # fmt: skip
        floor_dist, floor_term = item.floor_distributor, item.floor_terminal
        products.append((product, floor_dist, floor_term))
        changelog.bulk_create(
            PriceFloor,
            [
                PriceFloor(product=product, channel_level="distributor", floor_price=floor_dist, valid_from=MONTHS[0]),
                PriceFloor(product=product, channel_level="terminal", floor_price=floor_term, valid_from=MONTHS[0]),
            ],
        )
        report.products += 1
    # The distributors of the login rep's first teams come first, so every demo login sees some flow.
    rep = Employee.objects.filter(user__username="rep").first()
    pool = list(
        Customer.objects.filter(kind="distributor", archived_at__isnull=True, division__isnull=False).order_by("code")
    )
    if rep is not None:
        mine = [c for c in pool if c.account_team.filter(employee=rep, archived_at__isnull=True).exists()]
        pool = mine + [c for c in pool if c not in mine]
    chosen = pool[:distributors]
    director = Employee.objects.filter(role="director").order_by("pk").first()
    others = list(
        Customer.objects.exclude(kind="distributor")
        .filter(archived_at__isnull=True, division__isnull=False)
        .select_related("division")
        .order_by("code")
    )
    for d_index, dist in enumerate(chosen):
        assert dist.division is not None
        city = dist.division.parent_id or dist.division_id
        province = str(dist.division_id)[:2] + "0000"
        services.authorization_save(
            distributor=dist, product=None, division=dist.division.parent or dist.division, valid_from=MONTHS[0],
            valid_to=None,
        )  # fmt: skip
        report.authorizations += 1
        local = [c for c in others if c.division_id and c.division_id[:4] == (city or "")[:4]]
        local = local or [c for c in others if c.division_id and c.division_id[:2] == province[:2]]
        far = [c for c in others if c.division_id and c.division_id[:2] != province[:2]]
        if not local:
            continue
        batches = {p.pk: [f"{p.code[-3:]}{m:%y%m}{k}" for m in MONTHS for k in "AB"] for p, _, _ in products}
        ships = []
        for product, floor_dist, _ in products:
            for batch in batches[product.pk]:
                made = dt.date(2000 + int(batch[3:5]), int(batch[5:7]), 1) - dt.timedelta(days=20)
                ships.append(
                    Shipment(
                        date=made + dt.timedelta(days=rng.randrange(5, 15)),
                        distributor=dist,
                        product=product,
                        batch=batch,
                        quantity=Decimal(rng.choice([500, 800, 1000])),
                        unit_price=floor_dist,
                        made_on=made,
                        expires_on=made + dt.timedelta(days=730),
                    )
                )
        changelog.bulk_create(Shipment, ships)
        report.shipments += len(ships)
        with tempfile.TemporaryDirectory() as tmp:
            for month in MONTHS:
                path = Path(tmp) / f"{dist.code}-{month:%Y%m}.csv"
                with path.open("w", encoding="gb18030" if d_index % 2 else "utf-8-sig", newline="") as fh:
                    out = csv.writer(fh)
                    out.writerow([f"{dist.name} {month:%Y年%m月} 销售流向"])
                    out.writerow(
                        ["销售日期", "商品名称", "规格", "批号", "数量", "单位", "单价", "购货单位", "收货地址"]
                    )
                    for i in range(lines_per_month):
                        product, _floor_dist, floor_term = products[rng.randrange(len(products))]
                        roll = rng.random()
                        if roll < 0.06 and far:  # 跨区: a terminal outside the authorised area
                            buyer = rng.choice(far)
                        else:
                            buyer = rng.choice(local)
                        name, address = _variant(rng, buyer.name), buyer.address
                        if roll > 0.97:
                            name, address = rng.choice(STRANGERS), ""
                        price = floor_term * Decimal(
                            rng.choice(["1.05", "1.1", "1.0", "0.85"] if i % 9 == 0 else ["1.05", "1.1"])
                        )
                        unit, qty = ("件", 1) if rng.random() < 0.1 else (product.base_unit, rng.randrange(1, 40))
                        batch = rng.choice(batches[product.pk][: 2 * (MONTHS.index(month) + 1)])
                        out.writerow([
                            (month + dt.timedelta(days=rng.randrange(0, 27))).isoformat(), product.name, product.spec,
                            batch, -qty if rng.random() < 0.03 else qty, unit, price, name, address,
                        ])  # fmt: skip
                    out.writerow(["合计", "", "", "", "", "", "", "", ""])
                result = services.flow_import_run(
                    path=str(path), distributor_code=dist.code, period=f"{month:%Y-%m}", actor=None
                )
                report.flow_lines += result.imported
                report.to_review += result.unmatched
    # A few discounts someone approved, for the record.
    if director is not None:
        for customer in [c for c in others if c.kind == "hospital"][:3]:
            product = products[0][0]
            services.discount_authorize(
                customer=customer, product=product, net_price=Decimal("21.00"), quantity_cap=Decimal(500),
                valid_from=MONTHS[0], valid_to=MONTHS[-1] + dt.timedelta(days=30), approver=director,
                note="季度带量采购",
            )  # fmt: skip
    return report
