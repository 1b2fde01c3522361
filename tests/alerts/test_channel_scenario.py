"""The issue's "done when" for the channel rules: ten distributors, each with its own file layout (encodings,
title and total rows, merged headers, Excel dates, pack units, returns, bad and duplicated rows, a file sent
twice and a corrected file), authorised for different areas, with sell-in by batch at prices of which some break
the floor. Every cross-region line, every batch seen outside its region (with its source distributor), the stock
overrun and every own-price breach is found; resale prices come out as information; a second screening adds
nothing; the screening after a new import finds that file's cross-region lines.

What the rules should find is computed here from the rows the test writes, with a few lines of Python that
share nothing with the rules' SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from liuke.alerts import engine
from liuke.alerts.choices import RunMode
from liuke.alerts.models import Alert, ScreenRun
from liuke.channel import services
from liuke.channel.choices import ChannelLevel, ImportStatus
from liuke.channel.models import FlowLine
from tests.channel import test_ten_distributors as ten
from tests.channel.factories import write_csv, write_xlsx

from .channel_data import authorize, discount, floor, ship

pytestmark = pytest.mark.django_db

d = dt.date
market = ten.market  # the ten distributors D01-D10, the terminals of MASTER, products P1 and P2
TERMINALS = {code: (name, division, address) for code, name, _kind, division, address in ten.MASTER}

# Who may sell what where: (division, product code or None for every product, valid from, valid to).
AREAS: dict[str, list[tuple[str, str | None, dt.date | None, dt.date | None]]] = {
    "D01": [("310000", None, None, None)],
    "D02": [("320000", None, None, None)],
    "D03": [("330100", None, None, None)],  # a city
    "D04": [("420000", "P1", None, None)],  # tablets only
    "D05": [("440300", None, None, d(2024, 3, 15))],  # ends mid-month
    "D06": [("310000", None, None, None), ("320000", None, None, None)],
    "D07": [("330000", None, None, None)],
    "D08": [("420000", None, None, None)],
    "D09": [("440000", None, None, None)],
    # D10 has no authorisation on record: its own sales are not screened.
}
HOME = {
    "D01": ["SH01", "SH02", "SH03", "SH04", "SH05", "SH06", "SH07"],
    "D02": ["NJ01", "NJ02", "NJ03", "NJ04"],
    "D03": ["HZ01", "HZ02", "HZ03", "HZ04"],
    "D04": ["WH01", "WH02", "WH03", "WH04"],
    "D05": ["SZ01", "SZ02", "SZ03", "SZ04"],
    "D06": ["SH01", "NJ02", "SH05", "NJ04"],
    "D07": ["HZ01", "HZ02", "HZ03", "HZ04"],
    "D08": ["WH01", "WH02", "WH03", "WH04"],
    "D09": ["SZ01", "SZ02", "SZ03", "SZ04"],
    "D10": ["SZ01", "WH02", "SH02", "NJ03"],
}
# Floors per base unit and the own sell-in prices (some below the floor; D05's covered by a discount).
FLOORS = {("P1", ChannelLevel.DISTRIBUTOR): 20, ("P2", ChannelLevel.DISTRIBUTOR): 10,
          ("P1", ChannelLevel.TERMINAL): 30, ("P2", ChannelLevel.TERMINAL): 15}  # fmt: skip
PRICES = {("D03", "P1"): Decimal("18"), ("D07", "P2"): Decimal("9.5"), ("D09", "P1"): Decimal("19.99"),
          ("D05", "P1"): Decimal("18")}  # fmt: skip
DISCOUNTS = {("D05", "P1"): Decimal("17")}  # approved net prices
UNITS = {"P1": {"盒": Decimal(1), "件": Decimal(50), "片": Decimal(1) / 30}, "P2": {"瓶": Decimal(1)}}
NAMES = {"P1": "复方丹参片", "P2": "小儿止咳糖浆"}


@dataclass
class Row:
    """One data row a distributor's file holds, as the test means it."""

    dist: str
    date: dt.date
    product: str
    batch: str
    qty: Decimal  # base units
    buyer: str  # a MASTER terminal code
    price: Decimal | None = None
    doc: str = ""
    good: bool = True  # False: a duplicate or a bad row, not imported
    sheet_row: int = 0  # where it lands in its file
    file: str = ""

    @property
    def division(self) -> str:
        return TERMINALS[self.buyer][1]


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)

    def add(self, dist, i, buyer, product, qty, **more) -> Row:
        k = int(dist[1:])
        batch = more.pop("batch", f"B{k:02d}" if product == "P1" else f"S{k:02d}")
        row = Row(dist, more.pop("date", d(2024, 3, 1 + (3 * i) % 28)), product, batch, Decimal(qty), buyer,
                  doc=more.pop("doc", f"{dist}-{i:03d}"), **more)  # fmt: skip
        self.rows.append(row)
        return row


