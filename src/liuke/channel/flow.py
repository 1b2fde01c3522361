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

The work is a pipeline (read → map → clean → match → deduplicate → write) whose stages live in
``flow_pipeline.py``; this module opens the file, drives the stages over it and keeps the import's record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liuke.core.changelog import change_context
from liuke.core.choices import ChangeSource
from liuke.core.imports import DryRunRollback, ImportResult
from liuke.core.tabular import Column, StreamTable, UnusableFile, file_fingerprint, guess_columns, open_stream
from liuke.customers.choices import CustomerKind
from liuke.customers.models import Customer

from .cells import RowProblem, cell_text, format_number
from .choices import ImportStatus, ReviewStatus
from .flow_context import BatchIndex, ProductIndex
from .flow_pipeline import (
    CACHE_LIMIT,
    BatchFlags,
    Buyer,
    BuyerMatcher,
    Cleaner,
    Deduplicator,
    Goods,
    GoodsMatcher,
    Layout,
    Rejections,
    SaleDate,
    month_end,
    read_chunks,
)
from .flow_writer import LineWriter
from .matching import TerminalMatcher
from .models import BuyerReview, DistributorProfile, FlowImport, FlowLine, Product
from .packspec import decimal_text

FLOW_COLUMNS = [
    Column("date", ("日期", "销售日期", "出库日期", "单据日期", "开票日期", "业务日期", "发货日期", "销售时间"),
           required=True, label=gettext_lazy("date")),
    Column("product", ("产品名称", "品名", "药品名称", "商品名称", "通用名", "产品", "商品名", "药品通用名", "品种"),
           required=True, label=gettext_lazy("product")),
    Column("product_code", ("产品编码", "商品编码", "产品代码", "商品代码", "药品编码", "货号"),
           label=gettext_lazy("product code")),
    Column("spec", ("规格", "品规", "包装规格", "规格型号", "药品规格", "商品规格"), label=gettext_lazy("spec")),
    Column("batch", ("批号", "生产批号", "产品批号", "lot", "批次", "batch_no"), label=gettext_lazy("batch")),
    Column("quantity", ("数量", "销售数量", "出库数量", "实发数量", "qty", "发货数量", "销量"), required=True,
           label=gettext_lazy("quantity")),
    Column("unit", ("单位", "包装单位", "计量单位"), label=gettext_lazy("unit")),
    Column("unit_price", ("单价", "销售单价", "含税单价", "出库单价", "price"), label=gettext_lazy("unit price")),
    Column("amount", ("金额", "销售金额", "含税金额", "价税合计", "总金额", "销售额"), label=gettext_lazy("amount")),
    Column("buyer_name", ("客户名称", "购货单位", "终端名称", "医院名称", "收货单位", "customer", "客户", "购买方",
                          "购货单位名称", "终端", "buyer"), required=True, label=gettext_lazy("buyer name")),
    Column("buyer_address", ("客户地址", "地址", "收货地址", "送货地址", "address", "终端地址"),
           label=gettext_lazy("buyer address")),
    Column("doc_no", ("单据号", "单号", "出库单号", "发票号", "单据编号", "docno", "发票号码"),
           label=gettext_lazy("document number")),
    Column("line_no", ("行号", "明细行号", "line"), label=gettext_lazy("line number")),
    Column("doc_type", ("单据类型", "业务类型", "销售类型"), label=gettext_lazy("document type")),
]  # fmt: skip
FIELDS = [c.name for c in FLOW_COLUMNS]
FIELD_LABELS = {c.name: c.label for c in FLOW_COLUMNS}

BATCH_SIZE = 10_000  # lines handed to the database at a time
REJECTION_BATCH = 5_000  # rejected rows stored at a time
PROGRESS_EVERY = 20_000
MAX_ERRORS_IN_RESULT = 10_000


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


def field_label(key: str) -> str:
    """The name a person reads for a flow field (the stable English key is for scripts: INTERFACES.md)."""
    label = FIELD_LABELS.get(key)
    return str(label) if label else key


def mapping_guess(headers: list[str]) -> dict[str, str]:
    """The field each header of a file with an unknown layout most likely holds, from the header variants."""
    return guess_columns(headers, FLOW_COLUMNS)


def dedup_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


# --- the import ------------------------------------------------------------------------------------------


def parse_period(text: str | None) -> dt.date:
    match = re.fullmatch(r"\s*(\d{4})[-/.年]?(\d{1,2})月?\s*", text or "")
    if not match or not 1 <= int(match[2]) <= 12:
        raise UnusableFile(_("The period must be given as YYYY-MM (e.g. 2024-03), not %(value)r.") % {"value": text})
    return dt.date(int(match[1]), int(match[2]), 1)


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
    if not dry_run and result.import_id is not None:
        from liuke.alerts.tasks import screen_after_import

        screen_after_import(flow_imports=[result.import_id])  # once the import has committed
    return result


