"""Flow import: the rules of CHANNEL.md "Import rules", on real CSV (UTF-8, GBK) and XLSX files."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from liuke.channel import flow as flow_module
from liuke.channel import services
from liuke.channel.choices import FlowFlag, ImportStatus, MatchMethod, ReviewStatus
from liuke.channel.models import BuyerReview, FlowImport, FlowLine, FlowRejection, TerminalAlias
from liuke.core.models import ChangeLogEntry
from liuke.core.tabular import UnusableFile

from .factories import write_csv, write_xls, write_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["销售日期", "商品名称", "规格", "批号", "数量", "单位", "单价", "金额", "购货单位", "收货地址", "单据号"]


def run(path, channel, period="2024-01", **kw):
    return services.flow_import_run(path=str(path), distributor_code=channel.dist_sh.code, period=period, **kw)


def test_good_rows_are_imported_in_base_units_with_returns_and_matches(channel, tmp_path):
    rows = [
        HEADER,
        ["2024-01-05", "复方丹参片", "0.3g*10片*3板/盒", "B2401", "2", "件", "1500", "3000", "上海交通大学医学院附属瑞金医院", "上海市黄浦区瑞金二路197号", "X1"],  # noqa: E501
        ["2024/1/6", "复方丹参片", "0.3g*10片*3板/盒", "B2401", "60", "片", "1", "60", "复旦大学附属中山医院（药剂科）", "", "X2"],  # noqa: E501
        ["2024-01-07", "复方丹参片", "", "B2401", "-5", "盒", "30", "-150", "上海市浦东新区人民医院", "", "X3"],
    ]  # fmt: skip
    result = run(write_csv(tmp_path / "jan.csv", rows), channel)
    assert result.as_dict()["rejected"] == 0, result.errors
    assert (result.rows, result.imported) == (3, 3)
    lines = {ln.row_no: ln for ln in FlowLine.objects.all()}
    assert lines[2].quantity == Decimal(100)  # 2 件 × 50
    assert lines[3].quantity == Decimal(2)  # 60 片 ÷ 30
    assert lines[2].unit_price == Decimal(30)  # 1500 per 件 → 30 per 盒
    assert lines[4].quantity == Decimal(-5)
    assert lines[4].is_return
    assert lines[2].terminal == channel.terminals["H-RJ"]
    assert lines[2].match_method == MatchMethod.EXACT
    assert lines[3].terminal == channel.terminals["H-ZS"]
    assert lines[4].terminal == channel.terminals["H-PD"]
    record = FlowImport.objects.get()
    assert record.status == ImportStatus.ACTIVE
    assert record.quantity_total == Decimal(97)
    assert len(record.sha256) == 64


def test_bad_rows_are_rejected_with_row_and_reason_and_none_lost(channel, tmp_path):
    rows = [
        HEADER,
        ["2024-01-05", "复方丹参片", "", "B2401", "abc", "盒", "", "", "南京鼓楼医院", "", ""],
        ["", "复方丹参片", "", "B2401", "3", "盒", "", "", "南京鼓楼医院", "", ""],
        ["2024-13-45", "复方丹参片", "", "B2401", "3", "盒", "", "", "南京鼓楼医院", "", ""],
        ["2024-01-05", "不存在的药", "", "B2401", "3", "盒", "", "", "南京鼓楼医院", "", ""],
        ["2024-01-05", "复方丹参片", "", "B2401", "3", "吨", "", "", "南京鼓楼医院", "", ""],
        ["2024-01-05", "复方丹参片", "", "B2401", "3", "盒", "", "", "  ", "", ""],
        ["2024-01-05", "复方丹参片", "", "B2401", "0", "盒", "", "", "南京鼓楼医院", "", ""],
        ["2024-01-05", "复方丹参片", "", "B2401", "3", "盒", "x1", "", "南京鼓楼医院", "", ""],
        ["2024-01-05", "复方丹参片", "", "B2401", "3", "盒", "", "", "南京鼓楼医院", "", ""],
    ]  # fmt: skip
    result = run(write_csv(tmp_path / "bad.csv", rows), channel)
    reasons = {e.row: (e.field, e.reason) for e in result.errors}
    assert set(reasons) == {2, 3, 4, 5, 6, 7, 8, 9}
    assert reasons[2][0] == "quantity"
    assert "abc" in reasons[2][1]
    assert reasons[3] == ("date", "The date is empty.")
    assert reasons[5][0] == "product"
    assert "不存在的药" in reasons[5][1]
    assert reasons[6][0] == "unit"
    assert "吨" in reasons[6][1]
    assert reasons[7][0] == "buyer_name"
    assert reasons[8] == ("quantity", "The quantity is zero.")
    assert reasons[9][0] == "unit_price"
    assert result.imported == 1
    assert result.rows == result.imported + result.duplicates + result.rejected
    assert FlowRejection.objects.count() == 8
    assert FlowLine.objects.count() == 1


def test_the_same_file_twice_imports_nothing(channel, tmp_path):
    path = write_csv(
        tmp_path / "f.csv",
        [HEADER, ["2024-01-05", "复方丹参片", "", "B2401", "3", "盒", "", "", "南京鼓楼医院", "", ""]],
    )
    first = run(path, channel)
    before = ChangeLogEntry.objects.count()
    again = run(path, channel)
    assert again.imported == 0
    assert again.already_imported == first.import_id
    assert FlowLine.objects.count() == 1
    assert ChangeLogEntry.objects.count() == before


def test_a_corrected_file_replaces_the_earlier_one_and_shows_what_changed(channel, tmp_path):
    base = ["复方丹参片", "", "B2401"]
    first = [HEADER,
             ["2024-01-05", *base, "3", "盒", "", "", "南京鼓楼医院", "", "A1"],
             ["2024-01-06", *base, "4", "盒", "", "", "南京鼓楼医院", "", "A2"]]  # fmt: skip
    corrected = [HEADER,
                 ["2024-01-05", *base, "3", "盒", "", "", "南京鼓楼医院", "", "A1"],
                 ["2024-01-06", *base, "40", "盒", "", "", "南京鼓楼医院", "", "A2"],
                 ["2024-01-07", *base, "1", "盒", "", "", "南京鼓楼医院", "", "A3"]]  # fmt: skip
    one = run(write_csv(tmp_path / "v1.csv", first), channel)
    two = run(write_csv(tmp_path / "v2.csv", corrected), channel)
    assert two.replaced == one.import_id
    assert FlowImport.objects.get(pk=one.import_id).status == ImportStatus.SUPERSEDED
    assert two.changes["added"] == 2
    assert two.changes["removed"] == 1
    assert two.changes["unchanged"] == 1
    assert two.changes["by_product"] == [{"product": "复方丹参片", "before": "7", "after": "44"}]
    active = FlowLine.objects.filter(flow_import__status=ImportStatus.ACTIVE)
    assert sorted(active.values_list("quantity", flat=True)) == [1, 3, 40]


def test_duplicate_rows_within_and_across_files_are_counted_not_stored(channel, tmp_path):
    row = ["2024-01-05", "复方丹参片", "", "B2401", "3", "盒", "", "", "南京鼓楼医院", "", ""]
    result = run(write_csv(tmp_path / "d.csv", [HEADER, row, row, [*row[:4], "4", *row[5:]]]), channel)
    assert (result.imported, result.duplicates, result.rejected) == (2, 1, 0)
    report = FlowRejection.objects.get()
    assert report.is_duplicate
    assert report.row_no == 3
    assert "row 2" in report.reason
    # A daily file of the same distributor in the same month: the row already there is not counted twice.
    result = services.flow_import_run(
        path=str(write_csv(tmp_path / "daily.csv", [HEADER, row, [*row[:4], "9", *row[5:]]])),
        distributor_code="D-SH", period="2024-02",
    )  # fmt: skip
    assert (result.imported, result.duplicates) == (1, 1)


def test_gbk_csv_with_title_and_total_rows(channel, tmp_path):
    rows = [
        ["上海医药分销有限公司 2024年1月 产品流向"],
        ["制表日期：2024-02-01"],
        HEADER,
        ["2024-01-05", "复方丹参片", "", "B2401", "3", "盒", "30", "90", "南京鼓楼医院", "", ""],
        ["2024-01-06", "小儿止咳糖浆", "100ml/瓶", "", "2", "件", "", "", "南京市第一医院", "", ""],
        ["合计", "", "", "", "5", "", "", "90", "", "", ""],
    ]
    result = run(write_csv(tmp_path / "gbk.csv", rows, encoding="gbk"), channel)
    assert (result.rows, result.imported, result.rejected, result.total_rows) == (2, 2, 0, 1)
    assert FlowImport.objects.get().header_row == 3
    assert sorted(FlowLine.objects.values_list("quantity", flat=True)) == [3, 80]


def test_xlsx_with_merged_headers_serial_dates_and_excel_dates(channel, tmp_path):
    rows = [
        ["江苏华康医药 一月流向", None, None, None, None, None],
        ["日期", "产品信息", None, "数量", "客户信息", None],
        [None, "品名", "批号", None, "客户名称", "地址"],
        [45296, "复方丹参片", 2401, 3, "南京鼓楼医院", "南京市鼓楼区中山路321号"],
        [dt.datetime(2024, 1, 6, 9, 30), "复方丹参片", "B2401", 2.0, "益丰大药房", "南京市鼓楼区"],  # noqa: DTZ001 - Excel cells carry naive datetimes
        ["总计", None, None, 5, None, None],
    ]
    path = write_xlsx(tmp_path / "js.xlsx", rows, merges=["A1:F1", "A2:A3", "B2:C2", "D2:D3", "E2:F2"])
    result = services.flow_import_run(path=str(path), distributor_code="D-JS", period="2024-01")
    assert (result.imported, result.rejected, result.total_rows) == (2, 0, 1), result.errors
    dates = sorted(FlowLine.objects.values_list("date", flat=True))
    assert dates == [dt.date(2024, 1, 5), dt.date(2024, 1, 6)]
    pharmacy = FlowLine.objects.get(row_no=5)
    assert pharmacy.terminal == channel.terminals["P-YF"]
    assert pharmacy.match_method in (MatchMethod.NORMALISED, MatchMethod.FUZZY)


def test_xls_from_an_older_distributor_system(channel, tmp_path):
    """A real Excel 97-2003 file: title row, date cells, a number stored as text, a bad row and a total row."""
    rows = [
        ["江苏华康医药有限公司 2024年1月 销售流向"],
        ["出库日期", "药品名称", "规格", "批号", "实发数量", "单位", "收货单位", "送货地址"],
        [dt.date(2024, 1, 8), "复方丹参片", "0.3g*10片*3板/盒", "B2401", 2, "件", "南京鼓楼医院", "鼓楼区中山路321号"],
        [dt.date(2024, 1, 9), "复方丹参片", "0.3g*10片*3板/盒", "B2401", "3", "盒", "益丰大药房", "南京市鼓楼区"],
        [dt.date(2024, 1, 10), "复方丹参片", "", "B2401", "三盒", "盒", "南京鼓楼医院", ""],
        ["合计", None, None, None, 6, None, None, None],
    ]  # fmt: skip
    path = write_xls(tmp_path / "js.xls", rows)
    assert path.read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")  # an OLE2 compound file, not XLSX renamed
    result = services.flow_import_run(path=str(path), distributor_code="D-JS", period="2024-01")
    assert (result.rows, result.imported, result.total_rows) == (3, 2, 1), result.errors
    assert [(e.row, e.field) for e in result.errors] == [(5, "quantity")]
    assert "三盒" in result.errors[0].reason
    lines = {ln.row_no: ln for ln in FlowLine.objects.all()}
    assert lines[3].date == dt.date(2024, 1, 8)
    assert lines[3].quantity == Decimal(100)  # 2 件 × 50
    assert lines[3].terminal == channel.terminals["H-GL"]
    assert lines[4].quantity == Decimal(3)
    assert FlowImport.objects.get().header_row == 2


def test_dates_outside_the_period_the_future_or_the_batch_life_are_flagged_not_dropped(channel, tmp_path):
    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()  # noqa: DTZ011
    rows = [
        HEADER,
        ["2024-02-03", "复方丹参片", "", "B2401", "1", "盒", "", "", "南京鼓楼医院", "", ""],
        [future, "复方丹参片", "", "B2401", "1", "盒", "", "", "南京鼓楼医院", "", ""],
        ["2024-01-05", "复方丹参片", "", "B9999", "1", "盒", "", "", "南京鼓楼医院", "", ""],
        ["2024-01-01", "复方丹参片", "", "B2401", "1", "盒", "", "", "南京鼓楼医院", "", ""],
    ]
    result = run(write_csv(tmp_path / "flags.csv", rows), channel)
    assert result.imported == 4
    assert result.flagged == 4
    flags = {ln.row_no: ln.flags for ln in FlowLine.objects.all()}
    assert flags[2] & FlowFlag.OUT_OF_PERIOD
    assert flags[3] & FlowFlag.FUTURE
    assert flags[4] & FlowFlag.UNKNOWN_BATCH
    assert flags[5] & FlowFlag.BEFORE_SELL_IN  # sold on 1 Jan, first shipped to this distributor on 2 Jan


def test_a_killed_import_leaves_nothing_half_written(channel, tmp_path, monkeypatch):
    rows = [HEADER] + [
        ["2024-01-05", "复方丹参片", "", "B2401", str(i + 1), "盒", "", "", "南京鼓楼医院", "", ""] for i in range(50)
    ]
    monkeypatch.setattr(flow_module, "BATCH_SIZE", 10)  # lines reach the database before the crash
    calls = {"n": 0}
    real = flow_module.dedup_hash

    def crash(text):
        calls["n"] += 1
        if calls["n"] == 40:
            raise KeyboardInterrupt("killed")
        return real(text)

    monkeypatch.setattr(flow_module, "dedup_hash", crash)
    before = ChangeLogEntry.objects.count()
    with pytest.raises(KeyboardInterrupt):
        run(write_csv(tmp_path / "k.csv", rows), channel)
    assert FlowLine.objects.count() == 0
    assert FlowImport.objects.count() == 0
    assert FlowRejection.objects.count() == 0
    assert ChangeLogEntry.objects.count() == before


def test_rejected_rows_stored_while_lines_stream_in_are_all_kept(channel, tmp_path, monkeypatch):
    """Rejections are written in batches while the lines' COPY (or insert thread) is still going."""
    good = ["2024-01-05", "复方丹参片", "", "B2401", "", "盒", "", "", "南京鼓楼医院", "", ""]
    rows = [HEADER]
    for i in range(60):
        rows.append([*good[:4], str(i + 1), *good[5:]])
        rows.append([*good[:4], "many", *good[5:]])
    monkeypatch.setattr(flow_module, "BATCH_SIZE", 10)
    monkeypatch.setattr(flow_module, "REJECTION_BATCH", 7)
    result = run(write_csv(tmp_path / "mixed.csv", rows), channel)
    assert (result.imported, result.rejected) == (60, 60)
    assert sorted(FlowLine.objects.values_list("row_no", flat=True)) == list(range(2, 122, 2))
    assert sorted(FlowRejection.objects.values_list("row_no", flat=True)) == list(range(3, 123, 2))
    assert FlowImport.objects.get().status == ImportStatus.ACTIVE


