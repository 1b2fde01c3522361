"""Alerts as scripts read them (INTERFACES.md "Alerts") and as the inbox exports them (through core.exports)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liuke.core.exports import Column

from .models import Alert


def subject_of(alert: Alert) -> dict[str, Any] | None:
    if alert.customer is not None:
        return {"type": "customer", "code": alert.customer.code}
    if alert.employee is not None:
        return {"type": "employee", "code": alert.employee.employee_no}
    if alert.distributor is not None:
        return {"type": "customer", "code": alert.distributor.code}
    return None


def alert_document(alert: Alert) -> dict[str, Any]:
    """One ALERT of INTERFACES.md (stable English keys; ``title`` in the active language)."""
    return {
        "id": alert.pk,
        "rule": alert.rule,
        "severity": alert.severity,
        "status": alert.status,
        "title": alert.title,
        "subject": subject_of(alert),
        "opened_at": timezone.localtime(alert.opened_at).isoformat(timespec="seconds"),
        "assignee": alert.assignee.employee_no if alert.assignee is not None else None,
        "evidence": alert.evidence,
        "evidence_count": alert.evidence_count,
    }


_KEYS = ("id", "rule", "severity", "status", "title", "subject", "region", "product", "opened_at", "assignee",
         "evidence_count", "resolution")  # fmt: skip


def columns() -> list[Column]:
    return [Column(key, str(label)) for key, label in zip(_KEYS, _LABELS, strict=True)]


_LABELS = [
    _("number"), _("rule"), _("severity"), _("status"), _("alert"), _("about"), _("region"), _("product"),
    _("opened at"), _("assignee"), _("records behind it"), _("resolution"),
]  # fmt: skip


def export_rows(alerts: Iterable[Alert]) -> Iterator[dict[str, Any]]:
    for a in alerts:
        subject = a.customer or a.distributor or a.employee
        yield {
            "id": a.pk,
            "rule": a.rule_title,
            "severity": a.get_severity_display(),
            "status": a.get_status_display(),
            "title": a.title,
            "subject": str(subject) if subject is not None else "",
            "region": a.division.full_name if a.division is not None else "",
            "product": a.product_code,
            "opened_at": timezone.localtime(a.opened_at).strftime("%Y-%m-%d %H:%M"),
            "assignee": a.assignee.name if a.assignee is not None else "",
            "evidence_count": a.evidence_count,
            "resolution": a.resolution,
        }
