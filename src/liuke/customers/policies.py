"""How the customer archive plugs into core.visibility: through the account team."""

from django.db.models import Q

from liuke.core import visibility
from liuke.core.visibility import Scope
from liuke.org.choices import Role

from .models import AccountTeamMember, Contact, ContactKnower, Customer, FieldDefinition, FieldGroup
from .selectors import current_team_q


def customer_q(scope: Scope, prefix: str = "") -> Q | None:
    """Customers linked to the viewer (a rep) or to anyone in the viewer's subtree (a manager).

    The customers are picked from the account-team rows alone (``customer_id IN (SELECT customer_id
    ...)``), so the rule joins nothing and a list never reads the customer table twice.
    """
    members = AccountTeamMember.objects.filter(current_team_q())
    if scope.role == Role.MANAGER:
        # Anyone currently in the manager's subtrees (scope.subtree_employee_ids excludes those who left).
        members = members.filter(employee_id__in=scope.subtree_employee_ids)
    elif scope.role == Role.REP and scope.employee_id is not None:
        members = members.filter(employee_id=scope.employee_id)
    else:
        return Q(pk__in=[])  # auditors: only what their audit tasks grant
    return Q(**{f"{prefix}pk__in": members.values("customer_id")})


def team_change_q(scope: Scope, prefix: str = "") -> Q | None:
    """Only managers (over their subtree) put people on account teams or take them off."""
    if scope.role != Role.MANAGER:
        return Q(pk__in=[])
    return customer_q(scope, prefix)


def _everyone(scope: Scope) -> Q | None:
    return None


visibility.register(Customer, view=customer_q, change=customer_q)
visibility.register(Contact, view=lambda s: customer_q(s, "customer__"), change=lambda s: customer_q(s, "customer__"))
visibility.register(
    ContactKnower,
    view=lambda s: customer_q(s, "contact__customer__"),
    change=lambda s: customer_q(s, "contact__customer__"),
)
visibility.register(
    AccountTeamMember, view=lambda s: customer_q(s, "customer__"), change=lambda s: team_change_q(s, "customer__")
)
visibility.register(FieldGroup, view=_everyone)
visibility.register(FieldDefinition, view=_everyone)


def can_manage_team(user, customer: Customer) -> bool:
    """Admins, and managers who may change the customer, put people on its account team."""
    scope = visibility.scope_for(user)
    if scope.is_admin:
        return True
    return scope.role == Role.MANAGER and visibility.can(user, customer, visibility.CHANGE)
