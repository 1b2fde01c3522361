"""The flow import's stages one by one: read, map, clean, match, deduplicate, write (flow_pipeline.py)."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liuke.channel.cells import RowProblem
from liuke.channel.choices import FlowFlag, MatchMethod
from liuke.channel.flow import FIELDS, FlowImportResult, dedup_hash
from liuke.channel.flow_context import ProductIndex
from liuke.channel.flow_pipeline import (
    BuyerMatcher,
    Cleaner,
    Deduplicator,
    GoodsMatcher,
    Layout,
    Rejections,
    read_chunks,
)
from liuke.channel.matching import TerminalMatcher
from liuke.channel.models import FlowImport, FlowRejection
from liuke.channel.packspec import spec_key

MARCH = dt.date(2024, 3, 1)
TODAY = dt.date(2024, 3, 20)
CELL = st.one_of(st.none(), st.just(""), st.text(max_size=5), st.integers(-5, 5))

# --- read ---------------------------------------------------------------------------------------------------


@given(st.lists(st.lists(CELL, max_size=4), max_size=40), st.integers(1, 12))
def test_reading_in_chunks_keeps_every_row_in_order(rows, size):
    numbered = [(i + 2, cells) for i, cells in enumerate(rows)]
    chunks = list(read_chunks(iter(numbered), size))
    assert [item for chunk in chunks for item in chunk] == numbered
    assert all(0 < len(chunk) <= size for chunk in chunks)


# --- map ----------------------------------------------------------------------------------------------------


def test_a_field_the_file_lacks_reads_the_empty_cell_after_the_last_column():
    layout = Layout(["日期", "品名", "数量", "客户"], {"date": 0, "product": 1, "quantity": 2, "buyer_name": 3}, FIELDS)
    assert layout.width == 4
    assert layout.at["batch"] == 4
    [(row_no, cells)] = layout.fit([(2, ["2024-03-01", "复方丹参片", "3", "瑞金医院"])])
    assert (row_no, cells[layout.at["batch"]], cells[layout.at["buyer_name"]]) == (2, None, "瑞金医院")


@given(st.lists(st.lists(CELL, max_size=8), max_size=30))
def test_fitted_rows_are_one_cell_wider_than_the_header_and_the_report_gets_them_as_read(rows):
    layout = Layout(["a", "b", "c", "d"], {"date": 0, "product": 1}, FIELDS)
    numbered = [(i + 2, list(cells)) for i, cells in enumerate(rows)]
    fitted = layout.fit([(n, list(c)) for n, c in numbered])
    kept = [(n, c) for n, c in numbered if any(c)]
    assert [n for n, _ in fitted] == [n for n, _ in kept]  # blank rows dropped, order kept
    for (row_no, cells), (_, original) in zip(fitted, kept, strict=True):
        assert len(cells) == 5
        assert cells[4] is None
        assert cells[: min(4, len(original))] == original[:4]
        as_read = layout.as_read(row_no, cells)
        assert as_read == (original if len(original) > 4 else [*original, *[None] * (4 - len(original))])


def test_a_total_row_is_recognised_by_its_first_or_key_cells():
    layout = Layout(["日期", "品名", "数量", "客户"], {"date": 0, "product": 1, "quantity": 2, "buyer_name": 3}, FIELDS)
    assert layout.is_total(["合计：", None, 7, None, None])
    assert layout.is_total([None, None, 7, "总计", None])
    assert not layout.is_total(["2024-03-01", "复方丹参片", 7, "瑞金医院", None])


# --- clean --------------------------------------------------------------------------------------------------


DATE_FORMS = {"iso": dt.date.isoformat, "slash": lambda d: d.strftime("%Y/%m/%d"),
              "cn": lambda d: d.strftime("%Y年%m月%d日"), "cell": lambda d: d}  # fmt: skip


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)), st.sampled_from(sorted(DATE_FORMS)))
def test_a_sale_date_in_any_usual_form_reads_as_itself_with_its_flags(day, form):
    raw = DATE_FORMS[form](day)
    sale = Cleaner(MARCH, TODAY).date(raw)
    assert (sale.date, sale.iso) == (day, day.isoformat())
    assert bool(sale.flags & FlowFlag.OUT_OF_PERIOD) == (day.replace(day=1) != MARCH)
    assert bool(sale.flags & FlowFlag.FUTURE) == (day > TODAY)


def test_an_empty_or_implausible_date_is_a_problem_of_the_date_field():
    cleaner = Cleaner(MARCH, TODAY)
    assert cleaner.date("").field == "date"
    assert "plausible" in cleaner.date("1999-12-31").reason


def goods_cells(qty="3", unit="盒", price="", amount="", doc_type="", name="复方丹参片"):
    return Cleaner(MARCH, TODAY).goods((name, "", "", qty, unit, price, amount, doc_type))


@given(st.integers(-(10**9), 10**9).filter(bool), st.sampled_from(["", "盒", "件"]), st.booleans())
def test_a_quantity_reads_with_the_unit_written_after_it(qty, unit, grouped):
    text = f"{qty:,}" if grouped else str(qty)
    cells = Cleaner(MARCH, TODAY).goods(("x", "", "", f"{text}{unit}", "", "", "", ""))
    assert (cells.quantity, cells.unit, cells.is_return) == (qty, unit, qty < 0)


def test_a_return_document_makes_the_quantity_negative():
    cells = goods_cells(qty="4", doc_type="销售退货")
    assert (cells.quantity, cells.is_return) == (-4, True)


@pytest.mark.parametrize(
    ("qty", "price", "amount", "problem"),
    [("", "", "", "quantity"), ("0", "", "", "quantity"), ("many", "", "", "quantity"),
     ("3", "-1", "", "unit_price"), ("3", "cheap", "", "unit_price"), ("3", "", "lots", "amount")],
)  # fmt: skip
def test_a_cell_that_cannot_be_used_holds_the_problem_of_its_field(qty, price, amount, problem):
    cells = goods_cells(qty=qty, price=price, amount=amount)
    held = {"quantity": cells.quantity, "unit_price": cells.unit_price, "amount": cells.amount}[problem]
    assert isinstance(held, RowProblem)
    assert held.field == problem


def test_a_buyer_name_must_be_there_and_short_enough():
    cleaner = Cleaner(MARCH, TODAY)
    assert cleaner.buyer(("  瑞金医院 ", "上海市黄浦区")) == ("瑞金医院", "上海市黄浦区")
    assert cleaner.buyer(("", "x")).field == "buyer_name"
    assert cleaner.buyer(("院" * 201, "")).field == "buyer_name"


def test_a_total_row_warns_only_when_it_disagrees_with_the_rows_above():
    cleaner = Cleaner(MARCH, TODAY)
    assert cleaner.total_warning(9, "7", 7.0) is None
    assert cleaner.total_warning(9, "", 7.0) is None
    assert "Row 9 is a total of 8" in cleaner.total_warning(9, "8", 7.0)


# --- match --------------------------------------------------------------------------------------------------


def products() -> ProductIndex:
    """复方丹参片 (盒, 件 = 50 盒, 片 = 1/30 盒) and two specs of 阿莫西林胶囊, in memory."""
    index = ProductIndex({"P1": 1}, {}, {}, {}, {}, {}, {})
    for pk, name, spec, factors in [
        (1, "复方丹参片", "0.3g*10片*3板/盒", {"件": Decimal(50), "片": Decimal(1) / 30}),
        (2, "阿莫西林胶囊", "0.25g*24粒/盒", {}),
        (3, "阿莫西林胶囊", "0.5g*12粒/盒", {}),
    ]:
        index.by_name.setdefault(name, []).append(pk)
        index.spec_keys[pk], index.factors[pk], index.base[pk] = spec_key(spec), factors, "盒"
        index.specs[pk], index.names[pk] = spec, name
    return index


def match_goods(**cells):
    cleaner = Cleaner(MARCH, TODAY)
    return GoodsMatcher(products(), cleaner.fmt).goods(goods_cells(**cells))


def test_goods_come_to_the_product_and_its_base_unit_with_the_price_per_base_unit():
    goods = match_goods(qty="2", unit="件", price="1500", amount="3000")
    assert (goods.product_id, goods.qty_text, goods.raw_qty_text, goods.unit_price, goods.amount) == (
        1, "100", "2", "30", "3000")  # fmt: skip
    assert match_goods(qty="60", unit="片").qty_text == "2"


def test_the_product_problem_comes_before_the_quantity_problem():
    assert match_goods(name="不存在", qty="many").field == "product"
    assert match_goods(qty="many").field == "quantity"
    assert match_goods(qty="3", unit="箱", price="-1").field == "unit"
    assert match_goods(name="阿莫西林胶囊").field == "spec"


@pytest.mark.django_db
def test_a_buyer_is_matched_to_a_master_terminal_or_noted_for_review(channel):  # place names come from divisions
    terminals = TerminalMatcher(distributor_id=0)
    terminals.add(pk=7, names=["上海交通大学医学院附属瑞金医院"], kind="hospital", division="310101")
    buyers = BuyerMatcher(terminals)
    found = buyers.buyer(("上海交通大学医学院附属瑞金医院", ""))
    assert (found.match.terminal_id, found.method) == (7, MatchMethod.EXACT.value)
    unknown = buyers.buyer(("南京鼓楼医院", ""))
    buyers.note_unmatched(unknown)
    buyers.note_unmatched(unknown)
    assert buyers.unmatched[unknown.key][0] == "南京鼓楼医院"
    assert buyers.unmatched[unknown.key][4] == 2  # lines


# --- deduplicate --------------------------------------------------------------------------------------------


def test_a_row_repeating_an_earlier_one_or_a_stored_line_is_a_duplicate():
    goods = match_goods(qty="3")
    stored_key = Deduplicator({}, dedup_hash).admit(1, "D9", None, "2024-03-01", goods, "B1", "x")
    dedup = Deduplicator({stored_key: 41}, dedup_hash)
    first = dedup.admit(2, "", None, "2024-03-01", goods, "B1", "瑞金医院")
    assert isinstance(first, int)
    assert dedup.admit(3, "", None, "2024-03-01", goods, "B1", "瑞金医院") == "Duplicate of row 2."
    assert isinstance(dedup.admit(4, "", None, "2024-03-01", goods, "B1", "中山医院"), int)  # another buyer
    assert dedup.admit(5, "D9", None, "2024-03-02", goods, "B1", "中山医院") == "Already imported with import #41."
    assert isinstance(dedup.admit(6, "D9", "2", "2024-03-01", goods, "B1", "x"), int)  # another line of D9


@given(st.lists(st.tuples(st.sampled_from(["", "D1", "D2"]), st.sampled_from(["B1", "B2"])), max_size=30))
def test_the_first_row_with_a_key_is_kept_and_every_later_one_names_it(rows):
    goods = match_goods(qty="3")
    dedup = Deduplicator({}, dedup_hash)
    first_of: dict = {}
    for row_no, (doc, batch) in enumerate(rows, start=2):
        outcome = dedup.admit(row_no, doc, None, "2024-03-01", goods, batch, "瑞金医院")
        if (doc, batch) in first_of:
            assert outcome == f"Duplicate of row {first_of[(doc, batch)]}."
        else:
            first_of[(doc, batch)] = row_no
            assert isinstance(outcome, int)


# --- write --------------------------------------------------------------------------------------------------


class PausingWriter:
    def __init__(self):
        self.pauses = 0

    def pause(self):
        self.pauses += 1


@pytest.mark.django_db
def test_rejections_keep_the_key_on_the_result_and_the_label_on_the_stored_row(channel):
    record = FlowImport.objects.create(distributor=channel.dist_sh, period=MARCH, sha256="x" * 64)
    result = FlowImportResult(file="f.csv", kind="flow")
    writer = PausingWriter()
    sink = Rejections(result, record.pk, writer, labels={"buyer_name": "购货单位名称"}, batch_size=2, max_listed=2)
    sink.add(2, ["a", dt.date(2024, 3, 1)], "buyer_name", "The buyer name is empty.")
    assert FlowRejection.objects.count() == 0  # waits for a batch
    sink.add(3, ["b"], "", "Duplicate of row 2.", duplicate=True)
    assert (FlowRejection.objects.count(), writer.pauses) == (2, 1)  # the lines' COPY paused first
    sink.add(4, ["c"], "quantity", "The quantity is zero.")
    sink.add(5, ["d"], "quantity", "The quantity is zero.")
    sink.flush()
    assert [(e.row, e.field) for e in result.errors] == [(2, "buyer_name"), (4, "quantity")]
    assert (result.more_errors, result.duplicates, result.rejected) == (1, 1, 3)
    stored = {r.row_no: (r.field, r.raw) for r in FlowRejection.objects.all()}
    assert stored[2] == ("购货单位名称", ["a", "2024-03-01"])
    assert stored[5] == ("quantity", ["d"])  # a field without a label keeps its key
