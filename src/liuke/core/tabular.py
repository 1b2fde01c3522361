"""Reading data files (CSV in UTF-8/BOM/GBK/GB18030, XLSX or XLS) into rows a person can find again.

Row numbers are the spreadsheet's own (the header is row 1 when it is the first line). Title rows above
the header are skipped: the header is the row among the first few that names the most known columns.
:func:`open_stream` reads big files row by row without holding them in memory.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _


class UnusableFile(Exception):
    """The file cannot be imported at all (unreadable, wrong format, missing required columns)."""


class MissingColumns(UnusableFile):
    """Required columns were not found among the headers (``headers``), so a person can map them by hand."""

    def __init__(self, message: str, headers: list[str]):
        super().__init__(message)
        self.headers = headers


@dataclass(frozen=True)
class Column:
    name: str  # canonical English name
    labels: tuple[str, ...] = ()  # Chinese labels and other accepted spellings
    required: bool = False
    label: Any = ""  # the translated name people read (a lazy string); the English name where empty

    def shown(self) -> str:
        """How a message names the column: its translated label with the English name (also a valid header)."""
        return f"{self.label} ({self.name})" if self.label else self.name


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
    if suffix == ".xls":
        return [row for _, row in _iter_calamine(path)]
    if suffix in {".csv", ".txt", ".tsv"}:
        return _read_csv(path.read_bytes())
    raise UnusableFile(_("Unsupported file type %(suffix)s: use .csv, .xlsx or .xls.") % {"suffix": suffix or "?"})


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(path: str | Path, columns: list[Column]) -> Table:
    """Read a file with one header row; map its headers to ``columns``; keep every non-empty row."""
    raw_rows = read_rows(path)
    lookup = header_lookup(columns)
    header_index = find_header(raw_rows[:HEADER_SCAN], lookup)
    if header_index is None:
        raise UnusableFile(_("The file is empty."))
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

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日", "%Y年%m月%d号", "%d/%m/%Y")
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
    text = re.split(r"[ T]", text)[0] if re.match(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T]", text) else text
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
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


# --- headers below title rows, streaming, encodings ---------------------------------------------

HEADER_SCAN = 30  # rows searched for the header below title rows


def header_lookup(columns: list[Column]) -> dict[str, str]:
    """Normalised header text → canonical column name."""
    lookup: dict[str, str] = {}
    for col in columns:
        for label in (col.name, *col.labels):
            lookup[normalise_header(label)] = col.name
    return lookup


def guess_columns(headers: list[str], columns: list[Column]) -> dict[str, str]:
    """A likely column name for each header, for a person to confirm where a file's layout is unknown.

    First the headers the reader itself maps (a known variant, exactly as :func:`open_stream` compares them),
    then headers containing a known variant (the longest wins: 开单日期 holds 日期). A variant that is part of
    variants of other columns says too little to guess from (单位 is in 购货单位 as in 包装单位). Each name
    goes to one header only, the first.
    """
    lookup = header_lookup(columns)
    guesses: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        name = lookup.get(normalise_header(header))
        if name and name not in taken:
            guesses[header] = name
            taken.add(name)
    telling = [v for v in lookup if not any(v in other and lookup[other] != lookup[v] for other in lookup)]
    telling.sort(key=len, reverse=True)
    for header in headers:
        key = normalise_header(header)
        if header in guesses or key in lookup:
            continue
        name = next((lookup[v] for v in telling if v in key and lookup[v] not in taken), None)
        if name:
            guesses[header] = name
            taken.add(name)
    return guesses


def find_header(rows: list[list[Any]], lookup: dict[str, str]) -> int | None:
    """The index of the header: the row naming the most known columns (title rows above it are skipped);
    without any known name, the first non-empty row. None when every row is empty."""
    best, best_hits, first = None, 0, None
    for i, row in enumerate(rows):
        if first is None and any(not _blank(v) for v in row):
            first = i
        hits = len({lookup[k] for v in row if not _blank(v) and (k := normalise_header(v)) in lookup})
        if hits > best_hits:
            best, best_hits = i, hits
    return best if best is not None else first


def file_fingerprint(path: str | Path, *, text: bool) -> tuple[str, str | None]:
    """The file's SHA-256 and, for a text file, its encoding (utf-8-sig, utf-8 or gb18030), in one pass."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")() if text else None
    utf8 = text
    first = True
    bom = False
    with Path(path).open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            if first:
                bom = chunk.startswith(codecs.BOM_UTF8)
                first = False
            if utf8 and decoder is not None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
    if not text:
        return digest.hexdigest(), None
    if utf8 and decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    # GB18030 is a superset of GBK (and of GB2312): one decoder reads all three.
    return digest.hexdigest(), ("utf-8-sig" if bom else "utf-8") if utf8 else "gb18030"


