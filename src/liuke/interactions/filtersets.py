"""Filters of the follow-up and problem lists, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from liuke.core.filtersets import FilterSet, IdFilter

from .models import FollowUp, Problem


class _Flag(django_filters.ChoiceFilter):
    """``1`` or ``0`` (links and buttons write these)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [("1", _("Yes")), ("0", _("No"))])
        kwargs.setdefault("method", lambda queryset, name, value: queryset)  # read by the view, not a filter
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
