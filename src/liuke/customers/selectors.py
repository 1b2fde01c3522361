"""Reads of the customer archive, always through core.visibility."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from liuke.core import visibility
from liuke.core.models import ChangeLogEntry
from liuke.core.text import search_term
from liuke.org.choices import EmployeeStatus
from liuke.org.divisions import code_prefix
from liuke.org.models import Department, Employee

from . import completeness
from .choices import CustomerStatus, EventKind
from .fields import active_definitions, display_value
from .models import AccountTeamMember, Contact, ContactKnower, Customer, CustomerEvent


def current_team_q(prefix: str = "") -> Q:
    today = timezone.localdate()
    return Q(**{f"{prefix}archived_at__isnull": True}) & (
        Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": today})
    )


def _current_members() -> QuerySet[AccountTeamMember]:
    return AccountTeamMember.objects.filter(current_team_q()).exclude(employee__status=EmployeeStatus.LEFT)


def coverage_counts_q() -> dict[str, Any]:
    """Expressions for ``team_people`` and ``team_roles`` of each customer (current members who have not
    left), for set-based UPDATEs."""

    def count_of(column: str) -> Subquery:
        members = (
            _current_members()
            .filter(customer=OuterRef("pk"))
            .order_by()
            .values("customer")
            .annotate(n=Count(column, distinct=True))
            .values("n")
        )
        return Subquery(members, output_field=IntegerField())

    return {"team_people": Coalesce(count_of("employee"), Value(0)), "team_roles": Coalesce(count_of("role"), Value(0))}


def is_single_threaded(*, status: str, people: int, roles: int) -> bool:
    """The 双线联系 rule: an active customer needs two current people in two distinct roles."""
    return status == CustomerStatus.ACTIVE and (people < 2 or roles < 2)


def due_for_contact_q(today: dt.date | None = None, prefix: str = "") -> Q:
    """Active and prospect customers not contacted within their grade's cadence (never contacted included)."""
    today = today or timezone.localdate()
    q = Q(**{f"{prefix}last_contact_at__isnull": True})
    for grade in {*completeness.DEFAULT_CADENCE_DAYS, ""}:
        days = completeness.cadence_days(grade)
        cutoff = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=days), dt.time.min))
        q |= Q(**{f"{prefix}grade": grade, f"{prefix}last_contact_at__lt": cutoff})
    return q & Q(**{f"{prefix}status__in": (CustomerStatus.ACTIVE, CustomerStatus.PROSPECT)})


def single_threaded_q() -> Q:
    """Customers that break the 双线联系 rule (stored, refreshed by the services and nightly)."""
    return Q(single_threaded=True)


def team_counts(customer: Customer) -> tuple[int, int]:
    members = _current_members().filter(customer=customer)
    return (members.values("employee").distinct().count(), members.values("role").distinct().count())


def visible_customers(*, viewer: Any) -> QuerySet[Customer]:
    return visibility.restrict(viewer, Customer).filter(archived_at__isnull=True)


FUZZY_MAX = 16  # letters in the longest typed abbreviation searched with one-letter slips


def _fuzzy_variants(term: str) -> list[str]:
    """One wrong or one extra letter in a typed pinyin abbreviation (``bjtrhyy`` → ``bjtryy``)."""
    deletions = {term[:i] + term[i + 1 :] for i in range(len(term))}
    substitutions = {term[:i] + "_" + term[i + 1 :] for i in range(len(term))}
    return sorted(deletions | substitutions)


def search(qs: QuerySet[Customer], query: str) -> QuerySet[Customer]:
    """Name, short name, code, phone and pinyin (full or initials), width- and punctuation-insensitive.

    With several words (``医院 黄浦``) every word must match, each in those or in the address.
    """
    words = query.split()
    if len(words) > 1:
        for word in words:
            qs = _search_word(qs, word, address=True)
        return qs
    return _search_word(qs, query)


