"""Reading master-data files (CSV in UTF-8/GBK/GB18030, or XLSX) into rows a person can find again.

Row numbers are the spreadsheet's own (the header is row 1 when it is the first line).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _


class UnusableFile(Exception):
    """The file cannot be imported at all (unreadable, wrong format, missing required columns)."""


@dataclass(frozen=True)
class Column:
    name: str  # canonical English name
    labels: tuple[str, ...] = ()  # Chinese labels and other accepted spellings
    required: bool = False


@dataclass
class Table:
    columns: dict[str, int]  # canonical name -> position
    unknown: list[str]
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (row number, values)


def normalise_header(text: Any) -> str:
    text = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    return re.sub(r"[\s_\-*（）()]+", "", text)


def _decode(raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnusableFile(_("The file is neither UTF-8 nor GBK/GB18030 text."))


def _read_csv(raw: bytes) -> list[list[Any]]:
    text = _decode(raw)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnusableFile(_("The Excel file cannot be opened: %(error)s") % {"error": exc}) from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_rows(path: str | Path) -> list[list[Any]]:
    path = Path(path)
    if not path.exists():
        raise UnusableFile(_("No such file: %(path)s") % {"path": path})
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _read_xlsx(path)
    if suffix in {".csv", ".txt", ".tsv"}:
        return _read_csv(path.read_bytes())
    raise UnusableFile(_("Unsupported file type %(suffix)s: use .csv or .xlsx.") % {"suffix": suffix or "?"})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(path: str | Path, columns: list[Column]) -> Table:
    """Read a file with one header row; map its headers to ``columns``; keep every non-empty row."""
    raw_rows = read_rows(path)
    header_index = next((i for i, row in enumerate(raw_rows) if any(not _blank(v) for v in row)), None)
    if header_index is None:
        raise UnusableFile(_("The file is empty."))
    lookup: dict[str, str] = {}
    for col in columns:
        for label in (col.name, *col.labels):
            lookup[normalise_header(label)] = col.name
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for i, header in enumerate(raw_rows[header_index]):
        if _blank(header):
            continue
        name = lookup.get(normalise_header(header))
        if name is None:
            unknown.append(str(header).strip())
        elif name in positions:
            raise UnusableFile(_("Column %(name)s appears twice.") % {"name": header})
        else:
            positions[name] = i
    missing = [c.name for c in columns if c.required and c.name not in positions]
    if missing:
        raise UnusableFile(
            _("Missing required columns: %(missing)s (found: %(found)s).")
            % {
                "missing": ", ".join(missing),
                "found": ", ".join(str(h) for h in raw_rows[header_index] if not _blank(h)),
            }
        )
    table = Table(columns=positions, unknown=unknown)
    for offset, row in enumerate(raw_rows[header_index + 1 :], start=header_index + 2):
        if all(_blank(v) for v in row):
            continue
        values = {name: (row[pos] if pos < len(row) else None) for name, pos in positions.items()}
        table.rows.append((offset, values))
    return table


def iter_cells(table: Table) -> Iterator[tuple[int, dict[str, Any]]]:
    yield from table.rows


# --- cell parsing shared by importers ---------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%d/%m/%Y")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: Any) -> dt.date | None:
    """A date from an Excel cell, an Excel serial number or the usual text forms; None when blank.

    Raises ValueError with a readable message when the value is not a date.
    """
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(_("%(value)s is not a date") % {"value": value})
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = text.split(" ")[0] if re.match(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2} ", text) else text
    if re.fullmatch(r"\d{5}(\.0+)?", text):
        return parse_date(float(text))
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    raise ValueError(_("%(value)s is not a date (use YYYY-MM-DD)") % {"value": value})


def clean_text(value: Any) -> str:
    if _blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores numeric codes as floats
    text = unicodedata.normalize("NFKC", str(value))
    # Control characters (NUL, stray line breaks from merged cells) never belong in a name or code.
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text).strip()
