"""How the channel plugs into core.visibility: a record follows the customers it names.

A rep or manager sees the distributors (and terminals) they may see in the archive, and the channel
records of those; directors, admins (and auditors, who check the channel) see everything; products and
price floors are for everyone.
"""

from __future__ import annotations

from django.db.models import Q

from liuke.core import visibility
from liuke.core.visibility import Scope
from liuke.customers.models import Customer
from liuke.customers.policies import customer_q
from liuke.org.choices import Role

from .models import (
    BuyerReview,
    DiscountAuthorization,
    DistributorAuthorization,
    DistributorProfile,
    FlowImport,
    FlowLine,
    PriceFloor,
    Product,
    Shipment,
    TerminalAlias,
)


def _everyone(scope: Scope) -> Q | None:
    return None


def visible_customers(scope: Scope):
    """The ids of the customers the viewer sees, as a subquery (an indexed ``IN`` for large tables)."""
    rule = customer_q(scope)
    qs = Customer.objects.all() if rule is None else Customer.objects.filter(rule)
    return qs.values("pk")


def _via(*fields: str):
    def rule(scope: Scope) -> Q | None:
        if scope.role == Role.AUDITOR:
            return None  # auditors verify the channel: they see all of it
        ids = visible_customers(scope)
        q = Q()
        for f in fields:
            q |= Q(**{f"{f}_id__in": ids})
        return q

    return rule


def _managers_of(*fields: str):
    see = _via(*fields)

    def rule(scope: Scope) -> Q | None:
        if scope.role != Role.MANAGER:
            return Q(pk__in=[])
        return see(scope)

    return rule


visibility.register(Product, view=_everyone)
visibility.register(PriceFloor, view=_everyone)
visibility.register(DiscountAuthorization, view=_via("customer"))
visibility.register(DistributorAuthorization, view=_via("distributor"))
visibility.register(Shipment, view=_via("distributor"))
visibility.register(DistributorProfile, view=_via("distributor"))
visibility.register(TerminalAlias, view=_via("distributor", "terminal"), change=_managers_of("distributor"))
visibility.register(FlowImport, view=_via("distributor"))
visibility.register(FlowLine, view=_via("distributor", "terminal"))
visibility.register(BuyerReview, view=_via("distributor"), change=_managers_of("distributor"))


def can_import_flow(user) -> bool:
    """Admins and managers upload flow files (for the distributors they see)."""
    scope = visibility.scope_for(user)
    return scope.is_admin or scope.role in (Role.MANAGER, Role.DIRECTOR)


def can_edit_master_data(user) -> bool:
    """Products, floor prices and distributor authorisations are company decisions: admins and directors."""
    scope = visibility.scope_for(user)
    return scope.is_admin or scope.role == Role.DIRECTOR


def can_approve_discounts(user) -> bool:
    """Managers and directors approve discounts (for customers they see); admins record them."""
    scope = visibility.scope_for(user)
    return scope.is_admin or scope.role in (Role.MANAGER, Role.DIRECTOR)
