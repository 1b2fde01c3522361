"""Reads of alerts, always through core.visibility."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from liuke.core import visibility

from .choices import LIVE_STATUSES
from .models import Alert, AlertNote, Notification, ScreenRun


def alert_list(*, viewer: Any) -> QuerySet[Alert]:
    return visibility.restrict(viewer, Alert).select_related(
        "customer", "employee", "distributor", "division", "assignee"
    )


def alert_get(*, viewer: Any, pk: int) -> Alert:
    """One alert the viewer may see (404 otherwise)."""
    return visibility.visible_object(viewer, alert_list(viewer=viewer), pk)


def live_alerts(*, viewer: Any) -> QuerySet[Alert]:
    return alert_list(viewer=viewer).filter(status__in=LIVE_STATUSES)


def alerts_about_customer(*, viewer: Any, customer_id: int, limit: int = 20) -> list[Alert]:
    """The live alerts about a customer, or about a distributor's channel."""
    from django.db.models import Q

    qs = live_alerts(viewer=viewer).filter(Q(customer_id=customer_id) | Q(distributor_id=customer_id))
    return list(qs.order_by("-opened_at")[:limit])


def alerts_about_employee(*, viewer: Any, employee_id: int, limit: int = 20) -> list[Alert]:
    from django.db.models import Q

    qs = live_alerts(viewer=viewer).filter(Q(employee_id=employee_id) | Q(assignee_id=employee_id))
    return list(qs.order_by("-opened_at")[:limit])


def alert_notes(*, viewer: Any, alert: Alert) -> list[AlertNote]:
    return list(AlertNote.objects.filter(alert=alert).select_related("author").order_by("created_at", "pk"))


def counts_by_rule(*, viewer: Any) -> dict[str, int]:
    rows = live_alerts(viewer=viewer).order_by().values("rule").annotate(n=Count("pk"))
    return {r["rule"]: r["n"] for r in rows}


def unread_count(*, user: Any) -> int:
    if not getattr(user, "pk", None):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def last_runs(limit: int = 10) -> list[ScreenRun]:
    return list(ScreenRun.objects.order_by("-started_at", "-pk")[:limit])
