"""Screening rules of the customer archive (issue 11): coverage (双线联系), key contacts, the archive's
completeness, licences that run out, and customers nobody has been in touch with.

Each rule is one set-based query (a join, an aggregate or an ``EXISTS``), never a query per customer. The
coverage rules count the account team live in SQL instead of reading the stored ``team_people``/``team_roles``
columns: those are refreshed by the services and nightly, and a membership that ended yesterday by its date
must not wait for the nightly refresh. After a customer or account-team import the rules that understand the
``customers`` scope look at the imported customers only.

Findings keep moving numbers (days overdue, a completeness score) out of their evidence: a changed evidence
reopens a dismissed alert, and a number that changes every day would reopen it every day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liuke.alerts import registry
from liuke.alerts.choices import Area, Severity
from liuke.alerts.registry import Finding, RunContext, Threshold
from liuke.org.choices import EmployeeStatus

from . import completeness
from .choices import CustomerGrade, CustomerStatus, FieldType
from .models import AccountTeamMember, Contact, Customer, FieldDefinition
from .selectors import current_team_q

SCOPE = "customers"
CHUNK = 500  # customer ids per ``IN`` (SQLite allows 999 parameters)
SCOPED_AT_MOST = 5000  # a larger import is screened whole: fewer queries, and nothing is closed anyway
COUNTING = (EmployeeStatus.ACTIVE, EmployeeStatus.LEAVING)  # people still with the company


def _scoped(ctx: RunContext, qs: QuerySet, field: str = "pk") -> Iterator[QuerySet]:
    """The query over everything (a full run), or over the customers an import touched, a chunk at a time."""
    ids = (ctx.scope or {}).get(SCOPE) if ctx.scope is not None else None
    if not ids or len(ids) > SCOPED_AT_MOST:
        yield qs
        return
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield qs.filter(**{f"{field}__in": ids[start : start + CHUNK]})


def active_customers() -> QuerySet[Customer]:
    """The customers the coverage rules hold to account: not archived, and doing business with us."""
    return Customer.objects.filter(archived_at__isnull=True, status=CustomerStatus.ACTIVE)


def _customer(code: str) -> dict[str, Any]:
    return {"type": "customer", "code": code}


def _employee(employee_no: str, **more: Any) -> dict[str, Any]:
    return {"type": "employee", "employee_no": employee_no, **more}


def _local_date(moment: dt.datetime, zone: dt.tzinfo) -> str:
    return moment.astimezone(zone).date().isoformat()  # the zone looked up once, not per row


# --- uncovered -------------------------------------------------------------------------------------


def _counting_members() -> QuerySet[AccountTeamMember]:
    """Current account-team memberships of people still with the company."""
    return AccountTeamMember.objects.filter(current_team_q(), employee__status__in=COUNTING)


def find_uncovered(ctx: RunContext) -> Iterable[Finding]:
    """Active customers without one current team member who is still with the company. The alert names the
    last person on the team (their manager sees it and hands the customer on)."""
    last = (
        AccountTeamMember.objects.filter(customer=OuterRef("pk"), archived_at__isnull=True)
        .order_by(F("until").desc(nulls_first=True), "-pk")
        .values("employee")[:1]
    )
    qs = (
        active_customers()
        .filter(~Exists(_counting_members().filter(customer=OuterRef("pk"))))
        .annotate(last_id=Subquery(last))
        .values("pk", "code", "name", "division_id", "last_id")
        .order_by()
    )
    rows = [row for part in _scoped(ctx, qs) for row in part]
    numbers = _employee_numbers({r["last_id"] for r in rows if r["last_id"] is not None})
    for row in rows:
        evidence = [_customer(row["code"])]
        if row["last_id"] is not None:
            evidence.append(_employee(numbers[row["last_id"]], last_on_team=True))
        yield Finding(
            key=str(row["pk"]),
            params={"customer": row["name"], "code": row["code"]},
            evidence=evidence,
            customer_id=row["pk"],
            employee_id=row["last_id"],
            division_id=row["division_id"],
        )


def _employee_numbers(ids: set[int]) -> dict[int, str]:
    from liuke.org.models import Employee

    ordered = sorted(ids)
    numbers: dict[int, str] = {}
    for start in range(0, len(ordered), CHUNK):
        numbers.update(Employee.objects.filter(pk__in=ordered[start : start + CHUNK]).values_list("pk", "employee_no"))
    return numbers


# --- single_threaded -------------------------------------------------------------------------------


def find_single_threaded(ctx: RunContext) -> Iterable[Finding]:
    """Active customers whose current team (people still with the company) is fewer than two people or
    fewer than two roles. A customer with nobody at all is ``uncovered``, not this: one alert per problem."""
    members = _counting_members().filter(customer__archived_at__isnull=True, customer__status=CustomerStatus.ACTIVE)
    found: dict[int, dict[str, Any]] = {}
    for part in _scoped(ctx, members, field="customer_id"):
        weak = (
            part.order_by()
            .values("customer_id")
            .annotate(people=Count("employee", distinct=True), roles=Count("role", distinct=True))
            .filter(Q(people__lt=2) | Q(roles__lt=2))
            .values("customer_id")
        )
        rows = (
            part.filter(customer_id__in=Subquery(weak))
            .order_by("customer_id", "employee__employee_no", "role")
            .values(
                "customer_id",
                "customer__code",
                "customer__name",
                "customer__division_id",
                "employee_id",
                "employee__employee_no",
                "role",
            )
        )
        for row in rows:
            entry = found.setdefault(row["customer_id"], {"row": row, "members": []})
            entry["members"].append(row)
    for customer_id, entry in found.items():
        row, members = entry["row"], entry["members"]
        people = {m["employee_id"] for m in members}
        yield Finding(
            key=str(customer_id),
            params={"customer": row["customer__name"], "code": row["customer__code"]},
            evidence=[
                _customer(row["customer__code"]),
                *(_employee(m["employee__employee_no"], role=m["role"]) for m in members),
            ],
            customer_id=customer_id,
            employee_id=next(iter(people)) if len(people) == 1 else None,  # the one person it all rests on
            division_id=row["customer__division_id"],
        )


# --- key_contact_single ----------------------------------------------------------------------------


def find_key_contact_single(ctx: RunContext) -> Iterable[Finding]:
    """Key contacts of active customers known to fewer than two colleagues still with the company (one
    ``LEFT JOIN`` and ``GROUP BY``); nobody at all counts too, that is the risk come true."""
    knows = Q(knowers__archived_at__isnull=True, knowers__employee__status__in=COUNTING)
    qs = (
        Contact.objects.filter(
            is_key=True,
            archived_at__isnull=True,
            customer__archived_at__isnull=True,
            customer__status=CustomerStatus.ACTIVE,
        )
        .order_by()
        .values("pk", "name", "customer_id", "customer__code", "customer__name", "customer__division_id")
        .annotate(
            known_by=Count("knowers__employee", filter=knows, distinct=True),
            one_id=Min("knowers__employee_id", filter=knows),
            one_no=Min("knowers__employee__employee_no", filter=knows),
        )
        .filter(known_by__lt=2)
    )
    for part in _scoped(ctx, qs, field="customer_id"):
        for row in part:
            evidence = [_customer(row["customer__code"]), {"type": "contact", "id": row["pk"], "name": row["name"]}]
            if row["known_by"] == 1:
                evidence.append(_employee(row["one_no"]))
            yield Finding(
                key=str(row["pk"]),
                params={"customer": row["customer__name"], "code": row["customer__code"], "contact": row["name"]},
                evidence=evidence,
                customer_id=row["customer_id"],
                employee_id=row["one_id"] if row["known_by"] == 1 else None,
                division_id=row["customer__division_id"],
            )


# --- archive_incomplete ----------------------------------------------------------------------------


def find_archive_incomplete(ctx: RunContext) -> Iterable[Finding]:
    """Active customers whose stored completeness score (kept by the services, refreshed nightly) is below
    the handover-ready threshold."""
    qs = (
        active_customers()
        .filter(completeness__lt=ctx.value("threshold"))
        .values("pk", "code", "name", "division_id")
        .order_by()
    )
    for part in _scoped(ctx, qs):
        for row in part:
            yield Finding(
                key=str(row["pk"]),
                params={"customer": row["name"], "code": row["code"]},
                evidence=[_customer(row["code"])],
                customer_id=row["pk"],
                division_id=row["division_id"],
            )


# --- licence_expiring ------------------------------------------------------------------------------


def expiry_fields() -> list[FieldDefinition]:
    """The archive date fields marked as a licence's or certificate's expiry date."""
    return list(FieldDefinition.objects.filter(is_expiry=True, type=FieldType.DATE, archived_at__isnull=True))


def _label(defn: FieldDefinition) -> str:
    # An alert's title is filled once, when found: in the installation's language.
    return defn.label_en if settings.LANGUAGE_CODE.startswith("en") else defn.label_zh


def find_licence_expiring(ctx: RunContext) -> Iterable[Finding]:
    """Each marked date (ISO text in ``Customer.fields``) that has passed or falls within the window: one
    query over the customers, comparing the dates as text (ISO dates sort as text, on SQLite and PostgreSQL)."""
    definitions = expiry_fields()
    if not definitions:
        return
    horizon = (ctx.today + dt.timedelta(days=ctx.value("days"))).isoformat()
    today = ctx.today.isoformat()
    names = {f"expiry_{i}": d for i, d in enumerate(definitions)}
    due = Q()
    for name in names:
        due |= Q(**{f"{name}__range": ("0001-01-01", horizon)})  # a present, ISO-looking value on or before
    qs = (
        Customer.objects.filter(archived_at__isnull=True, status=CustomerStatus.ACTIVE)
        .annotate(**{name: KeyTextTransform(d.key, "fields") for name, d in names.items()})
        .filter(due)
        .values("pk", "code", "name", "division_id", *names)
        .order_by()
    )
    for part in _scoped(ctx, qs):
        for row in part:
            for name, defn in names.items():
                value = row[name]
                if not isinstance(value, str) or not ("0001-01-01" <= value <= horizon):
                    continue
                try:
                    expires = dt.date.fromisoformat(value).isoformat()
                except ValueError:
                    continue  # not a date: the archive's validation keeps these out
                expired = expires < today
                yield Finding(
                    key=f"{row['pk']}:{defn.key}",
                    params={"customer": row["name"], "code": row["code"], "field": _label(defn), "expires": expires},
                    # "expired" in the evidence: a dismissed "runs out soon" comes back once it has run out.
                    evidence=[
                        {
                            "type": "customer",
                            "code": row["code"],
                            "field": defn.key,
                            "expires": expires,
                            "expired": expired,
                        }
                    ],
                    severity=Severity.HIGH if expired else None,
                    customer_id=row["pk"],
                    division_id=row["division_id"],
                )


# --- contact_overdue -------------------------------------------------------------------------------

CADENCE_KEYS: dict[str, str] = {
    CustomerGrade.A: "cadence_a",
    CustomerGrade.B: "cadence_b",
    CustomerGrade.C: "cadence_c",
}


def find_contact_overdue(ctx: RunContext) -> Iterable[Finding]:
    """Active customers whose last contact (or, never contacted, the day they were opened) lies further back
    than their grade's cadence; an ungraded customer is held to the loosest cadence."""
    cadences: dict[str, int] = {grade: int(ctx.value(key)) for grade, key in CADENCE_KEYS.items()}
    cadences[""] = max(cadences.values())

    def cutoff(days: int) -> dt.datetime:
        # Overdue once the last contact's day is more than ``days`` days before today.
        return timezone.make_aware(dt.datetime.combine(ctx.today - dt.timedelta(days=days), dt.time.min))

    overdue = Q()
    for grade, days in cadences.items():
        overdue |= Q(grade=grade, since__lt=cutoff(days))
    qs = (
        active_customers()
        .annotate(
            since=Coalesce("last_contact_at", "created_at"),
            never=ExpressionWrapper(Q(last_contact_at__isnull=True), output_field=BooleanField()),
        )
        .filter(overdue)
        .values("pk", "code", "name", "division_id", "since", "never")
        .order_by()
    )
    zone = timezone.get_current_timezone()
    for part in _scoped(ctx, qs):
        for row in part:
            since = _local_date(row["since"], zone)
            yield Finding(
                key=str(row["pk"]),
                params={"customer": row["name"], "code": row["code"], "since": since},
                evidence=[{**_customer(row["code"]), "last_contact": None if row["never"] else since}],
                customer_id=row["pk"],
                division_id=row["division_id"],
            )


