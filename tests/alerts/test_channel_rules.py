"""The channel's screening rules, one by one: rows that must fire beside rows that must not, at the boundaries
(validity dates, county against city against province, product-specific against all-products authorisations,
returns, tolerances, a discount that covers the price)."""

import datetime as dt

import pytest
from django.utils import translation

from liuke.alerts import engine
from liuke.alerts.models import Alert
from liuke.channel.choices import ChannelLevel, ImportStatus
from liuke.customers.models import Customer
from tests.channel.factories import build_channel

from .channel_data import authorize, discount, findings, floor, flow_file, rows_of, ship

pytestmark = pytest.mark.django_db

d = dt.date


@pytest.fixture
def ch(world):
    return build_channel(world)


def _line(product, day, division, **more):
    return {"product": product, "date": day, "division": division, **more}


# --- cross_region -----------------------------------------------------------------------------------------


def test_cross_region_respects_areas_products_and_validity(ch):
    sh, js, tablets, syrup = ch.dist_sh, ch.dist_js, ch.tablets, ch.syrup
    authorize(sh, "310115", tablets, valid_from=d(2024, 1, 1), valid_to=d(2024, 6, 30))  # a county, tablets only
    authorize(sh, "320100")  # a city, every product, open-ended
    authorize(sh, "330000", syrup, valid_from=d(2024, 3, 1))  # a province, syrup only
    rj, pd = ch.terminals["H-RJ"], ch.terminals["H-PD"]
    lines = [
        _line(tablets, d(2024, 2, 10), "310115", terminal=pd),  # 2 inside the county
        _line(tablets, d(2024, 2, 11), "310101", terminal=rj),  # 3 another county of the same city: outside
        _line(tablets, d(2024, 2, 12), "310101", terminal=rj, quantity=4),  # 4 same buyer and month: same alert
        _line(tablets, d(2024, 6, 30), "310115", buyer="浦东某药房"),  # 5 last valid day: inside
        _line(tablets, d(2024, 7, 1), "310115", buyer="浦东某药房"),  # 6 the day after: outside
        _line(tablets, d(2024, 2, 13), "320106", buyer="鼓楼某诊所"),  # 7 a county of the all-products city
        _line(syrup, d(2024, 3, 1), "330106", buyer="西湖某药房"),  # 8 first valid day of the syrup province
        _line(syrup, d(2024, 2, 29), "330106", buyer="西湖某药房"),  # 9 the day before: outside
        _line(syrup, d(2024, 3, 5), "310115", buyer="浦东某药房"),  # 10 the county is for tablets only
        _line(tablets, d(2024, 2, 14), None, buyer="不知何处"),  # 11 division unknown: never flagged
        _line(tablets, d(2024, 2, 15), "310000", buyer="上海某处"),  # 12 only the province known: may be inside
        _line(tablets, d(2024, 2, 16), "440300", buyer="深圳某医院"),  # 13 a whole city elsewhere: outside
    ]
    flow_file(sh, "2024-02", lines)
    flow_file(js, "2024-02", [_line(tablets, d(2024, 2, 3), "440303", buyer="深圳某医院")])  # no authorisation
    flow_file(sh, "2024-01", [_line(tablets, d(2024, 1, 3), "440303")], status=ImportStatus.SUPERSEDED)

    found = findings("cross_region")
    flagged = {pair for f in found.values() for pair in rows_of(f)}
    file = "D-SH_2024-02.csv"
    assert flagged == {(file, 3), (file, 4), (file, 6), (file, 9), (file, 10), (file, 13)}
    rj_alert = found[f"{sh.pk}:{tablets.pk}:{rj.pk}:2024-02"]
    assert rj_alert.evidence_count == 2
    assert rj_alert.params["quantity"] == "5"
    assert rj_alert.customer_id == rj_alert.distributor_id == sh.pk
    assert rj_alert.division_id == "310101"
    assert rj_alert.product_code == "P001"
    assert rj_alert.params["region"] == "上海市黄浦区"
    assert rj_alert.params["buyer"] == rj.name
    item = rj_alert.evidence[0]
    assert item["type"] == "flow_line"
    assert item["distributor"] == "D-SH"
    assert item["buyer"] == "H-RJ"
    assert item["date"] == "2024-02-11"
    assert item["quantity"] == 1
    assert isinstance(item["import"], int)
    # A buyer without a terminal is grouped by its name; the month is the line's.
    assert f"{sh.pk}:{tablets.pk}:浦东某药房:2024-07" in found


