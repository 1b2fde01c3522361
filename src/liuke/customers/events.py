"""Named business events on a customer's timeline (Saleor ``order/events.py`` style)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from liuke.core.changelog import current_context

from .choices import EventKind
from .models import AccountTeamMember, Customer, CustomerEvent


def _event(customer: Customer, kind: str, message: str, **data: Any) -> CustomerEvent:
    return CustomerEvent.objects.create(
        customer=customer, kind=kind, message=message[:300], actor=current_context().resolve_actor(), data=data
    )


def customer_created(customer: Customer) -> CustomerEvent:
    return _event(customer, EventKind.CREATED, _("Customer %(code)s created") % {"code": customer.code})


def team_member_assigned(member: AccountTeamMember) -> CustomerEvent:
    return _event(
        member.customer,
        EventKind.TEAM_ASSIGNED,
        _("%(name)s joined the account team as %(role)s")
        % {"name": member.employee.name, "role": member.get_role_display()},
        employee=member.employee_id,
        role=member.role,
    )


def team_member_unassigned(member: AccountTeamMember) -> CustomerEvent:
    return _event(
        member.customer,
        EventKind.TEAM_UNASSIGNED,
        _("%(name)s left the account team (%(role)s)")
        % {"name": member.employee.name, "role": member.get_role_display()},
        employee=member.employee_id,
        role=member.role,
    )


def customers_merged(keep: Customer, other: Customer, moved: dict[str, int]) -> CustomerEvent:
    return _event(
        keep,
        EventKind.MERGED,
        _("%(other)s (%(code)s) was merged into this customer") % {"other": other.name, "code": other.code},
        merged=other.pk,
        moved=moved,
    )
