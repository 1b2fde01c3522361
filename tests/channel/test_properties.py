"""Property tests: whatever garbage a flow file holds, every row is imported or rejected with a reason."""

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liuke.channel import services
from liuke.channel.models import FlowLine, FlowRejection
from liuke.core.tabular import UnusableFile

from .factories import write_csv, write_xlsx

pytestmark = pytest.mark.django_db

HEADER = ["日期", "品名", "规格", "批号", "数量", "单位", "单价", "客户名称", "地址"]
TEXT = st.text(alphabet="上海市第一人民医院复方丹参片盒件瓶 abcXYZ-_/.,()（）0123456789\t", max_size=12)


def _date_texts(d: dt.date):
    serial = str((d - dt.date(1899, 12, 30)).days)
    forms = [d.isoformat(), d.strftime("%Y/%m/%d"), d.strftime("%Y年%m月%d日"), d.strftime("%Y%m%d"), serial]
    return st.sampled_from(forms)


DATES = st.one_of(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)).flatmap(_date_texts),
    TEXT,
    st.just(""),
)
NUMBERS = st.one_of(
    st.integers(-1000, 1000).map(str), st.floats(allow_nan=True, allow_infinity=True).map(str), TEXT, st.just("")
)
ROW = st.tuples(
    DATES,
    st.sampled_from(["复方丹参片", "小儿止咳糖浆", "", "不存在", " 复方丹参片 "]),
    st.sampled_from(["", "0.3g*10片*3板/盒", "100ml/瓶", "乱写"]),
    st.one_of(st.just("B2401"), TEXT),
    NUMBERS,
    st.sampled_from(["", "盒", "件", "片", "板", "吨", " 瓶"]),
    NUMBERS,
    st.one_of(st.sampled_from(["南京鼓楼医院", "复旦大学附属中山医院", "瑞金"]), TEXT),
    st.one_of(st.just(""), TEXT),
).map(list)

_period = itertools.count()


def _check(result, rows):
    nonblank = [r for r in rows if any(str(c).strip() for c in r)]
    assert result.rows + result.total_rows == len(nonblank)
    assert result.rows == result.imported + result.duplicates + result.rejected
    assert all(e.reason and e.row > 1 for e in result.errors)
    stored = set(FlowLine.objects.filter(flow_import_id=result.import_id).values_list("row_no", flat=True))
    rejected = set(FlowRejection.objects.filter(flow_import_id=result.import_id).values_list("row_no", flat=True))
    assert not stored & rejected
    assert len(stored) + len(rejected) == result.rows  # none lost, none twice


def _period_text() -> str:
    n = next(_period)
    return f"{2001 + n // 12}-{n % 12 + 1:02d}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=25), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_every_csv_row_is_imported_or_rejected_with_a_reason(channel, tmp_path_factory, rows, encoding):
    path = write_csv(tmp_path_factory.mktemp("p") / "f.csv", [HEADER, *rows], encoding=encoding)
    result = services.flow_import_run(path=str(path), distributor_code="D-SH", period=_period_text())
    _check(result, rows)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=15))
def test_every_xlsx_row_is_imported_or_rejected_with_a_reason(channel, tmp_path_factory, rows):
    cells = [[float(c) if c.lstrip("-").isdigit() and i in (0, 4, 6) else c for i, c in enumerate(r)] for r in rows]
    path = write_xlsx(tmp_path_factory.mktemp("x") / "f.xlsx", [["流向表"], HEADER, *cells])
    result = services.flow_import_run(path=str(path), distributor_code="D-SH", period=_period_text())
    _check(result, cells)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=400))
def test_bytes_in_no_known_encoding_are_unusable_or_fully_accounted(channel, tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("b") / "f.csv"
    path.write_bytes("日期,品名,数量,客户名称\n".encode() + raw)
    try:
        result = services.flow_import_run(path=str(path), distributor_code="D-SH", period=_period_text())
    except UnusableFile:
        return
    assert result.rows == result.imported + result.duplicates + result.rejected