def test_cross_region_groups_and_keeps_its_keys_across_runs(ch):
    sh, tablets = ch.dist_sh, ch.tablets
    authorize(sh, "310000")
    flow_file(sh, "2024-02", [_line(tablets, d(2024, 2, i + 1), "320106", buyer="南京某店") for i in range(25)])
    first = engine.screen(["cross_region"])
    assert len(first.opened) == 1
    alert = Alert.objects.get(rule="cross_region")
    assert alert.evidence_count == 25
    assert len(alert.evidence) == 20
    assert [e["row"] for e in alert.evidence] == list(range(2, 22))
    again = engine.screen(["cross_region"])
    assert again.opened == []
    assert again.reopened == []
    assert again.closed == 0


# --- batch_out_of_region ----------------------------------------------------------------------------------


def test_batch_out_of_region_names_the_source_distributor(ch, world):
    sh, js, tablets = ch.dist_sh, ch.dist_js, ch.tablets
    with_no_area = Customer.objects.create(code="D-NA", name="无授权医药", kind="distributor")
    authorize(sh, "310000")
    authorize(js, "320000")
    ship(sh, tablets, d(2024, 1, 5), 100, batch="B77", doc_no="SO-77")
    ship(with_no_area, tablets, d(2024, 1, 5), 100, batch="B88", doc_no="SO-88")
    # B2401 went to both D-SH and D-JS (the factory's shipments).
    flow_file(
        js,
        "2024-02",
        [
            _line(tablets, d(2024, 2, 1), "320106", batch="B77", buyer="南京某店"),  # 2 D-SH's batch in Nanjing
            _line(tablets, d(2024, 2, 2), "320106", batch="B2401", buyer="南京某店"),  # 3 D-JS's own batch at home
            _line(tablets, d(2024, 2, 3), "440303", batch="B88", buyer="深圳某店"),  # 4 source has no area
            _line(tablets, d(2024, 2, 4), "440303", batch="ZZ", buyer="深圳某店"),  # 5 never shipped
            _line(tablets, d(2024, 2, 5), "310115", batch="B77", buyer="浦东某店"),  # 6 B77 at home in Shanghai
        ],
    )
    flow_file(sh, "2024-02", [_line(tablets, d(2024, 2, 9), "440303", batch="B2401", buyer="深圳某店")])

    found = findings("batch_out_of_region")
    assert set(found) == {f"{tablets.pk}:B77:{js.pk}:2024-02", f"{tablets.pk}:B2401:{sh.pk}:2024-02"}
    b77 = found[f"{tablets.pk}:B77:{js.pk}:2024-02"]
    assert rows_of(b77) == {("D-JS_2024-02.csv", 2)}
    assert b77.customer_id == sh.pk
    assert b77.params["source"] == sh.name
    sources = [e for e in b77.evidence if e["type"] == "shipment"]
    assert [(e["distributor"], e["doc_no"]) for e in sources] == [("D-SH", "SO-77")]
    both = found[f"{tablets.pk}:B2401:{sh.pk}:2024-02"]
    assert {e["distributor"] for e in both.evidence if e["type"] == "shipment"} == {"D-SH", "D-JS"}


# --- flow_exceeds_stock -----------------------------------------------------------------------------------


