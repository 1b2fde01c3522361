"""The channel's screening rules (issue 11; CHANNEL.md "Screening rules"; names fixed by INTERFACES.md).

Each rule is one or a few SQL statements over the flow lines of ACTIVE imports, the sell-in and the master
data (joins, aggregates, ``EXISTS``, window functions); evidence rows are fetched with one windowed query per
rule (``ROW_NUMBER() OVER (PARTITION BY finding) <= 20``). Python only shapes the findings.

Deduplication keys (stable; the benchmark's hand-written SQL produces the same):

============================  ================================================================================
rule                          key
============================  ================================================================================
cross_region                  ``{distributor_id}:{product_id}:{terminal_id or buyer_key}:{YYYY-MM}``
batch_out_of_region           ``{product_id}:{batch}:{seeing distributor_id}:{YYYY-MM}``
flow_exceeds_stock            ``{distributor_id}:{product_id}`` and ``{distributor_id}:{product_id}:{batch}``
price_below_floor             ``{distributor_id}:{product_id}:{YYYY-MM}`` (month of the shipments)
unauthorised_discount         ``{discount_id}``
resale_below_floor            ``{distributor_id}:{product_id}:{YYYY-MM}``
suspicious_volume             ``d:{distributor_id}:{product_id}:{YYYY-MM}``, ``t:{terminal_id}:{product_id}:{YYYY-MM}``
flow_file_missing             ``{distributor_id}:{YYYY-MM}`` (the month the file is for)
============================  ================================================================================

(a key longer than 200 characters, from a long buyer name, ends in a hash: ``screening.stable_key``.)

Incremental runs: after a flow import the rules that understand ``flow_imports`` look at the months of the
import's distributor that its lines fall in (whole groups, so the evidence is the same as in a full run).
After sell-in, authorisations, floor prices or discount approvals change, ``services.channel_changed`` names
what changed: ``sell_in`` and ``authorizations`` (distributor ids), ``discounts`` (customer ids),
``price_floors`` (product ids); each rule declares the scopes its findings depend on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    DecimalField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _

from liuke.alerts import registry
from liuke.alerts.choices import Area, Severity
from liuke.alerts.registry import Finding, RunContext, Threshold
from liuke.customers.choices import CustomerKind
from liuke.customers.models import Customer

from .choices import ChannelLevel, ImportStatus
from .models import (
    DiscountAuthorization,
    DistributorAuthorization,
    DistributorProfile,
    FlowImport,
    FlowLine,
    PriceFloor,
    Shipment,
)
from .screening import (
    active_lines,
    authorised_distributors,
    buyer_group,
    first_lines,
    import_distributors,
    imports_window,
    line_authorizations,
    line_item,
    month_expr,
    month_of,
    next_month,
    number,
    outside,
    placed,
    scope_ids,
    stable_key,
    text,
    valid_on,
)

# Incremental scopes (``alerts.tasks.screen_after_import``): what changed, and the ids each names.
FLOW = "flow_imports"  # flow imports just committed
SELL_IN = "sell_in"  # distributors whose sell-in changed
AREAS = "authorizations"  # distributors whose authorisations changed
DISCOUNTS = "discounts"  # customers whose discount approvals changed
FLOORS = "price_floors"  # products whose floor prices changed
CHUNK = 500  # ids per ``IN`` on SQLite, which allows 999 parameters to a statement
BIG_CHUNK = 10_000  # on PostgreSQL (65,535)
MAX_SHIPMENTS = 20  # sell-in lines listed on one alert
PAIRS = 200  # findings whose records one query fetches
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=3))


def _ids(ctx: RunContext, *keys: str) -> list[int]:
    return sorted({i for key in keys for i in scope_ids(ctx.scope, key)})


def _line_scope(ctx: RunContext, *, flow: bool = True, distributors: tuple[str, ...] = (),
                products: tuple[str, ...] = ()) -> Q | None:  # fmt: skip
    """The flow lines an incremental run must look at (None: nothing it names concerns the rule)."""
    q = Q(pk__in=[])
    narrowed = False
    if flow and (ids := _ids(ctx, FLOW)):
        q |= imports_window(ids)
        narrowed = True
    if ids := _ids(ctx, *distributors):
        q |= Q(distributor_id__in=ids)
        narrowed = True
    if ids := _ids(ctx, *products):
        q |= Q(product_id__in=ids)
        narrowed = True
    return q if narrowed else None


def _scoped(lines: QuerySet[FlowLine], ctx: RunContext, **scopes: Any) -> QuerySet[FlowLine] | None:
    """``lines`` as a full run sees them, or narrowed to what an incremental run names (None: nothing to do)."""
    if ctx.scope is None:
        return lines
    q = _line_scope(ctx, **scopes)
    return lines.filter(q) if q is not None else None


def _scoped_distributors(ctx: RunContext, *keys: str) -> list[int] | None:
    """The distributors an incremental run names (those of its flow imports too); None in a full run."""
    if ctx.scope is None:
        return None
    ids = set(_ids(ctx, *keys))
    if flow := _ids(ctx, FLOW):
        ids.update(import_distributors(flow))
    return sorted(ids)


def _sql(qs: QuerySet) -> tuple[str, tuple[Any, ...]]:
    """A query the ORM built, as SQL to join with another in one statement (the ORM cannot join two aggregates).

    Thresholds bound into such a statement are written ``CAST(%s AS NUMERIC)``: SQLite compares a bound Decimal
    as text otherwise."""
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


def _chunks(ids: Iterable[Any]) -> Iterator[list[Any]]:
    ordered = sorted(set(ids))
    size = CHUNK if (connection.features.max_query_params or BIG_CHUNK * 2) < BIG_CHUNK else BIG_CHUNK
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _month_text(value: Any) -> str:
    return f"{month_of(value):%Y-%m}"


def _shipment_item(row: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "type": "shipment",
        "doc_no": row["doc_no"] or None,
        "date": row["date"].isoformat(),
        "distributor": row["distributor__code"],
        "product": row["product__code"],
        "batch": row["batch"],
        "quantity": number(row["quantity"]),
        "unit_price": number(row["unit_price"]),
        "id": row["pk"],
        **more,
    }


SHIPMENT_FIELDS = (
    "pk",
    "date",
    "distributor_id",
    "distributor__code",
    "distributor__name",
    "product_id",
    "product__code",
    "product__name",
    "batch",
    "quantity",
    "unit_price",
    "doc_no",
)


def _authorised_areas(distributor_ids: set[int]) -> dict[tuple[int, int | None], list[str]]:
    """The names of each distributor's authorised areas, by product (None: every product)."""
    areas: dict[tuple[int, int | None], list[str]] = defaultdict(list)
    for chunk in _chunks(distributor_ids):
        for d, p, name in (
            authorised_distributors()
            .filter(distributor_id__in=chunk)
            .order_by("division_id", "pk")
            .values_list("distributor_id", "product_id", "division__full_name")
        ):
            if name not in areas[d, p]:
                areas[d, p].append(name)
    return areas


