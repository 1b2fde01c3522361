"""Who sees and works on alerts (registered with core.visibility; nothing else decides it).

- An alert about a customer (or distributor) follows the customer: a rep sees those of their customers, a
  manager those of their subtree's customers.
- An alert about an employee: their manager's subtree sees it (and never the employee themself).
- Whoever an alert is assigned to sees it.
- The rules' watchers (the channel settings name the channel manager) see every alert of those rules.
- Directors and admins see all; auditors see the channel's alerts (they check the channel) and change none.
- Rule settings and group robots: admins (directors may read the rules page).
"""

from __future__ import annotations

import time

from django.db.models import Q
from django.db.models.signals import post_save

from liuke.core import visibility
from liuke.core.visibility import AUDITOR, DIRECTOR, MANAGER, REP, Scope, by_role, everyone, nobody, roles
from liuke.customers.policies import customer_q

from .choices import Area
from .models import Alert, AlertNote, Notification, NotificationPreference, RuleSetting, WebhookTarget

_WATCHERS_TTL = 30.0  # seconds another process may take to notice an admin's change of watchers
_watchers: tuple[float, dict[str, list[int]]] | None = None


def _watchers_by_rule() -> dict[str, list[int]]:
    """Every rule's watchers (a handful of rows), read once per process every few seconds, not per page."""
    global _watchers
    now = time.monotonic()
    if _watchers is None or now - _watchers[0] > _WATCHERS_TTL:
        rows = RuleSetting.objects.values_list("rule", "watcher_ids")
        _watchers = (now, {rule: list(ids or []) for rule, ids in rows})
    return _watchers[1]


def forget_watchers(**kwargs) -> None:
    global _watchers
    _watchers = None


post_save.connect(forget_watchers, sender=RuleSetting, dispatch_uid="liuke.alerts.forget_watchers")


def watched_rules(employee_id: int | None) -> list[str]:
    if employee_id is None:
        return []
    return sorted(rule for rule, ids in _watchers_by_rule().items() if employee_id in ids)


def alert_q(scope: Scope, prefix: str = "") -> Q:
    q = customer_q(scope, f"{prefix}customer__")
    if scope.subtree_employee_ids:  # alerts about the staff of a manager's subtree: an indexed IN, no join
        q |= Q(**{f"{prefix}employee_id__in": scope.subtree_employee_ids})
    if scope.employee_id is not None:
        q |= Q(**{f"{prefix}assignee_id": scope.employee_id})
        watched = watched_rules(scope.employee_id)
        if watched:
            q |= Q(**{f"{prefix}rule__in": watched})
    return q


def _channel_alerts(scope: Scope) -> Q:
    return Q(area=Area.CHANNEL)


def _note_q(scope: Scope) -> Q:
    return alert_q(scope, "alert__")


visibility.register(
    Alert,
    view=by_role({REP: alert_q, MANAGER: alert_q, AUDITOR: _channel_alerts}),
    change=by_role({REP: alert_q, MANAGER: alert_q, DIRECTOR: everyone}),
    export=everyone,  # the rows the viewer sees, through core.exports
    approve=by_role({MANAGER: alert_q, DIRECTOR: everyone}),  # assign to others, bulk steps
)
visibility.register(
    AlertNote,
    view=by_role({REP: _note_q, MANAGER: _note_q, AUDITOR: lambda s: Q(alert__area=Area.CHANNEL)}),
    change=nobody,
    add=roles(REP, MANAGER, DIRECTOR),
)
visibility.register(RuleSetting, view=roles(DIRECTOR, MANAGER, AUDITOR), change=nobody)
visibility.register(WebhookTarget, view=roles(DIRECTOR), change=nobody)
# Your own notifications and preferences only, whoever you are.
visibility.register(
    Notification,
    view=everyone,
    always=lambda scope: Q(user_id=scope.user_id) if scope.user_id is not None else False,
)
visibility.register(
    NotificationPreference,
    view=everyone,
    change=everyone,
    always=lambda scope: Q(user_id=scope.user_id) if scope.user_id is not None else False,
)