def test_flow_exceeds_stock_per_product_and_batch_with_tolerance(ch):
    sh, js, tablets, syrup = ch.dist_sh, ch.dist_js, ch.tablets, ch.syrup
    # D-SH received 1000 tablets of B2401 (the factory's shipment): 1050 sold is exactly 5 % over.
    flow_file(
        sh,
        "2024-02",
        [
            _line(tablets, d(2024, 2, 1), "310115", batch="B2401", quantity=1060),
            _line(tablets, d(2024, 2, 2), "310115", batch="B2401", quantity=-10),  # a return
        ],
    )
    assert findings("flow_exceeds_stock") == {}  # 1050 net: within 5 %
    flow_file(sh, "2024-03", [_line(tablets, d(2024, 3, 1), "310115", batch="B2401", quantity=1)])
    found = findings("flow_exceeds_stock")
    assert set(found) == {f"{sh.pk}:{tablets.pk}", f"{sh.pk}:{tablets.pk}:B2401"}
    product = found[f"{sh.pk}:{tablets.pk}"]
    assert product.params["sell_out"] == "1051"
    assert product.params["sell_in"] == "1000"
    stock = product.evidence[0]
    assert stock == {"type": "stock", "product": "P001", "batch": None, "opening_stock": 0, "sell_in": 1000,
                     "sell_out": 1051}  # fmt: skip
    files = {e["file"] for e in product.evidence if e["type"] == "flow_import"}
    assert files == {"D-SH_2024-02.csv", "D-SH_2024-03.csv"}
    assert findings("flow_exceeds_stock", tolerance_percent="10") == {}

    # One batch over while the product as a whole is not: the batch alone.
    ship(js, syrup, d(2024, 1, 3), 500, batch="S1")
    ship(js, syrup, d(2024, 1, 3), 500, batch="S2")
    flow_file(
        js,
        "2024-02",
        [
            _line(syrup, d(2024, 2, 1), "320106", batch="S1", quantity=600),
            _line(syrup, d(2024, 2, 1), "320106", batch="S2", quantity=300),
        ],
    )
    keys = set(findings("flow_exceeds_stock"))
    assert f"{js.pk}:{syrup.pk}:S1" in keys
    assert f"{js.pk}:{syrup.pk}" not in keys
    assert f"{js.pk}:{syrup.pk}:S2" not in keys


# --- price_below_floor ------------------------------------------------------------------------------------


def test_price_below_floor_per_validity_and_discount(ch, world):
    sh, tablets = ch.dist_sh, ch.tablets
    floor(tablets, ChannelLevel.DISTRIBUTOR, 20, d(2024, 1, 1), d(2024, 6, 30))
    floor(tablets, ChannelLevel.DISTRIBUTOR, 22, d(2024, 7, 1))
    floor(tablets, ChannelLevel.TERMINAL, 30)  # another level: not the sell-in floor
    discount(sh, tablets, 18, d(2024, 4, 1), d(2024, 4, 30), world.manager_a)
    ship(sh, tablets, d(2024, 3, 1), 10, unit_price=19, doc_no="S-0301")  # below 20
    ship(sh, tablets, d(2024, 3, 5), 10, unit_price=20, doc_no="S-0305")  # at the floor
    ship(sh, tablets, d(2024, 4, 10), 10, unit_price="18.5", doc_no="S-0410")  # the discount allows it
    ship(sh, tablets, d(2024, 4, 11), 10, unit_price="17.5", doc_no="S-0411")  # below the discount too
    ship(sh, tablets, d(2024, 5, 2), 10, unit_price="18.5", doc_no="S-0502")  # the discount has ended
    ship(sh, tablets, d(2024, 6, 30), 10, unit_price=21, doc_no="S-0630")  # old floor 20: fine
    ship(sh, tablets, d(2024, 7, 2), 10, unit_price=21, doc_no="S-0702")  # new floor 22: below
    ship(sh, tablets, d(2024, 7, 3), 10, doc_no="S-NOPRICE")  # no price: nothing to judge

    found = findings("price_below_floor")
    docs = {e["doc_no"] for f in found.values() for e in f.evidence}
    assert docs == {"S-0301", "S-0411", "S-0502", "S-0702"}
    assert set(found) == {f"{sh.pk}:{tablets.pk}:2024-{m}" for m in ("03", "04", "05", "07")}
    july = found[f"{sh.pk}:{tablets.pk}:2024-07"]
    assert july.params["price"] == "21"
    assert july.params["floor"] == "22"
    assert july.evidence[0]["floor"] == 22
    assert july.customer_id == sh.pk


