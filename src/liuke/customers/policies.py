"""How customers plug into core.visibility: through their account team."""

from django.db.models import Q
from django.utils import timezone

from liuke.core import visibility
from liuke.core.visibility import Scope
from liuke.org.choices import EmployeeStatus, Role

from .models import AccountTeamMember, Customer


def customer_q(scope: Scope, prefix: str = "") -> Q | None:
    """Customers linked to the viewer (a rep) or to anyone in the viewer's subtree (a manager)."""
    team = f"{prefix}account_team__"
    today = timezone.localdate()
    current = Q(**{f"{team}archived_at__isnull": True}) & (
        Q(**{f"{team}until__isnull": True}) | Q(**{f"{team}until__gte": today})
    )
    if scope.role == Role.MANAGER:
        return (
            current
            & scope.subtree_q(f"{team}employee__department__path")
            & ~Q(**{f"{team}employee__status": EmployeeStatus.LEFT})
        )
    if scope.role == Role.REP:
        return current & Q(**{f"{team}employee_id": scope.employee_id})
    return Q(pk__in=[])  # auditors: only what their audit tasks grant


visibility.register(Customer, view=customer_q)
visibility.register(AccountTeamMember, view=lambda scope: customer_q(scope, prefix="customer__"))