def test_unusable_input_changes_nothing(channel, tmp_path):
    good = write_csv(tmp_path / "g.csv", [HEADER])
    with pytest.raises(UnusableFile, match="distributor"):
        services.flow_import_run(path=str(good), distributor_code="NOPE", period="2024-01")
    with pytest.raises(UnusableFile, match="YYYY-MM"):
        run(good, channel, period="January")
    with pytest.raises(UnusableFile, match="buyer_name"):
        run(write_csv(tmp_path / "h.csv", [["日期", "品名", "数量"], ["2024-01-05", "x", "1"]]), channel)
    assert FlowImport.objects.count() == 0


def test_a_mapping_given_by_hand_is_remembered_for_the_distributor(channel, tmp_path):
    rows = [["开单日", "货品", "件数", "往来单位"], ["2024-01-05", "复方丹参片", "3", "南京鼓楼医院"]]
    mapping = {"开单日": "date", "货品": "product", "件数": "quantity", "往来单位": "buyer_name"}
    with pytest.raises(UnusableFile):
        run(write_csv(tmp_path / "m1.csv", rows), channel)
    assert run(write_csv(tmp_path / "m1.csv", rows), channel, mapping=mapping).imported == 1
    rows[1][2] = "4"
    assert run(write_csv(tmp_path / "m2.csv", rows), channel, period="2024-02").imported == 1