def _remember_mapping(distributor: Customer, profile: DistributorProfile | None, mapping: dict[str, str]) -> None:
    if profile is None:
        DistributorProfile.objects.create(distributor=distributor, header_map=mapping)
    elif profile.header_map != mapping:
        profile.header_map = mapping
        profile.save()


def _run(
    result: FlowImportResult,
    table: StreamTable,
    distributor: Customer,
    month: dt.date,
    sha: str,
    actor: Any,
    stored_file: str,
    progress: Callable[[int], None] | None,
) -> None:
    """Import an opened file's rows under a new import record, inside the caller's transaction."""
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
    cleaner = Cleaner(month, timezone.localdate())
    goods_matcher = GoodsMatcher(ProductIndex.load(), cleaner.fmt)
    batch_flags = BatchFlags(BatchIndex.load(distributor.pk))
    buyer_matcher = BuyerMatcher(TerminalMatcher.load(distributor_id=distributor.pk))
    dedup = Deduplicator(_stored_keys(distributor, month, replaced), dedup_hash)
    writer = LineWriter()
    labels = {key: str(label) for key, label in FIELD_LABELS.items()}
    rejections = Rejections(result, record.pk, writer, labels=labels, batch_size=REJECTION_BATCH,
                            max_listed=MAX_ERRORS_IN_RESULT)  # fmt: skip
    try:
        totals = _stream(result, table, record.pk, distributor.pk, progress,
                         cleaner, goods_matcher, buyer_matcher, batch_flags, dedup, writer, rejections)  # fmt: skip
        writer.close()
    except BaseException:
        writer.abort()
        raise
    rejections.flush()
    _finish(result, record, distributor, replaced, buyer_matcher.unmatched, dedup.seen, totals)


def _stored_keys(distributor: Customer, month: dt.date, replaced: FlowImport | None) -> dict[int, int]:
    """Dedup keys of the distributor's other active lines around ``month`` (a row already there is a duplicate)."""
    window = (month - dt.timedelta(days=62), month_end(month) + dt.timedelta(days=62))
    stored = FlowLine.objects.filter(
        distributor=distributor, flow_import__status=ImportStatus.ACTIVE, date__range=window
    )
    if replaced is not None:
        stored = stored.exclude(flow_import=replaced)
    return dict(stored.values_list("dedup_key", "flow_import_id").iterator(chunk_size=20000))


