"""The inbox's filters (shared by the page, the API and the export) and the channel map's.

``AlertFilterSet`` narrows alerts the viewer may see (``selectors.alert_list``): by rule, severity, status
(the live ones unless asked otherwise), area, region (a GB/T 2260 code and everything under it), distributor,
product, age, assignee and subject. ``ChannelMapFilterSet`` picks the product and month of the channel map.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liuke.channel.models import FlowLine
from liuke.core.filtersets import FilterSet, IdFilter, MonthFilter, read_by_the_page
from liuke.org.divisions import code_prefix

from . import registry
from .choices import LIVE_STATUSES, SEVERITY_RANK, AlertStatus, Area, Severity
from .models import Alert

LIVE = "live"  # the default: open, acknowledged or investigating
ANY = "all"
STATUS_CHOICES = [
    (LIVE, _("Needs attention")),
    *AlertStatus.choices,
    (ANY, pgettext_lazy("alert status", "Any status")),
]
SORT_CHOICES = [
    ("-opened", _("Newest first")),
    ("opened", _("Oldest first")),
    ("severity", _("Most severe first")),
]
MAX_AGE_DAYS = 36500


def rule_choices() -> list[tuple[str, Any]]:
    """Every registered rule, by its translated title (read when the filter is built: rules register late)."""
    return [(r.name, r.title) for r in registry.all_rules()]


def region_q(code: str, field: str = "division") -> Q:
    """Rows whose division lies under a GB/T 2260 code (a province or city covers everything below it)."""
    code = (code or "").strip()
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return Q(pk__in=[])
    prefix = code_prefix(code)
    return Q(**{field: code}) if prefix == code else Q(**{f"{field}__like": f"{prefix}%"})


class RegionField(forms.CharField):
    def clean(self, value: Any) -> str:
        value = (super().clean(value) or "").strip()
        if value and not (len(value) == 6 and value.isascii() and value.isdigit()):
            raise forms.ValidationError(_("Enter a six-digit division code."), code="invalid")
        return value


class RegionFilter(django_filters.CharFilter):
    """A GB/T 2260 division code: everything under it."""

    field_class = RegionField


class AgeField(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_AGE_DAYS)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if value not in self.empty_values and not str(value).strip().isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class AgeFilter(django_filters.NumberFilter):
    """Days, 0 to a hundred years, in ASCII digits."""

    field_class = AgeField


class AlertFilterSet(FilterSet):
    rule = django_filters.ChoiceFilter(choices=rule_choices, label=_("Rule"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    status = django_filters.ChoiceFilter(
        choices=STATUS_CHOICES, label=_("Status"), empty_label=None, help_text=_("default: those that need attention")
    )
    area = django_filters.ChoiceFilter(choices=Area.choices, label=_("Area"))
    region = RegionFilter(label=_("Region"), help_text=_("GB/T 2260 code, everything under it"))
    distributor = IdFilter(label=_("Distributor"))
    product = django_filters.CharFilter(max_length=50, label=_("Product"), help_text=_("product code"))
    age = AgeFilter(label=_("Older than (days)"), help_text=_("opened more than this many days ago"))
    assignee = IdFilter(label=_("Assignee"), help_text=_("employee id"))
    mine = django_filters.BooleanFilter(label=_("Assigned to me"))
    unassigned = django_filters.BooleanFilter(label=_("Nobody assigned"))
    customer = IdFilter(label=_("Customer"), help_text=_("customer or distributor id the alert is about"))
    employee = IdFilter(label=_("Employee"), help_text=_("employee id: alerts about them or assigned to them"))
    sort = django_filters.ChoiceFilter(choices=SORT_CHOICES, label=_("Sort"), empty_label=None)

    class Meta:
        model = Alert
        fields: list[str] = []

    # Filters that narrow rows (``sort`` orders them; ``status`` has a default).
    NARROWING = ("rule", "severity", "area", "region", "distributor", "product", "age", "assignee", "mine",
                 "unassigned", "customer", "employee")  # fmt: skip

    @property
    def status_value(self) -> str:
        return self.values().get("status") or LIVE

    def _viewer_employee_id(self) -> int | None:
        from liuke.core import visibility

        user = getattr(self.request, "user", None)
        return visibility.scope_for(user).employee_id if user is not None else None

    def narrow(self, queryset: QuerySet[Alert], *, leave_out: tuple[str, ...] = ()) -> QuerySet[Alert]:
        """Every filter but ``sort`` (and those named in ``leave_out``: the chips count across them)."""
        v = self.values()
        status = v.get("status") or LIVE
        if "status" not in leave_out:
            if status == LIVE:
                queryset = queryset.filter(status__in=LIVE_STATUSES)
            elif status != ANY:
                queryset = queryset.filter(status=status)
        for name in self.NARROWING:
            value = v.get(name)
            if name in leave_out or value in (None, "", False):
                continue
            queryset = self._narrow_by(queryset, name, value)
        return queryset

    def _narrow_by(self, qs: QuerySet[Alert], name: str, value: Any) -> QuerySet[Alert]:
        if name in ("rule", "severity", "area"):
            return qs.filter(**{name: value})
        if name == "region":
            return qs.filter(region_q(value))
        if name == "distributor":
            return qs.filter(distributor_id=value)
        if name == "product":
            return qs.filter(product_code=value.strip())
        if name == "age":
            return qs.filter(opened_at__lt=timezone.now() - dt.timedelta(days=int(value)))
        if name == "assignee":
            return qs.filter(assignee_id=value)
        if name == "mine":
            me = self._viewer_employee_id()
            return qs.filter(assignee_id=me) if me is not None else qs.none()
        if name == "unassigned":
            return qs.filter(assignee__isnull=True)
        if name == "customer":
            return qs.filter(Q(customer_id=value) | Q(distributor_id=value))
        if name == "employee":
            return qs.filter(Q(employee_id=value) | Q(assignee_id=value))
        return qs  # pragma: no cover - every narrowing filter is handled above

    def ordered(self, queryset: QuerySet[Alert]) -> QuerySet[Alert]:
        sort = self.values().get("sort") or "-opened"
        if sort == "opened":
            return queryset.order_by("opened_at", "pk")
        if sort == "severity":
            rank = Case(
                *[When(severity=s, then=Value(r)) for s, r in SEVERITY_RANK.items()],
                default=Value(0),
                output_field=IntegerField(),
            )
            return queryset.order_by(-rank, "-opened_at", "-pk")  # type: ignore[operator]
        return queryset.order_by("-opened_at", "-pk")

    def filter_queryset(self, queryset):
        return self.ordered(self.narrow(queryset))


class ChannelMapFilterSet(FilterSet):
    """The channel map's flow: one product (or all) in one month (the page picks the latest month with flow
    when none is asked); ``months`` is how far back the alert bars go."""

    product = IdFilter(label=_("Product"))
    month = MonthFilter(label=_("Month"), help_text=_("YYYY-MM"))
    months = django_filters.ChoiceFilter(
        choices=[("6", "6"), ("12", "12"), ("24", "24")],
        label=_("Months of alerts"),
        empty_label=None,
        method=read_by_the_page,
    )

    class Meta:
        model = FlowLine
        fields: list[str] = []

    @property
    def product_id(self) -> int | None:
        return self.values().get("product")

    @property
    def month_start(self) -> dt.date | None:
        month = self.values().get("month") or ""
        if not month:
            return None
        year, number = (int(x) for x in month.split("-"))
        return dt.date(year, number, 1)

    @property
    def months_back(self) -> int:
        return int(self.values().get("months") or 12)

    def for_month(self, queryset, start: dt.date):
        """Flow lines of the chosen product in the month starting ``start``."""
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        queryset = queryset.filter(date__gte=start, date__lt=end)
        return queryset.filter(product_id=self.product_id) if self.product_id else queryset

    def filter_queryset(self, queryset):
        start = self.month_start
        if start is None:
            return queryset.filter(product_id=self.product_id) if self.product_id else queryset
        return self.for_month(queryset, start)
