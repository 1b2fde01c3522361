"""Every write to the customer archive: customers, contacts, the account team, field definitions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from liuke.core import changelog, visibility
from liuke.core.text import name_key, search_keys
from liuke.org.models import Division, Employee

from . import completeness, events
from .choices import DivisionMethod, FieldType, TeamRole
from .fields import active_definitions, clean_values, merge_values
from .models import AccountTeamMember, Contact, ContactKnower, Customer, FieldDefinition, FieldGroup

CORE_FIELDS = ("code", "name", "short_name", "kind", "grade", "status", "address", "phone", "latitude", "longitude")


class DuplicateSuspected(ValidationError):
    """Another customer has the same normalised name in the same division."""

    def __init__(self, existing: Customer):
        self.existing = existing
        super().__init__(
            _("%(name)s (%(code)s) has the same name in the same division. Is it the same customer?")
            % {"name": existing.name, "code": existing.code},
            code="duplicate",
        )


class EditConflict(Exception):
    """Someone else saved the customer after the editor loaded it."""

    def __init__(self, current: Customer):
        self.current = current
        super().__init__(f"{current} was changed by someone else (now version {current.version})")


@dataclass(frozen=True)
class DivisionResolution:
    division: Division | None
    method: str
    confidence: float | None


def division_resolve(*, address: str, division_code: str | None = None) -> DivisionResolution:
    """The division a customer sits in: as given (successor for an abolished code), else parsed from the address.

    An ambiguous district (鼓楼区 without its city) is never guessed: it stays empty, marked ambiguous.
    """
    if division_code:
        division = Division.objects.filter(code=division_code.strip()).select_related("successor").first()
        if division is None:
            raise ValidationError({"division_code": _("Unknown division code %(code)s.") % {"code": division_code}})
        if division.status != "active" and division.successor is not None:
            division = division.successor
        return DivisionResolution(division, DivisionMethod.GIVEN, 1.0)
    if not address:
        return DivisionResolution(None, DivisionMethod.NONE, None)
    from liuke.org.address import DivisionIndex

    match = DivisionIndex.default().resolve(address)
    # "ambiguous" with a code: only a common ancestor (a province, a city) is known.
    method: str = match.method if match.method in DivisionMethod.values else DivisionMethod.NONE
    if match.code is None:
        return DivisionResolution(None, method, match.confidence)
    return DivisionResolution(Division.objects.filter(code=match.code).first(), method, match.confidence)


def find_duplicate(*, name: str, division: Division | None, exclude_pk: int | None = None) -> Customer | None:
    key = name_key(name)
    if not key:
        return None
    qs = Customer.objects.filter(name_key=key, division=division, archived_at__isnull=True)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def customer_refresh_derived(*, customer: Customer, definitions: list[FieldDefinition] | None = None) -> int:
    """Recompute the search keys, duplicate key and completeness score of one customer."""
    from .selectors import is_single_threaded, team_counts

    definitions = active_definitions() if definitions is None else definitions
    people, roles = team_counts(customer)
    customer.team_people, customer.team_roles = people, roles
    customer.single_threaded = is_single_threaded(status=customer.status, people=people, roles=roles)
    items = completeness.breakdown(
        customer,
        definitions=definitions,
        contact_count=customer.contacts.filter(archived_at__isnull=True).count(),
        team_people=people,
        team_roles=roles,
    )
    customer.completeness = completeness.score(items)
    customer.search_text = search_keys(customer.name, customer.short_name, customer.code, customer.phone)
    customer.name_key = name_key(customer.name)
    Customer.objects.filter(pk=customer.pk).update(
        completeness=customer.completeness,
        search_text=customer.search_text,
        name_key=customer.name_key,
        team_people=people,
        team_roles=roles,
        single_threaded=customer.single_threaded,
    )
    return customer.completeness


def customer_record_contact(*, customer: Customer, when: dt.datetime) -> Customer:
    """A submitted record card says we were in contact at ``when``: keep the latest contact time and
    let the completeness score count it (the archive issue's "a record card within the cadence")."""
    if customer.last_contact_at is None or when > customer.last_contact_at:
        Customer.objects.filter(pk=customer.pk).update(last_contact_at=when)
        customer.last_contact_at = when
        customer_refresh_derived(customer=customer)
    return customer


def customers_refresh_derived(*, batch_size: int = 5000, queryset=None) -> int:
    """Recompute search keys and completeness for many customers in batches (after bulk loads, or
    when the field schema changes). Team and contact counts come from two GROUP BY queries a batch,
    which stay fast even on freshly loaded tables the planner has no statistics for."""
    from django.db.models import Count

    from .selectors import _current_members, is_single_threaded

    definitions = active_definitions()
    ids = list(
        (queryset if queryset is not None else Customer.objects.all()).order_by("pk").values_list("pk", flat=True)
    )
    done = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        teams = {
            row["customer_id"]: (row["people"], row["roles"])
            for row in _current_members()
            .filter(customer_id__in=chunk)
            .values("customer_id")
            .annotate(people=Count("employee", distinct=True), roles=Count("role", distinct=True))
        }
        contacts = dict(
            Contact.objects.filter(customer_id__in=chunk, archived_at__isnull=True)
            .values("customer_id")
            .annotate(n=Count("id"))
            .values_list("customer_id", "n")
        )
        batch = list(Customer.objects.filter(pk__in=chunk))
        for c in batch:
            people, roles = teams.get(c.pk, (0, 0))
            c.team_people, c.team_roles = people, roles
            c.single_threaded = is_single_threaded(status=c.status, people=people, roles=roles)
            items = completeness.breakdown(
                c, definitions=definitions, contact_count=contacts.get(c.pk, 0), team_people=people, team_roles=roles
            )
            c.completeness = completeness.score(items)
            c.search_text = search_keys(c.name, c.short_name, c.code, c.phone)
            c.name_key = name_key(c.name)
        # Derived columns only: they carry no history of their own (Customer.changelog_exclude).
        Customer.objects.bulk_update(
            batch,
            ["completeness", "search_text", "name_key", "team_people", "team_roles", "single_threaded"],
            batch_size=1000,
        )
        done += len(batch)
    return done


def coverage_refresh(*, queryset=None) -> int:
    """Recompute the stored 双线联系 state of customers in two set-based UPDATEs (nightly, when memberships
    end by date; and when an employee leaves)."""
    from django.db.models import Case, When

    from .selectors import coverage_counts_q

    qs = queryset if queryset is not None else Customer.objects.all()
    count = qs.update(**coverage_counts_q())
    rule = Q(status="active") & (Q(team_people__lt=2) | Q(team_roles__lt=2))
    qs.update(single_threaded=Case(When(rule, then=True), default=False))
    return count


def customers_of_employee_refresh(*, employee: Employee) -> int:
    """An employee left or came back: their customers' coverage and completeness change."""
    return customers_refresh_derived(queryset=Customer.objects.filter(account_team__employee=employee).distinct())


def _apply_core(customer: Customer, data: dict[str, Any]) -> None:
    for key in CORE_FIELDS:
        if key in data:
            setattr(customer, key, data[key] if data[key] is not None else getattr(customer, key))


def _clean_fields(customer: Customer, raw_fields: dict[str, Any] | None) -> None:
    if not raw_fields:
        return
    cleaned, errors = clean_values(active_definitions(), raw_fields)
    if errors:
        raise ValidationError({f"field_{k}": v for k, v in errors.items()})
    customer.fields = merge_values(customer.fields, cleaned)


@transaction.atomic
def customer_create(
    *,
    data: dict[str, Any],
    fields: dict[str, Any] | None = None,
    division_code: str | None = None,
    confirm_duplicate: bool = False,
    opened_by: Any = None,
) -> Customer:
    """Create a customer; its division comes from ``division_code`` or is parsed from the address.

    A customer with the same normalised name in the same division raises :class:`DuplicateSuspected`
    unless the caller confirms it is a different one. The person who opens it (``opened_by``, a user)
    joins its account team as its developer when they would not see it otherwise: whoever opens a
    customer covers it until a manager completes the team.
    """
    customer = Customer()
    _apply_core(customer, data)
    resolution = division_resolve(address=customer.address, division_code=division_code)
    customer.division = resolution.division
    customer.division_method = resolution.method
    customer.division_confidence = resolution.confidence
    _clean_fields(customer, fields)
    customer.full_clean(exclude=["search_text", "name_key"])
    if not confirm_duplicate:
        existing = find_duplicate(name=customer.name, division=customer.division)
        if existing is not None:
            raise DuplicateSuspected(existing)
    customer.save()
    events.customer_created(customer)
    scope = visibility.scope_for(opened_by) if opened_by is not None else None
    if scope is not None and scope.employee_id and not scope.sees_all:
        team_assign(customer=customer, employee=Employee.objects.get(pk=scope.employee_id), role=TeamRole.DEVELOP)
    customer_refresh_derived(customer=customer)
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    data: dict[str, Any],
    fields: dict[str, Any] | None = None,
    division_code: str | None = None,
    expected_version: int | None = None,
) -> Customer:
    """Change a customer. With ``expected_version`` a concurrent save by someone else raises EditConflict."""
    current = Customer.objects.select_for_update().get(pk=customer.pk)
    if expected_version is not None and current.version != expected_version:
        raise EditConflict(current)
    address_changed = "address" in data and data["address"] != current.address
    _apply_core(current, data)
    if division_code is not None or address_changed:
        resolution = division_resolve(address=current.address, division_code=division_code or None)
        current.division = resolution.division
        current.division_method = resolution.method
        current.division_confidence = resolution.confidence
    _clean_fields(current, fields)
    current.full_clean(exclude=["search_text", "name_key"])
    current.save()
    customer_refresh_derived(customer=current)
    return current