def test_unmatched_buyers_wait_for_review_and_the_choice_is_remembered(channel, tmp_path):
    rows = [HEADER, ["2024-01-05", "复方丹参片", "", "B2401", "3", "盒", "", "", "瑞金", "", ""]]
    result = run(write_csv(tmp_path / "r1.csv", rows), channel)
    assert result.unmatched == 1
    review = BuyerReview.objects.get()
    assert (review.raw_name, review.lines, review.status) == ("瑞金", 1, ReviewStatus.OPEN)
    services.review_resolve(review=review, terminal=channel.terminals["H-RJ"], actor=channel.world.admin.user)
    line = FlowLine.objects.get()
    assert line.terminal == channel.terminals["H-RJ"]
    assert line.match_method == MatchMethod.REVIEW
    assert TerminalAlias.objects.get().distributor == channel.dist_sh
    rows[1][4] = "5"
    run(write_csv(tmp_path / "r2.csv", rows), channel, period="2024-02")
    latest = FlowLine.objects.order_by("-pk").first()
    assert latest.match_method == MatchMethod.ALIAS
    assert latest.terminal == channel.terminals["H-RJ"]


def test_matching_never_crosses_divisions_or_kinds(channel, tmp_path):
    rows = [
        HEADER,
        # A 鼓楼医院 in another city is not 南京鼓楼医院.
        ["2024-01-05", "复方丹参片", "", "B2401", "1", "盒", "", "", "鼓楼医院", "福建省福州市鼓楼区", ""],
        # A clinic whose name resembles a hospital's is not that hospital.
        ["2024-01-05", "复方丹参片", "", "B2401", "2", "盒", "", "", "浦东新区人民医院卫生服务站", "上海市浦东新区", ""],  # noqa: E501
    ]  # fmt: skip
    run(write_csv(tmp_path / "x.csv", rows), channel)
    assert not FlowLine.objects.filter(terminal__isnull=False).exists()
    assert BuyerReview.objects.count() == 2


