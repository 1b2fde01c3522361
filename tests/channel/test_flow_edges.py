"""What people see of a flow import: fields named as they read them, and a mapping form that guesses."""

import csv
import io
import re

import pytest
from django.utils import translation

from liuke.channel import services
from liuke.channel.models import FlowImport, FlowRejection

from .factories import write_csv

pytestmark = pytest.mark.django_db

HEADER = ["日期", "品名", "批号", "数量", "单位", "单价", "客户名称", "地址"]
ROWS = [
    HEADER,
    ["2024-01-05", "复方丹参片", "B2401", "2", "件", "1500", "上海交通大学医学院附属瑞金医院", ""],
    ["2024-01-07", "复方丹参片", "B2401", "x", "盒", "25", "复旦大学附属中山医院", ""],
    ["2024-01-08", "复方丹参片", "B2401", "3", "盒", "25", "", ""],
]
UPLOAD = "/channel/imports/upload/"


def import_in_chinese(path):
    with translation.override("zh-hans"):
        return services.flow_import_run(path=str(path), distributor_code="D-SH", period="2024-01")


def field_cells(body: str) -> list[str]:
    """The Field column of the import page's table of rows not imported."""
    table = body.split('data-testid="import-errors"', 1)[1].split("</table>", 1)[0]
    return [cells[1] for cells in re.findall(r"<tr[^>]*><td>(\d+)</td><td>([^<]*)</td>", table)]


def test_import_page_and_error_report_name_fields_as_people_read_them(channel, login, tmp_path):
    result = import_in_chinese(write_csv(tmp_path / "sh.csv", ROWS))
    # Scripts keep the stable English keys (INTERFACES.md).
    assert [e["field"] for e in result.as_dict()["errors"]] == ["quantity", "buyer_name"]
    client = login(channel.world.admin)
    body = client.get(f"/channel/imports/{result.import_id}/").content.decode()
    assert field_cells(body) == ["数量", "购货单位名称"]
    report = client.get(f"/channel/imports/{result.import_id}/errors.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(report)))
    assert [r[1] for r in rows[1:]] == ["数量", "购货单位名称"]
    assert "buyer_name" not in report


def test_the_import_page_names_fields_read_from_the_headers_and_rows_stored_with_a_key(channel, login, tmp_path):
    result = import_in_chinese(write_csv(tmp_path / "sh.csv", ROWS[:2]))
    FlowRejection.objects.create(flow_import_id=result.import_id, row_no=9, field="unit_price", reason="…")
    body = login(channel.world.admin).get(f"/channel/imports/{result.import_id}/").content.decode()
    assert field_cells(body) == ["单价"]
    assert "购货单位名称 ← 客户名称" in body
    assert "buyer_name" not in body.split('id="history"')[0]  # the change log's own display is not this page's


def odd_file(tmp_path, header=("开单日", "货品", "批号", "件数", "往来单位")):
    return write_csv(tmp_path / "odd.csv", [list(header), ["2024-01-05", "复方丹参片", "B2401", "3", "南京鼓楼医院"]])


def selected(body: str, header: str) -> str:
    select = body.split(f'name="map:{header}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)" selected>', select)[0]


def test_the_mapping_form_offers_field_names_and_preselects_known_headers(channel, login, tmp_path):
    client = login(channel.world.admin)
    with odd_file(tmp_path).open("rb") as fh:
        response = client.post(UPLOAD, {"distributor": "D-SH", "period": "2024-01", "file": fh})
    assert response.status_code == 400
    body = response.content.decode()
    assert selected(body, "批号") == "batch"
    assert selected(body, "货品") == ""  # no known variant: left at "not used" for the person to choose
    assert '<option value="buyer_name">购货单位名称</option>' in body
    assert ">buyer_name<" not in body
    assert "购货单位名称 (buyer_name)" in body  # the missing column by name (and by the header a file may use)


def test_a_header_containing_a_known_variant_is_guessed_but_not_a_short_common_word(channel, login, tmp_path):
    client = login(channel.world.admin)
    with odd_file(tmp_path, ("开单日期", "货品名称", "批号", "件数", "往来单位")).open("rb") as fh:
        body = client.post(UPLOAD, {"distributor": "D-SH", "period": "2024-01", "file": fh}).content.decode()
    assert (selected(body, "开单日期"), selected(body, "货品名称")) == ("date", "product")
    assert selected(body, "往来单位") == ""  # 单位 is the unit, but not in 往来单位


def test_the_mapping_form_shown_again_keeps_what_was_chosen(channel, login, tmp_path):
    client = login(channel.world.admin)
    with odd_file(tmp_path).open("rb") as fh:
        response = client.post(
            UPLOAD, {"distributor": "D-SH", "period": "2024-01", "file": fh, "map:开单日": "date", "map:批号": ""}
        )
    assert response.status_code == 400  # product, quantity and buyer still unknown
    body = response.content.decode()
    assert selected(body, "开单日") == "date"
    assert selected(body, "批号") == ""  # chosen as not used
    assert FlowImport.objects.count() == 0