# --- cross_region -----------------------------------------------------------------------------------------


def _with_authorization() -> Q:
    """Lines of distributors with at least one authorisation on record (the only ones whose territory is known):
    named in the query when they are few, so the database knows how many lines that leaves."""
    ids = sorted(set(authorised_distributors().order_by().values_list("distributor_id", flat=True)))
    if len(ids) <= CHUNK:
        return Q(distributor_id__in=ids)
    return Q(Exists(authorised_distributors().filter(distributor_id=OuterRef("distributor_id"))))


def find_cross_region(ctx: RunContext) -> Iterator[Finding]:
    """Flow lines whose buyer's division lies outside every authorisation of their distributor for that product
    on that date. Distributors without any authorisation are not screened (their territory is unknown); lines
    whose buyer's division is unknown are not flagged. One finding per distributor, product, buyer and month."""
    lines = _scoped(active_lines(), ctx, distributors=(AREAS,))
    if lines is None:
        return
    lines = (
        placed(lines)
        .filter(_with_authorization())
        .filter(outside(lambda: line_authorizations(distributor_id=OuterRef("distributor_id"))))
        .annotate(month=month_expr(), buyer=buyer_group())
    )
    partition = [F("distributor_id"), F("product_id"), F("terminal_id"), F("buyer"), F("month")]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in first_lines(lines, partition, extra=("month",)):
        month = _month_text(row["month"])
        buyer = row["terminal_id"] if row["terminal_id"] is not None else row["buyer_key"]
        groups[row["distributor_id"], row["product_id"], buyer, month].append(row)
    areas = _authorised_areas({k[0] for k in groups})
    for (distributor, product, buyer, month), rows in groups.items():
        rows.sort(key=lambda r: r["ev_rank"])
        first = rows[0]
        authorised = areas.get((distributor, None), []) + areas.get((distributor, product), [])
        yield Finding(
            key=stable_key(distributor, product, buyer, month),
            params={
                "distributor": first["distributor__name"],
                "product": first["product__name"],
                "buyer": first["terminal__name"] or first["buyer_name"],
                "region": first["division__full_name"] or first["division_id"],
                "quantity": text(first["ev_total"]),
                "month": month,
                "lines": first["ev_count"],
                "authorised": "、".join(dict.fromkeys(authorised)),
            },
            evidence=[line_item(r) for r in rows],
            evidence_count=first["ev_count"],
            customer_id=distributor,
            distributor_id=distributor,
            division_id=first["division_id"],
            product_code=first["product__code"],
        )


# --- batch_out_of_region ----------------------------------------------------------------------------------


def _batch_shipments(batches: QuerySet | None = None) -> QuerySet[Shipment]:
    """Shipments of the outer line's product and batch (``batches``: the batch numbers an incremental run looks
    at, so that the database reads the shipments of those batches only)."""
    qs = Shipment.objects.filter(product_id=OuterRef("product_id"), batch=OuterRef("batch"), archived_at__isnull=True)
    return qs.filter(batch__in=batches) if batches is not None else qs


def find_batch_out_of_region(ctx: RunContext) -> Iterator[Finding]:
    """A batch the company shipped, seen in flow (any distributor's lines) with a buyer outside the authorised
    areas of every distributor it was shipped to. A batch shipped to a distributor without any authorisation
    is not screened (that distributor's territory is unknown). One finding per product, batch, distributor
    whose flow shows it and month; the evidence names the source distributors and their shipments."""
    lines = active_lines()
    batches = None
    if ctx.scope is not None:
        q = _line_scope(ctx, distributors=(AREAS, SELL_IN))
        if ids := _ids(ctx, AREAS, SELL_IN):  # sell-in or authorisations of these changed: their batches anywhere
            q = (q or Q(pk__in=[])) | Q(Exists(_batch_shipments().filter(distributor_id__in=ids)))
        if q is None:
            return
        lines = lines.filter(q)
        batches = lines.exclude(batch="").values("batch")

    def sources_areas() -> QuerySet[DistributorAuthorization]:
        """The authorisations of the distributors the outer line's batch was shipped to."""
        return line_authorizations(  # one filter() call: one join to the shipments
            distributor__channel_shipments__product_id=OuterRef("product_id"),
            distributor__channel_shipments__batch=OuterRef("batch"),
            distributor__channel_shipments__archived_at__isnull=True,
        )

    unknown_territory = _batch_shipments(batches).filter(
        ~Exists(authorised_distributors().filter(distributor_id=OuterRef("distributor_id")))
    )
    lines = placed(lines.exclude(batch="")).filter(Exists(_batch_shipments(batches))).filter(~Exists(unknown_territory))
    # Every source's territory is consulted only for lines a cheap test leaves in doubt, in two disjoint parts:
    # lines of a distributor the batch was never shipped to, and lines a source distributor sold outside its own
    # area (a source selling inside its own area is covered). A finding's key holds the distributor, so each
    # finding lies wholly in one part.
    own = _batch_shipments(batches).filter(distributor_id=OuterRef("distributor_id"))
    parts = [
        lines.filter(~Exists(own)),
        lines.filter(Exists(own)).filter(
            outside(lambda: line_authorizations(distributor_id=OuterRef("distributor_id")))
        ),
    ]
    partition = [F("product_id"), F("batch"), F("distributor_id"), F("month")]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for part in parts:
        flagged = part.filter(outside(sources_areas)).annotate(month=month_expr())
        for row in first_lines(flagged, partition, extra=("month",)):
            groups[row["product_id"], row["batch"], row["distributor_id"], _month_text(row["month"])].append(row)
    sources = _batch_sources({(k[0], k[1]) for k in groups})
    for (product, batch, distributor, month), rows in groups.items():
        rows.sort(key=lambda r: r["ev_rank"])
        first = rows[0]
        shipped = sources.get((product, batch), [])
        totals: dict[int, Decimal] = defaultdict(Decimal)
        for s in shipped:
            totals[s["distributor_id"]] += Decimal(str(s["quantity"]))
        main = min(totals, key=lambda d: (-totals[d], d)) if totals else None
        names = {s["distributor_id"]: s["distributor__name"] for s in shipped}
        ranked = [names[d] for d in sorted(totals, key=lambda d: (-totals[d], d))]
        source = "、".join(ranked[:3]) + (f" (+{len(ranked) - 3})" if len(ranked) > 3 else "")
        yield Finding(
            key=stable_key(product, batch, distributor, month),
            params={
                "product": first["product__name"],
                "batch": batch,
                "distributor": first["distributor__name"],
                "source": source,
                "region": first["division__full_name"] or first["division_id"],
                "quantity": text(first["ev_total"]),
                "month": month,
                "lines": first["ev_count"],
            },
            evidence=[_shipment_item(s, source=True) for s in shipped[:MAX_SHIPMENTS]] + [line_item(r) for r in rows],
            evidence_count=first["ev_count"] + len(shipped),
            customer_id=main,
            distributor_id=main,
            division_id=first["division_id"],
            product_code=first["product__code"],
        )


