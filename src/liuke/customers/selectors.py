"""Reads of customers, always through core.visibility."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from liuke.core import visibility

from .models import AccountTeamMember, Customer


def current_team_q(prefix: str = "") -> Q:
    today = timezone.localdate()
    return Q(**{f"{prefix}archived_at__isnull": True}) & (
        Q(**{f"{prefix}until__isnull": True}) | Q(**{f"{prefix}until__gte": today})
    )


def customer_list(*, viewer: Any, query: str = "") -> QuerySet[Customer]:
    qs = visibility.restrict(viewer, Customer).filter(archived_at__isnull=True).select_related("division")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__icontains=query) | Q(address__icontains=query))
    return qs.order_by("code")


def customer_detail_team(*, viewer: Any, customer: Customer) -> list[AccountTeamMember]:
    return list(
        visibility.restrict(viewer, AccountTeamMember)
        .filter(current_team_q(), customer=customer)
        .select_related("employee", "employee__department")
        .order_by("role")
    )


def customer_list_with_team(*, viewer: Any, query: str = "") -> QuerySet[Customer]:
    team = AccountTeamMember.objects.filter(current_team_q()).select_related("employee")
    return customer_list(viewer=viewer, query=query).prefetch_related(Prefetch("account_team", queryset=team))
