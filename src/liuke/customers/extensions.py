"""How later apps add to the customer page without the customer archive depending on them.

An app registers a *section* (a card on the customer page, shown only when it has something to show)
and/or a *timeline source* (items merged into the customer's timeline), the same way apps widen
visibility through ``core.visibility`` grants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .models import Customer


@dataclass
class Section:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    # "main" (left, with the archive), "side" (right, with the team) or "actions" (buttons beside the name)
    column: str = "side"
    order: int = 50


SectionFn = Callable[[Any, Customer], Section | None]
TimelineFn = Callable[[Any, list[int], int], list[Any]]

_sections: list[SectionFn] = []
_timeline: list[TimelineFn] = []


def register_section(fn: SectionFn) -> SectionFn:
    if fn not in _sections:
        _sections.append(fn)
    return fn


def register_timeline(fn: TimelineFn) -> TimelineFn:
    """``fn(viewer, customer_ids, limit)`` returns TimelineItems of those customers (the customer and
    those merged into it), newest first, at most ``limit``."""
    if fn not in _timeline:
        _timeline.append(fn)
    return fn


def sections(viewer: Any, customer: Customer) -> list[Section]:
    found = [s for fn in _sections if (s := fn(viewer, customer)) is not None]
    return sorted(found, key=lambda s: s.order)


def timeline_items(viewer: Any, customer_ids: list[int], limit: int) -> list[Any]:
    items: list[Any] = []
    for fn in _timeline:
        items.extend(fn(viewer, customer_ids, limit))
    return items
