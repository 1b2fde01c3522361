"""The demo company's channel: products, price floors, distributors' authorisations, sell-in and the last six
months of flow, imported through the real flow import (so the demo shows what a user would see).

Deterministic for a seed and the day it is built (the months are the last complete ones). Small on purpose: a
handful of distributors in different provinces, a few hundred lines a month each, some buyers left for the
review queue. The regular data are clean: buyers inside the distributor's authorised area, prices at or
above the floors, every batch shipped before it is sold and in a larger quantity than is sold, files on time.
On top of that each of the channel's screening rules gets a few planted anomalies and, beside each, a clean
control (:mod:`liuke.demo.plants`):

- the first distributor sells into another province (and, just inside, into another county of its city), and
  resells a batch it got from the provincial agent;
- the provincial agent sells into the neighbouring city: one product it may sell there, one it may not; a
  pharmacy in its city takes many times what pharmacies usually take;
- the second distributor sells a fifth more of a product than it was shipped, resells below the terminal
  floor (information only) and sells another product to the last box;
- the fourth is invoiced below the floor, uses one discount past its cap and another below its net price,
  and has not sent last-but-one month's file.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from liuke.channel import services
from liuke.channel.models import DistributorProfile, FlowImport, FlowLine, PriceFloor, Product, Shipment
from liuke.core import changelog
from liuke.customers.models import Customer
from liuke.org.models import Division, Employee

from .catalogue import CATALOGUE
from .plants import Plant, threshold

HISTORY_MONTHS = 6  # complete months of flow before the month the demo is built in
STRANGERS = ("个体诊所（王）", "员工内购", "某某药店", "惠众大药房二店")  # no place in their names
CENT = Decimal("0.01")
MUNICIPALITIES = ("11", "12", "31", "50")  # provinces that are one city
# Products with a part in the planted stories.
PROVINCE_WIDE = "LK-P005"  # the provincial agent may sell it in its whole province, not only its city
OVERRUN = "LK-P003"  # the second distributor sells more of it than it was shipped
SOLD_THROUGH = "LK-P007"  # the second distributor sells every batch of it to the last box
RESOLD = "LK-P004"  # a batch of it shipped to the agent turns up with the first distributor
SPIKE, BUSY = "LK-P006", "LK-P007"  # the agent's month far above its usual, and one busy but not unusual
CAPPED, CUT, UNDER_FLOOR = "LK-P002", "LK-P008", "LK-P006"  # the fourth's discounts and its price below the floor
DUE_DAYS = (5, None, 15, 28)  # each distributor's flow-file due day (None: the rule's default)


@dataclass
class ChannelReport:
    products: int = 0
    authorizations: int = 0
    shipments: int = 0
    flow_lines: int = 0
    to_review: int = 0
    months: list[str] = field(default_factory=list)
    plants: list[Plant] = field(default_factory=list)


def recent_months(today: dt.date, n: int = HISTORY_MONTHS) -> list[dt.date]:
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


def _price(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


TYPICAL = {"hospital": 48, "pharmacy": 14, "clinic": 6, "": 9}  # boxes a terminal of a kind usually orders
AREA_SHARE = Decimal("0.35")  # of what all terminals in its area would take, the most a distributor sells a month


def _quantity(rng: random.Random, kind: str) -> int:
    """Boxes a terminal of this kind takes of one product in one order: hospitals most, clinics least (within a
    kind, never five times its peers)."""
    if kind == "hospital":
        return rng.randrange(35, 61)
    if kind == "pharmacy":
        return rng.randrange(8, 21)
    if kind == "clinic":
        return rng.randrange(4, 10)
    return rng.randrange(6, 13)


@dataclass
class _Product:
    product: Product
    floor_distributor: Decimal
    floor_terminal: Decimal
    per_case: Decimal


@dataclass
class _Dist:
    index: int
    customer: Customer
    area: Division  # authorised for every product here (its city)
    local: list[Customer]  # terminals inside the area, other than distributors
    province_wide: Division | None = None  # authorised for PROVINCE_WIDE here too

    @property
    def code(self) -> str:
        return self.customer.code


@dataclass
class _Line:
    day: dt.date
    product: _Product
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
        return self.quantity * (self.product.per_case if self.unit == "件" else Decimal(1))


@dataclass
class _Ship:
    dist: _Dist
    product: _Product
    batch: str
    month: dt.date  # the month it is sold in (shipped in the month before)
    sold: Decimal = Decimal(0)  # what the flow sells of it (returns netted)
    factor: Decimal | None = None  # shipped = sold × factor (None: a comfortable margin)
    quantity: Decimal | None = None  # shipped exactly this (planted)
    price: Decimal | None = None  # planted price
    doc_no: str = ""
    plants: list[Plant] = field(default_factory=list)  # planted on this shipment (its doc_no filled when written)


class _Channel:
    def __init__(self, *, seed: int, today: dt.date, distributors: int, volume: tuple[int, int]):
        self.rng = random.Random(seed * 7919 + 5)
        self.today = today
        self.months = recent_months(today)
        self.since = dt.date(self.months[0].year - 1, 1, 1)  # floors and authorisations in force since
        self.wanted = distributors
        self.volume = volume  # a distributor's usual monthly volume of a product, in boxes: from, to
        self.report = ChannelReport(months=[f"{m:%Y-%m}" for m in self.months])
        self.products: list[_Product] = []
        self.by_code: dict[str, _Product] = {}
        self.dists: list[_Dist] = []
        self.ships: dict[tuple[int, str, str], _Ship] = {}  # (distributor index, product code, batch)
        self.files: dict[tuple[int, dt.date], list[_Line]] = defaultdict(list)
        self.withheld: set[tuple[int, dt.date]] = set()  # files that never came
        self.bought: set[tuple[int, str, dt.date]] = set()  # (terminal, product, month) already sold
        self.doc_seq = 0
        self.terminals: list[Customer] = []

    # --- master data -------------------------------------------------------------------------------

    def catalogue(self) -> None:
        for item in CATALOGUE:
            product = services.product_save(
                data={
                    "code": item.code,
                    "name": item.name,
                    "spec": item.spec,
                    "base_unit": item.base_unit,
                    "units": dict(item.units),
                }
            )
            changelog.bulk_create(
                PriceFloor,
                [
                    PriceFloor(
                        product=product,
                        channel_level="distributor",
                        floor_price=item.floor_distributor,
                        valid_from=self.since,
                    ),
                    PriceFloor(
                        product=product,
                        channel_level="terminal",
                        floor_price=item.floor_terminal,
                        valid_from=self.since,
                    ),
                ],
            )
            entry = _Product(product, item.floor_distributor, item.floor_terminal, Decimal(item.units["件"]))
            self.products.append(entry)
            self.by_code[item.code] = entry
            self.report.products += 1

    def choose_distributors(self) -> None:
        """The login rep's distributors first (every demo login sees some flow), then one from each other
        province the company sells in, so goods can be seen crossing from one distributor's area to another."""
        rep = Employee.objects.filter(user__username="rep").first()
        pool = list(
            Customer.objects.filter(kind="distributor", archived_at__isnull=True, division__isnull=False)
            .select_related("division__parent")
            .order_by("code")
        )
        pool = [c for c in pool if c.status == "active"] + [c for c in pool if c.status != "active"]
        mine: list[Customer] = []
        if rep is not None:
            mine_ids = set(
                Customer.objects.filter(
                    kind="distributor", account_team__employee=rep, account_team__archived_at__isnull=True
                ).values_list("pk", flat=True)
            )
            mine = [c for c in pool if c.pk in mine_ids]
        chosen: list[Customer] = mine[:2]
        home = _province(chosen[0]) if chosen else None
        for c in pool:  # two in the first province
            if len(chosen) >= 2:
                break
            if c not in chosen and (home is None or _province(c) == home):
                chosen.append(c)
                home = home or _province(c)
        provinces = {_province(c) for c in chosen}
        # Then one per other province; those with several cities first (an agent has neighbours to tempt it).
        for c in sorted(pool, key=lambda c: _province(c) in MUNICIPALITIES):
            if len(chosen) >= self.wanted:
                break
            if _province(c) not in provinces:
                chosen.append(c)
                provinces.add(_province(c))
        cities = {_city(c).code for c in chosen}
        for c in pool:  # a company in fewer provinces: another city of a province already there
            if len(chosen) >= self.wanted:
                break
            if c not in chosen and _city(c).code not in cities:
                chosen.append(c)
                cities.add(_city(c).code)
        self.terminals = list(
            Customer.objects.exclude(kind="distributor")
            .filter(archived_at__isnull=True, division__isnull=False)
            .order_by("code")
        )
        provinces_by_code = {d.code: d for d in Division.objects.filter(level="province")}
        for index, customer in enumerate(chosen):
            area = _city(customer)
            local = [t for t in self.terminals if str(t.division_id).startswith(area.code_prefix)]
            dist = _Dist(index, customer, area, local)
            services.authorization_save(
                distributor=customer, product=None, division=area, valid_from=self.since, valid_to=None
            )
            self.report.authorizations += 1
            if index == 2:  # a provincial agent for one product: the whole province, not only its city
                province = provinces_by_code.get(_province(customer) + "0000")
                if province is not None and province.code != area.code:
                    services.authorization_save(
                        distributor=customer,
                        product=self.by_code[PROVINCE_WIDE].product,
                        division=province,
                        valid_from=self.since,
                        valid_to=None,
                    )
                    dist.province_wide = province
                    self.report.authorizations += 1
            due = DUE_DAYS[index % len(DUE_DAYS)]
            if due is not None:
                DistributorProfile.objects.create(distributor=customer, flow_due_day=due)
            self.dists.append(dist)

    def role(self, index: int) -> _Dist:
        """The distributor playing the ``index``-th part (fewer distributors: the last one doubles up)."""
        return self.dists[min(index, len(self.dists) - 1)]

    # --- the regular flow --------------------------------------------------------------------------

    def doc_no(self, month: dt.date, prefix: str = "XS") -> str:
        self.doc_seq += 1
        return f"{prefix}{month:%y%m}{self.doc_seq:05d}"

    def batch_of(self, dist: _Dist, product: _Product, month: dt.date) -> str:
        """Each distributor gets its own batch of each product each month, shipped in the month before."""
        batch = f"{product.product.code[-3:]}{month:%y%m}{'ABCDEFGHJK'[dist.index % 10]}"
        self.ship_of(dist, product, batch, month)
        return batch

    def ship_of(self, dist: _Dist, product: _Product, batch: str, month: dt.date) -> _Ship:
        key = (dist.index, product.product.code, batch)
        if key not in self.ships:
            self.ships[key] = _Ship(dist, product, batch, month)
        return self.ships[key]

    def sell(self, dist: _Dist, line: _Line) -> None:
        """Count a planned line against the batch it is sold from (sizes the shipments later)."""
        ship = self.ships.get((dist.index, line.product.product.code, line.batch))
        if ship is not None:
            ship.sold += line.base_quantity

    def regular_lines(self) -> None:
        """Each distributor's usual months: every product near its own usual monthly volume (within 15%), sold
        in orders of a size that suits the buyer (hospitals most), each terminal taking a product at most once a
        month (so none looks like it takes many times what its peers do). A distributor with few terminals in its
        area sells less."""
        rng = self.rng
        for dist in self.dists:
            if not dist.local:
                continue
            capacity = AREA_SHARE * sum(TYPICAL.get(t.kind, TYPICAL[""]) for t in dist.local)
            usual = {p.product.code: min(Decimal(rng.randrange(*self.volume)), capacity) for p in self.products}
            for m_index, month in enumerate(self.months):
                lines = self.files[(dist.index, month)]
                for product in self.products:
                    target = usual[product.product.code] * Decimal(rng.uniform(0.85, 1.15))
                    total = Decimal(0)
                    for buyer in self.unused(dist, product, month):
                        if total >= target:
                            break
                        line = self.regular_line(dist, buyer, product, month, m_index)
                        lines.append(line)
                        self.sell(dist, line)
                        total += max(line.base_quantity, Decimal(0))
                rng.shuffle(lines)
                for line in lines:  # numbered in the order they are written
                    line.doc_no = self.doc_no(month)

    def unused(self, dist: _Dist, product: _Product, month: dt.date) -> Iterator[Customer]:
        """The terminals of the distributor's area that have not bought this product this month, in random order
        (each marked as a buyer once handed out)."""
        pool = list(dist.local)
        self.rng.shuffle(pool)
        for buyer in pool:
            key = (buyer.pk, product.product.code, month)
            if key not in self.bought:
                self.bought.add(key)
                yield buyer

    def regular_line(self, dist: _Dist, buyer: Customer, product: _Product, month: dt.date, m_index: int) -> _Line:
        rng = self.rng
        name, address = _variant(rng, buyer.name), buyer.address
        if rng.random() > 0.97:
            name, address = rng.choice(STRANGERS), ""
        # At or above the terminal floor; what distributors charge is their business (info only).
        price = _price(product.floor_terminal * Decimal(rng.choice(["1.0", "1.05", "1.1", "1.05", "1.1"])))
        if buyer.kind == "hospital" and product.per_case <= 100 and rng.random() < 0.08:
            unit, qty, price = "件", 1, price * product.per_case  # a whole case, priced per case
        else:
            unit, qty = product.product.base_unit, _quantity(rng, buyer.kind)
        # Mostly this month's batch, some of last month's.
        source = self.months[m_index - 1] if m_index and rng.random() < 0.25 else month
        returned = rng.random() < 0.03 and product.product.code not in (OVERRUN, SOLD_THROUGH)
        return _Line(
            day=month + dt.timedelta(days=rng.randrange(0, 27)),
            product=product,
            batch=self.batch_of(dist, product, source),
            quantity=-qty if returned else qty,
            unit=unit,
            price=price,
            buyer_name=name,
            address=address,
        )

    # --- the planted lines -------------------------------------------------------------------------

    def planted_line(
        self, dist: _Dist, buyer: Customer, product: _Product, *, month: dt.date | None = None,
        batch: str | None = None, price: Decimal | None = None, qty: int | None = None,
    ) -> _Line:  # fmt: skip
        """A line written as plainly as a clerk would (the buyer's full name and address), so it is matched."""
        rng = self.rng
        month = month or self.months[-1]
        line = _Line(
            day=month + dt.timedelta(days=rng.randrange(3, 25)),
            product=product,
            batch=batch or self.batch_of(dist, product, month),
            quantity=qty or _quantity(rng, buyer.kind),
            unit=product.product.base_unit,
            price=price if price is not None else _price(product.floor_terminal * Decimal("1.05")),
            buyer_name=buyer.name,
            address=buyer.address,
            doc_no=self.doc_no(month),
        )
        # Among the month's lines, not at the end of the file (people do not put the odd line last).
        lines = self.files[(dist.index, month)]
        lines.insert(rng.randrange(len(lines) + 1), line)
        self.sell(dist, line)
        return line

    def note(self, rule: str, anomaly: bool, what: str, dist: _Dist, **keys: Any) -> Plant:
        """A plant in a distributor's records (the alert is about that distributor unless ``subject`` says)."""
        keys.setdefault("subject", dist.code)
        return Plant(rule=rule, anomaly=anomaly, what=what, distributor=dist.code, **keys)

    def plant(self, line: _Line, dist: _Dist, rule: str, anomaly: bool, what: str, **keys: Any) -> None:
        """A plant on a flow line (its file and row are known once the file is imported)."""
        product, period = line.product.product.code, f"{line.day:%Y-%m}"
        line.plants.append(
            self.note(rule, anomaly, what, dist, product=product, batch=line.batch, period=period, **keys)
        )

    def add(self, plant: Plant) -> None:
        self.report.plants.append(plant)

    def plant_cross_region(self) -> None:
        """Sales outside the distributor's authorised area: into another province, and into the neighbouring
        city of the same province; beside them sales just inside (another county of its own city, and the
        neighbouring city for the one product the agent may sell province-wide)."""
        if len(self.dists) < 3:
            return
        first, agent = self.dists[0], self.dists[2]
        elsewhere = [t for t in agent.local if _province(t) != _province(first.customer)]
        if elsewhere and first.local:
            buyer = elsewhere[len(elsewhere) // 2]
            for code in ("LK-P001", "LK-P006"):
                line = self.planted_line(first, buyer, self.by_code[code])
                self.plant(line, first, "cross_region", True, "sold into another province", buyer=buyer.code)
            own_county = first.customer.division_id
            inside = [t for t in first.local if t.division_id != own_county] or first.local
            line = self.planted_line(first, inside[-1], self.by_code["LK-P001"])
            self.plant(
                line, first, "cross_region", False, "sold in another county of its own city", buyer=inside[-1].code
            )
        if agent.province_wide is not None:
            prefix = agent.province_wide.code_prefix
            neighbours = [
                t for t in self.terminals
                if str(t.division_id).startswith(prefix) and not str(t.division_id).startswith(agent.area.code_prefix)
            ]  # fmt: skip
            if neighbours:
                buyer = neighbours[0]
                line = self.planted_line(agent, buyer, self.by_code["LK-P002"])
                self.plant(line, agent, "cross_region", True, "sold into the neighbouring city", buyer=buyer.code)
                line = self.planted_line(agent, buyer, self.by_code[PROVINCE_WIDE])
                for rule in ("cross_region", "batch_out_of_region"):
                    self.plant(
                        line,
                        agent,
                        rule,
                        False,
                        "neighbouring city, product authorised province-wide",
                        buyer=buyer.code,
                    )

    def plant_resold_batch(self) -> None:
        """A batch shipped only to the provincial agent turns up in the first distributor's file, sold to
        buyers in its own city (so not a cross-region sale of its own): the first distributor got it from the
        agent, and sells a batch it was never shipped. Beside it, a batch shipped to both, sold by each in its
        own area."""
        if len(self.dists) < 3:
            return
        first, agent = self.dists[0], self.dists[2]
        if not first.local or not agent.local:
            return
        product = self.by_code[RESOLD]
        source = self.months[-2]
        batch = self.batch_of(agent, product, source)
        for buyer in first.local[:2]:
            line = self.planted_line(first, buyer, product, batch=batch)
            self.plant(
                line,
                first,
                "batch_out_of_region",
                True,
                f"batch shipped to {agent.code} resold",
                buyer=buyer.code,
                subject=agent.code,
            )
        self.add(
            self.note(
                "flow_exceeds_stock",
                True,
                "sold a batch it was never shipped",
                first,
                product=product.product.code,
                batch=batch,
            )
        )
        # The clean one: a batch both were shipped, each selling it in its own area.
        shared = f"{product.product.code[-3:]}{source:%y%m}S"
        for dist in (agent, first):
            self.ship_of(dist, product, shared, source)
            buyer = dist.local[len(dist.local) // 3]
            line = self.planted_line(dist, buyer, product, batch=shared)
            self.plant(
                line,
                dist,
                "batch_out_of_region",
                False,
                "batch shipped to two distributors, sold by one",
                buyer=buyer.code,
            )

    def plant_resale_prices(self) -> None:
        """Resale prices below the terminal floor (information only), and one exactly at the floor."""
        dist = self.role(1)
        if not dist.local:
            return
        product = self.by_code["LK-P008"]
        for k, factor in enumerate(("0.85", "0.9")):
            buyer = dist.local[(k + 1) * len(dist.local) // 5]
            line = self.planted_line(dist, buyer, product, price=_price(product.floor_terminal * Decimal(factor)))
            self.plant(
                line, dist, "resale_below_floor", True, f"resold at {factor} of the terminal floor", buyer=buyer.code
            )
        buyer = dist.local[len(dist.local) // 2]
        line = self.planted_line(dist, buyer, product, price=product.floor_terminal)
        self.plant(line, dist, "resale_below_floor", False, "resold exactly at the terminal floor", buyer=buyer.code)

    def plant_volume(self) -> None:
        """A pharmacy takes many times what pharmacies take of a product in a month (and its distributor's
        month is far above its usual); beside it, another product's month well above its usual, but within the
        tolerance."""
        dist = self.role(2)
        pharmacies = [t for t in dist.local if t.kind == "pharmacy"]
        if not pharmacies:
            return
        month = self.months[-1]
        spike, busy = self.by_code[SPIKE], self.by_code[BUSY]
        buyer = pharmacies[len(pharmacies) // 2]
        # Enough to treble the distributor's month, and far beyond any pharmacy's (a few dozen boxes).
        totals = self.monthly_totals(dist, spike)
        median = Decimal(statistics.median(totals[m] for m in self.months[:-1]))
        extra = max(Decimal(600), 3 * median - totals[month])
        for part in (extra * 4 / 9, extra * 5 / 9):
            line = self.planted_line(dist, buyer, spike, qty=int(part) + 1)
            self.plant(
                line,
                dist,
                "suspicious_volume",
                True,
                "a pharmacy takes many times its peers' month",
                buyer=buyer.code,
                subject=buyer.code,
            )
        self.add(
            self.note(
                "suspicious_volume",
                True,
                "a month far above the distributor's usual",
                dist,
                product=spike.product.code,
                period=f"{month:%Y-%m}",
            )
        )
        # Busy but not unusual: 60% above the median of its previous months (the rule's tolerance is 100%).
        totals = self.monthly_totals(dist, busy)
        median = Decimal(statistics.median(totals[m] for m in self.months[:-1]))
        target = median * Decimal("1.6")
        for extra_buyer in self.unused(dist, busy, month):
            qty = TYPICAL.get(extra_buyer.kind, TYPICAL[""])
            if totals[month] + qty > target:
                break
            line = self.planted_line(dist, extra_buyer, busy, month=month, qty=qty)
            totals[month] += line.base_quantity
        self.add(
            self.note(
                "suspicious_volume",
                False,
                "a busy month, within the tolerance",
                dist,
                product=busy.product.code,
                period=f"{month:%Y-%m}",
            )
        )

    def monthly_totals(self, dist: _Dist, product: _Product) -> dict[dt.date, Decimal]:
        totals: dict[dt.date, Decimal] = defaultdict(Decimal)
        for month in self.months:
            for line in self.files[(dist.index, month)]:
                if line.product is product:
                    totals[month] += line.base_quantity
        return totals

    def plant_stock(self) -> None:
        """The second distributor sells a fifth more of a product than it was ever shipped (its last two
        batches sold twice over); beside it, a product whose every batch it sold to the last box."""
        dist = self.role(1)
        over, through = self.by_code[OVERRUN], self.by_code[SOLD_THROUGH]
        short = {self.batch_of(dist, over, month) for month in self.months[-2:]}
        for ship in self.ships.values():
            if ship.dist is dist and ship.product is over:
                # Earlier batches sold to the last box, the last two only half covered: about a fifth more
                # sold than shipped in all, and two batches sold twice over.
                ship.factor = Decimal("0.5") if ship.batch in short else Decimal(1)
            elif ship.dist is dist and ship.product is through:
                ship.factor = Decimal(1)
        if any(s.dist is dist and s.product is over and s.sold > 0 for s in self.ships.values()):
            self.add(
                self.note(
                    "flow_exceeds_stock", True, "sold a fifth more than it was shipped", dist, product=over.product.code
                )
            )
            for batch in sorted(short):
                self.add(
                    self.note(
                        "flow_exceeds_stock",
                        True,
                        "batch sold twice over",
                        dist,
                        product=over.product.code,
                        batch=batch,
                    )
                )
        if any(s.dist is dist and s.product is through and s.sold > 0 for s in self.ships.values()):
            self.add(
                self.note(
                    "flow_exceeds_stock", False, "sold exactly what it was shipped", dist, product=through.product.code
                )
            )
        for s in self.ships.values():
            if s.dist is dist and s.product is through and s.sold > 0:
                self.add(
                    self.note(
                        "flow_exceeds_stock",
                        False,
                        "batch sold to the last box",
                        dist,
                        product=through.product.code,
                        batch=s.batch,
                    )
                )

    def plant_prices(self, director: Employee | None) -> None:
        """The company's own prices to the fourth distributor: one product invoiced below the floor (beside it,
        the month before, exactly at the floor); a discount used past its quantity cap (beside it, the shipment
        that reached the cap exactly); a discount undercut (beside it, a shipment at its net price)."""
        dist = self.role(3)
        m = self.months
        under = self.by_code[UNDER_FLOOR]
        low = self.ship_of(dist, under, self.batch_of(dist, under, m[-1]), m[-1])
        low.price = _price(under.floor_distributor * Decimal("0.9"))
        low.plants.append(
            self.note(
                "price_below_floor",
                True,
                "invoiced at 0.9 of the floor",
                dist,
                product=under.product.code,
                batch=low.batch,
            )
        )
        at = self.ship_of(dist, under, self.batch_of(dist, under, m[-2]), m[-2])
        at.price = under.floor_distributor
        at.plants.append(
            self.note(
                "price_below_floor",
                False,
                "invoiced exactly at the floor",
                dist,
                product=under.product.code,
                batch=at.batch,
            )
        )
        if director is None:
            return
        valid_from, valid_to = m[-4], m[-1] + dt.timedelta(days=40)
        # Past its cap: two batches at the net price fill the cap exactly, the third goes past it.
        capped = self.by_code[CAPPED]
        net = _price(capped.floor_distributor * Decimal("0.92"))
        ships = [self.ship_of(dist, capped, self.batch_of(dist, capped, month), month) for month in m[-3:]]
        for ship in ships:
            ship.price = net
            ship.quantity = Decimal(max(200, int(ship.sold * Decimal("1.3") / 50 + 1) * 50))
        cap = sum(((s.quantity or Decimal(0)) for s in ships[:2]), Decimal(0))
        ships[1].plants.append(
            self.note(
                "unauthorised_discount",
                False,
                "discount used up to its cap",
                dist,
                product=capped.product.code,
                batch=ships[1].batch,
            )
        )
        ships[2].plants.append(
            self.note(
                "unauthorised_discount",
                True,
                "discount used past its cap",
                dist,
                product=capped.product.code,
                batch=ships[2].batch,
            )
        )
        services.discount_authorize(
            customer=dist.customer,
            product=capped.product,
            net_price=net,
            quantity_cap=cap,
            valid_from=valid_from,
            valid_to=valid_to,
            approver=director,
            note="季度返利协议",
        )
        # Undercut: the net price approved, then a shipment below it.
        cut = self.by_code[CUT]
        net = _price(cut.floor_distributor * Decimal("0.9"))
        fair = self.ship_of(dist, cut, self.batch_of(dist, cut, m[-2]), m[-2])
        fair.price = net
        fair.plants.append(
            self.note(
                "unauthorised_discount",
                False,
                "shipped at the approved net price",
                dist,
                product=cut.product.code,
                batch=fair.batch,
            )
        )
        fair.plants.append(
            self.note(
                "price_below_floor",
                False,
                "below the floor by an approved discount",
                dist,
                product=cut.product.code,
                batch=fair.batch,
            )
        )
        low = self.ship_of(dist, cut, self.batch_of(dist, cut, m[-1]), m[-1])
        low.price = _price(cut.floor_distributor * Decimal("0.85"))
        for rule in ("unauthorised_discount", "price_below_floor"):
            low.plants.append(
                self.note(
                    rule, True, "shipped below the approved net price", dist, product=cut.product.code, batch=low.batch
                )
            )
        services.discount_authorize(
            customer=dist.customer,
            product=cut.product,
            net_price=net,
            quantity_cap=None,
            valid_from=valid_from,
            valid_to=valid_to,
            approver=director,
            note="新开户首单支持",
        )

    def plant_missing_files(self) -> None:
        """The fourth distributor never sent last-but-one month's file (overdue whatever its due day); last
        month's it has not sent yet either: overdue once its due day has passed, else not yet due."""
        dist = self.role(3)
        due = DUE_DAYS[dist.index % len(DUE_DAYS)] or threshold("flow_file_missing", "due_day")
        for month in self.months[-2:]:
            self.withheld.add((dist.index, month))
            overdue = due_date(month, due) < self.today
            what = "file not sent, its due day passed" if overdue else "file not sent, not due yet"
            self.add(self.note("flow_file_missing", overdue, what, dist, period=f"{month:%Y-%m}"))
        month = self.months[-3]
        self.add(self.note("flow_file_missing", False, "file sent", dist, period=f"{month:%Y-%m}"))

    # --- writing -----------------------------------------------------------------------------------

    def shipments(self) -> None:
        """Sell-in for every batch the flow sells from: shipped before its month, comfortably more than is
        sold (the planted ones as planted), at or above the distributor floor (the planted ones as planted)."""
        rng = self.rng
        rows = []
        planted: list[tuple[Shipment, _Ship]] = []
        for key in sorted(self.ships):
            ship = self.ships[key]
            made = ship.month - dt.timedelta(days=20)
            if ship.quantity is not None:
                quantity = ship.quantity
            elif ship.factor is not None:
                quantity = (ship.sold * ship.factor).to_integral_value()
            else:
                margin = Decimal(rng.choice(["1.2", "1.3", "1.5", "1.8"]))
                quantity = max(Decimal(100), (ship.sold * margin / 50).to_integral_value() * 50 + 50)
            if quantity <= 0:
                continue
            day = made + dt.timedelta(days=rng.randrange(5, 15))
            price = ship.price or _price(ship.product.floor_distributor * Decimal(rng.choice(["1.0", "1.02", "1.05"])))
            ship.doc_no = ship.doc_no or self.doc_no(day, prefix="SO")
            row = Shipment(
                date=day,
                distributor=ship.dist.customer,
                product=ship.product.product,
                batch=ship.batch,
                quantity=quantity,
                unit_price=price,
                doc_no=ship.doc_no,
                made_on=made,
                expires_on=made + dt.timedelta(days=730),
            )
            rows.append(row)
            if ship.plants:
                planted.append((row, ship))
        changelog.bulk_create(Shipment, rows)
        self.report.shipments += len(rows)
        for row, ship in planted:
            for plant in ship.plants:
                self.add(replace(plant, doc_no=row.doc_no, period=f"{row.date:%Y-%m}"))

    def import_files(self) -> None:
        header = ["销售日期", "商品名称", "规格", "批号", "数量", "单位", "单价", "购货单位", "收货地址", "出库单号"]
        with tempfile.TemporaryDirectory() as tmp:
            for (d_index, month), lines in sorted(self.files.items(), key=lambda kv: kv[0]):
                if (d_index, month) in self.withheld:
                    continue
                dist = self.dists[d_index]
                path = Path(tmp) / f"{dist.code}-{month:%Y%m}.csv"
                with path.open("w", encoding="gb18030" if d_index % 2 else "utf-8-sig", newline="") as fh:
                    out = csv.writer(fh)
                    out.writerow([f"{dist.customer.name} {month:%Y年%m月} 销售流向"])
                    out.writerow(header)
                    for line in lines:
                        p = line.product.product
                        out.writerow([
                            line.day.isoformat(), p.name, p.spec, line.batch, line.quantity, line.unit, line.price,
                            line.buyer_name, line.address, line.doc_no,
                        ])  # fmt: skip
                    out.writerow(["合计", "", "", "", "", "", "", "", "", ""])
                result = services.flow_import_run(
                    path=str(path), distributor_code=dist.code, period=f"{month:%Y-%m}", actor=None
                )
                self.report.flow_lines += result.imported
                self.report.to_review += result.unmatched
                planted = [line for line in lines if line.plants]
                if planted and result.import_id is not None:
                    rows = dict(
                        FlowLine.objects.filter(
                            flow_import_id=result.import_id, doc_no__in=[line.doc_no for line in planted]
                        ).values_list("doc_no", "row_no")
                    )
                    name = FlowImport.objects.get(pk=result.import_id).file_name
                    for line in planted:
                        for plant in line.plants:
                            self.add(replace(plant, file=name, row=rows[line.doc_no], doc_no=line.doc_no))

    def hospital_discounts(self, director: Employee | None) -> None:
        """A few discounts someone approved for hospitals' tenders, for the record."""
        if director is None:
            return
        hospitals = [c for c in self.terminals if c.kind == "hospital"][:3]
        for customer in hospitals:
            services.discount_authorize(
                customer=customer,
                product=self.products[0].product,
                net_price=Decimal("21.00"),
                quantity_cap=Decimal(500),
                valid_from=self.months[-3],
                valid_to=self.months[-1] + dt.timedelta(days=90),
                approver=director,
                note="季度带量采购",
            )


def _province(customer: Customer) -> str:
    return str(customer.division_id)[:2]


def _city(customer: Customer) -> Division:
    division = customer.division
    assert division is not None
    return division.parent or division


def build_channel(
    *, seed: int, today: dt.date | None = None, distributors: int = 4, volume: tuple[int, int] = (300, 700)
) -> ChannelReport:
    """Build the channel of the demo company (call once, after the customers exist), with its plants."""
    channel = _Channel(seed=seed, today=today or timezone.localdate(), distributors=distributors, volume=volume)
    channel.catalogue()
    channel.choose_distributors()
    if not channel.dists:
        return channel.report
    director = Employee.objects.filter(role="director").order_by("pk").first()
    channel.regular_lines()
    channel.plant_cross_region()
    channel.plant_resold_batch()
    channel.plant_resale_prices()
    channel.plant_volume()
    channel.plant_stock()
    channel.plant_prices(director)
    channel.plant_missing_files()
    channel.shipments()
    channel.import_files()
    channel.hospital_discounts(director)
    return channel.report
