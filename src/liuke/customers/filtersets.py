"""The customer list's filters: one FilterSet for the list page, the API and the export."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from liuke.core.filtersets import FilterSet, IdFilter, PercentFilter

from . import selectors
from .choices import CustomerGrade, CustomerKind, CustomerStatus
from .models import Customer

SORT_CHOICES = [
    ("code", _("Code")),
    ("name", _("Name")),
    ("-completeness", _("Most complete")),
    ("completeness", _("Least complete")),
    ("-updated", _("Recently changed")),
]


class CustomerFilterSet(FilterSet):
    q = django_filters.CharFilter(
        max_length=200,
        label=_("Search"),
        help_text=_("name, short name, code, phone, pinyin or its initials; with several words, each must match"),
    )
    kind = django_filters.ChoiceFilter(choices=CustomerKind.choices, label=_("Kind"))
    grade = django_filters.ChoiceFilter(choices=CustomerGrade.choices, label=_("Grade"))
    status = django_filters.ChoiceFilter(choices=CustomerStatus.choices, label=_("Status"))
    division = django_filters.CharFilter(label=_("Division"), help_text=_("GB/T 2260 code; everything under it"))
    territory = IdFilter(label=_("Territory"))
    member = IdFilter(label=_("Team member"), help_text=_("employee id on the current account team"))
    department = IdFilter(
        label=_("Department"), help_text=_("a current team member works in this department or below it")
    )
    cmin = PercentFilter(label=_("Completeness at least"))
    cmax = PercentFilter(label=_("Completeness at most"))
    coverage = django_filters.ChoiceFilter(
        choices=[("single", _("Single-threaded")), ("covered", _("Covered")), ("nobody", _("Nobody on the team"))],
        label=_("Coverage"),
    )
    contact = django_filters.ChoiceFilter(
        choices=[("overdue", _("Contact overdue")), ("recent", _("Contacted recently"))], label=_("Contact")
    )
    sort = django_filters.ChoiceFilter(choices=SORT_CHOICES, label=_("Sort"))

    class Meta:
        model = Customer
        fields: list[str] = []

    def selection(self) -> selectors.CustomerFilters:
        """The valid values, as the selectors take them."""
        v = self.values()
        return selectors.CustomerFilters(
            q=(v.get("q") or "").strip(),
            kind=v.get("kind") or "",
            grade=v.get("grade") or "",
            status=v.get("status") or "",
            division=(v.get("division") or "").strip(),
            territory=v.get("territory"),
            member=v.get("member"),
            department=v.get("department"),
            completeness_min=v.get("cmin"),
            completeness_max=v.get("cmax"),
            coverage=v.get("coverage") or "",
            contact=v.get("contact") or "",
            sort=v.get("sort") or "code",
        )

    def filter_queryset(self, queryset):
        viewer = getattr(self.request, "user", None)
        return selectors.apply_customer_filters(queryset, viewer=viewer, filters=self.selection())
