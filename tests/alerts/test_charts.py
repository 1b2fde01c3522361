"""The pictures: where the goods went (authorised region → buyer's region), the province map, alerts over time and
an alert's evidence; each with the same numbers as a table, in Chinese and in English."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from decimal import Decimal
from pathlib import Path

import pytest

from liuke.alerts import charts
from liuke.alerts.choices import Severity
from liuke.alerts.filtersets import ChannelMapFilterSet
from liuke.channel.models import DistributorAuthorization, FlowImport, FlowLine
from liuke.org.models import Division

from ..channel.factories import channel_for
from .factories import make_alert, toy_rules

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
JAN = dt.date(2025, 1, 1)


@pytest.fixture
def flow(world):
    """Shanghai's distributor is authorised for Shanghai, Jiangsu's for Jiangsu; each sold some across."""
    ch = channel_for(world)
    DistributorAuthorization.objects.create(distributor=ch.dist_sh, product=None, division_id="310000")
    DistributorAuthorization.objects.create(distributor=ch.dist_js, product=ch.tablets, division_id="320000")
    t = ch.terminals
    row = iter(range(1, 100))
    for dist, month, lines in (
        (ch.dist_sh, JAN, [(t["H-RJ"], "310101", 10), (t["H-GL"], "320106", 5)]),
        (ch.dist_js, JAN, [(t["H-GL"], "320106", 7), (t["H-PD"], "310115", 3)]),
        (ch.dist_js, dt.date(2025, 2, 1), [(t["H-GL"], "320106", 40)]),
    ):
        imp = FlowImport.objects.create(
            distributor=dist, period=month, file_name=f"{dist.code}-{month:%Y%m}.csv", sha256=f"{dist.code}{month}" * 4,
            status="active",
        )  # fmt: skip
        for terminal, division, quantity in lines:
            n = next(row)
            FlowLine.objects.create(
                flow_import=imp, distributor=dist, row_no=n, date=month + dt.timedelta(days=4), product=ch.tablets,
                quantity=Decimal(quantity), buyer_name=terminal.name, buyer_key=terminal.name, division_id=division,
                terminal=terminal, match_method="exact", dedup_key=n,
            )  # fmt: skip
    return ch


def _links(sankey) -> dict[tuple[str, str], tuple[float, bool]]:
    return {(link["source"], link["target"]): (link["value"], link["cross"]) for link in sankey["links"]}


def test_the_sankey_runs_from_the_authorised_region_to_the_buyers(world, flow):
    names = charts.province_names()
    assert names["31"] == "上海"
    assert names["32"] == "江苏"
    sankey = charts.sankey(viewer=world.director.user, month=JAN, product_id=None, names=names)
    assert _links(sankey) == {
        ("a31", "b31"): (10.0, False),
        ("a31", "b32"): (5.0, True),
        ("a32", "b32"): (7.0, False),
        ("a32", "b31"): (3.0, True),
    }
    assert {n["name"]: n["label"] for n in sankey["nodes"]} == {
        "a31": "上海",
        "a32": "江苏",
        "b31": "上海",
        "b32": "江苏",
    }
    # Another month, another product.
    feb = charts.sankey(viewer=world.director.user, month=dt.date(2025, 2, 1), product_id=None, names=names)
    assert _links(feb) == {("a32", "b32"): (40.0, False)}
    assert charts.sankey(viewer=world.director.user, month=JAN, product_id=flow.syrup.pk, names=names)["links"] == []


def test_without_an_authorisation_the_distributors_own_province_is_the_source(world, flow):
    for authorisation in DistributorAuthorization.objects.all():
        authorisation.archive()
    sankey = charts.sankey(viewer=world.director.user, month=JAN, product_id=None, names=charts.province_names())
    assert set(_links(sankey)) == {("a31", "b31"), ("a31", "b32"), ("a32", "b32"), ("a32", "b31")}


def test_the_map_and_the_sankey_follow_what_the_viewer_may_see(world, flow):
    names = charts.province_names()
    # manager_a's team covers the Shanghai distributor: its whole flow, and nothing of Jiangsu's.
    seen = charts.sankey(viewer=world.manager_a.user, month=JAN, product_id=None, names=names)
    assert _links(seen) == {("a31", "b31"): (10.0, False), ("a31", "b32"): (5.0, True)}
    assert charts.sankey(viewer=world.rep_b.user, month=JAN, product_id=None, names=names)["links"] == []
    with toy_rules():
        make_alert(customer=world.customer_a, division="310101")
        make_alert(customer=world.customer_b, division="320106", severity=Severity.HIGH)
        make_alert(customer=world.customer_b, division="320104")
        mapped = charts.province_map(
            links=seen["links"], alerts=charts.alert_counts_by_province(viewer=world.director.user), names=names
        )
        rows = {r["code"]: (r["alerts"], r["cross"]) for r in mapped["rows"]}
        assert rows == {"320000": (2, 5.0), "310000": (1, 0.0)}
        assert charts.alert_counts_by_province(viewer=world.rep_a.user) == {"31": 1}


def test_alerts_over_time_stack_by_rule_and_by_region(world):
    with toy_rules():
        make_alert(customer=world.customer_a, division="310101")
        make_alert(customer=world.customer_b, division="320106")
        make_alert(rule="toy_cross", customer=world.customer_b, division="320106", days_old=70)
        make_alert(customer=world.customer_b, days_old=400)  # older than the window
        data = charts.alerts_over_time(viewer=world.director.user, months=6, names=charts.province_names())
    assert len(data["months"]) == 6
    by_rule = {s["name"]: sum(s["data"]) for s in data["by_rule"]}
    assert by_rule == {"Toy coverage": 2, "Toy cross-region": 1}
    assert data["by_rule"][0]["data"][-1] == 2  # both opened this month
    by_region = {s["name"]: sum(s["data"]) for s in data["by_region"]}
    assert by_region == {"江苏": 2, "上海": 1}
    assert data["by_rule_rows"][-1] == {"month": data["months"][-1], "counts": [2, 0]}


def test_the_channel_map_page_in_both_languages_with_tables(world, flow, client, django_assert_max_num_queries):
    with toy_rules():
        make_alert(rule="toy_cross", customer=flow.dist_js, distributor=flow.dist_js, division="310115")
        client.force_login(world.director.user)
        with django_assert_max_num_queries(25):
            response = client.get("/alerts/map/?month=2025-01")
        body = response.content.decode()
        assert response.status_code == 200
        assert 'data-chart="sankey"' in body
        assert 'id="sankey-data"' in body
        assert 'data-testid="sankey-table"' in body
        assert "vendor/echarts/echarts.min.js" in body
        assert "vendor/china-geojson/china-provinces.json" in body
        assert "跨区" in body  # the cross-region rows, marked in the table
        assert "授权地区" in body
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        english = client.get("/alerts/map/?month=2025-01&months=24").content.decode()
        assert "Where the goods went" in english
        assert "Authorised region" in english
        assert "货物流向" not in english
        assert (
            json.loads(english.split('id="time-data" type="application/json">')[1].split("</script>")[0])["count_label"]
            == "Alerts"
        )
        assert client.get("/alerts/map/?month=2025-13&product=x&months=7").status_code == 200


def test_the_month_defaults_to_the_latest_flow_and_filters_validate(world, flow):
    assert charts.flow_months(viewer=world.director.user) == [dt.date(2025, 2, 1), JAN]
    good = ChannelMapFilterSet({"month": "2025-01", "product": str(flow.tablets.pk), "months": "6"})
    assert (good.month_start, good.product_id, good.months_back) == (JAN, flow.tablets.pk, 6)
    odd = ChannelMapFilterSet({"month": "2025-13", "product": "²", "months": "7"})
    assert (odd.month_start, odd.product_id, odd.months_back) == (None, None, 12)


def test_an_alerts_evidence_in_pictures(world):
    with toy_rules():
        alert = make_alert(
            rule="toy_cross",
            customer=world.customer_b,
            evidence=[
                {"type": "flow_line", "date": "2025-01-03", "quantity": 4.0, "buyer_name": "瑞金医院"},
                {"type": "flow_line", "date": "2025-01-20", "quantity": 6.0, "buyer_name": "中山医院"},
                {"type": "flow_line", "date": "2025-02-01", "quantity": 5.0, "buyer_name": "瑞金医院"},
                {"type": "customer", "code": "CB"},
            ],
            evidence_count=9,
        )
        picture = charts.evidence_picture(alert)
        assert picture["months"] == ["2025-01", "2025-02"]
        assert picture["by_month"] == [10.0, 5.0]
        assert dict(zip(picture["places"], picture["by_place"], strict=True)) == {"瑞金医院": 9.0, "中山医院": 6.0}
        assert picture["listed_only"] is True
        assert charts.evidence_picture(make_alert(customer=world.customer_a)) is None  # nothing to draw


def test_the_map_names_provinces_by_their_gb_t_2260_codes():
    spec = importlib.util.spec_from_file_location("vendor_assets", ROOT / "tools" / "vendor_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.province_code({"id": "32", "name": "江苏"}) == "320000"
    assert module.province_code({"name": "香港"}) == "810000"
    assert module.province_code({"id": "", "name": "南海诸岛"}) == "nanhai"
    built = ROOT / "src" / "liuke" / "static" / "vendor" / "china-geojson" / "china-provinces.json"
    if not built.exists():  # the assets are built by `make run` / scripts/bootstrap.sh
        pytest.skip("front-end assets not built")
    codes = {f["properties"]["code"] for f in json.loads(built.read_text(encoding="utf-8"))["features"]}
    provinces = set(Division.objects.filter(level="province").values_list("code", flat=True))
    assert provinces <= codes | {"nanhai"}
    assert codes - {"nanhai"} <= provinces
