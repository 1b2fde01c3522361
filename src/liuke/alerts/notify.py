"""Notifications: who hears of an alert, and through which channels (in-app, e-mail, digest, group robots).

The one way liuke tells people of alerts. Sending never blocks screening: messages are queued as
Celery tasks that retry on failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def alerts_raised(alert_ids: Sequence[int], *, reason: str) -> None:
    """Tell the people who see these alerts (newly opened or reopened by a screening)."""


def alert_assigned(alert: Any, assignee: Any) -> None:
    """Tell ``assignee`` an alert was given to them."""


def register() -> None:
    """The bell in the top bar and the preferences API."""
