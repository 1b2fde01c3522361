"""Who a login is, for core.visibility: their role, department and (for a manager) subtree."""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db.models import Q

from liuke.core.visibility import ADMIN, DIRECTOR, MANAGER, NOBODY, Scope, manager_scope

from .choices import EmployeeStatus
from .models import Department, Employee


def compute_scope(user: Any) -> Scope:
    employee = Employee.objects.filter(user=user).select_related("department").first()
    if user.is_superuser:
        return Scope(user.pk, getattr(employee, "pk", None), ADMIN, sees_all=True, is_admin=True)
    if employee is None or employee.status == EmployeeStatus.LEFT or employee.archived_at is not None:
        return NOBODY
    role = employee.role
    if role in (ADMIN, DIRECTOR):
        return Scope(user.pk, employee.pk, role, sees_all=True, is_admin=role == ADMIN)
    if role == MANAGER:
        managed = set(
            Department.objects.filter(manager=employee, archived_at__isnull=True).values_list("path", flat=True)
        )
        managed.add(employee.department.path)

        def staff(paths: tuple[str, ...]) -> list[int]:
            in_subtree = reduce(operator.or_, (Q(department__path__startswith=p) for p in paths))
            return list(
                Employee.objects.filter(in_subtree)
                .exclude(status=EmployeeStatus.LEFT)
                .order_by("pk")
                .values_list("pk", flat=True)
            )

        return manager_scope(
            user_id=user.pk,
            employee_id=employee.pk,
            department_id=employee.department_id,
            department_path=employee.department.path,
            paths=managed,
            staff=staff,
        )
    return Scope(
        user.pk,
        employee.pk,
        role,
        sees_all=False,
        is_admin=False,
        department_id=employee.department_id,
        department_path=employee.department.path,
    )
