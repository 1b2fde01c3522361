"""A small channel on top of the world: products, distributors, terminals with divisions, sell-in; file writers."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from liuke.channel import services
from liuke.channel.matching import clear_caches
from liuke.channel.models import Product, Shipment
from liuke.core.changelog import change_context
from liuke.customers.models import AccountTeamMember, Customer

TERMINALS = [
    # code, name, kind, division
    ("H-RJ", "上海交通大学医学院附属瑞金医院", "hospital", "310101"),
    ("H-ZS", "复旦大学附属中山医院", "hospital", "310104"),
    ("H-PD", "上海市浦东新区人民医院", "hospital", "310115"),
    ("H-GL", "南京鼓楼医院", "hospital", "320106"),
    ("H-NJ1", "南京市第一医院", "hospital", "320104"),
    ("P-LBX", "老百姓大药房(浦东店)", "pharmacy", "310115"),
    ("P-YF", "益丰大药房连锁股份有限公司", "pharmacy", "320106"),
    ("C-HM", "浦东新区花木社区卫生服务中心", "clinic", "310115"),
]


@dataclass
class Channel:
    world: object
    dist_sh: Customer
    dist_js: Customer
    tablets: Product
    syrup: Product
    terminals: dict[str, Customer]


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list], merges: list[str] = ()) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for rng in merges:
        ws.merge_cells(rng)
    wb.save(path)
    return path


def write_xls(path: Path, rows: list[list]) -> Path:
    """A real Excel 97-2003 workbook (BIFF8), as older distributor systems export; dates as Excel date cells."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("流向")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write(r, c, value, date_style)
            else:
                sheet.write(r, c, value)
    book.save(str(path))
    return path


def build_channel(world) -> Channel:
    clear_caches()
    with change_context(source="system"):
        dist_sh = Customer.objects.create(
            code="D-SH", name="上海医药分销有限公司", kind="distributor", division_id="310000"
        )
        dist_js = Customer.objects.create(
            code="D-JS", name="江苏华康医药有限公司", kind="distributor", division_id="320000"
        )
        AccountTeamMember.objects.create(customer=dist_sh, employee=world.rep_a, role="develop")
        AccountTeamMember.objects.create(customer=dist_js, employee=world.rep_b, role="develop")
        terminals = {
            code: Customer.objects.create(code=code, name=name, kind=kind, division_id=div)
            for code, name, kind, div in TERMINALS
        }
        tablets = services.product_save(
            data={"code": "P001", "name": "复方丹参片", "spec": "0.3g*10片*3板/盒", "base_unit": "盒",
                  "units": {"件": "50"}}
        )  # fmt: skip
        syrup = services.product_save(
            data={"code": "P002", "name": "小儿止咳糖浆", "spec": "100ml/瓶", "base_unit": "瓶", "units": {"件": "40"}}
        )
        for dist in (dist_sh, dist_js):
            Shipment.objects.create(
                date=dt.date(2024, 1, 2), distributor=dist, product=tablets, batch="B2401", quantity=Decimal(1000),
                made_on=dt.date(2023, 12, 1), expires_on=dt.date(2025, 11, 30),
            )  # fmt: skip
    return Channel(world, dist_sh, dist_js, tablets, syrup, terminals)


def channel_for(w) -> Channel:
    """The channel of a world, built once (the generic view cases use it)."""
    if getattr(w, "_channel", None) is None:
        w._channel = build_channel(w)
    return w._channel
