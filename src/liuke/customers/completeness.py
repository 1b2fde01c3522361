"""The completeness score (0-100): can a stranger take this customer over from the archive alone?"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import is_blank
from .models import Customer, FieldDefinition

MIN_CONTACTS = 2

# Core items every archive needs: (key, label, weight).
CORE_ITEMS = [
    ("address", _("Address with its administrative division"), 3),
    ("phone", _("Switchboard phone"), 2),
    ("grade", _("Grade (A/B/C)"), 2),
    ("contacts", _("At least two contacts"), 5),
    ("team", _("Account team: two people in two roles"), 5),
    ("recent_contact", _("A record card within the grade's contact cadence"), 5),
]

DEFAULT_CADENCE_DAYS = {"A": 14, "B": 30, "C": 60}


def cadence_days(grade: str) -> int:
    """How often a customer of this grade should be contacted (settings.LIUKE_CONTACT_CADENCE_DAYS);
    a customer without a grade is held to the loosest cadence."""
    cadence = {**DEFAULT_CADENCE_DAYS, **getattr(settings, "LIUKE_CONTACT_CADENCE_DAYS", {})}
    return cadence.get(grade or "", max(cadence.values()))


def contacted_recently(customer: Customer, today: dt.date | None = None) -> bool:
    if customer.last_contact_at is None:
        return False
    today = today or timezone.localdate()
    last = timezone.localtime(customer.last_contact_at).date()
    return (today - last).days <= cadence_days(customer.grade)


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    weight: int
    ok: bool
    group: str = ""


def handover_threshold() -> int:
    return int(getattr(settings, "LIUKE_HANDOVER_READY_THRESHOLD", 80))


def breakdown(
    customer: Customer, *, definitions: list[FieldDefinition], contact_count: int, team_people: int, team_roles: int
) -> list[Item]:
    """Each item that counts for this customer, with whether it is met."""
    values: dict[str, Any] = customer.fields or {}
    met = {
        "address": bool(customer.address) and customer.division_id is not None,
        "phone": bool(customer.phone),
        "grade": bool(customer.grade),
        "contacts": contact_count >= MIN_CONTACTS,
        "team": team_people >= 2 and team_roles >= 2,
        "recent_contact": contacted_recently(customer),
    }
    items = [Item(key, str(label), weight, met[key]) for key, label, weight in CORE_ITEMS]
    for defn in definitions:
        if defn.is_required_for(customer.kind):
            items.append(Item(defn.key, defn.label, defn.weight, not is_blank(values.get(defn.key)), defn.group.label))
    return items


def score(items: list[Item]) -> int:
    total = sum(i.weight for i in items)
    if not total:
        return 100
    return round(100 * sum(i.weight for i in items if i.ok) / total)
