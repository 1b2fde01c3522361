"""How the channel plugs into core.visibility: a record follows the customers and territory it names.

- A rep sees the flow lines that reached their own customers (terminals) or arrived in their territory
  (their department's territories): covering a distributor does not open where all of its goods went
  across the country (that map is a manager's); they see that distributor's own records (sell-in,
  authorisations, imports), and the discounts of their customers; never the company's floor prices.
- A manager sees the channel records of the customers anyone in their subtree covers (a distributor's
  whole flow when the team covers the distributor) and of the subtree's territories; and floor prices.
- Directors, admins and auditors (who check the channel) see all of it.
- Products, pack units and prices are company decisions: directors and admins edit them and authorise
  distributors; managers and directors approve discounts for customers they see; managers, directors and
  admins upload flow files for the distributors they see.
"""

from __future__ import annotations

from django.db.models import Q

from liuke.core import visibility
from liuke.core.visibility import AUDITOR, DIRECTOR, MANAGER, REP, Scope, by_role, everyone, only, roles
from liuke.customers.models import Customer
from liuke.customers.policies import customer_q
from liuke.org.divisions import code_prefix
from liuke.org.models import Territory

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


def visible_customers(scope: Scope):
    """The ids of the customers the viewer sees, as a subquery (an indexed ``IN`` for large tables)."""
    return Customer.objects.filter(customer_q(scope)).values("pk")


def territory_prefixes(scope: Scope) -> list[str]:
    """The division-code prefixes of the viewer's territories (a manager's subtree's, a rep's department's)."""
    codes = (
        Territory.objects.filter(scope.home_q("department__path"), archived_at__isnull=True)
        .exclude(divisions__code__isnull=True)
        .values_list("divisions__code", flat=True)
        .distinct()
    )
    prefixes = {code_prefix(c) for c in codes}
    return sorted(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes))


def _in_territory(field: str):
    def rule(scope: Scope) -> Q:
        q = Q(pk__in=[])
        for prefix in territory_prefixes(scope):
            q |= Q(**{f"{field}__like": f"{prefix}%"})
        return q

    return rule


def _via(*fields: str, territory: str | None = None):
    """Records whose named customers the viewer sees (and, with ``territory``, those whose division lies
    in the viewer's territories)."""

    def rule(scope: Scope) -> Q:
        ids = visible_customers(scope)
        q = Q()
        for f in fields:
            q |= Q(**{f"{f}_id__in": ids})
        if territory:
            q |= _in_territory(territory)(scope)
        return q

    return rule


_ALL = roles(AUDITOR)  # auditors verify the channel: they see all of it


def _channel(*, rep, manager):
    return by_role({REP: rep, MANAGER: manager, AUDITOR: _ALL})


_master_data = roles(DIRECTOR)
_approvers = roles(MANAGER, DIRECTOR)

visibility.register(Product, view=everyone, change=_master_data, add=_master_data, import_=_master_data)
visibility.register(
    PriceFloor,
    view=by_role({MANAGER: everyone, AUDITOR: everyone}),
    change=_master_data,
    add=_master_data,
    import_=_master_data,
)
visibility.register(
    DiscountAuthorization,
    view=_channel(rep=_via("customer"), manager=_via("customer")),
    add=_approvers,
)
visibility.register(
    DistributorAuthorization,
    view=_channel(rep=_via("distributor"), manager=_via("distributor")),
    add=_master_data,
    import_=_master_data,
)
visibility.register(Shipment, view=_channel(rep=_via("distributor"), manager=_via("distributor")), import_=_master_data)
# The file layout and the day a distributor's flow file is due: its managers and the directors set them.
visibility.register(
    DistributorProfile,
    view=_channel(rep=_via("distributor"), manager=_via("distributor")),
    change=by_role({MANAGER: _via("distributor"), DIRECTOR: everyone}),
)
visibility.register(
    TerminalAlias,
    view=_channel(rep=_via("distributor", "terminal"), manager=_via("distributor", "terminal")),
    change=only(roles(MANAGER), _via("distributor")),
)
visibility.register(
    FlowImport,
    view=_channel(rep=_via("distributor"), manager=_via("distributor")),
    add=_approvers,
    import_=_approvers,
)
visibility.register(
    FlowLine,
    view=_channel(
        rep=_via("terminal", territory="division"),
        manager=_via("distributor", "terminal", territory="division"),
    ),
    export=everyone,
)
visibility.register(
    BuyerReview,
    view=_channel(rep=_via("distributor"), manager=_via("distributor")),
    change=only(roles(MANAGER), _via("distributor")),
)
