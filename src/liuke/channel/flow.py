"""Flow-file import (流向导入): stream a distributor's file, clean and convert every row, match its buyers,
and store all good rows at once (COPY on PostgreSQL, executemany on SQLite), or nothing.

Rules (CHANNEL.md "Import rules"):
- one transaction per file: its good rows, its rejected rows (row number, field, reason) and its
  record, or nothing at all (a killed import leaves nothing behind);
- the same file twice (same SHA-256 for the distributor) imports nothing;
- a corrected file for the same distributor and period replaces the active one and records what changed;
- rows deduplicate on (distributor, doc_no, line) or, without a doc_no, on (distributor, date, product,
  batch, quantity, buyer, unit price), within the file and against the distributor's other files;
- dates outside the declared period, in the future or outside the batch's life are flagged, not dropped;
- quantities are stored in the product's base unit; returns stay negative.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from liuke.core.changelog import change_context
from liuke.core.choices import ChangeSource
from liuke.core.imports import DryRunRollback, ImportResult
from liuke.core.tabular import Column, StreamTable, UnusableFile, file_fingerprint, open_stream
from liuke.customers.choices import CustomerKind
from liuke.customers.models import Customer

from .cells import RowProblem, cell_text, format_number, is_total_row, parse_number, parse_sale_date, raw_value
from .choices import FlowFlag, ImportStatus, MatchMethod, ReviewStatus
from .flow_context import BatchIndex, ProductIndex, find_product, unit_factor
from .flow_writer import LineWriter
from .matching import Match, TerminalMatcher, keys
from .models import BuyerReview, DistributorProfile, FlowImport, FlowLine, FlowRejection, Product
from .packspec import decimal_text

FLOW_COLUMNS = [
    Column("date", ("日期", "销售日期", "出库日期", "单据日期", "开票日期", "业务日期", "发货日期", "销售时间"),
           required=True),
    Column("product", ("产品名称", "品名", "药品名称", "商品名称", "通用名", "产品", "商品名", "药品通用名", "品种"),
           required=True),
    Column("product_code", ("产品编码", "商品编码", "产品代码", "商品代码", "药品编码", "货号")),
    Column("spec", ("规格", "品规", "包装规格", "规格型号", "药品规格", "商品规格")),
    Column("batch", ("批号", "生产批号", "产品批号", "lot", "批次", "batch_no")),
    Column("quantity", ("数量", "销售数量", "出库数量", "实发数量", "qty", "发货数量", "销量"), required=True),
    Column("unit", ("单位", "包装单位", "计量单位")),
    Column("unit_price", ("单价", "销售单价", "含税单价", "出库单价", "price")),
    Column("amount", ("金额", "销售金额", "含税金额", "价税合计", "总金额", "销售额")),
    Column("buyer_name", ("客户名称", "购货单位", "终端名称", "医院名称", "收货单位", "customer", "客户", "购买方",
                          "购货单位名称", "终端", "buyer"), required=True),
    Column("buyer_address", ("客户地址", "地址", "收货地址", "送货地址", "address", "终端地址")),
    Column("doc_no", ("单据号", "单号", "出库单号", "发票号", "单据编号", "docno", "发票号码")),
    Column("line_no", ("行号", "明细行号", "line")),
    Column("doc_type", ("单据类型", "业务类型", "销售类型")),
]  # fmt: skip
FIELDS = [c.name for c in FLOW_COLUMNS]

BATCH_SIZE = 10_000  # lines handed to the database at a time
REJECTION_BATCH = 5_000  # rejected rows stored at a time
PROGRESS_EVERY = 20_000
MAX_ERRORS_IN_RESULT = 10_000
CACHE_LIMIT = 200_000  # distinct values (or cell combinations) remembered per file; past it, each is worked out anew


class Goods(NamedTuple):
    """What one combination of product, quantity, unit, price, amount and document-type cells comes to."""

    product_id: int
    unit: str
    is_return: int
    qty: float  # as reported, negative for a return
    base_qty: float
    qty_text: str  # in the product's base unit
    raw_qty_text: str
    unit_price: str | None  # per base unit
    amount: str | None
    amount_value: float


class Buyer(NamedTuple):
    """One buyer name and address as a file writes them, cleaned and matched."""

    name: str
    address: str
    key: str
    match: Match
    method: str


@dataclass
class FlowImportResult(ImportResult):
    import_id: int | None = None
    period: str = ""
    distributor: str = ""
    flagged: int = 0
    unmatched: int = 0  # distinct buyers sent to the review queue
    total_rows: int = 0  # total rows recognised below the data and skipped
    replaced: int | None = None
    already_imported: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    more_errors: int = 0  # rejected rows beyond those listed in ``errors`` (all are in the error report)

    @property
    def rejected(self) -> int:  # type: ignore[override]
        return len({e.row for e in self.errors}) + self.more_errors

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data.update(
            import_id=self.import_id,
            distributor=self.distributor,
            period=self.period,
            flagged=self.flagged,
            unmatched_buyers=self.unmatched,
            total_rows=self.total_rows,
            replaced=self.replaced,
            already_imported=self.already_imported,
            changes=self.changes,
        )
        return data


def dedup_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


# --- the import ------------------------------------------------------------------------------------------


def parse_period(text: str | None) -> dt.date:
    match = re.fullmatch(r"\s*(\d{4})[-/.年]?(\d{1,2})月?\s*", text or "")
    if not match or not 1 <= int(match[2]) <= 12:
        raise UnusableFile(_("The period must be given as YYYY-MM (e.g. 2024-03), not %(value)r.") % {"value": text})
    return dt.date(int(match[1]), int(match[2]), 1)


def _month_end(period: dt.date) -> dt.date:
    return (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def distributor_by_code(code: str | None) -> Customer:
    distributor = (
        Customer.objects.filter(code=(code or "").strip(), kind=CustomerKind.DISTRIBUTOR, archived_at__isnull=True)
        .only("pk", "code", "name")
        .first()
    )
    if distributor is None:
        raise UnusableFile(_("No distributor with code %(code)r.") % {"code": code or ""})
    return distributor


def _flow_source(path: str, distributor_code: str | None, period: str | None) -> tuple[Customer, dt.date, Path]:
    """The distributor, the month and the file an import names; UnusableFile when one of them is wrong."""
    distributor = distributor_by_code(distributor_code)
    month = parse_period(period)
    source = Path(path)
    if not source.exists():
        raise UnusableFile(_("No such file: %(path)s") % {"path": path})
    return distributor, month, source


def _open_table(
    source: Path, distributor: Customer, encoding: str | None, mapping: dict[str, str] | None
) -> tuple[StreamTable, DistributorProfile | None, dict[str, str]]:
    """The file opened for streaming, its headers mapped by hand first, then as remembered for the distributor."""
    profile = DistributorProfile.objects.filter(distributor=distributor).first()
    remembered = dict(profile.header_map) if profile else {}
    table = open_stream(source, FLOW_COLUMNS, encoding=encoding, mapping={**remembered, **(mapping or {})})
    return table, profile, remembered


def flow_file_check(
    *, path: str, distributor_code: str | None, period: str | None, mapping: dict[str, str] | None
) -> None:
    """What :func:`flow_import_run` refuses up front, without importing anything.

    Raises :class:`UnusableFile` (:class:`MissingColumns` with the headers found) for an unknown
    distributor, a bad period, an unreadable file or required columns it cannot find. Reads the file's
    encoding and header rows only.
    """
    distributor, _month, source = _flow_source(path, distributor_code, period)
    table, _profile, _remembered = _open_table(source, distributor, None, mapping)
    table.rows.close()


def flow_import_run(
    *,
    path: str,
    distributor_code: str | None = None,
    period: str | None = None,
    dry_run: bool = False,
    actor: Any = None,
    mapping: dict[str, str] | None = None,
    file_name: str | None = None,
    stored_file: str = "",
    progress: Callable[[int], None] | None = None,
) -> FlowImportResult:
    """Import one distributor's flow file for one month (see the module docstring for the rules).

    Raises :class:`UnusableFile` (nothing changed) for an unknown distributor, a bad period, an unreadable
    file or missing required columns. ``mapping`` (header text → field, "" to ignore) is remembered for the
    distributor once the file imports.
    """
    distributor, month, source = _flow_source(path, distributor_code, period)
    is_text = source.suffix.lower() in {".csv", ".txt", ".tsv"}
    sha, encoding = file_fingerprint(source, text=is_text)
    result = FlowImportResult(
        file=file_name or source.name,
        kind="flow",
        dry_run=dry_run,
        distributor=distributor.code,
        period=f"{month:%Y-%m}",
    )
    earlier = (
        FlowImport.objects.filter(distributor=distributor, sha256=sha)
        .exclude(status=ImportStatus.IMPORTING)
        .order_by("-created_at")
        .first()
    )
    if earlier is not None:
        result.already_imported = earlier.pk
        result.import_id = earlier.pk
        result.duplicates = earlier.rows
        result.rows = earlier.rows
        result.warnings.append(
            _("This file was already imported on %(when)s (import #%(id)d): nothing imported again.")
            % {"when": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M"), "id": earlier.pk}
        )
        return result
    table, profile, remembered = _open_table(source, distributor, encoding, mapping)
    if table.unknown:
        result.warnings.append(_("Columns not used: %(cols)s") % {"cols": ", ".join(table.unknown)})
    try:
        with change_context(source=ChangeSource.IMPORT, actor=actor), transaction.atomic():
            _run(result, table, distributor, month, sha, actor, stored_file, progress)
            if mapping and not dry_run:
                _remember_mapping(distributor, profile, {**remembered, **mapping})
            if dry_run:
                raise DryRunRollback
    except DryRunRollback:
        result.import_id = None
    return result


def _remember_mapping(distributor: Customer, profile: DistributorProfile | None, mapping: dict[str, str]) -> None:
    if profile is None:
        DistributorProfile.objects.create(distributor=distributor, header_map=mapping)
    elif profile.header_map != mapping:
        profile.header_map = mapping
        profile.save()


def _run(
    result: FlowImportResult,
    table,
    distributor: Customer,
    month: dt.date,
    sha: str,
    actor: Any,
    stored_file: str,
    progress: Callable[[int], None] | None,
) -> None:
    month_end = _month_end(month)
    today = timezone.localdate()
    replaced = (
        FlowImport.objects.select_for_update()
        .filter(distributor=distributor, period=month, status=ImportStatus.ACTIVE)
        .order_by("-created_at")
        .first()
    )
    record = FlowImport.objects.create(
        distributor=distributor,
        period=month,
        file_name=result.file[:255],
        stored_file=stored_file,
        sha256=sha,
        header_row=table.header_row,
        header_map={"headers": table.headers, "columns": table.columns},
        replaces=replaced,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    products = ProductIndex.load()
    batches = BatchIndex.load(distributor.pk)
    matcher = TerminalMatcher.load(distributor_id=distributor.pk)
    # Lines of the distributor's other active files around this month: a row already there is a duplicate.
    window = (month - dt.timedelta(days=62), month_end + dt.timedelta(days=62))
    stored = FlowLine.objects.filter(
        distributor=distributor, flow_import__status=ImportStatus.ACTIVE, date__range=window
    )
    if replaced is not None:
        stored = stored.exclude(flow_import=replaced)
    existing: dict[int, int] = dict(stored.values_list("dedup_key", "flow_import_id").iterator(chunk_size=20000))

    cols = table.columns
    width = max(len(table.headers), max(cols.values()) + 1)
    # A column the file does not have reads the always-empty cell appended after the last one.
    at = {name: cols.get(name, width) for name in FIELDS}
    i_date, i_product, i_code, i_spec, i_batch = at["date"], at["product"], at["product_code"], at["spec"], at["batch"]
    i_qty, i_unit, i_price, i_amount = at["quantity"], at["unit"], at["unit_price"], at["amount"]
    i_buyer, i_addr, i_doc, i_line, i_type = (
        at["buyer_name"], at["buyer_address"], at["doc_no"], at["line_no"], at["doc_type"])  # fmt: skip
    checks_total = [i for i in (0, i_date, i_product, i_buyer, i_code) if i < width]

    dates: dict[Any, tuple[dt.date, str, int] | RowProblem] = {}
    product_cache: dict[tuple[str, str, str], int | RowProblem] = {}
    factor_cache: dict[tuple[int, str, str], float | RowProblem] = {}
    flag_cache: dict[tuple[int, str, dt.date], int] = {}
    seen: dict[int, int] = {}
    methods: dict[str, str] = {m: str(m.value) for m in MatchMethod}
    reviews: dict[str, list[Any]] = {}
    writer = LineWriter()
    rejections: list[FlowRejection] = []
    record_id, distributor_id = record.pk, distributor.pk
    qty_total = 0.0
    amount_total = 0.0
    running_qty = 0.0
    done = 0

    def as_read(read: list[Any], cells: list[Any]) -> list[Any]:
        """A row as the file had it, padded to the header's width (for the error report)."""
        return read if read is not cells else cells[:width]

    def reject(row_no: int, cells: list[Any], field_name: str, reason: str, *, duplicate: bool = False) -> None:
        if duplicate:
            result.duplicates += 1
        elif len(result.errors) < MAX_ERRORS_IN_RESULT:
            result.reject(row_no, field_name, reason)
        else:
            result.more_errors += 1
        rejections.append(
            FlowRejection(
                flow_import_id=record_id,
                row_no=row_no,
                field=field_name,
                reason=reason[:500],
                is_duplicate=duplicate,
                raw=[raw_value(c) for c in cells],
            )
        )
        if len(rejections) >= REJECTION_BATCH:
            writer.pause()
            FlowRejection.objects.bulk_create(rejections)
            rejections.clear()

    # Names, specs, units, addresses and numbers repeat thousands of times in a file: clean each once.
    texts: dict[Any, str] = {}
    numbers: dict[Any, Any] = {}

    def text(value: Any) -> str:
        if value is None or value == "":
            return ""
        found = texts.get(value)
        if found is None:
            found = cell_text(value)
            if len(texts) < CACHE_LIMIT:
                texts[value] = found
        return found

    formatted: dict[tuple[float, int], str] = {}

    def fmt(value: float, places: int) -> str:
        key = (value, places)
        found = formatted.get(key)
        if found is None:
            found = format_number(value, places)
            if len(formatted) < CACHE_LIMIT:
                formatted[key] = found
        return found

    def number(value: Any, field_name: str) -> tuple[float, str] | None:
        if value is None or value == "":
            return None
        found = numbers.get(value)
        if found is None:
            try:
                found = parse_number(value, field_name)
            except RowProblem as problem:
                found = problem
            if len(numbers) < CACHE_LIMIT:
                numbers[value] = found
        if isinstance(found, RowProblem):
            raise RowProblem(field_name, found.reason)
        return found

    def goods_of(raw: tuple[Any, ...]) -> Goods | RowProblem:
        """What a row's product, quantity, unit, price, amount and document-type cells say (first problem wins)."""
        raw_name, raw_code, raw_spec, raw_qty, raw_unit, raw_price, raw_amount, raw_type = raw
        try:
            name, code, spec = text(raw_name), text(raw_code), text(raw_spec)
            pkey = (code, name, spec)
            product_id = product_cache.get(pkey)
            if product_id is None:
                product_id = product_cache[pkey] = find_product(products, code, name, spec)
            if isinstance(product_id, RowProblem):
                raise product_id
            parsed_qty = number(raw_qty, "quantity")
            if parsed_qty is None:
                raise RowProblem("quantity", _("The quantity is empty."))
            qty, qty_unit = parsed_qty
            if qty == 0:
                raise RowProblem("quantity", _("The quantity is zero."))
            unit = text(raw_unit) or qty_unit
            fkey = (product_id, unit, spec)
            factor = factor_cache.get(fkey)
            if factor is None:
                factor = factor_cache[fkey] = unit_factor(products, product_id, unit, spec)
            if isinstance(factor, RowProblem):
                raise factor
            is_return = qty < 0 or ("退" in text(raw_type))
            if is_return and qty > 0:
                qty = -qty
            base_qty = qty * factor
            price = number(raw_price, "unit_price")
            if price is not None and price[0] < 0:
                raise RowProblem("unit_price", _("The unit price %(value)s is negative.") % {"value": price[0]})
            amount_cell = number(raw_amount, "amount")
        except RowProblem as problem:
            return problem
        return Goods(
            product_id=product_id,
            unit=unit[:10],
            is_return=1 if is_return else 0,
            qty=qty,
            base_qty=base_qty,
            qty_text=fmt(base_qty, 6),
            raw_qty_text=fmt(qty, 6)[:40],
            unit_price=fmt(price[0] / factor, 4) if price is not None else None,
            amount=fmt(amount_cell[0], 2) if amount_cell is not None else None,
            amount_value=amount_cell[0] if amount_cell is not None else 0.0,
        )

    def buyer_of(raw: tuple[Any, Any]) -> Buyer | RowProblem:
        name = text(raw[0])
        if not name:
            return RowProblem("buyer_name", _("The buyer name is empty."))
        if len(name) > 200:
            return RowProblem("buyer_name", _("The buyer name is longer than 200 characters."))
        address = text(raw[1])[:300]
        match: Match = matcher.match(name, address)
        return Buyer(name, address, keys(name)[0] or name, match, methods[match.method])

    # One entry per distinct combination of cells: a file repeats its goods and its buyers thousands of times.
    goods_seen: dict[tuple[Any, ...], Goods | RowProblem] = {}
    buyers_seen: dict[tuple[Any, Any], Buyer | RowProblem] = {}
    batches_seen: dict[Any, str] = {}
    buffer = writer.buffer

    try:
        for row_no, cells in table.rows:
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done)
            if not any(cells):
                continue
            # The row as read (kept for the error report), then padded to the header's width plus the
            # always-empty cell that columns the file lacks point at.
            read = cells
            n = len(cells)
            if n > width:  # cells beyond the header's: kept for the report, not read
                cells = [*cells[:width], None]
            elif n == width:
                cells.append(None)
            else:
                cells.extend([None] * (width - n + 1))
            raw_date = cells[i_date]
            date_entry = dates.get(raw_date)
            if date_entry is None:
                parsed = parse_sale_date(raw_date)
                if isinstance(parsed, RowProblem):
                    date_entry = parsed
                else:
                    date_flags = (FlowFlag.OUT_OF_PERIOD if parsed < month or parsed > month_end else 0) | (
                        FlowFlag.FUTURE if parsed > today else 0
                    )
                    date_entry = (parsed, parsed.isoformat(), date_flags)
                dates[raw_date] = date_entry
            # A total row below the data (its date cell says 合计 or is empty): recognised, checked, skipped.
            if isinstance(date_entry, RowProblem) and is_total_row(cells, checks_total):
                result.total_rows += 1
                try:
                    stated = parse_number(cells[i_qty], "quantity")
                except RowProblem:
                    stated = None
                if stated is not None and abs(stated[0] - running_qty) > 0.001:
                    result.warnings.append(
                        _("Row %(row)d is a total of %(stated)s, but the rows above it add up to %(sum)s.")
                        % {"row": row_no, "stated": format_number(stated[0], 3), "sum": format_number(running_qty, 3)}
                    )
                running_qty = 0.0
                continue
            result.rows += 1
            if isinstance(date_entry, RowProblem):
                reject(row_no, as_read(read, cells), date_entry.field, date_entry.reason)
                continue
            date, date_iso, flags = date_entry
            gkey = (cells[i_product], cells[i_code], cells[i_spec], cells[i_qty], cells[i_unit], cells[i_price],
                    cells[i_amount], cells[i_type])  # fmt: skip
            goods = goods_seen.get(gkey)
            if goods is None:
                goods = goods_of(gkey)
                if len(goods_seen) < CACHE_LIMIT:
                    goods_seen[gkey] = goods
            if isinstance(goods, RowProblem):
                reject(row_no, as_read(read, cells), goods.field, goods.reason)
                continue
            bkey = (cells[i_buyer], cells[i_addr])
            buyer = buyers_seen.get(bkey)
            if buyer is None:
                buyer = buyer_of(bkey)
                if len(buyers_seen) < CACHE_LIMIT:
                    buyers_seen[bkey] = buyer
            if isinstance(buyer, RowProblem):
                reject(row_no, as_read(read, cells), buyer.field, buyer.reason)
                continue
            raw_batch = cells[i_batch]
            batch = batches_seen.get(raw_batch)
            if batch is None:
                batch = cell_text(raw_batch)[:50]
                if len(batches_seen) < CACHE_LIMIT:
                    batches_seen[raw_batch] = batch
            doc_no = cell_text(cells[i_doc])[:60]
            product_id = goods.product_id
            if doc_no:
                raw_line = cells[i_line]
                line = (cell_text(raw_line) if raw_line is not None else "") or (
                    f"{product_id}|{batch}|{goods.qty_text}|{goods.unit_price}"
                )
                key = dedup_hash(f"d|{doc_no}|{line}")
            else:
                key = dedup_hash(f"r|{date_iso}|{product_id}|{batch}|{goods.qty_text}|{buyer.key}|{goods.unit_price}")
            first = seen.get(key)
            if first is not None:
                reason = _("Duplicate of row %(row)d.") % {"row": first}
                reject(row_no, as_read(read, cells), "", reason, duplicate=True)
                continue
            other = existing.get(key)
            if other is not None:
                reason = _("Already imported with import #%(id)d.") % {"id": other}
                reject(row_no, as_read(read, cells), "", reason, duplicate=True)
                continue
            seen[key] = row_no
            # Flags: evidence for people, never a reason to drop the line.
            if batch:
                fkey = (product_id, batch, date)
                bflags = flag_cache.get(fkey)
                if bflags is None:
                    bflags = flag_cache[fkey] = batches.flags(product_id, batch, date)
                flags |= bflags
            if flags:
                result.flagged += 1
            match = buyer.match
            if match.terminal_id is None:
                review = reviews.get(buyer.key)
                if review is None:
                    reviews[buyer.key] = [buyer.name, buyer.address, match.division, match.suggestions, 1]
                else:
                    review[4] += 1
            buffer.append(
                (
                    record_id, distributor_id, row_no, date_iso, product_id, batch, goods.qty_text,
                    goods.raw_qty_text, goods.unit, goods.unit_price, goods.amount, goods.is_return, buyer.name,
                    buyer.address, buyer.key[:200], match.division, match.terminal_id, buyer.method,
                    match.confidence, doc_no, key, flags,
                )
            )  # fmt: skip
            if len(buffer) >= BATCH_SIZE:
                writer.flush()
            result.imported += 1
            qty_total += goods.base_qty
            running_qty += goods.qty
            amount_total += goods.amount_value
        writer.close()
    except BaseException:
        writer.abort()
        raise
    if rejections:
        FlowRejection.objects.bulk_create(rejections)
    if progress is not None:
        progress(done)

    result.created = result.imported
    result.unmatched = len(reviews)
    _queue_reviews(distributor, record, reviews)
    if replaced is not None:
        replaced.status = ImportStatus.SUPERSEDED
        replaced.save(update_fields=["status"])
        result.replaced = replaced.pk
        result.changes = _changes(replaced, record, set(seen))
    if result.imported == 0 and result.rows > 0 and not result.errors and result.duplicates:
        result.warnings.append(_("Every row was already imported: nothing new."))
    record.rows = result.rows
    record.imported = result.imported
    record.duplicates = result.duplicates
    record.rejected = result.rejected
    record.flagged = result.flagged
    record.unmatched = result.unmatched
    record.quantity_total = Decimal(format_number(qty_total, 3))
    record.amount_total = Decimal(format_number(amount_total, 2))
    record.warnings = result.warnings[:200]
    record.changes = result.changes
    record.status = ImportStatus.ACTIVE
    record.save()
    result.import_id = record.pk
    if reviews or replaced is not None:
        review_counts_refresh(distributor_id=distributor.pk)