# --- registration ----------------------------------------------------------------------------------

registry.register(
    registry.Rule(
        name="uncovered",
        title=_("Customer nobody looks after"),
        summary=_("%(customer)s (%(code)s) has nobody on its account team"),
        description=_(
            "An active customer without a single current account-team member who is still with the company. "
            "The alert names the last person on the team; assign someone or return the customer to the "
            "territory's pool."
        ),
        area=Area.CUSTOMERS,
        find=find_uncovered,
        severity=Severity.HIGH,
        scopes=frozenset({SCOPE}),
        order=40,
    )
)
registry.register(
    registry.Rule(
        name="single_threaded",
        title=_("Single line of contact"),
        summary=_("%(customer)s (%(code)s): fewer than two people in two roles on the account team"),
        description=_(
            "Dual-line contact is broken: an active customer's current account team has fewer than two people "
            "still with the company, or fewer than two roles. If that person leaves, the customer goes with them. "
            "A customer with nobody at all is reported as a customer nobody looks after instead."
        ),
        area=Area.CUSTOMERS,
        find=find_single_threaded,
        severity=Severity.MEDIUM,
        scopes=frozenset({SCOPE}),
        order=41,
    )
)
registry.register(
    registry.Rule(
        name="key_contact_single",
        title=_("Key contact known to only one person"),
        summary=_("%(contact)s at %(customer)s (%(code)s) is known to fewer than two colleagues"),
        description=_(
            "A key contact of an active customer whom at most one colleague still with the company knows. "
            "Introduce a second colleague to them."
        ),
        area=Area.CUSTOMERS,
        find=find_key_contact_single,
        severity=Severity.MEDIUM,
        scopes=frozenset({SCOPE}),
        order=42,
    )
)
registry.register(
    registry.Rule(
        name="archive_incomplete",
        title=_("Incomplete archive"),
        summary=_("%(customer)s (%(code)s): archive not complete enough for a handover"),
        description=_(
            "An active customer whose archive completeness is below the handover-ready score: a new rep could "
            "not take it over from the archive alone."
        ),
        area=Area.CUSTOMERS,
        find=find_archive_incomplete,
        severity=Severity.LOW,
        thresholds=(
            Threshold(
                "threshold",
                _("Handover-ready completeness score (0-100)"),
                completeness.handover_threshold(),
                help=_("Archives scoring below this are reported."),
            ),
        ),
        scopes=frozenset({SCOPE}),
        order=43,
    )
)
registry.register(
    registry.Rule(
        name="licence_expiring",
        title=_("Licence expiring"),
        summary=_("%(customer)s (%(code)s): %(field)s %(expires)s"),
        description=_(
            "A customer's licence or certificate (an archive date field marked as an expiry date) runs out "
            "within the set number of days (medium) or has run out (high). Ask the customer for the renewed "
            "document and update the archive."
        ),
        area=Area.CUSTOMERS,
        find=find_licence_expiring,
        severity=Severity.MEDIUM,
        thresholds=(Threshold("days", _("Days before expiry"), 30, help=_("Report a licence this many days ahead.")),),
        scopes=frozenset({SCOPE}),
        order=44,
    )
)
registry.register(
    registry.Rule(
        name="contact_overdue",
        title=pgettext_lazy("alert rule", "Contact overdue"),
        summary=_("%(customer)s (%(code)s): no contact since %(since)s"),
        description=_(
            "An active customer not contacted within its grade's cadence; one never contacted counts from the "
            "day it was opened, and one without a grade is held to the longest cadence."
        ),
        area=Area.WORK,
        find=find_contact_overdue,
        severity=Severity.LOW,
        thresholds=(
            Threshold("cadence_a", _("Grade A contact cadence (days)"), completeness.cadence_days("A"), minimum=1),
            Threshold("cadence_b", _("Grade B contact cadence (days)"), completeness.cadence_days("B"), minimum=1),
            Threshold("cadence_c", _("Grade C contact cadence (days)"), completeness.cadence_days("C"), minimum=1),
        ),
        scopes=frozenset({SCOPE}),
        order=45,
    )
)
