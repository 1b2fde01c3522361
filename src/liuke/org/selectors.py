"""Reads of the org tree, always through core.visibility."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from liuke.core import visibility

from .choices import EmployeeStatus
from .models import Department, Division, Employee, Territory


def department_list(*, viewer: Any) -> QuerySet[Department]:
    return (
        visibility.restrict(viewer, Department)
        .filter(archived_at__isnull=True)
        .select_related("manager")
        .annotate(headcount=Count("employees", filter=~Q(employees__status=EmployeeStatus.LEFT)))
        .order_by("path")
    )


def department_subtree(*, viewer: Any, department: Department) -> QuerySet[Department]:
    return department_list(viewer=viewer).filter(path__startswith=department.path)


def employee_list(*, viewer: Any, department: Department | None = None, include_left: bool = False) -> QuerySet:
    qs = visibility.restrict(viewer, Employee).select_related("department", "department__parent", "user")
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    if not include_left:
        qs = qs.exclude(status=EmployeeStatus.LEFT)
    return qs.order_by("department__path", "employee_no")


def territory_list(*, viewer: Any) -> QuerySet[Territory]:
    return (
        visibility.restrict(viewer, Territory)
        .filter(archived_at__isnull=True)
        .select_related("department", "parent")
        .annotate(division_count=Count("divisions"))
        .order_by("code")
    )


def division_search(*, viewer: Any, query: str = "", level: str = "") -> QuerySet[Division]:
    qs = visibility.restrict(viewer, Division).select_related("parent", "successor")
    if query:
        qs = qs.filter(Q(code__startswith=query) | Q(name__contains=query) | Q(full_name__contains=query))
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("code")
