"""The alert lifecycle and the rules' settings: every step through the change log.

open → acknowledged → investigating → resolved or dismissed (``choices.TRANSITIONS``), with an assignee, notes
and a resolution. A person may only step alerts they may change (``core.visibility``); a bad step raises
:class:`AlertError` with a message for people and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liuke.core import visibility
from liuke.org.models import Employee

from . import registry
from .choices import JUDGED_STATUSES, TRANSITIONS, AlertStatus, Severity
from .models import Alert, AlertNote, NotificationPreference, RuleSetting


class AlertError(ValueError):
    """A lifecycle step that cannot be taken (wrong status, no resolution, someone who cannot see it)."""


def _employee_of(user: Any) -> Employee | None:
    return getattr(user, "employee", None) if getattr(user, "pk", None) else None


def alert_step(*, alert: Alert, user: Any, status: str, note: str = "", resolution: str = "") -> Alert:
    """Move ``alert`` to ``status`` (with an optional note; resolving or dismissing needs a reason)."""
    if not visibility.can(user, alert, visibility.CHANGE):
        raise AlertError(_("You may not work on this alert."))
    if status not in AlertStatus.values:
        raise AlertError(_("Unknown status: %(status)s") % {"status": status})
    if status not in TRANSITIONS.get(alert.status, ()):
        raise AlertError(
            _("An alert that is %(now)s cannot become %(next)s.")
            % {"now": alert.get_status_display(), "next": AlertStatus(status).label}
        )
    reason = (resolution or note).strip()
    if status in JUDGED_STATUSES and not reason:
        raise AlertError(_("Say how it was resolved, or why it is dismissed."))
    with transaction.atomic():
        before = alert.status
        alert.status = status
        if status in JUDGED_STATUSES:
            alert.closed_at = timezone.now()
            alert.resolution = reason
        elif status == AlertStatus.OPEN:
            alert.closed_at = None
        if status == AlertStatus.INVESTIGATING and alert.assignee_id is None:
            employee = _employee_of(user)
            if employee is not None:
                alert.assignee = employee
        alert.save()
        AlertNote.objects.create(
            alert=alert, author=_author(user), status_from=before, status_to=status, text=note.strip()
        )
    return alert


def alert_assign(*, alert: Alert, user: Any, assignee: Employee | None, note: str = "") -> Alert:
    """Give ``alert`` to ``assignee`` (yourself always; someone else when you may approve the alert)."""
    if not visibility.can(user, alert, visibility.CHANGE):
        raise AlertError(_("You may not work on this alert."))
    own = _employee_of(user)
    if (
        assignee is not None
        and (own is None or assignee.pk != own.pk)
        and not visibility.can(user, alert, visibility.APPROVE)
    ):
        raise AlertError(_("Only a manager over this alert may assign it to someone else."))
    if assignee is not None and assignee.status != "active":
        raise AlertError(_("%(name)s has left and cannot be given work.") % {"name": assignee.name})
    with transaction.atomic():
        alert.assignee = assignee
        alert.save()
        AlertNote.objects.create(alert=alert, author=_author(user), text=note.strip())
    if assignee is not None and (own is None or assignee.pk != own.pk):
        from . import notify

        notify.alert_assigned(alert, assignee)
    return alert


def alert_note_add(*, alert: Alert, user: Any, text: str) -> AlertNote:
    if not visibility.can(user, alert, visibility.CHANGE):
        raise AlertError(_("You may not work on this alert."))
    if not text.strip():
        raise AlertError(_("The note is empty."))
    return AlertNote.objects.create(alert=alert, author=_author(user), text=text.strip())


def alerts_bulk(*, alerts: Iterable[Alert], user: Any, status: str | None = None, assignee: Employee | None = None,
                note: str = "") -> tuple[int, list[str]]:  # fmt: skip
    """Acknowledge (or another step) and/or assign many alerts: each one that allows it; the others are named."""
    done, skipped = 0, []
    for alert in alerts:
        try:
            with transaction.atomic():
                if status:
                    alert_step(alert=alert, user=user, status=status, note=note)
                if assignee is not None:
                    alert_assign(alert=alert, user=user, assignee=assignee)
            done += 1
        except AlertError as exc:
            skipped.append(f"#{alert.pk}: {exc}")
    return done, skipped


def _author(user: Any):
    return user if getattr(user, "pk", None) else None


# --- settings ------------------------------------------------------------------------------------------------


def rule_setting_save(*, rule: str, enabled: bool, severity: str = "", params: dict[str, Any] | None = None,
                      watcher_ids: list[int] | None = None) -> RuleSetting:  # fmt: skip
    """Save an admin's settings for ``rule``; thresholds are checked against the rule's own (numbers, minimums)."""
    definition = registry.get(rule)
    if definition is None:
        raise AlertError(_("Unknown rule: %(rule)s") % {"rule": rule})
    if severity and severity not in Severity.values:
        raise AlertError(_("Unknown severity: %(severity)s") % {"severity": severity})
    clean: dict[str, Any] = {}
    for t in definition.thresholds:
        raw = (params or {}).get(t.key)
        if raw is None or str(raw).strip() == "":
            continue
        try:
            value = type(t.default)(str(raw).strip()) if not isinstance(t.default, int) else int(str(raw).strip())
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise AlertError(_("%(label)s must be a number.") % {"label": t.label}) from exc
        if value < t.minimum:
            raise AlertError(_("%(label)s must be at least %(min)s.") % {"label": t.label, "min": t.minimum})
        clean[t.key] = str(value) if not isinstance(value, int | float) else value
    setting = RuleSetting.objects.filter(rule=rule).first() or RuleSetting(rule=rule)
    setting.enabled = enabled
    setting.severity = "" if definition.info_only else severity
    setting.params = clean
    if watcher_ids is not None:
        setting.watcher_ids = sorted({int(i) for i in watcher_ids})
    setting.save()
    return setting


def preference_for(user: Any) -> NotificationPreference:
    """A person's notification preference (the defaults until they change it)."""
    found = NotificationPreference.objects.filter(user=user).first()
    return found or NotificationPreference(user=user)


def preference_save(*, user: Any, in_app: bool, email: bool, digest: bool, min_severity: str,
                    language: str | None = None) -> NotificationPreference:  # fmt: skip
    """Save a person's notification preference (``language`` None: unchanged; "": the company's)."""
    if min_severity not in Severity.values:
        raise AlertError(_("Unknown severity: %(severity)s") % {"severity": min_severity})
    pref = preference_for(user)
    pref.in_app, pref.email, pref.digest, pref.min_severity = in_app, email, digest, min_severity
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise AlertError(_("Unknown language: %(language)s") % {"language": language})
        pref.language = language
    pref.save()
    return pref
