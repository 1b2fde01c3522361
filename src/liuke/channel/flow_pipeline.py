"""The flow import's stages: read → map → clean → match → deduplicate → write.

Each stage is a small function or class with one job, tested on its own (tests/channel/test_flow_pipeline.py);
:func:`liuke.channel.flow.flow_import_run` drives them over the file a chunk of rows at a time.

A file repeats its names, products, dates and numbers thousands of times, so the per-value stages (clean,
match) work a distinct cell, or combination of cells, out once: the driver keeps what they returned in a
memo and calls them only for a value it has not seen. The per-row stages (map, deduplicate, write) take
whole chunks, or are a dictionary look-up and an append, so a million rows cost no extra call each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from .cells import RowProblem, cell_text, format_number, is_total_row, parse_number, parse_sale_date, raw_value
from .choices import FlowFlag, MatchMethod
from .flow_context import BatchIndex, ProductIndex, find_product, unit_factor
from .flow_writer import LineWriter
from .matching import Match, TerminalMatcher, keys
from .models import FlowRejection

CHUNK_ROWS = 32  # rows at a time: few, so they die young (a bigger chunk keeps the garbage collector busy)
CACHE_LIMIT = 200_000  # distinct values (or cell combinations) remembered per file; past it, each is worked out anew

# --- read ----------------------------------------------------------------------------------------------------


def read_chunks(rows: Iterator[tuple[int, list[Any]]], size: int = CHUNK_ROWS) -> Iterator[list[tuple[int, list[Any]]]]:
    """The file's (row number, cells) below its header, ``size`` rows at a time."""
    while chunk := list(islice(rows, size)):
        yield chunk


# --- map (headers → fields) ----------------------------------------------------------------------------------