def test_cli_imports_flow_and_reports_json_with_exit_status(channel, tmp_path, capsys):
    path = write_csv(tmp_path / "cli.csv", [HEADER,
                     ["2024-01-05", "复方丹参片", "", "B2401", "3", "盒", "", "", "南京鼓楼医院", "", ""],
                     ["2024-01-05", "复方丹参片", "", "B2401", "x", "盒", "", "", "南京鼓楼医院", "", ""]])  # fmt: skip
    with pytest.raises(SystemExit) as exc:
        call_command("liuke_import", "flow", str(path), "--distributor", "D-SH", "--period", "2024-01",
                     "--format", "json")  # fmt: skip
    assert exc.value.code == 1
    summary = json.loads(capsys.readouterr().out)
    assert (summary["rows"], summary["imported"], summary["rejected"]) == (2, 1, 1)
    assert summary["errors"] == [{"row": 3, "field": "quantity", "reason": "'x' is not a number"}]


def test_dry_run_keeps_nothing(channel, tmp_path):
    path = write_csv(
        tmp_path / "dry.csv",
        [HEADER, ["2024-01-05", "复方丹参片", "", "B2401", "3", "盒", "", "", "南京鼓楼医院", "", ""]],
    )
    result = run(path, channel, dry_run=True)
    assert result.imported == 1
    assert result.dry_run
    assert FlowLine.objects.count() == 0
    assert FlowImport.objects.count() == 0
