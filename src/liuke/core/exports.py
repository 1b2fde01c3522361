"""The one home of exports: every file of business data leaves through here, and is logged.

Per-role quotas and watermarks plug in here too (later work); nothing streams rows on its own.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction

from .changelog import _actor_name, current_context, to_json_value
from .models import ExportLog

FORMATS = ("csv", "xlsx", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return value


def _write_csv(out: IO[bytes], columns: Sequence[Column], rows: Iterable[dict]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)  # BOM: Excel opens it right
    writer = csv.writer(text)
    writer.writerow([c.label for c in columns])
    count = 0
    for row in rows:
        writer.writerow(["" if (v := _cell(row.get(c.key))) is None else v for c in columns])
        count += 1
    text.detach()
    return count


def _write_xlsx(out: IO[bytes], columns: Sequence[Column], rows: Iterable[dict], title: str) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "export")
    sheet.append([c.label for c in columns])
    count = 0
    for row in rows:
        sheet.append([_cell(row.get(c.key)) for c in columns])
        count += 1
    workbook.save(out)
    return count


def _write_json(out: IO[bytes], columns: Sequence[Column], rows: Iterable[dict]) -> int:
    out.write(b"[")
    count = 0
    for row in rows:
        out.write(b"," if count else b"")
        item = {c.key: to_json_value(row.get(c.key)) for c in columns}
        out.write(json.dumps(item, ensure_ascii=False).encode("utf-8"))
        count += 1
    out.write(b"]")
    return count


def export_write(
    *,
    kind: str,
    columns: Sequence[Column],
    rows: Iterable[dict],
    fmt: str,
    out: IO[bytes],
    filters: dict[str, Any] | None = None,
) -> ExportLog:
    """Write ``rows`` to ``out`` in ``fmt`` and log the export (actor and source from the change context).

    ``rows`` must already be what the viewer may see (a selector's output): this function does not filter.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "csv":
        count = _write_csv(out, columns, rows)
    elif fmt == "xlsx":
        count = _write_xlsx(out, columns, rows, kind)
    else:
        count = _write_json(out, columns, rows)
    ctx = current_context()
    actor = ctx.resolve_actor()
    with transaction.atomic():
        return ExportLog.objects.create(
            actor=actor,
            actor_name=_actor_name(actor),
            source=ctx.source,
            request_id=ctx.request_id,
            kind=kind,
            format=fmt,
            rows=count,
            filters=filters or {},
        )
