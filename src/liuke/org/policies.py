"""How org records plug into core.visibility."""

from django.db.models import Q

from liuke.core import visibility
from liuke.core.visibility import Scope

from .choices import Role
from .models import Department, Division, Employee, Territory


def _everyone(scope: Scope) -> Q | None:
    return None  # the org chart, territories and divisions are common knowledge inside the company


def employee_view(scope: Scope) -> Q | None:
    if scope.role == Role.AUDITOR:
        return None  # auditors verify anyone's data
    if scope.role == Role.MANAGER:
        return scope.subtree_q("department__path")
    return Q(department_id=scope.department_id) | Q(pk=scope.employee_id)


visibility.register(Department, view=_everyone)
visibility.register(Territory, view=_everyone)
visibility.register(Division, view=_everyone)
visibility.register(Employee, view=employee_view)
