"""How later apps add to the customer page without the customer archive depending on them.

An app registers a *section* (a card on the customer page, shown only when it has something to show)
and/or a *timeline source* (items merged into the customer's timeline), the same way apps widen
visibility through ``core.visibility`` grants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from liuke.core import registry

from .models import Customer

Section = registry.Section  # one mechanism for every page: core.registry.page_section
SectionFn = Callable[[Any, Customer], Section | None]
TimelineFn = Callable[[Any, list[int], int], list[Any]]

_timeline: list[TimelineFn] = []


def register_section(fn: SectionFn) -> SectionFn:
    """A card on the customer page (``core.registry.page_section("customer", fn)``)."""
    return registry.page_section("customer", fn)


def register_timeline(fn: TimelineFn) -> TimelineFn:
    """``fn(viewer, customer_ids, limit)`` returns TimelineItems of those customers (the customer and
    those merged into it), newest first, at most ``limit``."""
    if fn not in _timeline:
        _timeline.append(fn)
    return fn


def sections(viewer: Any, customer: Customer) -> list[Section]:
    return registry.sections_for_page("customer", viewer, customer)


def timeline_items(viewer: Any, customer_ids: list[int], limit: int) -> list[Any]:
    items: list[Any] = []
    for fn in _timeline:
        items.extend(fn(viewer, customer_ids, limit))
    return items