def _month_rows(dist: str) -> list[tuple[str, str, int]]:
    """A distributor's ordinary month: (buyer, product, quantity) over its home terminals."""
    home = HOME[dist]
    return [(home[i % len(home)], "P1" if i % 2 == 0 else "P2", 1 + i % 4) for i in range(8)]


def plan_march() -> Plan:
    plan = Plan()
    for k in range(1, 11):
        dist = f"D{k:02d}"
        for i, (buyer, product, qty) in enumerate(_month_rows(dist)):
            price = Decimal("35") if dist == "D01" else Decimal("25.5") if dist == "D09" else None
            plan.add(dist, i, buyer, product, qty * 50 if (dist, product) == ("D06", "P1") else qty, price=price)
    plan.add("D04", 10, "WH02", "P1", -2)  # returns: a negative quantity, and a document type
    plan.add("D07", 10, "HZ03", "P1", -1)
    # Planted: lines outside the distributor's area (D04's syrup and D05's late lines are outside already).
    for i, (dist, buyer, product) in enumerate([("D01", "NJ01", "P1"), ("D01", "HZ02", "P2"), ("D02", "SH03", "P1"),
                                                ("D03", "WH01", "P2"), ("D06", "HZ01", "P1"), ("D07", "SZ02", "P1"),
                                                ("D09", "WH03", "P2")]):  # fmt: skip
        plan.add(dist, 20 + i, buyer, product, 100 if (dist, product) == ("D06", "P1") else 2)
    plan.add("D01", 30, "SH06", "P1", 1, price=Decimal("28"))  # resold below the terminal floor of 30
    # Planted: batches seen outside every source's area. B01 went to D01 (Shanghai) only.
    plan.add("D02", 31, "NJ02", "P1", 3, batch="B01")
    plan.add("D10", 32, "SZ01", "P1", 2, batch="B01")
    plan.add("D09", 33, "SZ03", "P2", 1, batch="X10", price=Decimal("25.5"))  # X10 went to D10: no area known
    # Planted: D02 sells more syrup than it received (300 shipped).
    plan.add("D02", 34, "NJ03", "P2", 350)
    return plan


# --- the ten layouts ----------------------------------------------------------------------------------------


def _p(row: Row) -> str:
    return NAMES[row.product]


def _name(row: Row) -> str:
    return TERMINALS[row.buyer][0]


def _addr(row: Row) -> str:
    return TERMINALS[row.buyer][2]


def _write(path, head, body, rows, tail=(), **kw):
    """Write ``head`` (title and header rows), one line per row, then ``tail``; note where each row landed."""
    for i, row in enumerate(rows):
        row.sheet_row, row.file = len(head) + i + 1, path.name
    table = [*head, *body, *tail]
    if path.suffix == ".xlsx":
        return write_xlsx(path, table, **kw)
    if kw.get("sep") == "\t":
        path.write_bytes("\n".join("\t".join(str(c) for c in line) for line in table).encode(kw["encoding"]))
        return path
    return write_csv(path, table, **kw)


