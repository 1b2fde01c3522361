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

from django.db.models import Q

from liuke.core import visibility
from liuke.core.visibility import AUDITOR, DIRECTOR, MANAGER, REP, Scope, by_role, everyone, nobody, roles
from liuke.customers.policies import customer_q

from .choices import Area
from .models import Alert, AlertNote, Notification, NotificationPreference, RuleSetting, WebhookTarget


def watched_rules(employee_id: int | None) -> list[str]:
    if employee_id is None:
        return []
    return [s.rule for s in RuleSetting.objects.only("rule", "watcher_ids") if employee_id in (s.watcher_ids or [])]


def alert_q(scope: Scope, prefix: str = "") -> Q:
    q = customer_q(scope, f"{prefix}customer__") | scope.subtree_q(f"{prefix}employee__department__path")
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
