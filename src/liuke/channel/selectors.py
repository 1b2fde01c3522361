"""Reads of the channel, always through core.visibility."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from liuke.core import visibility
from liuke.core.text import name_key
from liuke.customers.choices import CustomerKind
from liuke.customers.models import Customer
from liuke.org.divisions import code_prefix

from .choices import ImportStatus, ReviewStatus
from .models import (
    BuyerReview,
    DiscountAuthorization,
    DistributorAuthorization,
    FlowImport,
    FlowLine,
    PriceFloor,
    Product,
    Shipment,
)


def distributors(*, viewer: Any) -> QuerySet[Customer]:
    return (
        visibility.restrict(viewer, Customer)
        .filter(kind=CustomerKind.DISTRIBUTOR, archived_at__isnull=True)
        .select_related("division")
        .order_by("code")
    )


def imports(*, viewer: Any, distributor: Customer | None = None) -> QuerySet[FlowImport]:
    qs = visibility.restrict(viewer, FlowImport).select_related("distributor", "uploaded_by")
    if distributor is not None:
        qs = qs.filter(distributor=distributor)
    return qs.order_by("-created_at")


def review_queue(*, viewer: Any, status: str = ReviewStatus.OPEN) -> QuerySet[BuyerReview]:
    qs = visibility.restrict(viewer, BuyerReview).select_related("distributor", "division", "terminal")
    return qs.filter(status=status) if status else qs


def openable_customers(*, viewer: Any, ids) -> set[int]:
    """Which of these customers' pages the viewer may open (a line's buyer is named to whoever sees the
    line; its archive stays behind the customer rule): one query, for links."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return set()
    return set(visibility.restrict(viewer, Customer).filter(pk__in=wanted).values_list("pk", flat=True))


def suggestion_terminals(*, viewer: Any, reviews) -> dict[int, Customer]:
    """The suggested terminals of a page of reviews, in one query.

    Names of suggested terminals come from the whole master (a match must be possible to a terminal outside
    the viewer's accounts); the terminals' archives stay behind the customer visibility rule.
    """
    ids = {s[0] for r in reviews for s in (r.suggestions or [])}
    if not ids:
        return {}
    return {c.pk: c for c in Customer.objects.filter(pk__in=ids, archived_at__isnull=True).select_related("division")}


@dataclass
class FlowFilters:
    product: str = ""
    batch: str = ""
    buyer: str = ""
    division: str = ""
    distributor: int | None = None
    terminal: int | None = None
    period: str = ""  # YYYY-MM
    unmatched: bool = False
    flagged: bool = False
    flow_import: int | None = None
    match_method: str = ""


def flow_lines(*, viewer: Any, filters: FlowFilters | None = None) -> QuerySet[FlowLine]:
    """Active flow lines the viewer may see (superseded files' lines are history, not flow)."""
    qs = visibility.restrict(viewer, FlowLine).filter(flow_import__status=ImportStatus.ACTIVE)
    return apply_flow_filters(qs, filters or FlowFilters())


def apply_flow_filters(qs: QuerySet[FlowLine], f: FlowFilters) -> QuerySet[FlowLine]:
    """Narrow flow lines (``qs`` came through visibility) by the flow list's filters."""
    if f.flow_import:
        qs = qs.filter(flow_import_id=f.flow_import)
    if f.match_method:
        qs = qs.filter(match_method=f.match_method)
    if f.product:
        product_ids = Product.objects.filter(
            Q(code__iexact=f.product) | Q(name__icontains=f.product) | Q(name_key__contains=name_key(f.product))
        ).values("pk")
        qs = qs.filter(product_id__in=product_ids)
    if f.batch:
        qs = qs.filter(batch__iexact=f.batch.strip())
    if f.buyer:
        qs = qs.filter(Q(buyer_key__contains=name_key(f.buyer)) | Q(terminal__name__icontains=f.buyer.strip()))
    if f.division == "none":  # lines whose buyer's division could not be told
        qs = qs.filter(division__isnull=True)
    elif f.division:
        code = f.division.strip()
        prefix = code_prefix(code)
        qs = qs.filter(division__like=f"{prefix}%") if prefix.isascii() and prefix.isdigit() else qs.none()
    if f.distributor:
        qs = qs.filter(distributor_id=f.distributor)
    if f.terminal:
        qs = qs.filter(terminal_id=f.terminal)
    if f.period:
        try:
            year, month = (int(x) for x in f.period.split("-"))
            start = dt.date(year, month, 1)
        except ValueError:
            start = None
        if start is not None:
            end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            qs = qs.filter(date__gte=start, date__lt=end)
    if f.unmatched:
        qs = qs.filter(terminal__isnull=True)
    if f.flagged:
        qs = qs.filter(flags__gt=0)
    return qs.select_related("product", "terminal", "division", "distributor", "flow_import").order_by("-date", "pk")