# --- unauthorised_discount --------------------------------------------------------------------------------


def test_unauthorised_discount_below_net_price_and_beyond_the_cap(ch, world):
    sh, tablets = ch.dist_sh, ch.tablets
    floor(tablets, ChannelLevel.DISTRIBUTOR, 20)
    granted = discount(sh, tablets, 18, d(2024, 4, 1), d(2024, 4, 30), world.manager_a, cap=100)
    ship(sh, tablets, d(2024, 4, 2), 60, unit_price=18, doc_no="S-1")  # within the cap
    ship(sh, tablets, d(2024, 4, 10), 40, unit_price=19, doc_no="S-2")  # 100: exactly the cap
    ship(sh, tablets, d(2024, 4, 12), 5, unit_price=18, doc_no="S-3")  # 105: beyond the cap
    ship(sh, tablets, d(2024, 4, 15), 10, unit_price=17, doc_no="S-4")  # below the approved net price
    ship(sh, tablets, d(2024, 4, 20), 500, unit_price=20, doc_no="S-5")  # at the floor: no discount used
    ship(sh, tablets, d(2024, 5, 2), 10, unit_price=17, doc_no="S-6")  # after the discount: price_below_floor's

    found = findings("unauthorised_discount")
    assert set(found) == {str(granted.pk)}
    alert = found[str(granted.pk)]
    reasons = {e["doc_no"]: e["reason"] for e in alert.evidence if e["type"] == "shipment"}
    assert reasons == {"S-3": "over_cap", "S-4": "below_net_price"}
    assert alert.evidence[0]["approver"] == "MA"
    assert {"type": "employee", "employee_no": "MA"} in alert.evidence
    assert alert.employee_id == world.manager_a.pk
    assert alert.customer_id == sh.pk
    assert alert.params["below"] == 1
    assert alert.params["over_cap"] == 1
    # A second, lower discount valid at the same time covers S-4: then only the cap is exceeded.
    discount(sh, tablets, 16, d(2024, 4, 14), d(2024, 4, 16), world.manager_a)
    again = findings("unauthorised_discount")[str(granted.pk)]
    assert {e["doc_no"] for e in again.evidence if e["type"] == "shipment"} == {"S-3"}


# --- resale_below_floor -----------------------------------------------------------------------------------


def test_resale_below_floor_is_information_only(ch):
    sh, tablets = ch.dist_sh, ch.tablets
    floor(tablets, ChannelLevel.TERMINAL, 30, d(2024, 1, 1))
    floor(tablets, ChannelLevel.DISTRIBUTOR, 50)  # the sell-in floor is not the resale floor
    flow_file(
        sh,
        "2024-02",
        [
            _line(tablets, d(2024, 2, 1), "310115", unit_price=25),  # 2 below
            _line(tablets, d(2024, 2, 2), "310115", unit_price=30),  # 3 at the floor
            _line(tablets, d(2024, 2, 3), "310115", unit_price=0),  # 4 no price given
            _line(tablets, d(2024, 2, 4), "310115"),  # 5 no price column
        ],
    )
    flow_file(sh, "2023-12", [_line(tablets, d(2023, 12, 20), "310115", unit_price=5)])  # before the floor
    found = findings("resale_below_floor")
    assert set(found) == {f"{sh.pk}:{tablets.pk}:2024-02"}
    assert rows_of(found[f"{sh.pk}:{tablets.pk}:2024-02"]) == {("D-SH_2024-02.csv", 2)}
    from liuke.alerts import services

    services.rule_setting_save(rule="resale_below_floor", enabled=True, severity="high")
    engine.screen(["resale_below_floor"])
    alert = Alert.objects.get(rule="resale_below_floor")
    assert alert.severity == "info"
    with translation.override("en"):
        assert "Anti-Monopoly" in str(alert.rule_def.info_reason)
    assert "反垄断法" in str(alert.rule_def.info_reason)  # Chinese by default


