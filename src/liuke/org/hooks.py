"""What other apps do when an employee changes (org depends on no domain app; they register here).

Called explicitly by org's services, inside their transaction, never through signals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

StatusChanged = Callable[..., Any]  # fn(*, employee) after an employee's status changed

_status_changed: list[StatusChanged] = []


def on_status_changed(fn: StatusChanged) -> StatusChanged:
    """Register ``fn(employee=...)``: whether they count on account teams changed, for example."""
    if fn not in _status_changed:
        _status_changed.append(fn)
    return fn


def status_changed(*, employee: Any) -> None:
    for fn in _status_changed:
        fn(employee=employee)
