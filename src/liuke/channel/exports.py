"""Flow exports (``liuke export flow``) and a file's error report: rows from the selectors, files and log
from core.exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from django.utils.translation import gettext as _

from liuke.core.exports import Column, export_write

from .choices import flag_labels
from .models import FlowImport
from .selectors import FlowFilters, flow_lines


def flow_columns() -> list[Column]:
    return [
        Column("distributor_code", _("distributor code")),
        Column("distributor", _("distributor")),
        Column("file", _("source file")),
        Column("import_id", _("import")),
        Column("row", _("row")),
        Column("date", _("date")),
        Column("product_code", _("product code")),
        Column("product", _("product")),
        Column("batch", _("batch")),
        Column("quantity", _("quantity (base unit)")),
        Column("base_unit", _("base unit")),
        Column("unit_price", _("unit price (per base unit)")),
        Column("amount", _("amount")),
        Column("is_return", _("return")),
        Column("buyer_name", _("buyer as reported")),
        Column("terminal_code", _("terminal code")),
        Column("terminal", _("terminal")),
        Column("match_method", _("match method")),
        Column("match_confidence", _("match confidence")),
        Column("division_code", _("division code")),
        Column("division", _("division")),
        Column("doc_no", _("document number")),
        Column("flags", _("flags")),
    ]


def flow_rows(*, viewer: Any, filters: FlowFilters) -> Iterator[dict]:
    qs = flow_lines(viewer=viewer, filters=filters).order_by("distributor_id", "flow_import_id", "row_no")
    for ln in qs.iterator(chunk_size=5000):
        yield {
            "distributor_code": ln.distributor.code,
            "distributor": ln.distributor.name,
            "file": ln.flow_import.file_name,
            "import_id": ln.flow_import_id,
            "row": ln.row_no,
            "date": ln.date,
            "product_code": ln.product.code,
            "product": str(ln.product),
            "batch": ln.batch,
            "quantity": ln.quantity,
            "base_unit": ln.product.base_unit,
            "unit_price": ln.unit_price,
            "amount": ln.amount,
            "is_return": ln.is_return,
            "buyer_name": ln.buyer_name,
            "terminal_code": ln.terminal.code if ln.terminal is not None else "",
            "terminal": ln.terminal.name if ln.terminal is not None else "",
            "match_method": ln.match_method,
            "match_confidence": ln.match_confidence,
            "division_code": ln.division_id or "",
            "division": ln.division.full_name if ln.division is not None else "",
            "doc_no": ln.doc_no,
            "flags": "、".join(flag_labels(ln.flags)),
        }


def flow_export(
    *, viewer: Any, fmt: str, out: IO[bytes], period: str | None = None, filters: FlowFilters | None = None
):
    """Export the active flow lines ``viewer`` may see (one month with ``period``) through core.exports."""
    filters = filters or FlowFilters()
    if period:
        filters.period = period
    return export_write(
        kind="flow",
        columns=flow_columns(),
        rows=flow_rows(viewer=viewer, filters=filters),
        fmt=fmt,
        out=out,
        filters={k: v for k, v in filters.__dict__.items() if v not in ("", None, False)},
    )


def flow_errors_export(*, viewer: Any, flow_import: FlowImport, out: IO[bytes]):
    """A file's error report: every rejected or duplicate row with its row number, reason and cells."""
    headers = (flow_import.header_map or {}).get("headers", [])
    columns = [Column("row", _("row")), Column("field", _("field")), Column("reason", _("reason"))]
    columns += [Column(f"c{i}", h or f"#{i + 1}") for i, h in enumerate(headers)]

    def rows() -> Iterator[dict]:
        for r in flow_import.rejections.order_by("row_no").iterator(chunk_size=5000):
            row = {"row": r.row_no, "field": r.field, "reason": r.reason}
            row.update({f"c{i}": v for i, v in enumerate(r.raw or [])})
            yield row

    return export_write(
        kind="flow-errors", columns=columns, rows=rows(), fmt="csv", out=out, filters={"import": flow_import.pk}
    )
