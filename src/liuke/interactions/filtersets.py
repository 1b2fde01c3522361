"""Filters of the follow-up and problem lists, shared by the pages and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liuke.core.filtersets import FilterSet, IdFilter, read_by_the_page
from liuke.customers.models import Customer

from .models import FollowUp, Problem, VisitPlan
from .services import week_start_of


class _Flag(django_filters.ChoiceFilter):
    """``1`` or ``0`` (links and buttons write these)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("1", _("Yes")), ("0", _("No"))])
        kwargs.setdefault("method", read_by_the_page)
        super().__init__(*args, **kwargs)


class FollowUpFilterSet(FilterSet):
    owner = IdFilter(field_name="owner_id", label=_("Owner"))
    overdue = _Flag(label=_("Overdue only"))

    class Meta:
        model = FollowUp
        fields: list[str] = []

    @property
    def owner_value(self) -> int | None:
        return self.values().get("owner")

    @property
    def overdue_only(self) -> bool:
        return (self.values().get("overdue") or "1") == "1"  # the list opens on what is overdue


class ProblemFilterSet(FilterSet):
    mine = _Flag(label=_("Mine only"))

    class Meta:
        model = Problem
        fields: list[str] = []

    @property
    def mine_only(self) -> bool:
        return self.values().get("mine") == "1"


class WeekFilterSet(FilterSet):
    """The visit plan's week (any day of it), one day of it (my day's tile), and whose plan."""

    week = django_filters.DateFilter(label=_("Week"), method=read_by_the_page)
    day = django_filters.DateFilter(label=_("Day"), method=read_by_the_page)
    employee = IdFilter(label=_("Employee"), method=read_by_the_page)

    class Meta:
        model = VisitPlan
        fields: list[str] = []

    @property
    def week_start(self) -> dt.date:
        values = self.values()
        return week_start_of(values.get("week") or values.get("day") or timezone.localdate())

    @property
    def one_day(self) -> dt.date | None:
        return self.values().get("day")

    @property
    def employee_id(self) -> int | None:
        return self.values().get("employee")


class CardCustomerFilterSet(FilterSet):
    """Whom a new record card is about: a customer, or a search for one on the picker."""

    customer = IdFilter(label=_("Customer"), method=read_by_the_page)
    q = django_filters.CharFilter(max_length=200, label=_("Search"), method=read_by_the_page)

    class Meta:
        model = Customer
        fields: list[str] = []

    @property
    def customer_id(self) -> int | None:
        return self.values().get("customer")

    @property
    def query(self) -> str:
        return (self.values().get("q") or "").strip()