def _d01(rows):  # UTF-8 CSV, standard headers, prices
    head = [["销售日期", "商品名称", "批号", "数量", "单价", "购货单位", "收货地址", "单据号"]]
    body = [[r.date.isoformat(), _p(r), r.batch, r.qty, r.price or "", _name(r), _addr(r), r.doc] for r in rows]
    return head, body, {}


def _d02(rows):  # UTF-8 with BOM, two title rows and a total row
    head = [["第二医药 三月份 销售流向"], ["单位：盒"], ["日期", "品名", "批号", "数量", "客户名称", "客户地址"]]
    body = [[f"{r.date:%Y/%m/%d}", _p(r), r.batch, r.qty, _name(r), _addr(r)] for r in rows]
    return head, body, {"tail": [["合计", "", "", sum(r.qty for r in rows), "", ""]], "encoding": "utf-8-sig"}


def _d03(rows):  # GBK, other headers, tablets counted in 片
    head = [["出库日期", "药品名称", "生产批号", "实发数量", "单位", "收货单位", "送货地址"]]
    body = [[f"{r.date:%Y年%m月%d日}", _p(r), r.batch, r.qty * 30 if r.product == "P1" else r.qty,
             "片" if r.product == "P1" else "瓶", _name(r), _addr(r)] for r in rows]  # fmt: skip
    return head, body, {"encoding": "gbk"}


def _d04(rows):  # GB18030, tab-separated, returns as negative quantities
    head = [["单据日期", "通用名", "批号", "数量", "终端名称", "地址"]]
    body = [[r.date.isoformat(), _p(r), r.batch, r.qty, _name(r), _addr(r)] for r in rows]
    return head, body, {"sep": "\t", "encoding": "gb18030"}


def _d05(rows):  # XLSX, a header merged over two rows, Excel serial dates
    head = [["第五医药流向", None, None, None, None, None], ["日期", "产品", None, None, "客户", None],
            [None, "品名", "批号", "数量", "客户名称", "客户地址"]]  # fmt: skip
    body = [[(r.date - d(1899, 12, 30)).days, _p(r), r.batch, float(r.qty), _name(r), _addr(r)] for r in rows]
    return head, body, {"merges": ["A1:F1", "A2:A3", "B2:D2", "E2:F2"]}


def _d06(rows):  # XLSX with date-times, tablets in 件, a title row and a total row
    head = [["第六医药 2024年3月"], ["开票日期", "商品名称", "批号", "包装单位", "销售数量", "医院名称", "客户地址"]]
    body = [[dt.datetime.combine(r.date, dt.time(10)), _p(r), r.batch, "件" if r.product == "P1" else "瓶",
             float(r.qty / 50 if r.product == "P1" else r.qty), _name(r), _addr(r)] for r in rows]  # fmt: skip
    return head, body, {"tail": [["总计", None, None, None, sum(b[4] for b in body), None, None]]}


def _d07(rows):  # returns by document type, plus two bad rows
    head = [["日期", "品名", "批号", "数量", "客户名称", "地址", "单据类型"]]
    body = [[r.date.isoformat(), _p(r), r.batch, abs(r.qty), _name(r), _addr(r),
             "销售退货" if r.qty < 0 else "销售出库"] for r in rows]  # fmt: skip
    where = TERMINALS["HZ03"][2]
    bad = [["2024-03-05", "复方丹参片", "B07", "十", "浙江省人民医院", where, "销售出库"],
           ["2024-03-05", "阿莫西林", "B07", "3", "浙江省人民医院", where, "销售出库"]]  # fmt: skip
    return head, body, {"tail": bad}


def _d08(rows):  # document numbers, the first two lines pasted twice
    head = [["日期", "品名", "批号", "数量", "客户名称", "收货地址", "单号"]]
    body = [[r.date.isoformat(), _p(r), r.batch, r.qty, _name(r), _addr(r), r.doc] for r in rows]
    return head, body, {"tail": body[:2]}