def _queue_reviews(distributor: Customer, record: FlowImport, reviews: dict[str, list[Any]]) -> None:
    """Unmatched buyers join the review queue (one item per buyer name of the distributor)."""
    if not reviews:
        return
    existing = {r.name_key: r for r in BuyerReview.objects.filter(distributor=distributor, name_key__in=list(reviews))}
    new, changed = [], []
    for key, (raw, address, division, suggestions, _count) in reviews.items():
        item = existing.get(key)
        if item is None:
            new.append(
                BuyerReview(
                    distributor=distributor,
                    name_key=key[:200],
                    raw_name=raw[:200],
                    address=address[:300],
                    division_id=division,
                    suggestions=[list(s) for s in suggestions],
                    first_import=record,
                )
            )
        else:
            if item.status != ReviewStatus.DISMISSED:
                item.status = ReviewStatus.OPEN
            item.suggestions = [list(s) for s in suggestions] or item.suggestions
            item.address = item.address or address[:300]
            item.division_id = item.division_id or division
            changed.append(item)
    BuyerReview.objects.bulk_create(new, batch_size=1000)
    BuyerReview.objects.bulk_update(changed, ["status", "suggestions", "address", "division"], batch_size=1000)


def review_counts_refresh(*, distributor_id: int) -> None:
    """How many active, unmatched lines each of the distributor's queued buyers has."""
    counts = dict(
        FlowLine.objects.filter(
            distributor_id=distributor_id, terminal__isnull=True, flow_import__status=ImportStatus.ACTIVE
        )
        .values("buyer_key")
        .annotate(n=Count("id"))
        .values_list("buyer_key", "n")
    )
    items = list(BuyerReview.objects.filter(distributor_id=distributor_id, status=ReviewStatus.OPEN))
    for item in items:
        item.lines = counts.get(item.name_key, 0)
    BuyerReview.objects.bulk_update(items, ["lines"], batch_size=1000)


