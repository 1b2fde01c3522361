"""The channel's filters: one FilterSet per list, shared by the page, the API and the export."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from liuke.core.filtersets import FilterSet, IdFilter, MonthFilter

from . import selectors
from .choices import MatchMethod, ReviewStatus
from .models import BuyerReview, FlowLine


class FlowLineFilterSet(FilterSet):
    product = django_filters.CharFilter(label=_("Product"), help_text=_("code or name"))
    batch = django_filters.CharFilter(label=_("Batch"))
    buyer = django_filters.CharFilter(label=_("Buyer"), help_text=_("the buyer's name as the file gave it"))
    division = django_filters.CharFilter(
        label=_("Division"), help_text=_("GB/T 2260 code, everything under it; none: lines with no division")
    )
    distributor = IdFilter(label=_("Distributor"))
    terminal = IdFilter(label=_("Terminal"))
    flow_import = IdFilter(label=_("Flow file"))
    period = MonthFilter(label=_("Month"), help_text=_("YYYY-MM"))
    match_method = django_filters.ChoiceFilter(choices=MatchMethod.choices, label=_("Match method"))
    unmatched = django_filters.BooleanFilter(label=_("Unmatched buyers only"))
    flagged = django_filters.BooleanFilter(label=_("Flagged lines only"))

    class Meta:
        model = FlowLine
        fields: list[str] = []

    def selection(self) -> selectors.FlowFilters:
        v = self.values()
        return selectors.FlowFilters(
            product=(v.get("product") or "").strip(),
            batch=(v.get("batch") or "").strip(),
            buyer=(v.get("buyer") or "").strip(),
            division=(v.get("division") or "").strip(),
            distributor=v.get("distributor"),
            terminal=v.get("terminal"),
            flow_import=v.get("flow_import"),
            match_method=v.get("match_method") or "",
            period=v.get("period") or "",
            unmatched=bool(v.get("unmatched")),
            flagged=bool(v.get("flagged")),
        )

    def filter_queryset(self, queryset):
        return selectors.apply_flow_filters(queryset, self.selection())


class ReviewFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(choices=ReviewStatus.choices, label=_("Status"), empty_label=None)
    distributor = IdFilter(field_name="distributor_id", label=_("Distributor"))

    class Meta:
        model = BuyerReview
        fields: list[str] = []

    @property
    def status_value(self) -> str:
        return self.values().get("status") or ReviewStatus.OPEN

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)  # the status asked for, the distributor
        return queryset if self.values().get("status") else queryset.filter(status=ReviewStatus.OPEN)


class SearchFilterSet(FilterSet):
    """A master-data list's one search box: ``search`` is the list's own ``Q`` for a word."""

    q = django_filters.CharFilter(method="by_words", label=_("Search"))

    def __init__(self, *args, search=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.search = search

    def by_words(self, queryset, name, value):
        if self.search is None:
            return queryset
        for word in value.split():
            queryset = queryset.filter(self.search(word))
        return queryset