def _d09(rows):  # text dates and numbers with stray spaces, a price and an empty amount
    head = [["日期", "品名", "批号", "数量", "单价", "金额", "客户名称", "地址"]]
    body = [[f" {r.date:%Y.%m.%d} ", _p(r), f" {r.batch}", f" {r.qty} ", f" {r.price} " if r.price else "", "",
             f"  {_name(r)} ", _addr(r)] for r in rows]  # fmt: skip
    return head, body, {}


def _d10(rows):  # headers nobody knows, mapped by hand
    head = [["开单日", "货品", "批次号", "件数", "往来单位", "往来地址"]]
    body = [[r.date.isoformat(), _p(r), r.batch, r.qty, _name(r), _addr(r)] for r in rows]
    return head, body, {}


LAYOUTS = {"D01": (_d01, ".csv"), "D02": (_d02, ".csv"), "D03": (_d03, ".csv"), "D04": (_d04, ".csv"),
           "D05": (_d05, ".xlsx"), "D06": (_d06, ".xlsx"), "D07": (_d07, ".csv"), "D08": (_d08, ".csv"),
           "D09": (_d09, ".xlsx"), "D10": (_d10, ".csv")}  # fmt: skip
MAPPINGS = {"D10": {"开单日": "date", "货品": "product", "批次号": "batch", "件数": "quantity",
                    "往来单位": "buyer_name", "往来地址": "buyer_address"}}  # fmt: skip


def write_files(folder, plan: Plan, suffix="2024-03") -> dict[str, tuple]:
    """Each distributor's rows in its own layout; returns {distributor: (path, header mapping or None)}."""
    by = defaultdict(list)
    for row in plan.rows:
        by[row.dist].append(row)
    files = {}
    for code, rows in by.items():
        layout, ext = LAYOUTS[code]
        head, body, kw = layout(rows)
        tail = kw.pop("tail", ())
        files[code] = (_write(folder / f"{code}_{suffix}{ext}", head, body, rows, tail, **kw), MAPPINGS.get(code))
    return files


# --- what the rules should find, from the rows ----------------------------------------------------------------


def _covers(area: str, division: str) -> bool:
    digits = 2 if area.endswith("0000") else 4 if area.endswith("00") else 6
    return division[:digits] == area[:digits]


def _authorised(dist: str, product: str, day: dt.date, division: str) -> bool:
    return any(
        (p is None or p == product) and (start is None or start <= day) and (end is None or day <= end)
        and _covers(area, division)
        for area, p, start, end in AREAS[dist]
    )  # fmt: skip


def expected_cross_region(rows: list[Row]) -> set[tuple[str, int]]:
    return {(r.file, r.sheet_row) for r in rows if r.dist in AREAS
            and not _authorised(r.dist, r.product, r.date, r.division)}  # fmt: skip


def expected_batches(rows: list[Row], sources: dict[tuple[str, str], set[str]]) -> dict[tuple[str, int], set[str]]:
    found = {}
    for r in rows:
        shipped_to = sources.get((r.product, r.batch), set())
        if not shipped_to or any(s not in AREAS for s in shipped_to):
            continue
        if not any(_authorised(s, r.product, r.date, r.division) for s in shipped_to):
            found[r.file, r.sheet_row] = shipped_to
    return found


def expected_stock(rows: list[Row], shipped: dict[tuple, Decimal]) -> set[tuple]:
    sold: dict[tuple, Decimal] = defaultdict(Decimal)
    for r in rows:
        sold[r.dist, r.product] += r.qty
        sold[r.dist, r.product, r.batch] += r.qty
    return {key for key, qty in sold.items() if qty * 100 > shipped.get(key, Decimal(0)) * 105}


# --- the scenario ---------------------------------------------------------------------------------------------