def _stream(
    result: FlowImportResult,
    table: StreamTable,
    record_id: int,
    distributor_id: int,
    progress: Callable[[int], None] | None,
    cleaner: Cleaner,
    goods_matcher: GoodsMatcher,
    buyer_matcher: BuyerMatcher,
    batch_flags: BatchFlags,
    dedup: Deduplicator,
    writer: LineWriter,
    rejections: Rejections,
) -> tuple[float, float]:
    """Drive the stages over the file's rows, a chunk at a time; the (base-unit quantity, amount) imported.

    The loop only looks values up in the per-value stages' memos (calling a stage for a value not seen
    yet) and hands each good line to the writer: at a million rows a call per row per stage would show.
    """
    layout = Layout(table.headers, table.columns, FIELDS)
    at = layout.at
    i_date, i_product, i_code, i_spec, i_batch = at["date"], at["product"], at["product_code"], at["spec"], at["batch"]
    i_qty, i_unit, i_price, i_amount = at["quantity"], at["unit"], at["unit_price"], at["amount"]
    i_buyer, i_addr, i_doc, i_line, i_type = (
        at["buyer_name"], at["buyer_address"], at["doc_no"], at["line_no"], at["doc_type"])  # fmt: skip
    # Memos of the per-value stages: one entry per distinct cell or combination of cells.
    dates: dict[Any, SaleDate | RowProblem] = {}
    goods_seen: dict[tuple[Any, ...], Goods | RowProblem] = {}
    buyers_seen: dict[tuple[Any, Any], Buyer | RowProblem] = {}
    batches_seen: dict[Any, str] = {}
    flag_memo = batch_flags.memo
    admit, reject, as_read = dedup.admit, rejections.add, layout.as_read
    buffer = writer.buffer
    batch_size = BATCH_SIZE
    qty_total = amount_total = running_qty = 0.0
    done = 0
    for chunk in read_chunks(table.rows):
        done += len(chunk)
        for row_no, cells in layout.fit(chunk):
            raw_date = cells[i_date]
            date_entry = dates.get(raw_date)
            if date_entry is None:
                date_entry = dates[raw_date] = cleaner.date(raw_date)
            if isinstance(date_entry, RowProblem):
                # A total row below the data (its date cell says 合计 or is empty): recognised, checked, skipped.
                if layout.is_total(cells):
                    result.total_rows += 1
                    warning = cleaner.total_warning(row_no, cells[i_qty], running_qty)
                    if warning:
                        result.warnings.append(warning)
                    running_qty = 0.0
                    continue
                result.rows += 1
                reject(row_no, as_read(row_no, cells), date_entry.field, date_entry.reason)
                continue
            result.rows += 1
            date, date_iso, flags = date_entry
            gkey = (cells[i_product], cells[i_code], cells[i_spec], cells[i_qty], cells[i_unit], cells[i_price],
                    cells[i_amount], cells[i_type])  # fmt: skip
            goods = goods_seen.get(gkey)
            if goods is None:
                goods = goods_matcher.goods(cleaner.goods(gkey))
                if len(goods_seen) < CACHE_LIMIT:
                    goods_seen[gkey] = goods
            if isinstance(goods, RowProblem):
                reject(row_no, as_read(row_no, cells), goods.field, goods.reason)
                continue
            bkey = (cells[i_buyer], cells[i_addr])
            buyer = buyers_seen.get(bkey)
            if buyer is None:
                cleaned = cleaner.buyer(bkey)
                buyer = cleaned if isinstance(cleaned, RowProblem) else buyer_matcher.buyer(cleaned)
                if len(buyers_seen) < CACHE_LIMIT:
                    buyers_seen[bkey] = buyer
            if isinstance(buyer, RowProblem):
                reject(row_no, as_read(row_no, cells), buyer.field, buyer.reason)
                continue
            raw_batch = cells[i_batch]
            batch = batches_seen.get(raw_batch)
            if batch is None:
                batch = cleaner.batch(raw_batch)
                if len(batches_seen) < CACHE_LIMIT:
                    batches_seen[raw_batch] = batch
            doc_no = cell_text(cells[i_doc])[:60]
            product_id = goods.product_id
            key = admit(row_no, doc_no, cells[i_line], date_iso, goods, batch, buyer.key)
            if key.__class__ is str:
                reject(row_no, as_read(row_no, cells), "", key, duplicate=True)  # type: ignore[arg-type]
                continue
            # Flags: evidence for people, never a reason to drop the line.
            if batch:
                bflags = flag_memo.get((product_id, batch, date))
                if bflags is None:
                    bflags = batch_flags.flags(product_id, batch, date)
                flags |= bflags
            if flags:
                result.flagged += 1
            match = buyer.match
            if match.terminal_id is None:
                buyer_matcher.note_unmatched(buyer)
            buffer.append(
                (
                    record_id, distributor_id, row_no, date_iso, product_id, batch, goods.qty_text,
                    goods.raw_qty_text, goods.unit, goods.unit_price, goods.amount, goods.is_return, buyer.name,
                    buyer.address, buyer.key[:200], match.division, match.terminal_id, buyer.method,
                    match.confidence, doc_no, key, flags,
                )
            )  # fmt: skip
            if len(buffer) >= batch_size:
                writer.flush()
            result.imported += 1
            qty_total += goods.base_qty
            running_qty += goods.qty
            amount_total += goods.amount_value
        if progress is not None and done % PROGRESS_EVERY < len(chunk):  # the chunk passed a multiple
            progress(done)
    if progress is not None:
        progress(done)
    return qty_total, amount_total


def _finish(
    result: FlowImportResult,
    record: FlowImport,
    distributor: Customer,
    replaced: FlowImport | None,
    unmatched: dict[str, list[Any]],
    new_keys: dict[int, int],
    totals: tuple[float, float],
) -> None:
    """The import's record, the review queue and the file it replaces, once every line is written."""
    result.created = result.imported
    result.unmatched = len(unmatched)
    _queue_reviews(distributor, record, unmatched)
    if replaced is not None:
        replaced.status = ImportStatus.SUPERSEDED
        replaced.save(update_fields=["status"])
        result.replaced = replaced.pk
        result.changes = _changes(replaced, record, set(new_keys))  # a set of a million keys only when needed
    if result.imported == 0 and result.rows > 0 and not result.errors and result.duplicates:
        result.warnings.append(_("Every row was already imported: nothing new."))
    record.rows = result.rows
    record.imported = result.imported
    record.duplicates = result.duplicates
    record.rejected = result.rejected
    record.flagged = result.flagged
    record.unmatched = result.unmatched
    record.quantity_total = Decimal(format_number(totals[0], 3))
    record.amount_total = Decimal(format_number(totals[1], 2))
    record.warnings = result.warnings[:200]
    record.changes = result.changes
    record.status = ImportStatus.ACTIVE
    record.save()
    result.import_id = record.pk
    if unmatched or replaced is not None:
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
