"""The demo company's product catalogue: what it sells, where hospitals use it and who competes with it.

One list for everything that names a product: the channel's ``Product`` rows and price floors
(``liuke.demo.channel``), the customers' archive fields (listed products, competitor products) and what
record cards, problems and market intelligence talk about (``liuke.demo.card_words``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DemoProduct:
    code: str
    name: str
    spec: str
    base_unit: str
    units: dict[str, str]  # other units in base units
    floor_distributor: Decimal  # price floors per base unit
    floor_terminal: Decimal
    departments: tuple[str, ...]  # the hospital departments that prescribe it, most important first
    competitors: tuple[str, ...]  # makers of the same or a rival product


def _p(
    code: str,
    name: str,
    spec: str,
    unit: str,
    per_case: str,
    floors: tuple[str, str],
    departments: tuple[str, ...],
    competitors: tuple[str, ...],
) -> DemoProduct:
    return DemoProduct(
        code, name, spec, unit, {"件": per_case}, Decimal(floors[0]), Decimal(floors[1]), departments, competitors
    )


CATALOGUE = [
    _p("LK-P001", "复方丹参片", "0.3g*10片*3板/盒", "盒", "100", ("18.50", "24.00"),
       ("心内科", "老年医学科", "神经内科"), ("天士力", "白云山", "同仁堂")),
    _p("LK-P002", "小儿止咳糖浆", "100ml/瓶", "瓶", "60", ("12.00", "16.80"),
       ("儿科", "呼吸内科"), ("葵花药业", "太极集团", "济川药业")),
    _p("LK-P003", "阿莫西林胶囊", "0.25g*24粒/盒", "盒", "200", ("6.50", "9.90"),
       ("呼吸内科", "儿科", "急诊科"), ("联邦制药", "华北制药", "石药集团", "科伦药业")),
    _p("LK-P004", "银杏叶片", "9.6mg*12片*2板/盒", "盒", "120", ("21.00", "29.00"),
       ("神经内科", "心内科", "老年医学科"), ("步长制药", "以岭药业", "扬子江药业")),
    _p("LK-P005", "苯磺酸氨氯地平片", "5mg*28片/盒", "盒", "200", ("8.50", "12.00"),
       ("心内科", "老年医学科", "肾内科"), ("辉瑞", "华海药业", "扬子江药业")),
    _p("LK-P006", "盐酸二甲双胍缓释片", "0.5g*30片/盒", "盒", "200", ("9.80", "13.50"),
       ("内分泌科", "老年医学科"), ("正大天晴", "石药集团", "齐鲁制药")),
    _p("LK-P007", "奥美拉唑肠溶胶囊", "20mg*14粒/盒", "盒", "200", ("7.20", "10.50"),
       ("消化内科", "急诊科"), ("阿斯利康", "正大天晴", "扬子江药业")),
    _p("LK-P008", "蒙脱石散", "3g*10袋/盒", "盒", "100", ("11.00", "15.80"),
       ("儿科", "消化内科"), ("益普生", "先声药业")),
]  # fmt: skip
BY_NAME = {p.name: p for p in CATALOGUE}
# Every competitor the catalogue faces, in a fixed order (archive fields name them too).
COMPETITORS = list(dict.fromkeys(c for p in CATALOGUE for c in p.competitors))
