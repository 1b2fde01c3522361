"""How record cards plug into core.visibility: a card is seen by whoever sees its customer.

Drafts are private to their author until submitted, whoever else may see the customer (directors and
admins included: the ``always`` rule). Only the author changes their own drafts (the services lock
submitted cards for everyone). Plans are seen by their owner and the owner's managers; a rep keeps their
own plan, and managers, directors and admins compare plans with what was done.
"""

from __future__ import annotations

from django.db.models import Q

from liuke.core import visibility
from liuke.core.visibility import ADMIN, DIRECTOR, MANAGER, REP, Scope, roles
from liuke.customers.policies import customer_q, customer_rule

from .choices import CardStatus
from .models import Attachment, CardAmendment, FollowUp, MarketIntel, PlannedVisit, Problem, RecordCard, VisitPlan


def own_drafts_q(scope: Scope, prefix: str = "") -> Q:
    """Submitted cards, and the viewer's own drafts."""
    return Q(**{f"{prefix}status": CardStatus.SUBMITTED}) | Q(**{f"{prefix}author_id": scope.employee_id or 0})


def card_q(scope: Scope, prefix: str = "") -> Q:
    return customer_q(scope, f"{prefix}customer__")


def own_cards_q(scope: Scope) -> Q:
    return Q(author_id=scope.employee_id or 0)


def plan_q(scope: Scope, prefix: str = "") -> Q:
    return Q(**{f"{prefix}employee_id__in": (*scope.linked_employee_ids, scope.employee_id or 0)})


visibility.register(
    RecordCard,
    view=card_q,
    change=lambda s: customer_q(s, "customer__") & own_cards_q(s),
    always=own_drafts_q,
)
visibility.register(CardAmendment, view=lambda s: card_q(s, "card__"), always=lambda s: own_drafts_q(s, "card__"))
visibility.register(
    Attachment,
    view=lambda s: card_q(s, "card__"),
    change=lambda s: card_q(s, "card__"),
    always=lambda s: own_drafts_q(s, "card__"),
)
visibility.register(MarketIntel, view=customer_rule("customer__"))
visibility.register(Problem, view=customer_rule("customer__"), change=customer_rule("customer__"))
visibility.register(FollowUp, view=customer_rule("customer__"), change=customer_rule("customer__"))
# ``keep``: has a visit plan of their own; ``compare``: looks at the team's plans against what was done.
visibility.register(
    VisitPlan,
    view=plan_q,
    change=lambda s: Q(employee_id=s.employee_id or 0),
    keep=roles(REP),
    # ``work``: has customers of their own to visit and write cards for (a rep, a manager in the field).
    work=roles(REP, MANAGER),
    compare=roles(MANAGER, DIRECTOR, ADMIN),
)
visibility.register(
    PlannedVisit, view=lambda s: plan_q(s, "plan__"), change=lambda s: Q(plan__employee_id=s.employee_id or 0)
)