@transaction.atomic
def customer_archive(*, customer: Customer) -> Customer:
    """Archive a customer (never deleted); its history stays."""
    customer.archive()
    return customer


@transaction.atomic
def customer_merge(*, keep: Customer, other: Customer) -> Customer:
    """Merge ``other`` into ``keep``: contacts and team move over, blank fields are filled, ``other`` is
    archived pointing at ``keep``. Both histories remain and the customer page shows them together."""
    if keep.pk == other.pk:
        raise ValidationError(_("A customer cannot be merged into itself."))
    keep = Customer.objects.select_for_update().get(pk=keep.pk)
    other = Customer.objects.select_for_update().get(pk=other.pk)
    if other.merged_into_id is not None:
        raise ValidationError(_("%(name)s was already merged.") % {"name": other.name})
    moved = {"contacts": 0, "team": 0}
    for contact in Contact.objects.filter(customer=other, archived_at__isnull=True):
        contact.customer = keep
        contact.save()
        moved["contacts"] += 1
    existing = set(
        AccountTeamMember.objects.filter(customer=keep, archived_at__isnull=True).values_list("employee_id", "role")
    )
    for member in AccountTeamMember.objects.filter(customer=other, archived_at__isnull=True):
        if (member.employee_id, member.role) in existing:
            member.archived_at = timezone.now()
        else:
            member.customer = keep
            moved["team"] += 1
        member.save()
    for key in CORE_FIELDS:
        if key != "code" and not getattr(keep, key) and getattr(other, key):
            setattr(keep, key, getattr(other, key))
    keep.fields = {**(other.fields or {}), **(keep.fields or {})}
    if keep.division_id is None and other.division_id is not None:
        keep.division_id, keep.division_method = other.division_id, other.division_method
    keep.save()
    other.merged_into = keep
    other.archive()
    events.customers_merged(keep, other, moved)
    customer_refresh_derived(customer=keep)
    return keep