def _changes(old: FlowImport, new: FlowImport, new_keys: set[int]) -> dict[str, Any]:
    """What a corrected file changed: rows added and removed, and quantities by product before and after."""
    old_keys = set(FlowLine.objects.filter(flow_import=old).values_list("dedup_key", flat=True))
    added, removed = new_keys - old_keys, old_keys - new_keys
    totals: dict[int, dict[str, str]] = {}
    for row in (
        FlowLine.objects.filter(flow_import__in=[old, new])
        .values("flow_import_id", "product_id")
        .annotate(q=Sum("quantity"))
    ):
        side = "before" if row["flow_import_id"] == old.pk else "after"
        totals.setdefault(row["product_id"], {"before": "0", "after": "0"})[side] = decimal_text(Decimal(str(row["q"])))
    names = dict(Product.objects.filter(pk__in=list(totals)).values_list("pk", "name"))

    def sample(import_id: int, wanted: set[int]) -> list[dict[str, Any]]:
        if not wanted:
            return []
        some = list(wanted)[:2000]
        lines = FlowLine.objects.filter(flow_import_id=import_id, dedup_key__in=some).order_by("row_no")[:20]
        return [
            {"row": ln.row_no, "date": ln.date.isoformat(), "product": names.get(ln.product_id, ""),
             "buyer": ln.buyer_name, "batch": ln.batch, "quantity": decimal_text(Decimal(str(ln.quantity)))}
            for ln in lines
        ]  # fmt: skip

    return {
        "replaced_import": old.pk,
        "added": len(added),
        "removed": len(removed),
        "unchanged": len(new_keys & old_keys),
        "by_product": [
            {"product": names.get(pk, str(pk)), **values}
            for pk, values in sorted(totals.items(), key=lambda kv: names.get(kv[0], ""))
            if values["before"] != values["after"]
        ],
        "added_rows": sample(new.pk, added),
        "removed_rows": sample(old.pk, removed),
    }
