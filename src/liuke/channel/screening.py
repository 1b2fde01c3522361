"""Set-based building blocks of the channel's screening rules (``rules.py``).

Every rule is one or a few SQL statements over the flow lines of ACTIVE imports (a superseded file's lines
are history, not flow): joins, aggregates, ``EXISTS`` and window functions, never a Python loop over lines.
The helpers here say once how a division covers another, which lines a (possibly incremental) run looks
at, and how a line becomes evidence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Concat, RowNumber, Substr, TruncMonth
from django.db.models.lookups import Exact, LessThan

from .choices import ImportStatus
from .models import DistributorAuthorization, FlowImport, FlowLine

EVIDENCE_LINES = 20  # flow lines listed on one alert; ``evidence_count`` says how many there are

# What a flow line's evidence is made of (one query fetches these for the first lines of every finding).
LINE_FIELDS = (
    "flow_import_id",
    "flow_import__file_name",
    "row_no",
    "date",
    "distributor_id",
    "distributor__code",
    "distributor__name",
    "product_id",
    "product__code",
    "product__name",
    "batch",
    "terminal_id",
    "terminal__code",
    "terminal__name",
    "buyer_name",
    "buyer_key",
    "doc_no",
    "quantity",
    "unit_price",
    "division_id",
    "division__full_name",
)


# --- divisions --------------------------------------------------------------------------------------------


def prefix_length(field: str) -> Case:
    """How many leading digits of a GB/T 2260 code everything under it shares (``org.divisions.code_prefix``
    in SQL): a province (``310000``) 2, a city (``310100``) 4, a county 6."""
    return Case(
        When(Exact(Substr(field, 3, 4), Value("0000")), then=Value(2)),
        When(Exact(Substr(field, 5, 2), Value("00")), then=Value(4)),
        default=Value(6),
        output_field=IntegerField(),
    )


def valid_on(date: Any, prefix: str = "") -> Q:
    """Records whose (open-ended) validity includes ``date``."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": date})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": date})
    )


def authorised_distributors() -> QuerySet[DistributorAuthorization]:
    """Distributors with at least one authorisation on record: the only ones whose territory is known."""
    return DistributorAuthorization.objects.filter(archived_at__isnull=True)


def line_authorizations(**more: Any) -> QuerySet[DistributorAuthorization]:
    """Authorisations allowing the outer line's product on its date (``more`` narrows them further)."""
    return DistributorAuthorization.objects.filter(
        Q(product__isnull=True) | Q(product_id=OuterRef("product_id")),
        valid_on(OuterRef("date")),
        archived_at__isnull=True,
        **more,
    )


def outside(authorizations: Callable[[], QuerySet[DistributorAuthorization]]) -> Any:
    """A condition on a :func:`placed` line: none of ``authorizations()`` covers its buyer's division.

    A province covers every code under it, a city its counties, a county itself: a line's division is covered by
    an authorisation of its province, of its city or of itself. Equalities, not a prefix test per line and
    authorisation: they are cheap to compare and keep the planner's estimates sane. A buyer placed only at city
    or province level counts as covered when an authorised area lies within it: the line might well be there,
    and an alert must rest on evidence, not on a vague address.
    """
    return ~Exists(
        authorizations().filter(
            Q(division_id=OuterRef("division_id"))
            | Q(division_id=OuterRef("buyer_city"))
            | Q(division_id=OuterRef("buyer_province"))
            | (Q(LessThan(OuterRef("buyer_prefix"), 6)) & Q(division__code__startswith=OuterRef("buyer_area")))
        )
    )


# --- which lines a run looks at ---------------------------------------------------------------------------


def active_lines() -> QuerySet[FlowLine]:
    """Flow lines of active imports, unordered."""
    return FlowLine.objects.filter(flow_import__status=ImportStatus.ACTIVE).order_by()