# --- suspicious_volume ------------------------------------------------------------------------------------


def _monthly(distributor, product, quantities: dict[str, int], **more):
    for period, qty in quantities.items():
        year, month = (int(x) for x in period.split("-"))
        flow_file(distributor, period, [_line(product, d(year, month, 15), "310115", quantity=qty, **more)])


def test_suspicious_volume_against_own_trailing_median(ch):
    sh, js, tablets = ch.dist_sh, ch.dist_js, ch.tablets
    _monthly(sh, tablets, {"2024-01": 100, "2024-02": 110, "2024-03": 90, "2024-04": 100, "2024-05": 105,
                           "2024-06": 201})  # fmt: skip
    _monthly(js, tablets, {"2024-03": 100, "2024-04": 100, "2024-05": 100, "2024-06": 49})
    found = findings("suspicious_volume", today=d(2024, 7, 20))
    assert set(found) == {f"d:{sh.pk}:{tablets.pk}:2024-06", f"d:{js.pk}:{tablets.pk}:2024-06"}
    up = found[f"d:{sh.pk}:{tablets.pk}:2024-06"]
    assert up.params["quantity"] == "201"
    assert up.params["median"] == "100"
    assert rows_of(up) == {("D-SH_2024-06.csv", 2)}
    # Exactly twice the median, or exactly half: within the tolerances.
    assert findings("suspicious_volume", today=d(2024, 7, 20), above_percent=101, below_percent=52) == {}
    # Too little history: two months are not a baseline. The month in progress is never judged.
    assert f"d:{js.pk}:{tablets.pk}:2024-06" not in findings("suspicious_volume", today=d(2024, 7, 20), history=5)
    assert findings("suspicious_volume", today=d(2024, 6, 20)) == {}
    # Volumes too small to judge: neither the month nor the usual volume reaches the threshold.
    assert findings("suspicious_volume", today=d(2024, 7, 20), min_quantity="250") == {}


def test_suspicious_volume_terminal_far_above_its_kind(ch, world):
    sh, tablets = ch.dist_sh, ch.tablets
    hospitals = [Customer.objects.create(code=f"HX{i}", name=f"第{i}医院", kind="hospital") for i in range(6)]
    lonely = Customer.objects.create(code="PX", name="孤药房", kind="pharmacy")
    takes = [100, 120, 90, 110, 100, 530]  # median 105: 530 is just above five times it
    lines = [
        _line(tablets, d(2024, 3, 5), "310115", terminal=h, quantity=q) for h, q in zip(hospitals, takes, strict=True)
    ]
    lines.append(_line(tablets, d(2024, 3, 5), "310115", terminal=lonely, quantity=5000))  # no peers to compare
    flow_file(sh, "2024-03", lines)
    found = findings("suspicious_volume", today=d(2024, 4, 20))
    big = hospitals[-1]
    assert set(found) == {f"t:{big.pk}:{tablets.pk}:2024-03"}
    alert = found[f"t:{big.pk}:{tablets.pk}:2024-03"]
    assert alert.customer_id == big.pk
    assert alert.params["median"] == "105"
    assert {"type": "customer", "code": "HX5"} in alert.evidence
    assert findings("suspicious_volume", today=d(2024, 4, 20), terminal_multiple="5") != {}
    assert findings("suspicious_volume", today=d(2024, 4, 20), terminal_multiple="6") == {}  # 530 < 6 × 105


