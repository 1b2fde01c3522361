"""Screening rules of the follow-up work (issue 11): follow-ups past their due date, and problems a customer
raised that stay open too long. One query each, over the open rows only (partial indexes keep them small).

An alert names the follow-up's or problem's owner (their manager sees it) and its customer (whoever sees the
customer sees it). Ages and overdue days stay out of the evidence: they change every day, and a changed
evidence reopens a dismissed alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from liuke.alerts import registry
from liuke.alerts.choices import Area, Severity
from liuke.alerts.registry import Finding, RunContext, Threshold

from .choices import OPEN_PROBLEM_STATUSES, FollowUpStatus
from .models import FollowUp, Problem

TITLE_CHARS = 60  # of a follow-up's or problem's text in the alert's title
EVIDENCE_CHARS = 500

_ROW = (
    "pk",
    "description",
    "owner_id",
    "owner__employee_no",
    "customer_id",
    "customer__code",
    "customer__name",
    "customer__division_id",
)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"


def _evidence(kind: str, row: dict[str, Any], **dates: str) -> list[dict[str, Any]]:
    return [
        {"type": kind, "id": row["pk"], "text": row["description"][:EVIDENCE_CHARS], **dates},
        {"type": "customer", "code": row["customer__code"]},
        {"type": "employee", "employee_no": row["owner__employee_no"]},
    ]


def find_follow_up_overdue(ctx: RunContext) -> Iterable[Finding]:
    """Open follow-ups whose due day has passed (due today is not yet overdue), of customers in the archive."""
    rows = (
        FollowUp.objects.filter(
            status=FollowUpStatus.OPEN,
            archived_at__isnull=True,
            due__lt=ctx.today,
            customer__archived_at__isnull=True,
        )
        .order_by()
        .values(*_ROW, "due")
    )
    for row in rows:
        due = row["due"].isoformat()
        yield Finding(
            key=str(row["pk"]),
            params={
                "customer": row["customer__name"],
                "code": row["customer__code"],
                "due": due,
                "text": _short(row["description"]),
            },
            evidence=_evidence("follow_up", row, due=due),
            customer_id=row["customer_id"],
            employee_id=row["owner_id"],
            division_id=row["customer__division_id"],
        )


def find_problem_open_long(ctx: RunContext) -> Iterable[Finding]:
    """Problems still open (open or in progress) more than the set number of days after they were raised."""
    raised_before = ctx.today - dt.timedelta(days=ctx.value("days"))
    rows = (
        Problem.objects.filter(
            status__in=OPEN_PROBLEM_STATUSES,
            resolved_on__isnull=True,
            archived_at__isnull=True,
            raised_on__lt=raised_before,
            customer__archived_at__isnull=True,
        )
        .order_by()
        .values(*_ROW, "raised_on")
    )
    for row in rows:
        raised = row["raised_on"].isoformat()
        yield Finding(
            key=str(row["pk"]),
            params={
                "customer": row["customer__name"],
                "code": row["customer__code"],
                "raised": raised,
                "text": _short(row["description"]),
            },
            evidence=_evidence("problem", row, raised_on=raised),
            customer_id=row["customer_id"],
            employee_id=row["owner_id"],
            division_id=row["customer__division_id"],
        )


registry.register(
    registry.Rule(
        name="follow_up_overdue",
        title=_("Follow-up overdue"),
        summary=_("%(customer)s (%(code)s): follow-up due %(due)s not done: %(text)s"),
        description=_(
            "A next step agreed on a record card (or added by hand) is still open after its due day. Do it and "
            "mark it done, or agree a new date with the customer."
        ),
        area=Area.WORK,
        find=find_follow_up_overdue,
        severity=Severity.MEDIUM,
        order=60,
    )
)
registry.register(
    registry.Rule(
        name="problem_open_long",
        title=_("Problem unresolved for too long"),
        summary=_("%(customer)s (%(code)s): problem raised on %(raised)s still open: %(text)s"),
        description=_(
            "A problem the customer raised is still open (or in progress) more than the set number of days "
            "after it was raised."
        ),
        area=Area.WORK,
        find=find_problem_open_long,
        severity=Severity.MEDIUM,
        thresholds=(
            Threshold("days", _("Days a problem may stay open"), 30, help=_("Older open problems are reported.")),
        ),
        order=61,
    )
)
