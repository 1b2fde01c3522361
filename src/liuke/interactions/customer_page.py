"""What record cards add to the customer page: open problems and follow-ups, and cards in the timeline."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from liuke.core import visibility
from liuke.customers import extensions
from liuke.customers.models import Customer
from liuke.customers.selectors import TimelineItem

from . import selectors
from .choices import CardStatus

TIMELINE_CARDS = 20  # the rest are on the customer's card timeline (paginated)


@extensions.register_section
def problems_and_follow_ups(viewer: Any, customer: Customer) -> extensions.Section:
    """Always shown: the way to write a card lives here, with what is still open."""
    problems = list(selectors.open_problems(viewer=viewer, customer=customer))
    follow_ups = list(selectors.open_follow_ups(viewer=viewer, customer=customer))
    return extensions.Section(
        template="interactions/_customer_section.html",
        context={
            "customer": customer,
            "problems": problems,
            "follow_ups": follow_ups,
            "today": timezone.localdate(),
            "last_contact": customer.last_contact_at,
            "cards_url": reverse("interactions:customer_cards", args=[customer.pk]),
            "new_card_url": reverse("interactions:card_new") + f"?customer={customer.pk}",
        },
        column="side",
        order=10,
    )


@extensions.register_section
def new_card_action(viewer: Any, customer: Customer) -> extensions.Section | None:
    """The "new record card" button beside the customer's name: on a phone the cards section is screens down."""
    if visibility.scope_for(viewer).employee_id is None or customer.archived_at is not None:
        return None  # only employees write cards, and not about an archived customer
    return extensions.Section(
        template="interactions/_customer_actions.html",
        context={"new_card_url": reverse("interactions:card_new") + f"?customer={customer.pk}"},
        column="actions",
        order=10,
    )


@extensions.register_timeline
def cards_in_timeline(viewer: Any, customer_ids: list[int], limit: int) -> list[TimelineItem]:
    # The customer page fetched its customer through visibility: its cards are visible with it.
    cards = list(
        selectors.cards_of_customer(viewer=viewer, customer_ids=customer_ids)
        .filter(status=CardStatus.SUBMITTED)
        .select_related("author")
        .order_by("-occurred_at", "-id")[: min(limit, TIMELINE_CARDS)]
    )
    return [
        TimelineItem(
            time=c.occurred_at,
            kind="card",
            title=f"{c.get_kind_display()} · {c.author.name}",
            actor=c.author.name,
            obj=c,
            url=c.get_absolute_url(),
        )
        for c in cards
    ]