def _batch_sources(batches: set[tuple[int, str]]) -> dict[tuple[int, str], list[dict[str, Any]]]:
    """The shipments of these batches (one query per chunk of batch numbers), oldest first."""
    found: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for chunk in _chunks({b for _p, b in batches}):
        for row in (
            Shipment.objects.filter(batch__in=chunk, archived_at__isnull=True)
            .order_by("date", "pk")
            .values(*SHIPMENT_FIELDS)
        ):
            if (row["product_id"], row["batch"]) in batches:
                found[row["product_id"], row["batch"]].append(row)
    return found


# --- flow_exceeds_stock -----------------------------------------------------------------------------------


STOCK_KEYS = {"distributor_id": "d", "product_id": "p", "batch": "b"}


def _over_stock(
    lines: QuerySet[FlowLine], shipments: QuerySet[Shipment], by: tuple[str, ...], tolerance: Decimal
) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The groups (``by``) whose sell-out exceeds sell-in by more than ``tolerance`` percent, each with what every
    flow file holds of it. Sell-out is summed per file and the files' sums added up by a window; sell-in is summed
    apart; the two are joined in one statement (the ORM builds both aggregates but cannot join them)."""
    keys = {STOCK_KEYS[f]: F(f) for f in by}
    per_file = {"f": F("flow_import_id"), "fn": F("flow_import__file_name"), "fp": F("flow_import__period")}
    out_sql, out_params = _sql(lines.annotate(**keys, **per_file).values(*keys, *per_file).annotate(q=Sum("quantity")))
    in_sql, in_params = _sql(shipments.annotate(**keys).values(*keys).annotate(q=Sum("quantity")))
    group = ", ".join(f"x.{k}" for k in keys)
    sql = f"""
        SELECT {", ".join(f"o.{k}" for k in keys)}, o.f, o.fn, o.fp, o.q, o.total, COALESCE(i.q, 0)
        FROM (SELECT x.*, SUM(x.q) OVER (PARTITION BY {group}) AS total FROM ({out_sql}) x) o
        LEFT JOIN ({in_sql}) i ON {" AND ".join(f"i.{k} = o.{k}" for k in keys)}
        WHERE o.total * 100 > COALESCE(i.q, 0) * CAST(%s AS NUMERIC)
        ORDER BY o.fp, o.f
    """
    over: dict[tuple[Any, ...], dict[str, Any]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, (*out_params, *in_params, Decimal(100) + tolerance))
        for row in cursor.fetchall():
            key, (file_id, file_name, period, quantity, sell_out, sell_in) = tuple(row[: len(keys)]), row[len(keys) :]
            found = over.setdefault(key, {"sell_out": sell_out, "sell_in": sell_in, "files": []})
            found["files"].append(
                {"type": "flow_import", "import": file_id, "file": file_name, "period": _month_text(period),
                 "quantity": number(quantity)}
            )  # fmt: skip
    return over


def find_flow_exceeds_stock(ctx: RunContext) -> Iterator[Finding]:
    """A distributor's cumulative sell-out (net of returns) of a product, or of one batch of it, above opening
    stock plus sell-in by more than the tolerance. No opening stock is recorded yet: it counts as zero."""
    tolerance = Decimal(ctx.value("tolerance_percent"))
    lines = active_lines()
    shipments = Shipment.objects.filter(archived_at__isnull=True).order_by()
    distributors = _scoped_distributors(ctx, SELL_IN)
    if distributors is not None:
        if not distributors:
            return
        lines = lines.filter(distributor_id__in=distributors)
        shipments = shipments.filter(distributor_id__in=distributors)
    over: dict[tuple[Any, ...], dict[str, Any]] = {}
    for by in (("distributor_id", "product_id"), ("distributor_id", "product_id", "batch")):
        over.update(_over_stock(lines.exclude(batch="") if "batch" in by else lines, shipments, by, tolerance))
    if not over:
        return
    yield from _stock_findings(over, lines, tolerance)


def _pairs_q(keys: Iterable[tuple[Any, ...]]) -> Q:
    q = Q(pk__in=[])
    for key in keys:
        q |= Q(distributor_id=key[0], product_id=key[1], **({"batch": key[2]} if len(key) > 2 else {}))
    return q


def _stock_findings(
    over: dict[tuple[Any, ...], dict[str, Any]], lines: QuerySet[FlowLine], tolerance: Decimal
) -> Iterator[Finding]:
    from .models import Product

    distributor_ids = {k[0] for k in over}
    names = {
        c["pk"]: c
        for chunk in _chunks(distributor_ids)
        for c in Customer.objects.filter(pk__in=chunk).values("pk", "code", "name")
    }
    products = {
        p["pk"]: p
        for chunk in _chunks({k[1] for k in over})
        for p in Product.objects.filter(pk__in=chunk).values("pk", "code", "name")
    }
    shipments: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    # The sell-in behind each finding: a query per chunk of findings, each naming its pairs.
    # A product's finding and one of its batches' may fall in different chunks: each shipment is kept once.
    ordered = sorted(over, key=lambda k: tuple(str(x) for x in k))
    fetched: set[int] = set()
    for start in range(0, len(ordered), PAIRS):
        for s in (
            Shipment.objects.filter(_pairs_q(ordered[start : start + PAIRS]), archived_at__isnull=True)
            .order_by("-date", "-pk")
            .values(*SHIPMENT_FIELDS)
        ):
            if s["pk"] in fetched:
                continue
            fetched.add(s["pk"])
            shipments[s["distributor_id"], s["product_id"]].append(s)
            shipments[s["distributor_id"], s["product_id"], s["batch"]].append(s)
    for sent in shipments.values():
        sent.sort(key=lambda s: (s["date"], s["pk"]), reverse=True)
    for key, row in sorted(over.items(), key=lambda kv: tuple(str(k) for k in kv[0])):
        distributor, product = key[0], key[1]
        batch = key[2] if len(key) > 2 else None
        sent = shipments[key]
        imports = row["files"]
        label = products[product]["name"] + (f" {batch}" if batch else "")
        yield Finding(
            key=stable_key(*key),
            params={
                "distributor": names[distributor]["name"],
                "product": label,
                "batch": batch or "",
                "sell_out": text(row["sell_out"]),
                "sell_in": text(row["sell_in"]),
                "opening_stock": "0",
                "tolerance": text(tolerance),
            },
            evidence=[
                {
                    "type": "stock",
                    "product": products[product]["code"],
                    "batch": batch,
                    "opening_stock": 0,
                    "sell_in": number(row["sell_in"]),
                    "sell_out": number(row["sell_out"]),
                },
                *[_shipment_item(s) for s in sent[:MAX_SHIPMENTS]],
                *imports,
            ],
            evidence_count=1 + len(sent) + len(imports),
            customer_id=distributor,
            distributor_id=distributor,
            product_code=products[product]["code"],
        )


# --- price_below_floor ------------------------------------------------------------------------------------


def _floor(level: str) -> QuerySet[PriceFloor]:
    """The floors of ``level`` for the outer row's product valid on its date."""
    return PriceFloor.objects.filter(
        valid_on(OuterRef("date")),
        product_id=OuterRef("product_id"),
        channel_level=level,
        archived_at__isnull=True,
    )


