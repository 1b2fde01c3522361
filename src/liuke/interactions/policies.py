"""How record cards plug into core.visibility: a card is seen by whoever sees its customer.

Drafts are private to their author until submitted. Only the author changes their own drafts (the
services lock submitted cards for everyone). Plans are seen by their owner and the owner's managers.
"""

from __future__ import annotations

from django.db.models import Q

from liuke.core import visibility
from liuke.core.visibility import Scope
from liuke.customers.policies import customer_q
from liuke.org.choices import Role

from .choices import CardStatus
from .models import Attachment, CardAmendment, FollowUp, MarketIntel, PlannedVisit, Problem, RecordCard, VisitPlan


def own_drafts_q(scope: Scope, prefix: str = "") -> Q:
    """Submitted cards, and the viewer's own drafts: drafts are private to their author, whoever else
    may see the customer (directors and admins included)."""
    return Q(**{f"{prefix}status": CardStatus.SUBMITTED}) | Q(**{f"{prefix}author_id": scope.employee_id or 0})


def card_q(scope: Scope, prefix: str = "") -> Q | None:
    rule = customer_q(scope, f"{prefix}customer__")
    return own_drafts_q(scope, prefix) if rule is None else rule & own_drafts_q(scope, prefix)


def card_change_q(scope: Scope) -> Q | None:
    rule = customer_q(scope, "customer__")
    own = Q(author_id=scope.employee_id or 0)
    return own if rule is None else rule & own


def _customer_rule(prefix: str):
    return lambda scope: customer_q(scope, prefix)


def plan_q(scope: Scope, prefix: str = "") -> Q | None:
    if scope.role == Role.MANAGER:
        return Q(**{f"{prefix}employee_id__in": (*scope.subtree_employee_ids, scope.employee_id or 0)})
    return Q(**{f"{prefix}employee_id": scope.employee_id or 0})


visibility.register(RecordCard, view=card_q, change=card_change_q)
visibility.register(CardAmendment, view=lambda s: card_q(s, "card__"))
visibility.register(Attachment, view=lambda s: card_q(s, "card__"), change=lambda s: card_q(s, "card__"))
visibility.register(MarketIntel, view=_customer_rule("customer__"))
visibility.register(Problem, view=_customer_rule("customer__"), change=_customer_rule("customer__"))
visibility.register(FollowUp, view=_customer_rule("customer__"), change=_customer_rule("customer__"))
visibility.register(VisitPlan, view=plan_q, change=lambda s: Q(employee_id=s.employee_id or 0))
visibility.register(
    PlannedVisit, view=lambda s: plan_q(s, "plan__"), change=lambda s: Q(plan__employee_id=s.employee_id or 0)
)