def placed(lines: QuerySet[FlowLine]) -> QuerySet[FlowLine]:
    """Lines whose buyer's division is known, with what :func:`outside` compares: the codes of its province and
    city, how many digits its own code names and those digits."""
    return lines.filter(division__isnull=False).annotate(
        buyer_province=Concat(Substr("division_id", 1, 2), Value("0000"), output_field=CharField()),
        buyer_city=Concat(Substr("division_id", 1, 4), Value("00"), output_field=CharField()),
        buyer_prefix=prefix_length("division_id"),
        buyer_area=Substr("division_id", 1, F("buyer_prefix")),  # type: ignore[arg-type]
    )


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def imports_window(import_ids: Sequence[int]) -> Q:
    """The lines an incremental run after these imports must look at: the whole months (of their distributors)
    their lines fall in, so that a finding grouped by month sees every line of its group, not only the new ones."""
    spans = (
        FlowLine.objects.filter(flow_import_id__in=list(import_ids))
        .order_by()
        .values("distributor_id")
        .annotate(first=Min("date"), last=Max("date"))
    )
    q = Q(pk__in=[])
    for span in spans:
        q |= Q(
            distributor_id=span["distributor_id"],
            date__gte=month_start(span["first"]),
            date__lt=next_month(span["last"]),
        )
    return q


def scope_ids(scope: dict[str, list[int]] | None, key: str) -> list[int]:
    return [int(i) for i in (scope or {}).get(key) or []]


def import_distributors(import_ids: Sequence[int]) -> list[int]:
    return list(FlowImport.objects.filter(pk__in=list(import_ids)).values_list("distributor_id", flat=True).distinct())


# --- evidence ---------------------------------------------------------------------------------------------


def number(value: Any) -> int | float | None:
    """A quantity or price as plain JSON: whole numbers as ints (the same text on every database)."""
    if value is None:
        return None
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    d = d.quantize(Decimal("0.0001"))
    return int(d) if d == d.to_integral_value() else float(d.normalize())


def text(value: Any) -> str:
    """A number for a title: ``12``, ``12.5``."""
    n = number(value)
    return "" if n is None else f"{n}"


def month_of(value: Any) -> dt.date:
    """A ``TruncMonth`` value as a date (SQLite and PostgreSQL answer in different types)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def line_item(row: dict[str, Any]) -> dict[str, Any]:
    """A flow line as evidence (INTERFACES.md): the distributor's file and the row number in it."""
    return {
        "type": "flow_line",
        "file": row["flow_import__file_name"],
        "row": row["row_no"],
        "distributor": row["distributor__code"],
        "product": row["product__code"],
        "batch": row["batch"] or None,
        "buyer": row["terminal__code"],
        "buyer_name": row["buyer_name"],
        "doc_no": row["doc_no"] or None,
        "quantity": number(row["quantity"]),
        "unit_price": number(row["unit_price"]),
        "import": row["flow_import_id"],
        "date": row["date"].isoformat(),
    }


def first_lines(
    lines: QuerySet[FlowLine],
    partition: list[Any],
    *,
    limit: int = EVIDENCE_LINES,
    order: Iterable[Any] | None = None,
    extra: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """The first ``limit`` lines of every group (``partition``), with the group's line count (``ev_count``)
    and total quantity (``ev_total``): one query, ``ROW_NUMBER() OVER (PARTITION BY …) <= limit``."""
    order = list(order or (F("date").asc(), F("flow_import_id").asc(), F("row_no").asc()))
    qs = lines.annotate(
        ev_rank=Window(RowNumber(), partition_by=partition, order_by=order),
        ev_count=Window(Count("pk"), partition_by=partition),
        ev_total=Window(Sum("quantity"), partition_by=partition),
    ).filter(ev_rank__lte=limit)
    return list(qs.values(*LINE_FIELDS, *extra, "ev_rank", "ev_count", "ev_total"))


def buyer_group() -> Case:
    """A line's buyer for grouping: its terminal when matched, else the buyer name as reported (normalised)."""
    return Case(When(terminal_id__isnull=True, then=F("buyer_key")), default=Value(""), output_field=CharField())


def month_expr() -> TruncMonth:
    return TruncMonth("date")


def stable_key(*parts: Any) -> str:
    """A deduplication key of at most 200 characters (a long buyer name is hashed, never cut)."""
    key = ":".join(str(p) for p in parts)
    if len(key) <= 200:
        return key
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()
    return f"{key[:160]}~{digest}"