# --- contacts -----------------------------------------------------------------------------------


@transaction.atomic
def contact_save(*, customer: Customer, data: dict[str, Any], contact: Contact | None = None) -> Contact:
    """Create or change a contact person of a customer."""
    contact = contact or Contact(customer=customer)
    for key, value in data.items():
        setattr(contact, key, value)
    contact.full_clean()
    contact.save()
    customer_refresh_derived(customer=customer)
    return contact


@transaction.atomic
def contact_archive(*, contact: Contact) -> Contact:
    contact.archive()
    customer_refresh_derived(customer=contact.customer)
    return contact


@transaction.atomic
def contact_set_knower(*, contact: Contact, employee: Employee, familiarity: int | None) -> ContactKnower | None:
    """Record that ``employee`` knows ``contact`` (or, with ``familiarity=None``, no longer does)."""
    knower = ContactKnower.objects.filter(contact=contact, employee=employee).first()
    if familiarity is None:
        if knower is not None and knower.archived_at is None:
            knower.archive()
        return knower
    if knower is None:
        knower = ContactKnower(contact=contact, employee=employee)
    knower.familiarity = familiarity
    knower.archived_at = None
    knower.save()
    return knower


# --- the account team ---------------------------------------------------------------------------


@transaction.atomic
def team_assign(
    *, customer: Customer, employee: Employee, role: str, since: dt.date | None = None
) -> AccountTeamMember:
    """Put an employee on a customer's account team in a role (once per employee and role)."""
    if employee.status == "left":
        raise ValidationError(_("%(name)s has left the company.") % {"name": employee.name})
    today = timezone.localdate()
    current = AccountTeamMember.objects.filter(
        customer=customer, employee=employee, role=role, archived_at__isnull=True
    )
    if any(m.is_current for m in current):
        raise ValidationError(_("%(name)s is already on the team in this role.") % {"name": employee.name})
    member = AccountTeamMember(customer=customer, employee=employee, role=role, since=since or today)
    member.full_clean()
    member.save()
    events.team_member_assigned(member)
    customer_refresh_derived(customer=customer)
    return member