@pytest.fixture
def channel(market, world):
    _terminals, distributors = market
    dists = {c.code: c for c in distributors}
    from liuke.channel.models import Product

    products = {p.code: p for p in Product.objects.all()}
    for code, areas in AREAS.items():
        for area, product, start, end in areas:
            authorize(dists[code], area, products[product] if product else None, start, end)
    for (product, level), price in FLOORS.items():
        floor(products[product], level, price)
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    shipped: dict[tuple, Decimal] = defaultdict(Decimal)
    breaches = set()
    for k in range(1, 11):
        code = f"D{k:02d}"
        for product, qty, batch in (("P1", 500, f"B{k:02d}"), ("P2", 300, f"S{k:02d}")):
            price = PRICES.get((code, product), Decimal(22 if product == "P1" else 12))
            doc = f"SO-{code}-{product}"
            ship(dists[code], products[product], d(2024, 2, 1), qty, batch=batch, unit_price=price, doc_no=doc)
            sources[product, batch].add(code)
            shipped[code, product] += qty
            shipped[code, product, batch] += qty
            allowed = DISCOUNTS.get((code, product))
            if price < FLOORS[product, ChannelLevel.DISTRIBUTOR] and (allowed is None or allowed > price):
                breaches.add(doc)
    ship(dists["D10"], products["P2"], d(2024, 2, 1), 100, batch="X10", unit_price=12, doc_no="SO-D10-X10")
    sources["P2", "X10"].add("D10")
    shipped["D10", "P2"] += 100
    shipped["D10", "P2", "X10"] += 100
    for (code, product), net in DISCOUNTS.items():
        discount(dists[code], products[product], net, d(2024, 1, 1), d(2024, 12, 31), world.director)
    return dists, products, sources, shipped, breaches


def _import(files):
    results = {}
    for code, (path, mapping) in sorted(files.items()):
        results[code] = services.flow_import_run(path=str(path), distributor_code=code, period="2024-03",
                                                 mapping=mapping)  # fmt: skip
    return results


def _flow_rows(rule: str) -> dict[tuple[str, int], Alert]:
    return {(e["file"], e["row"]): a for a in Alert.objects.filter(rule=rule)
            for e in a.evidence if e["type"] == "flow_line"}  # fmt: skip