def _floor_price(level: str) -> Subquery:
    """The floor in force on the outer row's date (the one that started last, when several overlap)."""
    return Subquery(
        _floor(level).order_by(F("valid_from").desc(nulls_last=True), "-pk").values("floor_price")[:1],
        output_field=DecimalField(max_digits=14, decimal_places=4),
    )


def _under_highest_floor(level: str) -> Q:
    """Rows priced under their product's highest floor of ``level`` of any period. A row at or above it is under no
    floor, so this one grouped lookup rules most rows out before the floor of their own day is looked up."""
    highest = (
        PriceFloor.objects.filter(product_id=OuterRef("product_id"), channel_level=level, archived_at__isnull=True)
        .order_by()
        .values("product_id")
        .annotate(top=Max("floor_price"))
        .values("top")
    )
    return Q(unit_price__lt=Subquery(highest, output_field=DecimalField(max_digits=14, decimal_places=4)))


def _discount_allows() -> Exists:
    """A discount approved for the shipment's distributor and product, valid on its date, at or below its price."""
    return Exists(
        DiscountAuthorization.objects.filter(
            customer_id=OuterRef("distributor_id"),
            product_id=OuterRef("product_id"),
            valid_from__lte=OuterRef("date"),
            valid_to__gte=OuterRef("date"),
            net_price__lte=OuterRef("unit_price"),
            archived_at__isnull=True,
        )
    )


def _shipments(ctx: RunContext) -> QuerySet[Shipment] | None:
    qs = Shipment.objects.filter(archived_at__isnull=True, unit_price__isnull=False).order_by()
    if ctx.scope is None:
        return qs
    q = Q(pk__in=[])
    distributors, products = _ids(ctx, SELL_IN, DISCOUNTS), _ids(ctx, FLOORS)
    if distributors:
        q |= Q(distributor_id__in=distributors)
    if products:
        q |= Q(product_id__in=products)
    return qs.filter(q) if distributors or products else None


