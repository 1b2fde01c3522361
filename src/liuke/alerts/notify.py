"""Notifications: who hears of an alert, and through which channels (in-app, e-mail, digest, group robots).

The one way liuke tells people of alerts. Who is told of an alert is who may see it under ``core.visibility``
(``alerts/policies.py``), worked out for a whole batch at once:

- the account team of the alert's customer (reps and managers on it) and the managers over any of them;
- for an alert about an employee, the managers over that employee (never the employee themself);
- the alert's assignee and the rule's watchers (``RuleSetting.watcher_ids``), as far as they may see it;
- active employees only, each through their :class:`NotificationPreference` (channels, from which severity).

Directors and admins see every alert but are told only of those they watch or are assigned: a screening
that opens a thousand alerts does not land a thousand notifications on the head office.

Group robots (WeCom, DingTalk) hear the alerts about customers or employees of their department's subtree
(the whole company when no department is set), from their severity up and of their rules (all when none).

Sending never blocks screening: every message is a :class:`Delivery` row sent by a Celery task that retries
with backoff; the last failure is recorded on the row, never raised into the screening that raised it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Max, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liuke.core import visibility
from liuke.customers.models import AccountTeamMember
from liuke.customers.selectors import current_team_q
from liuke.org.choices import EmployeeStatus, Role
from liuke.org.models import Department, Employee

from . import registry, webhooks
from .choices import LIVE_STATUSES, SEVERITY_RANK, DeliveryStatus, NotifyChannel, Severity
from .models import Alert, Delivery, Notification, NotificationPreference, RuleSetting, WebhookTarget

log = logging.getLogger(__name__)

OPENED, REOPENED, ASSIGNED = "opened", "reopened", "assigned"
CHUNK = 500  # ids per ``IN`` (SQLite allows 999 parameters)
MAIL_LISTED = 30  # alerts listed in one e-mail; the rest are counted
DIGEST_LISTED = 100
ROBOT_LISTED = 40  # and fewer when WeCom's 4096 bytes run out first
IDS_KEPT = 1000  # alert ids recorded on one delivery
DIGEST_FIRST_WINDOW = dt.timedelta(days=1)  # someone's first digest looks back one day
DIGEST_MAX_WINDOW = dt.timedelta(days=7)  # and none looks back further (after an outage of the mail server)
# Account-team members told of their customers' alerts: reps and managers (an auditor sees no customer
# through a team; directors and admins are not flooded).
TEAM_ROLES = (Role.REP, Role.MANAGER)


class DeliveryRetry(Exception):
    """A delivery failed and will be tried again (the Celery task retries on it)."""


def _chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rank(severity: str) -> int:
    return SEVERITY_RANK.get(severity, 0)  # type: ignore[call-overload]


# --- who is told ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Brief:
    """What routing needs of an alert (thousands at a time: no model instances until a message lists them)."""

    pk: int
    rule: str
    severity: str
    customer_id: int | None
    employee_id: int | None
    distributor_id: int | None
    assignee_id: int | None
    opened_at: dt.datetime


_BRIEF = ("pk", "rule", "severity", "customer_id", "employee_id", "distributor_id", "assignee_id", "opened_at")


def briefs(alerts: QuerySet[Alert] | Iterable[int]) -> list[Brief]:
    """The alerts (a queryset, or ids), most severe first, then newest."""
    found: list[Brief] = []
    if isinstance(alerts, QuerySet):
        found = [Brief(*row) for row in alerts.order_by().values_list(*_BRIEF)]
    else:
        for chunk in _chunks(set(alerts)):
            found.extend(Brief(*row) for row in Alert.objects.filter(pk__in=chunk).values_list(*_BRIEF))
    return sorted(found, key=lambda a: (-_rank(a.severity), -a.opened_at.timestamp(), -a.pk))


def _active(prefix: str = "") -> Q:
    return Q(
        **{
            f"{prefix}status": EmployeeStatus.ACTIVE,
            f"{prefix}archived_at__isnull": True,
            f"{prefix}user__is_active": True,
        }
    )


@dataclass
class Routing:
    """What a batch of alerts needs to know about people: computed with a handful of queries per 500 alerts."""

    # customer id → (employee id, told as a team member, department path) of current members who have not left
    team: dict[int, list[tuple[int, bool, str]]] = field(default_factory=dict)
    # employee id → department path, for alerts about employees
    subject_paths: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, alerts: Sequence[Brief]) -> Routing:
        routing = cls()
        customers = {a.customer_id for a in alerts if a.customer_id} | {
            a.distributor_id for a in alerts if a.distributor_id
        }
        told = ExpressionWrapper(_active("employee__") & Q(employee__role__in=TEAM_ROLES), output_field=BooleanField())
        team: dict[int, list[tuple[int, bool, str]]] = defaultdict(list)
        for chunk in _chunks(customers):
            rows = (
                AccountTeamMember.objects.filter(current_team_q(), customer_id__in=chunk)
                .exclude(employee__status=EmployeeStatus.LEFT)
                .annotate(told=told)
                .values_list("customer_id", "employee_id", "told", "employee__department__path")
            )
            for customer_id, employee_id, is_told, path in rows:
                team[customer_id].append((employee_id, bool(is_told), path))
        routing.team = dict(team)
        subjects = {a.employee_id for a in alerts if a.employee_id}
        for chunk in _chunks(subjects):
            routing.subject_paths.update(
                Employee.objects.filter(pk__in=chunk).values_list("pk", "department__path")  # type: ignore[arg-type]
            )
        return routing

    def paths_of(self, alert: Brief) -> set[str]:
        """The department paths an alert belongs to (its customer's team, else its distributor's; its employee's)."""
        owner = alert.customer_id or alert.distributor_id
        paths = {path for _e, _t, path in self.team.get(owner, ())} if owner else set()
        if alert.employee_id and alert.employee_id in self.subject_paths:
            paths.add(self.subject_paths[alert.employee_id])
        return paths


def _overseers() -> list[tuple[int, tuple[str, ...]]]:
    """Active managers with the department paths they oversee: those they manage and their own (org/scopes.py)."""
    own = dict(
        Employee.objects.filter(_active(), role=Role.MANAGER).values_list("pk", "department__path")  # type: ignore[arg-type]
    )
    paths: dict[int, set[str]] = {pk: {path} for pk, path in own.items()}
    managed = Department.objects.filter(manager_id__in=list(own), archived_at__isnull=True)
    for manager_id, path in managed.values_list("manager_id", "path"):
        paths[manager_id].add(path)
    return [(pk, tuple(sorted(p))) for pk, p in paths.items()]


def audience(alerts: Sequence[Brief], routing: Routing | None = None) -> dict[int, set[int]]:
    """Alert id → the employees told of it (before their preferences): see the module's docstring."""
    routing = routing or Routing.load(alerts)
    overseers = _overseers()
    over_cache: dict[str, set[int]] = {}

    def over(path: str) -> set[int]:
        if path not in over_cache:
            over_cache[path] = {pk for pk, prefixes in overseers if any(path.startswith(p) for p in prefixes)}
        return over_cache[path]

    told: dict[int, set[int]] = defaultdict(set)
    for alert in alerts:
        people = told[alert.pk]
        for employee_id, as_member, path in routing.team.get(alert.customer_id, ()) if alert.customer_id else ():
            if as_member:
                people.add(employee_id)
            people |= over(path)
        if alert.employee_id and alert.employee_id in routing.subject_paths:
            people |= over(routing.subject_paths[alert.employee_id])
    # Assignees and watchers: told as far as core.visibility lets them see the alert (a watcher who audits
    # sees only channel alerts). One visibility query per such person, never per alert.
    extra: dict[int, set[int]] = defaultdict(set)
    watchers = _watchers({a.rule for a in alerts})
    for alert in alerts:
        if alert.assignee_id:
            extra[alert.assignee_id].add(alert.pk)
        for employee_id in watchers.get(alert.rule, ()):
            extra[employee_id].add(alert.pk)
    for employee_id, ids in _visible_to(extra).items():
        for alert_id in ids:
            told[alert_id].add(employee_id)
    for alert in alerts:
        if alert.employee_id:
            told[alert.pk].discard(alert.employee_id)  # never the subject of an alert about an employee
    return dict(told)


def _watchers(rules: set[str]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for rule, ids in RuleSetting.objects.filter(rule__in=rules).values_list("rule", "watcher_ids"):
        found[rule] = {int(i) for i in ids or [] if str(i).isdigit()}
    return found


def _visible_to(wanted: dict[int, set[int]]) -> dict[int, set[int]]:
    """Employee id → which of the wanted alert ids they may see (active employees only)."""
    if not wanted:
        return {}
    seen: dict[int, set[int]] = {}
    for employee in Employee.objects.filter(_active(), pk__in=list(wanted)).select_related("user"):
        ids: set[int] = set()
        for chunk in _chunks(wanted[employee.pk]):
            ids.update(visibility.restrict(employee.user, Alert).filter(pk__in=chunk).values_list("pk", flat=True))
        seen[employee.pk] = ids
    return seen


@dataclass
class Person:
    employee_id: int
    user_id: int
    name: str
    email: str
    in_app: bool = True
    by_email: bool = False
    digest: bool = True
    min_rank: int = 1
    language: str = ""

    def hears(self, alert: Brief) -> bool:
        return _rank(alert.severity) >= self.min_rank


def people(employee_ids: Iterable[int]) -> dict[int, Person]:
    """Employee id → the person and their notification preference (the defaults when they never chose)."""
    found: dict[int, Person] = {}
    for chunk in _chunks(set(employee_ids)):
        rows = Employee.objects.filter(_active(), pk__in=chunk).values_list(
            "pk", "user_id", "name", "email", "user__email"
        )
        for pk, user_id, name, email, user_email in rows:
            found[pk] = Person(pk, user_id, name, (email or user_email or "").strip())
    default = NotificationPreference()
    by_user = {p.user_id: p for p in found.values()}
    prefs = {}
    for chunk in _chunks(by_user):
        prefs.update({p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=chunk).active()})
    for user_id, person in by_user.items():
        pref = prefs.get(user_id, default)
        person.in_app, person.by_email, person.digest = pref.in_app, pref.email, pref.digest
        person.min_rank, person.language = _rank(pref.min_severity), pref.language
    return found


# --- what is sent --------------------------------------------------------------------------------------------


def _site(path: str) -> str:
    return f"{settings.LIUKE_SITE_URL}{path}"


def _subject_name(alert: Alert) -> str:
    subject = alert.customer or alert.distributor or alert.employee
    return getattr(subject, "name", "") if subject is not None else ""


def _listed(lists: Iterable[Sequence[Brief]], limit: int) -> dict[int, Alert]:
    """The alerts the messages list (the first ``limit`` of each list), loaded with what a line shows."""
    wanted = {b.pk for listed in lists for b in listed[:limit]}
    found: dict[int, Alert] = {}
    for chunk in _chunks(wanted):
        rows = (
            Alert.objects.filter(pk__in=chunk).defer("evidence").select_related("customer", "employee", "distributor")
        )
        found.update((a.pk, a) for a in rows)
    return found


def _rows(alerts: Sequence[Alert]) -> list[dict[str, Any]]:
    """The alerts as a message lists them, in the active language (the subject when the title leaves it out)."""
    rows = []
    for a in alerts:
        title, subject = a.title, _subject_name(a)
        rows.append(
            {
                "title": title,
                "severity": a.severity,
                "severity_label": a.get_severity_display(),
                "subject": subject if subject not in title else "",
                "url": _site(a.get_absolute_url()),
                "opened_at": timezone.localtime(a.opened_at),
            }
        )
    return rows


def _mail_subject(reason: str, alerts: Sequence[Alert], n: int) -> str:
    if reason == ASSIGNED:
        text = _("Alert assigned to you: %(title)s") % {"title": alerts[0].title}
    elif reason == REOPENED:
        text = (
            _("Alert reopened: %(title)s") % {"title": alerts[0].title}
            if n == 1
            else ngettext("%(count)d alert reopened", "%(count)d alerts reopened", n) % {"count": n}
        )
    elif reason == "digest":
        text = ngettext("Daily digest: %(count)d alert", "Daily digest: %(count)d alerts", n) % {"count": n}
    else:
        text = (
            _("New alert: %(title)s") % {"title": alerts[0].title}
            if n == 1
            else ngettext("%(count)d new alert", "%(count)d new alerts", n) % {"count": n}
        )
    return f"[{_('liuke')}] {text}"[:250]


def mail_payload(
    person: Person, reason: str, alerts: Sequence[Alert], *, total: int, since: dt.datetime | None = None
) -> dict:
    """An e-mail (subject, text, HTML) to ``person`` in their language, listing ``alerts`` (the first of
    ``total``)."""
    with translation.override(person.language or settings.LANGUAGE_CODE):
        ctx = {
            "person": person,
            "reason": reason,
            "rows": _rows(alerts),
            "more": max(0, total - len(alerts)),
            "count": total,
            "since": timezone.localtime(since) if since else None,
            "inbox_url": _site(reverse("alerts:alert_list")),
            "preferences_url": _site(reverse("alerts:preferences")),
        }
        return {
            "subject": _mail_subject(reason, alerts, total),
            "text": render_to_string("alerts/notify/email/alerts.txt", ctx),
            "html": render_to_string("alerts/notify/email/alerts.html", ctx),
            "language": translation.get_language(),
        }


def robot_payload(kind: str, reason: str, alerts: Sequence[Alert], *, total: int) -> dict[str, Any]:
    """A group robot's markdown message listing ``alerts``, the first of ``total`` (in the company's language)."""
    n = total
    with translation.override(settings.LANGUAGE_CODE):
        if reason == REOPENED:
            heading = ngettext("liuke: %(count)d alert reopened", "liuke: %(count)d alerts reopened", n) % {"count": n}
        else:
            heading = ngettext("liuke: %(count)d new alert", "liuke: %(count)d new alerts", n) % {"count": n}
        lines = [
            webhooks.Line(r["severity"], r["severity_label"], r["title"], r["url"], r["subject"]) for r in _rows(alerts)
        ]
        text = webhooks.markdown(
            kind,
            heading=heading,
            lines=lines,
            total=n,
            more=_("%(count)d more not listed"),
            footer=_("Open the alert inbox"),
            footer_url=_site(reverse("alerts:alert_list")),
        )
        return webhooks.payload(kind, title=heading, text=text)


# --- telling people of a batch -------------------------------------------------------------------------------


def alerts_raised(alert_ids: Sequence[int], *, reason: str) -> None:
    """Tell the people who see these alerts (newly opened or reopened by a screening), and the group robots.

    Never raises: a failure here is logged, and the screening that raised the alerts stands."""
    if not alert_ids:
        return
    try:
        with transaction.atomic():  # a savepoint: a failure leaves the caller's transaction usable
            _tell(list(alert_ids), reason=reason)
    except Exception:
        log.exception("telling people of %d %s alert(s) failed", len(alert_ids), reason)


def alert_assigned(alert: Any, assignee: Any) -> None:
    """Tell ``assignee`` an alert was given to them (in the app and by e-mail, as they chose; no robot)."""
    try:
        with transaction.atomic():
            _tell([alert.pk], reason=ASSIGNED, only={assignee.pk}, robots=False)
    except Exception:
        log.exception("telling %s of alert %s failed", assignee.pk, alert.pk)


def _tell(alert_ids: list[int], *, reason: str, only: set[int] | None = None, robots: bool = True) -> None:
    alerts = briefs(alert_ids)
    if not alerts:
        return
    routing = Routing.load(alerts) if only is None or robots else Routing()
    if only is None:
        told = audience(alerts, routing)
    else:
        seen = _visible_to({pk: {a.pk for a in alerts} for pk in only})
        told = {a.pk: {pk for pk, ids in seen.items() if a.pk in ids} for a in alerts}
    everyone = people({pk for ids in told.values() for pk in ids})
    inbox: list[tuple[int, int]] = []  # (user id, alert id)
    mail: dict[int, list[Brief]] = defaultdict(list)
    for alert in alerts:
        for employee_id in told.get(alert.pk, ()):
            person = everyone.get(employee_id)
            if person is None or not person.hears(alert):
                continue
            if person.in_app:
                inbox.append((person.user_id, alert.pk))
            if person.by_email and person.email:
                mail[employee_id].append(alert)
    _add_notifications(inbox, reason)
    chosen = _robots_choose(alerts, routing) if robots else []
    full = _listed([*mail.values(), *(listed for _t, listed in chosen)], max(MAIL_LISTED, ROBOT_LISTED))
    deliveries = [
        Delivery(
            channel=NotifyChannel.EMAIL,
            user_id=everyone[pk].user_id,
            recipient=everyone[pk].email,
            alert_ids=[a.pk for a in listed[:IDS_KEPT]],
            payload=mail_payload(everyone[pk], reason, [full[a.pk] for a in listed[:MAIL_LISTED]], total=len(listed)),
        )
        for pk, listed in mail.items()
    ]
    deliveries += [
        Delivery(
            channel=target.kind,
            webhook=target,
            recipient=target.name[:300],
            alert_ids=[a.pk for a in listed[:IDS_KEPT]],
            payload=robot_payload(target.kind, reason, [full[a.pk] for a in listed[:ROBOT_LISTED]], total=len(listed)),
        )
        for target, listed in chosen
    ]
    if deliveries:
        created = Delivery.objects.bulk_create(deliveries)
        _enqueue([d.pk for d in created])


def _add_notifications(rows: list[tuple[int, int]], reason: str) -> None:
    """In-app notifications (user id, alert id): none where the same news of the alert is still unread.

    A screening may tell tens of thousands: the rows go in as multi-row INSERTs, never as model instances.
    """
    if not rows:
        return
    unread: set[tuple[int, int]] = set()
    for chunk in _chunks({alert_id for _u, alert_id in rows}):
        unread.update(
            Notification.objects.filter(alert_id__in=chunk, reason=reason, read_at__isnull=True).values_list(
                "user_id", "alert_id"
            )
        )
    fresh = [row for row in dict.fromkeys(rows) if row not in unread]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # two arrays instead of thousands of parameters
            for chunk in _chunks(fresh, 20000):
                cursor.execute(
                    f"INSERT INTO {table} (user_id, alert_id, reason, created_at) "
                    "SELECT u, a, %s, %s FROM unnest(%s::bigint[], %s::bigint[]) AS t(u, a)",
                    [reason, now, [u for u, _a in chunk], [a for _u, a in chunk]],
                )
            return
        per_insert = min(1000, (connection.features.max_query_params or 4000) // 4)
        for chunk in _chunks(fresh, per_insert):
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            params = [value for user_id, alert_id in chunk for value in (user_id, alert_id, reason, now)]
            cursor.execute(f"INSERT INTO {table} (user_id, alert_id, reason, created_at) VALUES {values}", params)


def _robots_choose(alerts: Sequence[Brief], routing: Routing) -> list[tuple[WebhookTarget, list[Brief]]]:
    """Each enabled robot with the alerts it hears: its department's subtree, its severity up, its rules."""
    targets = list(WebhookTarget.objects.active().filter(enabled=True).select_related("department"))
    if not targets:
        return []
    paths = {a.pk: routing.paths_of(a) for a in alerts}
    found = []
    for target in targets:
        floor = _rank(target.min_severity)
        rules = set(target.rules or [])
        prefix = target.department.path if target.department_id else ""
        chosen = [
            a
            for a in alerts
            if _rank(a.severity) >= floor
            and (not rules or a.rule in rules)
            and (not prefix or any(p.startswith(prefix) for p in paths[a.pk]))
        ]
        if chosen:
            found.append((target, chosen))
    return found


def _enqueue(delivery_ids: list[int]) -> None:
    """Hand the deliveries to the Celery task once the rows are committed (a worker must find them)."""

    def send() -> None:
        from .tasks import send_delivery_task

        for pk in delivery_ids:
            try:
                send_delivery_task.delay(pk)
            except Exception:  # a broker that is down: the row stays pending, the caller goes on
                log.exception("queueing delivery %s failed", pk)

    transaction.on_commit(send)


# --- sending one delivery -------------------------------------------------------------------------------------


def deliver(delivery_id: int, *, final: bool) -> str:
    """Send one delivery and record the attempt. On failure the row keeps the error and, unless this was the
    last try, :class:`DeliveryRetry` asks the task to try again later; the last failure marks it failed."""
    delivery = Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == DeliveryStatus.SENT:
        return "gone" if delivery is None else delivery.status
    delivery.attempts += 1
    try:
        _send(delivery)
    except Exception as exc:
        delivery.last_error = (str(exc) or type(exc).__name__)[:500]
        delivery.status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
        delivery.save(update_fields=["attempts", "last_error", "status"])
        if final:
            log.warning("delivery %s (%s) failed for good: %s", delivery.pk, delivery.channel, delivery.last_error)
            return delivery.status
        raise DeliveryRetry(delivery.last_error) from exc
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = timezone.now()
    delivery.save(update_fields=["attempts", "status", "sent_at"])
    return delivery.status


def _send(delivery: Delivery) -> None:
    if delivery.channel in (NotifyChannel.EMAIL, NotifyChannel.DIGEST):
        data = delivery.payload
        message = EmailMultiAlternatives(subject=data["subject"], body=data["text"], to=[delivery.recipient])
        if data.get("html"):
            message.attach_alternative(data["html"], "text/html")
        message.send()
        return
    target = delivery.webhook
    if target is None or target.archived_at is not None:
        raise webhooks.WebhookError("the group robot was removed")
    webhooks.post(
        kind=target.kind,
        url=target.url,
        secret=target.secret,
        body=delivery.payload,
        timeout=settings.LIUKE_WEBHOOK_TIMEOUT,
    )


# --- the daily digest ------------------------------------------------------------------------------------------


def digests_send(*, now: dt.datetime | None = None) -> int:
    """E-mail each person who chose the digest their live alerts opened since their last digest (the last day
    for a first one, never more than a week); nothing to people with nothing new. Returns the digests queued."""
    now = now or timezone.now()
    last = dict(
        Delivery.objects.filter(channel=NotifyChannel.DIGEST, status__in=(DeliveryStatus.SENT, DeliveryStatus.PENDING))
        .order_by()
        .values("user_id")
        .annotate(last=Max("created_at"))
        .values_list("user_id", "last")
    )
    floor = now - DIGEST_MAX_WINDOW
    earliest = min([max(t, floor) for t in last.values()] + [now - DIGEST_FIRST_WINDOW])
    alerts = briefs(Alert.objects.filter(status__in=LIVE_STATUSES, opened_at__gt=earliest, opened_at__lte=now))
    if not alerts:
        return 0
    told = audience(alerts)
    everyone = people({pk for pks in told.values() for pk in pks})
    since = {p.user_id: max(last.get(p.user_id, now - DIGEST_FIRST_WINDOW), floor) for p in everyone.values()}
    per_person: dict[int, list[Brief]] = defaultdict(list)
    for alert in alerts:
        for employee_id in told.get(alert.pk, ()):
            person = everyone.get(employee_id)
            if person is None or not (person.digest and person.email) or not person.hears(alert):
                continue
            if alert.opened_at > since[person.user_id]:
                per_person[employee_id].append(alert)
    full = _listed(per_person.values(), DIGEST_LISTED)
    deliveries = [
        Delivery(
            channel=NotifyChannel.DIGEST,
            user_id=everyone[pk].user_id,
            recipient=everyone[pk].email,
            alert_ids=[a.pk for a in listed[:IDS_KEPT]],
            payload=mail_payload(
                everyone[pk],
                "digest",
                [full[a.pk] for a in listed[:DIGEST_LISTED]],
                total=len(listed),
                since=since[everyone[pk].user_id],
            ),
        )
        for pk, listed in per_person.items()
    ]
    with transaction.atomic():
        created = Delivery.objects.bulk_create(deliveries)
        _enqueue([d.pk for d in created])
    return len(created)


# --- group robots (admins) --------------------------------------------------------------------------------------


def webhook_save(*, target: WebhookTarget | None, name: str, kind: str, url: str, secret: str | None,
                 department: Department | None, min_severity: str, rules: Sequence[str],
                 enabled: bool) -> WebhookTarget:  # fmt: skip
    """Add or change a group robot. ``secret`` None keeps the current one, "" clears it (WeCom robots have none)."""
    errors: dict[str, str] = {}
    if kind not in (NotifyChannel.WECOM, NotifyChannel.DINGTALK):
        errors["kind"] = _("Choose WeCom or DingTalk.")
    try:
        webhooks.check_address(url)
    except webhooks.WebhookError:
        errors["url"] = _("Enter the robot's address, starting with https://.")
    if min_severity not in Severity.values:
        errors["min_severity"] = _("Unknown severity: %(severity)s") % {"severity": min_severity}
    unknown = sorted(set(rules) - set(registry.names()))
    if unknown:
        errors["rules"] = _("Unknown rule: %(rule)s") % {"rule": ", ".join(unknown)}
    if not name.strip():
        errors["name"] = _("Give the robot a name.")
    if errors:
        raise ValidationError(errors)
    target = target or WebhookTarget()
    target.name, target.kind, target.url = name.strip(), kind, url.strip()
    target.department = department
    target.min_severity, target.rules, target.enabled = min_severity, sorted(set(rules)), enabled
    if kind == NotifyChannel.WECOM:
        target.secret = ""
    elif secret is not None:
        target.secret = secret.strip()
    target.save()
    return target


def webhook_test(*, target: WebhookTarget, user: Any) -> Delivery:
    """Send a test message to a robot now (not queued) and record it: the admin sees at once whether it works."""
    with translation.override(settings.LANGUAGE_CODE):
        heading = _("liuke: test message")
        text = webhooks.markdown(
            target.kind,
            heading=heading,
            lines=[],
            total=0,
            more="",
            footer=_("This group will hear of alerts here. Open the alert inbox"),
            footer_url=_site(reverse("alerts:alert_list")),
        )
    delivery = Delivery.objects.create(
        channel=target.kind,
        webhook=target,
        user=user if getattr(user, "pk", None) else None,
        recipient=target.name[:300],
        payload=webhooks.payload(target.kind, title=heading, text=text),
    )
    deliver(delivery.pk, final=True)
    delivery.refresh_from_db()
    return delivery


def recent_deliveries(*, viewer: Any, limit: int = 20) -> list[Delivery]:
    """The robots' latest messages, for those who may see the robots."""
    if not visibility.can(viewer, WebhookTarget):
        return []
    return list(
        Delivery.objects.filter(webhook__isnull=False).select_related("webhook").order_by("-created_at", "-pk")[:limit]
    )


# --- in-app notifications: reads and marks ------------------------------------------------------------------


def notifications_for(*, viewer: Any) -> QuerySet[Notification]:
    """The viewer's own notifications, newest first, with what the list shows of each alert."""
    return (
        visibility.restrict(viewer, Notification)
        .select_related("alert", "alert__customer", "alert__employee", "alert__distributor")
        .order_by("-created_at", "-pk")
    )


def notification_open(*, viewer: Any, pk: Any) -> Notification | None:
    """The viewer's notification ``pk``, read from now on (with any other unread one of the same alert)."""
    found = visibility.visible_object(viewer, Notification.objects.select_related("alert"), pk)
    if found is not None:
        visibility.restrict(viewer, Notification).filter(alert_id=found.alert_id, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    return found


def notifications_mark_read(*, viewer: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the viewer's unread notifications read (all of them, or those of ``ids``); returns how many."""
    qs = visibility.restrict(viewer, Notification).filter(read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def email_address(user: Any) -> str:
    """Where someone's e-mails go: their employee record's address, else their login's."""
    employee = getattr(user, "employee", None) if getattr(user, "pk", None) else None
    return ((employee.email if employee is not None else "") or getattr(user, "email", "") or "").strip()


# --- the bell and the API ---------------------------------------------------------------------------------------


def _bell(request: Any) -> dict[str, Any] | None:
    """The top bar's bell: one COUNT per page."""
    from .selectors import unread_count

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    unread = unread_count(user=user)
    return {"unread": unread, "shown": "99+" if unread > 99 else str(unread)}


def register() -> None:
    """The bell in the top bar, the preferences and notifications API."""
    from liuke.core import registry as site

    site.header_item("alerts/notify/_bell.html", _bell, order=10)
    site.api("notification-preferences", "liuke.alerts.notify_api:NotificationPreferenceViewSet")
    site.api("notifications", "liuke.alerts.notify_api:NotificationViewSet")