def _search_word(qs: QuerySet[Customer], query: str, *, address: bool = False) -> QuerySet[Customer]:
    term = search_term(query)
    if not term:
        return qs
    match = Q(search_text__contains=term)
    if address:
        match |= Q(address__contains=query.strip())
    exact = qs.filter(match)
    # Initials of a name are short: a long string is no abbreviation, and its variants would grow
    # the query past what a database plans (one OR per letter).
    if len(term) < 5 or len(term) > FUZZY_MAX or not re.fullmatch(r"[a-z]+", term) or exact.exists():
        return exact
    fuzzy = Q()
    for variant in _fuzzy_variants(term):
        fuzzy |= Q(search_text__like=f"%{variant}%")  # `_` is LIKE's one-character wildcard
    return qs.filter(fuzzy)


@dataclass
class CustomerFilters:
    q: str = ""
    kind: str = ""
    grade: str = ""
    status: str = ""
    division: str = ""  # a division code: everything under it
    territory: int | None = None
    member: int | None = None  # employee id on the current team
    department: int | None = None  # a current team member works in this department (or below)
    completeness_min: int | None = None
    completeness_max: int | None = None
    contact: str = ""  # "overdue": not contacted within the grade's cadence; "recent": within it
    coverage: str = ""  # "single" or "covered"
    sort: str = "code"
    extra: dict[str, Any] = field(default_factory=dict)


SORTS = {
    "code": ("code",),
    "name": ("name_key", "code"),
    "-completeness": ("-completeness", "code"),
    "completeness": ("completeness", "code"),
    "-updated": ("-updated_at",),
}


def _division_q(code: str, prefix: str = "division__code") -> Q:
    code = code.strip()
    if len(code) != 6 or not code.isdigit():
        return Q(pk__in=[])
    under = code_prefix(code)
    return Q(**{prefix: code}) if under == code else Q(**{f"{prefix}__startswith": under})


def customer_list(*, viewer: Any, filters: CustomerFilters | None = None, query: str = "") -> QuerySet[Customer]:
    """The customers a viewer may see, filtered, searched and sorted; coverage annotated."""
    f = filters or CustomerFilters(q=query)
    return apply_customer_filters(visible_customers(viewer=viewer).select_related("division"), viewer=viewer, filters=f)


def apply_customer_filters(qs: QuerySet[Customer], *, viewer: Any, filters: CustomerFilters) -> QuerySet[Customer]:
    """Narrow customers the viewer may see (``qs`` came through visibility) by the list's filters."""
    f = filters
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.grade:
        qs = qs.filter(grade=f.grade)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.division:
        qs = qs.filter(_division_q(f.division))
    if f.territory:
        codes = list(
            visibility.restrict(viewer, _territory_model())
            .filter(pk=f.territory)
            .values_list("divisions__code", flat=True)
        )
        area = Q(pk__in=[])
        for code in filter(None, codes):
            area |= _division_q(code)
        qs = qs.filter(area)
    if f.member:
        qs = qs.filter(pk__in=_current_members().filter(employee_id=f.member).values("customer_id"))
    if f.department:
        dept = Department.objects.filter(pk=f.department).first()
        path = dept.path if dept else "-"
        qs = qs.filter(
            pk__in=_current_members().filter(employee__department__path__startswith=path).values("customer_id")
        )
    if f.completeness_min is not None:
        qs = qs.filter(completeness__gte=f.completeness_min)
    if f.completeness_max is not None:
        qs = qs.filter(completeness__lte=f.completeness_max)
    if f.contact == "overdue":
        qs = qs.filter(due_for_contact_q())
    elif f.contact == "recent":
        qs = qs.exclude(due_for_contact_q()).filter(last_contact_at__isnull=False)
    if f.coverage == "single":
        qs = qs.filter(single_threaded_q())
    elif f.coverage == "covered":
        qs = qs.exclude(single_threaded_q())
    elif f.coverage == "nobody":
        qs = qs.filter(team_people=0, status=CustomerStatus.ACTIVE)  # the same rule as unassigned_customers
    if f.q:
        qs = search(qs, f.q)
    return qs.order_by(*SORTS.get(f.sort, SORTS["code"]))


def _territory_model():
    from liuke.org.models import Territory

    return Territory