# --- flow_file_missing ------------------------------------------------------------------------------------


def test_flow_file_missing_after_the_due_day(ch):
    from liuke.channel.models import DistributorProfile

    sh, js, tablets = ch.dist_sh, ch.dist_js, ch.tablets  # both first received goods on 2024-01-02
    flow_file(sh, "2024-01", [_line(tablets, d(2024, 1, 5), "310115")])
    flow_file(sh, "2024-03", [_line(tablets, d(2024, 3, 5), "310115")])
    flow_file(sh, "2024-02", [_line(tablets, d(2024, 2, 5), "310115")], status=ImportStatus.SUPERSEDED)
    DistributorProfile.objects.create(distributor=js, flow_due_day=20)
    Customer.objects.create(code="D-NEW", name="新医药", kind="distributor")  # nothing shipped, nothing sent

    found = findings("flow_file_missing", today=d(2024, 4, 15))
    assert set(found) == {f"{sh.pk}:2024-02", f"{js.pk}:2024-01", f"{js.pk}:2024-02"}
    assert found[f"{sh.pk}:2024-02"].params == {"distributor": sh.name, "period": "2024-02", "due": "2024-03-10"}
    assert found[f"{js.pk}:2024-02"].params["due"] == "2024-03-20"
    # D-JS's March file is due on 20 April, D-SH's on the 10th: on the due day itself nobody is late.
    flow_file(sh, "2024-02", [_line(tablets, d(2024, 2, 5), "310115")])
    assert f"{js.pk}:2024-03" in findings("flow_file_missing", today=d(2024, 4, 21))
    assert f"{js.pk}:2024-03" not in findings("flow_file_missing", today=d(2024, 4, 20))
    assert findings("flow_file_missing", today=d(2024, 4, 10), due_day=10).keys() == {
        f"{js.pk}:2024-01",
        f"{js.pk}:2024-02",
    }


# --- the page an alert's evidence links to ----------------------------------------------------------------


def test_one_imported_row_as_it_was_imported(ch, world, login, tmp_path, django_assert_max_num_queries):
    from django.urls import reverse

    from liuke.channel import services
    from tests.channel.factories import write_csv

    ruijin = ("上海交通大学医学院附属瑞金医院", "上海市黄浦区瑞金二路197号")
    rows = [
        ["日期", "品名", "批号", "数量", "单位", "单价", "客户名称", "地址", "单号"],
        ["2024-01-05", "复方丹参片", "B2401", "2", "件", "1500", *ruijin, "X-1"],
        ["2024-01-07", "复方丹参片", "B2401", "x", "盒", "25", "复旦大学附属中山医院", "", "X-2"],
    ]
    result = services.flow_import_run(
        path=str(write_csv(tmp_path / "上海_2024-01.csv", rows)), distributor_code="D-SH", period="2024-01"
    )
    url = reverse("channel:import_row", args=[result.import_id, 2])
    assert url == f"/channel/imports/{result.import_id}/rows/2/"
    client = login(world.manager_a)
    with django_assert_max_num_queries(20):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    for shown in ("上海_2024-01.csv", "上海交通大学医学院附属瑞金医院", "上海市黄浦区瑞金二路197号", "B2401", "X-1",
                  ">2 件<", "100 盒", ">30<", "H-RJ", f"/channel/imports/{result.import_id}/"):  # fmt: skip
        assert shown in body, shown
    assert 'data-testid="match-method"' in body
    # A rejected row says why; a row that does not exist, or a line the viewer may not see, is not there.
    rejected = client.get(reverse("channel:import_row", args=[result.import_id, 3])).content.decode()
    assert 'data-testid="row-rejected"' in rejected
    assert "复旦大学附属中山医院" in rejected
    assert client.get(reverse("channel:import_row", args=[result.import_id, 9])).status_code == 404
    assert login(world.manager_b).get(url).status_code == 404
    assert login(world.rep_b).get(url).status_code == 404


