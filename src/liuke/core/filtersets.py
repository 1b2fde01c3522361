"""The one way a query string becomes a filter: django-filter FilterSets, shared by page, API and export.

Each app keeps its FilterSets in ``filtersets.py``. A page builds one from ``request.GET`` and lists
``filterset.qs``; an API viewset names it as ``filterset_class`` (django-filter's DRF backend answers
400 for a bad value and documents every parameter in the OpenAPI schema); an export passes the same
FilterSet's values to its selector. A value that does not validate (``?member=²``, a month like
``2026-13``) is dropped from a page's filters, never turned into a server error.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ChangeLogEntry

MAX_ID = 2**63 - 1  # larger ids overflow SQLite's and PostgreSQL's integers


class IdField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        # int() accepts any Unicode digit (e.g. Arabic-Indic); ids are typed in ASCII digits only.
        if value not in self.empty_values and not str(value).strip().isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdFilter(django_filters.NumberFilter):
    """A record id (a member, a department, a territory): ASCII digits within the database's range."""

    field_class = IdField


class PercentFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 100)
        super().__init__(*args, **kwargs)


class MonthField(forms.CharField):
    def clean(self, value: Any) -> str:
        value = super().clean(value)
        if not value:
            return ""
        year, _sep, month = value.partition("-")
        if not (len(year) == 4 and year.isascii() and year.isdigit() and month.isascii() and month.isdigit()) or not (
            1 <= int(month) <= 12 and len(month) == 2
        ):
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="invalid") from None
        return value


class MonthFilter(django_filters.CharFilter):
    """A month, ``YYYY-MM``."""

    field_class = MonthField


def read_by_the_page(queryset, name, value):
    """The ``method`` of a parameter the page reads itself (a week, a picked record, a yes/no toggle),
    validated here but narrowing no list."""
    return queryset


def query_then_form(request) -> Any:
    """The query string's values over the posted form's: a page that posts to itself (``?customer=3``)
    keeps what its address says, and a form's hidden field fills in what the address leaves out."""
    data = request.POST.copy()
    for key in request.GET:
        data.setlist(key, request.GET.getlist(key))
    return data


class FilterSet(django_filters.FilterSet):
    """liuke's base FilterSet: ``values()`` gives the valid, cleaned values (what a page or an export
    filters by); invalid ones are left out and listed in ``form.errors``."""

    def values(self) -> dict[str, Any]:
        self.is_valid()
        cleaned = getattr(self.form, "cleaned_data", {})
        return {name: value for name, value in cleaned.items() if name not in self.form.errors}

    def filter_queryset(self, queryset):
        values = self.values()
        for name, value in values.items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset


class ChangeLogFilterSet(FilterSet):
    """The change log: by kind of record (``app_label.model``)."""

    model = django_filters.CharFilter(method="by_model", label=_("Kind of record"))

    class Meta:
        model = ChangeLogEntry
        fields: list[str] = []

    def by_model(self, queryset, name, value):
        app_label, _sep, model = value.partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)
