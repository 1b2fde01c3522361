"""The organisation's filters: employees and divisions, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liuke.core.filtersets import FilterSet, IdFilter

from .choices import EmployeeStatus, Role
from .models import Department, Division, Employee


class EmployeeFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"), help_text=_("name, employee number or phone"))
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("Role"))
    status = django_filters.ChoiceFilter(choices=EmployeeStatus.choices, label=_("Status"))
    employee_no = django_filters.CharFilter(label=_("Employee number"))
    department = IdFilter(
        method="in_department", label=_("Department"), help_text=_("the department and its sub-departments")
    )

    class Meta:
        model = Employee
        fields: list[str] = []

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(name__icontains=word) | Q(employee_no__icontains=word) | Q(phone__contains=word)
            )
        return queryset

    def in_department(self, queryset, name, value):
        dept = Department.objects.filter(pk=value).first()
        return queryset.filter(department__path__startswith=dept.path) if dept else queryset.none()

    @property
    def include_left(self) -> bool:
        return self.values().get("status") == EmployeeStatus.LEFT


class DivisionFilterSet(FilterSet):
    """Browsing GB/T 2260: a search, or the children of one division (provinces when neither is given)."""

    q = django_filters.CharFilter(method="search", label=_("Search"), help_text=_("code or name"))
    parent = django_filters.CharFilter(method="children", label=_("Parent division"))

    class Meta:
        model = Division
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(code__startswith=value) | Q(name__contains=value) | Q(full_name__contains=value))

    def children(self, queryset, name, value):
        return queryset if self.values().get("q") else queryset.filter(parent_id=value)

    def filter_queryset(self, queryset):
        values = self.values()
        queryset = super().filter_queryset(queryset)
        if not values.get("q") and not values.get("parent"):
            queryset = queryset.filter(level="province")
        return queryset

    @property
    def parent_division(self) -> Division | None:
        code = self.values().get("parent")
        return Division.objects.filter(code=code).first() if code else None