@transaction.atomic
def team_unassign(*, member: AccountTeamMember, until: dt.date | None = None) -> AccountTeamMember:
    """End an account-team membership (kept as history with its end date)."""
    until = until or timezone.localdate() - dt.timedelta(days=1)
    if member.since and until < member.since - dt.timedelta(days=1):
        raise ValidationError(_("The end date cannot be before the start date."))
    member.until = until
    member.save()
    events.team_member_unassigned(member)
    customer_refresh_derived(customer=member.customer)
    return member


# --- the field schema ---------------------------------------------------------------------------


@transaction.atomic
def field_definition_save(*, data: dict[str, Any], definition: FieldDefinition | None = None) -> FieldDefinition:
    """Create or change an archive field definition (admins).

    Only a date can be an expiry date (a licence's or certificate's, watched by the licence_expiring alert).
    """
    definition = definition or FieldDefinition()
    for key, value in data.items():
        setattr(definition, key, value)
    if definition.is_expiry and definition.type != FieldType.DATE:
        raise ValidationError({"is_expiry": _("Only a date field can be an expiry date.")})
    definition.full_clean()
    definition.save()
    return definition


def field_template_load(*, path=None) -> int:
    """Load the shipped pharma field template (idempotent: existing keys are left as the admin set them)."""
    import json
    from pathlib import Path

    path = Path(path) if path else Path(__file__).resolve().parent / "data" / "pharma_fields.json"
    template = json.loads(path.read_text(encoding="utf-8"))
    with transaction.atomic():
        groups = {}
        for order, g in enumerate(template["groups"]):
            group = FieldGroup.objects.filter(key=g["key"]).first()
            if group is None:
                group = FieldGroup.objects.create(
                    key=g["key"], label_zh=g["label_zh"], label_en=g["label_en"], order=order
                )
            groups[g["key"]] = group
        existing = set(FieldDefinition.objects.values_list("key", flat=True))
        new = [
            FieldDefinition(
                key=f["key"],
                label_zh=f["label_zh"],
                label_en=f["label_en"],
                group=groups[f["group"]],
                type=f["type"],
                choices=f.get("choices") or [],
                required_for=f.get("required_for") or [],
                weight=f.get("weight", 1),
                help_zh=f.get("help_zh", ""),
                help_en=f.get("help_en", ""),
                min_value=f.get("min"),
                max_value=f.get("max"),
                unit=f.get("unit_zh", ""),
                is_expiry=bool(f.get("is_expiry", False)),
                order=order,
            )
            for order, f in enumerate(template["fields"])
            if f["key"] not in existing
        ]
        changelog.bulk_create(FieldDefinition, new)
    return len(new)