class Layout:
    """Where each field is in a file's rows, and the rows padded so every field can be read by position.

    A field the file lacks points at an always-empty cell appended after the last column, so the row loop
    reads every field the same way.
    """

    def __init__(self, headers: list[str], columns: dict[str, int], fields: list[str]):
        self.width = max(len(headers), max(columns.values(), default=-1) + 1)
        self.at = {name: columns.get(name, self.width) for name in fields}
        at = self.at
        self.total_checks = [
            i for i in (0, at["date"], at["product"], at["buyer_name"], at["product_code"]) if i < self.width
        ]
        self.wider: dict[int, list[Any]] = {}  # the chunk's rows with cells beyond the header's, as read

    def fit(self, chunk: list[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
        """The chunk's non-empty rows, each padded in place to the header's width plus the empty cell."""
        width = self.width
        wider = self.wider
        wider.clear()
        fitted: list[tuple[int, list[Any]]] = []
        append = fitted.append
        for item in chunk:
            cells = item[1]
            if not any(cells):
                continue
            n = len(cells)
            if n == width:
                cells.append(None)
            elif n < width:
                cells.extend([None] * (width - n + 1))
            else:  # cells beyond the header's: kept for the error report, not read
                wider[item[0]] = cells
                item = (item[0], [*cells[:width], None])
            append(item)
        return fitted

    def as_read(self, row_no: int, cells: list[Any]) -> list[Any]:
        """A fitted row as the file had it, padded to the header's width (for the error report)."""
        return self.wider.get(row_no) or cells[: self.width]

    def is_total(self, cells: list[Any]) -> bool:
        return is_total_row(cells, self.total_checks)


# --- clean (cells → typed values) ----------------------------------------------------------------------------


class SaleDate(NamedTuple):
    date: dt.date
    iso: str
    flags: int  # out of the declared period, in the future


class GoodsCells(NamedTuple):
    """A row's product, quantity, unit, price, amount and document-type cells, cleaned; a cell that cannot be
    used holds its RowProblem, raised by :class:`GoodsMatcher` in the order a person fixes them."""

    name: str
    code: str
    spec: str
    quantity: float | RowProblem  # as reported in ``unit``, negative for a return
    unit: str
    is_return: bool
    unit_price: float | RowProblem | None  # per ``unit``
    amount: float | RowProblem | None


class Cleaner:
    """Cells to typed values: text, numbers, sale dates, goods and buyer cells; each distinct cell cleaned once."""

    def __init__(self, month: dt.date, today: dt.date):
        self.month = month
        self.month_end = month_end(month)
        self.today = today
        self._texts: dict[Any, str] = {}
        self._numbers: dict[Any, tuple[float, str] | RowProblem] = {}
        self._formatted: dict[tuple[float, int], str] = {}

    def text(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        found = self._texts.get(value)
        if found is None:
            found = cell_text(value)
            if len(self._texts) < CACHE_LIMIT:
                self._texts[value] = found
        return found

    def number(self, value: Any, field_name: str) -> tuple[float, str] | None:
        """(number, unit written after it); None for a blank cell; raises RowProblem naming ``field_name``."""
        if value is None or value == "":
            return None
        found = self._numbers.get(value)
        if found is None:
            try:
                found = parse_number(value, field_name)
            except RowProblem as problem:
                found = problem
            if len(self._numbers) < CACHE_LIMIT and found is not None:
                self._numbers[value] = found
        if isinstance(found, RowProblem):
            raise RowProblem(field_name, found.reason)
        return found

    def fmt(self, value: float, places: int) -> str:
        key = (value, places)
        found = self._formatted.get(key)
        if found is None:
            found = format_number(value, places)
            if len(self._formatted) < CACHE_LIMIT:
                self._formatted[key] = found
        return found

    def date(self, raw: Any) -> SaleDate | RowProblem:
        parsed = parse_sale_date(raw)
        if isinstance(parsed, RowProblem):
            return parsed
        flags = (FlowFlag.OUT_OF_PERIOD if parsed < self.month or parsed > self.month_end else 0) | (
            FlowFlag.FUTURE if parsed > self.today else 0
        )
        return SaleDate(parsed, parsed.isoformat(), flags)

    def goods(self, raw: tuple[Any, ...]) -> GoodsCells:
        """``raw``: the product, code, spec, quantity, unit, unit price, amount and document-type cells."""
        raw_name, raw_code, raw_spec, raw_qty, raw_unit, raw_price, raw_amount, raw_type = raw
        quantity: float | RowProblem
        qty_unit = ""
        try:
            parsed = self.number(raw_qty, "quantity")
            if parsed is None:
                raise RowProblem("quantity", _("The quantity is empty."))
            quantity, qty_unit = parsed
            if quantity == 0:
                raise RowProblem("quantity", _("The quantity is zero."))
        except RowProblem as problem:
            quantity = problem
        is_return = False
        if not isinstance(quantity, RowProblem):
            is_return = quantity < 0 or ("退" in self.text(raw_type))
            if is_return and quantity > 0:
                quantity = -quantity
        return GoodsCells(
            name=self.text(raw_name),
            code=self.text(raw_code),
            spec=self.text(raw_spec),
            quantity=quantity,
            unit=self.text(raw_unit) or qty_unit,
            is_return=is_return,
            unit_price=self._price(raw_price),
            amount=self._optional(raw_amount, "amount"),
        )

    def _optional(self, raw: Any, field_name: str) -> float | RowProblem | None:
        try:
            parsed = self.number(raw, field_name)
        except RowProblem as problem:
            return problem
        return parsed[0] if parsed is not None else None

    def _price(self, raw: Any) -> float | RowProblem | None:
        price = self._optional(raw, "unit_price")
        if isinstance(price, float) and price < 0:
            return RowProblem("unit_price", _("The unit price %(value)s is negative.") % {"value": price})
        return price

    def buyer(self, raw: tuple[Any, Any]) -> tuple[str, str] | RowProblem:
        """(name, address) from a row's buyer cells."""
        name = self.text(raw[0])
        if not name:
            return RowProblem("buyer_name", _("The buyer name is empty."))
        if len(name) > 200:
            return RowProblem("buyer_name", _("The buyer name is longer than 200 characters."))
        return name, self.text(raw[1])[:300]

    def batch(self, raw: Any) -> str:
        return cell_text(raw)[:50]

    def total_warning(self, row_no: int, raw_qty: Any, running_qty: float) -> str | None:
        """What a total row below the data says when its quantity is not the sum of the rows above it."""
        try:
            stated = parse_number(raw_qty, "quantity")
        except RowProblem:
            stated = None
        if stated is None or abs(stated[0] - running_qty) <= 0.001:
            return None
        return _("Row %(row)d is a total of %(stated)s, but the rows above it add up to %(sum)s.") % {
            "row": row_no, "stated": format_number(stated[0], 3), "sum": format_number(running_qty, 3)}  # fmt: skip


def month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


# --- match (goods → product, buyer → terminal, batch → flags) ------------------------------------------------


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


class GoodsMatcher:
    """Cleaned goods cells to a product and its quantity in the product's base unit (first problem wins)."""

    def __init__(self, products: ProductIndex, fmt: Callable[[float, int], str]):
        self.products = products
        self.fmt = fmt
        self._products: dict[tuple[str, str, str], int | RowProblem] = {}
        self._factors: dict[tuple[int, str, str], float | RowProblem] = {}

    def goods(self, cells: GoodsCells) -> Goods | RowProblem:
        pkey = (cells.code, cells.name, cells.spec)
        product_id = self._products.get(pkey)
        if product_id is None:
            product_id = self._products[pkey] = find_product(self.products, *pkey)
        if isinstance(product_id, RowProblem):
            return product_id
        qty = cells.quantity
        if isinstance(qty, RowProblem):
            return qty
        fkey = (product_id, cells.unit, cells.spec)
        factor = self._factors.get(fkey)
        if factor is None:
            factor = self._factors[fkey] = unit_factor(self.products, *fkey)
        if isinstance(factor, RowProblem):
            return factor
        price, amount = cells.unit_price, cells.amount
        if isinstance(price, RowProblem):
            return price
        if isinstance(amount, RowProblem):
            return amount
        fmt = self.fmt
        base_qty = qty * factor
        return Goods(
            product_id=product_id,
            unit=cells.unit[:10],
            is_return=1 if cells.is_return else 0,
            qty=qty,
            base_qty=base_qty,
            qty_text=fmt(base_qty, 6),
            raw_qty_text=fmt(qty, 6)[:40],
            unit_price=fmt(price / factor, 4) if price is not None else None,
            amount=fmt(amount, 2) if amount is not None else None,
            amount_value=amount if amount is not None else 0.0,
        )


class Buyer(NamedTuple):
    """One buyer name and address as a file writes them, cleaned and matched."""

    name: str
    address: str
    key: str
    match: Match
    method: str


class BuyerMatcher:
    """Buyer names to master terminals; the buyers left unmatched, for the review queue."""

    def __init__(self, matcher: TerminalMatcher):
        self.matcher = matcher
        self._methods: dict[str, str] = {m: str(m.value) for m in MatchMethod}
        self.unmatched: dict[str, list[Any]] = {}  # name key → [name, address, division, suggestions, lines]

    def buyer(self, cleaned: tuple[str, str]) -> Buyer:
        name, address = cleaned
        match = self.matcher.match(name, address)
        return Buyer(name, address, keys(name)[0] or name, match, self._methods[match.method])

    def note_unmatched(self, buyer: Buyer) -> None:
        """One more line of a buyer no terminal was found for."""
        review = self.unmatched.get(buyer.key)
        if review is None:
            match = buyer.match
            self.unmatched[buyer.key] = [buyer.name, buyer.address, match.division, match.suggestions, 1]
        else:
            review[4] += 1


class BatchFlags:
    """Flags a batch earns on a date (unknown batch, outside its life, sold before it reached the distributor)."""

    def __init__(self, batches: BatchIndex):
        self.batches = batches
        self.memo: dict[tuple[int, str, dt.date], int] = {}  # read by the row loop before calling :meth:`flags`

    def flags(self, product_id: int, batch: str, date: dt.date) -> int:
        found = self.memo[(product_id, batch, date)] = self.batches.flags(product_id, batch, date)
        return found


# --- deduplicate ---------------------------------------------------------------------------------------------


class Deduplicator:
    """A line's key, and whether a row with the same key came first, in this file or in the distributor's other
    active files (``existing``: key → import id)."""

    def __init__(self, existing: dict[int, int], hasher: Callable[[str], int]):
        self.existing = existing
        self.hasher = hasher
        self.seen: dict[int, int] = {}  # key → row number of the first row with it

    def admit(
        self, row_no: int, doc_no: str, raw_line: Any, date_iso: str, goods: Goods, batch: str, buyer_key: str
    ) -> int | str:
        """The row's key when it is the first with it (remembered), else why it is a duplicate."""
        if doc_no:
            line = (cell_text(raw_line) if raw_line is not None else "") or (
                f"{goods.product_id}|{batch}|{goods.qty_text}|{goods.unit_price}"
            )
            key = self.hasher(f"d|{doc_no}|{line}")
        else:
            key = self.hasher(
                f"r|{date_iso}|{goods.product_id}|{batch}|{goods.qty_text}|{buyer_key}|{goods.unit_price}"
            )
        first = self.seen.get(key)
        if first is not None:
            return _("Duplicate of row %(row)d.") % {"row": first}
        other = self.existing.get(key)
        if other is not None:
            return _("Already imported with import #%(id)d.") % {"id": other}
        self.seen[key] = row_no
        return key


# --- write ---------------------------------------------------------------------------------------------------


class Rejections:
    """Rejected and duplicate rows: counted on the result, stored in batches (the lines' COPY paused first).

    The result keeps each field's stable English key (the JSON summary scripts read); the stored row, shown
    on the import's page and in its error report, names the field as people read it (``labels``), in the
    language of the import like its reason.
    """

    def __init__(
        self,
        result: Any,
        import_id: int,
        writer: LineWriter,
        *,
        labels: dict[str, str],
        batch_size: int,
        max_listed: int,
    ):
        self.result = result
        self.import_id = import_id
        self.writer = writer
        self.labels = labels
        self.batch_size = batch_size
        self.max_listed = max_listed
        self.pending: list[FlowRejection] = []

    def add(self, row_no: int, cells: list[Any], field_name: str, reason: str, *, duplicate: bool = False) -> None:
        result = self.result
        if duplicate:
            result.duplicates += 1
        elif len(result.errors) < self.max_listed:
            result.reject(row_no, field_name, reason)
        else:
            result.more_errors += 1
        self.pending.append(
            FlowRejection(
                flow_import_id=self.import_id,
                row_no=row_no,
                field=self.labels.get(field_name, field_name)[:40],
                reason=reason[:500],
                is_duplicate=duplicate,
                raw=[raw_value(c) for c in cells],
            )
        )
        if len(self.pending) >= self.batch_size:
            self.writer.pause()
            self.flush()

    def flush(self) -> None:
        if self.pending:
            FlowRejection.objects.bulk_create(self.pending)
            self.pending.clear()