def customer_list_with_team(*, viewer: Any, filters: CustomerFilters | None = None, query: str = "") -> QuerySet:
    team = _current_members().select_related("employee").order_by("role")
    return customer_list(viewer=viewer, filters=filters, query=query).prefetch_related(
        Prefetch("account_team", queryset=team, to_attr="current_team")
    )


def customer_detail_team(*, viewer: Any, customer: Customer) -> list[AccountTeamMember]:
    return list(
        visibility.restrict(viewer, AccountTeamMember)
        .filter(current_team_q(), customer=customer)
        .select_related("employee", "employee__department")
        .order_by("role")
    )


@dataclass
class FieldRow:
    key: str
    label: str
    value: str
    required: bool
    help_text: str


@dataclass
class FieldGroupView:
    key: str
    label: str
    rows: list[FieldRow]


@dataclass
class CustomerDossier:
    """Everything the 360° page shows, in a bounded number of queries."""

    customer: Customer
    groups: list[FieldGroupView]
    items: list[completeness.Item]
    score: int
    handover_ready: bool
    contacts: list[Any]
    team: list[AccountTeamMember]
    past_team: list[AccountTeamMember]
    team_people: int
    team_roles: int
    timeline: list[Any]
    merged: list[Customer]


def customer_dossier(*, viewer: Any, customer: Customer) -> CustomerDossier:
    definitions = active_definitions()
    values = customer.fields or {}
    groups: dict[str, FieldGroupView] = {}
    for defn in definitions:
        value = display_value(defn, values.get(defn.key))
        required = defn.is_required_for(customer.kind)
        if not value:
            continue  # only sections with data; what is missing is listed with the completeness score
        group = groups.setdefault(defn.group.key, FieldGroupView(defn.group.key, defn.group.label, []))
        group.rows.append(FieldRow(defn.key, defn.label, value, required, defn.help_text))
    knowers = ContactKnower.objects.filter(archived_at__isnull=True).select_related("employee")
    contacts = list(
        Contact.objects.filter(customer=customer, archived_at__isnull=True).prefetch_related(
            Prefetch("knowers", queryset=knowers, to_attr="current_knowers")
        )
    )
    for contact in contacts:
        active = [k for k in contact.current_knowers if k.employee.status != EmployeeStatus.LEFT]
        contact.known_by = active  # type: ignore[attr-defined]
        contact.single_knower = contact.is_key and len(active) < 2  # type: ignore[attr-defined]
    # The customer was fetched through visibility, and its team is visible with it (the same rule).
    all_members = list(
        AccountTeamMember.objects.filter(customer=customer, archived_at__isnull=True)
        .select_related("employee", "employee__department")
        .order_by("role", "-since")
    )
    team = [m for m in all_members if m.is_current and m.employee.status != EmployeeStatus.LEFT]
    past = [m for m in all_members if m not in team]
    people, roles = len({m.employee_id for m in team}), len({m.role for m in team})
    items = completeness.breakdown(
        customer, definitions=definitions, contact_count=len(contacts), team_people=people, team_roles=roles
    )
    score = completeness.score(items)
    # Found through the merge events (indexed by customer): with almost every merged_into NULL, SQLite's
    # statistics make it scan the whole customer table for `merged_into = x`.
    merged_ids = [
        e.data.get("merged")
        for e in CustomerEvent.objects.filter(customer=customer, kind=EventKind.MERGED).only("data")
    ]
    merged = list(Customer.objects.filter(pk__in=[i for i in merged_ids if i], merged_into=customer))
    return CustomerDossier(
        customer=customer,
        groups=list(groups.values()),
        items=items,
        score=score,
        handover_ready=score >= completeness.handover_threshold(),
        contacts=contacts,
        team=team,
        past_team=past,
        team_people=people,
        team_roles=roles,
        timeline=customer_timeline(customer=customer, merged=merged, viewer=viewer),
        merged=merged,
    )


@dataclass
class TimelineItem:
    time: Any
    kind: str  # "event", "change", or what an extension adds ("card")
    title: str
    actor: str
    entry: ChangeLogEntry | None = None
    obj: Any = None  # the record behind an extension's item
    url: str = ""


