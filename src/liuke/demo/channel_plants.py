"""The anomalies the demo plants in its channel, each with a clean control beside it (:mod:`liuke.demo.plants`).

- the first distributor sells into another province (and, just inside, into another county of its city), and
  resells a batch it got from the provincial agent;
- the provincial agent sells into the neighbouring city: one product it may sell there, one it may not; a
  pharmacy in its city takes many times what pharmacies usually take;
- the second distributor sells a fifth more of a product than it was shipped, resells below the terminal
  floor (information only) and sells another product to the last box;
- the fourth is invoiced below the floor, uses one discount past its cap and another below its net price,
  and has not sent last-but-one month's file.

With fewer distributors the last one plays the parts left over; stories that need three are left out.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from liuke.channel import services
from liuke.org.models import Employee

from .channel_data import TYPICAL, Dist, Goods, due_date, price, province
from .plants import threshold

if TYPE_CHECKING:
    from .channel import Channel

# Products with a part in the stories.
PROVINCE_WIDE = "LK-P005"  # the provincial agent may sell it in its whole province, not only its city
OVERRUN = "LK-P003"  # the second distributor sells more of it than it was shipped
SOLD_THROUGH = "LK-P007"  # the second distributor sells every batch of it to the last box
RESOLD = "LK-P004"  # a batch of it shipped to the agent turns up with the first distributor
SPIKE, BUSY = "LK-P006", "LK-P007"  # the agent's month far above its usual, and one busy but not unusual
CAPPED, CUT, UNDER_FLOOR = "LK-P002", "LK-P008", "LK-P006"  # the fourth's discounts and its price below the floor
DUE_DAYS = (5, None, 15, 28)  # each distributor's flow-file due day (None: the rule's default)


def plant_all(ch: Channel, director: Employee | None) -> None:
    """Every story, over the regular flow already planned and before the shipments are sized."""
    cross_region(ch)
    resold_batch(ch)
    resale_prices(ch)
    volume(ch)
    stock(ch)
    prices(ch, director)
    missing_files(ch)


def cross_region(ch: Channel) -> None:
    """Sales outside the distributor's authorised area: into another province, and into the neighbouring
    city of the same province; beside them sales just inside (another county of its own city, and the
    neighbouring city for the one product the agent may sell province-wide)."""
    if len(ch.dists) < 3:
        return
    first, agent = ch.dists[0], ch.dists[2]
    elsewhere = [t for t in agent.local if province(t) != province(first.customer)]
    if elsewhere and first.local:
        buyer = elsewhere[len(elsewhere) // 2]
        for code in ("LK-P001", "LK-P006"):
            line = ch.planted_line(first, buyer, ch.by_code[code])
            ch.plant(line, first, "cross_region", True, "sold into another province", buyer=buyer.code)
        own_county = first.customer.division_id
        inside = [t for t in first.local if t.division_id != own_county] or first.local
        line = ch.planted_line(first, inside[-1], ch.by_code["LK-P001"])
        ch.plant(line, first, "cross_region", False, "sold in another county of its own city", buyer=inside[-1].code)
    if agent.province_wide is not None:
        prefix = agent.province_wide.code_prefix
        neighbours = [
            t for t in ch.terminals
            if str(t.division_id).startswith(prefix) and not str(t.division_id).startswith(agent.area.code_prefix)
        ]  # fmt: skip
        if neighbours:
            buyer = neighbours[0]
            line = ch.planted_line(agent, buyer, ch.by_code["LK-P002"])
            ch.plant(line, agent, "cross_region", True, "sold into the neighbouring city", buyer=buyer.code)
            line = ch.planted_line(agent, buyer, ch.by_code[PROVINCE_WIDE])
            for rule in ("cross_region", "batch_out_of_region"):
                ch.plant(
                    line,
                    agent,
                    rule,
                    False,
                    "neighbouring city, product authorised province-wide",
                    buyer=buyer.code,
                )


def resold_batch(ch: Channel) -> None:
    """A batch shipped only to the provincial agent turns up in the first distributor's file, sold to
    buyers in its own city (so not a cross-region sale of its own): the first distributor got it from the
    agent, and sells a batch it was never shipped. Beside it, a batch shipped to both, sold by each in its
    own area."""
    if len(ch.dists) < 3:
        return
    first, agent = ch.dists[0], ch.dists[2]
    if not first.local or not agent.local:
        return
    product = ch.by_code[RESOLD]
    source = ch.months[-2]
    batch = ch.batch_of(agent, product, source)
    for buyer in first.local[:2]:
        line = ch.planted_line(first, buyer, product, batch=batch)
        ch.plant(
            line,
            first,
            "batch_out_of_region",
            True,
            f"batch shipped to {agent.code} resold",
            buyer=buyer.code,
            subject=agent.code,
        )
    ch.add(
        ch.note(
            "flow_exceeds_stock",
            True,
            "sold a batch it was never shipped",
            first,
            product=product.code,
            batch=batch,
        )
    )
    # The clean one: a batch both were shipped, each selling it in its own area.
    shared = f"{product.code[-3:]}{source:%y%m}S"
    for dist in (agent, first):
        ch.ship_of(dist, product, shared, source)
        buyer = dist.local[len(dist.local) // 3]
        line = ch.planted_line(dist, buyer, product, batch=shared)
        ch.plant(
            line,
            dist,
            "batch_out_of_region",
            False,
            "batch shipped to two distributors, sold by one",
            buyer=buyer.code,
        )


def resale_prices(ch: Channel) -> None:
    """Resale prices below the terminal floor (information only), and one exactly at the floor."""
    dist = ch.role(1)
    if not dist.local:
        return
    product = ch.by_code["LK-P008"]
    for k, factor in enumerate(("0.85", "0.9")):
        buyer = dist.local[(k + 1) * len(dist.local) // 5]
        line = ch.planted_line(dist, buyer, product, price=price(product.floor_terminal * Decimal(factor)))
        ch.plant(line, dist, "resale_below_floor", True, f"resold at {factor} of the terminal floor", buyer=buyer.code)
    buyer = dist.local[len(dist.local) // 2]
    line = ch.planted_line(dist, buyer, product, price=product.floor_terminal)
    ch.plant(line, dist, "resale_below_floor", False, "resold exactly at the terminal floor", buyer=buyer.code)


def volume(ch: Channel) -> None:
    """A pharmacy takes many times what pharmacies take of a product in a month (and its distributor's
    month is far above its usual); beside it, another product's month well above its usual, but within the
    tolerance."""
    dist = ch.role(2)
    pharmacies = [t for t in dist.local if t.kind == "pharmacy"]
    if not pharmacies:
        return
    month = ch.months[-1]
    spike, busy = ch.by_code[SPIKE], ch.by_code[BUSY]
    buyer = pharmacies[len(pharmacies) // 2]
    # Enough to treble the distributor's month, and far beyond any pharmacy's (a few dozen boxes).
    totals = monthly_totals(ch, dist, spike)
    median = Decimal(statistics.median(totals[m] for m in ch.months[:-1]))
    extra = max(Decimal(600), 3 * median - totals[month])
    for part in (extra * 4 / 9, extra * 5 / 9):
        line = ch.planted_line(dist, buyer, spike, qty=int(part) + 1)
        ch.plant(
            line,
            dist,
            "suspicious_volume",
            True,
            "a pharmacy takes many times its peers' month",
            buyer=buyer.code,
            subject=buyer.code,
        )
    ch.add(
        ch.note(
            "suspicious_volume",
            True,
            "a month far above the distributor's usual",
            dist,
            product=spike.code,
            period=f"{month:%Y-%m}",
        )
    )
    # Busy but not unusual: 60% above the median of its previous months (the rule's tolerance is 100%).
    totals = monthly_totals(ch, dist, busy)
    median = Decimal(statistics.median(totals[m] for m in ch.months[:-1]))
    target = median * Decimal("1.6")
    for extra_buyer in ch.unused(dist, busy, month):
        qty = TYPICAL.get(extra_buyer.kind, TYPICAL[""])
        if totals[month] + qty > target:
            break
        line = ch.planted_line(dist, extra_buyer, busy, month=month, qty=qty)
        totals[month] += line.base_quantity
    ch.add(
        ch.note(
            "suspicious_volume",
            False,
            "a busy month, within the tolerance",
            dist,
            product=busy.code,
            period=f"{month:%Y-%m}",
        )
    )


def monthly_totals(ch: Channel, dist: Dist, goods: Goods) -> dict[dt.date, Decimal]:
    totals: dict[dt.date, Decimal] = defaultdict(Decimal)
    for month in ch.months:
        for line in ch.files[(dist.index, month)]:
            if line.goods is goods:
                totals[month] += line.base_quantity
    return totals


def stock(ch: Channel) -> None:
    """The second distributor sells a fifth more of a product than it was ever shipped (its last two
    batches sold twice over); beside it, a product whose every batch it sold to the last box."""
    dist = ch.role(1)
    over, through = ch.by_code[OVERRUN], ch.by_code[SOLD_THROUGH]
    short = {ch.batch_of(dist, over, month) for month in ch.months[-2:]}
    for ship in ch.ships.values():
        if ship.dist is dist and ship.goods is over:
            # Earlier batches sold to the last box, the last two only half covered: about a fifth more
            # sold than shipped in all, and two batches sold twice over.
            ship.factor = Decimal("0.5") if ship.batch in short else Decimal(1)
        elif ship.dist is dist and ship.goods is through:
            ship.factor = Decimal(1)
    if any(s.dist is dist and s.goods is over and s.sold > 0 for s in ch.ships.values()):
        ch.add(ch.note("flow_exceeds_stock", True, "sold a fifth more than it was shipped", dist, product=over.code))
        for batch in sorted(short):
            ch.add(
                ch.note(
                    "flow_exceeds_stock",
                    True,
                    "batch sold twice over",
                    dist,
                    product=over.code,
                    batch=batch,
                )
            )
    if any(s.dist is dist and s.goods is through and s.sold > 0 for s in ch.ships.values()):
        ch.add(ch.note("flow_exceeds_stock", False, "sold exactly what it was shipped", dist, product=through.code))
    for s in ch.ships.values():
        if s.dist is dist and s.goods is through and s.sold > 0:
            ch.add(
                ch.note(
                    "flow_exceeds_stock",
                    False,
                    "batch sold to the last box",
                    dist,
                    product=through.code,
                    batch=s.batch,
                )
            )


def prices(ch: Channel, director: Employee | None) -> None:
    """The company's own prices to the fourth distributor: one product invoiced below the floor (beside it,
    the month before, exactly at the floor); a discount used past its quantity cap (beside it, the shipment
    that reached the cap exactly); a discount undercut (beside it, a shipment at its net price)."""
    dist = ch.role(3)
    m = ch.months
    under = ch.by_code[UNDER_FLOOR]
    low = ch.ship_of(dist, under, ch.batch_of(dist, under, m[-1]), m[-1])
    low.price = price(under.floor_distributor * Decimal("0.9"))
    low.plants.append(
        ch.note(
            "price_below_floor",
            True,
            "invoiced at 0.9 of the floor",
            dist,
            product=under.code,
            batch=low.batch,
        )
    )
    at = ch.ship_of(dist, under, ch.batch_of(dist, under, m[-2]), m[-2])
    at.price = under.floor_distributor
    at.plants.append(
        ch.note(
            "price_below_floor",
            False,
            "invoiced exactly at the floor",
            dist,
            product=under.code,
            batch=at.batch,
        )
    )
    if director is None:
        return
    valid_from, valid_to = m[-4], m[-1] + dt.timedelta(days=40)
    # Past its cap: two batches at the net price fill the cap exactly, the third goes past it.
    capped = ch.by_code[CAPPED]
    net = price(capped.floor_distributor * Decimal("0.92"))
    ships = [ch.ship_of(dist, capped, ch.batch_of(dist, capped, month), month) for month in m[-3:]]
    for ship in ships:
        ship.price = net
        ship.quantity = Decimal(max(200, int(ship.sold * Decimal("1.3") / 50 + 1) * 50))
    cap = sum(((s.quantity or Decimal(0)) for s in ships[:2]), Decimal(0))
    ships[1].plants.append(
        ch.note(
            "unauthorised_discount",
            False,
            "discount used up to its cap",
            dist,
            product=capped.code,
            batch=ships[1].batch,
        )
    )
    ships[2].plants.append(
        ch.note(
            "unauthorised_discount",
            True,
            "discount used past its cap",
            dist,
            product=capped.code,
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
    cut = ch.by_code[CUT]
    net = price(cut.floor_distributor * Decimal("0.9"))
    fair = ch.ship_of(dist, cut, ch.batch_of(dist, cut, m[-2]), m[-2])
    fair.price = net
    fair.plants.append(
        ch.note(
            "unauthorised_discount",
            False,
            "shipped at the approved net price",
            dist,
            product=cut.code,
            batch=fair.batch,
        )
    )
    fair.plants.append(
        ch.note(
            "price_below_floor",
            False,
            "below the floor by an approved discount",
            dist,
            product=cut.code,
            batch=fair.batch,
        )
    )
    low = ch.ship_of(dist, cut, ch.batch_of(dist, cut, m[-1]), m[-1])
    low.price = price(cut.floor_distributor * Decimal("0.85"))
    for rule in ("unauthorised_discount", "price_below_floor"):
        low.plants.append(
            ch.note(rule, True, "shipped below the approved net price", dist, product=cut.code, batch=low.batch)
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


def missing_files(ch: Channel) -> None:
    """The fourth distributor never sent last-but-one month's file (overdue whatever its due day); last
    month's it has not sent yet either: overdue once its due day has passed, else not yet due."""
    dist = ch.role(3)
    due = DUE_DAYS[dist.index % len(DUE_DAYS)] or threshold("flow_file_missing", "due_day")
    for month in ch.months[-2:]:
        ch.withheld.add((dist.index, month))
        overdue = due_date(month, due) < ch.today
        what = "file not sent, its due day passed" if overdue else "file not sent, not due yet"
        ch.add(ch.note("flow_file_missing", overdue, what, dist, period=f"{month:%Y-%m}"))
    month = ch.months[-3]
    ch.add(ch.note("flow_file_missing", False, "file sent", dist, period=f"{month:%Y-%m}"))
