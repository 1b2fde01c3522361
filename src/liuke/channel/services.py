"""Every write of the channel: products, prices, authorisations, sell-in, flow imports and the review queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liuke.core.text import name_key
from liuke.customers.choices import CustomerKind
from liuke.customers.models import Customer
from liuke.org.models import Division, Employee

from .choices import ChannelLevel, ImportStatus, MatchMethod, ReviewStatus
from .flow import flow_import_run, review_counts_refresh  # noqa: F401  (the flow import is a service too)
from .models import (
    BuyerReview,
    DiscountAuthorization,
    DistributorAuthorization,
    DistributorProfile,
    FlowLine,
    PriceFloor,
    Product,
    Shipment,
    TerminalAlias,
)
from .packspec import decimal_text, parse_pack_spec, parse_units, unit_factors


def channel_changed(**changed: Iterable[int]) -> None:
    """Screen again, once the transaction commits, what a change of master data or sell-in may have changed.

    ``changed`` names the incremental scopes of ``channel.rules``: ``sell_in`` and ``authorizations``
    (distributor ids), ``discounts`` (customer ids), ``price_floors`` (product ids). An import calls this once
    per row; the alerts app gathers the ids of one transaction and screens them together after it commits.
    """
    from liuke.alerts.tasks import screen_after_import

    screen_after_import(**{key: [i for i in ids if i is not None] for key, ids in changed.items()})


def _check_dates(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end date is before the start date.")})


def product_fields(
    *, code: str, name: str, spec: str, base_unit: str, units_text: str, aliases_text: str
) -> dict[str, Any]:
    """A product's fields from the texts a person or a file gives them in.

    ``units_text`` is ``件=50;支=0.1``. The base unit defaults to the pack spec's outer unit, and the inner
    units the spec implies are kept with the explicit ones. ``aliases_text`` lists other names, separated
    by ``;``. Raises :class:`ValidationError` naming the field.
    """
    try:
        units = parse_units(units_text)
    except ValueError as exc:
        raise ValidationError(
            {"units": _("%(part)r is not unit=factor (e.g. 件=50;支=0.1).") % {"part": str(exc)}}
        ) from None
    if not base_unit and (parsed := parse_pack_spec(spec)) is not None:
        base_unit = parsed[0]
    if not base_unit:
        raise ValidationError({"base_unit": _("The base unit is empty.")})
    derived = unit_factors(base_unit=base_unit, units=units, spec=spec)
    aliases = [a.strip() for a in (aliases_text or "").replace("；", ";").split(";") if a.strip()]
    return {
        "code": code,
        "name": name,
        "spec": spec,
        "base_unit": base_unit,
        "units": {u: decimal_text(round(f, 8)) for u, f in derived.items() if u != base_unit},
        "aliases": aliases,
    }


def product_save(*, data: dict[str, Any], product: Product | None = None) -> Product:
    """Create or update a product; units not given are taken from the pack spec where it says them."""
    product = product or Product()
    for key in ("code", "name", "spec", "base_unit", "units", "aliases"):
        if key in data:
            setattr(product, key, data[key])
    if not product.base_unit:
        parsed = parse_pack_spec(product.spec)
        if parsed is not None:
            product.base_unit = parsed[0]
    product.name_key = name_key(product.name)
    product.full_clean(exclude=["name_key"])
    product.save()
    return product


def price_floor_save(
    *,
    product: Product,
    channel_level: str,
    floor_price: Decimal,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
) -> tuple[PriceFloor, bool]:
    """Set a floor price; the same product, level and start date update it. Returns (floor, changed)."""
    if channel_level not in ChannelLevel.values:
        raise ValidationError({"channel_level": _("Use distributor or terminal.")})
    if floor_price <= 0:
        raise ValidationError({"floor_price": _("The floor price must be above zero.")})
    _check_dates(valid_from, valid_to)
    floor = PriceFloor.objects.filter(
        product=product, channel_level=channel_level, valid_from=valid_from, archived_at__isnull=True
    ).first()
    if floor is not None and floor.floor_price == floor_price and floor.valid_to == valid_to:
        return floor, False
    floor = floor or PriceFloor(product=product, channel_level=channel_level, valid_from=valid_from)
    floor.floor_price = floor_price
    floor.valid_to = valid_to
    floor.save()
    channel_changed(price_floors=[product.pk])
    return floor, True


def discount_authorize(
    *,
    customer: Customer,
    product: Product,
    net_price: Decimal,
    quantity_cap: Decimal | None,
    valid_from: dt.date,
    valid_to: dt.date,
    approver: Employee,
    note: str = "",
) -> DiscountAuthorization:
    """Record a discount someone approved: a net price for one customer and product, up to a quantity."""
    _check_dates(valid_from, valid_to)
    if net_price <= 0:
        raise ValidationError({"net_price": _("The net price must be above zero.")})
    channel_changed(discounts=[customer.pk])
    return DiscountAuthorization.objects.create(
        customer=customer,
        product=product,
        net_price=net_price,
        quantity_cap=quantity_cap,
        valid_from=valid_from,
        valid_to=valid_to,
        approver=approver,
        note=note,
    )


def authorization_save(
    *,
    distributor: Customer,
    product: Product | None,
    division: Division,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
) -> tuple[DistributorAuthorization, bool]:
    """Authorise a distributor for a product (None: every product) in a division. Returns (record, created)."""
    if distributor.kind != CustomerKind.DISTRIBUTOR:
        raise ValidationError({"distributor_code": _("%(name)s is not a distributor.") % {"name": distributor}})
    _check_dates(valid_from, valid_to)
    existing = DistributorAuthorization.objects.filter(
        distributor=distributor, product=product, division=division, valid_from=valid_from, archived_at__isnull=True
    ).first()
    if existing is not None:
        if existing.valid_to == valid_to:
            return existing, False
        channel_changed(authorizations=[distributor.pk])
        existing.valid_to = valid_to
        existing.save()
        return existing, False
    channel_changed(authorizations=[distributor.pk])
    return (
        DistributorAuthorization.objects.create(
            distributor=distributor, product=product, division=division, valid_from=valid_from, valid_to=valid_to
        ),
        True,
    )


def shipment_record(*, data: dict[str, Any]) -> Shipment:
    """Record one sell-in line (quantity already in the product's base unit)."""
    shipment = Shipment(**data)
    if shipment.distributor.kind != CustomerKind.DISTRIBUTOR:
        raise ValidationError(
            {"distributor_code": _("%(name)s is not a distributor.") % {"name": shipment.distributor}}
        )
    shipment.full_clean()
    shipment.save()
    channel_changed(sell_in=[shipment.distributor_id])
    return shipment


def distributor_due_day_save(*, distributor: Customer, flow_due_day: int | None) -> DistributorProfile:
    """Set the day of the following month by which a distributor's monthly flow file is due (None: the rule's
    default). The flow-file rule reads it at its next run."""
    if flow_due_day is not None and not 1 <= flow_due_day <= 28:
        raise ValidationError({"flow_due_day": _("Give a day from 1 to 28, or leave it empty for the default.")})
    profile = DistributorProfile.objects.filter(distributor=distributor).first()
    if profile is None:
        profile = DistributorProfile(distributor=distributor)
    elif profile.flow_due_day == flow_due_day:
        return profile
    profile.flow_due_day = flow_due_day
    profile.save()
    return profile


# --- the review queue --------------------------------------------------------------------------------------


@transaction.atomic
def review_resolve(*, review: BuyerReview, terminal: Customer, actor: Any, created: bool = False) -> TerminalAlias:
    """A person says which terminal a buyer name is: remember it for the distributor, and match its lines."""
    if terminal.pk == review.distributor_id:
        raise ValidationError(_("A distributor cannot be its own buyer."))
    alias = TerminalAlias.objects.filter(
        distributor_id=review.distributor_id, name_key=review.name_key, archived_at__isnull=True
    ).first()
    if alias is None:
        alias = TerminalAlias(distributor_id=review.distributor_id, name=review.raw_name, name_key=review.name_key)
    alias.terminal = terminal
    alias.save()
    # The terminal of a line is derived from the remembered alias (which carries the history): set-based.
    FlowLine.objects.filter(
        distributor_id=review.distributor_id, buyer_key=review.name_key, terminal__isnull=True
    ).update(terminal=terminal, match_method=MatchMethod.REVIEW, match_confidence=1.0)
    review.status = ReviewStatus.CREATED if created else ReviewStatus.MATCHED
    review.terminal = terminal
    review.resolved_by = actor if getattr(actor, "pk", None) else None
    review.resolved_at = timezone.now()
    review.save()
    return alias


@transaction.atomic
def review_create_terminal(
    *, review: BuyerReview, name: str, kind: str, address: str, division_code: str | None, actor: Any
) -> Customer:
    """The buyer is a terminal the archive does not have yet: create it, then remember the match."""
    from liuke.customers import services as customer_services

    if kind == CustomerKind.DISTRIBUTOR or kind not in CustomerKind.values:
        raise ValidationError({"kind": _("Choose the kind of terminal.")})
    code = _next_terminal_code()
    customer = customer_services.customer_create(
        data={"code": code, "name": name, "kind": kind, "address": address},
        division_code=division_code or None,
        confirm_duplicate=False,
    )
    review_resolve(review=review, terminal=customer, actor=actor, created=True)
    return customer


def _next_terminal_code() -> str:
    stamp = timezone.localtime().strftime("%Y%m%d")
    n = Customer.objects.filter(code__startswith=f"T{stamp}-").count() + 1
    while Customer.objects.filter(code=f"T{stamp}-{n:04d}").exists():
        n += 1
    return f"T{stamp}-{n:04d}"


def review_dismiss(*, review: BuyerReview, actor: Any) -> BuyerReview:
    """Not a terminal worth matching (a staff purchase, a test row): leave its lines unmatched."""
    review.status = ReviewStatus.DISMISSED
    review.resolved_by = actor if getattr(actor, "pk", None) else None
    review.resolved_at = timezone.now()
    review.save(update_fields=["status", "resolved_by", "resolved_at"])
    return review


def active_import_q() -> dict[str, str]:
    return {"flow_import__status": ImportStatus.ACTIVE}
