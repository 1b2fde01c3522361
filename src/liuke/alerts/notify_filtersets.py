"""Filters of the notifications list, shared by the page and the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from liuke.core.filtersets import FilterSet

from .models import Notification


class NotificationFilterSet(FilterSet):
    unread = django_filters.BooleanFilter(method="by_unread", label=_("Unread only"))

    class Meta:
        model = Notification
        fields: list[str] = []

    def by_unread(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(read_at__isnull=value)
