"""How org records plug into core.visibility.

The org chart, territories and divisions are common knowledge inside the company. Employees: a rep sees
their own department, a manager their subtree, auditors (who verify anyone's data), directors and admins
everyone. Admins hire, move and edit people and departments; a manager ``leads`` a team (their home page
shows it).
"""

from django.db.models import Q

from liuke.core import visibility
from liuke.core.visibility import AUDITOR, MANAGER, Scope, by_role, everyone, roles

from .models import Department, Division, Employee, Territory


def own_department(scope: Scope) -> Q | None:
    return Q(department_id=scope.department_id) | Q(pk=scope.employee_id)


def subtree(scope: Scope) -> Q | None:
    return scope.subtree_q("department__path")


visibility.register(Department, view=everyone)
visibility.register(Territory, view=everyone)
visibility.register(Division, view=everyone)
visibility.register(
    Employee,
    view=by_role({AUDITOR: everyone, MANAGER: subtree}, default=own_department),
    lead=roles(MANAGER),
)