def customer_timeline(
    *, customer: Customer, merged: list[Customer] | None = None, limit: int = 100, viewer: Any = None
) -> list:
    """Business events, the change log and what other apps add (record cards) for the customer and the
    customers merged into it, newest first."""
    from django.contrib.contenttypes.models import ContentType

    from liuke.core.history import actor_label
    from liuke.core.selectors import attach_display_changes

    from .extensions import timeline_items

    ids = [customer.pk, *[m.pk for m in merged or []]]
    contact_ids = list(Contact.objects.filter(customer_id__in=ids).values_list("pk", flat=True))
    ct = ContentType.objects.get_for_models(Customer, Contact)
    # One indexed query per kind of record (an OR of the two let SQLite walk the whole log by seq).
    entries = [
        *ChangeLogEntry.objects.filter(content_type=ct[Customer], object_id__in=[str(i) for i in ids])
        .select_related("content_type")
        .order_by("-seq")[:limit],
        *ChangeLogEntry.objects.filter(content_type=ct[Contact], object_id__in=[str(i) for i in contact_ids])
        .select_related("content_type")
        .order_by("-seq")[:limit],
    ]
    entries.sort(key=lambda e: e.seq, reverse=True)
    entries = entries[:limit]
    attach_display_changes(Customer, [e for e in entries if e.content_type_id == ct[Customer].pk])
    attach_display_changes(Contact, [e for e in entries if e.content_type_id == ct[Contact].pk])
    items = [TimelineItem(e.time, "change", e.object_repr, actor_label(e) if e.actor_id else "", e) for e in entries]
    for ev in CustomerEvent.objects.filter(customer_id__in=ids).select_related("actor")[:limit]:
        items.append(TimelineItem(ev.time, "event", ev.message, ev.actor.get_username() if ev.actor else ""))
    if viewer is not None:
        items.extend(timeline_items(viewer, ids, limit))
    items.sort(key=lambda i: i.time, reverse=True)
    return items[:limit]


# --- coverage overview (双线联系) ----------------------------------------------------------------


@dataclass
class CoverageRow:
    department: Department
    depth: int
    customers: int
    single: int


def coverage_by_department(*, viewer: Any) -> list[CoverageRow]:
    """Active customers, and how many of them are single-threaded, per department (team, district, region):
    a customer counts once for every department whose subtree holds one of its current team members.
    One SQL query; the viewer's visibility applies."""
    visible = visible_customers(viewer=viewer).filter(status=CustomerStatus.ACTIVE)
    single_ids = visible.filter(single_threaded_q()).values("pk")

    def count(only_single: bool) -> Subquery:
        members = _current_members().filter(
            customer__in=single_ids if only_single else visible.values("pk"),
            employee__department__path__startswith=OuterRef("path"),
        )
        counted = members.order_by().annotate(g=Value(1)).values("g").annotate(n=Count("customer", distinct=True))
        return Subquery(counted.values("n"), output_field=IntegerField())

    departments = (
        Department.objects.filter(archived_at__isnull=True)
        .annotate(customers=Coalesce(count(False), Value(0)), single=Coalesce(count(True), Value(0)))
        .filter(customers__gt=0)
        .order_by("path")
    )
    return [CoverageRow(d, d.depth, d.customers, d.single) for d in departments]


def unassigned_customers(*, viewer: Any) -> QuerySet[Customer]:
    return visible_customers(viewer=viewer).filter(team_people=0, status=CustomerStatus.ACTIVE)


def team_overview(*, viewer: Any) -> QuerySet[Employee]:
    """A manager's people with how many customers each currently covers."""
    from liuke.org.selectors import employee_list

    current = current_team_q("account_memberships__")
    return employee_list(viewer=viewer).annotate(
        customer_count=Count("account_memberships__customer", filter=current, distinct=True)
    )


def employees_for_assignment(*, viewer: Any) -> QuerySet[Employee]:
    return visibility.restrict(viewer, Employee).exclude(status=EmployeeStatus.LEFT).select_related("department")
