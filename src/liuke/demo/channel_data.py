"""The demo channel's building blocks: its months, how clerks write names, prices and order sizes, and what the
generator keeps about each product, distributor, flow line and shipment while it plans them."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from liuke.channel.models import Product
from liuke.customers.models import Customer
from liuke.org.models import Division

from .plants import Plant

CENT = Decimal("0.01")
MUNICIPALITIES = ("11", "12", "31", "50")  # provinces that are one city
TYPICAL = {"hospital": 48, "pharmacy": 14, "clinic": 6, "": 9}  # boxes a terminal of a kind usually orders
AREA_SHARE = Decimal("0.35")  # of what all terminals in its area would take, the most a distributor sells a month


def recent_months(today: dt.date, n: int) -> list[dt.date]:
    """The first days of the ``n`` complete months before ``today``'s, oldest first."""
    first = today.replace(day=1)
    out = []
    for _ in range(n):
        first = (first - dt.timedelta(days=1)).replace(day=1)
        out.append(first)
    return out[::-1]


def due_date(month: dt.date, due_day: int) -> dt.date:
    """The day a month's flow file is due: ``due_day`` of the following month (as the rule reads it)."""
    return (month + dt.timedelta(days=32)).replace(day=min(max(due_day, 1), 28))


def variant(rng: random.Random, name: str) -> str:
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


def price(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def quantity(rng: random.Random, kind: str) -> int:
    """Boxes a terminal of this kind takes of one product in one order: hospitals most, clinics least (within a
    kind, never five times its peers)."""
    if kind == "hospital":
        return rng.randrange(35, 61)
    if kind == "pharmacy":
        return rng.randrange(8, 21)
    if kind == "clinic":
        return rng.randrange(4, 10)
    return rng.randrange(6, 13)


def province(customer: Customer) -> str:
    return str(customer.division_id)[:2]


def city(customer: Customer) -> Division:
    division = customer.division
    assert division is not None
    return division.parent or division


@dataclass
class Goods:
    """A product of the catalogue with its floors."""

    product: Product
    floor_distributor: Decimal
    floor_terminal: Decimal
    per_case: Decimal

    @property
    def code(self) -> str:
        return self.product.code


@dataclass
class Dist:
    index: int
    customer: Customer
    area: Division  # authorised for every product here (its city)
    local: list[Customer]  # terminals inside the area, other than distributors
    province_wide: Division | None = None  # authorised for one product in its whole province too

    @property
    def code(self) -> str:
        return self.customer.code


@dataclass
class Line:
    day: dt.date
    goods: Goods
    batch: str
    quantity: int
    unit: str
    price: Decimal
    buyer_name: str
    address: str
    doc_no: str = ""
    plants: list[Plant] = field(default_factory=list)  # planted with the row still unknown (filled after import)

    @property
    def base_quantity(self) -> Decimal:
        return self.quantity * (self.goods.per_case if self.unit == "件" else Decimal(1))


@dataclass
class Ship:
    dist: Dist
    goods: Goods
    batch: str
    month: dt.date  # the month it is sold in (shipped in the month before)
    sold: Decimal = Decimal(0)  # what the flow sells of it (returns netted)
    factor: Decimal | None = None  # shipped = sold × factor (None: a comfortable margin)
    quantity: Decimal | None = None  # shipped exactly this (planted)
    price: Decimal | None = None  # planted price
    doc_no: str = ""
    plants: list[Plant] = field(default_factory=list)  # planted on this shipment (its doc_no filled when written)