def test_the_due_day_of_flow_files_is_set_on_the_distributor_page(ch, world, login, django_assert_max_num_queries):
    from liuke.channel.models import DistributorProfile
    from liuke.core.models import ChangeLogEntry

    page = f"/channel/distributors/{ch.dist_sh.pk}/"
    url = f"/channel/distributors/{ch.dist_sh.pk}/due-day/"
    manager = login(world.manager_a)
    with django_assert_max_num_queries(25):
        body = manager.get(page).content.decode()
    assert 'data-testid="flow-due-day"' in body
    assert 'placeholder="10"' in body  # the rule's default
    assert login(world.rep_a).post(url, {"flow_due_day": "5"}).status_code == 403  # sees it, may not set it
    assert login(world.manager_b).post(url, {"flow_due_day": "5"}).status_code == 404
    assert not DistributorProfile.objects.exists()
    manager = login(world.manager_a)
    entries = ChangeLogEntry.objects.count()
    assert manager.post(url, {"flow_due_day": "20"}).status_code == 302
    assert DistributorProfile.objects.get(distributor=ch.dist_sh).flow_due_day == 20
    assert ChangeLogEntry.objects.count() == entries + 1
    assert 'value="20"' in manager.get(page).content.decode()
    manager.post(url, {"flow_due_day": "29"})  # no such due day: nothing changes
    assert DistributorProfile.objects.get(distributor=ch.dist_sh).flow_due_day == 20
    manager.post(url, {"flow_due_day": ""})  # back to the default
    assert DistributorProfile.objects.get(distributor=ch.dist_sh).flow_due_day is None
    assert login(world.rep_a).post(url, {"flow_due_day": "5"}).status_code == 403


def test_a_change_of_sell_in_or_master_data_screens_what_it_touches(ch, world, django_capture_on_commit_callbacks):
    from liuke.alerts.choices import RunMode
    from liuke.alerts.models import ScreenRun
    from liuke.channel import services
    from liuke.core.changelog import change_context

    sh, tablets = ch.dist_sh, ch.tablets
    floor(tablets, ChannelLevel.DISTRIBUTOR, 20)
    with change_context(source="system"), django_capture_on_commit_callbacks(execute=True):
        for doc in ("S-1", "S-2"):  # an import's rows: one screening after the commit, not one per row
            services.shipment_record(data={"date": d(2024, 3, 1), "distributor": sh, "product": tablets,
                                           "batch": "B9", "quantity": 10, "unit_price": 15, "doc_no": doc})  # fmt: skip
    run = ScreenRun.objects.get(mode=RunMode.INCREMENTAL)
    assert run.scope["sell_in"] == [sh.pk]
    assert {"batch_out_of_region", "flow_exceeds_stock", "price_below_floor", "unauthorised_discount"} <= set(
        run.timings
    )
    alert = Alert.objects.get(rule="price_below_floor")
    assert {e["doc_no"] for e in alert.evidence} == {"S-1", "S-2"}
    with change_context(source="system"), django_capture_on_commit_callbacks(execute=True):
        services.authorization_save(distributor=sh, product=None, division=sh.division, valid_from=None, valid_to=None)
        services.price_floor_save(product=tablets, channel_level=ChannelLevel.TERMINAL, floor_price=30,
                                  valid_from=None, valid_to=None)  # fmt: skip
    run = ScreenRun.objects.filter(mode=RunMode.INCREMENTAL).latest("pk")
    assert run.scope["authorizations"] == [sh.pk]
    assert run.scope["price_floors"] == [tablets.pk]
    assert {"cross_region", "resale_below_floor", "price_below_floor"} <= set(run.timings)