@dataclass
class ProductMonth:
    product: str
    month: dt.date
    sell_in: Decimal = Decimal(0)
    sell_out: Decimal = Decimal(0)


@dataclass
class DistributorSummary:
    distributor: Customer
    authorizations: list[DistributorAuthorization]
    months: list[ProductMonth]
    stock: list[dict[str, Any]]
    imports: list[FlowImport]
    open_reviews: int
    flow_by_division: list[dict[str, Any]] = field(default_factory=list)


def distributor_summary(*, viewer: Any, distributor: Customer, months: int = 12) -> DistributorSummary:
    """A distributor's page: authorised area, sell-in against sell-out by product and month, estimated stock.

    Stock is estimated as sell-in minus sell-out since the first record (opening stock unknown, so zero).
    """
    auths = list(
        visibility.restrict(viewer, DistributorAuthorization)
        .filter(distributor=distributor, archived_at__isnull=True)
        .select_related("product", "division")
        .order_by("division_id")
    )
    ins = (
        visibility.restrict(viewer, Shipment)
        .filter(distributor=distributor, archived_at__isnull=True)
        .annotate(m=TruncMonth("date"))
        .values("product__name", "product__spec", "m")
        .annotate(q=Sum("quantity"))
    )
    flow = flow_lines(viewer=viewer, filters=FlowFilters(distributor=distributor.pk))  # visibility read once
    outs = (
        flow.order_by()
        .annotate(m=TruncMonth("date"))
        .values("product__name", "product__spec", "m")
        .annotate(q=Sum("quantity"))
    )
    table: dict[tuple[str, dt.date], ProductMonth] = {}
    for row in ins:
        label = f"{row['product__name']} {row['product__spec']}".strip()
        month = row["m"].date() if isinstance(row["m"], dt.datetime) else row["m"]
        table.setdefault((label, month), ProductMonth(label, month)).sell_in += Decimal(str(row["q"] or 0))
    for row in outs:
        label = f"{row['product__name']} {row['product__spec']}".strip()
        month = row["m"].date() if isinstance(row["m"], dt.datetime) else row["m"]
        table.setdefault((label, month), ProductMonth(label, month)).sell_out += Decimal(str(row["q"] or 0))
    rows = sorted(table.values(), key=lambda r: (r.product, r.month))
    stock: dict[str, dict[str, Any]] = {}
    for r in rows:
        entry = stock.setdefault(r.product, {"product": r.product, "sell_in": Decimal(0), "sell_out": Decimal(0)})
        entry["sell_in"] += r.sell_in
        entry["sell_out"] += r.sell_out
    for entry in stock.values():
        entry["stock"] = entry["sell_in"] - entry["sell_out"]
        entry["negative"] = entry["stock"] < 0
    recent = sorted({r.month for r in rows}, reverse=True)[:months]
    by_division: list[dict[str, Any]] = [
        dict(row)
        for row in flow.order_by()
        .values(code=F("division_id"), name=F("division__full_name"))
        .annotate(q=Sum("quantity"), n=Count("id"))
        .order_by("-q")[:15]
    ]
    return DistributorSummary(
        distributor=distributor,
        authorizations=auths,
        months=[r for r in rows if r.month in recent],
        stock=list(stock.values()),
        imports=list(imports(viewer=viewer, distributor=distributor)[:12]),
        open_reviews=review_queue(viewer=viewer).filter(distributor=distributor).count(),
        flow_by_division=by_division,
    )


def product_prices(*, viewer: Any, product: Product) -> dict[str, Any]:
    return {
        "floors": list(
            visibility.restrict(viewer, PriceFloor)
            .filter(product=product, archived_at__isnull=True)
            .order_by("channel_level", "-valid_from")
        ),
        "discounts": list(
            visibility.restrict(viewer, DiscountAuthorization)
            .filter(product=product, archived_at__isnull=True)
            .select_related("customer", "approver")[:50]
        ),
    }


def flow_files_due(*, distributor: Customer) -> dict[str, Any]:
    """When a distributor's monthly flow file is due: its own day, or the flow-file rule's default; and the file
    layout remembered for it."""
    from liuke.alerts import registry
    from liuke.alerts.models import RuleSetting

    from .models import DistributorProfile

    profile = DistributorProfile.objects.filter(distributor=distributor).first()
    rule = registry.get("flow_file_missing")
    default = next((t.default for t in rule.thresholds if t.key == "due_day"), 10) if rule is not None else 10
    setting = RuleSetting.objects.filter(rule="flow_file_missing").only("params").first()
    if setting is not None and str(setting.params.get("due_day") or "").isdigit():
        default = int(setting.params["due_day"])
    own = profile.flow_due_day if profile is not None else None
    return {
        "profile": profile,
        "due_day": own or default,
        "own_due_day": own,
        "default_due_day": default,
        "header_map": sorted((profile.header_map or {}).items()) if profile is not None else [],
    }
