"""Pack specs, units, dates and the streaming reader (title rows, merged headers, encodings, XLS)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from liuke.channel.flow import FLOW_COLUMNS
from liuke.channel.packspec import parse_pack_spec, parse_units, unit_factors
from liuke.core.tabular import Column, UnusableFile, file_fingerprint, guess_columns, open_stream, parse_date

from .factories import write_csv, write_xlsx


def test_pack_spec_counts_inner_units_per_container():
    assert parse_pack_spec("0.3g*10片*3板/盒") == ("盒", {"板": Decimal(3), "片": Decimal(30)})
    assert parse_pack_spec("10ml×6支/盒") == ("盒", {"支": Decimal(6)})
    assert parse_pack_spec("100片/瓶") == ("瓶", {"片": Decimal(100)})
    assert parse_pack_spec("100ml") is None
    assert parse_pack_spec("") is None


def test_unit_factors_combine_explicit_units_and_the_pack_spec():
    factors = unit_factors(base_unit="盒", units={"件": "50", "支": "0.1"}, spec="0.3g*10片*3板/盒")
    assert factors["盒"] == 1
    assert factors["件"] == 50
    assert factors["支"] == Decimal("0.1")
    assert factors["板"] == Decimal(1) / 3
    assert factors["片"] == Decimal(1) / 30


def test_units_text_is_parsed_and_bad_parts_named():
    assert parse_units("件=50;支=0.1") == {"件": "50", "支": "0.1"}
    assert parse_units("件＝50；箱=200") == {"件": "50", "箱": "200"}
    with pytest.raises(ValueError, match="件50"):
        parse_units("件50")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-05", dt.date(2024, 1, 5)),
        ("2024/1/5", dt.date(2024, 1, 5)),
        ("2024.01.05", dt.date(2024, 1, 5)),
        ("20240105", dt.date(2024, 1, 5)),
        ("2024年1月5日", dt.date(2024, 1, 5)),
        ("2024-01-05 13:45:00", dt.date(2024, 1, 5)),
        ("2024-01-05T13:45:00", dt.date(2024, 1, 5)),
        (45296, dt.date(2024, 1, 5)),
        (45296.75, dt.date(2024, 1, 5)),
        ("45296", dt.date(2024, 1, 5)),
        (dt.datetime(2024, 1, 5, 8, 0), dt.date(2024, 1, 5)),  # noqa: DTZ001 - Excel cells carry naive datetimes
    ],
)
def test_dates_in_the_usual_forms(value, expected):
    assert parse_date(value) == expected


COLS = [Column("date", ("日期",), required=True), Column("qty", ("数量",), required=True), Column("name", ("客户",))]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding_with_a_title_row(tmp_path, encoding):
    path = write_csv(tmp_path / "f.csv", [["华康医药 2024年1月 流向"], ["日期", "数量", "客户"], ["2024-01-05", "3", "瑞金医院"]],  # noqa: E501
                     encoding)  # fmt: skip
    _, found = file_fingerprint(path, text=True)
    table = open_stream(path, COLS, encoding=found)
    assert table.header_row == 2
    assert list(table.rows) == [(3, ["2024-01-05", "3", "瑞金医院"])]


def test_xlsx_with_merged_title_and_a_header_merged_over_two_rows(tmp_path):
    rows = [["2024年1月销售流向表", None, None], ["日期", "数量", None], [None, None, "客户"], [45296, 3, "瑞金"]]
    path = write_xlsx(tmp_path / "f.xlsx", rows, merges=["A1:C1", "A2:A3", "B2:B3"])
    table = open_stream(path, COLS)
    assert table.header_row == 3
    assert table.columns == {"date": 0, "qty": 1, "name": 2}
    assert [r for _, r in table.rows] == [[45296.0, 3.0, "瑞金"]]


def test_missing_required_column_names_what_was_found(tmp_path):
    path = write_csv(tmp_path / "f.csv", [["日期", "金额"], ["2024-01-05", "3"]])
    with pytest.raises(UnusableFile, match=r"qty.*日期, 金额"):
        open_stream(path, COLS)


def test_a_manual_mapping_maps_an_unknown_header(tmp_path):
    path = write_csv(tmp_path / "f.csv", [["开单日", "件数"], ["2024-01-05", "3"]])
    table = open_stream(path, COLS, mapping={"开单日": "date", "件数": "qty"})
    assert table.columns == {"date": 0, "qty": 1}


def test_a_missing_column_is_named_as_people_read_it_and_by_the_header_a_file_may_use(tmp_path):
    path = write_csv(tmp_path / "f.csv", [["日期", "品名", "数量"], ["2024-01-05", "x", "1"]])
    with translation.override("zh-hans"), pytest.raises(UnusableFile, match=r"购货单位名称 \(buyer_name\)"):
        open_stream(path, FLOW_COLUMNS)


def test_guesses_take_exact_variants_first_then_a_telling_variant_inside_a_header():
    columns = [
        Column("date", ("日期", "销售日期")),
        Column("batch", ("批号", "生产批号")),
        Column("unit", ("单位", "包装单位")),
        Column("buyer_name", ("购货单位", "客户名称")),
    ]
    headers = ["开单日期", "批号", "生产批号", "往来单位", "购货单位名", "备注"]
    assert guess_columns(headers, columns) == {"开单日期": "date", "批号": "batch", "购货单位名": "buyer_name"}


HEADERS = ["日期", "批号", "单位", "开单日期", "往来单位", "包装单位", "备注", "数 量"]


@given(st.lists(st.sampled_from(HEADERS), max_size=8))
def test_a_guess_names_each_column_at_most_once_and_only_headers_it_was_given(headers):
    guesses = guess_columns(headers, FLOW_COLUMNS)
    assert set(guesses) <= set(headers)
    assert len(set(guesses.values())) == len(guesses)