def test_the_ten_distributor_market_is_screened_whole(channel, tmp_path, django_capture_on_commit_callbacks):
    dists, products, sources, shipped, breaches = channel
    plan = plan_march()
    d08 = [r for r in plan.rows if r.dist == "D08"]
    files = write_files(tmp_path, Plan([r for r in plan.rows if r.dist != "D08"]))
    results = _import(files)
    for code, result in results.items():
        assert result.imported == sum(1 for r in plan.rows if r.dist == code), (code, result.errors)
    assert results["D07"].rejected == 2
    # D01's file sent again imports nothing.
    assert services.flow_import_run(path=str(files["D01"][0]), distributor_code="D01", period="2024-03").imported == 0
    # D08 sends a file, then corrects it: a line to a buyer in Shanghai goes, one to a buyer in Nanjing comes
    # (both outside D08's Hubei). The replaced file's lines are history.
    first = Plan(list(d08))
    gone = first.add("D08", 40, "SH01", "P1", 1)
    (tmp_path / "first").mkdir()
    result = _import(write_files(tmp_path / "first", first))["D08"]
    assert result.duplicates == 2  # the first lines pasted twice
    gone_at = (gone.file, gone.sheet_row)
    corrected = Plan(list(d08))
    corrected.add("D08", 41, "NJ03", "P1", 1)
    again = services.flow_import_run(path=str(write_files(tmp_path, corrected, suffix="2024-03-v2")["D08"][0]),
                                     distributor_code="D08", period="2024-03")  # fmt: skip
    assert again.replaced == result.import_id
    imported = [r for r in plan.rows if r.dist != "D08"] + corrected.rows

    # The lines are where the test put them: file, row, buyer and division.
    stored = {(f, n): (b, div) for f, n, b, div in FlowLine.objects.filter(flow_import__status=ImportStatus.ACTIVE)
              .values_list("flow_import__file_name", "row_no", "terminal__code", "division_id")}  # fmt: skip
    assert stored == {(r.file, r.sheet_row): (r.buyer, r.division) for r in imported}

    engine.screen()
    # Every cross-region line, and nothing else.
    cross = _flow_rows("cross_region")
    assert set(cross) == expected_cross_region(imported)
    assert gone_at not in cross  # the replaced file's line is history
    for alert in Alert.objects.filter(rule="cross_region"):
        assert alert.severity == "high"
        assert alert.evidence_count == len(alert.evidence)
    # Every batch seen outside its region, with the distributors it was shipped to.
    batch = _flow_rows("batch_out_of_region")
    expected = expected_batches(imported, sources)
    assert set(batch) == set(expected)
    for where, alert in batch.items():
        named = {e["distributor"] for e in alert.evidence if e["type"] == "shipment" and e.get("source")}
        assert named == expected[where], where
        assert alert.customer.code in expected[where]
    assert ("D02_2024-03.csv", next(r.sheet_row for r in imported if r.dist == "D02" and r.batch == "B01")) in batch
    # The stock overruns (D02's syrup, and batches sold by distributors they were never shipped to).
    keys = {a.key for a in Alert.objects.filter(rule="flow_exceeds_stock")}
    want = set()
    for key in expected_stock(imported, shipped):
        ids = (dists[key[0]].pk, products[key[1]].pk, *key[2:])
        want.add(":".join(str(x) for x in ids))
    assert keys == want
    assert f"{dists['D02'].pk}:{products['P2'].pk}" in keys
    # Every own-price breach, and the one a discount covers is not one.
    docs = {e["doc_no"] for a in Alert.objects.filter(rule="price_below_floor") for e in a.evidence}
    assert docs == breaches == {"SO-D03-P1", "SO-D07-P2", "SO-D09-P1"}
    # Resale prices below the terminal floor: information, never more.
    resale = Alert.objects.filter(rule="resale_below_floor")
    assert {a.distributor.code for a in resale} == {"D01", "D09"}
    assert set(resale.values_list("severity", flat=True)) == {"info"}
    resold = {(e["file"], e["row"]) for a in resale for e in a.evidence}
    assert resold == {(r.file, r.sheet_row) for r in imported if r.price is not None
                      and r.price < FLOORS[r.product, ChannelLevel.TERMINAL]}  # fmt: skip

    # A second screening adds nothing and closes nothing.
    again = engine.screen()
    assert (again.opened, again.reopened, again.closed) == ([], [], 0)

    # A new month's file: the screening after its import finds its cross-region lines at once.
    april = Plan()
    april.add("D01", 1, "SH02", "P1", 1, date=d(2024, 4, 3))
    april.add("D01", 2, "WH04", "P1", 2, date=d(2024, 4, 4))
    april.add("D01", 3, "SZ04", "P2", 1, date=d(2024, 4, 5))
    new = write_files(tmp_path, april, suffix="2024-04")
    with django_capture_on_commit_callbacks(execute=True):
        result = services.flow_import_run(path=str(new["D01"][0]), distributor_code="D01", period="2024-04")
    run = ScreenRun.objects.filter(mode=RunMode.INCREMENTAL).latest("pk")
    assert result.import_id in run.scope["flow_imports"]
    assert "cross_region" in run.timings
    assert "flow_file_missing" not in run.timings  # a rule that cannot look at one file waits for the night
    found = _flow_rows("cross_region")
    assert {("D01_2024-04.csv", 3), ("D01_2024-04.csv", 4)} <= set(found)
    assert ("D01_2024-04.csv", 2) not in found