def _iter_csv(path: Path, encoding: str) -> Iterator[tuple[int, list[Any]]]:
    try:
        with path.open("r", encoding=encoding, errors="strict", newline="") as fh:
            sample = fh.read(8192)
            fh.seek(0)
            try:
                dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
            except csv.Error:
                dialect = csv.excel
            yield from enumerate(csv.reader(fh, dialect), start=1)
    except UnicodeDecodeError as exc:
        raise UnusableFile(_("The file is neither UTF-8 nor GBK/GB18030 text.")) from exc
    except csv.Error as exc:
        raise UnusableFile(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def _iter_calamine(path: Path) -> Iterator[tuple[int, list[Any]]]:
    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine raises its own error types for every kind of broken file
        raise UnusableFile(_("The Excel file cannot be opened: %(error)s") % {"error": exc}) from exc
    start = (sheet.start or (0, 0))[0] if hasattr(sheet, "start") else 0
    for i, row in enumerate(sheet.iter_rows(), start=start + 1):
        yield i, list(row)


def _iter_openpyxl(path: Path) -> Iterator[tuple[int, list[Any]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnusableFile(_("The Excel file cannot be opened: %(error)s") % {"error": exc}) from exc
    try:
        for row in workbook.worksheets[0].iter_rows():
            cells = list(row)
            if cells and getattr(cells[0], "row", None) is not None:
                yield cells[0].row, [c.value for c in cells]
    finally:
        workbook.close()


def iter_file_rows(path: str | Path, *, encoding: str | None = None) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of the first sheet or the CSV text, streamed; ``encoding`` from :func:`file_fingerprint`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        try:
            import python_calamine  # noqa: F401  (fast and reads .xls too)
        except ImportError:
            if suffix == ".xls":
                raise UnusableFile(_("Reading .xls files needs python-calamine.")) from None
            return _iter_openpyxl(path)
        return _iter_calamine(path)
    if suffix in {".csv", ".txt", ".tsv"}:
        return _iter_csv(path, encoding or file_fingerprint(path, text=True)[1] or "utf-8")
    raise UnusableFile(_("Unsupported file type %(suffix)s: use .csv, .xlsx or .xls.") % {"suffix": suffix or "?"})


@dataclass
class StreamTable:
    """A file opened for streaming: where its header is, how the headers map, and the rows below it."""

    header_row: int  # the spreadsheet's row number of the header
    headers: list[str]  # header text per position ("" for a blank header cell)
    columns: dict[str, int]  # canonical name -> position
    unknown: list[str]
    rows: Generator[tuple[int, list[Any]], None, None]


def open_stream(
    path: str | Path,
    columns: list[Column],
    *,
    encoding: str | None = None,
    mapping: dict[str, str] | None = None,
) -> StreamTable:
    """Open ``path`` for streaming, find its header below any title rows and map it to ``columns``.

    ``mapping`` (normalised or plain header text → canonical name, ``""`` to ignore a header) comes first,
    then the columns' labels. A header split over two rows by merged cells is read as one. Raises
    :class:`UnusableFile` naming the missing required columns and the headers found.
    """
    path = Path(path)
    if not path.exists():
        raise UnusableFile(_("No such file: %(path)s") % {"path": path})
    rows = iter_file_rows(path, encoding=encoding)
    head: list[tuple[int, list[Any]]] = []
    for item in rows:
        head.append(item)
        if len(head) >= HEADER_SCAN:
            break
    lookup = header_lookup(columns)
    manual = {normalise_header(k): v for k, v in (mapping or {}).items()}
    known = {**lookup, **{k: v for k, v in manual.items() if v}}
    index = find_header([r for _, r in head], known)
    if index is None:
        raise UnusableFile(_("The file is empty."))

    def combined(at: int) -> list[str]:
        # A header cell left blank under a cell merged down from the row above takes the text above.
        cells, above = head[at][1], head[at - 1][1] if at > 0 else []
        return [clean_text(c) or (clean_text(above[i]) if i < len(above) else "") for i, c in enumerate(cells)]

    def hits(texts: list[str]) -> int:
        return len({known[k] for t in texts if t and (k := normalise_header(t)) in known})

    if index + 1 < len(head) and hits(combined(index + 1)) > hits(combined(index)):
        index += 1  # the header spans two rows: the lower one, with the merged cells above it, is the header
    header_row = head[index][0]
    headers = combined(index)
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for i, text in enumerate(headers):
        if not text:
            continue
        key = normalise_header(text)
        name = manual[key] if key in manual else lookup.get(key)
        if not name:
            unknown.append(text)
        elif name not in positions:
            positions[name] = i
        else:
            unknown.append(text)  # a second column for the same field: reported, the first one is used
    missing = [c for c in columns if c.required and c.name not in positions]
    if missing:
        raise MissingColumns(
            _("Missing required columns: %(missing)s (found: %(found)s).")
            % {"missing": ", ".join(c.shown() for c in missing), "found": ", ".join(h for h in headers if h)},
            [h for h in headers if h],
        )

    def body() -> Generator[tuple[int, list[Any]], None, None]:
        yield from head[index + 1 :]
        yield from rows

    return StreamTable(header_row=header_row, headers=headers, columns=positions, unknown=unknown, rows=body())
