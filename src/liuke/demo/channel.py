"""The demo company's channel: products, price floors, distributors' authorisations, sell-in and the last six
months of flow, imported through the real flow import (so the demo shows what a user would see).

Deterministic for a seed and the day it is built (the months are the last complete ones). Small on purpose: a
handful of distributors in different provinces, a few hundred lines a month each, some buyers left for the
review queue. The regular data are clean: buyers inside the distributor's authorised area, prices at or
above the floors, every batch shipped before it is sold and in a larger quantity than is sold, files on time.
On top of that each of the channel's screening rules gets a few planted anomalies, each beside a clean control
(:mod:`liuke.demo.channel_plants`), planned with the regular flow before the shipments are sized and the
files written and imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from liuke.channel import services
from liuke.channel.models import FlowImport, FlowLine, PriceFloor, Shipment
from liuke.core import changelog
from liuke.customers.models import Customer
from liuke.org.models import Division, Employee

from . import channel_data as data
from .catalogue import CATALOGUE
from .channel_data import AREA_SHARE, MUNICIPALITIES, TYPICAL, Dist, Goods, Line, Ship, city, province
from .channel_plants import DUE_DAYS, OVERRUN, PROVINCE_WIDE, SOLD_THROUGH, plant_all
from .plants import Plant

HISTORY_MONTHS = 6  # complete months of flow before the month the demo is built in
STRANGERS = ("个体诊所（王）", "员工内购", "某某药店", "惠众大药房二店")  # no place in their names


@dataclass
class ChannelReport:
    products: int = 0
    authorizations: int = 0
    shipments: int = 0
    flow_lines: int = 0
    to_review: int = 0
    months: list[str] = field(default_factory=list)
    plants: list[Plant] = field(default_factory=list)


class Channel:
    def __init__(self, *, seed: int, today: dt.date, distributors: int, volume: tuple[int, int]):
        self.rng = random.Random(seed * 7919 + 5)
        self.today = today
        self.months = data.recent_months(today, HISTORY_MONTHS)
        self.since = dt.date(self.months[0].year - 1, 1, 1)  # floors and authorisations in force since
        self.wanted = distributors
        self.volume = volume  # a distributor's usual monthly volume of a product, in boxes: from, to
        self.report = ChannelReport(months=[f"{m:%Y-%m}" for m in self.months])
        self.products: list[Goods] = []
        self.by_code: dict[str, Goods] = {}
        self.dists: list[Dist] = []
        self.ships: dict[tuple[int, str, str], Ship] = {}  # (distributor index, product code, batch)
        self.files: dict[tuple[int, dt.date], list[Line]] = defaultdict(list)
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
            entry = Goods(product, item.floor_distributor, item.floor_terminal, Decimal(item.units["件"]))
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
        home = province(chosen[0]) if chosen else None
        for c in pool:  # two in the first province
            if len(chosen) >= 2:
                break
            if c not in chosen and (home is None or province(c) == home):
                chosen.append(c)
                home = home or province(c)
        provinces = {province(c) for c in chosen}
        # Then one per other province; those with several cities first (an agent has neighbours to tempt it).
        for c in sorted(pool, key=lambda c: province(c) in MUNICIPALITIES):
            if len(chosen) >= self.wanted:
                break
            if province(c) not in provinces:
                chosen.append(c)
                provinces.add(province(c))
        cities = {city(c).code for c in chosen}
        for c in pool:  # a company in fewer provinces: another city of a province already there
            if len(chosen) >= self.wanted:
                break
            if c not in chosen and city(c).code not in cities:
                chosen.append(c)
                cities.add(city(c).code)
        self.terminals = list(
            Customer.objects.exclude(kind="distributor")
            .filter(archived_at__isnull=True, division__isnull=False)
            .order_by("code")
        )
        provinces_by_code = {d.code: d for d in Division.objects.filter(level="province")}
        for index, customer in enumerate(chosen):
            area = city(customer)
            local = [t for t in self.terminals if str(t.division_id).startswith(area.code_prefix)]
            dist = Dist(index, customer, area, local)
            services.authorization_save(
                distributor=customer, product=None, division=area, valid_from=self.since, valid_to=None
            )
            self.report.authorizations += 1
            if index == 2:  # a provincial agent for one product: the whole province, not only its city
                whole = provinces_by_code.get(province(customer) + "0000")
                if whole is not None and whole.code != area.code:
                    services.authorization_save(
                        distributor=customer,
                        product=self.by_code[PROVINCE_WIDE].product,
                        division=whole,
                        valid_from=self.since,
                        valid_to=None,
                    )
                    dist.province_wide = whole
                    self.report.authorizations += 1
            due = DUE_DAYS[index % len(DUE_DAYS)]
            if due is not None:
                services.distributor_due_day_save(distributor=customer, flow_due_day=due)
            self.dists.append(dist)

    def role(self, index: int) -> Dist:
        """The distributor playing the ``index``-th part (fewer distributors: the last one doubles up)."""
        return self.dists[min(index, len(self.dists) - 1)]

    # --- the regular flow --------------------------------------------------------------------------

    def doc_no(self, month: dt.date, prefix: str = "XS") -> str:
        self.doc_seq += 1
        return f"{prefix}{month:%y%m}{self.doc_seq:05d}"

    def batch_of(self, dist: Dist, goods: Goods, month: dt.date) -> str:
        """Each distributor gets its own batch of each product each month, shipped in the month before."""
        batch = f"{goods.code[-3:]}{month:%y%m}{'ABCDEFGHJK'[dist.index % 10]}"
        self.ship_of(dist, goods, batch, month)
        return batch

    def ship_of(self, dist: Dist, goods: Goods, batch: str, month: dt.date) -> Ship:
        key = (dist.index, goods.code, batch)
        if key not in self.ships:
            self.ships[key] = Ship(dist, goods, batch, month)
        return self.ships[key]

    def sell(self, dist: Dist, line: Line) -> None:
        """Count a planned line against the batch it is sold from (sizes the shipments later)."""
        ship = self.ships.get((dist.index, line.goods.code, line.batch))
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
            usual = {p.code: min(Decimal(rng.randrange(*self.volume)), capacity) for p in self.products}
            for m_index, month in enumerate(self.months):
                lines = self.files[(dist.index, month)]
                for goods in self.products:
                    target = usual[goods.code] * Decimal(rng.uniform(0.85, 1.15))
                    total = Decimal(0)
                    for buyer in self.unused(dist, goods, month):
                        if total >= target:
                            break
                        line = self.regular_line(dist, buyer, goods, month, m_index)
                        lines.append(line)
                        self.sell(dist, line)
                        total += max(line.base_quantity, Decimal(0))
                rng.shuffle(lines)
                for line in lines:  # numbered in the order they are written
                    line.doc_no = self.doc_no(month)

    def unused(self, dist: Dist, goods: Goods, month: dt.date) -> Iterator[Customer]:
        """The terminals of the distributor's area that have not bought this product this month, in random order
        (each marked as a buyer once handed out)."""
        pool = list(dist.local)
        self.rng.shuffle(pool)
        for buyer in pool:
            key = (buyer.pk, goods.code, month)
            if key not in self.bought:
                self.bought.add(key)
                yield buyer

    def regular_line(self, dist: Dist, buyer: Customer, goods: Goods, month: dt.date, m_index: int) -> Line:
        rng = self.rng
        name, address = data.variant(rng, buyer.name), buyer.address
        if rng.random() > 0.97:
            name, address = rng.choice(STRANGERS), ""
        # At or above the terminal floor; what distributors charge is their business (info only).
        price = data.price(goods.floor_terminal * Decimal(rng.choice(["1.0", "1.05", "1.1", "1.05", "1.1"])))
        if buyer.kind == "hospital" and goods.per_case <= 100 and rng.random() < 0.08:
            unit, qty, price = "件", 1, price * goods.per_case  # a whole case, priced per case
        else:
            unit, qty = goods.product.base_unit, data.quantity(rng, buyer.kind)
        # Mostly this month's batch, some of last month's.
        source = self.months[m_index - 1] if m_index and rng.random() < 0.25 else month
        returned = rng.random() < 0.03 and goods.code not in (OVERRUN, SOLD_THROUGH)
        return Line(
            day=month + dt.timedelta(days=rng.randrange(0, 27)),
            goods=goods,
            batch=self.batch_of(dist, goods, source),
            quantity=-qty if returned else qty,
            unit=unit,
            price=price,
            buyer_name=name,
            address=address,
        )

    # --- the planted lines -------------------------------------------------------------------------

    def planted_line(
        self, dist: Dist, buyer: Customer, goods: Goods, *, month: dt.date | None = None,
        batch: str | None = None, price: Decimal | None = None, qty: int | None = None,
    ) -> Line:  # fmt: skip
        """A line written as plainly as a clerk would (the buyer's full name and address), so it is matched."""
        rng = self.rng
        month = month or self.months[-1]
        line = Line(
            day=month + dt.timedelta(days=rng.randrange(3, 25)),
            goods=goods,
            batch=batch or self.batch_of(dist, goods, month),
            quantity=qty or data.quantity(rng, buyer.kind),
            unit=goods.product.base_unit,
            price=price if price is not None else data.price(goods.floor_terminal * Decimal("1.05")),
            buyer_name=buyer.name,
            address=buyer.address,
            doc_no=self.doc_no(month),
        )
        # Among the month's lines, not at the end of the file (people do not put the odd line last).
        lines = self.files[(dist.index, month)]
        lines.insert(rng.randrange(len(lines) + 1), line)
        self.sell(dist, line)
        return line

    def note(self, rule: str, anomaly: bool, what: str, dist: Dist, **keys: Any) -> Plant:
        """A plant in a distributor's records (the alert is about that distributor unless ``subject`` says)."""
        keys.setdefault("subject", dist.code)
        return Plant(rule=rule, anomaly=anomaly, what=what, distributor=dist.code, **keys)

    def plant(self, line: Line, dist: Dist, rule: str, anomaly: bool, what: str, **keys: Any) -> None:
        """A plant on a flow line (its file and row are known once the file is imported)."""
        product, period = line.goods.code, f"{line.day:%Y-%m}"
        line.plants.append(
            self.note(rule, anomaly, what, dist, product=product, batch=line.batch, period=period, **keys)
        )

    def add(self, plant: Plant) -> None:
        self.report.plants.append(plant)

    # --- writing -----------------------------------------------------------------------------------

    def shipments(self) -> None:
        """Sell-in for every batch the flow sells from: shipped before its month, comfortably more than is
        sold (the planted ones as planted), at or above the distributor floor (the planted ones as planted)."""
        rng = self.rng
        rows = []
        planted: list[tuple[Shipment, Ship]] = []
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
            factor = Decimal(rng.choice(["1.0", "1.02", "1.05"]))
            price = ship.price or data.price(ship.goods.floor_distributor * factor)
            ship.doc_no = ship.doc_no or self.doc_no(day, prefix="SO")
            row = Shipment(
                date=day,
                distributor=ship.dist.customer,
                product=ship.goods.product,
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
                        p = line.goods.product
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


def build_channel(
    *, seed: int, today: dt.date | None = None, distributors: int = 4, volume: tuple[int, int] = (300, 700)
) -> ChannelReport:
    """Build the channel of the demo company (call once, after the customers exist), with its plants."""
    channel = Channel(seed=seed, today=today or timezone.localdate(), distributors=distributors, volume=volume)
    channel.catalogue()
    channel.choose_distributors()
    if not channel.dists:
        return channel.report
    director = Employee.objects.filter(role="director").order_by("pk").first()
    channel.regular_lines()
    plant_all(channel, director)
    channel.shipments()
    channel.import_files()
    channel.hospital_discounts(director)
    return channel.report