def find_price_below_floor(ctx: RunContext) -> Iterator[Finding]:
    """The company's own sell-in priced below the distributor-level floor valid on the shipment's date, unless a
    discount approved for that distributor and product, valid that day, allows that net price. One finding per
    distributor, product and month; the evidence lists each shipment with its price and floor."""
    shipments = _shipments(ctx)
    if shipments is None:
        return
    rows = (
        shipments.filter(_under_highest_floor(ChannelLevel.DISTRIBUTOR))
        .annotate(floor=_floor_price(ChannelLevel.DISTRIBUTOR))
        .filter(unit_price__lt=F("floor"))
        .filter(~_discount_allows())
        .order_by("distributor_id", "product_id", "date", "pk")
        .values(*SHIPMENT_FIELDS, "floor")
    )
    groups: dict[tuple[int, int, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["distributor_id"], row["product_id"], f"{row['date']:%Y-%m}"].append(row)
    for (distributor, product, month), items in groups.items():
        lowest = min(items, key=lambda r: (r["unit_price"], r["date"], r["pk"]))
        yield Finding(
            key=stable_key(distributor, product, month),
            params={
                "distributor": lowest["distributor__name"],
                "product": lowest["product__name"],
                "price": text(lowest["unit_price"]),
                "floor": text(lowest["floor"]),
                "month": month,
                "shipments": len(items),
            },
            evidence=[_shipment_item(r, floor=number(r["floor"])) for r in items],
            evidence_count=len(items),
            customer_id=distributor,
            distributor_id=distributor,
            product_code=lowest["product__code"],
        )


# --- unauthorised_discount --------------------------------------------------------------------------------


def _discounts_covering() -> QuerySet[DiscountAuthorization]:
    """The discounts for the outer shipment's distributor and product valid on its date."""
    return DiscountAuthorization.objects.filter(
        customer_id=OuterRef("distributor_id"),
        product_id=OuterRef("product_id"),
        valid_from__lte=OuterRef("date"),
        valid_to__gte=OuterRef("date"),
        archived_at__isnull=True,
    )


def find_unauthorised_discount(ctx: RunContext) -> Iterator[Finding]:
    """A discount used beyond what its approver authorised: a shipment to the discount's customer for its product
    within its validity priced below the approved net price (and below every other discount valid that day),
    or the quantity shipped below the normal floor beyond the discount's quantity cap (in date order, the
    shipments past the cap). A product without a floor has no cap to exceed."""
    shipments = _shipments(ctx)
    if shipments is None:
        return
    # Only the sell-in of a customer and product holding a discount at all can misuse one (thousands of approvals
    # against hundreds of thousands of shipments): narrowed first, before any per-shipment floor or discount lookup.
    shipments = shipments.filter(
        Exists(
            DiscountAuthorization.objects.filter(
                customer_id=OuterRef("distributor_id"), product_id=OuterRef("product_id"), archived_at__isnull=True
            )
        )
    )
    under = shipments.filter(
        Exists(_discounts_covering().filter(net_price__gt=OuterRef("unit_price"))), ~_discount_allows()
    ).annotate(
        discount=Subquery(_discounts_covering().order_by("net_price", "-valid_from", "pk").values("pk")[:1]),
        floor=_floor_price(ChannelLevel.DISTRIBUTOR),
    )
    flagged: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in under.values(*SHIPMENT_FIELDS, "discount", "floor"):
        flagged[row["discount"]][row["pk"]] = {**row, "reason": "below_net_price"}
    # Quantities shipped under the floor, counted against the discount that allowed them (the lowest net price
    # valid on the day), in date order: the shipments where the running total passes the cap.
    governed = (
        shipments.filter(_under_highest_floor(ChannelLevel.DISTRIBUTOR))
        .annotate(floor=_floor_price(ChannelLevel.DISTRIBUTOR))
        .filter(unit_price__lt=F("floor"))
        .annotate(
            discount=Subquery(
                _discounts_covering()
                .filter(net_price__lte=OuterRef("unit_price"))
                .order_by("net_price", "-valid_from", "pk")
                .values("pk")[:1]
            )
        )
        .annotate(
            cap=Subquery(DiscountAuthorization.objects.filter(pk=OuterRef("discount")).values("quantity_cap")[:1])
        )
        .filter(discount__isnull=False, cap__isnull=False)
        .annotate(
            running=Window(Sum("quantity"), partition_by=[F("discount")], order_by=[F("date").asc(), F("pk").asc()]),
        )
        .filter(running__gt=F("cap"))
    )
    for row in governed.values(*SHIPMENT_FIELDS, "discount", "floor", "running"):
        flagged[row["discount"]].setdefault(row["pk"], {**row, "reason": "over_cap"})
    if not flagged:
        return
    discounts = {
        d["pk"]: d
        for chunk in _chunks(flagged)
        for d in DiscountAuthorization.objects.filter(pk__in=chunk).values(
            "pk",
            "customer_id",
            "customer__code",
            "customer__name",
            "product__code",
            "product__name",
            "net_price",
            "quantity_cap",
            "valid_from",
            "valid_to",
            "approver_id",
            "approver__employee_no",
            "approver__name",
        )
    }
    for discount_id, by_pk in sorted(flagged.items()):
        d = discounts[discount_id]
        items = sorted(by_pk.values(), key=lambda r: (r["date"], r["pk"]))
        below = sum(1 for r in items if r["reason"] == "below_net_price")
        yield Finding(
            key=str(discount_id),
            params={
                "customer": d["customer__name"],
                "product": d["product__name"],
                "approver": d["approver__name"],
                "net_price": text(d["net_price"]),
                "cap": text(d["quantity_cap"]),
                "below": below,
                "over_cap": len(items) - below,
            },
            evidence=[
                {
                    "type": "discount",
                    "id": discount_id,
                    "customer": d["customer__code"],
                    "product": d["product__code"],
                    "net_price": number(d["net_price"]),
                    "quantity_cap": number(d["quantity_cap"]),
                    "valid_from": d["valid_from"].isoformat(),
                    "valid_to": d["valid_to"].isoformat(),
                    "approver": d["approver__employee_no"],
                },
                {"type": "employee", "employee_no": d["approver__employee_no"]},
                *[_shipment_item(r, reason=r["reason"], floor=number(r["floor"])) for r in items],
            ],
            evidence_count=2 + len(items),
            customer_id=d["customer_id"],
            employee_id=d["approver_id"],
            distributor_id=d["customer_id"],
            product_code=d["product__code"],
        )


# --- resale_below_floor (information only) ----------------------------------------------------------------


def find_resale_below_floor(ctx: RunContext) -> Iterator[Finding]:
    """Flow lines resold below the terminal-level floor valid on their date (a price of zero or none is not
    a price). Information only, never a violation: see the rule's ``info_reason``."""
    lines = _scoped(active_lines(), ctx, products=(FLOORS,))
    if lines is None:
        return
    lines = (
        lines.filter(unit_price__gt=0)
        .filter(Exists(_floor(ChannelLevel.TERMINAL).filter(floor_price__gt=OuterRef("unit_price"))))
        .annotate(month=month_expr())
    )
    partition = [F("distributor_id"), F("product_id"), F("month")]
    order = [F("unit_price").asc(), F("date").asc(), F("flow_import_id").asc(), F("row_no").asc()]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in first_lines(lines, partition, order=order, extra=("month",)):
        groups[row["distributor_id"], row["product_id"], _month_text(row["month"])].append(row)
    floors = _floors_of(ChannelLevel.TERMINAL, {k[1] for k in groups})
    for (distributor, product, month), rows in groups.items():
        rows.sort(key=lambda r: r["ev_rank"])
        first = rows[0]
        floor = _floor_on(floors.get(product, []), first["date"])
        yield Finding(
            key=stable_key(distributor, product, month),
            params={
                "distributor": first["distributor__name"],
                "product": first["product__name"],
                "price": text(first["unit_price"]),
                "floor": text(floor),
                "month": month,
                "lines": first["ev_count"],
            },
            evidence=[line_item(r) for r in rows],
            evidence_count=first["ev_count"],
            customer_id=distributor,
            distributor_id=distributor,
            division_id=first["division_id"],
            product_code=first["product__code"],
        )


def _floors_of(level: str, product_ids: set[int]) -> dict[int, list[tuple[Any, Any, Decimal]]]:
    floors: dict[int, list[tuple[Any, Any, Decimal]]] = defaultdict(list)
    for chunk in _chunks(product_ids):
        for p, start, end, price in (
            PriceFloor.objects.filter(product_id__in=chunk, channel_level=level, archived_at__isnull=True)
            .order_by(F("valid_from").desc(nulls_last=True), "-pk")
            .values_list("product_id", "valid_from", "valid_to", "floor_price")
        ):
            floors[p].append((start, end, price))
    return floors


def _floor_on(floors: list[tuple[Any, Any, Decimal]], day: dt.date) -> Decimal | None:
    for start, end, price in floors:
        if (start is None or start <= day) and (end is None or end >= day):
            return price
    return None


# --- suspicious_volume ------------------------------------------------------------------------------------


def _month_index() -> Any:
    return ExtractYear("date") * 12 + ExtractMonth("date") - 1


def _index_month(index: Any) -> dt.date:
    index = int(index)  # PostgreSQL's EXTRACT answers in numeric
    return dt.date(index // 12, index % 12 + 1, 1)


def find_suspicious_volume(ctx: RunContext) -> Iterator[Finding]:
    """Two kinds of implausible volume in the last complete months that have flow (``months`` threshold):

    - a distributor's monthly flow of a product above or below the median of its own previous six months
      with flow of that product (at least ``history`` of them) by more than the tolerances;
    - a terminal taking more of a product in a month than ``terminal_multiple`` times the median of the
      terminals of its kind (hospital, pharmacy …) that took that product that month (at least ``peers``).

    Volumes below ``min_quantity`` base units (the month's and the usual one) are too small to judge: a
    distributor selling a product now and then swings by more than any tolerance from month to month.

    The medians are computed in SQL (window functions over the monthly totals), portable to SQLite.
    """
    lines = active_lines()
    distributors = _scoped_distributors(ctx)
    if distributors is not None:
        if not distributors:
            return
        lines = lines.filter(distributor_id__in=distributors)
    # The latest complete month with flow, of all distributors (the imports' periods: a small table, not the
    # lines), so that a run after an import judges the same months as a full run.
    imports = FlowImport.objects.filter(status=ImportStatus.ACTIVE, period__lt=ctx.today.replace(day=1))
    latest = imports.aggregate(latest=Max("period"))["latest"]
    if latest is None:
        return
    last = latest.year * 12 + latest.month - 1
    first = last - ctx.value("months") + 1
    yield from _distributor_volume(ctx, lines, first, last)
    if distributors is None:  # a terminal is judged against its peers at every distributor: in a full run only
        yield from _terminal_volume(ctx, lines, first, last)


def _distributor_volume(ctx: RunContext, lines: QuerySet[FlowLine], first: int, last: int) -> Iterator[Finding]:
    window = 6
    monthly = (
        lines.filter(date__gte=_index_month(first - window), date__lt=_index_month(last + 1))
        .annotate(d=F("distributor_id"), p=F("product_id"), mi=_month_index())
        .values("d", "p", "mi")
        .annotate(q=Sum("quantity"))
    )
    inner, params = _sql(monthly)
    above, below = Decimal(ctx.value("above_percent")), Decimal(ctx.value("below_percent"))
    sql = f"""
        WITH monthly AS ({inner}),
        history AS (
            SELECT a.d, a.p, a.mi, a.q, h.q AS hq,
                   ROW_NUMBER() OVER (PARTITION BY a.d, a.p, a.mi ORDER BY h.q, h.mi) AS rn,
                   COUNT(*) OVER (PARTITION BY a.d, a.p, a.mi) AS n
            FROM monthly a JOIN monthly h ON h.d = a.d AND h.p = a.p AND h.mi < a.mi AND h.mi >= a.mi - {window}
            WHERE a.mi BETWEEN %s AND %s
        )
        SELECT d, p, mi, q, AVG(hq) AS median, MAX(n) AS n
        FROM history WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
        GROUP BY d, p, mi, q
        HAVING MAX(n) >= %s AND AVG(hq) > 0 AND (q >= CAST(%s AS NUMERIC) OR AVG(hq) >= CAST(%s AS NUMERIC))
           AND (q * 100 > AVG(hq) * (100 + CAST(%s AS NUMERIC)) OR q * 100 < AVG(hq) * (100 - CAST(%s AS NUMERIC)))
    """
    with connection.cursor() as cursor:
        least = Decimal(ctx.value("min_quantity"))
        cursor.execute(sql, (*params, first, last, ctx.value("history"), least, least, above, below))
        found = cursor.fetchall()
    if not found:
        return
    evidence = _biggest_lines(lines, "distributor_id", [(d, p, mi) for d, p, mi, *_rest in found])
    for d, p, mi, q, median, n in found:
        month = f"{_index_month(mi):%Y-%m}"
        rows = evidence.get((d, p, month), [])
        if not rows:
            continue
        head = rows[0]
        yield Finding(
            key=stable_key("d", d, p, month),
            params={
                "subject": head["distributor__name"],
                "product": head["product__name"],
                "month": month,
                "quantity": text(q),
                "median": text(median),
                "history": int(n),
            },
            evidence=[
                {
                    "type": "volume",
                    "distributor": head["distributor__code"],
                    "product": head["product__code"],
                    "month": month,
                    "quantity": number(q),
                    "median": number(median),
                    "months": int(n),
                },
                *[line_item(r) for r in rows],
            ],
            evidence_count=1 + head["ev_count"],
            customer_id=d,
            distributor_id=d,
            product_code=head["product__code"],
        )


def _terminal_volume(ctx: RunContext, lines: QuerySet[FlowLine], first: int, last: int) -> Iterator[Finding]:
    monthly = (
        lines.filter(
            terminal__isnull=False, date__gte=_index_month(first), date__lt=_index_month(last + 1), quantity__gt=0
        )
        .annotate(t=F("terminal_id"), k=F("terminal__kind"), p=F("product_id"), mi=_month_index())
        .values("t", "k", "p", "mi")
        .annotate(q=Sum("quantity"))
    )
    inner, params = _sql(monthly)
    sql = f"""
        SELECT t, p, mi, q, median, n FROM (
            SELECT r.*, AVG(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN q END)
                        OVER (PARTITION BY k, p, mi) AS median
            FROM (
                SELECT m.*, ROW_NUMBER() OVER (PARTITION BY k, p, mi ORDER BY q, t) AS rn,
                       COUNT(*) OVER (PARTITION BY k, p, mi) AS n
                FROM ({inner}) m
            ) r
        ) s
        WHERE n >= %s AND median > 0 AND q > median * CAST(%s AS NUMERIC) AND q >= CAST(%s AS NUMERIC)
    """
    with connection.cursor() as cursor:
        multiple, least = Decimal(ctx.value("terminal_multiple")), Decimal(ctx.value("min_quantity"))
        cursor.execute(sql, (*params, ctx.value("peers"), multiple, least))
        found = cursor.fetchall()
    if not found:
        return
    evidence = _biggest_lines(lines, "terminal_id", [(t, p, mi) for t, p, mi, *_rest in found])
    for t, p, mi, q, median, n in found:
        month = f"{_index_month(mi):%Y-%m}"
        rows = evidence.get((t, p, month), [])
        if not rows:
            continue
        head = rows[0]
        yield Finding(
            key=stable_key("t", t, p, month),
            params={
                "subject": head["terminal__name"],
                "product": head["product__name"],
                "month": month,
                "quantity": text(q),
                "median": text(median),
                "history": int(n),
            },
            evidence=[
                {"type": "customer", "code": head["terminal__code"]},
                {
                    "type": "volume",
                    "terminal": head["terminal__code"],
                    "product": head["product__code"],
                    "month": month,
                    "quantity": number(q),
                    "median": number(median),
                    "peers": int(n),
                },
                *[line_item(r) for r in rows],
            ],
            evidence_count=2 + head["ev_count"],
            customer_id=t,
            distributor_id=head["distributor_id"],
            division_id=head["division_id"],
            product_code=head["product__code"],
        )


def _biggest_lines(lines: QuerySet[FlowLine], lead: str, groups: list[tuple[Any, ...]], limit: int = 10) -> dict:
    """The biggest lines of each group (``lead``: the terminal or distributor, product, month index), by group: a
    windowed query per chunk of groups, each naming its groups."""
    order = [F("quantity").desc(), F("date").asc(), F("flow_import_id").asc(), F("row_no").asc()]
    partition = [F(lead), F("product_id"), F("month")]
    grouped: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for start in range(0, len(groups), PAIRS):
        wanted = Q(pk__in=[])
        for who, product, index in groups[start : start + PAIRS]:
            month = _index_month(index)
            wanted |= Q(**{lead: who}, product_id=product, date__gte=month, date__lt=next_month(month))
        chunk = lines.filter(wanted).annotate(month=month_expr())
        for row in first_lines(chunk, partition, limit=limit, order=order, extra=("month",)):
            grouped[row[lead], row["product_id"], _month_text(row["month"])].append(row)
    for group in grouped.values():
        group.sort(key=lambda r: r["ev_rank"])
    return grouped


# --- flow_file_missing ------------------------------------------------------------------------------------


def due_date(month: dt.date, due_day: int) -> dt.date:
    """The day a month's flow file is due: ``due_day`` of the following month."""
    return next_month(month).replace(day=min(max(int(due_day), 1), 28))


def find_flow_file_missing(ctx: RunContext) -> Iterator[Finding]:
    """Months a distributor owes a flow file for and has not sent (no ACTIVE import for the period) although its
    due day passed. A distributor owes a file for every month since its first flow import or first shipment; the
    last ``months`` months that are due are screened. The due day is the distributor's own (its file layout
    page) or the rule's ``due_day``."""
    default_day = ctx.value("due_day")
    first_import = (
        FlowImport.objects.filter(distributor_id=OuterRef("pk"), status=ImportStatus.ACTIVE)
        .order_by("period")
        .values("period")[:1]
    )
    first_shipment = (
        Shipment.objects.filter(distributor_id=OuterRef("pk"), archived_at__isnull=True)
        .order_by("date")
        .values("date")[:1]
    )
    distributors = (
        Customer.objects.filter(kind=CustomerKind.DISTRIBUTOR, archived_at__isnull=True)
        .annotate(first_import=Subquery(first_import), first_shipment=Subquery(first_shipment))
        .filter(Q(first_import__isnull=False) | Q(first_shipment__isnull=False))
        .values("pk", "code", "name", "division_id", "first_import", "first_shipment")
    )
    rows = list(distributors)
    if not rows:
        return
    due_days = dict(
        DistributorProfile.objects.filter(flow_due_day__isnull=False).values_list("distributor_id", "flow_due_day")
    )
    months_back = ctx.value("months")
    horizon = ctx.today.replace(day=1)
    for _step in range(months_back + 1):
        horizon = (horizon - dt.timedelta(days=1)).replace(day=1)
    sent = {
        (d, p)
        for d, p in FlowImport.objects.filter(status=ImportStatus.ACTIVE, period__gte=horizon).values_list(
            "distributor_id", "period"
        )
    }
    for row in rows:
        starts = [d for d in (row["first_import"], row["first_shipment"]) if d is not None]
        start = min(starts).replace(day=1)
        day = due_days.get(row["pk"], default_day)
        owed: list[dt.date] = []
        month = ctx.today.replace(day=1)
        while len(owed) < months_back:
            month = (month - dt.timedelta(days=1)).replace(day=1)
            if month < start:
                break
            if due_date(month, day) < ctx.today:
                owed.append(month)
        for month in owed:
            if (row["pk"], month) in sent:
                continue
            period = f"{month:%Y-%m}"
            due = due_date(month, day).isoformat()
            yield Finding(
                key=stable_key(row["pk"], period),
                params={"distributor": row["name"], "period": period, "due": due},
                evidence=[
                    {"type": "customer", "code": row["code"]},
                    {"type": "flow_file", "distributor": row["code"], "period": period, "due": due},
                ],
                customer_id=row["pk"],
                distributor_id=row["pk"],
                division_id=row["division_id"],
            )


# --- registration -----------------------------------------------------------------------------------------

INFO_REASON = _(
    "Resale price maintenance is unlawful under China's Anti-Monopoly Law: a distributor sets its own resale "
    "prices. liuke only informs about resale prices below the terminal floor and never sanctions a distributor "
    "for them; the company watches its own prices and discounts instead."
)

registry.register(
    registry.Rule(
        name="cross_region",
        title=_("Cross-region sale"),
        summary=_(
            "%(distributor)s sold %(product)s to %(buyer)s in %(region)s, outside its authorised area (%(month)s)"
        ),
        description=_(
            "A flow line's buyer lies outside every authorisation of its distributor for that product valid on the "
            "line's date (a province covers its cities and counties, a city its counties). One alert per "
            "distributor, product, buyer and month, listing the lines with their file and row. Distributors with "
            "no authorisation at all are not screened, and lines whose buyer's division is unknown are not flagged."
        ),
        area=Area.CHANNEL,
        find=find_cross_region,
        severity=Severity.HIGH,
        scopes=frozenset({FLOW, AREAS}),
        order=10,
    )
)
registry.register(
    registry.Rule(
        name="batch_out_of_region",
        title=_("Batch out of region"),
        summary=_("Batch %(batch)s of %(product)s, shipped to %(source)s, sold by %(distributor)s in %(region)s"),
        description=_(
            "A batch the company shipped turns up in flow with a buyer outside the authorised areas of every "
            "distributor it was shipped to. The alert names the source distributors and their shipments, and the "
            "lines where the batch was seen. Batches shipped to a distributor without any authorisation are not "
            "screened."
        ),
        area=Area.CHANNEL,
        find=find_batch_out_of_region,
        severity=Severity.HIGH,
        scopes=frozenset({FLOW, AREAS, SELL_IN}),
        order=11,
    )
)
registry.register(
    registry.Rule(
        name="flow_exceeds_stock",
        title=_("Flow exceeds stock"),
        summary=_("%(distributor)s sold %(sell_out)s of %(product)s but received only %(sell_in)s"),
        description=_(
            "A distributor's cumulative sell-out of a product (net of returns), or of one batch, is above its "
            "opening stock plus sell-in by more than the tolerance. Opening stock is not recorded yet and counts "
            "as zero, so a distributor that held stock before its first shipment on record may be flagged."
        ),
        area=Area.CHANNEL,
        find=find_flow_exceeds_stock,
        severity=Severity.HIGH,
        thresholds=(
            Threshold(
                "tolerance_percent",
                _("Tolerance (%)"),
                Decimal(5),
                help=_("sell-out may exceed sell-in by this much before an alert"),
            ),
        ),
        scopes=frozenset({FLOW, SELL_IN}),
        order=12,
    )
)
registry.register(
    registry.Rule(
        name="price_below_floor",
        title=_("Sell-in price below floor"),
        summary=_("%(distributor)s was invoiced %(product)s at %(price)s, below the floor of %(floor)s (%(month)s)"),
        description=_(
            "The company's own sell-in price to a distributor is below the approved distributor-level floor valid "
            "on the shipment's date, and no discount approved for that distributor and product allows it. One "
            "alert per distributor, product and month, listing each shipment with its document number."
        ),
        area=Area.CHANNEL,
        find=find_price_below_floor,
        severity=Severity.HIGH,
        scopes=frozenset({SELL_IN, DISCOUNTS, FLOORS}),
        order=13,
    )
)
registry.register(
    registry.Rule(
        name="unauthorised_discount",
        title=_("Discount beyond authorisation"),
        summary=_(
            "Discount for %(customer)s on %(product)s approved by %(approver)s: %(below)s shipments below "
            "%(net_price)s, %(over_cap)s beyond the quantity cap"
        ),
        description=_(
            "A discount used beyond what its approver authorised: a shipment to the customer for that product "
            "within the discount's validity priced below the approved net price, or more shipped below the floor "
            "than the approved quantity cap (the shipments past the cap, in date order). The alert names the "
            "approver."
        ),
        area=Area.CHANNEL,
        find=find_unauthorised_discount,
        severity=Severity.HIGH,
        scopes=frozenset({SELL_IN, DISCOUNTS, FLOORS}),
        order=14,
    )
)
registry.register(
    registry.Rule(
        name="resale_below_floor",
        title=_("Resale below terminal floor (information only)"),
        summary=_("%(distributor)s resold %(product)s at %(price)s, below the terminal floor of %(floor)s (%(month)s)"),
        description=_(
            "A distributor's flow line shows a resale price below the company's terminal-level floor valid on "
            "its date. Shown for information only, never as a violation."
        ),
        area=Area.CHANNEL,
        find=find_resale_below_floor,
        severity=Severity.INFO,
        scopes=frozenset({FLOW, FLOORS}),
        info_only=True,
        info_reason=INFO_REASON,
        order=15,
    )
)
registry.register(
    registry.Rule(
        name="suspicious_volume",
        title=_("Suspicious flow volume"),
        summary=_("%(subject)s, %(product)s, %(month)s: %(quantity)s against a usual %(median)s"),
        description=_(
            "A distributor's monthly flow of a product far above or below the median of its own previous six "
            "months with flow of that product, or a terminal taking far more of a product in a month than the "
            "median terminal of its kind. Only the most recent complete months with flow are screened."
        ),
        area=Area.CHANNEL,
        find=find_suspicious_volume,
        severity=Severity.MEDIUM,
        thresholds=(
            Threshold("above_percent", _("Above the median by (%)"), 100),
            Threshold("below_percent", _("Below the median by (%)"), 50),
            Threshold("history", _("Months of history needed"), 3, minimum=1),
            Threshold("terminal_multiple", _("Terminal: times the median of its kind"), Decimal(5), minimum=1),
            Threshold("peers", _("Terminal: terminals of its kind needed"), 5, minimum=1),
            Threshold("months", _("Months screened"), 3, minimum=1),
            Threshold(
                "min_quantity",
                _("Smallest volume judged (base units)"),
                Decimal(100),
                help=_("a month below this, with a usual volume below it too, is too small to judge"),
            ),
        ),
        scopes=frozenset({FLOW}),
        order=16,
    )
)
registry.register(
    registry.Rule(
        name="flow_file_missing",
        title=_("Flow file missing or late"),
        summary=_("%(distributor)s has not sent its flow file for %(period)s (due %(due)s)"),
        description=_(
            "A distributor owes a flow file for every month since its first flow file or first shipment, due by "
            "a day of the following month (set per distributor on its page, else the rule's default). The alert "
            "names the month whose file has not arrived once that day has passed; it closes when the file is "
            "imported."
        ),
        area=Area.CHANNEL,
        find=find_flow_file_missing,
        severity=Severity.MEDIUM,
        thresholds=(
            Threshold("due_day", _("Due day of the following month"), 10, minimum=1),
            Threshold("months", _("Months checked"), 3, minimum=1),
        ),
        order=17,
    )
)
